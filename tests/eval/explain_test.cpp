// evaluator::explain: every rule's result on a record with each clause part judged on its own,
// what left a part unknown, and the JSON form `vigil eval --explain` prints.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval_helpers.hpp"

using namespace eval_test;
using nlohmann::json;

namespace {

const char* const policy_text = R"(
policy "care" {
  version "1.0"
  let offer = any a in actions: a.type == "offer"

  rule no_offer_when_distressed {
    severity critical
    when speaker == "ai" and offer
    unless handoff.completed default false
    forbid signals.distress >= 0.6
      or signals.sentiment <= -0.5
  }

  rule first_turn_discloses {
    severity high
    when first(speaker == "ai")
    require ai.disclosed == true
  }

  rule handoff_after_anger {
    severity high
    when speaker == "user" and "anger" in signals.emotions
    then within 1 turn where speaker == "ai" require handoff.offered == true
  }

  rule numbers_only {
    severity low
    when speaker == "ai"
    require signals.distress < 1
  }
}

policy "old" {
  effective until "2020-01-01"
  rule anything {
    severity low
    forbid true
  }
}
)";

struct explained {
    vigil::decision d;
    std::vector<vigil::rule_explanation> why;
};

explained explain(const compiled& set, const std::string& record) {
    vigil::evaluator judge(set);
    explained out;
    std::string error;
    BOOST_REQUIRE_MESSAGE(judge.explain(record, out.d, out.why, error), error);
    return out;
}

// A part's value as text: Boost.Test cannot print a std::optional.
std::string shown(const vigil::clause_explanation& c) {
    return c.value ? (*c.value ? "true" : "false") : "unknown";
}

const vigil::rule_explanation& rule(const explained& e, const std::string& name) {
    for (const auto& r : e.why) {
        if (r.rule == name) return r;
    }
    BOOST_FAIL("no explanation for " + name);
    return e.why.front();
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_rule_is_explained_in_order_with_each_clause_part) {
    const auto set = compile_policy(policy_text);
    const auto e = explain(set, R"({"speaker":"ai","timestamp":"2026-01-01T00:00:00Z","actions":[{"type":"offer"}],
                                    "signals":{"distress":0.8},"ai":{"disclosed":true}})");
    BOOST_REQUIRE(e.why.size() == 5u);
    BOOST_TEST(e.why[0].policy == "care");
    BOOST_TEST(e.why[0].policy_version == "1.0");
    BOOST_TEST(e.why[4].rule == "anything");

    // `when a and b` is judged as two parts; `forbid a or b` (over two lines) as two, on one line each.
    const auto& offer = rule(e, "no_offer_when_distressed");
    BOOST_TEST(offer.result == "violation");
    BOOST_REQUIRE(offer.clauses.size() == 5u);
    const std::vector<std::string> kinds = {"when", "when", "unless", "forbid", "forbid"};
    const std::vector<std::string> texts = {"speaker == \"ai\"", "offer", "handoff.completed default false",
                                            "signals.distress >= 0.6", "signals.sentiment <= -0.5"};
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        BOOST_TEST(offer.clauses[i].clause == kinds[i]);
        BOOST_TEST(offer.clauses[i].text == texts[i]);
    }
    BOOST_TEST(shown(offer.clauses[0]) == "true");
    BOOST_TEST(shown(offer.clauses[2]) == "false");
    BOOST_TEST(shown(offer.clauses[3]) == "true");
    // The part the rule did not need is judged too, and says what it lacks.
    BOOST_TEST(shown(offer.clauses[4]) == "unknown");
    BOOST_TEST(offer.clauses[4].missing == std::vector<std::string>{"signals.sentiment"});

    BOOST_TEST(rule(e, "first_turn_discloses").result == "pass");
    BOOST_TEST(rule(e, "handoff_after_anger").result == "not_applicable");
    BOOST_TEST(rule(e, "numbers_only").result == "pass");
    BOOST_TEST(rule(e, "anything").result == "not_in_effect");

    // The decision is decide()'s.
    vigil::evaluator judge(set);
    vigil::decision d;
    std::string error;
    BOOST_REQUIRE(judge.decide(std::string(R"({"speaker":"ai","timestamp":"2026-01-01T00:00:00Z",
        "actions":[{"type":"offer"}],"signals":{"distress":0.8},"ai":{"disclosed":true}})"),
                               d, error));
    BOOST_TEST(vigil::to_json(d) == vigil::to_json(e.d));
}

BOOST_AUTO_TEST_CASE(unknown_parts_name_what_is_absent_and_errors_are_worded_as_in_findings) {
    const auto set = compile_policy(policy_text);
    const auto e = explain(set, R"({"speaker":"ai","signals":{"distress":"high"}})");
    const auto& first = rule(e, "first_turn_discloses");
    BOOST_TEST(first.result == "undetermined");
    BOOST_TEST(first.clauses[1].missing == std::vector<std::string>{"ai.disclosed"});
    // Without `actions` the rule cannot tell whether there was an offer.
    const auto& offer = rule(e, "no_offer_when_distressed");
    BOOST_TEST(offer.result == "undetermined");
    BOOST_TEST(offer.clauses[1].missing == std::vector<std::string>{"actions"});
    const auto& numbers = rule(e, "numbers_only");
    BOOST_TEST(numbers.result == "undetermined");
    BOOST_REQUIRE(numbers.clauses[1].errors.size() == 1u);
    BOOST_TEST(numbers.clauses[1].errors[0].find("`<` compares a text with a number") != std::string::npos,
               numbers.clauses[1].errors[0]);
    // Without a timestamp, whether a policy with a period applies is unknown.
    BOOST_TEST(rule(e, "anything").result == "undetermined");
}

// A record of unknown time under a policy with a period: each rule is explained by what it finds,
// as decide() judges it (a rule that holds passes whichever period the record falls in).
BOOST_AUTO_TEST_CASE(a_record_of_unknown_time_is_explained_as_it_is_decided) {
    const auto set = compile_policy(R"(
policy "later" {
  effective from "2025-01-01"
  rule disclosed {
    when speaker == "ai"
    require ai.disclosed
  }
}
)");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"speaker":"user"})", "not_applicable"},
        {R"({"speaker":"ai","ai":{"disclosed":true}})", "pass"},
        {R"({"speaker":"ai","ai":{"disclosed":false}})", "undetermined"},
        {R"({"speaker":"ai"})", "undetermined"},
    };
    for (const auto& [record, result] : cases) {
        const auto e = explain(set, record);
        BOOST_TEST(rule(e, "disclosed").result == result, record);
        BOOST_TEST(e.d.findings.size() == (result == "undetermined" ? 1u : 0u), record);
        BOOST_TEST(vigil::to_json(decide(set, record)) == vigil::to_json(e.d), record);
    }
}

BOOST_AUTO_TEST_CASE(a_rule_with_then_opens_an_obligation) {
    const auto set = compile_policy(policy_text);
    const auto e = explain(set, R"({"speaker":"user","signals":{"emotions":["anger"]}})");
    const auto& anger = rule(e, "handoff_after_anger");
    BOOST_TEST(anger.result == "obligation_open");
    BOOST_REQUIRE(anger.clauses.size() == 4u);
    BOOST_TEST(anger.clauses[1].text == "\"anger\" in signals.emotions");
    // The obligation's filter and condition come last, judged on this record.
    BOOST_TEST(anger.clauses[2].clause == "where");
    BOOST_TEST(anger.clauses[2].text == "speaker == \"ai\"");
    BOOST_TEST(shown(anger.clauses[2]) == "false");
    BOOST_TEST(anger.clauses[3].clause == "require");
    BOOST_TEST(anger.clauses[3].missing == std::vector<std::string>{"handoff.offered"});
    // A record explained alone is a conversation of one turn: the obligation ends unmet.
    const auto unmet = std::find_if(e.d.findings.begin(), e.d.findings.end(),
                                    [](const vigil::finding& f) { return f.rule == "handoff_after_anger"; });
    BOOST_REQUIRE(unmet != e.d.findings.end());
    BOOST_TEST(unmet->result == vigil::outcome::violation);
}

BOOST_AUTO_TEST_CASE(a_refused_record_is_not_explained) {
    const auto set = compile_policy(policy_text);
    vigil::evaluator judge(set);
    vigil::decision d;
    std::vector<vigil::rule_explanation> why(1);
    std::string error;
    BOOST_TEST(!judge.explain("[1]", d, why, error));
    BOOST_TEST(why.empty());
    BOOST_TEST(!error.empty());
    // The evaluator decides as before afterwards, without explaining.
    BOOST_TEST(judge.decide(std::string(R"({"speaker":"ai"})"), d, error));
}

BOOST_AUTO_TEST_CASE(explanations_as_json) {
    const auto set = compile_policy(policy_text);
    const auto e = explain(set, R"({"speaker":"ai","timestamp":"2026-01-01T00:00:00Z","ai":{"disclosed":false}})");
    const json j = vigil::to_json(rule(e, "first_turn_discloses"));
    BOOST_TEST(j == json::parse(R"j({"policy":"care","version":"1.0","rule":"first_turn_discloses","result":"violation",
        "clauses":[
          {"clause":"when","text":"first(speaker == \"ai\")","value":true,"missing":[],"errors":[],"definitions":[]},
          {"clause":"require","text":"ai.disclosed == true","value":false,"missing":[],"errors":[],
           "definitions":[]}]})j"),
               j.dump());
    BOOST_TEST(vigil::to_json(rule(e, "anything"))["version"].is_null());
}

// In a conversation the obligation is open after the turn that opens it, and the turn that closes
// it says whether it was met.
BOOST_AUTO_TEST_CASE(turns_of_a_conversation_are_explained_with_its_state) {
    const auto set = compile_policy(policy_text);
    vigil::evaluator judge(set);
    const auto turn = [&](vigil::rule_state& state, const std::string& record) {
        explained out;
        std::string error;
        BOOST_REQUIRE_MESSAGE(judge.explain(record, state, out.d, out.why, error), error);
        return out;
    };
    const std::string angry = R"({"turn":1,"speaker":"user","signals":{"emotions":["anger"]}})";
    for (const bool offered : {false, true}) {
        vigil::rule_state state = judge.new_state();
        BOOST_TEST(rule(turn(state, angry), "handoff_after_anger").result == "obligation_open");
        const auto answer = turn(state, R"({"turn":2,"speaker":"ai","handoff":{"offered":)" +
                                            std::string(offered ? "true" : "false") + "}}");
        const auto& closed = rule(answer, "handoff_after_anger");
        BOOST_TEST(closed.result == (offered ? "pass" : "violation"));
        BOOST_TEST(shown(closed.clauses[2]) == "true");
        BOOST_TEST(shown(closed.clauses[3]) == (offered ? "true" : "false"));
        // first() saw the AI's first turn only now.
        BOOST_TEST(rule(answer, "first_turn_discloses").result == "undetermined");
        BOOST_TEST(state.turns() == 2u);
        // A later AI turn: nothing open any more.
        BOOST_TEST(rule(turn(state, R"({"turn":3,"speaker":"ai"})"), "handoff_after_anger").result == "not_applicable");
    }
}

// A part written over several lines is shown on one, without its comments; the blanks inside its
// strings stay as written.
BOOST_AUTO_TEST_CASE(a_part_over_several_lines_is_shown_on_one) {
    const auto set = compile_policy(R"(
policy "p" {
  rule spaced {
    severity low
    when text contains "only  today  # not a comment"
    when speaker ==    # the AI's turns
           "ai"
    when text matches r"\d+  left" // a raw string keeps its backslash
    forbid true
  }
}
)");
    const auto e = explain(set, R"({"speaker":"ai","text":"only  today  # not a comment, 3  left"})");
    const auto& spaced = rule(e, "spaced");
    BOOST_REQUIRE(spaced.clauses.size() == 4u);
    BOOST_TEST(spaced.clauses[0].text == R"(text contains "only  today  # not a comment")");
    BOOST_TEST(spaced.clauses[1].text == R"(speaker == "ai")");
    BOOST_TEST(spaced.clauses[2].text == R"(text matches r"\d+  left")");
    BOOST_TEST(spaced.result == "violation");
}

// A part that names definitions is followed by what they stand for: each definition with its text
// and value on the record, the definitions it names in turn, each once per part; phrase lists are
// left out, their text being their value.
BOOST_AUTO_TEST_CASE(the_definitions_a_part_names_are_explained) {
    const auto set = compile_policy(R"(
policy "p" {
  let phrases = ["only today", "last chance"]
  let pressure = any p in phrases: lower(text) contains p
  let sad = signals.sentiment <= -0.5
  let scared = "fear" in signals.emotions
  let upset = sad or scared
  let fragile = upset and not calm
  let calm = signals.distress < 0.2
  let shouting = upper(text) == text
  rule no_pressure {
    severity high
    when pressure
    forbid fragile or upset
    forbid shouting and sad
  }
}
)");
    const auto e = explain(set, R"({"text":"ONLY TODAY!","signals":{"emotions":["fear"],"distress":0.5}})");
    const auto& r = rule(e, "no_pressure");
    BOOST_TEST(r.result == "violation");
    BOOST_REQUIRE_EQUAL(r.clauses.size(), 4u);  // `forbid fragile or upset` is two parts

    // `when pressure`: the definition, and no phrase list under it.
    const auto& when = r.clauses[0];
    BOOST_REQUIRE_EQUAL(when.definitions.size(), 1u);
    BOOST_TEST(when.definitions[0].name == "pressure");
    BOOST_TEST(when.definitions[0].text == "any p in phrases: lower(text) contains p");
    BOOST_TEST(when.definitions[0].value == json(true));
    BOOST_TEST(when.definitions[0].definitions.empty());

    // `forbid fragile`: fragile, then upset (sad unknown, scared true) and calm under it.
    const auto& fragile = r.clauses[1];
    BOOST_TEST(shown(fragile) == "true");  // upset, and not calm: the distress is 0.5
    BOOST_REQUIRE_EQUAL(fragile.definitions.size(), 1u);
    const auto& f = fragile.definitions[0];
    BOOST_TEST(f.name == "fragile");
    BOOST_TEST(f.value == json(true));
    BOOST_REQUIRE_EQUAL(f.definitions.size(), 2u);
    BOOST_TEST(f.definitions[0].name == "upset");
    BOOST_TEST(f.definitions[0].value == json(true));
    BOOST_REQUIRE_EQUAL(f.definitions[0].definitions.size(), 2u);
    BOOST_TEST(f.definitions[0].definitions[0].name == "sad");
    BOOST_TEST(f.definitions[0].definitions[0].value.is_null());
    BOOST_TEST(f.definitions[0].definitions[0].missing == std::vector<std::string>{"signals.sentiment"},
               boost::test_tools::per_element());
    BOOST_TEST(f.definitions[0].definitions[1].name == "scared");
    BOOST_TEST(f.definitions[1].name == "calm");
    BOOST_TEST(f.definitions[1].value == json(false));

    // `forbid upset`: upset and its two.
    const auto& upset = r.clauses[2];
    BOOST_TEST(shown(upset) == "true");
    BOOST_REQUIRE_EQUAL(upset.definitions.size(), 1u);
    BOOST_TEST(upset.definitions[0].definitions.size() == 2u);

    // `forbid shouting and sad`: a value that is no condition is shown as it is.
    const auto& both = r.clauses[3];
    BOOST_REQUIRE_EQUAL(both.definitions.size(), 2u);
    BOOST_TEST(both.definitions[0].name == "shouting");
    BOOST_TEST(both.definitions[0].value == json(true));
    BOOST_TEST(both.definitions[1].name == "sad");

    const json j = vigil::to_json(r);
    BOOST_TEST(j["clauses"][1]["definitions"][0]["definitions"][0]["definitions"][0]["name"] == "sad");
    BOOST_TEST(j["clauses"][1]["definitions"][0]["definitions"][0]["definitions"][0]["missing"][0] ==
               "signals.sentiment");
    BOOST_TEST(j["clauses"][0]["definitions"][0]["text"] == "any p in phrases: lower(text) contains p");
}

// Definitions that each name the one before twice: the account grows with the chain, not twice
// per level.
BOOST_AUTO_TEST_CASE(a_definition_named_twice_is_explained_once_per_part) {
    std::string text = "policy \"p\" {\n  let d0 = signals.distress > 0.5\n";
    for (int i = 1; i <= 20; ++i) {
        text += "  let d" + std::to_string(i) + " = d" + std::to_string(i - 1) + " or (d" + std::to_string(i - 1) +
                " and speaker == \"ai\")\n";
    }
    text += "  let e = d20 and d19\n  rule r {\n    severity low\n    forbid e\n  }\n}\n";
    const auto set = compile_policy(text);
    const auto e = explain(set, R"({"speaker":"ai"})");
    const auto& r = rule(e, "r");
    std::size_t count = 0;
    std::function<void(const std::vector<vigil::definition_explanation>&)> walk =
        [&](const std::vector<vigil::definition_explanation>& ds) {
            for (const auto& d : ds) {
                ++count;
                walk(d.definitions);
            }
        };
    walk(r.clauses[0].definitions);
    BOOST_TEST(count == 22u);  // e, d20 .. d0
}
