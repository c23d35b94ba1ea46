#pragma once
// Helpers for the replay tests: compiling policies through the real loader, checker and compiler,
// temporary directories, and reading files back.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "vigil/check.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/parse.hpp"

namespace replay_test {

using compiled = std::shared_ptr<const vigil::compiled_set>;

/// Loads, checks and compiles policy files or text; fails the test with the diagnostics otherwise.
inline compiled compile_inputs(const std::vector<vigil::policy_input>& inputs,
                               const vigil::compile_options& options = {}) {
    auto loaded = vigil::load(inputs);
    std::string problems;
    for (const auto& d : loaded.diagnostics) problems += d.message + "\n";
    BOOST_REQUIRE_MESSAGE(loaded.ok(), "policies do not load:\n" << problems);
    auto checked = vigil::check(std::move(*loaded.value));
    for (const auto& d : checked.diagnostics) problems += d.message + "\n";
    BOOST_REQUIRE_MESSAGE(checked.ok(), "policies do not check:\n" << problems);
    auto result = vigil::compile(std::move(*checked.value), options);
    BOOST_REQUIRE_MESSAGE(result.ok(), "policies do not compile");
    return *result.value;
}

inline compiled compile_text(const std::string& text, const vigil::compile_options& options = {}) {
    return compile_inputs({{"<test>", text}}, options);
}

/// The shipped policy library.
inline compiled shipped_policies() {
    return compile_inputs({{std::string(VIGIL_SOURCE_DIR) + "/policies", {}}});
}

/// A fresh, empty directory under the system's temporary directory, of this checkout: two
/// checkouts may run their tests at once, and a run reuses the directories of the one before.
inline std::filesystem::path scratch_dir(const std::string& name) {
    const auto checkout = std::hash<std::string_view>{}(VIGIL_SOURCE_DIR) % 1000000;
    const auto dir =
        std::filesystem::temp_directory_path() / ("vigil-replay-test-" + std::to_string(checkout) + "-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace replay_test
