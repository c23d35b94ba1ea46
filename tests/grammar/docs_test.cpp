// The language reference: every ```vigil block of docs/language.md is a complete file that
// parses without a diagnostic, and docs/examples holds exactly those blocks, in order.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>

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
