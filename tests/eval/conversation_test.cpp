// Conversations: the conversation functions (earlier, first, previous, turns_since, count_last,
// count_within, streak), deferred obligations (`then`), the rule_state API, and the shipped
// conversation rules C1 (policies/disclosure.vigil), C2 (policies/human-oversight.vigil) and C3
// (policies/manipulation.vigil) on hand-built conversations fed in turn order.

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "eval_helpers.hpp"

using namespace eval_test;
using nlohmann::json;

namespace {

/// A conversation fed one record at a time with one rule_state, as a tracker would.
struct conversation {
    compiled set;
    vigil::evaluator judge;
    vigil::rule_state state;

    explicit conversation(compiled s) : set(std::move(s)), judge(set), state(judge.new_state()) {}

    vigil::decision turn(const json& record) {
        vigil::decision d;
        std::string error;
        BOOST_REQUIRE_MESSAGE(judge.decide(record.dump(), state, d, error), "record refused: " << error);
        return d;
    }

    std::vector<vigil::decision> turns(const std::vector<json>& records) {
        std::vector<vigil::decision> out;
        for (const json& r : records) out.push_back(turn(r));
        return out;
    }

    std::vector<vigil::finding> end() {
        std::vector<vigil::finding> out;
        judge.finish(state, out);
        return out;
    }
};

/// "2026-03-02T10:00:00Z" plus `seconds`.
std::string at(int seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "2026-03-02T%02d:%02d:%02dZ", 10 + seconds / 3600, seconds / 60 % 60,
                  seconds % 60);
    return buffer;
}

/// An interaction record of conversation c-1; `extra` is merged in (a null removes a field).
json rec(int turn, const std::string& speaker, json extra = json::object()) {
    json r = {{"id", "r-" + std::to_string(turn)}, {"conversation_id", "c-1"}, {"turn", turn},
              {"timestamp", at(turn * 60)},        {"speaker", speaker},       {"text", "..."}};
    r.merge_patch(extra);
    return r;
}

/// Records with only `x` set (absent when null), turn after turn.
std::vector<json> xs(std::initializer_list<json> values) {
    std::vector<json> out;
    int turn = 1;
    for (const json& v : values) {
        json r = {{"turn", turn++}};
        if (!v.is_null()) r["x"] = v;
        out.push_back(r);
    }
    return out;
}

/// The three-valued truth of `condition` on every turn of the conversation.
std::vector<std::string> truths(const std::string& condition, const std::vector<json>& records,
                                std::vector<vigil::finding>* findings = nullptr) {
    conversation c(compile_policy("policy \"t\" {\n  rule r {\n    forbid " + condition + "\n  }\n}\n"));
    std::vector<std::string> out;
    for (const json& r : records) {
        vigil::decision d = c.turn(r);
        if (d.findings.empty()) {
            out.push_back("false");
            continue;
        }
        if (findings) findings->push_back(d.findings.front());
        out.push_back(d.findings.front().result == vigil::outcome::violation ? "true" : "unknown");
    }
    return out;
}

/// The value of `expression` on every turn, as a message renders it ("unknown" when unknown).
std::vector<std::string> values(const std::string& expression, const std::vector<json>& records) {
    conversation c(
        compile_policy("policy \"t\" {\n  rule r {\n    forbid true\n    message \"{" + expression + "}\"\n  }\n}\n"));
    std::vector<std::string> out;
    for (const json& r : records) {
        vigil::decision d = c.turn(r);
        BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
        out.push_back(d.findings.front().message);
    }
    return out;
}

using strings = std::vector<std::string>;

compiled load_policy_file(const std::string& relative) {
    auto loaded = vigil::load({{std::string(VIGIL_SOURCE_DIR) + "/" + relative, std::nullopt}});
    BOOST_REQUIRE(loaded.ok());
    auto checked = vigil::check(std::move(*loaded.value));
    BOOST_REQUIRE(checked.ok());
    auto result = vigil::compile(std::move(*checked.value));
    BOOST_REQUIRE(result.ok());
    return *result.value;
}

// The whole shipped library: the tests below look at the findings of C1, C2 and C3 by rule name
// (unique across the library) and ignore the other rules.
compiled shipped_conversation_policy() {
    return load_policy_file("policies");
}

const vigil::finding* rule_finding(const vigil::decision& d, std::string_view rule) {
    return find(d, rule);
}

const vigil::finding* rule_finding(const std::vector<vigil::finding>& fs, std::string_view rule) {
    for (const auto& f : fs) {
        if (f.rule == rule) return &f;
    }
    return nullptr;
}

constexpr std::string_view c1 = "disclose_in_first_ai_turn";
constexpr std::string_view c2 = "handoff_after_repeated_frustration";
constexpr std::string_view c3 = "no_sales_after_distress";

json frustrated_user(int turn) {
    return rec(turn, "user", {{"signals", {{"emotions", {"frustration"}}}}});
}
json angry_user(int turn) {
    return rec(turn, "user", {{"signals", {{"emotions", {"anger", "sadness"}}}}});
}
json calm_user(int turn) {
    return rec(turn, "user", {{"signals", {{"emotions", {"joy"}}}}});
}
json ai(int turn, json extra = json::object()) {
    json base = {{"ai", {{"disclosed", true}}}};
    base.merge_patch(extra);
    return rec(turn, "ai", base);
}
json ai_handoff(int turn, bool offered) {
    return ai(turn, {{"handoff", {{"offered", offered}}}});
}

const char* const require_policy = R"(
policy "p" {
  version "3"
  rule answer {
    when speaker == "user" and x == "ask"
    then within 2 turns where speaker == "ai" require y == true
    message "not answered by turn {turn}"
    remedy block
  }
}
)";

json t(int turn, const char* speaker, json extra = json::object()) {
    json r = {{"turn", turn}, {"speaker", speaker}};
    r.merge_patch(extra);
    return r;
}

}  // namespace

// ------------------------------------------------------------------------ conversation functions

BOOST_AUTO_TEST_SUITE(conversation_functions)

BOOST_AUTO_TEST_CASE(earlier_is_strictly_before_this_turn) {
    BOOST_TEST(truths("earlier(x == 1)", xs({0, 1, 0, 0})) == strings({"false", "false", "true", "true"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(earlier_is_unknown_after_an_unknown_turn_until_a_true_one) {
    std::vector<vigil::finding> findings;
    BOOST_TEST(truths("earlier(x == 1)", xs({0, nullptr, 0, 1, nullptr, 0}), &findings) ==
                   strings({"false", "false", "unknown", "unknown", "true", "true"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE(!findings.empty());
    BOOST_TEST(findings.front().result == vigil::outcome::undetermined);
    BOOST_TEST(findings.front().missing == strings({"x"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(first_holds_on_the_first_turn_where_the_condition_holds) {
    BOOST_TEST(truths("first(x == 1)", xs({0, 1, 0, 1})) == strings({"false", "true", "false", "false"}),
               boost::test_tools::per_element());
    // Unknown this turn, or unknown before: unknown, unless an earlier turn settles it.
    BOOST_TEST(truths("first(x == 1)", xs({nullptr, 1, 1})) == strings({"unknown", "unknown", "false"}),
               boost::test_tools::per_element());
    BOOST_TEST(truths("first(x == 1)", xs({1, nullptr})) == strings({"true", "false"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(previous_keeps_numbers_texts_and_conditions) {
    BOOST_TEST(values("previous(x)", xs({3, 4.5, "some text", true, nullptr, 7})) ==
                   strings({"unknown", "3", "4.5", "some text", "true", "unknown"}),
               boost::test_tools::per_element());
    // The text is the state's own copy: later records do not change it.
    BOOST_TEST(
        values("previous(x) + \"!\"", xs({"first", "second", "third"})) == strings({"unknown", "first!", "second!"}),
        boost::test_tools::per_element());
    BOOST_TEST(truths("previous(x > 1)", xs({2, 0, nullptr, 5})) == strings({"unknown", "true", "false", "unknown"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(previous_names_what_is_missing) {
    std::vector<vigil::finding> findings;
    BOOST_TEST(truths("previous(x) == 1", xs({1, nullptr, 2}), &findings) == strings({"unknown", "true", "unknown"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(findings.size(), 3u);
    // The first turn has no previous turn; the third's previous turn lacked x.
    BOOST_TEST(findings[0].missing == strings({"previous(x)"}), boost::test_tools::per_element());
    BOOST_TEST(findings[2].missing == strings({"x"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(turns_since_counts_from_the_last_turn_where_it_held) {
    BOOST_TEST(
        values("turns_since(x == 1)", xs({0, 1, 0, 0, 1, 0})) == strings({"unknown", "unknown", "1", "2", "3", "1"}),
        boost::test_tools::per_element());
    // An unknown turn after the last true one: it might have held there.
    BOOST_TEST(values("turns_since(x == 1)", xs({1, 0, nullptr, 0, 1})) ==
                   strings({"unknown", "1", "2", "unknown", "unknown"}),
               boost::test_tools::per_element());
    BOOST_TEST(values("turns_since(x == 1) default 0", xs({0, 0})) == strings({"0", "0"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(count_last_includes_this_turn) {
    BOOST_TEST(
        values("count_last(3, x == 1)", xs({1, 1, 0, 1, 0, 0, 0})) == strings({"1", "2", "2", "2", "1", "1", "0"}),
        boost::test_tools::per_element());
    BOOST_TEST(values("count_last(1, x == 1)", xs({1, 0, 1})) == strings({"1", "0", "1"}),
               boost::test_tools::per_element());
    // Unknown while an unknown turn is among the last n.
    BOOST_TEST(values("count_last(2, x == 1)", xs({1, nullptr, 1, 1})) == strings({"1", "unknown", "unknown", "2"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(count_within_counts_by_timestamp) {
    auto r = [](int turn, int seconds, json x) {
        json out = {{"turn", turn}, {"timestamp", at(seconds)}};
        if (!x.is_null()) out["x"] = x;
        return out;
    };
    // A 10-minute window, this turn included.
    BOOST_TEST(values("count_within(\"10m\", x == 1)", {r(1, 0, 1), r(2, 300, 1), r(3, 600, 0), r(4, 660, 1),
                                                        r(5, 1300, 1)}) == strings({"1", "2", "2", "2", "1"}),
               boost::test_tools::per_element());
    // An unknown turn in the window; gone once it is out of it.
    BOOST_TEST(values("count_within(\"90s\", x == 1)", {r(1, 0, nullptr), r(2, 60, 1), r(3, 200, 1)}) ==
                   strings({"unknown", "unknown", "1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(count_within_needs_timestamps) {
    std::vector<vigil::finding> findings;
    std::vector<json> records = {{{"turn", 1}, {"x", 1}, {"timestamp", at(0)}},
                                 {{"turn", 2}, {"x", 1}},
                                 {{"turn", 3}, {"x", 0}, {"timestamp", "yesterday"}},
                                 {{"turn", 4}, {"x", 0}, {"timestamp", at(120)}},
                                 {{"turn", 5}, {"x", 0}, {"timestamp", at(1850)}}};
    BOOST_TEST(truths("count_within(\"1h\", x == 1) >= 1", records, &findings) ==
                   strings({"true", "unknown", "unknown", "true", "true"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(findings.size(), 5u);
    BOOST_TEST(findings[1].missing == strings({"timestamp"}), boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(findings[2].errors.size(), 1u);
    BOOST_TEST(findings[2].errors[0].find("RFC 3339") != std::string::npos, findings[2].errors[0]);
    // The turn without a time lies between 0s and 120s: in the 1-hour window of turn 5 (1850s) it
    // surely is; in its 30-minute window (from 50s) it may or may not be.
    BOOST_TEST(values("count_within(\"30m\", x == 1)", records) == strings({"1", "unknown", "unknown", "2", "unknown"}),
               boost::test_tools::per_element());
    records.push_back({{"turn", 6}, {"x", 0}, {"timestamp", at(4000)}});
    BOOST_TEST(values("count_within(\"30m\", x == 1)", records).back() == "0");
}

BOOST_AUTO_TEST_CASE(streak_counts_consecutive_matching_turns) {
    auto r = [](int turn, const char* speaker, json x) {
        json out = {{"turn", turn}, {"speaker", speaker}};
        if (!x.is_null()) out["x"] = x;
        return out;
    };
    const std::vector<json> turns = {r(1, "user", 1), r(2, "ai", 0),   r(3, "user", 1), r(4, "ai", 1),
                                     r(5, "user", 0), r(6, "user", 1), r(7, "ai", 0)};
    BOOST_TEST(values("streak(x == 1, speaker == \"user\")", turns) == strings({"1", "1", "2", "2", "0", "1", "1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(streak_with_unknown_turns) {
    auto r = [](int turn, const char* speaker, json x) {
        json out = {{"turn", turn}};
        if (speaker) out["speaker"] = speaker;
        if (!x.is_null()) out["x"] = x;
        return out;
    };
    // Unknown whether the user's turn held: the streak is 0 or one more than before.
    BOOST_TEST(values("streak(x == 1, speaker == \"user\")",
                      {r(1, "user", 1), r(2, "user", nullptr), r(3, "ai", 0), r(4, "user", 0), r(5, "user", 1)}) ==
                   strings({"1", "unknown", "unknown", "0", "1"}),
               boost::test_tools::per_element());
    // Unknown whether the turn is among the counted ones: a false one may end the streak or not.
    BOOST_TEST(values("streak(x == 1, speaker == \"user\")", {r(1, "user", 1), r(2, nullptr, 0), r(3, "user", 1)}) ==
                   strings({"1", "unknown", "unknown"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(count_within_remembers_a_bounded_window) {
    conversation c(compile_policy("policy \"t\" { rule r { forbid count_within(\"1d\", x == 1) > 5000 } }"));
    for (int i = 0; i < 1024; ++i) BOOST_REQUIRE(c.turn({{"x", 1}, {"timestamp", at(i)}}).findings.empty());
    // The 1025th remembered turn pushes the oldest out while it is still in the window.
    for (int i = 1024; i < 1100; ++i) c.turn({{"x", 1}, {"timestamp", at(i)}});
    auto d = c.turn({{"x", 1}, {"timestamp", at(1100)}});
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.findings[0].result == vigil::outcome::undetermined);
    BOOST_REQUIRE_EQUAL(d.findings[0].errors.size(), 1u);
    BOOST_TEST(d.findings[0].errors[0].find("remembers 1024 turns") != std::string::npos, d.findings[0].errors[0]);
    const std::size_t bytes = c.state.memory_bytes();
    for (int i = 1101; i < 1200; ++i) c.turn({{"x", 1}, {"timestamp", at(i)}});
    BOOST_TEST(c.state.memory_bytes() == bytes);
    // A day later the dropped turns are out of the window, and the count is known again.
    BOOST_TEST(c.turn({{"x", 0}, {"timestamp", "2026-03-03T12:00:00Z"}}).findings.empty());
}

BOOST_AUTO_TEST_CASE(the_state_does_not_grow_with_the_conversation) {
    conversation c(compile_policy(R"(
policy "p" {
  rule r {
    when earlier(x == 1) or previous(t) == "a" or turns_since(x == 2) default 0 > 3
    forbid count_last(50, x == 3) > 10 or streak(x == 4, y == 1) > 2
  }
  rule s {
    when x == 5
    then within 3 turns require y == 2
  }
}
)"));
    c.turn({{"x", 0}, {"t", "some text of a certain length, longer than a short string"}});
    const std::size_t bytes = c.state.memory_bytes();
    for (int i = 0; i < 2000; ++i) {
        c.turn({{"x", i % 7}, {"y", i % 3}, {"t", "some text of a certain length, longer than a short string"}});
    }
    BOOST_TEST(c.state.memory_bytes() == bytes);
    BOOST_TEST(bytes < 2048u);
}

BOOST_AUTO_TEST_CASE(previous_of_a_list_is_an_error_at_run_time) {
    std::vector<vigil::finding> findings;
    BOOST_TEST(truths("previous(x) == 1", xs({json::array({1}), 1}), &findings) == strings({"unknown", "unknown"}),
               boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(findings.size(), 2u);
    BOOST_REQUIRE_EQUAL(findings[1].errors.size(), 1u);
    BOOST_TEST(
        findings[1].errors[0].find("`previous` keeps numbers, texts and conditions, got a list") != std::string::npos,
        findings[1].errors[0]);
}

BOOST_AUTO_TEST_CASE(state_advances_on_every_turn_even_when_short_circuited) {
    // The rule never reaches earlier(...) on user turns, yet their distress is remembered.
    conversation c(compile_policy(R"(
policy "p" {
  rule r {
    when speaker == "ai" and earlier(d >= 0.7)
    forbid true
  }
  rule s {
    when false
    forbid count_last(3, d >= 0.7) >= 1
  }
}
)"));
    BOOST_TEST(c.turn({{"speaker", "user"}, {"d", 0.9}}).findings.empty());
    BOOST_TEST(c.turn({{"speaker", "user"}, {"d", 0.1}}).findings.empty());
    auto d = c.turn({{"speaker", "ai"}});
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.findings[0].result == vigil::outcome::violation);
    BOOST_TEST(c.state.turns() == 3u);
}

BOOST_AUTO_TEST_CASE(nested_conversation_functions_see_earlier_turns_only) {
    // earlier(previous(x) == 1): on turn 3, previous(x) was 1 on turn 2 (x of turn 1).
    BOOST_TEST(truths("earlier(previous(x) == 1)", xs({1, 0, 0, 0})) == strings({"false", "unknown", "true", "true"}),
               boost::test_tools::per_element());
    BOOST_TEST(values("previous(previous(x))", xs({"a", "b", "c", "d"})) == strings({"unknown", "unknown", "a", "b"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(functions_work_in_definitions_quantifiers_and_messages) {
    conversation c(compile_policy(R"(
policy "p" {
  let was_offered = earlier(any a in actions: a.type == "offer")
  rule r {
    when was_offered and any a in actions: a.type == "offer" and turns_since(x == 1) default 0 < 5
    forbid true
    message "another offer, {count_last(3, any a in actions: a.type == "offer")} in the last 3 turns"
  }
}
)"));
    const json offer = {{"actions", {{{"type", "offer"}}}}};
    BOOST_TEST(c.turn(offer).findings.empty());
    BOOST_TEST(c.turn({{"actions", json::array()}}).findings.empty());
    auto d = c.turn(offer);
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.findings[0].message == "another offer, 2 in the last 3 turns");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------- deferred obligations

BOOST_AUTO_TEST_SUITE(deferred_obligations)

BOOST_AUTO_TEST_CASE(require_met_on_a_window_turn) {
    conversation c(compile_policy(require_policy));
    for (const auto& d : c.turns({t(1, "user", {{"x", "ask"}}), t(2, "user", {{"x", "hm"}}), t(3, "ai", {{"y", false}}),
                                  t(4, "ai", {{"y", true}}), t(5, "ai", {{"y", false}})})) {
        BOOST_TEST(d.findings.empty());
    }
    BOOST_TEST(!c.state.has_open_obligations());
    BOOST_TEST(c.end().empty());
}

BOOST_AUTO_TEST_CASE(require_not_met_is_a_violation_on_the_last_window_turn) {
    conversation c(compile_policy(require_policy));
    auto ds = c.turns({t(1, "user", {{"x", "ask"}}), t(2, "ai", {{"y", false}}), t(3, "user", {{"x", "thanks"}}),
                       t(4, "ai", {{"y", false}}), t(5, "ai", {{"y", false}})});
    for (std::size_t i : {0u, 1u, 2u, 4u}) BOOST_TEST(ds[i].findings.empty());
    BOOST_REQUIRE_EQUAL(ds[3].findings.size(), 1u);
    const auto& f = ds[3].findings[0];
    BOOST_TEST(f.result == vigil::outcome::violation);
    BOOST_TEST(f.rule == "answer");
    BOOST_TEST(f.policy_version == "3");
    BOOST_TEST(f.message == "not answered by turn 4");  // rendered on the closing turn
    BOOST_TEST(nlohmann::json::parse(f.evidence).value("y", true) == false);
    BOOST_REQUIRE_EQUAL(f.remedies.size(), 1u);
    BOOST_TEST(ds[3].kind == vigil::decision_kind::deny);  // the block remedy
    BOOST_TEST(c.end().empty());
}

BOOST_AUTO_TEST_CASE(require_open_at_the_end_is_reported_by_finish) {
    conversation c(compile_policy(require_policy));
    auto ds = c.turns({t(1, "user", {{"x", "ask"}}), t(2, "ai", {{"y", false}})});
    BOOST_TEST(ds[1].findings.empty());
    BOOST_TEST(c.state.has_open_obligations());
    auto end = c.end();
    BOOST_REQUIRE_EQUAL(end.size(), 1u);
    BOOST_TEST(end[0].result == vigil::outcome::violation);
    BOOST_TEST(end[0].message == "not answered by turn unknown");  // no record at the end
    BOOST_TEST(end[0].evidence.empty());
    BOOST_TEST(c.end().empty());  // finish() closes what it reports
}

BOOST_AUTO_TEST_CASE(unknown_window_turns_make_it_undetermined) {
    conversation c(compile_policy(require_policy));
    auto ds = c.turns({t(1, "user", {{"x", "ask"}}), t(2, "ai"), t(3, "ai", {{"y", false}})});
    BOOST_REQUIRE_EQUAL(ds[2].findings.size(), 1u);
    BOOST_TEST(ds[2].findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(ds[2].findings[0].missing == strings({"y"}), boost::test_tools::per_element());
    BOOST_TEST(ds[2].findings[0].remedies.empty());
    BOOST_TEST(ds[2].kind == vigil::decision_kind::allow);

    // A turn whose filter is unknown is not counted, and leaves the end open too.
    conversation d(compile_policy(require_policy));
    auto es = d.turns({t(1, "user", {{"x", "ask"}}), {{"turn", 2}, {"y", false}}, t(3, "ai", {{"y", false}})});
    BOOST_TEST(es[2].findings.empty());
    auto end = d.end();
    BOOST_REQUIRE_EQUAL(end.size(), 1u);
    BOOST_TEST(end[0].result == vigil::outcome::undetermined);
    BOOST_TEST(end[0].missing == strings({"speaker"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unknown_trigger_is_undetermined_on_its_turn) {
    conversation c(compile_policy(require_policy));
    auto d = c.turn(t(1, "user"));
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(d.findings[0].missing == strings({"x"}), boost::test_tools::per_element());
    BOOST_TEST(!c.state.has_open_obligations());
}

BOOST_AUTO_TEST_CASE(triggers_while_open_open_nothing) {
    conversation c(compile_policy(require_policy));
    auto ds = c.turns({t(1, "user", {{"x", "ask"}}), t(2, "user", {{"x", "ask"}}), t(3, "ai", {{"y", true}}),
                       t(4, "ai", {{"y", false}}), t(5, "ai", {{"y", false}})});
    for (const auto& d : ds) BOOST_TEST(d.findings.empty());
    BOOST_TEST(c.end().empty());
}

BOOST_AUTO_TEST_CASE(forbid_is_violated_on_the_first_window_turn_where_it_holds) {
    conversation c(compile_policy(R"(
policy "p" {
  rule no_offer_after_refusal {
    when speaker == "user" and x == "no"
    then within 1 turn where speaker == "ai" forbid y == "offer"
  }
}
)"));
    auto ds =
        c.turns({t(1, "user", {{"x", "no"}}), t(2, "ai", {{"y", "offer"}}), t(3, "user", {{"x", "no"}}),
                 t(4, "ai", {{"y", "help"}}), t(5, "ai", {{"y", "offer"}}), t(6, "user", {{"x", "no"}}), t(7, "ai")});
    BOOST_REQUIRE_EQUAL(ds[1].findings.size(), 1u);
    BOOST_TEST(ds[1].findings[0].result == vigil::outcome::violation);
    for (std::size_t i : {2u, 3u, 4u, 5u}) BOOST_TEST(ds[i].findings.empty(), "turn " << i + 1);
    BOOST_REQUIRE_EQUAL(ds[6].findings.size(), 1u);  // y unknown on the only window turn
    BOOST_TEST(ds[6].findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(c.end().empty());

    // Ending with the window open passes a forbid.
    conversation e(c.set);
    e.turn(t(1, "user", {{"x", "no"}}));
    BOOST_TEST(e.state.has_open_obligations());
    BOOST_TEST(e.end().empty());
}

BOOST_AUTO_TEST_CASE(conversation_functions_in_the_window) {
    // The obligation is met by a turn that repeats what the previous turn said.
    conversation c(compile_policy(R"(
policy "p" {
  rule echo {
    when x default "" == "say it twice"
    then within 2 turns where speaker == "ai" require text == previous(text)
  }
}
)"));
    auto ds = c.turns({t(1, "user", {{"x", "say it twice"}, {"text", "q"}}), t(2, "ai", {{"text", "a"}}),
                       t(3, "ai", {{"text", "b"}})});
    BOOST_REQUIRE_EQUAL(ds[2].findings.size(), 1u);
    BOOST_TEST(ds[2].findings[0].result == vigil::outcome::violation);
    auto es = c.turns({t(4, "user", {{"x", "say it twice"}, {"text", "q"}}), t(5, "ai", {{"text", "q"}})});
    BOOST_TEST(es[1].findings.empty());
    BOOST_TEST(!c.state.has_open_obligations());
}

BOOST_AUTO_TEST_CASE(a_window_without_filter_counts_every_turn) {
    conversation c(compile_policy(R"(
policy "p" {
  rule r {
    when x default 0 == 1
    then within 2 turns require y == 1
  }
}
)"));
    auto ds = c.turns({{{"x", 1}}, {{"y", 0}}, {{"y", 0}}, {{"x", 1}}, {{"y", 1}}});
    BOOST_TEST(ds[1].findings.empty());
    BOOST_REQUIRE_EQUAL(ds[2].findings.size(), 1u);
    BOOST_TEST(ds[2].findings[0].result == vigil::outcome::violation);
    BOOST_TEST(ds[4].findings.empty());
}

BOOST_AUTO_TEST_CASE(the_turn_that_closes_an_obligation_may_open_the_next) {
    conversation c(compile_policy(R"(
policy "p" {
  effective from "2026-01-01"
  rule r {
    when x default 0 == 1
    then within 1 turn require y == 1
  }
}
)"));
    auto r = [](json fields, const char* time = "2026-03-02T10:00:00Z") {
        fields["timestamp"] = time;
        return fields;
    };
    auto ds = c.turns({r({{"x", 1}}), r({{"x", 1}, {"y", 0}}), r({{"y", 1}})});
    BOOST_TEST(ds[0].findings.empty());
    BOOST_REQUIRE_EQUAL(ds[1].findings.size(), 1u);
    BOOST_TEST(ds[1].findings[0].result == vigil::outcome::violation);
    BOOST_TEST(ds[2].findings.empty());
    // Before the policy's period, a turn triggers nothing; an open obligation runs to its end.
    auto es = c.turns({r({{"x", 1}}, "2025-12-31T23:00:00Z"), r({{"y", 0}}, "2025-12-31T23:00:00Z")});
    BOOST_TEST(es[1].findings.empty());
    BOOST_TEST(c.turn(r({{"x", 1}})).findings.empty());
    auto last = c.turn(r({{"y", 0}}, "2025-12-31T23:30:00Z"));
    BOOST_REQUIRE_EQUAL(last.findings.size(), 1u);
    BOOST_TEST(last.findings[0].result == vigil::outcome::violation);
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------------------------ the API

BOOST_AUTO_TEST_SUITE(rule_states)

BOOST_AUTO_TEST_CASE(stateless_decide_is_a_conversation_of_one_turn) {
    auto set = compile_policy(require_policy);
    // The trigger opens an obligation that the end of the one-turn conversation leaves unmet.
    auto d = decide(set, R"({"turn":1,"speaker":"user","x":"ask"})");
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.findings[0].result == vigil::outcome::violation);
    BOOST_TEST(d.kind == vigil::decision_kind::deny);
    // Each call starts afresh: earlier() never sees another call's record.
    auto earlier = compile_policy("policy \"p\" { rule r { forbid earlier(x == 1) or previous(x) == 1 } }");
    vigil::evaluator judge(earlier);
    vigil::decision out;
    std::string error;
    for (int i = 0; i < 3; ++i) {
        BOOST_REQUIRE(judge.decide(R"({"x":1})", out, error));
        BOOST_TEST(out.findings.size() == 1u);  // undetermined: previous(x) on a first turn
        BOOST_TEST(out.findings[0].result == vigil::outcome::undetermined);
    }
}

BOOST_AUTO_TEST_CASE(states_are_snapshots_and_belong_to_one_set) {
    auto set = compile_policy("policy \"p\" { rule r { forbid earlier(x == 1) } }");
    BOOST_TEST(vigil::is_conversational(*set));
    BOOST_TEST(!vigil::is_conversational(*compile_policy("policy \"p\" { rule r { forbid x == 1 } }")));
    conversation c(set);
    BOOST_TEST(c.turn({{"x", 0}}).findings.empty());
    vigil::rule_state before = c.state;  // a copy
    BOOST_TEST(c.turn({{"x", 1}}).findings.empty());
    BOOST_TEST(c.turn({{"x", 0}}).findings.size() == 1u);
    vigil::decision d;
    std::string error;
    BOOST_REQUIRE(c.judge.decide(R"({"x":0})", before, d, error));
    BOOST_TEST(d.findings.empty());  // the copy has not seen x == 1
    BOOST_TEST(before.turns() == 2u);
    BOOST_TEST(c.state.turns() == 3u);
    BOOST_TEST(c.state.memory_bytes() > 0u);

    // A default-constructed state binds on first use; a refused record leaves it alone.
    vigil::rule_state fresh;
    BOOST_TEST(!c.judge.decide("not json", fresh, d, error));
    BOOST_REQUIRE(c.judge.decide(R"({"x":1})", fresh, d, error));
    BOOST_TEST(fresh.turns() == 1u);

    auto other = compile_policy("policy \"q\" { rule r { forbid earlier(x == 2) } }");
    vigil::evaluator other_judge(other);
    BOOST_CHECK_THROW((void)other_judge.decide(R"({"x":1})", fresh, d, error), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(sets_without_conversation_functions_keep_no_state) {
    auto set = compile_policy("policy \"p\" { rule r { forbid x == 1 } }");
    conversation c(set);
    BOOST_TEST(c.turn({{"x", 1}}).findings.size() == 1u);
    BOOST_TEST(c.state.turns() == 1u);
    BOOST_TEST(c.end().empty());
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------- C1, C2 and C3 of the shipped policies in policies/

BOOST_AUTO_TEST_SUITE(shipped_conversation_policy_suite)

BOOST_AUTO_TEST_CASE(c1_the_first_ai_turn_discloses) {
    auto set = shipped_conversation_policy();
    {
        conversation c(set);
        auto ds = c.turns({calm_user(1), ai(2), ai(3, {{"ai", {{"disclosed", false}}}})});
        for (const auto& d : ds) BOOST_TEST(!rule_finding(d, c1));  // the second AI turn is not judged
    }
    {
        conversation c(set);
        auto ds = c.turns({ai(1, {{"ai", {{"disclosed", false}}}}), ai(2)});
        const auto* f = rule_finding(ds[0], c1);
        BOOST_REQUIRE(f);
        BOOST_TEST(f->result == vigil::outcome::violation);
        BOOST_TEST(f->remedies.at(0).kind == "disclose");
        BOOST_TEST(ds[0].kind == vigil::decision_kind::allow_with_remedies);
        BOOST_TEST(!rule_finding(ds[1], c1));
    }
    {
        conversation c(set);
        auto ds = c.turns({calm_user(1), ai(2, {{"ai", nullptr}}), ai(3, {{"ai", {{"disclosed", false}}}})});
        const auto* f = rule_finding(ds[1], c1);
        BOOST_REQUIRE(f);
        BOOST_TEST(f->result == vigil::outcome::undetermined);
        BOOST_TEST(f->missing == strings({"ai.disclosed"}), boost::test_tools::per_element());
        BOOST_TEST(!rule_finding(ds[2], c1));
    }
}

BOOST_AUTO_TEST_CASE(c2_handoff_in_the_first_or_second_ai_turn) {
    auto set = shipped_conversation_policy();
    for (int late : {0, 1}) {
        conversation c(set);
        std::vector<json> turns = {frustrated_user(1), angry_user(2)};
        if (late) turns.push_back(ai_handoff(3, false));
        turns.push_back(ai_handoff(3 + late, true));
        turns.push_back(ai_handoff(4 + late, false));
        for (const auto& d : c.turns(turns)) BOOST_TEST(!rule_finding(d, c2));
        BOOST_TEST(c.end().empty());
    }
}

BOOST_AUTO_TEST_CASE(c2_no_handoff_is_a_violation_on_the_second_ai_turn) {
    auto set = shipped_conversation_policy();
    conversation c(set);
    // Consecutive among the user's turns: the AI turn between them does not break the streak, and
    // counts for nothing, as it comes before the trigger.
    auto ds = c.turns({frustrated_user(1), ai_handoff(2, false), angry_user(3), ai_handoff(4, false), calm_user(5),
                       ai_handoff(6, false), ai_handoff(7, false)});
    for (std::size_t i = 0; i < ds.size(); ++i) {
        if (i != 5) BOOST_TEST(!rule_finding(ds[i], c2), "turn " << i + 1);
    }
    const auto* f = rule_finding(ds[5], c2);
    BOOST_REQUIRE(f);
    BOOST_TEST(f->result == vigil::outcome::violation);
    BOOST_TEST(f->remedies.at(0).kind == "handoff");
    BOOST_TEST(ds[5].kind == vigil::decision_kind::allow_with_remedies);
    BOOST_TEST(c.end().empty());
}

BOOST_AUTO_TEST_CASE(c2_conversation_ends_with_the_window_open) {
    auto set = shipped_conversation_policy();
    conversation c(set);
    auto ds = c.turns({frustrated_user(1), frustrated_user(2), ai_handoff(3, false)});
    for (const auto& d : ds) BOOST_TEST(!rule_finding(d, c2));
    auto end = c.end();
    const auto* f = rule_finding(end, c2);
    BOOST_REQUIRE(f);
    BOOST_TEST(f->result == vigil::outcome::violation);
    BOOST_TEST(f->message ==
               "the person was frustrated in two turns in a row and no human was offered in the next two AI turns");
}

BOOST_AUTO_TEST_CASE(c2_frustration_broken_by_a_calm_user_turn) {
    auto set = shipped_conversation_policy();
    conversation c(set);
    for (const auto& d :
         c.turns({frustrated_user(1), calm_user(2), frustrated_user(3), ai_handoff(4, false), ai_handoff(5, false)})) {
        BOOST_TEST(!rule_finding(d, c2));
    }
    BOOST_TEST(c.end().empty());
}

BOOST_AUTO_TEST_CASE(c2_ai_turns_without_handoff_are_undetermined) {
    auto set = shipped_conversation_policy();
    conversation c(set);
    auto ds = c.turns({frustrated_user(1), angry_user(2), ai(3), ai(4)});
    BOOST_TEST(!rule_finding(ds[2], c2));
    const auto* f = rule_finding(ds[3], c2);
    BOOST_REQUIRE(f);
    BOOST_TEST(f->result == vigil::outcome::undetermined);
    BOOST_TEST(f->missing == strings({"handoff.offered"}), boost::test_tools::per_element());
    BOOST_TEST(f->remedies.empty());

    // One AI turn without `handoff`, then one that offers a human: met.
    conversation d(set);
    for (const auto& x : d.turns({frustrated_user(1), angry_user(2), ai(3), ai_handoff(4, true)})) {
        BOOST_TEST(!rule_finding(x, c2));
    }
}

BOOST_AUTO_TEST_CASE(c2_user_turns_without_emotions_leave_the_trigger_open) {
    auto set = shipped_conversation_policy();
    conversation c(set);
    auto ds = c.turns({frustrated_user(1), rec(2, "user")});
    const auto* f = rule_finding(ds[1], c2);
    BOOST_REQUIRE(f);
    BOOST_TEST(f->result == vigil::outcome::undetermined);
    BOOST_TEST(f->missing == strings({"signals.emotions"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(c3_distress_then_an_offer_two_turns_later) {
    auto set = shipped_conversation_policy();
    conversation c(set);
    const json upsell = {{"actions", {{{"type", "offer"}, {"category", "upsell"}}}}};
    auto ds = c.turns(
        {rec(1, "user", {{"signals", {{"distress", 0.8}}}}), ai(2, {{"actions", json::array()}}), ai(3, upsell)});
    BOOST_TEST(!rule_finding(ds[1], c3));
    const auto* f = rule_finding(ds[2], c3);
    BOOST_REQUIRE(f);
    BOOST_TEST(f->result == vigil::outcome::violation);
    BOOST_TEST(ds[2].kind == vigil::decision_kind::deny);
    BOOST_TEST(f->remedies.size() == 2u);
}

BOOST_AUTO_TEST_CASE(c3_an_offer_before_the_distress_is_not_flagged) {
    auto set = shipped_conversation_policy();
    conversation c(set);
    const json cross_sell = {{"signals", {{"distress", 0.1}}},
                             {"actions", {{{"type", "offer"}, {"category", "cross_sell"}}}}};
    auto ds = c.turns({ai(1, cross_sell), rec(2, "user", {{"signals", {{"distress", 0.95}}}}),
                       ai(3, {{"actions", json::array()}, {"handoff", {{"offered", true}}}})});
    for (const auto& d : ds) BOOST_TEST(!rule_finding(d, c3));
    // Distress and the offer on the same turn is not C3's ("later"): no_sales_to_distressed covers it.
    conversation same(set);
    BOOST_TEST(!rule_finding(same.turn(ai(1, {{"signals", {{"distress", 0.9}}},
                                              {"actions", {{{"type", "offer"}, {"category", "upsell"}}}}})),
                             c3));
}

BOOST_AUTO_TEST_CASE(c3_missing_distress_is_undetermined_only_when_an_offer_is_made) {
    auto set = shipped_conversation_policy();
    conversation c(set);
    auto ds = c.turns({rec(1, "user", {{"signals", {{"distress", 0.2}}}}), rec(2, "user"),
                       ai(3, {{"actions", json::array()}}),
                       ai(4, {{"actions", {{{"type", "offer"}, {"category", "retention"}, {"urgency", false}}}}}),
                       ai(5, {{"actions", {{{"type", "offer"}, {"category", "upsell"}}}}})});
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(!rule_finding(ds[i], c3), "turn " << i + 1);
    const auto* f = rule_finding(ds[4], c3);
    BOOST_REQUIRE(f);
    BOOST_TEST(f->result == vigil::outcome::undetermined);
    BOOST_TEST(f->missing == strings({"signals.distress"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------- the examples of docs/language.md

BOOST_AUTO_TEST_SUITE(documented_examples)

BOOST_AUTO_TEST_CASE(counting_offers) {
    conversation c(load_policy_file("docs/examples/13-conversation-functions.vigil"));
    auto r = [](int turn, const char* speaker, bool offer, const char* time) {
        json actions = offer ? json::array({{{"type", "offer"}}}) : json::array();
        return json{{"turn", turn},
                    {"speaker", speaker},
                    {"timestamp", std::string("2026-03-02T") + time + ":00Z"},
                    {"actions", actions},
                    {"ai", {{"disclosed", true}}},
                    {"signals", {{"intent", "none"}, {"emotions", json::array()}}}};
    };
    auto ds = c.turns({r(1, "user", false, "10:00"), r(2, "ai", true, "10:01"), r(3, "ai", true, "10:20"),
                       r(4, "ai", true, "11:05"), r(5, "ai", false, "11:10")});
    for (std::size_t i = 0; i < ds.size(); ++i) {
        BOOST_TEST_CONTEXT("turn " << i + 1) {
            const auto* f = rule_finding(ds[i], "not_too_many_offers");
            BOOST_TEST(ds[i].findings.size() == (f ? 1u : 0u));
            BOOST_TEST((f != nullptr) == (i >= 3));
            if (f) BOOST_TEST(f->message == "2 offers within the hour");
        }
    }
}

BOOST_AUTO_TEST_CASE(escalation_walkthrough) {
    const auto set = load_policy_file("docs/examples/14-deferred-obligations.vigil");
    auto user = [](int turn, const char* emotion) {
        return json{
            {"turn", turn}, {"speaker", "user"}, {"signals", {{"emotions", {emotion}}, {"intent", "complaint"}}}};
    };
    auto ai_turn = [](int turn, json handoff) {
        json r = {{"turn", turn}, {"speaker", "ai"}, {"actions", json::array()}};
        if (!handoff.is_null()) r["handoff"] = {{"offered", handoff}};
        return r;
    };
    const std::vector<json> turns = {user(1, "frustration"), ai_turn(2, false), user(3, "anger"), ai_turn(4, false),
                                     user(5, "joy"),         ai_turn(6, false), user(7, "anger")};
    {
        conversation c(set);
        auto ds = c.turns(turns);
        for (std::size_t i = 0; i < ds.size(); ++i)
            BOOST_TEST(ds[i].findings.size() == (i == 5 ? 1u : 0u), "turn " << i + 1);
        BOOST_TEST(ds[5].findings.at(0).result == vigil::outcome::violation);
        BOOST_TEST(c.end().empty());
    }
    {
        // Turn 4 without handoff.offered: turn 6 is undetermined.
        auto changed = turns;
        changed[3] = ai_turn(4, nullptr);
        conversation c(set);
        auto ds = c.turns(changed);
        BOOST_REQUIRE_EQUAL(ds[5].findings.size(), 1u);
        BOOST_TEST(ds[5].findings[0].result == vigil::outcome::undetermined);
        BOOST_TEST(ds[5].findings[0].missing == strings({"handoff.offered"}), boost::test_tools::per_element());
    }
    {
        // The conversation ends after turn 4: the violation is reported at the end.
        conversation c(set);
        for (const auto& d : c.turns({turns.begin(), turns.begin() + 4})) BOOST_TEST(d.findings.empty());
        auto end = c.end();
        BOOST_REQUIRE_EQUAL(end.size(), 1u);
        BOOST_TEST(end[0].result == vigil::outcome::violation);
    }
}

BOOST_AUTO_TEST_SUITE_END()
