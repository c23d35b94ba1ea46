#pragma once
// The compression function of SHA-256 over whole 64-byte blocks, in two implementations: portable
// C++, and the x86 SHA extensions (SHA-NI), which a replay uses to hash its logs at the speed it
// reads them. sha256::update() picks one at first use; the tests compare the two.

#include <cstddef>
#include <cstdint>

namespace vigil::detail {

/// Compresses `blocks` blocks of 64 bytes at `data` into `state` (a, b, ..., h).
void sha256_blocks_portable(std::uint32_t state[8], const unsigned char* data, std::size_t blocks);

/// The same with the SHA extensions; false, with `state` untouched, on a CPU without them (or a
/// build for another architecture).
bool sha256_blocks_accelerated(std::uint32_t state[8], const unsigned char* data, std::size_t blocks);

}  // namespace vigil::detail
