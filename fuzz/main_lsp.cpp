// libFuzzer's entry point for the lsp harness (fuzz/lsp.cpp); built only with -DVIGIL_FUZZ=ON.

#include <cstddef>
#include <cstdint>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return vigil::fuzz_lsp(data, size);
}
