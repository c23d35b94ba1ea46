#include "vigil/line_reader.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace vigil::replay {

namespace {
constexpr std::size_t initial_buffer = 4u << 20;  // grows for a longer line
constexpr unsigned zlib_buffer = 1u << 20;
}  // namespace

line_reader::~line_reader() {
    if (m_file) gzclose(m_file);
}

bool line_reader::open(const std::string& path, std::string& error) {
    errno = 0;
    m_file = path == "-" ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path.c_str(), "rb");
    if (!m_file) {
        error = errno ? std::strerror(errno) : "cannot open";
        return false;
    }
    gzbuffer(m_file, zlib_buffer);
    return true;
}

// Moves the unread bytes to the front and reads more after them; false at the end or on error.
bool line_reader::fill() {
    if (m_eof) return false;
    if (m_begin > 0) {
        std::memmove(m_buffer.data(), m_buffer.data() + m_begin, m_end - m_begin);
        m_end -= m_begin;
        m_begin = 0;
    }
    if (m_buffer.empty()) m_buffer.resize(initial_buffer);  // on the first read: a file only opened costs nothing
    if (m_end == m_buffer.size()) m_buffer.resize(m_buffer.size() * 2);  // one line longer than the buffer
    const std::size_t room = std::min<std::size_t>(m_buffer.size() - m_end, INT_MAX);
    const int n = gzread(m_file, m_buffer.data() + m_end, static_cast<unsigned>(room));
    int code = Z_OK;
    const char* message = gzerror(m_file, &code);
    if (n < 0 || (code != Z_OK && code != Z_BUF_ERROR) || (n == 0 && code == Z_BUF_ERROR)) {
        m_error = code == Z_ERRNO ? std::strerror(errno) : message;
        if (m_error.empty()) m_error = "read error";
        m_eof = true;
        return false;
    }
    if (n == 0) {
        m_eof = true;
        return false;
    }
    m_end += static_cast<std::size_t>(n);
    return true;
}

bool line_reader::next(std::string_view& line) {
    m_too_long = false;
    std::size_t scanned = m_begin;
    for (;;) {
        const void* nl = scanned < m_end ? std::memchr(m_buffer.data() + scanned, '\n', m_end - scanned) : nullptr;
        if (nl) {
            const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - m_buffer.data());
            std::size_t stop = at;
            if (stop > m_begin && m_buffer[stop - 1] == '\r') --stop;
            line = std::string_view(m_buffer.data() + m_begin, stop - m_begin);
            m_line_bytes = at + 1 - m_begin;
            m_begin = at + 1;
            return keep_or_refuse(line);
        }
        const std::size_t pending = m_end - m_begin;
        if (pending > m_max_line) return step_over_long_line(line);
        if (!fill()) {
            if (pending == 0 || failed()) return false;
            std::size_t stop = m_end;  // the last line has no newline
            if (m_buffer[stop - 1] == '\r') --stop;
            line = std::string_view(m_buffer.data() + m_begin, stop - m_begin);
            m_line_bytes = m_end - m_begin + 1;
            m_begin = m_end;
            return keep_or_refuse(line);
        }
        scanned = m_begin + pending;  // fill() moved the unread bytes to the front
    }
}

// A whole line that is in the buffer, returned as it is unless it is longer than the limit.
bool line_reader::keep_or_refuse(std::string_view& line) {
    if (line.size() <= m_max_line) return true;
    m_too_long = true;
    m_long_length = line.size();
    line = {};
    return true;
}

// Reads to the end of a line too long to keep, counting its bytes instead of storing them: a log
// with a runaway line (no newline for gigabytes) costs no more memory than one with short lines.
bool line_reader::step_over_long_line(std::string_view& line) {
    std::uint64_t length = m_end - m_begin;
    m_begin = m_end;
    for (;;) {
        if (!fill()) {
            if (failed()) return false;
            break;  // the file ends inside the line
        }
        const void* nl = std::memchr(m_buffer.data() + m_begin, '\n', m_end - m_begin);
        if (nl) {
            const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - m_buffer.data());
            length += at - m_begin;
            m_begin = at + 1;
            break;
        }
        length += m_end - m_begin;
        m_begin = m_end;
    }
    m_too_long = true;
    m_long_length = length;
    m_line_bytes = length + 1;
    line = {};
    return true;
}

std::uint64_t line_reader::raw_offset() const {
    if (!m_file) return 0;
    const auto at = gzoffset(m_file);
    return at < 0 ? 0 : static_cast<std::uint64_t>(at);
}

std::string long_line_reason(std::uint64_t length, std::size_t limit) {
    return "the line is " + std::to_string(length) + " bytes long, over the limit of " + std::to_string(limit) +
           " (--max-line): not read";
}

}  // namespace vigil::replay
