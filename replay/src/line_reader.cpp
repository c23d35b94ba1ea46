#include "vigil/line_reader.hpp"

#include <atomic>
#include <cstring>

#include "file_input.hpp"
#include "vigil/evaluate.hpp"

namespace vigil::replay {

namespace {
// A buffer is handed to a batch of replay once read, so a few are in flight: small enough that
// touching them costs few page faults, large enough for few reads.
constexpr std::size_t initial_buffer = 1u << 20;  // grows for a longer line
}  // namespace

line_reader::line_reader() = default;
line_reader::~line_reader() = default;

bool line_reader::open(const std::string& path, std::string& error) {
    m_input = std::make_unique<file_input>();
    return m_input->open(path, error);
}

// A buffer of at least `size` bytes that nobody holds: a spare one, or a new one. Spares smaller
// than that are freed once nobody holds them: buffers only grow (for a line longer than they are).
std::shared_ptr<line_reader::block> line_reader::free_block(std::size_t size) {
    std::shared_ptr<block> taken;
    for (auto& spare : m_spare) {
        // Only this reader hands out shares, so a count of one stays one. The fence orders the
        // reads of whoever let go of it last before the writes into it.
        if (spare.use_count() != 1) continue;
        if (spare->size < size) {
            spare.reset();
        } else if (!taken) {
            std::atomic_thread_fence(std::memory_order_acquire);
            taken = std::move(spare);
        }
    }
    std::erase(m_spare, nullptr);
    if (taken) return taken;
    auto b = std::make_shared<block>();
    b->bytes.reset(new char[size + record_padding]);  // not zeroed: written by the reads first
    b->size = size;
    return b;
}

// Moves the unread bytes to the front and reads more after them; false at the end or on error.
// When the lines read so far are held, the unread bytes move to another buffer instead.
bool line_reader::fill() {
    if (m_eof) return false;
    const std::size_t pending = m_end - m_begin;
    std::size_t size = m_buffer ? m_buffer->size : initial_buffer;  // a file only opened costs nothing
    if (pending == size) size *= 2;                                 // one line longer than the buffer
    if (!m_buffer || m_buffer.use_count() > 1 || size > m_buffer->size) {
        std::shared_ptr<block> next = free_block(size);
        if (pending > 0) std::memcpy(next->bytes.get(), m_buffer->bytes.get() + m_begin, pending);
        if (m_buffer && m_buffer->size >= size) m_spare.push_back(std::move(m_buffer));  // too small: freed
        m_buffer = std::move(next);
    } else if (m_begin > 0) {
        std::memmove(m_buffer->bytes.get(), m_buffer->bytes.get() + m_begin, pending);
    }
    m_begin = 0;
    m_end = pending;
    const std::size_t n = m_input->read(m_buffer->bytes.get() + m_end, m_buffer->size - m_end);
    m_end += n;
    if (m_input->failed()) {
        m_error = m_input->error();  // the lines before the damage are still read
        m_eof = true;
        return n > 0;
    }
    if (n == 0) {
        m_eof = true;
        return false;
    }
    return true;
}

bool line_reader::next(std::string_view& line) {
    m_too_long = false;
    std::size_t scanned = m_begin;
    for (;;) {
        const char* data = m_buffer ? m_buffer->bytes.get() : nullptr;
        const void* nl = scanned < m_end ? std::memchr(data + scanned, '\n', m_end - scanned) : nullptr;
        if (nl) {
            const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
            std::size_t stop = at;
            if (stop > m_begin && data[stop - 1] == '\r') --stop;
            terminate(stop);
            line = std::string_view(data + m_begin, stop - m_begin);
            m_line_bytes = at + 1 - m_begin;
            m_begin = at + 1;
            return keep_or_refuse(line);
        }
        const std::size_t pending = m_end - m_begin;
        if (pending > m_max_line) return step_over_long_line(line);
        if (!fill()) {
            if (pending == 0 || failed()) return false;
            const char* last = m_buffer->bytes.get();
            std::size_t stop = m_end;  // the last line has no newline: its zero goes into the padding
            if (last[stop - 1] == '\r') --stop;
            terminate(stop);
            line = std::string_view(last + m_begin, stop - m_begin);
            m_line_bytes = m_end - m_begin + 1;
            m_begin = m_end;
            return keep_or_refuse(line);
        }
        scanned = m_begin + pending;  // fill() moved the unread bytes to the front
    }
}

// A whole line that is in the buffer, returned as it is unless it is longer than the limit. The
// UTF-8 byte-order mark some Windows tools write at the start of a file is not part of the first
// line (its bytes still count in line_bytes()).
bool line_reader::keep_or_refuse(std::string_view& line) {
    if (m_first_line) {
        m_first_line = false;
        if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    }
    if (line.size() <= m_max_line) return true;
    m_too_long = true;
    m_long_length = line.size();
    line = {};
    return true;
}

// Reads to the end of a line too long to keep, counting its bytes instead of storing them: a log
// with a runaway line (no newline for gigabytes) costs no more memory than one with short lines.
bool line_reader::step_over_long_line(std::string_view& line) {
    m_first_line = false;
    std::uint64_t length = m_end - m_begin;
    m_begin = m_end;
    for (;;) {
        if (!fill()) {
            if (failed()) return false;
            break;  // the file ends inside the line
        }
        const char* data = m_buffer->bytes.get();
        const void* nl = std::memchr(data + m_begin, '\n', m_end - m_begin);
        if (nl) {
            const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
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
    return m_input ? m_input->raw_offset() : 0;
}

void line_reader::keep_digest() {
    if (m_input) m_input->keep_digest();
}

std::string line_reader::digest() {
    // A file not read to its end has no hash to name: what was read is not the file.
    if (!m_input || !m_eof || failed()) return "";
    return m_input->digest();
}

std::string long_line_reason(std::uint64_t length, std::size_t limit) {
    return "the line is " + std::to_string(length) + " bytes long, over the limit of " + std::to_string(limit) +
           " (--max-line): not read";
}

bool is_blank_line(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace vigil::replay
