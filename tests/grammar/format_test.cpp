// vigil fmt's layout (vigil/format.hpp). Over every policy file of the repository: the layout says
// the same (meaning_hash of both parses), keeps every comment, and is its own layout; the shipped
// files are already in it. Golden files: tests/golden/fmt/<name>.vigil and its layout, or its
// diagnostics when it does not parse, in <name>.golden (UPDATE_GOLDEN=1 rewrites them).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <tao/pegtl.hpp>

#include "../../grammar/src/rules.hpp"
#include "support/golden.hpp"
#include "vigil/format.hpp"
#include "vigil/meaning.hpp"
#include "vigil/parse.hpp"

namespace fs = std::filesystem;

namespace {

// The comments of a text as the grammar itself matches them (trivia::comment), without the
// blanks at their end, which the layout drops. Independent of the formatter's own reading.
struct comment_state {
    const char* text = nullptr;
    std::map<std::ptrdiff_t, std::string> found;  // by offset: a comment matched twice (backtracking) counts once

    // What trivia::recover_item asks of a state; a file that parses never recovers.
    [[nodiscard]] int save() const { return 0; }
    void restore(int) {}
    [[nodiscard]] bool starts_line(std::uint32_t) const { return true; }
};

template <typename Rule>
struct comment_action : tao::pegtl::nothing<Rule> {};

template <>
struct comment_action<vigil::grammar::trivia::comment> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, comment_state& state) {
        std::string text = in.string();
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.pop_back();
        state.found.emplace(in.begin() - state.text, std::move(text));
    }
};

std::vector<std::string> sorted_comments(const std::string& text) {
    comment_state state;
    state.text = text.data();
    tao::pegtl::memory_input<tao::pegtl::tracking_mode::lazy> in(text.data(), text.size(), "comments");
    const bool parsed = tao::pegtl::parse<vigil::grammar::rules::file, comment_action>(in, state);
    BOOST_REQUIRE(parsed);
    std::vector<std::string> comments;
    for (auto& [offset, comment] : state.found) comments.push_back(comment);
    std::sort(comments.begin(), comments.end());
    return comments;
}

struct parsed {
    vigil::source_map sources;
    vigil::file_id file = 0;
    vigil::result<vigil::ast::module> module;
};

std::unique_ptr<parsed> parse_text(const std::string& name, const std::string& text) {
    auto out = std::make_unique<parsed>();
    out->file = out->sources.add(name, text);
    vigil::ast::node_id next_id = 1;
    out->module = vigil::parse(out->sources, out->file, next_id);
    return out;
}

vigil::result<std::string> format_text(const std::string& name, const std::string& text) {
    vigil::source_map sources;
    return vigil::format_policy(sources, sources.add(name, text));
}

// Every policy file of the repository, by its path from the source directory.
std::vector<std::string> every_policy_file() {
    const fs::path root = VIGIL_SOURCE_DIR;
    std::vector<std::string> files;
    for (const char* folder : {"policies", "docs", "tests", "examples", "bench", "fuzz"}) {
        if (!fs::exists(root / folder)) continue;
        for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
            if (entry.path().extension() == ".vigil") files.push_back(fs::relative(entry.path(), root).string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Files a person reads as examples of the language: they are in the canonical layout already.
bool is_shipped(const std::string& path) {
    return (path.rfind("policies/", 0) == 0 || path.rfind("docs/", 0) == 0) &&
           path != "docs/tutorial/step2/my-policies/discounts.vigil";  // the tutorial's deliberate mistake
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_layout_keeps_meaning_and_comments_and_is_its_own_layout) {
    const auto files = every_policy_file();
    BOOST_TEST(files.size() >= 40u);
    std::size_t formatted_files = 0;
    for (const std::string& path : files) {
        BOOST_TEST_CONTEXT(path) {
            const std::string text = read_file(std::string(VIGIL_SOURCE_DIR) + "/" + path);
            const auto original = parse_text(path, text);
            const auto formatted = format_text(path, text);
            if (!original->module.value || vigil::has_errors(original->module.diagnostics)) {
                // Not formatted, and said why: the parser's own diagnostics.
                BOOST_TEST(!formatted.value.has_value());
                BOOST_TEST(formatted.diagnostics.size() == original->module.diagnostics.size());
                BOOST_TEST(!is_shipped(path), "a shipped file does not parse");
                continue;
            }
            BOOST_REQUIRE(formatted.value.has_value());
            ++formatted_files;
            const auto again = parse_text(path, *formatted.value);
            BOOST_REQUIRE(again->module.value.has_value());
            BOOST_TEST(render_all(again->module.diagnostics, again->sources).empty());
            BOOST_TEST(vigil::meaning_hash(*again->module.value) == vigil::meaning_hash(*original->module.value),
                       "the layout says something else:\n"
                           << *formatted.value);
            BOOST_TEST(sorted_comments(*formatted.value) == sorted_comments(text), "comments differ:\n"
                                                                                       << *formatted.value);
            const auto twice = format_text(path, *formatted.value);
            BOOST_REQUIRE(twice.value.has_value());
            BOOST_TEST(*twice.value == *formatted.value, "the layout of the layout differs");
            if (is_shipped(path)) BOOST_TEST(*formatted.value == text, "a shipped file is not in canonical layout");
        }
    }
    BOOST_TEST(formatted_files >= 30u);
}

BOOST_AUTO_TEST_CASE(fmt_golden_files) {
    const fs::path folder = fs::path(VIGIL_GOLDEN_DIR) / "fmt";
    std::vector<fs::path> cases;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.path().extension() == ".vigil") cases.push_back(entry.path());
    }
    std::sort(cases.begin(), cases.end());
    BOOST_TEST(cases.size() >= 2u);
    for (const auto& path : cases) {
        const std::string name = path.stem().string();
        BOOST_TEST_CONTEXT("golden case " << name) {
            vigil::source_map sources;
            const vigil::file_id id = sources.add("tests/golden/fmt/" + name + ".vigil", read_file(path.string()));
            const auto formatted = vigil::format_policy(sources, id);
            check_golden("fmt/" + name + ".golden",
                         formatted.value ? *formatted.value : render_all(formatted.diagnostics, sources));
        }
    }
}

// What the layout does with what no shipped file holds.
BOOST_AUTO_TEST_CASE(line_ends_byte_order_marks_and_empty_files) {
    const auto crlf = format_text("crlf", "policy \"p\" {  # note \r\n  rule r {\r\n    forbid  x\r\n  }\r\n}\r\n");
    BOOST_REQUIRE(crlf.value.has_value());
    BOOST_TEST(*crlf.value == "policy \"p\" { # note\n  rule r {\n    forbid x\n  }\n}\n");

    // A placeholder may span lines: the message is kept as written, but for its line ends.
    const auto message = format_text("message",
                                     "policy \"p\" {\r\n rule r {\r\n forbid x\r\n message \"{x # c\r\n"
                                     "  default 1}\"\r\n }\r\n}\r\n");
    BOOST_REQUIRE(message.value.has_value());
    BOOST_TEST(*message.value ==
               "policy \"p\" {\n  rule r {\n    forbid x\n    message \"{x # c\n  default 1}\"\n  }\n}\n");

    const auto bom = format_text("bom", "\xEF\xBB\xBFlet x = 1");
    BOOST_REQUIRE(bom.value.has_value());
    BOOST_TEST(*bom.value == "let x = 1\n");

    const auto empty = format_text("empty", "\n\n  \n");
    BOOST_REQUIRE(empty.value.has_value());
    BOOST_TEST(*empty.value == "");

    const auto comments_only = format_text("comments", "\n\n   # one\n\n\n// two   \n\n");
    BOOST_REQUIRE(comments_only.value.has_value());
    BOOST_TEST(*comments_only.value == "# one\n\n// two\n");
}

BOOST_AUTO_TEST_CASE(tokens_are_printed_as_written) {
    const std::string text =
        "let x = [1e3, 1.50, 0.5E-2, \"a\\u00e9\\n\", r\"\\d+\", -  2, - x, 3 - -4, y default -1, a[-1], f(-1)]\n";
    const auto formatted = format_text("tokens", text);
    BOOST_REQUIRE(formatted.value.has_value());
    BOOST_TEST(*formatted.value ==
               "let x = [1e3, 1.50, 0.5E-2, \"a\\u00e9\\n\", r\"\\d+\", -2, -x, 3 - -4, y default -1, a[-1], f(-1)]\n");
}

// A statement keyword is a name where a path follows it, and `require` inside `then` is not a
// setting of its own: neither starts a line.
BOOST_AUTO_TEST_CASE(keywords_that_are_names_stay_in_their_expression) {
    const auto formatted =
        format_text("names",
                    "policy \"p\" { rule r { when message.flagged and tags[0] == \"x\" then within 2 turns where "
                    "require.x require version.y } }");
    BOOST_REQUIRE(formatted.value.has_value());
    BOOST_TEST(*formatted.value ==
               "policy \"p\" {\n  rule r {\n    when message.flagged and tags[0] == \"x\"\n"
               "    then within 2 turns where require.x require version.y\n  }\n}\n");

    // A field may have a keyword's name; a keyword after a complete expression starts an item,
    // whatever follows it.
    const auto fields =
        format_text("fields",
                    "policy \"p\" { rule r { when x.require and x.count[0] - x.default > 0 forbid [1] contains x "
                    "then within 1 turn forbid [2] "
                    "contains x } }");
    BOOST_REQUIRE(fields.value.has_value());
    BOOST_TEST(
        *fields.value ==
        "policy \"p\" {\n  rule r {\n    when x.require and x.count[0] - x.default > 0\n    forbid [1] contains x\n"
        "    then within 1 turn forbid [2] contains x\n  }\n}\n");
}

BOOST_AUTO_TEST_CASE(a_file_with_only_semantic_errors_is_formatted) {
    const auto formatted = format_text("semantic", "policy \"p\"{rule r{severity hihg\nforbid unknown_name}}");
    BOOST_REQUIRE(formatted.value.has_value());
    BOOST_TEST(*formatted.value == "policy \"p\" {\n  rule r {\n    severity hihg\n    forbid unknown_name\n  }\n}\n");
}
