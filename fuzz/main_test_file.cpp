// libFuzzer's entry point for the test_file harness (fuzz/test_file.cpp); built only with -DVIGIL_FUZZ=ON.

#include <cstddef>
#include <cstdint>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return vigil::fuzz_test_file(data, size);
}
