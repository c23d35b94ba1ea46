// The grammar of test files: every construct, as the syntax tree it builds.
#define BOOST_TEST_MODULE policytest
#include <boost/test/unit_test.hpp>

#include <tao/pegtl/contrib/analyze.hpp>

#include "../../grammar/src/tests_rules.hpp"
#include "support/golden.hpp"
#include "vigil/test_parse.hpp"

namespace {

struct parsed {
    vigil::source_map sources;
    vigil::result<vigil::test_file> result;
    std::string dump() const { return render_all(result.diagnostics, sources); }
    std::string text(const vigil::span& s) const { return std::string(sources.text(s)); }
};

std::unique_ptr<parsed> parse(const std::string& text) {
    auto p = std::make_unique<parsed>();
    const vigil::file_id id = p->sources.add("t.tests", text);
    p->result = vigil::parse_test_file(p->sources, id);
    return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(test_grammar_has_no_cycles_without_progress) {
    BOOST_TEST(tao::pegtl::analyze<vigil::grammar::tests::rules::grammar>() == 0u);
}

BOOST_AUTO_TEST_CASE(every_construct) {
    const auto p = parse(R"(# a comment
policy "care", "transparency"   // two policies under test
start "2026-01-01T00:00:00Z"
defaults {"speaker": "ai",
          "text": "a } and a { in a string # not a comment",
          "actions": [{"type": "offer"}]}

case "one record" {
  record {"signals": {"distress": 0.9}}
  expect violation no_upsell
  expect undetermined a, b,c
  expect pass d
  expect decision deny
  expect decision allow
  expect decision allow_with_remedies
  expect no violations
}

case "a conversation" {
  defaults {"channel": "sms"}
  turn {"speaker": "user"}
  turn {
    "speaker": "ai",
    "nested": {"a": {"b": [1, 2, {"c": null}]}}
  }
  expect turn 1 pass x
  expect turn 2 violation y message "sold to a \"distressed\" person"
  expect end violation z
  expect end no violations
}
)");
    BOOST_TEST(p->result.diagnostics.empty(), p->dump());
    BOOST_REQUIRE(p->result.value);
    const vigil::test_file& f = *p->result.value;
    BOOST_REQUIRE(f.policies.size() == 2u);
    BOOST_TEST(f.policies[0].value == "care");
    BOOST_TEST(f.policies[1].value == "transparency");
    BOOST_TEST(p->text(f.policies[1].where) == "\"transparency\"");
    BOOST_REQUIRE(f.start);
    BOOST_TEST(f.start->value == "2026-01-01T00:00:00Z");
    BOOST_REQUIRE(f.defaults);
    BOOST_TEST(f.defaults->value["text"] == "a } and a { in a string # not a comment");
    BOOST_TEST(f.defaults->value["actions"][0]["type"] == "offer");
    BOOST_TEST(p->text(f.defaults->where).front() == '{');
    BOOST_TEST(p->text(f.defaults->where).back() == '}');

    BOOST_REQUIRE(f.cases.size() == 2u);
    const vigil::test_case& one = f.cases[0];
    BOOST_TEST(one.name == "one record");
    BOOST_TEST(p->text(one.name_where) == "\"one record\"");
    BOOST_TEST(p->text(one.where).rfind("case", 0) == 0u);
    BOOST_TEST(!one.defaults);
    BOOST_REQUIRE(one.turns.size() == 1u);
    BOOST_TEST(one.turns[0].record);
    BOOST_TEST(p->text(one.turns[0].keyword) == "record");
    BOOST_TEST(one.turns[0].json.value["signals"]["distress"] == 0.9);
    BOOST_REQUIRE(one.expectations.size() == 7u);
    using k = vigil::expectation_kind;
    BOOST_TEST((one.expectations[0].kind == k::violation));
    BOOST_TEST((one.expectations[0].target.k == vigil::turn_target::kind::last));
    BOOST_TEST(one.expectations[0].rules.size() == 1u);
    BOOST_TEST(one.expectations[0].rules[0].value == "no_upsell");
    BOOST_TEST(p->text(one.expectations[0].rules[0].where) == "no_upsell");
    BOOST_TEST(p->text(one.expectations[0].where) == "expect violation no_upsell");
    BOOST_TEST((one.expectations[1].kind == k::undetermined));
    BOOST_REQUIRE(one.expectations[1].rules.size() == 3u);
    BOOST_TEST(one.expectations[1].rules[2].value == "c");
    BOOST_TEST((one.expectations[2].kind == k::pass));
    BOOST_TEST((one.expectations[3].kind == k::decision));
    BOOST_TEST((one.expectations[3].decision == vigil::decision_kind::deny));
    BOOST_TEST((one.expectations[4].decision == vigil::decision_kind::allow));
    BOOST_TEST((one.expectations[5].decision == vigil::decision_kind::allow_with_remedies));
    BOOST_TEST((one.expectations[6].kind == k::no_violations));

    const vigil::test_case& two = f.cases[1];
    BOOST_REQUIRE(two.defaults);
    BOOST_TEST(two.defaults->value["channel"] == "sms");
    BOOST_REQUIRE(two.turns.size() == 2u);
    BOOST_TEST(!two.turns[0].record);
    BOOST_TEST(p->text(two.turns[1].keyword) == "turn");
    BOOST_TEST(two.turns[1].json.value["nested"]["a"]["b"][2]["c"].is_null());
    BOOST_REQUIRE(two.expectations.size() == 4u);
    BOOST_TEST((two.expectations[0].target.k == vigil::turn_target::kind::number));
    BOOST_TEST(two.expectations[0].target.number == 1u);
    BOOST_TEST(p->text(two.expectations[0].target.where) == "turn 1");
    BOOST_TEST(two.expectations[1].target.number == 2u);
    BOOST_REQUIRE(two.expectations[1].message);
    BOOST_TEST(two.expectations[1].message->text == "sold to a \"distressed\" person");
    BOOST_TEST(p->text(two.expectations[1].message->where) == "\"sold to a \\\"distressed\\\" person\"");
    BOOST_TEST(!two.expectations[0].message);
    BOOST_TEST((two.expectations[2].target.k == vigil::turn_target::kind::end));
    BOOST_TEST(p->text(two.expectations[2].target.where) == "end");
    BOOST_TEST((two.expectations[3].kind == k::no_violations));
    BOOST_TEST(!one.incomplete);
    BOOST_TEST(!two.incomplete);
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_a_file_without_cases) {
    const auto p = parse("# nothing yet\n");
    BOOST_TEST(p->result.diagnostics.empty(), p->dump());
    BOOST_REQUIRE(p->result.value);
    BOOST_TEST(p->result.value->cases.empty());
    BOOST_TEST(p->result.value->policies.empty());
}

BOOST_AUTO_TEST_CASE(windows_line_endings_and_unicode) {
    const auto p = parse(
        "case \"Nederlands: één\" {\r\n  record {\"text\": \"שלום\",\r\n    \"language\": \"he\"}\r\n"
        "  expect no violations\r\n}\r\n");
    BOOST_TEST(p->result.diagnostics.empty(), p->dump());
    BOOST_REQUIRE(p->result.value);
    BOOST_REQUIRE(p->result.value->cases.size() == 1u);
    BOOST_TEST(p->result.value->cases[0].name == "Nederlands: één");
    BOOST_TEST(p->result.value->cases[0].turns[0].json.value["text"] == "שלום");
}

BOOST_AUTO_TEST_CASE(a_byte_order_mark_starts_a_file) {
    const auto p = parse(
        "\xEF\xBB\xBF"
        "case \"c\" {\n  record {}\n}\n");
    BOOST_TEST(p->result.diagnostics.empty(), p->dump());
    BOOST_REQUIRE(p->result.value);
    BOOST_TEST(p->result.value->cases.size() == 1u);
}

BOOST_AUTO_TEST_CASE(strings_take_json_escapes) {
    const auto p = parse("case \"a \\\"quoted\\\" name \\u00e9\" {\n  record {}\n}\n");
    BOOST_TEST(p->result.diagnostics.empty(), p->dump());
    BOOST_REQUIRE(p->result.value);
    BOOST_TEST(p->result.value->cases[0].name == "a \"quoted\" name é");
}

// A number too large for 32 bits is reported as written, where it is (it once wrapped to
// 4294967295), and the expectation, which names no turn, is left out.
BOOST_AUTO_TEST_CASE(a_huge_turn_number_names_no_turn) {
    const auto p = parse("case \"c\" {\n  record {}\n  expect turn 99999999999 pass r\n  expect turn 1 pass r\n}\n");
    BOOST_REQUIRE(p->result.diagnostics.size() == 1u);
    const auto& d = p->result.diagnostics[0];
    BOOST_TEST(std::string(vigil::info(d.value).id) == "V0705");
    BOOST_TEST(d.message == "case `c` has no turn 99999999999");
    BOOST_TEST(p->text(d.where) == "turn 99999999999");
    BOOST_REQUIRE(p->result.value);
    BOOST_REQUIRE(p->result.value->cases[0].expectations.size() == 1u);
    BOOST_TEST(p->result.value->cases[0].expectations[0].target.number == 1u);
}

// Records the evaluator would refuse are refused here, at their place: a number no double holds
// (which made nlohmann::json throw past the parser) and nesting deeper than 1024 levels (which
// overflowed the stack when the record was written out again).
BOOST_AUTO_TEST_CASE(records_out_of_range_are_invalid_json_at_their_place) {
    const auto big = parse("case \"c\" {\n  record {\"turn\": 1e400}\n}\n");
    BOOST_REQUIRE(big->result.diagnostics.size() == 1u);
    BOOST_TEST(std::string(vigil::info(big->result.diagnostics[0].value).id) == "V0702");
    BOOST_TEST(big->text(big->result.diagnostics[0].where) == "1e400");

    const std::string deep = std::string(1100, '[') + std::string(1100, ']');
    const auto nested = parse("case \"c\" {\n  record {\"x\": " + deep + "}\n}\n");
    BOOST_REQUIRE(nested->result.diagnostics.size() == 1u);
    BOOST_TEST(nested->result.diagnostics[0].message ==
               "invalid JSON: objects and arrays nested more than 1024 levels deep");
    // At the 1024th `[` (column 16 is the first): with the record's brace, level 1025.
    BOOST_TEST(nested->sources.locate(nested->result.diagnostics[0].where).column == 15u + 1024u);

    const auto fine =
        parse("case \"c\" {\n  record {\"x\": " + std::string(1023, '[') + std::string(1023, ']') + "}\n}\n");
    BOOST_TEST(fine->result.diagnostics.empty(), fine->dump());
}

BOOST_AUTO_TEST_CASE(every_mistake_is_an_error_with_a_code) {
    // Each line of the table is one independent mistake; together they show that recovery
    // reports each of them once.
    const auto p = parse(R"(policy care
case "a" {
  record {"x": 1,}
  expect maybe r
  turn {"y":
  expect pass r
}
)");
    BOOST_REQUIRE(p->result.value);
    std::vector<std::string> codes;
    for (const auto& d : p->result.diagnostics) codes.push_back(std::string(vigil::info(d.value).id));
    const std::vector<std::string> expected{"V0701", "V0702", "V0701", "V0701"};
    BOOST_TEST(codes == expected, p->dump());
    BOOST_TEST(p->result.value->cases.size() == 1u);
    BOOST_TEST(p->result.value->cases[0].incomplete);
}
