#include "file_input.hpp"

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace vigil::replay {

namespace {

// Compressed bytes read at a time.
constexpr std::size_t input_buffer = 128u << 10;

bool gzip_magic(const unsigned char* p) {
    return p[0] == 0x1f && p[1] == 0x8b;
}

std::string inflate_error(int code) {
    switch (code) {
        case ISAL_INVALID_BLOCK:
            return "invalid gzip data: a damaged deflate block";
        case ISAL_INVALID_SYMBOL:
            return "invalid gzip data: a damaged deflate symbol";
        case ISAL_INVALID_LOOKBACK:
            return "invalid gzip data: a distance too far back";
        case ISAL_INVALID_WRAPPER:
            return "invalid gzip header";
        case ISAL_UNSUPPORTED_METHOD:
            return "unsupported gzip compression method";
        case ISAL_INCORRECT_CHECKSUM:
            return "gzip checksum mismatch: the data is damaged";
        default:
            return "invalid gzip data (ISA-L error " + std::to_string(code) + ")";
    }
}

}  // namespace

file_input::file_input() = default;

file_input::~file_input() {
    if (m_owns_fd) ::close(m_fd);
}

bool file_input::open(const std::string& path, std::string& error) {
    if (path == "-") {
        m_fd = STDIN_FILENO;
        return true;
    }
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) {
        error = std::strerror(errno);
        return false;
    }
    m_owns_fd = true;
    // A directory opens, and only its first read fails: refused here, before anything is evaluated.
    struct stat info {};
    if (::fstat(m_fd, &info) == 0 && S_ISDIR(info.st_mode)) {
        error = std::strerror(EISDIR);
        return false;
    }
    ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return true;
}

std::size_t file_input::read(char* out, std::size_t size) {
    if (failed() || size == 0) return 0;
    if (m_format == format::unknown) {
        // The first two bytes tell gzip from plain text; a pipe may deliver them one at a time.
        m_in = std::make_unique<unsigned char[]>(input_buffer);
        while (m_in_end < 2 && !m_file_end && !failed()) m_in_end += fill_input(m_in_end);
        if (failed()) return 0;
        m_format = m_in_end >= 2 && gzip_magic(m_in.get()) ? format::gzip : format::plain;
        if (m_format == format::gzip) {
            m_inflate = std::make_unique<inflate_state>();
            isal_inflate_init(m_inflate.get());
            m_inflate->crc_flag = ISAL_GZIP;
            m_inflate->next_in = m_in.get();
            m_inflate->avail_in = static_cast<std::uint32_t>(m_in_end);
        }
    }
    return m_format == format::gzip ? inflate(out, size) : read_plain(out, size);
}

// The bytes read while telling the format apart first, then straight into `out`.
std::size_t file_input::read_plain(char* out, std::size_t size) {
    const std::size_t early = std::min(size, m_in_end - m_in_begin);
    std::memcpy(out, m_in.get() + m_in_begin, early);
    m_in_begin += early;
    std::size_t done = early;
    while (done < size && !m_file_end && !failed()) done += read_file(out + done, size - done);
    return done;
}

std::size_t file_input::inflate(char* out, std::size_t size) {
    inflate_state& z = *m_inflate;
    std::size_t done = 0;
    while (done < size && !failed()) {
        if (z.block_state == ISAL_BLOCK_FINISH && !next_member()) break;
        if (z.avail_in == 0 && !m_file_end) {
            const std::size_t n = fill_input(0);
            z.next_in = m_in.get();
            z.avail_in = static_cast<std::uint32_t>(n);
            if (failed()) break;
        }
        const std::size_t room = std::min<std::size_t>(size - done, std::numeric_limits<std::uint32_t>::max());
        z.next_out = reinterpret_cast<std::uint8_t*>(out + done);
        z.avail_out = static_cast<std::uint32_t>(room);
        const int code = isal_inflate(&z);
        const std::size_t produced = room - z.avail_out;
        done += produced;
        if (code < 0) {
            fail(inflate_error(code));
            break;
        }
        if (produced == 0 && z.avail_in == 0 && m_file_end && z.block_state != ISAL_BLOCK_FINISH) {
            fail("unexpected end of file: the gzip data is cut short");
            break;
        }
    }
    return done;
}

// After a gzip member: the end of the file, or another member (a concatenation of gzip files is
// one stream, as gzip -d reads it). Anything else after the last member is an error, not ignored.
bool file_input::next_member() {
    inflate_state& z = *m_inflate;
    // Two bytes tell whether another member starts; the one left over, if any, moves to the front.
    while (z.avail_in < 2 && !m_file_end && !failed()) {
        std::memmove(m_in.get(), z.next_in, z.avail_in);
        const std::size_t n = fill_input(z.avail_in);
        z.next_in = m_in.get();
        z.avail_in += static_cast<std::uint32_t>(n);
    }
    if (failed() || z.avail_in == 0) return false;
    if (z.avail_in < 2 || !gzip_magic(z.next_in)) {
        fail("the file goes on after its gzip data with bytes that are not gzip: not read");
        return false;
    }
    std::uint8_t* next_in = z.next_in;
    const std::uint32_t avail_in = z.avail_in;
    isal_inflate_reset(&z);
    z.crc_flag = ISAL_GZIP;
    z.next_in = next_in;
    z.avail_in = avail_in;
    return true;
}

// Reads into the input buffer after its first `keep` bytes; returns how many were read.
std::size_t file_input::fill_input(std::size_t keep) {
    return read_file(reinterpret_cast<char*>(m_in.get()) + keep, input_buffer - keep);
}

// One read() of the file; 0 at its end (m_file_end) or on an error (failed()).
std::size_t file_input::read_file(char* out, std::size_t size) {
    for (;;) {
        const ssize_t n = ::read(m_fd, out, size);
        if (n > 0) {
            m_raw_offset += static_cast<std::uint64_t>(n);
            if (m_digest) m_digest->update(std::string_view(out, static_cast<std::size_t>(n)));
            return static_cast<std::size_t>(n);
        }
        if (n == 0) {
            m_file_end = true;
            return 0;
        }
        if (errno == EINTR) continue;
        fail(std::strerror(errno));
        return 0;
    }
}

void file_input::fail(std::string why) {
    if (m_error.empty()) m_error = std::move(why);
}

}  // namespace vigil::replay
