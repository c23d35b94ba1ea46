#pragma once
// Reads one log file line by line, plain or gzip (zlib reads plain files through unchanged),
// with large buffers, and no line longer than a limit: `vigil replay` and `vigil eval` read their
// input with it. A line is a view into the reader's buffer, valid until the next call.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct gzFile_s;

namespace vigil::replay {

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
    /// without a newline is a line; an empty file has none. A line longer than max_line() bytes is
    /// not kept: it is stepped over, `line` is empty and too_long() is true.
    [[nodiscard]] bool next(std::string_view& line);

    /// The longest line kept (the buffer holds at most about twice as much); default 64 MiB.
    void set_max_line(std::size_t bytes) { m_max_line = bytes; }
    [[nodiscard]] std::size_t max_line() const { return m_max_line; }
    /// Whether the line next() returned last was too long to keep, and its length in bytes.
    [[nodiscard]] bool too_long() const { return m_too_long; }
    [[nodiscard]] std::uint64_t long_line_length() const { return m_long_length; }
    /// The bytes the line next() returned last took in the (uncompressed) input, with its line end
    /// (`\n` or `\r\n`); a last line without a newline counts one byte for it.
    [[nodiscard]] std::uint64_t line_bytes() const { return m_line_bytes; }

    [[nodiscard]] bool failed() const { return !m_error.empty(); }
    [[nodiscard]] const std::string& error() const { return m_error; }

    /// Bytes of the file itself (compressed, for gzip) consumed so far: progress against its size.
    [[nodiscard]] std::uint64_t raw_offset() const;

private:
    bool fill();
    bool keep_or_refuse(std::string_view& line);
    bool step_over_long_line(std::string_view& line);

    gzFile_s* m_file = nullptr;
    std::vector<char> m_buffer;
    std::size_t m_begin = 0;  // first byte not yet returned
    std::size_t m_end = 0;    // end of the bytes read
    bool m_eof = false;
    std::string m_error;
    std::size_t m_max_line = std::size_t{64} << 20;
    bool m_too_long = false;
    std::uint64_t m_long_length = 0;
    std::uint64_t m_line_bytes = 0;
};

/// Why a line over the limit was not read: its length and the limit, in one line.
[[nodiscard]] std::string long_line_reason(std::uint64_t length, std::size_t limit);

}  // namespace vigil::replay
