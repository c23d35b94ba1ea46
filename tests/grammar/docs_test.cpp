// The language reference: every ```vigil block of docs/language.md is a complete file that
// parses without a diagnostic, and docs/examples holds exactly those blocks, in order. The
// cookbook: a page per shipped policy file, and every ```vigil block of docs/cookbook/*.md is the
// file under docs/cookbook/examples/ that its first line names. (tests/cli/cli_test.cpp checks
// every block of docs/ with `vigil check`, and runs the cases beside the cookbook's examples.)

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include "helpers.hpp"
#include "support/golden.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> vigil_blocks(const std::string& markdown) {
    std::vector<std::string> blocks;
    const std::string open = "```vigil\n";
    for (std::size_t at = markdown.find(open); at != std::string::npos; at = markdown.find(open, at)) {
        at += open.size();
        const std::size_t close = markdown.find("```", at);
        BOOST_REQUIRE(close != std::string::npos);
        blocks.push_back(markdown.substr(at, close - at));
        at = close + 3;
    }
    return blocks;
}

}  // namespace

BOOST_AUTO_TEST_CASE(language_reference_examples_parse_and_are_saved) {
    const std::string root = VIGIL_SOURCE_DIR;
    const auto blocks = vigil_blocks(read_file(root + "/docs/language.md"));
    BOOST_TEST(blocks.size() >= 10u);

    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(root + "/docs/examples")) {
        if (entry.path().extension() == ".vigil") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    BOOST_REQUIRE(files.size() == blocks.size());

    for (std::size_t i = 0; i < blocks.size(); ++i) {
        BOOST_TEST_CONTEXT("example " << files[i].filename().string()) {
            BOOST_TEST(read_file(files[i].string()) == blocks[i], "the file differs from block " << i + 1);
            auto parsed = grammar_test::parse_file(blocks[i], files[i].filename().string());
            BOOST_TEST(parsed->result.diagnostics.empty(),
                       render_all(parsed->result.diagnostics, parsed->sources));
            BOOST_TEST(!parsed->module().policies.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(cookbook_has_a_page_per_policy_file_and_its_examples_are_saved) {
    const fs::path root = VIGIL_SOURCE_DIR;
    const fs::path cookbook = root / "docs" / "cookbook";

    // Every shipped file that defines a policy has its page (common.vigil only shares definitions).
    for (const auto& entry : fs::directory_iterator(root / "policies")) {
        if (entry.path().extension() != ".vigil" || entry.path().filename() == "common.vigil") continue;
        const fs::path page = cookbook / (entry.path().stem().string() + ".md");
        BOOST_TEST(fs::exists(page), "no cookbook page " << page.string() << " for " << entry.path().string());
    }

    const std::string prefix = "# docs/cookbook/examples/";
    std::set<std::string> shown;
    for (const auto& entry : fs::directory_iterator(cookbook)) {
        if (entry.path().extension() != ".md") continue;
        for (const auto& block : vigil_blocks(read_file(entry.path().string()))) {
            BOOST_TEST_CONTEXT(entry.path().filename().string() << ": block " << block.substr(0, 60)) {
                BOOST_REQUIRE_MESSAGE(block.rfind(prefix, 0) == 0,
                                      "a cookbook block starts with `" << prefix << "NAME.vigil:`");
                const std::string name = block.substr(2, block.find(':') - 2);
                shown.insert(name);
                BOOST_REQUIRE(fs::exists(root / name));
                BOOST_TEST(read_file((root / name).string()) == block, "the block differs from " << name);
                auto parsed = grammar_test::parse_file(block, name);
                BOOST_TEST(parsed->result.diagnostics.empty(), render_all(parsed->result.diagnostics, parsed->sources));
                BOOST_TEST(!parsed->module().policies.empty());
            }
        }
    }
    // And every example file is shown on a page.
    for (const auto& entry : fs::directory_iterator(cookbook / "examples")) {
        if (entry.path().extension() != ".vigil") continue;
        const std::string name = "docs/cookbook/examples/" + entry.path().filename().string();
        BOOST_TEST(shown.count(name) == 1u, name << " is on no cookbook page");
    }
    BOOST_TEST(shown.size() >= 6u);
}
