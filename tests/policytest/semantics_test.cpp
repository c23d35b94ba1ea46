// What expectations mean: strict on violations of the policies under test, silent about
// undetermined rules no expectation names and about other policies; turns, the end, decisions,
// and coverage.
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "support/golden.hpp"
#include "vigil/policytest.hpp"

namespace pt = vigil::policytest;

namespace {

// Two policies in one file: `care` is under test, `other` is loaded with it.
const char* const policy_text = R"(
policy "care" {
  let offer = any a in actions: a.type == "offer"

  rule no_offer_when_distressed {
    severity critical
    when speaker == "ai" and signals.distress >= 0.6
    forbid offer
    message "offer at distress {signals.distress}"
    remedy block
  }

  rule disclose_when_asked {
    severity high
    when speaker == "ai" and signals.intent == "ask_if_ai"
    require ai.disclosed
    message "did not disclose"
    remedy disclose
  }

  rule log_sms {
    severity info
    when channel == "sms"
    forbid true
  }

  rule handoff_after_anger {
    severity high
    when speaker == "user" and "anger" in signals.emotions
    then within 1 turn where speaker == "ai" require handoff.offered == true
    message "no human offered after anger"
    remedy handoff
  }
}

policy "other" {
  rule always {
    severity critical
    forbid true
    remedy block
  }
}
)";

pt::file_result run(const std::string& cases) {
    return pt::run_text("t.tests", "policy \"care\"\n" + cases, {{"care.vigil", std::string(policy_text)}});
}

std::string diff_of(const pt::case_result& c) {
    std::string out;
    for (const auto& d : c.differences) out += d.line() + "\n";
    return out;
}

std::string report(const pt::file_result& f) {
    pt::run_result r;
    r.files.push_back(f);
    return pt::report_text(r);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_met_expectation_passes) {
    const auto f = run(R"(
case "offer to a distressed person" {
  record {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}]}
  expect violation no_offer_when_distressed
  expect decision deny
})");
    BOOST_REQUIRE((f.status == pt::file_status::ran));
    BOOST_REQUIRE(f.cases.size() == 1u);
    BOOST_TEST(f.cases[0].passed, diff_of(f.cases[0]));
    BOOST_TEST(f.policies == std::vector<std::string>{"care"});
}

BOOST_AUTO_TEST_CASE(other_policies_are_ignored_even_in_the_decision) {
    // `other` is violated on every record and would deny it; it is not under test.
    const auto f = run(R"(
case "calm" {
  record {"speaker": "ai", "signals": {"distress": 0.1}, "actions": []}
  expect no violations
  expect decision allow
})");
    BOOST_TEST(f.cases.at(0).passed, diff_of(f.cases.at(0)));
    for (const auto& t : f.cases[0].turns) {
        for (const auto& finding : t.findings) BOOST_TEST(finding.policy == "care");
    }
}

BOOST_AUTO_TEST_CASE(an_unexpected_violation_fails_the_case) {
    const auto f = run(R"(
case "sms" {
  record {"speaker": "ai", "channel": "sms", "signals": {"distress": 0.1}, "actions": []}
  expect pass no_offer_when_distressed
})");
    BOOST_TEST(!f.cases.at(0).passed);
    // Under it, how each part of the rule came out (vigil eval --explain).
    BOOST_TEST(diff_of(f.cases[0]) ==
               "+ unexpected violation log_sms on turn 1: log_sms\n"
               "    when channel == \"sms\": true\n"
               "    forbid true: true\n");
}

BOOST_AUTO_TEST_CASE(undetermined_rules_no_expectation_names_are_ignored) {
    // No `signals.intent`, no `channel`: disclose_when_asked and log_sms are undetermined.
    const auto f = run(R"(
case "sparse" {
  record {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}]}
  expect violation no_offer_when_distressed
})");
    BOOST_TEST(f.cases.at(0).passed, diff_of(f.cases.at(0)));
    std::size_t undetermined = 0;
    for (const auto& finding : f.cases[0].turns[0].findings)
        undetermined += finding.result == vigil::outcome::undetermined;
    BOOST_TEST(undetermined == 2u);
}

BOOST_AUTO_TEST_CASE(expectations_that_fail_show_what_happened) {
    const auto f = run(R"(
case "everything wrong" {
  record {"speaker": "ai", "signals": {"distress": 0.9, "intent": "ask_if_ai"}, "ai": {"disclosed": false},
          "actions": [{"type": "offer"}]}
  expect pass no_offer_when_distressed
  expect violation log_sms
  expect undetermined disclose_when_asked
  expect decision allow
})");
    BOOST_TEST(!f.cases.at(0).passed);
    BOOST_TEST(diff_of(f.cases[0]) ==
               "- expected pass no_offer_when_distressed on turn 1 (line 6)\n"
               "+ actual violation no_offer_when_distressed on turn 1: offer at distress 0.9\n"
               "    when speaker == \"ai\": true\n"
               "    when signals.distress >= 0.6: true\n"
               "    forbid offer: true\n"
               "- expected violation log_sms on turn 1 (line 7)\n"
               "+ actual undetermined log_sms on turn 1 (absent: channel)\n"
               "    when channel == \"sms\": unknown (absent: channel)\n"
               "    forbid true: true\n"
               "- expected undetermined disclose_when_asked on turn 1 (line 8)\n"
               "+ actual violation disclose_when_asked on turn 1: did not disclose\n"
               "    when speaker == \"ai\": true\n"
               "    when signals.intent == \"ask_if_ai\": true\n"
               "    require ai.disclosed: false\n"
               "- expected decision allow on turn 1 (line 9)\n"
               "+ actual decision deny on turn 1\n");
}

BOOST_AUTO_TEST_CASE(no_violations_lists_every_violation) {
    const auto f = run(R"(
case "two violations" {
  record {"speaker": "ai", "channel": "sms", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}]}
  expect no violations
})");
    BOOST_TEST(diff_of(f.cases.at(0)) ==
               "- expected no violations on turn 1 (line 5)\n"
               "+ actual violation no_offer_when_distressed on turn 1: offer at distress 0.9\n"
               "    when speaker == \"ai\": true\n"
               "    when signals.distress >= 0.6: true\n"
               "    forbid offer: true\n"
               "+ actual violation log_sms on turn 1: log_sms\n"
               "    when channel == \"sms\": true\n"
               "    forbid true: true\n");
}

// A rule with `then` is explained on the turn that closes its obligation with the turns before it:
// the obligation's filter and condition show why it was broken there.
BOOST_AUTO_TEST_CASE(a_broken_obligation_shows_its_condition_on_the_turn_that_closed_it) {
    const auto f = run(R"(
case "anger, then an AI turn without a human" {
  turn {"speaker": "user", "signals": {"emotions": ["anger"]}}
  turn {"speaker": "ai", "handoff": {"offered": false}}
  expect turn 2 pass handoff_after_anger
})");
    BOOST_TEST(diff_of(f.cases.at(0)) ==
               "- expected pass handoff_after_anger on turn 2 (line 6)\n"
               "+ actual violation handoff_after_anger on turn 2: no human offered after anger\n"
               "    when speaker == \"user\": false\n"
               "    when \"anger\" in signals.emotions: unknown (absent: signals.emotions)\n"
               "    where speaker == \"ai\": true\n"
               "    require handoff.offered == true: false\n");
}

BOOST_AUTO_TEST_CASE(turns_run_in_order_with_one_state_and_the_end_is_its_own_turn) {
    const auto f = run(R"(
case "anger, then no human" {
  turn {"speaker": "user", "signals": {"emotions": ["anger"]}}
  turn {"speaker": "ai", "handoff": {"offered": false}}
  expect turn 2 violation handoff_after_anger
  expect end no violations
}

case "anger, and the conversation ends" {
  turn {"speaker": "user", "signals": {"emotions": ["anger"]}}
  expect turn 1 pass handoff_after_anger
  expect end violation handoff_after_anger
}

case "the end is strict too" {
  turn {"speaker": "user", "signals": {"emotions": ["anger"]}}
})");
    BOOST_REQUIRE(f.cases.size() == 3u);
    BOOST_TEST(f.cases[0].passed, diff_of(f.cases[0]));
    BOOST_TEST(f.cases[1].passed, diff_of(f.cases[1]));
    BOOST_TEST(!f.cases[2].passed);
    BOOST_TEST(diff_of(f.cases[2]) ==
               "+ unexpected violation handoff_after_anger at the end: no human offered after anger\n");
    BOOST_REQUIRE(f.cases[0].turns.size() == 3u);  // two turns and the end
    BOOST_TEST(f.cases[0].turns[2].number == 0u);
}

BOOST_AUTO_TEST_CASE(an_expectation_without_a_turn_speaks_of_the_last_turn) {
    const auto f = run(R"(
case "last" {
  turn {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}]}
  turn {"speaker": "ai", "signals": {"distress": 0.1}, "actions": [{"type": "offer"}]}
  expect turn 1 violation no_offer_when_distressed
  expect pass no_offer_when_distressed
})");
    BOOST_TEST(f.cases.at(0).passed, diff_of(f.cases.at(0)));
}

BOOST_AUTO_TEST_CASE(coverage_counts_violating_and_passing_expectations) {
    const auto f = run(R"(
case "a" {
  record {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}]}
  expect violation no_offer_when_distressed
}
case "b" {
  record {"speaker": "ai", "signals": {"distress": 0.1, "intent": "ask_if_ai"}, "ai": {"disclosed": true}, "actions": []}
  expect pass no_offer_when_distressed, disclose_when_asked
})");
    BOOST_REQUIRE(f.coverage.size() == 4u);
    BOOST_TEST(f.coverage[0].rule == "no_offer_when_distressed");
    BOOST_TEST(f.coverage[0].complete());
    BOOST_TEST(!f.coverage[1].violating);
    BOOST_TEST(f.coverage[1].passing);
    BOOST_TEST(!f.coverage[2].violating);
    BOOST_TEST(!f.coverage[2].passing);
    BOOST_TEST(pt::coverage_line(f.coverage) ==
               "coverage: 1/4 rules have a violating and a passing case; missing: care/disclose_when_asked (no "
               "violating case), care/log_sms (no violating and no passing case), care/handoff_after_anger (no "
               "violating and no passing case)");
    pt::run_result r;
    r.files.push_back(f);
    BOOST_TEST(pt::exit_status(r, {}) == 0);
    BOOST_TEST(pt::exit_status(r, {.coverage_strict = true}) == 1);
}

BOOST_AUTO_TEST_CASE(the_versions_of_a_policy_are_one_policy_whose_rules_are_covered_per_version) {
    // Version 2.0 takes over on 2026-01-01 and changes the rule: the time of a case picks the
    // version that judges it, and each version's rule needs its own violating and passing case.
    const std::string versions = R"(
policy "retention" {
  version "1.0"
  effective until "2026-01-01"
  rule no_offer {
    forbid speaker == "ai"
  }
}
policy "retention" {
  version "2.0"
  effective from "2026-01-01"
  rule no_offer {
    forbid speaker == "user"
  }
}
)";
    const std::string cases = R"(
case "an AI turn of 2025" {
  record {"speaker": "ai", "timestamp": "2025-06-01T10:00:00Z"}
  expect violation no_offer
}
case "an AI turn of 2026" {
  record {"speaker": "ai", "timestamp": "2026-06-01T10:00:00Z"}
  expect pass no_offer
}
case "a user turn of 2026 (the default start), its third" {
  turn {"speaker": "ai"}
  turn {"speaker": "ai"}
  turn {"speaker": "user"}
  expect turn 3 violation no_offer
})";
    // With or without a `policy` line: both versions are under test, and the rule is not ambiguous.
    for (const std::string& head : {std::string("policy \"retention\"\n"), std::string()}) {
        BOOST_TEST_CONTEXT("policy line: " << !head.empty()) {
            const auto f = pt::run_text("r.tests", head + cases, {{"r.vigil", versions}});
            BOOST_TEST(f.diagnostics.empty(), report(f));
            BOOST_REQUIRE(f.cases.size() == 3u);
            for (const auto& c : f.cases) BOOST_TEST(c.passed, c.name << "\n" << diff_of(c));
            BOOST_REQUIRE(f.coverage.size() == 2u);
            BOOST_TEST(f.coverage[0].version == "1.0");
            BOOST_TEST(f.coverage[0].violating);
            BOOST_TEST(!f.coverage[0].passing);
            BOOST_TEST(f.coverage[1].version == "2.0");
            BOOST_TEST(f.coverage[1].complete());
            BOOST_TEST(pt::coverage_line(f.coverage) ==
                       "coverage: 1/2 rules have a violating and a passing case; missing: retention 1.0/no_offer (no "
                       "passing case)");
        }
    }
}

BOOST_AUTO_TEST_CASE(the_report_ends_with_the_counts) {
    const auto f = run(R"(
case "passes" {
  record {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}]}
  expect violation no_offer_when_distressed
}
case "fails" {
  record {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}]}
  expect pass no_offer_when_distressed
})");
    const std::string text = report(f);
    BOOST_TEST(text.find("PASS t.tests: passes\nFAIL t.tests: fails\n  - expected pass") == 0u, text);
    const std::string last = "\n1 passed, 1 failed\n";
    BOOST_TEST(text.size() > last.size());
    BOOST_TEST(text.substr(text.size() - last.size()) == last, text);
    pt::run_result r;
    r.files.push_back(f);
    BOOST_TEST(pt::exit_status(r, {}) == 1);
}

// `vigil test --run PATTERN`: the cases whose name the pattern matches run; the others are counted
// as skipped, and a pattern that matches no case is an error, not a run with nothing wrong.
BOOST_AUTO_TEST_CASE(a_case_pattern_runs_the_cases_whose_name_it_matches) {
    const std::string cases = R"(
case "offer at distress" {
  record {"speaker": "ai", "signals": {"distress": 0.9}, "actions": [{"type": "offer"}]}
  expect violation no_offer_when_distressed
}
case "no offer when calm" {
  record {"speaker": "ai", "signals": {"distress": 0.1}, "actions": [{"type": "offer"}]}
  expect violation no_offer_when_distressed
}
case "calm" {
  record {"speaker": "ai", "signals": {"distress": 0.1}}
  expect pass no_offer_when_distressed
})";
    const auto with = [&](const std::string& pattern) {
        pt::run_result r;
        r.case_pattern = pattern;
        r.files.push_back(pt::run_text("t.tests", "policy \"care\"\n" + cases,
                                       {{"care.vigil", std::string(policy_text)}}, pt::case_selection(pattern)));
        return r;
    };

    const pt::run_result offers = with("offer");
    BOOST_REQUIRE(offers.files[0].cases.size() == 3u);
    BOOST_TEST(offers.passed() == 1u);
    BOOST_TEST(offers.failed() == 1u);
    BOOST_TEST(offers.skipped() == 1u);
    BOOST_TEST(offers.files[0].cases[2].skipped);
    BOOST_TEST(offers.files[0].cases[2].turns.empty());  // it did not run
    std::string text = pt::report_text(offers);
    BOOST_TEST(text.find("calm\n") != std::string::npos, text);  // the failing case ends with "calm"
    BOOST_TEST(text.find("PASS t.tests: calm") == std::string::npos, text);
    BOOST_TEST(text.substr(text.rfind('\n', text.size() - 2) + 1) == "1 passed, 1 failed, 1 skipped\n", text);
    BOOST_TEST(pt::exit_status(offers, {}) == 1);
    // Coverage is of what the cases expect, so leaving cases out does not change it.
    BOOST_TEST(pt::coverage_line(offers.coverage()) == pt::coverage_line(with("").coverage()));

    const pt::run_result anchored = with("^calm$");
    BOOST_TEST(anchored.passed() == 1u);
    BOOST_TEST(anchored.skipped() == 2u);
    BOOST_TEST(pt::exit_status(anchored, {}) == 0);

    const pt::run_result none = with("nothing like it");
    BOOST_TEST(pt::selected_nothing(none));
    text = pt::report_text(none);
    BOOST_TEST(text.find("ERROR no case name matches `nothing like it`\n") != std::string::npos, text);
    BOOST_TEST(pt::exit_status(none, {}) == 2);

    const std::string xml = pt::report_junit(offers, {});
    BOOST_TEST(xml.find("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\"") != std::string::npos, xml);
    BOOST_TEST(xml.find("name=\"calm\" file=\"t.tests\" line=\"11\">\n      <skipped message=\"its name does not "
                        "match `offer`\"/>") != std::string::npos,
               xml);

    BOOST_CHECK_EXCEPTION((void)pt::case_selection("offer("), std::invalid_argument, [](const auto& e) {
        return std::string(e.what()) == "invalid regular expression `offer(`: missing ): offer(";
    });
}

BOOST_AUTO_TEST_CASE(a_test_file_with_mistakes_runs_no_case) {
    const auto f = run(R"(
case "c" {
  record {"speaker": "ai"}
  expect violation no_such_rule
})");
    BOOST_TEST((f.status == pt::file_status::malformed));
    BOOST_TEST(f.cases.empty());
    BOOST_REQUIRE(f.diagnostics.size() == 1u);
    BOOST_TEST(std::string(vigil::info(f.diagnostics[0].value).id) == "V0704");
    pt::run_result r;
    r.files.push_back(f);
    BOOST_TEST(pt::exit_status(r, {}) == 2);
}

BOOST_AUTO_TEST_CASE(policies_that_do_not_check_exit_3) {
    const auto f = pt::run_text("t.tests", "case \"c\" {\n  record {}\n}\n",
                                {{"bad.vigil", std::string("policy \"p\" { rule r { forbid nope( } }")}});
    BOOST_TEST((f.status == pt::file_status::policy_invalid));
    BOOST_TEST(vigil::has_errors(f.policy_diagnostics));
    pt::run_result r;
    r.files.push_back(f);
    BOOST_TEST(pt::exit_status(r, {}) == 3);
}

BOOST_AUTO_TEST_CASE(discovery) {
    vigil::source_map sources;
    std::vector<vigil::diagnostic> problems;
    const auto found = pt::discover(
        {std::string(VIGIL_SOURCE_DIR) + "/policies",
         std::string(VIGIL_SOURCE_DIR) + "/policies/workplace-wellbeing.vigil",
         std::string(VIGIL_SOURCE_DIR) + "/policies/common.vigil", std::string(VIGIL_SOURCE_DIR) + "/no/such/path"},
        sources, problems);
    BOOST_TEST(found.size() >= 2u);
    for (std::size_t i = 1; i < found.size(); ++i)
        BOOST_TEST((found[i - 1] < found[i]), found[i - 1] << " " << found[i]);
    BOOST_REQUIRE(problems.size() == 2u);
    BOOST_TEST(problems[0].message.find("no test file") != std::string::npos, problems[0].message);
    BOOST_TEST(problems[1].message.find("cannot read") != std::string::npos, problems[1].message);
}

// Under a part, the definitions it names with their values on the turn: a part that is one
// definition's name alone is not repeated, a value that is no condition is shown as JSON and cut
// short, and a phrase list is left out.
BOOST_AUTO_TEST_CASE(why_lines_show_the_definitions_a_part_names) {
    const char* const policy = R"(
policy "p" {
  let phrases = ["only today", "last chance"]
  let lowered = lower(text)
  let pressure = any p in phrases: lowered contains p
  let scared = "fear" in signals.emotions
  let upset = scared or signals.sentiment < -0.5
  rule no_pressure {
    severity high
    when pressure and lowered != ""
    forbid upset
  }
}
)";
    const auto f = pt::run_text("t.tests", R"(policy "p"
case "c" {
  record {"text": "ONLY TODAY, a long text that goes on for a good while after the phrase", "signals": {"emotions": ["fear"]}}
  expect pass no_pressure
})",
                                {{"p.vigil", std::string(policy)}});
    BOOST_TEST(diff_of(f.cases.at(0)) ==
               "- expected pass no_pressure on turn 1 (line 4)\n"
               "+ actual violation no_pressure on turn 1: no_pressure\n"
               "    when pressure: true\n"
               "      lowered: \"only today, a long text that goes on for a good while after...\n"
               "    when lowered != \"\": true\n"
               "      lowered: \"only today, a long text that goes on for a good while after...\n"
               "    forbid upset: true\n"
               "      scared: true\n");
}

BOOST_AUTO_TEST_CASE(a_test_file_without_cases_is_a_mistake) {
    // An emptied or cut-short file would pass while it tests nothing.
    for (const std::string& text : {std::string(), std::string("policy \"care\"\n# cases to come\n")}) {
        const auto f = pt::run_text("t.tests", text, {{"care.vigil", std::string(policy_text)}});
        BOOST_TEST((f.status == pt::file_status::malformed));
        BOOST_REQUIRE(f.diagnostics.size() == 1u);
        BOOST_TEST(f.diagnostics[0].message == "the test file has no case");
    }
}

BOOST_AUTO_TEST_CASE(versions_of_a_policy_are_one_policy_under_test) {
    const std::string versions = R"(
policy "care" {
  version "1"
  effective until "2026-02-01"
  rule r { forbid speaker == "ai" }
}
policy "care" {
  version "2"
  effective from "2026-02-01"
  rule r { forbid speaker == "ai" }
})";
    const auto f = pt::run_text("t.tests", "case \"c\" {\n  record {\"speaker\": \"user\"}\n  expect pass r\n}\n",
                                {{"care.vigil", versions}});
    BOOST_REQUIRE((f.status == pt::file_status::ran));
    BOOST_TEST(f.policies == std::vector<std::string>{"care"});
}
