#pragma once
// The bytes of one log file: read as they are, or decompressed when the file is gzip (recognised
// by its first two bytes, as gzip itself does). Decompression uses ISA-L's inflate, two to three
// times as fast as zlib's on these logs: a replay of compressed logs is bounded by its one reader
// (docs/performance.md).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "vigil/sha256.hpp"

struct inflate_state;

namespace vigil::replay {

class file_input {
public:
    file_input();
    ~file_input();
    file_input(const file_input&) = delete;
    file_input& operator=(const file_input&) = delete;

    /// Opens `path` (`-`: standard input) without reading from it. False with `error` set when it
    /// cannot.
    [[nodiscard]] bool open(const std::string& path, std::string& error);

    /// Fills `out` with up to `size` bytes of the file's content (decompressed). Returns how many:
    /// fewer than `size` only at the end of the file or on an error, 0 when nothing is left.
    /// After an error failed() is true and error() says why.
    std::size_t read(char* out, std::size_t size);

    [[nodiscard]] bool failed() const { return !m_error.empty(); }
    [[nodiscard]] const std::string& error() const { return m_error; }

    /// Bytes of the file itself (compressed, for gzip) read so far: progress against its size.
    [[nodiscard]] std::uint64_t raw_offset() const { return m_raw_offset; }

    /// Hashes the bytes of the file itself (compressed, for gzip) as they are read, so that a
    /// file read to its end has the SHA-256 that `sha256sum` gives it without being read twice.
    /// Call before the first read().
    void keep_digest() { m_digest.emplace(); }
    /// The SHA-256 of the bytes read, as 64 lowercase hex digits; empty without keep_digest().
    /// Finishes the hash: call once, after the last read().
    [[nodiscard]] std::string digest() { return m_digest ? m_digest->hex() : std::string(); }

private:
    enum class format { unknown, plain, gzip };

    std::size_t read_plain(char* out, std::size_t size);
    std::size_t inflate(char* out, std::size_t size);
    bool next_member();
    std::size_t fill_input(std::size_t keep);
    std::size_t read_file(char* out, std::size_t size);
    void fail(std::string why);

    int m_fd = -1;
    bool m_owns_fd = false;
    format m_format = format::unknown;
    std::unique_ptr<unsigned char[]> m_in;  // compressed bytes, or the first bytes of a plain file
    std::size_t m_in_begin = 0;             // plain: the first bytes not handed out yet
    std::size_t m_in_end = 0;
    bool m_file_end = false;
    std::unique_ptr<inflate_state> m_inflate;
    std::uint64_t m_raw_offset = 0;
    std::optional<sha256> m_digest;
    std::string m_error;
};

}  // namespace vigil::replay
