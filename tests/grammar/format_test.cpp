// vigil fmt's layouts (vigil/format.hpp). Over every policy file and every test file of the
// repository: the layout says the same (meaning_hash of both parses), keeps every comment, and is
// its own layout; the shipped files are already in it. Golden files: tests/golden/fmt/<name>.vigil
// or <name>.tests and its layout, or its diagnostics when it does not parse, in <name>.golden
// (UPDATE_GOLDEN=1 rewrites them).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <tao/pegtl.hpp>

#include "../../grammar/src/rules.hpp"
#include "../../grammar/src/tests_rules.hpp"
#include "support/golden.hpp"
#include "vigil/format.hpp"
#include "vigil/meaning.hpp"
#include "vigil/parse.hpp"
#include "vigil/test_parse.hpp"

namespace fs = std::filesystem;

namespace {

// The comments of a text as the grammar itself matches them (trivia::comment, which both grammars
// use), without the blanks at their end, which the layout drops. Independent of the formatter's
// own reading.
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

template <typename Grammar = vigil::grammar::rules::file>
std::vector<std::string> sorted_comments(const std::string& text) {
    comment_state state;
    state.text = text.data();
    tao::pegtl::memory_input<tao::pegtl::tracking_mode::lazy> in(text.data(), text.size(), "comments");
    const bool parsed = tao::pegtl::parse<Grammar, comment_action>(in, state);
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

// Every file of the repository with the extension (`.vigil`, `.tests`), by its path from the
// source directory.
std::vector<std::string> every_file(const std::string& extension) {
    const fs::path root = VIGIL_SOURCE_DIR;
    std::vector<std::string> files;
    for (const char* folder : {"policies", "docs", "tests", "examples", "bench", "fuzz"}) {
        if (!fs::exists(root / folder)) continue;
        for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
            if (entry.path().extension() == extension) files.push_back(fs::relative(entry.path(), root).string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::string> every_policy_file() {
    return every_file(".vigil");
}

struct parsed_tests {
    vigil::source_map sources;
    vigil::file_id file = 0;
    vigil::result<vigil::test_file> tests;
};

std::unique_ptr<parsed_tests> parse_tests(const std::string& name, const std::string& text) {
    auto out = std::make_unique<parsed_tests>();
    out->file = out->sources.add(name, text);
    out->tests = vigil::parse_test_file(out->sources, out->file);
    return out;
}

vigil::result<std::string> format_tests(const std::string& name, const std::string& text) {
    vigil::source_map sources;
    return vigil::format_test_file(sources, sources.add(name, text));
}

// The layout of a test file that must have one.
std::string laid_out(const std::string& text) {
    const auto formatted = format_tests("t.tests", text);
    BOOST_REQUIRE_MESSAGE(formatted.value.has_value(), "the test file does not parse:\n" << text);
    return *formatted.value;
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
        if (entry.path().extension() == ".vigil" || entry.path().extension() == ".tests") cases.push_back(entry.path());
    }
    std::sort(cases.begin(), cases.end());
    BOOST_TEST(cases.size() >= 4u);
    for (const auto& path : cases) {
        const std::string name = path.stem().string();
        const bool tests = path.extension() == ".tests";
        BOOST_TEST_CONTEXT("golden case " << path.filename().string()) {
            vigil::source_map sources;
            const vigil::file_id id =
                sources.add("tests/golden/fmt/" + path.filename().string(), read_file(path.string()));
            const auto formatted = tests ? vigil::format_test_file(sources, id) : vigil::format_policy(sources, id);
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

// ---------------------------------------------------------------------------------- test files

// The inputs of the golden files are messy on purpose; every other test file of the repository
// that parses (the shipped ones, the examples in docs/, the test suites' inputs) is in layout.
bool is_messy_on_purpose(const std::string& path) {
    return path.rfind("tests/golden/fmt/", 0) == 0;
}

BOOST_AUTO_TEST_CASE(the_layout_of_test_files_keeps_meaning_and_comments_and_is_its_own_layout) {
    const auto files = every_file(".tests");
    BOOST_TEST(files.size() >= 30u);
    std::size_t formatted_files = 0;
    for (const std::string& path : files) {
        BOOST_TEST_CONTEXT(path) {
            const std::string text = read_file(std::string(VIGIL_SOURCE_DIR) + "/" + path);
            const auto original = parse_tests(path, text);
            const auto formatted = format_tests(path, text);
            if (vigil::has_errors(original->tests.diagnostics)) {
                // Not formatted, and said why: the parser's diagnostics, as `vigil test` gives them.
                BOOST_TEST(!formatted.value.has_value());
                vigil::source_map sources;
                sources.add(path, text);
                BOOST_TEST(render_all(formatted.diagnostics, sources) ==
                           render_all(original->tests.diagnostics, original->sources));
                BOOST_TEST(!is_shipped(path), "a shipped test file does not parse");
                continue;
            }
            BOOST_REQUIRE(formatted.value.has_value());
            ++formatted_files;
            const auto again = parse_tests(path, *formatted.value);
            BOOST_TEST(render_all(again->tests.diagnostics, again->sources).empty());
            BOOST_REQUIRE(again->tests.value.has_value());
            BOOST_TEST(vigil::meaning_hash(*again->tests.value) == vigil::meaning_hash(*original->tests.value),
                       "the layout says something else:\n"
                           << *formatted.value);
            using test_grammar = vigil::grammar::tests::rules::grammar;
            BOOST_TEST(sorted_comments<test_grammar>(*formatted.value) == sorted_comments<test_grammar>(text),
                       "comments differ:\n"
                           << *formatted.value);
            const auto twice = format_tests(path, *formatted.value);
            BOOST_REQUIRE(twice.value.has_value());
            BOOST_TEST(*twice.value == *formatted.value, "the layout of the layout differs");
            if (!is_messy_on_purpose(path)) BOOST_TEST(*formatted.value == text, "a test file is not in layout");
        }
    }
    BOOST_TEST(formatted_files >= 20u);
}

// The meaning of a test file is what it tests: a change of a name, a record, an expectation or
// their order is seen, a change of layout is not.
BOOST_AUTO_TEST_CASE(the_meaning_of_a_test_file_is_its_cases_in_order) {
    const std::string base =
        "policy \"p\"\ncase \"a\" {\n  record {\"x\": 1}\n  expect violation r\n}\n"
        "case \"b\" {\n  turn {\"y\": [1, 2]}\n  turn {}\n  expect turn 2 pass r message \"m\"\n}\n";
    auto meaning = [](const std::string& text) {
        const auto parsed = parse_tests("t.tests", text);
        BOOST_REQUIRE(!vigil::has_errors(parsed->tests.diagnostics));
        return vigil::meaning_hash(*parsed->tests.value);
    };
    BOOST_TEST(meaning(base) ==
               meaning("# a comment\npolicy   \"p\"\n\ncase \"a\"{record{ \"x\" :1 } expect violation r}"
                       "\ncase \"b\" { turn {\"y\": [1,\n 2]} turn {} expect turn 2 pass r message "
                       "\"m\" }"));
    const std::pair<std::string, std::string> changes[] = {
        {"policy \"p\"", "policy \"q\""},
        {"case \"a\"", "case \"c\""},
        {"{\"x\": 1}", "{\"x\": 2}"},
        {"{\"x\": 1}", "{\"x\": 1.0}"},
        {"record", "turn"},
        {"expect violation r", "expect undetermined r"},
        {"turn 2 pass", "turn 1 pass"},
        {"message \"m\"", "message \"n\""},
        {"turn {}\n", ""},
        {"turn {\"y\": [1, 2]}", "turn {\"y\": [2, 1]}"},
        {"expect violation r", "expect decision deny"},
    };
    for (const auto& [from, to] : changes) {
        std::string changed = base;
        changed.replace(changed.find(from), from.size(), to);
        BOOST_TEST(meaning(changed) != meaning(base), from << " -> " << to);
    }
    std::string swapped = base;  // the same cases in the other order
    const std::size_t second = swapped.find("case \"b\"");
    swapped = swapped.substr(second) + swapped.substr(0, second);
    BOOST_TEST(meaning(swapped) != meaning(base));
}

// Comments stay where they were, next to the same tokens, wherever the grammar lets them stand.
BOOST_AUTO_TEST_CASE(test_file_comments_stay_in_place) {
    BOOST_TEST(laid_out("policy \"p\"   # the policy   \n"
                        "case \"c\" {   // opens\n"
                        "record  // before the object\n"
                        "   {\"text\": \"# not a comment\"}   # after it\n"
                        "  expect violation a,   # the first\n"
                        "        b\n"
                        "      # before the end\n"
                        "}  # closed\n"
                        "# last\n") ==
               "policy \"p\" # the policy\n"
               "case \"c\" { // opens\n"
               "  record // before the object\n"
               "      {\"text\": \"# not a comment\"} # after it\n"
               "  expect violation a, # the first\n"
               "      b\n"
               "  # before the end\n"
               "} # closed\n"
               "# last\n");
}

// Inside an object only the indentation of its later lines changes: strings, escapes and
// characters of any script stay byte for byte, on the line they were on.
BOOST_AUTO_TEST_CASE(test_file_json_strings_are_kept_byte_for_byte) {
    const std::string first = R"({"text": "Ça coûte 5 € — אני מצטער 😊 \u00e9\u200b\ud83d\ude00 \"{[\" \\ \/ \t\n",)";
    const std::string second = R"("ключ": "値 ]} #//", "n": [1.50, -0.0, 1e3, true, null]})";
    const std::string text = "case \"c\" {\n  record     " + first + "\n\t\t  " + second + "   \n}\n";
    const std::string expected = "case \"c\" {\n  record " + first + "\n          " + second + "\n}\n";
    BOOST_TEST(laid_out(text) == expected);
    BOOST_TEST(laid_out(expected) == expected);
}

// The lines of a multi-line object move with the line that opens it, as lines inside brackets do
// in a policy file: under the innermost open bracket, or two spaces deeper than the line that
// opened it when the bracket ends its line.
BOOST_AUTO_TEST_CASE(test_file_objects_are_indented_by_their_open_brackets) {
    BOOST_TEST(laid_out("defaults {\"a\": [1,\n2],\n\"b\": {\"c\":\n1\n}\n}\n") ==
               "defaults {\"a\": [1,\n"
               "                2],\n"
               "          \"b\": {\"c\":\n"
               "                1\n"
               "               }\n"
               "         }\n");
    BOOST_TEST(laid_out("case \"c\" {\nturn {\n\"a\": [\n1,\n\n2\n],\n\"b\": {\n}\n}\n}\n") ==
               "case \"c\" {\n"
               "  turn {\n"
               "    \"a\": [\n"
               "      1,\n"
               "\n"
               "      2\n"
               "    ],\n"
               "    \"b\": {\n"
               "    }\n"
               "  }\n"
               "}\n");
}

BOOST_AUTO_TEST_CASE(test_file_line_ends_byte_order_marks_and_empty_files) {
    BOOST_TEST(laid_out("\xEF\xBB\xBFpolicy \"p\"\r\ncase \"c\" {\r\n  record {\"a\": 1,  \r\n \"b\": 2}\r\n}\r\n") ==
               "policy \"p\"\ncase \"c\" {\n  record {\"a\": 1,\n          \"b\": 2}\n}\n");
    BOOST_TEST(laid_out("") == "");
    BOOST_TEST(laid_out("\n\n  \n") == "");
    BOOST_TEST(laid_out("\n\n   # one\n\n\n// two   \n\n") == "# one\n\n// two\n");
}

// A file with mistakes only `vigil test` finds (no record, an unknown rule) parses and is laid
// out; one the parser refuses is not, with the parser's diagnostics, which `vigil test` gives too.
BOOST_AUTO_TEST_CASE(test_file_that_does_not_parse_is_refused_with_its_diagnostics) {
    BOOST_TEST(laid_out("case \"c\"{expect turn 9 violation no_such_rule}") ==
               "case \"c\" {\n  expect turn 9 violation no_such_rule\n}\n");
    for (const std::string& text :
         std::vector<std::string>{"case \"c\" {\n  record {\"a\": 1,}\n}\n", "case \"c\" {\n  recrod {}\n}\n",
                                  "policy \"p\"\npolicy \"q\"\n",
                                  "case \"c\" {\n  record {\"a\":\n  expect pass r\n}\n", "case \"\xff\" {}\n"}) {
        BOOST_TEST_CONTEXT(text) {
            const auto formatted = format_tests("t.tests", text);
            BOOST_TEST(!formatted.value.has_value());
            const auto parsed = parse_tests("t.tests", text);
            BOOST_TEST(vigil::has_errors(formatted.diagnostics));
            vigil::source_map sources;
            sources.add("t.tests", text);
            BOOST_TEST(render_all(formatted.diagnostics, sources) ==
                       render_all(parsed->tests.diagnostics, parsed->sources));
        }
    }
}
