// Golden files of mistakes in test files: every tests/golden/policytest/syntax/<name>.tests is
// parsed and validated (no policy needed) and its rendered diagnostics are compared with
// <name>.golden; every tests/golden/policytest/names/<name>.tests is run against the policy file
// beside it and the runner's whole report is compared with <name>.golden. UPDATE_GOLDEN=1
// rewrites them.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>

#include "support/golden.hpp"
#include "vigil/policytest.hpp"
#include "vigil/test_parse.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> test_files(const std::string& folder) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(fs::path(VIGIL_GOLDEN_DIR) / folder)) {
        if (entry.path().extension() == ".tests") out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Runs in another working directory while it lives.
struct working_directory {
    explicit working_directory(const fs::path& path) : m_previous(fs::current_path()) { fs::current_path(path); }
    ~working_directory() { fs::current_path(m_previous); }
    working_directory(const working_directory&) = delete;
    working_directory& operator=(const working_directory&) = delete;
    fs::path m_previous;
};

}  // namespace

BOOST_AUTO_TEST_CASE(syntax_golden_files) {
    const auto cases = test_files("policytest/syntax");
    BOOST_TEST(cases.size() >= 10u);
    for (const auto& path : cases) {
        const std::string name = path.stem().string();
        BOOST_TEST_CONTEXT("golden case " << name) {
            vigil::source_map sources;
            // A name relative to the repository, so the output does not depend on where it lives.
            const vigil::file_id id =
                sources.add("tests/golden/policytest/syntax/" + name + ".tests", read_file(path.string()));
            auto parsed = vigil::parse_test_file(sources, id);
            BOOST_REQUIRE(parsed.value);
            std::vector<vigil::diagnostic> all = parsed.diagnostics;
            const auto problems = vigil::policytest::validate(*parsed.value);
            all.insert(all.end(), problems.begin(), problems.end());
            BOOST_TEST(vigil::has_errors(all), "a syntax golden case shows at least one mistake");
            check_golden("policytest/syntax/" + name + ".golden", render_all(all, sources));
        }
    }
}

BOOST_AUTO_TEST_CASE(name_golden_files) {
    const auto cases = test_files("policytest/names");
    BOOST_TEST(cases.size() >= 4u);
    const working_directory here(VIGIL_SOURCE_DIR);  // paths in the report are relative to the repository
    for (const auto& path : cases) {
        const std::string name = path.stem().string();
        BOOST_TEST_CONTEXT("golden case " << name) {
            const auto run = vigil::policytest::run({"tests/golden/policytest/names/" + name + ".tests"});
            const int status = vigil::policytest::exit_status(run, {});
            check_golden("policytest/names/" + name + ".golden",
                         vigil::policytest::report_text(run) + "[exit " + std::to_string(status) + "]\n");
        }
    }
}
