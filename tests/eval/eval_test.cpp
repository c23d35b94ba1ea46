// Evaluator tests: outcomes, decisions, findings (missing paths, evidence, messages, remedies),
// records the evaluator refuses, and the JSON form of a decision. Operators are in
// operators_test.cpp, concurrency in threads_test.cpp.
#define BOOST_TEST_MODULE eval
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "eval_helpers.hpp"

using namespace eval_test;
using nlohmann::json;

namespace {

const char* const disclosure_policy = R"(
policy "transparency" {
  version "2.1"
  rule disclose_when_asked {
    severity high
    description "When asked, the AI says it is an AI"
    when speaker == "ai" and signals.intent == "ask_if_ai"
    require ai.disclosed
    remedy disclose
  }
}
)";

std::vector<std::string> strings(std::initializer_list<const char*> list) { return {list.begin(), list.end()}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(outcomes)

BOOST_AUTO_TEST_CASE(violation_pass_and_undetermined) {
    auto set = compile_policy(disclosure_policy);

    auto violated = decide(set, R"({"id":"r1","speaker":"ai","signals":{"intent":"ask_if_ai"},"ai":{"disclosed":false}})");
    BOOST_REQUIRE_EQUAL(violated.findings.size(), 1u);
    const auto& f = violated.findings[0];
    BOOST_TEST(f.result == vigil::outcome::violation);
    BOOST_TEST(f.policy == "transparency");
    BOOST_TEST(f.policy_version == "2.1");
    BOOST_TEST(f.rule == "disclose_when_asked");
    BOOST_TEST(f.severity == "high");
    BOOST_TEST(f.message == "When asked, the AI says it is an AI");  // no template: the description
    BOOST_TEST(f.missing.empty());
    BOOST_REQUIRE_EQUAL(f.remedies.size(), 1u);
    BOOST_TEST(f.remedies[0].kind == "disclose");
    BOOST_TEST(violated.kind == vigil::decision_kind::allow_with_remedies);

    auto passed = decide(set, R"({"id":"r2","speaker":"ai","signals":{"intent":"ask_if_ai"},"ai":{"disclosed":true}})");
    BOOST_TEST(passed.findings.empty());
    BOOST_TEST(passed.kind == vigil::decision_kind::allow);

    // `when` false: nothing else matters, even absent fields.
    auto not_applicable = decide(set, R"({"id":"r3","speaker":"user"})");
    BOOST_TEST(not_applicable.findings.empty());

    auto open = decide(set, R"({"id":"r4","speaker":"ai","signals":{"intent":"ask_if_ai"}})");
    BOOST_REQUIRE_EQUAL(open.findings.size(), 1u);
    BOOST_TEST(open.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(open.findings[0].missing == strings({"ai.disclosed"}), boost::test_tools::per_element());
    BOOST_TEST(open.findings[0].remedies.empty());  // remedies only for violations
    BOOST_TEST(open.kind == vigil::decision_kind::allow);

    // Absent in both `when` and `require`: both paths left it open.
    auto both = decide(set, R"({"id":"r5","speaker":"ai"})");
    BOOST_REQUIRE_EQUAL(both.findings.size(), 1u);
    BOOST_TEST(both.findings[0].missing == strings({"signals.intent", "ai.disclosed"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(null_counts_as_absent) {
    auto set = compile_policy(disclosure_policy);
    auto d = decide(set, R"({"speaker":"ai","signals":{"intent":"ask_if_ai"},"ai":{"disclosed":null}})");
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(d.findings[0].missing == strings({"ai.disclosed"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_lists_only_what_left_the_rule_open) {
    auto set = compile_policy(R"(
policy "p" {
  rule r {
    when (a or b) and c
    forbid d
  }
  rule s {
    when missing(x) and y
    forbid true
  }
  rule t {
    when speaker == "ai"
    require any act in actions: act.type == "offer"
  }
}
)");
    // a is absent but b is true: only c and d left it open.
    auto d = decide(set, R"({"b":true,"x":null,"speaker":"ai","actions":[{"type":"refund"},{"kind":"x"}]})");
    const auto* r = find(d, "r");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->result == vigil::outcome::undetermined);
    BOOST_TEST(r->missing == strings({"c", "d"}), boost::test_tools::per_element());
    // missing(x) decides about x; only y is open.
    const auto* s = find(d, "s");
    BOOST_REQUIRE(s);
    BOOST_TEST(s->missing == strings({"y"}), boost::test_tools::per_element());
    // an element without `type`: the path is named with [] for the array element.
    const auto* t = find(d, "t");
    BOOST_REQUIRE(t);
    BOOST_TEST(t->result == vigil::outcome::undetermined);
    BOOST_TEST(t->missing == strings({"actions[].type"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(definitions_are_shared_and_keep_their_missing_paths) {
    auto set = compile_policy(R"(
let distressed = signals.distress >= 0.6 or any e in signals.emotions: e in ["fear", "anger"]
policy "p" {
  let offer = any a in actions: a.type == "offer"
  rule one {
    when distressed
    forbid offer
  }
  rule two {
    when speaker == "ai" and distressed
    forbid offer
  }
  rule three {
    forbid distressed and speaker == "user"
  }
}
)");
    auto hit = decide(set, R"({"speaker":"ai","signals":{"distress":0.9},"actions":[{"type":"offer"}]})");
    BOOST_TEST(hit.findings.size() == 2u);
    BOOST_TEST(find(hit, "one")->result == vigil::outcome::violation);
    BOOST_TEST(find(hit, "two")->result == vigil::outcome::violation);

    auto by_emotion = decide(set, R"({"speaker":"user","signals":{"distress":0.1,"emotions":["joy","anger"]}})");
    BOOST_REQUIRE(find(by_emotion, "three"));
    BOOST_TEST(find(by_emotion, "three")->result == vigil::outcome::violation);
    BOOST_TEST(find(by_emotion, "one")->missing == strings({"actions"}), boost::test_tools::per_element());

    // Every rule that reads the (memoized) definition names the paths it could not read.
    auto open = decide(set, R"({"speaker":"ai","actions":[{"type":"offer"}]})");
    BOOST_REQUIRE_EQUAL(open.findings.size(), 2u);
    for (const auto& f : open.findings) {
        BOOST_TEST_CONTEXT(f.rule) {
            BOOST_TEST(f.result == vigil::outcome::undetermined);
            BOOST_TEST(f.missing == strings({"signals.distress", "signals.emotions"}), boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(run_time_errors_of_a_shared_definition_reach_every_rule) {
    auto set = compile_policy(R"(
policy "p" {
  let hours_per_day = workload.hours / workload.days
  rule long_days {
    forbid hours_per_day > 10
  }
  rule short_days {
    forbid hours_per_day < 2
  }
}
)");
    auto d = decide(set, R"({"workload":{"hours":50,"days":0}})");
    BOOST_REQUIRE_EQUAL(d.findings.size(), 2u);
    for (const auto& f : d.findings) {
        BOOST_TEST_CONTEXT(f.rule) {
            BOOST_TEST(f.result == vigil::outcome::undetermined);
            BOOST_TEST(f.missing.empty());
            BOOST_REQUIRE_EQUAL(f.errors.size(), 1u);
            BOOST_TEST(f.errors[0].find("division by zero") != std::string::npos, f.errors[0]);
        }
    }
    BOOST_TEST(decide(set, R"({"workload":{"hours":50,"days":5}})").findings.empty());
}

BOOST_AUTO_TEST_CASE(a_run_time_error_is_placed_in_the_rule_that_meets_it) {
    // Both rules write the same comparison, which the compiler builds once: the second rule's note
    // must still point into the second rule, not at the first rule's copy.
    auto set = compile_policy(R"(policy "p" {
  rule first_rule {
    when speaker == "user"
    forbid signals.distress > 0.5
  }
  rule second_rule {
    when speaker == "ai"
    forbid signals.distress > 0.5
  }
})");
    auto d = decide(set, R"({"speaker":"ai","signals":{"distress":"high"}})");
    const vigil::finding* f = find(d, "second_rule");
    BOOST_REQUIRE(f != nullptr);
    BOOST_REQUIRE_EQUAL(f->errors.size(), 1u);
    BOOST_TEST(f->errors[0].rfind("<test>:8:12: ", 0) == 0, f->errors[0]);
    d = decide(set, R"({"speaker":"user","signals":{"distress":"high"}})");
    f = find(d, "first_rule");
    BOOST_REQUIRE(f != nullptr);
    BOOST_TEST(f->errors.at(0).rfind("<test>:4:12: ", 0) == 0, f->errors.at(0));
}

// Found with the policy fuzz harness (fuzz/regressions/policy/shared-definition-doubling.vigil): a shared
// definition copied its absent paths and errors into every use, so each definition of this chain
// held twice the copies of the one before: 2^21 for d21, seconds and hundreds of MiB per record.
BOOST_AUTO_TEST_CASE(a_chain_of_shared_definitions_keeps_each_missing_path_once) {
    std::string text = "let d0 = x > 0 and y > 0 and s / 0 > 1\n";
    for (int i = 1; i <= 21; ++i) {
        text += "let d" + std::to_string(i) + " = d" + std::to_string(i - 1) + " or d" + std::to_string(i - 1) + "\n";
    }
    text += "policy \"p\" {\n  rule r {\n    forbid d21\n  }\n}\n";
    auto set = compile_policy(text);
    const auto start = std::chrono::steady_clock::now();
    auto d = decide(set, R"({"s": 3})");
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(d.findings[0].missing == strings({"x", "y"}), boost::test_tools::per_element());
    BOOST_REQUIRE_EQUAL(d.findings[0].errors.size(), 1u);
    BOOST_TEST(d.findings[0].errors[0].find("division by zero") != std::string::npos, d.findings[0].errors[0]);
    // Microseconds now; the copies took over a second.
    BOOST_TEST(took < std::chrono::milliseconds(200));
}

BOOST_AUTO_TEST_CASE(unless_and_several_obligations) {
    auto set = compile_policy(R"(
policy "p" {
  rule r {
    when speaker == "ai"
    unless review.human_reviewed
    require ai.disclosed
    forbid any a in actions: a.urgency
  }
}
)");
    BOOST_TEST(decide(set, R"({"speaker":"ai","ai":{"disclosed":true},"actions":[]})").findings.empty());
    BOOST_TEST(decide(set, R"({"speaker":"ai","review":{"human_reviewed":true},"ai":{"disclosed":false}})").findings.empty());
    auto urgent = decide(set, R"({"speaker":"ai","review":{"human_reviewed":false},"ai":{"disclosed":true},"actions":[{"urgency":true}]})");
    BOOST_REQUIRE_EQUAL(urgent.findings.size(), 1u);
    BOOST_TEST(urgent.findings[0].result == vigil::outcome::violation);
    // unless unknown and an obligation broken: undetermined, because review could excuse it.
    auto open = decide(set, R"({"speaker":"ai","ai":{"disclosed":false}})");
    BOOST_REQUIRE_EQUAL(open.findings.size(), 1u);
    BOOST_TEST(open.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(open.findings[0].missing == strings({"review.human_reviewed"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(decisions)

BOOST_AUTO_TEST_CASE(decision_kinds) {
    auto set = compile_policy(R"(
policy "p" {
  rule blocking {
    severity critical
    forbid kind == "block"
    remedy block, notify "safety"
  }
  rule reviewing {
    forbid kind == "review" or kind == "block"
    remedy review
  }
  rule plain {
    forbid kind == "plain"
  }
}
)");
    auto deny = decide(set, R"({"kind":"block"})");
    BOOST_TEST(deny.kind == vigil::decision_kind::deny);
    BOOST_TEST(deny.findings.size() == 2u);
    auto remedies = decide(set, R"({"kind":"review"})");
    BOOST_TEST(remedies.kind == vigil::decision_kind::allow_with_remedies);
    auto plain = decide(set, R"({"kind":"plain"})");
    BOOST_TEST(plain.kind == vigil::decision_kind::allow);
    BOOST_TEST(plain.findings.size() == 1u);
    BOOST_TEST(plain.findings[0].severity == "medium");  // the default severity
    // Undetermined rules do not deny.
    auto open = decide(set, R"({})");
    BOOST_TEST(open.kind == vigil::decision_kind::allow);
    BOOST_TEST(open.findings.size() == 3u);
    BOOST_TEST(vigil::decision_name(deny.kind) == "deny");
    BOOST_TEST(vigil::decision_name(remedies.kind) == "allow_with_remedies");
    BOOST_TEST(vigil::decision_name(plain.kind) == "allow");
}

// The kind of every decision is combined_decision() of its findings, whichever rules made them
// (plain ones, a deferred obligation, a policy with an effective period) and however undetermined
// findings count: the evaluator decides it with that one function.
BOOST_AUTO_TEST_CASE(a_decision_is_the_combined_decision_of_its_findings) {
    const std::string rules = R"(
  rule blocking {
    forbid kind == "block"
    remedy block, notify "safety"
  }
  rule reviewing {
    forbid kind == "review"
    remedy review
  }
  rule plain {
    forbid kind == "plain"
  }
)";
    const std::string deferred = R"(
  rule answered {
    when kind == "ask"
    then within 1 turn require kind == "answer"
    remedy block
  }
)";
    const std::string limited = R"(
policy "limited" {
  effective from "2026-01-01"
  rule late {
    forbid kind == "late"
    remedy review
  }
}
)";
    const std::vector<std::string> kinds{"plain", "review", "block", "ask", "plain", "ask", "answer", "", "late"};
    std::vector<std::string> seen;
    for (const std::string& text :
         {"policy \"p\" {" + rules + "}", "policy \"p\" {" + rules + deferred + "}" + limited}) {
        const auto set = compile_policy(text);
        vigil::evaluator judge(set);
        vigil::rule_state state;
        vigil::decision d;
        std::string error;
        for (const std::string& kind : kinds) {
            const std::string record = R"({"timestamp":"2026-03-02T10:00:00Z")" +
                                       (kind.empty() ? std::string() : R"(,"kind":")" + kind + "\"") + "}";
            BOOST_REQUIRE_MESSAGE(judge.decide(record, state, d, error), error);
            BOOST_TEST_CONTEXT(text << "\n" << record) {
                BOOST_TEST((d.kind == vigil::combined_decision(d.findings)));
                seen.emplace_back(vigil::decision_name(d.kind));
                vigil::count_undetermined_as(vigil::undetermined_as::violation, *set, d);
                BOOST_TEST((d.kind == vigil::combined_decision(d.findings, vigil::undetermined_as::violation)));
            }
        }
    }
    // Every kind came out, the broken obligation (the second `ask`, unanswered) a deny.
    BOOST_TEST(std::count(seen.begin(), seen.end(), "deny") == 3);
    BOOST_TEST(std::count(seen.begin(), seen.end(), "allow_with_remedies") == 3);
    BOOST_TEST(std::count(seen.begin(), seen.end(), "allow") == 12);
}

BOOST_AUTO_TEST_CASE(findings_in_policy_set_order) {
    auto set = compile_policy(R"(
policy "b_first" {
  rule z { forbid true }
  rule a { forbid true }
}
policy "a_second" {
  rule m { forbid true }
}
)");
    auto d = decide(set, "{}");
    BOOST_REQUIRE_EQUAL(d.findings.size(), 3u);
    BOOST_TEST(d.findings[0].policy + "/" + d.findings[0].rule == "b_first/z");
    BOOST_TEST(d.findings[1].policy + "/" + d.findings[1].rule == "b_first/a");
    BOOST_TEST(d.findings[2].policy + "/" + d.findings[2].rule == "a_second/m");
    BOOST_TEST(d.findings[0].policy_version == "");
}

BOOST_AUTO_TEST_CASE(record_and_conversation_ids) {
    auto set = compile_policy(disclosure_policy);
    auto d = decide(set, R"({"id":"r-9","conversation_id":"c-1","speaker":"user"})");
    BOOST_TEST(d.record_id == json("r-9"));
    BOOST_TEST(d.conversation_id == json("c-1"));
    BOOST_TEST(d.policy_hash == vigil::policy_hash(*set));
    BOOST_TEST(d.policy_hash.rfind("sha256:", 0) == 0u);
    auto numeric = decide(set, R"({"id":42,"speaker":"user"})");
    BOOST_TEST(numeric.record_id == json(42));
    BOOST_TEST(numeric.conversation_id.is_null());

    // One evaluator, one decision object reused: nothing leaks from record to record.
    vigil::evaluator judge(set);
    vigil::decision out;
    std::string error;
    BOOST_REQUIRE(judge.decide(R"({"id":"x","conversation_id":"c","speaker":"ai","signals":{"intent":"ask_if_ai"}})", out, error));
    BOOST_TEST(out.findings.size() == 1u);
    BOOST_REQUIRE(judge.decide(R"({"speaker":"user"})", out, error));
    BOOST_TEST(out.findings.empty());
    BOOST_TEST(out.record_id.is_null());
    BOOST_TEST(out.conversation_id.is_null());
}

// meaning_hash() names what a set was compiled from, not its layout: comments, blank space and
// line breaks leave it as it is (policy_hash() names the exact text and moves), while a change of
// any one thing the rules say moves it.
BOOST_AUTO_TEST_CASE(the_meaning_hash_ignores_layout_and_nothing_else) {
    const std::string base = R"(policy "p" {
  version "1"
  owner "o@example.com"
  description "what p is for"
  reference "law 1"
  effective from "2026-01-01"
  let limit = 2
  rule r {
    severity high
    description "what r is for"
    tags "t1", "t2"
    when speaker == "ai"
    forbid count_last(3, flag == true) >= limit
    message "too many {speaker}"
    remedy block
  }
  rule later {
    when any a in actions: a.type == "offer"
    then within 2 turns where speaker == "ai" require handoff.offered == true
    remedy review
  }
}
)";
    const std::string relaid = R"(# A comment first.
policy "p"
{
    version "1"   // and one after a setting
    owner "o@example.com" description "what p is for"
    reference "law 1"
    effective from "2026-01-01"

    let limit=2
    rule r {
        severity high
        description "what r is for"
        tags "t1" ,"t2"
        when speaker=="ai"   # spaces gone
        forbid count_last( 3 ,
                           flag == true ) >= limit
        message "too many { speaker }"
        remedy block


    }
    rule later {
        when any a in actions : a.type=="offer"
        then within 2 turns
             where speaker == "ai"
             require handoff.offered == true  # the handoff
        remedy review
    }
}
)";
    const auto with = [&](const std::string& from, const std::string& to) {
        std::string text = base;
        const auto at = text.find(from);
        BOOST_REQUIRE(at != std::string::npos);
        return text.replace(at, from.size(), to);
    };
    const std::vector<std::string> changed{
        with("\"p\"", "\"q\""),
        with("\"1\"", "\"2\""),
        with("o@example", "p@example"),
        with("what p", "what q"),
        with("law 1", "law 2"),
        with("2026-01-01", "2026-01-02"),
        with("effective from", "effective until"),
        with("= 2", "= 3"),
        with("limit\n", "limit + 0\n"),
        with("rule r", "rule s"),
        with("high", "low"),
        with("what r", "what s"),
        with("\"t2\"", "\"t3\""),
        with(", \"t2\"", ""),
        with("\"ai\"", "\"user\""),
        with("==", "!="),
        with(">=", ">"),
        with("count_last(3", "count_last(4"),
        with("too many", "too  many"),
        with("{speaker}", "{speaker}!"),
        with("remedy block", "remedy review"),
        with("remedy block", "remedy block, notify \"team\""),
        with("    when speaker == \"ai\"\n", ""),
        with("    forbid", "    require"),
        with("any a", "all a"),
        with("a in actions: a.type", "b in actions: b.type"),
        with("\"offer\"", "\"refund\""),
        with("within 2", "within 3"),
        with(" where speaker == \"ai\"", ""),
        with("require handoff", "forbid handoff"),
    };

    const auto meaning = [](const std::string& text, const vigil::compile_options& options = {}) {
        return vigil::meaning_hash(*compile_policy(text, options));
    };
    const std::string hash = meaning(base);
    BOOST_TEST(hash.rfind("sha256:", 0) == 0u);
    BOOST_TEST(meaning(base) == hash);
    BOOST_TEST(meaning(relaid) == hash);
    BOOST_TEST(vigil::policy_hash(*compile_policy(relaid)) != vigil::policy_hash(*compile_policy(base)));

    std::set<std::string> hashes{hash};
    for (const std::string& text : changed) {
        BOOST_TEST_CONTEXT(text) {
            BOOST_TEST(hashes.insert(meaning(text)).second);
        }
    }
    vigil::compile_options carrying;
    carrying.carried_fields = {"language"};
    BOOST_TEST(hashes.insert(meaning(base, carrying)).second);
}

BOOST_AUTO_TEST_CASE(a_field_given_twice_is_refused) {
    // Readers differ on which copy counts: a log consumer keeping the first `speaker` would see
    // another turn than the one judged.
    auto set = compile_policy(R"(policy "p" { rule r { forbid speaker == "ai" and actions[0].type == "offer" } })");
    vigil::evaluator judge(set);
    const auto refusal = [&judge](std::string_view record) {
        vigil::decision d;
        std::string error;
        BOOST_TEST(!judge.decide(record, d, error), record);
        return error;
    };
    BOOST_TEST(refusal(R"({"speaker":"user","speaker":"ai"})") ==
               "invalid record at byte 19: `speaker` is given twice (JSON readers differ on which copy counts)");
    BOOST_TEST(refusal(R"({"actions":[{"type":"offer"},{"type":"x","type":"offer"}],"speaker":"ai"})") ==
               "invalid record at byte 42: `actions[].type` is given twice (JSON readers differ on which copy counts)");
    BOOST_TEST(refusal(R"({"turn":1,"turn":2})").find("`turn` is given twice") != std::string::npos);
    BOOST_TEST(refusal(R"({"timestamp":"2026-01-01T00:00:00Z","timestamp":null})").find("`timestamp`") !=
               std::string::npos);
    BOOST_TEST(refusal(R"({"speaker":null,"speaker":"ai"})").find("`speaker`") != std::string::npos);
    // Members no rule reads may repeat, and one key in two objects is two fields.
    BOOST_TEST(
        decide(set, R"({"x":1,"x":2,"speaker":"ai","actions":[{"type":"offer"},{"type":"offer"}]})").findings.size() ==
        1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(messages_and_evidence)

BOOST_AUTO_TEST_CASE(message_rendering) {
    auto set = compile_policy(R"(
policy "p" {
  rule r {
    description "not used: the template wins"
    forbid true
    message "n={n} x={x} s={s} b={b} list={list} obj={obj} absent={nope} sum={n + 0.5}"
  }
  rule named {
    forbid true
  }
}
)");
    auto d = decide(set, R"({"n":3,"x":0.25,"s":"text","b":false,"list":[1,"two",null],"obj":{"k": [1, 2]}})");
    BOOST_REQUIRE(find(d, "r"));
    BOOST_TEST(find(d, "r")->message ==
               R"(n=3 x=0.25 s=text b=false list=[1,"two",null] obj={"k":[1,2]} absent=unknown sum=3.5)");
    BOOST_TEST(find(d, "named")->message == "named");  // no template, no description: the name
}

BOOST_AUTO_TEST_CASE(evidence_holds_concrete_paths) {
    auto set = compile_policy(R"(
policy "p" {
  let sales = any a in actions: a.category == "upsell"
  let anonymous = "anonymous"
  rule r {
    when speaker == "ai" and signals.distress > 0.5
    forbid sales
    unless exists(review.reviewer)
    message "{user.id default anonymous}"
  }
}
)");
    auto d = decide(set, R"({"speaker":"ai","signals":{"distress":0.82,"sentiment":-1},
        "actions":[{"type":"offer","category":"upsell","amount":9.99,"meta":{"a":[1,{"b":null}]}}],"text":"not read"})");
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    const json expected = {
        {"speaker", "ai"},
        {"signals.distress", 0.82},
        {"actions", json::array({{{"type", "offer"}, {"category", "upsell"}, {"amount", 9.99},
                                  {"meta", {{"a", json::array({1, {{"b", nullptr}}})}}}}})},
    };  // review.reviewer and user.id are absent: omitted
    // Written as nlohmann::json writes the same object: keys sorted, numbers in its shortest form.
    BOOST_TEST(d.findings[0].evidence == expected.dump());
    BOOST_TEST(d.findings[0].message == "anonymous");
}

BOOST_AUTO_TEST_CASE(projected_paths_are_what_rules_read) {
    auto set = compile_policy(R"(
policy "p" {
  rule r {
    when speaker == "ai" and signals.distress > 0.5
    forbid any a in actions: a.type == "offer"
  }
}
)");
    auto paths = vigil::projected_paths(*set);
    BOOST_TEST(paths == strings({"actions", "actions[].type", "signals.distress", "speaker"}),
               boost::test_tools::per_element());
    auto summary = vigil::summarize(*set);
    BOOST_REQUIRE_EQUAL(summary.size(), 1u);
    BOOST_TEST(summary[0].name == "p");
    BOOST_TEST(summary[0].rules == 1u);
}

BOOST_AUTO_TEST_CASE(decision_as_json) {
    auto set = compile_policy(R"(
policy "care" {
  version "1.0"
  rule no_upsell {
    severity critical
    when speaker == "ai"
    forbid any a in actions: a.category == "upsell"
    message "offer of {actions[0].product}"
    remedy block, notify "trust-and-safety"
  }
  rule disclosed {
    severity low
    require ai.disclosed
  }
}
)");
    auto d = decide(set, R"({"id":"r-1","conversation_id":"c-1","speaker":"ai","actions":[{"category":"upsell","product":"premium"}]})");
    json expected = {
        {"record_id", "r-1"},
        {"conversation_id", "c-1"},
        {"decision", "deny"},
        {"findings",
         json::array({
             {{"policy", "care"},
              {"version", "1.0"},
              {"rule", "no_upsell"},
              {"severity", "critical"},
              {"outcome", "violation"},
              {"message", "offer of premium"},
              {"evidence",
               {{"speaker", "ai"}, {"actions", json::array({{{"category", "upsell"}, {"product", "premium"}}})}}},
              {"missing", json::array()},
              {"errors", json::array()},
              {"remedies", json::array({{{"type", "block"}}, {{"type", "notify"}, {"argument", "trust-and-safety"}}})}},
             {{"policy", "care"},
              {"version", "1.0"},
              {"rule", "disclosed"},
              {"severity", "low"},
              {"outcome", "undetermined"},
              {"message", "cannot decide `disclosed`: absent ai.disclosed"},
              {"evidence", json::object()},
              {"missing", json::array({"ai.disclosed"})},
              {"errors", json::array()},
              {"remedies", json::array()}},
         })},
        {"meta", nullptr},
        {"policy_hash", vigil::policy_hash(*set)},
    };
    BOOST_TEST(vigil::to_json(d) == expected, vigil::to_json(d).dump(2));
    BOOST_TEST(vigil::outcome_name(vigil::outcome::undetermined) == "undetermined");
}

BOOST_AUTO_TEST_CASE(meta_is_carried_through_as_the_record_wrote_it) {
    // Read by no rule, or read by one: either way the decision carries the member's text.
    for (const char* policy : {"policy \"p\" {\n  rule r {\n    forbid speaker == \"ai\"\n  }\n}\n",
                               "policy \"p\" {\n  rule r {\n    forbid meta.tenant == \"acme\"\n  }\n}\n"}) {
        auto set = compile_policy(policy);
        const std::string object = R"({ "tenant" : "acme",  "trace": {"id":"a\"}b", "n": [1, {"c": null}]} })";
        auto d = decide(set, R"({"id":"r-1","speaker":"ai", "meta" :)" + object + " \t, \"text\":\"x\"}");
        BOOST_TEST(d.meta == object);
        BOOST_TEST(d.findings.size() == 1u);
        BOOST_TEST(vigil::to_json(d)["meta"] == json::parse(object));
        d = decide(set, R"({"id":"r-1","speaker":"ai","meta":{"tenant":"acme"}})");  // the last member
        BOOST_TEST(d.meta == R"({"tenant":"acme"})");
    }
    auto set = compile_policy("policy \"p\" {\n  rule r {\n    forbid speaker == \"ai\"\n  }\n}\n");
    BOOST_TEST(decide(set, R"({"speaker":"ai","meta":"caf\u00e9" })").meta == R"("caf\u00e9")");  // any value
    BOOST_TEST(decide(set, R"({"speaker":"ai","meta":[1,2.50]})").meta == "[1,2.50]");
    BOOST_TEST(decide(set, R"({"speaker":"ai","meta":null})").meta.empty());
    BOOST_TEST(decide(set, R"({"speaker":"ai","x":{"meta":1}})").meta.empty());               // only the record's own
    BOOST_TEST(decide(set, R"({"speaker":"ai","m\u0065ta":{"a":1}})").meta == R"({"a":1})");  // its name escaped
    BOOST_TEST(decide(set, R"({"speaker":"ai"})").meta.empty());
    BOOST_TEST(vigil::to_json(decide(set, R"({"speaker":"ai"})"))["meta"].is_null());
}

// What `vigil replay --group-by` counts by: fields every decision carries whether a rule reads them
// or not, as JSON text, `null` when the record lacks one.
BOOST_AUTO_TEST_CASE(carried_fields_are_in_every_decision) {
    const std::string policy = "policy \"p\" {\n  rule r {\n    forbid speaker == \"ai\"\n  }\n}\n";
    vigil::compile_options options;
    options.carried_fields = {"language", "meta.tenant", "signals.distress", "speaker", "ai.model"};
    const auto set = compile_policy(policy, options);
    BOOST_TEST(vigil::carried_fields(*set) == options.carried_fields);
    auto d = decide(set, R"({"id":"r-1","speaker":"ai","language":"vi","signals":{"distress":0.75},)"
                         R"("meta":{"tenant":"a\"b","x":[1]},"ai":"not an object"})");
    BOOST_TEST(d.carried == (std::vector<std::string>{R"("vi")", R"("a\"b")", "0.75", R"("ai")", "null"}));
    BOOST_TEST(d.meta == R"({"tenant":"a\"b","x":[1]})");  // still carried whole
    BOOST_TEST(!vigil::to_json(d).contains("carried"));
    d = decide(set, R"({"id":"r-2","speaker":"user"})");
    BOOST_TEST(d.carried == (std::vector<std::string>{"null", "null", "null", R"("user")", "null"}));
    BOOST_TEST(d.findings.empty());

    // Without carried fields a decision carries nothing, and what the rules read is unchanged.
    const auto plain = compile_policy(policy);
    BOOST_TEST(vigil::carried_fields(*plain).empty());
    BOOST_TEST(decide(plain, R"({"id":"r-1","speaker":"ai","language":"vi"})").carried.empty());
    BOOST_TEST(vigil::projected_paths(*set) == vigil::projected_paths(*plain));
}

// What `vigil replay --group-by` may name when the policies declare record schemas: a field the
// schemas list (through local `$ref`s), or any field below an object they leave open; not one an
// object forbids, nor one below a text or a list. Without a schema, any field.
BOOST_AUTO_TEST_CASE(record_schemas_say_which_fields_they_allow) {
    const auto dir = std::filesystem::temp_directory_path() / "vigil-eval-schema-fields";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "a.json") << R"({
      "type": "object", "additionalProperties": false,
      "$defs": {
        "person": {"type": "object", "additionalProperties": false,
                   "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}},
        "reply": {"type": "object", "additionalProperties": false, "properties": {"reply": {"$ref": "#/$defs/reply"}}}
      },
      "properties": {
        "language": {"type": "string"},
        "user": {"$ref": "#/$defs/person"},
        "meta": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "string"}}}},
        "scores": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": false,
                                                              "properties": {"value": {"type": "number"}}}},
        "thread": {"$ref": "#/$defs/reply"},
        "elsewhere": {"$ref": "other.json#/x"},
        "not-a-name": {"type": "string"}
      }
    })";
    std::ofstream(dir / "b.json") << R"({"type": "object", "additionalProperties": false, "properties": {
                                         "language": {"type": "string"}, "channel": {"type": "string"}}})";
    const auto policy = [&](const std::string& name, const std::string& schema) {
        return "policy \"" + name + "\" {\n" +
               (schema.empty() ? "" : "  schema \"" + (dir / schema).string() + "\"\n") +
               "  rule r {\n    forbid language == \"x\"\n  }\n}\n";
    };
    const auto a = compile_policy(policy("a", "a.json"));
    for (const char* allowed : {"language", "user", "user.name", "meta", "meta.tenant", "meta.a.b.c", "tags",
                                "scores.math", "scores.math.value", "thread.reply.reply.reply", "elsewhere.x"})
        BOOST_TEST(vigil::record_schemas_allow(*a, allowed), allowed);
    for (const char* refused :
         {"lnaguage", "channel", "user.nmae", "language.code", "tags.k", "scores.math.other", "thread.replies", "not"})
        BOOST_TEST(!vigil::record_schemas_allow(*a, refused), refused);

    // A schema's fields, for suggestions: not through lists, nor names that are not field names,
    // and a schema that nests without end lists a bounded number of levels.
    const auto fields = vigil::record_schema_fields(*a);
    BOOST_TEST(std::is_sorted(fields.begin(), fields.end()));
    for (const char* listed : {"language", "user", "user.name", "user.age", "meta", "tags", "scores", "thread",
                               "thread.reply", "thread.reply.reply", "elsewhere"})
        BOOST_TEST((std::find(fields.begin(), fields.end(), listed) != fields.end()), listed);
    for (const char* not_listed : {"tags.k", "not-a-name", "scores.value", "channel"})
        BOOST_TEST((std::find(fields.begin(), fields.end(), not_listed) == fields.end()), not_listed);
    BOOST_TEST(fields.size() < 50u);

    // Several schemas: a field one of them allows. A policy without one changes nothing.
    const auto ab = compile_policy(policy("a", "a.json") + policy("b", "b.json") + policy("c", ""));
    BOOST_TEST(vigil::record_schemas_allow(*ab, "channel"));
    BOOST_TEST(vigil::record_schemas_allow(*ab, "user.age"));
    BOOST_TEST(!vigil::record_schemas_allow(*ab, "chanel"));
    const auto both = vigil::record_schema_fields(*ab);
    BOOST_TEST((std::find(both.begin(), both.end(), "channel") != both.end()));
    BOOST_TEST((std::adjacent_find(both.begin(), both.end()) == both.end()));

    // No schema: any field goes, and there is nothing to suggest.
    const auto none = compile_policy(policy("c", ""));
    BOOST_TEST(vigil::record_schemas_allow(*none, "lnaguage"));
    BOOST_TEST(vigil::record_schema_fields(*none).empty());
}

// What a service checks a body against before splitting it: any JSON text, read as a record is.
BOOST_AUTO_TEST_CASE(any_json_text_is_read_as_a_record_is) {
    std::string error;
    for (const std::string good : {R"({"turn":37777777777777777777777,"a":[1,{"b":"\u00e9"}]})", R"([{"x":-1e308},{}])",
                                   "123456789012345678901234567890", R"("x")", "null", " true "}) {
        BOOST_TEST(vigil::reads_as_record_json(good, error), good << ": " << error);
    }
    const std::string deep = std::string(1025, '[') + std::string(1025, ']');
    for (const std::string& bad : {std::string(R"({"a":1} x)"), std::string(R"({"a":"\q"})"), std::string("[1 2]"),
                                   std::string("1e400"), std::string("nul"), deep}) {
        error.clear();
        BOOST_TEST(!vigil::reads_as_record_json(bad, error), bad.substr(0, 20));
        BOOST_TEST(!error.empty());
    }
}

BOOST_AUTO_TEST_CASE(a_carried_field_must_be_a_field_path) {
    for (const char* good : {"language", "meta.tenant", "_x.y2", "a.b.c"}) BOOST_TEST(vigil::is_field_path(good), good);
    for (const char* bad : {"", ".a", "a.", "a..b", "2a", "a.2b", "a b", "a-b", "a[0]"})
        BOOST_TEST(!vigil::is_field_path(bad), bad);
    std::string problems;
    vigil::compile_options options;
    options.carried_fields = {"meta..tenant"};
    BOOST_CHECK_THROW(
        try_compile("policy \"p\" {\n  rule r {\n    forbid speaker == \"ai\"\n  }\n}\n", problems, options),
        std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_policy_without_version_gives_findings_a_null_version) {
    auto set = compile_policy("policy \"p\" {\n  rule r {\n    forbid speaker == \"ai\"\n  }\n}\n");
    const auto j = vigil::to_json(decide(set, R"({"id":"r-1","speaker":"ai"})"));
    BOOST_REQUIRE_EQUAL(j["findings"].size(), 1u);
    BOOST_TEST(j["findings"][0]["version"].is_null(), j.dump());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(records)

BOOST_AUTO_TEST_CASE(malformed_records_are_refused) {
    auto set = compile_policy(disclosure_policy);
    vigil::evaluator judge(set);
    struct bad {
        const char* text;
        const char* reason;  // expected prefix of the error
    } cases[] = {
        {"not json", "invalid JSON"},
        {"", "invalid JSON"},
        {"   ", "invalid JSON"},
        {"[1, 2]", "expected a JSON object, got an array"},
        {R"("text")", "expected a JSON object, got a string"},
        {"42", "expected a JSON object, got a number"},
        {"null", "expected a JSON object, got null"},
        {R"({"id":"a","speaker":"ai")", "invalid JSON"},
        {R"({"id":"a","speaker":"ai)", "invalid JSON"},
        {R"({"id":"a" "speaker":"ai"})", "invalid JSON"},
        {R"({"speaker":"ai"} {"speaker":"user"})", "invalid JSON"},
        {R"({"speaker":tru})", "invalid JSON at byte 15: "},
        // Faults in values no rule reads are refused too, and placed.
        {R"({"speaker":"ai","meta":{"a":tru}})", "invalid JSON at byte 32: "},
        {R"({"speaker":"ai","meta":{"a":"b\q"}})", "invalid JSON at byte 32: "},
        {R"({"speaker":"ai","meta":[1 2]})", "invalid JSON at byte 27: "},
        {R"({"speaker":"ai","x":01})", "invalid JSON at byte 22: "},
        {R"({"speaker":"ai","x":-})", "invalid JSON at byte 22: "},
        {R"({"speaker":"ai","x":{"a" 1}})", "invalid JSON at byte 26: "},
        {R"({"speaker":"ai","x":{"a":1,}})", "invalid JSON at byte 28: "},
        {R"({"speaker":"ai","x":nul})", "invalid JSON at byte 24: "},
        {R"({"speaker":"ai","x":[1.]})", "invalid JSON at byte 24: "},
        {R"({"speaker":"ai","x":[1e]})", "invalid JSON at byte 24: "},
        {R"({"speaker":"ai","x":[-01]})", "invalid JSON at byte 24: "},
        {R"({"speaker":"ai","x":[1.5e+]})", "invalid JSON at byte 27: "},
        {R"({"speaker":"ai","x":[truex]})", "invalid JSON at byte 26: "},
        {R"({"speaker":"ai","x":[nullx]})", "invalid JSON at byte 26: "},
        {R"({"speaker":"ai","x":[1"a"]})", "invalid JSON at byte 25: "},
        {R"({"speaker":"ai","\q":1})", "invalid JSON at byte 19: "},
        {R"({"speaker":"ai","ai":{"disclosed":true,"x":fals}})", "invalid JSON at byte 48: "},
        // A number beyond a double's range is placed too (a string holding one is not it).
        {R"({"speaker":"ai","text":"1e999","signals":{"distress":1e999}})",
         "invalid JSON at byte 54: the number 1e999 is beyond the range of a double"},
        {R"({"speaker":"ai","x":[1,-2E+400]})", "invalid JSON at byte 24: the number -2E+400 is beyond"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.text) {
            vigil::decision d;
            std::string error;
            BOOST_TEST(!judge.decide(c.text, d, error));
            BOOST_TEST(error.rfind(c.reason, 0) == 0u, error);
            BOOST_TEST(error.find('\n') == std::string::npos);
        }
    }
    // A NUL byte is named where it is: nlohmann's lexer, which places the faults, takes it for the
    // end of the text.
    const std::pair<std::string, std::string> nul_cases[] = {
        {std::string("\0{\"speaker\":\"ai\"}", 17), "invalid JSON at byte 1: a NUL byte (U+0000)"},
        {std::string("{\"speaker\":\"ai\"}\0", 17), "invalid JSON at byte 17: a NUL byte (U+0000)"},
        {std::string("{\"speaker\":\0\"ai\"}", 17), "invalid JSON at byte 12: a NUL byte (U+0000)"},
        {std::string("{\"speaker\":\"a\0i\"}", 17), "invalid JSON at byte 14: a NUL byte (U+0000)"},
        {std::string("{\"speaker\":tru\0}", 16), "invalid JSON at byte 15: a NUL byte (U+0000)"},
    };
    for (const auto& [text, reason] : nul_cases) {
        BOOST_TEST_CONTEXT(reason) {
            vigil::decision d;
            std::string error;
            BOOST_TEST(!judge.decide(text, d, error));
            BOOST_TEST(error.rfind(reason, 0) == 0u, error);
        }
    }
    // A string left open is quoted by its last characters only, not the rest of the line (it
    // was echoed whole, into every error answer and findings line of such a record).
    {
        vigil::decision d;
        std::string error;
        const std::string open = R"({"speaker":"ai","text":"é)" + std::string(5000, 'x') + "yz";
        BOOST_TEST(!judge.decide(open, d, error));
        BOOST_TEST(error.size() < 200u, error);
        BOOST_TEST(error.find("missing closing quote; last read: '...xxx") != std::string::npos, error);
        BOOST_TEST(error.find("xyz'") != std::string::npos, error);
        BOOST_TEST(!judge.decide(R"({"speaker":"ai","text":"short)", d, error));
        BOOST_TEST(error.find("last read: '\"short'") != std::string::npos, error);
    }
    // The evaluator is still fine afterwards, and valid escapes and atoms in values no rule reads
    // pass their check.
    vigil::decision d;
    std::string error;
    BOOST_TEST(judge.decide(R"({"speaker":"ai","signals":{"intent":"ask_if_ai"},"ai":{"disclosed":false}})", d, error));
    BOOST_TEST(d.findings.size() == 1u);
    BOOST_TEST(judge.decide(
                   R"({"speaker":"ai","m\u00e9ta":{"a\"b":"x\"y\u00e9\ud83d\ude00","b":[true,false,null,-1.5e3,0,-0.5E-3,1e5,12,{}]},)"
                   R"("signals":{"intent":"ask_if_ai","n":null},"ai":{"disclosed":false,"c":[[],{"d":"\\"}]}})",
                   d, error),
               error);
    BOOST_TEST(d.findings.size() == 1u);
}

// A record parsed where it lies (record_text::padded: a zero byte, then anything) is judged as one
// copied into the evaluator's own padded buffer, broken records included: the bytes after the zero
// here are digits and JSON that would continue a truncated record.
BOOST_AUTO_TEST_CASE(a_padded_record_is_judged_as_a_copied_one) {
    auto set = compile_policy(disclosure_policy);
    vigil::evaluator copied(set), in_place(set);
    const std::string whole =
        R"({"id":"r1","turn":2,"speaker":"ai","signals":{"intent":"ask_if_ai","distress":0.5},"ai":{"disclosed":false},"flag":true})";
    std::vector<std::string> texts{"", "   ", "null", "tru", "42", "[1,", R"({"speaker":tru})"};
    for (std::size_t cut = 0; cut <= whole.size(); ++cut) texts.push_back(whole.substr(0, cut));
    for (const std::string& text : texts) {
        BOOST_TEST_CONTEXT(text) {
            std::string buffer = text;
            buffer += '\0';
            buffer.append(vigil::record_padding - 1, '7');
            buffer.replace(text.size() + 1, 12, R"(e5,"x":1}]}})");
            vigil::rule_state a, b;
            vigil::decision da, db;
            std::string ea, eb;
            const bool ok_copied = copied.decide(text, a, da, ea);
            const vigil::record_text padded{std::string_view(buffer).substr(0, text.size()), true};
            const bool ok_in_place = in_place.decide(padded, b, db, eb);
            BOOST_TEST(ok_copied == ok_in_place);
            BOOST_TEST(ea == eb);
            if (ok_copied && ok_in_place) BOOST_TEST(vigil::to_json(da).dump() == vigil::to_json(db).dump());
            // The same without a state: a conversation of this one turn (vigil eval).
            const bool alone_copied = copied.decide(text, da, ea);
            const bool alone_in_place = in_place.decide(padded, db, eb);
            BOOST_TEST(alone_copied == alone_in_place);
            BOOST_TEST(ea == eb);
            if (alone_copied && alone_in_place) BOOST_TEST(vigil::to_json(da).dump() == vigil::to_json(db).dump());
        }
    }
}

// JSON allows any depth, but a record nested deeper than simdjson's limit of 1024 levels is refused,
// whether a rule reads the deep value or not: the walks recurse per level, and a record of a few
// hundred kilobytes 200,000 levels deep overflowed the stack.
BOOST_AUTO_TEST_CASE(a_record_nested_too_deeply_is_refused) {
    auto set = compile_policy(R"(policy "p" { rule r { forbid actions[0] == 1 } })");
    vigil::evaluator judge(set);
    vigil::decision d;
    std::string error;
    const auto nested = [](const std::string& member, std::size_t levels) {
        return "{\"id\":\"r\",\"" + member + "\":" + std::string(levels, '[') + std::string(levels, ']') + "}";
    };
    for (const std::string member : {"actions", "meta"}) {                // read by the rule, and not
        BOOST_TEST(judge.decide(nested(member, 1023), d, error), error);  // 1024 levels with the record
        BOOST_TEST(!judge.decide(nested(member, 1024), d, error));
        BOOST_TEST(error == "invalid JSON: objects and arrays nested more than 1024 levels deep");
        BOOST_TEST(!judge.decide(nested(member, 200000), d, error));
        BOOST_TEST(error == "invalid JSON: objects and arrays nested more than 1024 levels deep");
    }
}

// Whether a record is refused does not depend on whether a rule reads the damaged value: a
// record with one byte replaced (by a byte that JSON's grammar cares about) is accepted exactly
// when nlohmann::json accepts it, whichever field the byte lies in.
BOOST_AUTO_TEST_CASE(a_damaged_record_is_refused_exactly_when_it_is_not_json) {
    auto set = compile_policy(disclosure_policy);
    vigil::evaluator judge(set);
    const std::string record =
        R"({"id":"r-1","conversation_id":"c-1","turn":2,"speaker":"ai","text":"Hi \"there\" \u00e9",)"
        R"("signals":{"intent":"ask_if_ai","distress":0.5,"emotions":["fear"]},"ai":{"disclosed":false},)"
        R"("meta":{"n":-12.5e-3,"i":0,"big":123456789012345678901234,"ok":true,"no":false,"nil":null,)"
        R"("s":"a\/b\n","list":[1,[2,{"k":[]}],{}],"o":{"a\u0062":"x"}}})";
    BOOST_REQUIRE(nlohmann::json::accept(record));
    const std::string bytes = "0123456789-+.eEtrufalsn\\\"[]{}:, x/u";
    std::uint64_t seed = 2026;
    const auto next = [&seed] {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::size_t>(seed >> 33);
    };
    std::size_t refused = 0, tried = 0;
    for (std::size_t at = 0; at < record.size(); ++at) {
        for (int k = 0; k < 8; ++k) {
            std::string damaged = record;
            damaged[at] = bytes[next() % bytes.size()];
            const bool json = nlohmann::json::accept(damaged);
            vigil::decision d;
            std::string error;
            const bool decided = judge.decide(damaged, d, error);
            ++tried;
            refused += decided ? 0 : 1;
            BOOST_TEST_CONTEXT(damaged) { BOOST_TEST(decided == json, error); }
        }
    }
    BOOST_TEST(refused > tried / 4);  // most damage breaks the JSON
}

BOOST_AUTO_TEST_CASE(whitespace_escapes_and_unread_fields) {
    auto set = compile_policy(R"(policy "p" { rule r { forbid text == "a \"quoted\" word" and user.id == "é" } })");
    auto d = decide(set, "\n { \"meta\" : {\"deep\": [[{\"x\": 1}], \"s\"]},\n \"text\" : \"a \\\"quoted\\\" word\", "
                         "\"user\": {\"\\u0069d\": \"\\u00e9\"}, \"extra\": [1, 2.5e3, true, null] } \n");
    BOOST_TEST(d.findings.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(compilation)

BOOST_AUTO_TEST_CASE(field_of_a_computed_value_is_a_diagnostic) {
    std::string problems;
    auto set = try_compile(R"(
policy "p" {
  rule r {
    forbid [a, b][0].x == 1
  }
}
)",
                           problems);
    BOOST_TEST(set == nullptr);
    BOOST_TEST(problems.find("cannot read field `x` of a computed value") != std::string::npos, problems);
}

BOOST_AUTO_TEST_CASE(field_of_a_defaulted_path_is_fine) {
    auto set = compile_policy(R"(
policy "p" {
  rule r {
    forbid any a in (actions default []): a.type == "offer"
  }
}
)");
    BOOST_TEST(decide(set, R"({"actions":[{"type":"offer"}]})").findings.size() == 1u);
    BOOST_TEST(decide(set, R"({})").findings.empty());
}

BOOST_AUTO_TEST_CASE(shipped_policies_compile) {
    auto set = compile_policy(R"P(
let distressed = signals.distress >= 0.6
                 or any e in signals.emotions: e in ["anxiety", "fear", "sadness", "anger", "frustration"]
                 or signals.sentiment <= -0.5
let sales_categories = ["upsell", "cross_sell", "retention"]
policy "customer-care" {
  let sales_offer = any a in actions: a.type == "offer" and a.category in sales_categories
  rule no_upsell_when_distressed {
    severity critical
    when speaker == "ai" and distressed
    forbid sales_offer
    message "sales offer to a distressed person (distress {signals.distress default 0})"
    remedy block, notify "trust-and-safety"
  }
}
)P");
    auto d = decide(set, R"({"id":"r-1003","speaker":"ai","signals":{"sentiment":-0.8,"emotions":["frustration"],"distress":0.72},
      "actions":[{"type":"offer","category":"upsell","product":"premium-delivery","amount":9.99,"urgency":true}]})");
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.kind == vigil::decision_kind::deny);
    BOOST_TEST(d.findings[0].message == "sales offer to a distressed person (distress 0.72)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(effective_periods)

BOOST_AUTO_TEST_CASE(a_policy_applies_within_its_period) {
    auto set = compile_policy(R"(
policy "p" {
  version "1"
  effective until "2025-01-01"
  rule r {
    forbid x == 1
  }
}
policy "p" {
  version "2"
  effective from "2025-01-01" until "2026-01-01"
  rule r {
    forbid x == 1
    remedy block
  }
}
policy "always" {
  rule s {
    forbid x == 2
  }
}
)");
    auto v1 = decide(set, R"({"x":1,"timestamp":"2024-12-31T23:59:59Z"})");
    BOOST_REQUIRE_EQUAL(v1.findings.size(), 1u);
    BOOST_TEST(v1.findings[0].policy_version == "1");
    BOOST_TEST(v1.kind == vigil::decision_kind::allow);

    auto v2 = decide(set, R"({"x":1,"timestamp":"2025-01-01T01:00:00+01:00"})");  // midnight UTC: the start of v2
    BOOST_REQUIRE_EQUAL(v2.findings.size(), 1u);
    BOOST_TEST(v2.findings[0].policy_version == "2");
    BOOST_TEST(v2.kind == vigil::decision_kind::deny);

    BOOST_TEST(decide(set, R"({"x":1,"timestamp":"2026-01-01T00:00:00Z"})").findings.empty());  // `until` is excluded

    // Without a usable timestamp, neither version can be ruled out: undetermined, for each (they
    // do not say the same: version 2 blocks).
    auto none = decide(set, R"({"x":1})");
    BOOST_REQUIRE_EQUAL(none.findings.size(), 2u);
    for (const auto& f : none.findings) {
        BOOST_TEST(f.result == vigil::outcome::undetermined);
        BOOST_TEST(f.missing == strings({"timestamp"}), boost::test_tools::per_element());
    }
    BOOST_TEST(none.findings[0].policy_version == "1");
    BOOST_TEST(none.findings[1].policy_version == "2");
    auto bad = decide(set, R"({"x":1,"timestamp":"2025-13-01T00:00:00Z"})");
    BOOST_REQUIRE_EQUAL(bad.findings.size(), 2u);
    BOOST_TEST(bad.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(bad.findings[0].missing.empty());
    BOOST_REQUIRE_EQUAL(bad.findings[0].errors.size(), 1u);
    BOOST_TEST(bad.findings[0].errors[0] == "the record's `timestamp` is not an RFC 3339 time");
    // A rule that holds on the record holds whichever version is in force, or none.
    auto held = decide(set, R"({"x":2,"timestamp":"2025-13-01T00:00:00Z"})");
    BOOST_REQUIRE_EQUAL(held.findings.size(), 1u);
    BOOST_TEST(held.findings[0].rule == "s");
    BOOST_TEST(held.findings[0].result == vigil::outcome::violation);
}

// A record that may lie outside a policy's period gets from each rule what the rule finds, made
// undetermined: nothing when it holds, the time alone when it is broken, the time and the rule's
// own unknowns when it cannot be decided either way.
BOOST_AUTO_TEST_CASE(a_record_of_unknown_time_is_judged_by_what_each_rule_finds) {
    auto set = compile_policy(R"(
policy "p" {
  effective from "2025-01-01"
  rule r {
    when speaker == "ai"
    require ai.disclosed
  }
}
)");
    BOOST_TEST(decide(set, R"({"speaker":"user"})").findings.empty());
    BOOST_TEST(decide(set, R"({"speaker":"ai","ai":{"disclosed":true}})").findings.empty());
    const auto broken = decide(set, R"({"speaker":"ai","ai":{"disclosed":false}})");
    BOOST_REQUIRE_EQUAL(broken.findings.size(), 1u);
    BOOST_TEST(broken.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(broken.findings[0].missing == strings({"timestamp"}), boost::test_tools::per_element());
    const auto open = decide(set, R"({"speaker":"ai"})");
    BOOST_REQUIRE_EQUAL(open.findings.size(), 1u);
    BOOST_TEST(open.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(open.findings[0].missing == strings({"ai.disclosed", "timestamp"}), boost::test_tools::per_element());
    // Placed in time, the same record is judged as usual.
    const auto timed = decide(set, R"({"speaker":"ai","ai":{"disclosed":false},"timestamp":"2026-01-01T00:00:00Z"})");
    BOOST_REQUIRE_EQUAL(timed.findings.size(), 1u);
    BOOST_TEST(timed.findings[0].result == vigil::outcome::violation);
}

// A rule with `then` whose trigger fires on a record of unknown time cannot tell whether it
// opened an obligation: undetermined on that turn, and no obligation is left open.
BOOST_AUTO_TEST_CASE(a_trigger_of_unknown_time_opens_no_obligation) {
    auto set = compile_policy(R"(
policy "p" {
  effective from "2025-01-01"
  rule handoff {
    when speaker == "user" and "anger" in signals.emotions
    then within 1 turns where speaker == "ai" require handoff.offered
  }
}
)");
    vigil::evaluator judge(set);
    vigil::rule_state state;
    vigil::decision d;
    std::string error;
    BOOST_REQUIRE(judge.decide(R"({"speaker":"user","signals":{"emotions":["calm"]}})", state, d, error));
    BOOST_TEST(d.findings.empty());
    BOOST_REQUIRE(judge.decide(R"({"speaker":"user","signals":{"emotions":["anger"]}})", state, d, error));
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    BOOST_TEST(d.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(d.findings[0].missing == strings({"timestamp"}), boost::test_tools::per_element());
    BOOST_REQUIRE(judge.decide(R"({"speaker":"ai","handoff":{"offered":false}})", state, d, error));
    BOOST_TEST(d.findings.empty());  // no obligation was open to break
}

// Versions that say the same about a record of unknown time (undetermined alike, the same
// severity, message and remedies) are reported once, under the version loaded first; versions
// that differ are each reported, so that a stricter later version is not hidden.
BOOST_AUTO_TEST_CASE(versions_that_say_the_same_are_reported_once) {
    const auto version = [](const std::string& v, const std::string& period, const std::string& severity) {
        return "policy \"p\" {\n  version \"" + v + "\"\n  effective " + period + "\n  rule r {\n    severity " +
               severity + "\n    forbid x == 1\n  }\n  rule q {\n    forbid y == 1\n  }\n}\n";
    };
    auto set = compile_policy(version("1", "until \"2025-01-01\"", "high") +
                              version("2", "from \"2025-01-01\" until \"2026-01-01\"", "high") +
                              version("3", "from \"2026-01-01\"", "critical"));
    const auto d = decide(set, R"({"x":1,"y":1})");
    std::vector<std::string> reported;
    for (const auto& f : d.findings) reported.push_back(f.rule + " " + f.policy_version + " " + f.severity);
    BOOST_TEST(reported == strings({"r 1 high", "q 1 medium", "r 3 critical"}), boost::test_tools::per_element());
    // Placed in time, each record is judged by its version alone.
    const auto timed = decide(set, R"({"x":1,"y":1,"timestamp":"2025-06-01T00:00:00Z"})");
    BOOST_REQUIRE_EQUAL(timed.findings.size(), 2u);
    BOOST_TEST(timed.findings[0].policy_version == "2");
}

BOOST_AUTO_TEST_SUITE_END()
