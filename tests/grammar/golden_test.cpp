// Golden files of syntax errors: every tests/golden/syntax/<name>.vigil is parsed and its
// rendered diagnostics are compared with <name>.golden (UPDATE_GOLDEN=1 rewrites them).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>

#include "support/golden.hpp"
#include "vigil/parse.hpp"

namespace fs = std::filesystem;

BOOST_AUTO_TEST_CASE(syntax_golden_files) {
    const fs::path folder = fs::path(VIGIL_GOLDEN_DIR) / "syntax";
    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.path().extension() == ".vigil") cases.push_back(entry.path());
    }
    std::sort(cases.begin(), cases.end());
    BOOST_TEST(cases.size() >= 9u);

    for (const auto& path : cases) {
        const std::string name = path.stem().string();
        BOOST_TEST_CONTEXT("golden case " << name) {
            vigil::source_map sources;
            // A name relative to the repository, so the output does not depend on where it lives.
            const vigil::file_id id = sources.add("tests/golden/syntax/" + name + ".vigil", read_file(path.string()));
            vigil::ast::node_id next_id = 1;
            const auto parsed = vigil::parse(sources, id, next_id);
            BOOST_TEST(!parsed.diagnostics.empty(), "a syntax golden case shows at least one mistake");
            check_golden("syntax/" + name + ".golden", render_all(parsed.diagnostics, sources));
        }
    }
}
