// Expressions: every construct parses into the expected shape, with the expected spans.

#include <boost/test/unit_test.hpp>

#include <set>

#include "helpers.hpp"

using grammar_test::shape;

BOOST_AUTO_TEST_SUITE(expressions)

BOOST_AUTO_TEST_CASE(literals) {
    BOOST_TEST(shape("123") == "123");
    BOOST_TEST(shape("0.5") == "0.5");
    BOOST_TEST(shape("1e3") == "1000");
    BOOST_TEST(shape("2.5E-2") == "0.025");
    BOOST_TEST(shape("true") == "true");
    BOOST_TEST(shape("false") == "false");
    BOOST_TEST(shape("null") == "null");
    BOOST_TEST(shape(R"("hello")") == R"("hello")");
    BOOST_TEST(shape(R"("")") == R"("")");
}

BOOST_AUTO_TEST_CASE(string_escapes_are_unescaped) {
    auto value = [](const std::string& text) {
        auto parsed = grammar_test::parse_expr(text);
        BOOST_REQUIRE(parsed->result.value);
        return std::get<std::string>(std::get<vigil::ast::literal>((*parsed->result.value)->kind).value);
    };
    BOOST_TEST(value(R"("a\"b\\c\/d")") == "a\"b\\c/d");
    BOOST_TEST(value(R"("line\nnext\ttab\rcr")") == "line\nnext\ttab\rcr");
    BOOST_TEST(value(R"("caf\u00e9")") == "caf\xC3\xA9");
    BOOST_TEST(value(R"("\u20AC")") == "\xE2\x82\xAC");
    BOOST_TEST(value(R"("\uD83D\uDE00")") == "\xF0\x9F\x98\x80");  // a UTF-16 pair is one character
    BOOST_TEST(value(R"("\u0041\u0042")") == "AB");
    BOOST_TEST(value("\"chỉ hôm nay\"") == "chỉ hôm nay");  // UTF-8 text is kept as written
    BOOST_TEST(value("\"רק היום\"") == "רק היום");
}

BOOST_AUTO_TEST_CASE(raw_strings_keep_backslashes) {
    BOOST_TEST(shape(R"(text matches r"(?i)\bonly today\b")") == R"((matches text "(?i)\\bonly today\\b"))");
    BOOST_TEST(shape(R"(r"\d+")") == R"("\\d+")");
    BOOST_TEST(shape(R"(r"")") == R"("")");
}

BOOST_AUTO_TEST_CASE(precedence_of_logic) {
    BOOST_TEST(shape("a or b and c") == "(or a (and b c))");
    BOOST_TEST(shape("a and b or c") == "(or (and a b) c)");
    BOOST_TEST(shape("a or b or c") == "(or (or a b) c)");
    BOOST_TEST(shape("not a == b") == "(not (== a b))");
    BOOST_TEST(shape("not a and b") == "(and (not a) b)");
    BOOST_TEST(shape("not not a") == "(not (not a))");
    BOOST_TEST(shape("(a or b) and c") == "(and (or a b) c)");
}

BOOST_AUTO_TEST_CASE(precedence_of_arithmetic_and_default) {
    BOOST_TEST(shape("a default b + 1") == "(+ (default a b) 1)");
    BOOST_TEST(shape("a default b default c") == "(default (default a b) c)");
    BOOST_TEST(shape("a + b * c") == "(+ a (* b c))");
    BOOST_TEST(shape("a - b - c") == "(- (- a b) c)");
    BOOST_TEST(shape("a / b % c") == "(% (/ a b) c)");
    BOOST_TEST(shape("1 + 2 < 3 * 4") == "(< (+ 1 2) (* 3 4))");
    BOOST_TEST(shape("-signals.sentiment > 0.5") == "(> (- signals.sentiment) 0.5)");
    BOOST_TEST(shape("- -x") == "(- (- x))");
    BOOST_TEST(shape("a - -1") == "(- a (- 1))");
    BOOST_TEST(shape("-x default 0") == "(- (default x 0))");
    BOOST_TEST(shape("signals.sentiment default -1 < 0") == "(< (default signals.sentiment (- 1)) 0)");
}

BOOST_AUTO_TEST_CASE(comparisons) {
    BOOST_TEST(shape("a == b") == "(== a b)");
    BOOST_TEST(shape("a != b") == "(!= a b)");
    BOOST_TEST(shape("a <= b") == "(<= a b)");
    BOOST_TEST(shape("a >= b") == "(>= a b)");
    BOOST_TEST(shape("a < b") == "(< a b)");
    BOOST_TEST(shape("a > b") == "(> a b)");
    BOOST_TEST(shape("signals.distress >= 0.6") == "(>= signals.distress 0.6)");
    BOOST_TEST(shape(R"("anxiety" in signals.emotions)") == R"((in "anxiety" signals.emotions))");
    BOOST_TEST(shape(R"(x not in ["a", "b"])") == R"((not_in x ["a", "b"]))");
    BOOST_TEST(shape(R"(lower(text) contains "only today")") == R"((contains lower(text) "only today"))");
    BOOST_TEST(shape(R"(text starts with "Hello")") == R"((starts_with text "Hello"))");
    BOOST_TEST(shape(R"(text ends with "!")") == R"((ends_with text "!"))");
    BOOST_TEST(shape(R"(text matches "^a+$")") == R"((matches text "^a+$"))");
    BOOST_TEST(shape("a + 1 == b * 2 and c") == "(and (== (+ a 1) (* b 2)) c)");
}

BOOST_AUTO_TEST_CASE(paths_indexes_and_calls) {
    BOOST_TEST(shape("actions[0].type") == "actions[0].type");
    BOOST_TEST(shape("actions[-1]") == "actions[(- 1)]");
    BOOST_TEST(shape("a.b[i + 1].c") == "a.b[(+ i 1)].c");
    BOOST_TEST(shape("not exists(user.consent.marketing)") == "(not exists(user.consent.marketing))");
    BOOST_TEST(shape("length(signals.emotions) > 2") == "(> length(signals.emotions) 2)");
    BOOST_TEST(shape("f()") == "f()");
    BOOST_TEST(shape("f(a, b + 1, [c])") == "f(a, (+ b 1), [c])");
    BOOST_TEST(shape("lower(text).x") == "lower(text).x");
    BOOST_TEST(shape("(a).b") == "a.b");
}

BOOST_AUTO_TEST_CASE(lists) {
    BOOST_TEST(shape("[]") == "[]");
    BOOST_TEST(shape("[1]") == "[1]");
    BOOST_TEST(shape("[1, 2, 3]") == "[1, 2, 3]");
    BOOST_TEST(shape("[1, 2, 3,]") == "[1, 2, 3]");
    BOOST_TEST(shape("[[1], [], [2, 3]]") == "[[1], [], [2, 3]]");
    BOOST_TEST(shape("[\n  \"a\",  # first\n  \"b\"\n]") == R"(["a", "b"])");
}

BOOST_AUTO_TEST_CASE(keywords_are_field_names_after_a_dot) {
    BOOST_TEST(shape("a.count") == "a.count");
    BOOST_TEST(shape("a.in.not.default") == "a.in.not.default");
    BOOST_TEST(shape("a.true == a.null") == "(== a.true a.null)");
    BOOST_TEST(shape("x.message.when") == "x.message.when");
}

BOOST_AUTO_TEST_CASE(record_fields_named_like_remedies_and_settings) {
    BOOST_TEST(shape("review.human_reviewed default false") == "(default review.human_reviewed false)");
    BOOST_TEST(shape("handoff.offered") == "handoff.offered");
    BOOST_TEST(shape("review") == "review");
    BOOST_TEST(shape("block or notify") == "(or block notify)");
    // A statement keyword starts a path only when a `.` or `[` follows it.
    BOOST_TEST(shape("message.text") == "message.text");
    BOOST_TEST(shape("version[0]") == "version[0]");
    BOOST_TEST(shape("tags . first") == "tags.first");
}

BOOST_AUTO_TEST_CASE(quantifiers) {
    BOOST_TEST(shape(R"(any a in actions: a.type == "offer")") == R"((any a actions (== a.type "offer")))");
    BOOST_TEST(shape("all a in xs: a > 1") == "(all a xs (> a 1))");
    BOOST_TEST(shape("none a in xs: a") == "(none a xs a)");
    BOOST_TEST(shape("count a in actions") == "(count a actions)");
    BOOST_TEST(shape("count a in actions: a.urgent") == "(count a actions a.urgent)");
    BOOST_TEST(shape("any x in [1, 2]: x == 2") == "(any x [1, 2] (== x 2))");
    BOOST_TEST(shape("any a in user.segment: a == \"minor\"") == R"((any a user.segment (== a "minor")))");
    BOOST_TEST(shape("any a in xs: all b in a.ys: b > 1") == "(any a xs (all b a.ys (> b 1)))");
}

BOOST_AUTO_TEST_CASE(quantifier_bodies_are_greedy) {
    BOOST_TEST(shape(R"(any a in actions: a.type == "offer" and a.category in sales)") ==
               R"((any a actions (and (== a.type "offer") (in a.category sales))))");
    BOOST_TEST(shape("any a in xs: a or b") == "(any a xs (or a b))");
    BOOST_TEST(shape("(any a in xs: a) or b") == "(or (any a xs a) b)");
    BOOST_TEST(shape(R"((count a in actions: a.type == "offer") >= 2)") ==
               R"((>= (count a actions (== a.type "offer")) 2))");
    BOOST_TEST(shape("count a in actions >= 2") == "(>= (count a actions) 2)");
    BOOST_TEST(shape("not any a in xs: a") == "(not (any a xs a))");
}

BOOST_AUTO_TEST_CASE(comments_and_line_breaks) {
    BOOST_TEST(shape("a # first\n or b // second\n and c") == "(or a (and b c))");
    BOOST_TEST(shape("signals.distress >= 0.6 or \"anxiety\" in signals.emotions\n   or signals.sentiment <= -0.5") ==
               R"((or (or (>= signals.distress 0.6) (in "anxiety" signals.emotions)) (<= signals.sentiment (- 0.5))))");
    BOOST_TEST(shape("a / b") == "(/ a b)");
    BOOST_TEST(shape("a // b") == "a");
}

BOOST_AUTO_TEST_CASE(spans_cover_the_written_text) {
    auto parsed = grammar_test::parse_expr("lower( text )  contains \"x\" and (a or b) and f(1).g[0]");
    BOOST_REQUIRE(parsed->result.value);
    std::vector<std::string> texts;
    grammar_test::each_node(**parsed->result.value,
                            [&](const vigil::ast::expr& e) { texts.emplace_back(parsed->sources.text(e.where)); });
    const std::vector<std::string> expected{
        "lower( text )  contains \"x\" and (a or b) and f(1).g[0]",  // (and (and ...) ...)
        "lower( text )  contains \"x\" and (a or b)",
        "lower( text )  contains \"x\"",
        "lower( text )",
        "text",
        "\"x\"",
        "(a or b)",
        "a",
        "b",
        "f(1).g[0]",
        "f(1).g",
        "f(1)",
        "1",
        "0",
    };
    BOOST_TEST(texts == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(spans_of_names) {
    auto parsed = grammar_test::parse_expr("any item in list.values: exists(item.field)");
    BOOST_REQUIRE(parsed->result.value);
    const auto& q = std::get<vigil::ast::quantifier>((*parsed->result.value)->kind);
    BOOST_TEST(parsed->sources.text(q.variable_where) == "item");
    const auto& range = std::get<vigil::ast::select>(q.range->kind);
    BOOST_TEST(parsed->sources.text(range.field_where) == "values");
    const auto& c = std::get<vigil::ast::call>(q.body->kind);
    BOOST_TEST(parsed->sources.text(c.function_where) == "exists");
    BOOST_TEST(parsed->sources.text(q.body->where) == "exists(item.field)");
}

BOOST_AUTO_TEST_CASE(node_ids_are_unique_and_come_from_the_counter) {
    auto parsed = grammar_test::parse_expr("any a in xs: a.b > 1 and f(c, [d, e]) default -g");
    BOOST_REQUIRE(parsed->result.value);
    std::set<vigil::ast::node_id> ids;
    std::size_t nodes = 0;
    grammar_test::each_node(**parsed->result.value, [&](const vigil::ast::expr& e) {
        ids.insert(e.id);
        ++nodes;
    });
    BOOST_TEST(ids.size() == nodes);
    BOOST_TEST(*ids.begin() == 1u);
    BOOST_TEST(*ids.rbegin() == nodes);
    BOOST_TEST(parsed->next_id == nodes + 1);
}

BOOST_AUTO_TEST_SUITE_END()
