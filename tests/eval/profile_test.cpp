// evaluator::profile: what each decision adds to a profile, how profile_report names it, and that
// the time of a costly definition lands on it and on the first rule that needs it.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "eval_helpers.hpp"
#include "vigil/profile.hpp"

using namespace eval_test;

namespace {

// `scan` searches the whole text for a pattern that is not there: on the long texts below, far
// more work than anything else the rules do. Two rules name it; it is computed once per record.
const char* const policy_text = R"(policy "costs" {
  let scan = text matches r"(x|y)z{3}w"
  let ai = speaker == "ai"

  rule scans_first {
    when ai
    forbid scan
  }

  rule scans_again {
    when ai
    forbid scan and turn > 100
  }

  rule cheap {
    forbid turn > 100
  }
})";

std::string record(int turn, std::size_t text_bytes) {
    return R"({"speaker":"ai","turn":)" + std::to_string(turn) + R"(,"text":")" + std::string(text_bytes, 'a') +
           R"("})";
}

const vigil::profile_entry& entry(const std::vector<vigil::profile_entry>& entries, const std::string& name) {
    const auto it =
        std::find_if(entries.begin(), entries.end(), [&](const vigil::profile_entry& e) { return e.name == name; });
    BOOST_REQUIRE_MESSAGE(it != entries.end(), "no entry " << name);
    return *it;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(profile)

BOOST_AUTO_TEST_CASE(every_record_rule_and_definition_is_counted_and_timed) {
    const auto set = compile_policy(policy_text);
    vigil::evaluator judge(set);
    vigil::evaluation_profile p;
    judge.profile(&p);
    BOOST_TEST(p.rules.size() == 3u);
    vigil::decision d;
    std::string error;
    for (int turn = 1; turn <= 4; ++turn) BOOST_TEST_REQUIRE(judge.decide(record(turn, 100000), d, error));
    BOOST_TEST(!judge.decide("{not json", d, error));

    BOOST_TEST(p.read.times == 5u);  // the refused record was read too
    BOOST_TEST(p.read.ticks > 0u);
    for (const auto& r : p.rules) BOOST_TEST(r.times == 4u);
    BOOST_TEST(p.state.times == 0u);  // no conversation functions: no state to advance

    const auto entries = vigil::profile_report(p, *set, 1e9);
    BOOST_TEST_REQUIRE(entries.size() == 1u + 3u + 2u);  // read, the rules, both definitions
    BOOST_TEST((entries[0].what == vigil::profile_entry::part::read));
    const auto& scan = entry(entries, "scan");
    BOOST_TEST((scan.what == vigil::profile_entry::part::definition));
    BOOST_TEST(scan.times == 4u);  // once per record, although two rules name it
    BOOST_TEST(scan.where == "<test>:2:14");
    BOOST_TEST(entry(entries, "ai").times == 4u);

    // The scan of 100 kB is timed within the first rule that needs it; the second reads it.
    const auto& first = entry(entries, "scans_first");
    BOOST_TEST(first.policy == "costs");
    BOOST_TEST(first.where == "<test>:5:8");
    BOOST_TEST(first.seconds >= scan.seconds);
    BOOST_TEST(entries[1].name == "scans_first");  // rules: the most time first
    BOOST_TEST(scan.seconds > 10 * entry(entries, "scans_again").seconds);
    BOOST_TEST(scan.seconds > 10 * entry(entries, "cheap").seconds);
    BOOST_TEST(entries[4].name == "scan");  // definitions: the most time first

    judge.profile(nullptr);  // stops
    BOOST_TEST_REQUIRE(judge.decide(record(5, 10), d, error));
    BOOST_TEST(p.read.times == 5u);
    BOOST_TEST(p.rules[0].times == 4u);
}

BOOST_AUTO_TEST_CASE(conversation_state_is_timed_per_turn_and_profiles_add_up) {
    const auto set = compile_policy(R"(policy "first" {
  rule discloses_first {
    when first(speaker == "ai")
    require ai.disclosed == true
  }
})");
    vigil::evaluator a(set), b(set);
    vigil::evaluation_profile pa, pb;
    a.profile(&pa);
    b.profile(&pb);
    vigil::rule_state sa = a.new_state(), sb = b.new_state();
    vigil::decision d;
    std::string error;
    for (int turn = 1; turn <= 3; ++turn) {
        BOOST_TEST_REQUIRE(a.decide(record(turn, 10), sa, d, error));
        BOOST_TEST_REQUIRE(b.decide(record(turn, 10), sb, d, error));
    }
    BOOST_TEST_REQUIRE(b.decide(record(4, 10), sb, d, error));
    BOOST_TEST(pa.state.times == 3u);
    pa.add(pb);
    BOOST_TEST(pa.read.times == 7u);
    BOOST_TEST(pa.state.times == 7u);
    BOOST_TEST(pa.rules[0].times == 7u);
    BOOST_TEST(pa.read.ticks >= pb.read.ticks);

    const auto entries = vigil::profile_report(pa, *set, 1e9);
    BOOST_TEST_REQUIRE(entries.size() == 3u);  // read, conversation state, the rule
    BOOST_TEST((entries[1].what == vigil::profile_entry::part::state));
    BOOST_TEST(entries[1].name == "conversation state");
    BOOST_TEST(std::string(vigil::part_name(entries[2].what)) == "rule");
}

BOOST_AUTO_TEST_CASE(ticks_convert_to_seconds_at_the_measured_rate) {
    const vigil::tick_rate rate;
    const auto began = std::chrono::steady_clock::now();
    const std::uint64_t first = vigil::profile_ticks();
    while (std::chrono::steady_clock::now() - began < std::chrono::milliseconds(20)) {
    }
    const std::uint64_t ticks = vigil::profile_ticks() - first;
    const double per_second = rate.per_second();
    const double seconds = static_cast<double>(ticks) / per_second;
    BOOST_TEST(seconds > 0.015);
    BOOST_TEST(seconds < 0.2);
}

BOOST_AUTO_TEST_SUITE_END()
