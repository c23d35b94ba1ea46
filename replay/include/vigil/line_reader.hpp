#pragma once
// Reads one log file line by line, plain or gzip (file_input), with large buffers, and no line
// longer than a limit: `vigil replay` and `vigil eval` read their input with it. A line is a view
// into the reader's buffer, valid until the next call unless the caller holds the buffer (hold()):
// `vigil replay` hands lines to its workers where they lie, without copying them.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::replay {

class file_input;

class line_reader {
public:
    line_reader();
    ~line_reader();
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    /// Opens `path` (`-`: standard input). Returns false with `error` set when it cannot.
    [[nodiscard]] bool open(const std::string& path, std::string& error);

    /// The next line without its newline (and without a `\r` before it). Returns false at the end
    /// of the file or on a read error (then failed() is true and error() says why). A last line
    /// without a newline is a line; an empty file has none. A line longer than max_line() bytes is
    /// not kept: it is stepped over, `line` is empty and too_long() is true.
    /// A line is followed in memory by a zero byte (written where its line end was) and, with it,
    /// at least record_padding readable bytes: it can be evaluated where it lies (record_text).
    [[nodiscard]] bool next(std::string_view& line);

    /// The buffer the line next() returned last lies in, and a share of it. While a share is held,
    /// the reader reads on into another buffer, so the lines in this one stay valid; the reader
    /// reuses a buffer once no share of it is left.
    [[nodiscard]] const void* buffer() const { return m_buffer.get(); }
    [[nodiscard]] std::shared_ptr<const void> hold() const;

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

    /// Hashes the bytes of the file itself (compressed, for gzip) as they are read; call after
    /// open() and before next().
    void keep_digest();
    /// Once the file was read to its end without failing: its SHA-256 as `sha256sum` prints it
    /// (64 lowercase hex digits). Empty otherwise, or without keep_digest(). Call once.
    [[nodiscard]] std::string digest();

private:
    struct block {
        std::unique_ptr<char[]> bytes;
        std::size_t size = 0;  // bytes that take input; record_padding more follow
        // The shares hold() handed out and not yet let go. Released by the thread that lets go of
        // the last and read with acquire before the block is written again: an ordering that
        // ThreadSanitizer sees (it does not see a fence after shared_ptr::use_count()).
        std::atomic<std::uint32_t> holders{0};

        [[nodiscard]] bool held() const { return holders.load(std::memory_order_acquire) != 0; }
    };

    bool fill();
    void end_lines();
    std::shared_ptr<block> free_block(std::size_t size);
    bool last_line(std::string_view& line);
    bool keep_or_refuse(std::string_view& line);
    bool step_over_long_line(std::string_view& line);

    std::unique_ptr<file_input> m_input;
    std::shared_ptr<block> m_buffer;              // the one being read into
    std::vector<std::shared_ptr<block>> m_spare;  // earlier ones, reused when nobody holds them
    std::size_t m_begin = 0;  // first byte not yet returned
    std::size_t m_end = 0;    // end of the bytes read
    // Where the whole lines of the buffer end: the zero that ends each, and its newline.
    std::vector<std::pair<std::size_t, std::size_t>> m_ends;
    std::size_t m_next_end = 0;  // the first of them not yet returned
    bool m_eof = false;
    bool m_first_line = true;
    std::string m_error;
    std::size_t m_max_line = std::size_t{64} << 20;
    bool m_too_long = false;
    std::uint64_t m_long_length = 0;
    std::uint64_t m_line_bytes = 0;
};

/// Why a line over the limit was not read: its length and the limit, in one line.
[[nodiscard]] std::string long_line_reason(std::uint64_t length, std::size_t limit);

/// True when `line` is empty or holds only JSON whitespace (spaces, tabs, carriage returns). Such
/// a line (a file ending in two newlines has one) carries no record: `vigil eval` and `vigil replay`
/// count it apart, neither a record nor a malformed line.
[[nodiscard]] bool is_blank_line(std::string_view line);

}  // namespace vigil::replay
