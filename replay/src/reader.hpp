#pragma once
// Reads one log file line by line, plain or gzip (zlib reads plain files through unchanged),
// with large buffers. A line is a view into the reader's buffer, valid until the next call.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct gzFile_s;

namespace vigil::replay::detail {

class line_reader {
public:
    line_reader() = default;
    ~line_reader();
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    /// Opens `path` (`-`: standard input). Returns false with `error` set when it cannot.
    [[nodiscard]] bool open(const std::string& path, std::string& error);

    /// The next line without its newline (and without a `\r` before it). Returns false at the end
    /// of the file or on a read error (then failed() is true and error() says why). A last line
    /// without a newline is a line; an empty file has none.
    [[nodiscard]] bool next(std::string_view& line);

    [[nodiscard]] bool failed() const { return !m_error.empty(); }
    [[nodiscard]] const std::string& error() const { return m_error; }

    /// Bytes of the file itself (compressed, for gzip) consumed so far: progress against its size.
    [[nodiscard]] std::uint64_t raw_offset() const;

private:
    bool fill();

    gzFile_s* m_file = nullptr;
    std::vector<char> m_buffer;
    std::size_t m_begin = 0;  // first byte not yet returned
    std::size_t m_end = 0;    // end of the bytes read
    bool m_eof = false;
    std::string m_error;
};

}  // namespace vigil::replay::detail
