// Every operator and function, with three-valued truth: each case is one condition and the truth
// the evaluator gives it for a record ("true", "false" or "unknown").
#include <boost/test/unit_test.hpp>

#include <random>

#include "compile.hpp"
#include "eval_helpers.hpp"

using namespace eval_test;

namespace {

struct truth_case {
    const char* condition;
    const char* expected;
};

void check_all(const char* record, std::initializer_list<truth_case> cases, std::string_view definitions = {}) {
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("condition: " << c.condition) { BOOST_TEST(truth(c.condition, record, nullptr, definitions) == c.expected); }
    }
}

// The one run-time error note of a condition's finding (with the source position stripped).
std::string error_of(const char* condition, const char* record) {
    vigil::finding f;
    std::string t = truth(condition, record, &f);
    BOOST_TEST(t == "unknown");
    if (f.errors.size() != 1) return "<" + std::to_string(f.errors.size()) + " errors>";
    const std::string& e = f.errors[0];
    // "<test>:4:12: message"
    auto colon = e.find(": ");
    BOOST_TEST(e.rfind("<test>:", 0) == 0u, e);
    return colon == std::string::npos ? e : e.substr(colon + 2);
}

const char* const record = R"({
  "t": true, "f": false, "nul": null,
  "n": 7, "z": 0, "neg": -2.5, "two": 2, "nine": 9,
  "s": "Hello World", "empty_text": "",
  "list": [1, 2, 3], "words": ["a", "b"], "empty": [], "holes": [1, null],
  "obj": {"k": "v", "inner": {"x": 1}},
  "items": [{"type": "offer", "amount": 5}, {"type": "refund"}]
})";

}  // namespace

BOOST_AUTO_TEST_SUITE(three_valued_logic)

BOOST_AUTO_TEST_CASE(and_or_not_truth_tables) {
    // t = true, f = false, u = absent (unknown)
    check_all(record, {
                          {"t and t", "true"},     {"t and f", "false"},   {"f and t", "false"},   {"f and f", "false"},
                          {"t and u", "unknown"},  {"u and t", "unknown"}, {"f and u", "false"},   {"u and f", "false"},
                          {"u and u", "unknown"},  {"t or t", "true"},     {"t or f", "true"},     {"f or t", "true"},
                          {"f or f", "false"},     {"t or u", "true"},     {"u or t", "true"},     {"f or u", "unknown"},
                          {"u or f", "unknown"},   {"u or u", "unknown"},  {"not t", "false"},     {"not f", "true"},
                          {"not u", "unknown"},    {"not nul", "unknown"}, {"not (f or u)", "unknown"},
                          {"not (t or u)", "false"},
                      });
}

BOOST_AUTO_TEST_CASE(absence_tests) {
    check_all(record, {
                          {"exists(n)", "true"},          {"exists(u)", "false"},          {"exists(nul)", "false"},
                          {"missing(u)", "true"},         {"missing(nul)", "true"},        {"missing(n)", "false"},
                          {"exists(obj.inner.x)", "true"}, {"exists(obj.inner.y)", "false"}, {"exists(u.v.w)", "false"},
                          {"u == null", "true"},          {"nul == null", "true"},         {"n == null", "false"},
                          {"null == u", "true"},          {"u != null", "false"},          {"n != null", "true"},
                          {"(u default 5) == 5", "true"}, {"(n default 5) == 7", "true"},  {"(nul default \"x\") == \"x\"", "true"},
                          {"(u default v) == 1", "unknown"}, {"(f default true)", "false"},
                          {"exists(list[5])", "false"},   {"exists(list[0])", "true"},
                      });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(operators)

BOOST_AUTO_TEST_CASE(equality_and_order) {
    check_all(record, {
                          {"n == 7", "true"},          {"n != 7", "false"},        {"s == \"Hello World\"", "true"},
                          {"s == 7", "false"},         {"s != 7", "true"},         {"n == \"7\"", "false"},
                          {"t == true", "true"},       {"list == [1, 2, 3]", "true"}, {"list == [1, 2]", "false"},
                          {"u == 1", "unknown"},       {"u != 1", "unknown"},      {"n > 5", "true"},
                          {"n >= 7", "true"},          {"n < 7", "false"},         {"n <= 7", "true"},
                          {"neg < z", "true"},         {"s < \"Z\"", "true"},      {"s > \"a\"", "false"},
                          {"\"a\" > \"B\"", "true"},   {"u < 3", "unknown"},       {"s >= \"Hello World\"", "true"},
                      });
}

BOOST_AUTO_TEST_CASE(arithmetic) {
    check_all(record, {
                          {"n + 1 == 8", "true"},      {"n - 2 == 5", "true"},     {"n * 2 == 14", "true"},
                          {"n / 2 == 3.5", "true"},    {"n % 4 == 3", "true"},     {"-n == -7", "true"},
                          {"-neg == 2.5", "true"},     {"s + \"!\" == \"Hello World!\"", "true"},
                          {"n + u == 8", "unknown"},   {"n / z == 1", "unknown"},  {"n % z == 1", "unknown"},
                          {"2 + 3 * 4 == 14", "true"},
                      });
}

// `+` joins two lists, as it joins two texts; a list joined with another kind is a run-time error.
BOOST_AUTO_TEST_CASE(joined_lists) {
    check_all(record, {
                          {"list + [4] == [1, 2, 3, 4]", "true"},
                          {"[0] + list == [0, 1, 2, 3]", "true"},
                          {"[] + words == words", "true"},
                          {"words + [] == [\"a\", \"b\"]", "true"},
                          {"length(words + list) == 5", "true"},
                          {"4 in list + [4]", "true"},
                          {"5 in list + [4]", "false"},
                          {"2 in holes + [2]", "true"},
                          {"u + [1] == [1]", "unknown"},
                          {"[1] + u == [1]", "unknown"},
                          {"(count x in (list + list): x > 1) == 4", "true"},
                          {"(items + items)[2].type == \"offer\"", "true"},
                          {"any w in ([\"hello\", \"zzzz\"] + [\"world\"]): lower(s) contains w", "true"},
                          {"n in [7] + [8]", "true"},
                          {"\"c\" in [\"a\"] + [\"b\"]", "false"},
                      });
    BOOST_TEST(error_of("(s default []) + list == []", record) ==
               "`+` needs two numbers, two texts or two lists, got a text and a list");
}

// Joined constant lists are one constant list: an imported phrase list extended in place is still
// searched with the other phrases of the text, in one pass (needles.hpp), not element by element.
BOOST_AUTO_TEST_CASE(joined_constant_lists_are_one_phrase_list) {
    const auto set = compile_policy(R"(
let shared = ["only today", "last chance"]
policy "p" {
  let extra = shared + ["act now"]
  rule r {
    forbid any p in extra: lower(text) contains p
  }
})");
    BOOST_REQUIRE(set);
    std::vector<std::string> phrases;
    for (const auto& scan : set->scans) {
        for (const auto& list : scan.phrases) phrases.insert(phrases.end(), list.begin(), list.end());
    }
    BOOST_TEST(phrases == (std::vector<std::string>{"only today", "last chance", "act now"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(membership_and_texts) {
    check_all(record, {
                          {"3 in list", "true"},             {"4 in list", "false"},          {"4 not in list", "true"},
                          {"3 not in list", "false"},        {"\"b\" in words", "true"},      {"\"c\" in words", "false"},
                          {"u in list", "unknown"},          {"1 in u", "unknown"},           {"1 in holes", "true"},
                          {"2 in holes", "unknown"},         {"2 not in holes", "unknown"},   {"n in [7, 8]", "true"},
                          {"\"World\" in s", "true"},        {"\"world\" in s", "false"},     {"\"\" in empty_text", "true"},
                          {"list contains two", "true"},     {"list contains nine", "false"},    {"words contains \"a\"", "true"},
                          {"s contains \"lo W\"", "true"},   {"s contains \"xyz\"", "false"}, {"u contains \"a\"", "unknown"},
                          {"s starts with \"Hell\"", "true"}, {"s starts with \"World\"", "false"},
                          {"s ends with \"World\"", "true"}, {"s ends with \"Hello\"", "false"},
                          {"empty_text ends with \"\"", "true"}, {"u starts with \"a\"", "unknown"},
                          {"s matches \"^H.*d$\"", "true"},  {"s matches \"^h\"", "false"},   {"s matches \"o W\"", "true"},
                          {"u matches \"x\"", "unknown"},
                      });
}

BOOST_AUTO_TEST_CASE(functions) {
    check_all(record, {
                          {"length(s) == 11", "true"},        {"length(list) == 3", "true"},   {"length(empty) == 0", "true"},
                          {"length(\"chỉ\") == 3", "true"},   {"length(u) == 0", "unknown"},   {"lower(s) == \"hello world\"", "true"},
                          {"upper(s) == \"HELLO WORLD\"", "true"}, {"lower(u) == \"x\"", "unknown"},
                      });
}

BOOST_AUTO_TEST_CASE(fields_and_indexing) {
    check_all(record, {
                          {"obj.k == \"v\"", "true"},    {"obj.inner.x == 1", "true"},   {"obj.nope == 1", "unknown"},
                          {"list[0] == 1", "true"},      {"list[2] == 3", "true"},       {"list[-1] == 3", "true"},
                          {"list[-3] == 1", "true"},     {"list[3] == 1", "unknown"},    {"list[-4] == 1", "unknown"},
                          {"items[0].type == \"offer\"", "true"}, {"items[-1].type == \"refund\"", "true"},
                          {"items[1].amount > 1", "unknown"}, {"[1, 2, 3][1] == 2", "true"}, {"u[0] == 1", "unknown"},
                      });
    vigil::finding f;
    BOOST_TEST(truth("list[3] == 1", record, &f) == "unknown");
    BOOST_TEST(f.errors.empty());  // out of range is a missing path, not an error
    BOOST_TEST(f.missing == std::vector<std::string>{"list[]"}, boost::test_tools::per_element());
    BOOST_TEST(truth("obj.inner.y == 1", record, &f) == "unknown");
    BOOST_TEST(f.missing == std::vector<std::string>{"obj.inner.y"}, boost::test_tools::per_element());
    BOOST_TEST(truth("absent_object.a.b == 1", record, &f) == "unknown");
    BOOST_TEST(f.missing == std::vector<std::string>{"absent_object.a.b"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(quantifiers)

BOOST_AUTO_TEST_CASE(over_present_absent_and_empty_lists) {
    check_all(record, {
                          {"any act in items: act.type == \"offer\"", "true"},
                          {"all act in items: act.type == \"offer\"", "false"},
                          {"none act in items: act.type == \"x\"", "true"},
                          {"none act in items: act.type == \"offer\"", "false"},
                          {"(count act in items: act.type == \"offer\") == 1", "true"},
                          {"(count act in items) == 2", "true"},
                          {"any act in items: act.amount > 1", "true"},
                          {"all act in items: act.amount > 1", "unknown"},
                          {"none act in items: act.amount > 10", "unknown"},
                          {"(count act in items: act.amount > 1) == 1", "unknown"},
                          {"all act in items: exists(act.type)", "true"},
                          {"any el in u: el == 1", "unknown"},
                          {"all el in u: el == 1", "unknown"},
                          {"(count el in u) == 0", "unknown"},
                          {"any el in empty: el == 1", "false"},
                          {"all el in empty: el == 1", "true"},
                          {"none el in empty: el == 1", "true"},
                          {"(count el in empty) == 0", "true"},
                          {"any el in holes: el == 1", "true"},
                          {"all el in holes: el == 1", "unknown"},
                          {"any el in [1, 2, n]: el == 7", "true"},
                          {"any wd in words: any el in list: el == 2 and wd == \"b\"", "true"},
                          {"all el in list: any ee in list: ee > el or el == 3", "true"},
                      });
    vigil::finding f;
    BOOST_TEST(truth("all act in items: act.amount > 1", record, &f) == "unknown");
    BOOST_TEST(f.missing == std::vector<std::string>{"items[].amount"}, boost::test_tools::per_element());
    BOOST_TEST(truth("any el in u: el == 1", record, &f) == "unknown");
    BOOST_TEST(f.missing == std::vector<std::string>{"u"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(definitions_in_quantifiers) {
    check_all(record,
              {
                  {"any act in items: act.type in kinds", "true"},
                  {"any act in items: act.amount > limit", "true"},
                  {"big_offer", "true"},
              },
              "let kinds = [\"offer\", \"resource\"]\nlet limit = n - 3\nlet big_offer = any act in items: act.amount >= limit + 1\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(run_time_errors)

BOOST_AUTO_TEST_CASE(notes_for_values_of_the_wrong_kind) {
    BOOST_TEST(error_of("s < 3", record) == "`<` compares a text with a number");
    BOOST_TEST(error_of("n >= s", record) == "`>=` compares a number with a text");
    BOOST_TEST(error_of("s - 1 == 0", record) == "`-` needs two numbers, got a text and a number");
    BOOST_TEST(error_of("s + 1 == 0", record) ==
               "`+` needs two numbers, two texts or two lists, got a text and a number");
    BOOST_TEST(error_of("n / z == 1", record) == "division by zero");
    BOOST_TEST(error_of("n % z == 1", record) == "modulo by zero");
    BOOST_TEST(error_of("s.k == 1", record) == "cannot read field `k` of a text");
    BOOST_TEST(error_of("obj.k.deeper == 1", record) == "cannot read field `deeper` of a text");
    BOOST_TEST(error_of("n[0] == 1", record) == "cannot index a number, only a list");
    BOOST_TEST(error_of("list[0.5] == 1", record) == "a list index must be a whole number, got 0.5");
    BOOST_TEST(error_of("lower(n) == \"7\"", record) == "`lower` expects a text, got a number");
    BOOST_TEST(error_of("length(n) == 1", record) == "`length` expects a text or a list, got a number");
    BOOST_TEST(error_of("any el in s: el == 1", record) == "`any` ranges over a list, got a text");
    BOOST_TEST(error_of("1 in n", record) == "`in` needs a list or a text on the right, got a number");
    BOOST_TEST(error_of("n in s", record) == "`in` on a text needs a text to look for, got a number");
    BOOST_TEST(error_of("s starts with n", record) == "`starts with` needs two texts, got a text and a number");
    BOOST_TEST(error_of("n matches \"7\"", record) == "`matches` needs a text, got a number");
    BOOST_TEST(error_of("-s == 1", record) == "`-` needs a number, got a text");
    BOOST_TEST(error_of("s and t", record) == "expected a condition, got a text");
}

BOOST_AUTO_TEST_CASE(errors_point_at_the_source) {
    vigil::finding f;
    BOOST_TEST(truth("s < 3", record, &f) == "unknown");
    BOOST_REQUIRE_EQUAL(f.errors.size(), 1u);
    // "policy "t" {" is line 1, blank definitions line 2, "rule r {" line 3, "forbid s < 3" line 4.
    BOOST_TEST(f.errors[0] == "<test>:4:12: `<` compares a text with a number");
    // A repeated problem is noted once.
    BOOST_TEST(truth("all el in words: el > 1", record, &f) == "unknown");
    BOOST_TEST(f.errors.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(utf8)

BOOST_AUTO_TEST_CASE(case_mapping_beyond_ascii) {
    const char* vi = R"({"text": "ƯU ĐÃI CHỈ HÔM NAY cho bạn"})";
    BOOST_TEST(truth("lower(text) contains \"chỉ hôm nay\"", vi) == "true");
    BOOST_TEST(truth("lower(\"CHỈ HÔM NAY\") == \"chỉ hôm nay\"", vi) == "true");
    BOOST_TEST(truth("upper(\"ưu đãi\") == \"ƯU ĐÃI\"", vi) == "true");

    const char* nb = R"({"text": "TILBUD KUN I DAG: ÆØÅ"})";
    BOOST_TEST(truth("lower(text) contains \"kun i dag\"", nb) == "true");
    BOOST_TEST(truth("text contains \"kun i dag\"", nb) == "false");
    BOOST_TEST(truth("lower(text) ends with \"æøå\"", nb) == "true");
    BOOST_TEST(truth("upper(\"æøå\") == \"ÆØÅ\"", nb) == "true");

    const char* he = R"({"text": "מבצע רק היום בלבד"})";
    BOOST_TEST(truth("text contains \"רק היום\"", he) == "true");
    BOOST_TEST(truth("lower(text) contains \"רק היום\"", he) == "true");  // Hebrew has no case
    BOOST_TEST(truth("lower(text) == text", he) == "true");

    const char* es = R"({"text": "OFERTA SÓLO HOY"})";
    BOOST_TEST(truth("text matches r\"(?i)sólo hoy\"", es) == "true");
    BOOST_TEST(truth("text matches r\"sólo hoy\"", es) == "false");
    BOOST_TEST(truth("lower(text) == \"oferta sólo hoy\"", es) == "true");

    BOOST_TEST(truth("length(text) == 15", es) == "true");  // code points, not bytes
    BOOST_TEST(truth("lower(text) == \"straße ǆ ω\"", R"({"text": "STRAßE Ǆ Ω"})") == "true");
}

// Text is compared in Unicode normalization form C: a record that writes "chỉ" as `i`, a combining
// hook above and a combining dot below (as some keyboards and macOS do) says what a record that
// writes it as one character says, to every operator, and so does a policy that writes it so.
BOOST_AUTO_TEST_CASE(text_is_compared_composed) {
    // "Ưu đãi CHỈ HÔM NAY", decomposed: U+01AF is U+0055 U+031B, Ỉ is I U+0309, Ô is O U+0302.
    const char* decomposed =
        R"({"text": "U\u031bu \u0111a\u0303i CHI\u0309 HO\u0302M NAY", "word": "chi\u0309", "accents": ["o\u0302"]})";
    BOOST_TEST(truth("lower(text) contains \"chỉ hôm nay\"", decomposed) == "true");
    BOOST_TEST(truth("text contains \"CHỈ HÔM\"", decomposed) == "true");
    BOOST_TEST(truth("text starts with \"Ưu đãi\"", decomposed) == "true");
    BOOST_TEST(truth("word == \"chỉ\"", decomposed) == "true");
    BOOST_TEST(truth("word in [\"chỉ\", \"x\"]", decomposed) == "true");
    BOOST_TEST(truth("\"ô\" in accents", decomposed) == "true");
    BOOST_TEST(truth("length(word) == 3", decomposed) == "true");  // code points of the composed form
    BOOST_TEST(truth("text matches r\"CHỈ\\s+HÔM\"", decomposed) == "true");
    BOOST_TEST(truth("lower(text) matches r\"chỉ hôm nay\"", decomposed) == "true");
    // A phrase list is searched with the other scans of the text in one pass (needles.hpp).
    BOOST_TEST(truth("any p in [\"only today\", \"chỉ hôm nay\"]: lower(text) contains p", decomposed) == "true");

    // The policy written decomposed, the record composed.
    const char* composed = R"({"text": "Ưu đãi CHỈ HÔM NAY", "word": "chỉ"})";
    BOOST_TEST(truth("word == \"chi\\u0309\"", composed) == "true");
    BOOST_TEST(truth("lower(text) contains \"chi\\u0309 ho\\u0302m\"", composed) == "true");
    BOOST_TEST(truth("text matches r\"CHI\u0309\"", composed) == "true");

    // Marks in another order than the canonical one (dot below, class 220, before the circumflex,
    // 230, is canonical; the other order is the same text), a singleton (Ohm sign is Omega), and
    // Hangul written as its letters.
    BOOST_TEST(truth("word == \"ộ\"", R"({"word": "o\u0302\u0323"})") == "true");
    BOOST_TEST(truth("word == \"Ω\"", R"({"word": "\u2126"})") == "true");
    BOOST_TEST(truth("word == \"한\"", R"({"word": "\u1112\u1161\u11ab"})") == "true");
    // A mark after a join composes with the end of the text before it.
    BOOST_TEST(truth("word + \"\\u0301\" == \"é\"", R"({"word": "e"})") == "true");
    // What NFC keeps apart stays apart: a compatibility character is not its plain form.
    BOOST_TEST(truth("word == \"fi\"", R"({"word": "\ufb01"})") == "false");
    BOOST_TEST(truth("word == \"e\"", R"({"word": "é"})") == "false");

    // The evidence shows the text as compared.
    vigil::finding f;
    BOOST_TEST(truth("word == \"chỉ\"", decomposed, &f) == "true");
    BOOST_TEST(f.evidence.find("chỉ") != std::string::npos, f.evidence);
}

// Every `matches` and phrase list over one record-level text is searched in one pass (a text
// scan); each rule must still answer as if it searched alone, whatever the others found.
BOOST_AUTO_TEST_CASE(searches_of_one_text_answer_each_on_their_own) {
    auto set = compile_policy(R"(policy "p" {
  let urgent = ["only today", "last chance"]
  rule at_start { forbid lower(text) matches r"^hello" }
  rule at_end { forbid lower(text) matches r"world$" }
  rule digits { forbid lower(text) matches r"\d+ left" }
  rule urgency { forbid any p in urgent: lower(text) contains p }
  rule calm { require none p in urgent: lower(text) contains p }
  rule raw { forbid text matches r"(?i)SÓLO HOY" }
  rule per_action { forbid any a in actions: a.note matches r"^x" }
})");
    struct example {
        const char* record;
        std::vector<std::string> violated;
    };
    const std::vector<example> examples{
        {R"({"text": "Hello big World", "actions": []})", {"at_start", "at_end"}},
        {R"({"text": "say hello to the world!", "actions": [{"note": "y"}]})", {}},
        {R"({"text": "ONLY TODAY: 3 left", "actions": [{"note": "xy"}]})", {"digits", "urgency", "calm", "per_action"}},
        {R"({"text": "oferta sólo hoy, last chance", "actions": [{"note": "y"}, {"note": "x"}]})",
         {"urgency", "calm", "raw", "per_action"}},
        {R"({"text": "hello world", "actions": []})", {"at_start", "at_end"}},
    };
    vigil::evaluator judge(set);  // one evaluator: its scans must not carry one record's hits to the next
    for (const example& e : examples) {
        vigil::decision d;
        std::string error;
        BOOST_REQUIRE_MESSAGE(judge.decide(e.record, d, error), error);
        std::vector<std::string> violated;
        for (const auto& f : d.findings) {
            BOOST_TEST((f.result == vigil::outcome::violation), f.rule << " " << f.message);
            violated.push_back(f.rule);
        }
        BOOST_TEST(violated == e.violated, e.record);
    }
    // Unknown and non-text subjects answer as before: undetermined, with the absent path or the error.
    const vigil::decision absent = decide(set, R"({"actions": []})");
    BOOST_TEST(absent.findings.size() == 6u);
    for (const auto& f : absent.findings) BOOST_TEST((f.result == vigil::outcome::undetermined), f.rule);
    const vigil::decision number = decide(set, R"({"text": 7, "actions": []})");
    BOOST_TEST(number.findings.size() == 6u);
    for (const auto& f : number.findings) BOOST_TEST(f.errors.size() == 1u, f.rule);
}

// A text scan answers each pattern as an RE2 search of that pattern alone would: phrase lists found
// as needles, regexes run only when a literal they need occurs, the rest in one RE2::Set. Each
// pattern is written twice, over `lower(text)` (scanned) and over `lower(t)` for t in [text]
// (searched alone, as the subject depends on a variable), and both must agree on many texts.
BOOST_AUTO_TEST_CASE(text_scans_answer_as_each_pattern_alone) {
    const std::vector<std::string> conditions{
        R"x(any p in ["only today", "last chance", "op=op", "nur noch", "רק היום", "chỉ hôm nay"]: {s} contains p)x",
        R"x(any p in ["only today", "sold out"]: {s} contains p)x",          // shares a phrase with the first
        R"x(any p in ["ab", "only today"]: {s} contains p)x",                // a phrase too short for a needle
        R"x(any p in ["", "zzzz"]: {s} contains p)x",                        // the empty phrase is always there
        R"x(none p in ["last chance", "ends tonight"]: {s} contains p)x",
        R"x({s} matches r"only \d+ (spots?|seats?) left|nur noch \d+ stück|chỉ còn \d+")x",  // literals it needs
        R"x({s} matches r"(last|final) (chance|call)")x",                    // atoms from a cross product
        R"x({s} matches r"\d+")x",                                           // no literal: every text
        R"x({s} matches r"seats|\d\d")x",                                    // a branch without a literal
        R"x({s} matches r"ONLY \d+")x",                                      // uppercase: cannot match lowered text
        R"x({s} matches r"(?i)Last CHANCE")x",                               // case-insensitive
        R"x({s} matches r"\x4fnly \d")x",                                    // an escaped capital
        R"x({s} matches r"^only")x",
        R"x({s} matches r"stück$")x",
        R"x({s} matches r"Üb(er)?all")x",                                    // an uppercase letter beyond ASCII
        R"x({s} matches r"über(all)?")x",
    };
    // Over the text as it is, and lowered (two scans): FilteredRE2 lowercases the literals it finds,
    // so a pattern with an uppercase letter must not be prefiltered over a text that has them.
    const std::vector<std::pair<std::string, std::string>> subjects{{"lower(text)", "lower(t)"}, {"text", "t"}};
    std::string policy = "policy \"p\" {\n";
    for (std::size_t i = 0; i < conditions.size() * subjects.size(); ++i) {
        std::string scanned = conditions[i % conditions.size()];
        std::string alone = scanned;
        const auto& [whole, part] = subjects[i / conditions.size()];
        scanned.replace(scanned.find("{s}"), 3, whole);
        alone.replace(alone.find("{s}"), 3, part);
        policy += "  rule scanned_" + std::to_string(i) + " { forbid " + scanned + " }\n";
        policy += "  rule alone_" + std::to_string(i) + " { forbid any t in [text]: " + alone + " }\n";
    }
    policy += "}";
    auto set = compile_policy(policy);

    const std::vector<std::string> pieces{"only today", "ONLY ", "only ", "last ", "Last ", "final ", "chance", "CHANCE", "call", "Only ",
                                          "op=op", "nur noch ", "Stück", "stück", "רק היום", "chỉ hôm nay",
                                          "chỉ còn ", "sold out", "ends tonight", "seats", "spot", " left", "ab",
                                          "zzzz", "über", "Über", "all", " ", " ", "12", "7", "x", "é", "Ő", "\xe2\x80\x99"};
    std::mt19937 random(2026);
    vigil::evaluator judge(set);
    for (int round = 0; round < 4000; ++round) {
        std::string text;
        const int parts = static_cast<int>(random() % 7);
        for (int k = 0; k < parts; ++k) text += pieces[random() % pieces.size()];
        if (!text.empty() && random() % 3 == 0) text.erase(random() % text.size(), 1 + random() % 3);  // cut a piece
        nlohmann::json record{{"text", text}};
        std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        vigil::decision d;
        std::string error;
        BOOST_REQUIRE_MESSAGE(judge.decide(line, d, error), error);
        const std::size_t rules = conditions.size() * subjects.size();
        std::vector<bool> scanned(rules, false), alone(rules, false);
        for (const auto& f : d.findings) {
            BOOST_TEST((f.result == vigil::outcome::violation), f.rule << ": " << f.message);
            const std::size_t at = f.rule.find('_');
            const std::size_t i = std::stoul(f.rule.substr(at + 1));
            (f.rule.rfind("scanned", 0) == 0 ? scanned : alone)[i] = true;
        }
        for (std::size_t i = 0; i < rules; ++i) BOOST_TEST(scanned[i] == alone[i], "rule " << i << " on " << line);
    }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_records_is_refused) {
    // simdjson validates UTF-8: a record with a broken sequence is not JSON.
    auto set = compile_policy(R"(policy "p" { rule r { forbid lower(text) == "x" } })");
    vigil::evaluator judge(set);
    vigil::decision d;
    std::string error;
    std::string bad = "{\"text\": \"a\xC3(b\"}";
    BOOST_TEST(!judge.decide(bad, d, error));
    BOOST_TEST(error.rfind("invalid JSON", 0) == 0u, error);
    // The reason quotes what it read, the broken byte written out: it goes into JSON answers as it
    // is (nlohmann's dump() throws on text that is not UTF-8).
    BOOST_TEST(error.find("\\xC3") != std::string::npos, error);
    BOOST_CHECK_NO_THROW((void)nlohmann::json(error).dump());
}

BOOST_AUTO_TEST_SUITE_END()
