#pragma once
// SHA-256 (FIPS 180-4): the policy-set hash that every decision names, and the hashes of the files
// a replay judged and judged them by (as `sha256sum` prints them).

#include <cstddef>
#include <string>
#include <string_view>

namespace vigil {

/// Incremental SHA-256: update() with the bytes in any pieces; `hex()` finishes and returns the
/// digest as 64 lowercase hex digits (call it once).
class sha256 {
public:
    sha256();
    void update(std::string_view data);
    [[nodiscard]] std::string hex();

private:
    void compress(const unsigned char* blocks, std::size_t count);
    unsigned int m_state[8];
    unsigned char m_buffer[64];
    unsigned long long m_length = 0;  // bytes seen
    unsigned m_used = 0;              // bytes in m_buffer
};

}  // namespace vigil
