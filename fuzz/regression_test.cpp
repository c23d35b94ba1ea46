// The inputs that once found bugs (fuzz/regressions/<target>/, docs/fuzzing.md), run through the
// same harnesses as the fuzzers, in every build: no libFuzzer needed, so CI keeps covering them.
// A harness aborts on a broken contract, which fails this program.
#define BOOST_TEST_MODULE fuzz_regressions
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

namespace fs = std::filesystem;

using harness = int (*)(const std::uint8_t*, std::size_t);

// The harness of each folder of fuzz/regressions/, named after its fuzz target.
const std::map<std::string, harness> harnesses = {{"policy", vigil::fuzz_policy},
                                                  {"record", vigil::fuzz_record},
                                                  {"server_body", vigil::fuzz_server_body},
                                                  {"test_file", vigil::fuzz_test_file},
                                                  {"lsp", vigil::fuzz_lsp}};

// Runs every file of `folder` through `run`, in name order; returns how many there were.
std::size_t run_all(const fs::path& folder, harness run) {
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
    }
    std::sort(inputs.begin(), inputs.end());
    for (const auto& path : inputs) {
        BOOST_TEST_MESSAGE("fuzz regression " << folder.filename().string() << "/" << path.filename().string());
        std::ifstream file(path, std::ios::binary);
        const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
        BOOST_TEST(run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) == 0);
    }
    return inputs.size();
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_kept_input_passes_its_harness) {
    std::size_t inputs = 0;
    for (const auto& entry : fs::directory_iterator(VIGIL_REGRESSIONS_DIR)) {
        if (!entry.is_directory()) continue;
        const std::string target = entry.path().filename().string();
        const auto it = harnesses.find(target);
        BOOST_TEST_REQUIRE((it != harnesses.end()),
                           "fuzz/regressions/" << target << " is not named after a fuzz target");
        inputs += run_all(entry.path(), it->second);
    }
    BOOST_TEST(inputs > 0u);
}
