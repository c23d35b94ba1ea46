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

std::shared_ptr<const void> line_reader::hold() const {
    m_buffer->holders.fetch_add(1, std::memory_order_relaxed);
    // The share keeps the block alive, should the reader be gone before it is let go.
    return {m_buffer.get(), [keep = m_buffer](const void*) { keep->holders.fetch_sub(1, std::memory_order_release); }};
}

// A buffer of at least `size` bytes that nobody holds: a spare one, or a new one. Spares smaller
// than that are freed once nobody holds them: buffers only grow (for a line longer than they are).
std::shared_ptr<line_reader::block> line_reader::free_block(std::size_t size) {
    std::shared_ptr<block> taken;
    for (auto& spare : m_spare) {
        // Only this reader hands out shares, so a block no share holds stays so; the acquire in
        // held() orders the reads of whoever let go of it last before the writes into it.
        if (spare->held()) continue;
        if (spare->size < size) {
            spare.reset();
        } else if (!taken) {
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
    if (!m_buffer || m_buffer->held() || size > m_buffer->size) {
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
    end_lines();
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

// Ends every whole line of the buffer with a zero (where its `\n`, or the `\r` before it, was)
// and notes where each ends, and puts a zero after the bytes read. Only fill() writes into a
// buffer, and only into one no share holds: a line handed out may be parsed on another thread
// with the bytes after it (record_padding of them), which must then not change under it.
void line_reader::end_lines() {
    char* data = m_buffer->bytes.get();
    m_ends.clear();
    m_next_end = 0;
    for (std::size_t start = 0; start < m_end;) {
        const void* nl = std::memchr(data + start, '\n', m_end - start);
        if (nl == nullptr) break;
        const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
        std::size_t stop = at;
        if (stop > start && data[stop - 1] == '\r') --stop;
        data[stop] = '\0';
        m_ends.push_back({stop, at});
        start = at + 1;
    }
    data[m_end] = '\0';  // after a last line without a newline, in the padding
}

bool line_reader::next(std::string_view& line) {
    m_too_long = false;
    for (;;) {
        if (m_next_end < m_ends.size()) {
            const auto [stop, at] = m_ends[m_next_end++];
            line = std::string_view(m_buffer->bytes.get() + m_begin, stop - m_begin);
            m_line_bytes = at + 1 - m_begin;
            m_begin = at + 1;
            return keep_or_refuse(line);
        }
        const std::size_t pending = m_end - m_begin;
        if (pending > m_max_line) return step_over_long_line(line);
        if (!fill()) {
            if (pending == 0 || failed()) return false;
            return last_line(line);
        }
    }
}

// The last line of a file that does not end in a newline, already followed by a zero. A `\r` at
// its end is not part of it, and is replaced by a zero too: in a copy of the line when a share
// holds the buffer, since the line before may be parsed with the bytes after it.
bool line_reader::last_line(std::string_view& line) {
    const std::size_t length = m_end - m_begin;
    m_line_bytes = length + 1;
    std::size_t stop = length;
    if (m_buffer->bytes[m_end - 1] == '\r') {
        --stop;
        if (m_buffer->held()) {
            std::shared_ptr<block> copy = free_block(std::max(length, initial_buffer));
            std::memcpy(copy->bytes.get(), m_buffer->bytes.get() + m_begin, length);
            if (m_buffer->size >= copy->size) m_spare.push_back(std::move(m_buffer));
            m_buffer = std::move(copy);
            m_begin = 0;
            m_end = length;
        }
        m_buffer->bytes[m_begin + stop] = '\0';
    }
    line = std::string_view(m_buffer->bytes.get() + m_begin, stop);
    m_begin = m_end;
    return keep_or_refuse(line);
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
        if (!m_ends.empty()) {  // fill() moved the unread bytes, none of them a newline, to the front
            const std::size_t at = m_ends[m_next_end++].second;
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
