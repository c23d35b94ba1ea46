#include "vigil/sha256.hpp"

#include "sha256_blocks.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace vigil {

sha256::sha256()
    : m_state{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19},
      m_buffer{} {}

void sha256::compress(const unsigned char* blocks, std::size_t count) {
    static_assert(sizeof(unsigned int) == sizeof(std::uint32_t));
    auto* state = reinterpret_cast<std::uint32_t*>(m_state);
    if (!detail::sha256_blocks_accelerated(state, blocks, count)) detail::sha256_blocks_portable(state, blocks, count);
}

void sha256::update(std::string_view data) {
    // Whole blocks are compressed where they lie: a replay hashes every byte of its logs, and a
    // copy of each byte into the buffer cost a tenth of the time.
    m_length += data.size();
    const auto* next = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t left = data.size();
    if (m_used > 0) {
        const std::size_t taken = std::min<std::size_t>(left, sizeof m_buffer - m_used);
        std::memcpy(m_buffer + m_used, next, taken);
        m_used += static_cast<unsigned>(taken);
        next += taken;
        left -= taken;
        if (m_used < sizeof m_buffer) return;
        compress(m_buffer, 1);
        m_used = 0;
    }
    const std::size_t whole = left / sizeof m_buffer;
    if (whole > 0) compress(next, whole);
    next += whole * sizeof m_buffer;
    left -= whole * sizeof m_buffer;
    if (left > 0) std::memcpy(m_buffer, next, left);
    m_used = static_cast<unsigned>(left);
}

std::string sha256::hex() {
    const unsigned long long bits = m_length * 8;
    const unsigned char pad = 0x80;
    update(std::string_view(reinterpret_cast<const char*>(&pad), 1));
    const unsigned char zero = 0;
    while (m_used != 56) update(std::string_view(reinterpret_cast<const char*>(&zero), 1));
    unsigned char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(std::string_view(reinterpret_cast<const char*>(length), 8));
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::uint32_t word : m_state) {
        for (int shift = 28; shift >= 0; shift -= 4) out.push_back(digits[(word >> shift) & 0xF]);
    }
    return out;
}

}  // namespace vigil
