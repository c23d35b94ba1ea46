// session_table: live turns judged as conversation_tracker judges them with a reorder window of 0
// (on a generated log with every kind of fault), idle expiry, eviction under a memory cap, and the
// fresh state a conversation starts when the store's set is replaced.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "vigil/conversation.hpp"
#include "vigil/datagen.hpp"

using namespace service_test;
using nlohmann::json;

namespace {

// What the tracker said about one fed line, in the table's terms.
struct expected_turn {
    bool refused = false;
    std::string placement;  // in_order (first and in_order alike), gap, duplicate, out_of_order, unordered
    std::int64_t missing_first = 0, missing_last = 0;
    json findings = json::array();  // the decision's findings (unordered: with the closing ones)
    std::string decision;
};

std::string placement_class(const std::string& placement) {
    return placement == "first" ? "in_order" : placement;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sessions)

BOOST_AUTO_TEST_CASE(live_turns_are_judged_as_the_tracker_judges_them_with_window_0) {
    const auto set = conversation_policies();
    vigil::datagen::options gen;
    gen.records = 6000;
    gen.seed = 5;
    gen.concurrent = 150;
    gen.out_of_order = 0.05;
    gen.duplicates = 0.03;
    gen.gaps = 0.03;
    gen.malformed = 0.01;
    const std::vector<std::string> lines = generated_log(gen);

    // The tracker: reorder window 0, no idle expiry.
    vigil::tracker_options options;
    options.reorder_window = 0;
    options.idle_gap_ms = 365LL * 24 * 3600 * 1000;
    vigil::conversation_tracker tracker(set, options);
    std::vector<expected_turn> expected(lines.size());
    // Closings, each with the line of its conversation's last decided turn.
    std::vector<std::pair<std::uint64_t, json>> tracker_closed;
    std::uint64_t line_no = 0;
    const vigil::event_sink sink = [&](const vigil::conversation_event& e) {
        if (e.kind == vigil::event_kind::closed && e.turns == 1 && e.cause == e.last_turn_line &&
            expected[e.cause - 1].placement == "unordered") {
            // A record without a place: closed at once; the table gives these with its decision.
            expected_turn& x = expected[e.cause - 1];
            for (const auto& f : vigil::to_json(*e.verdict)["findings"]) x.findings.push_back(f);
            return;
        }
        if (e.kind == vigil::event_kind::closed) {
            tracker_closed.emplace_back(e.last_turn_line, vigil::to_json(*e.verdict));
            return;
        }
        BOOST_REQUIRE_EQUAL(e.cause, line_no);
        expected_turn& x = expected[line_no - 1];
        switch (e.kind) {
            case vigil::event_kind::malformed:
                x.refused = true;
                break;
            case vigil::event_kind::gap:
                x.placement = "gap";
                x.missing_first = e.missing_first;
                x.missing_last = e.missing_last;
                break;
            case vigil::event_kind::decided: {
                if (x.placement.empty()) x.placement = e.record && e.record->ordered() ? "in_order" : "unordered";
                const json d = vigil::to_json(*e.verdict);
                x.findings = d["findings"];
                x.decision = d["decision"];
                break;
            }
            case vigil::event_kind::duplicate:
                x.placement = "duplicate";
                break;
            case vigil::event_kind::out_of_order:
                x.placement = "out_of_order";
                break;
            case vigil::event_kind::closed:
                break;
        }
    };
    for (const auto& line : lines) {
        ++line_no;
        tracker.feed(line, line_no, sink);
    }
    tracker.finish(sink);
    BOOST_TEST(tracker.held_records() == 0u);

    // The table: the same lines, one millisecond apart, nothing idle, no cap.
    vigil::policy_store store(set);
    vigil::session_options session;
    session.idle = std::chrono::hours(24 * 365);
    session.max_bytes = std::size_t{1} << 40;
    vigil::session_table table(store, session);
    std::size_t counts[5] = {0, 0, 0, 0, 0};  // refused, gap, duplicate, out_of_order, decided
    vigil::live_result out;
    std::string error;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const expected_turn& x = expected[i];
        const bool ok = table.decide(lines[i], at(static_cast<std::int64_t>(i)), out, error);
        BOOST_TEST_CONTEXT("line " << i + 1 << ": " << lines[i]) {
            BOOST_TEST(ok == !x.refused);
            if (!ok) {
                BOOST_TEST(!error.empty());
                ++counts[0];
                continue;
            }
            BOOST_TEST(placement_class(out.placement) == x.placement);
            BOOST_TEST(out.closed.empty());
            if (out.placement == "gap") {
                ++counts[1];
                BOOST_TEST(out.missing_first == x.missing_first);
                BOOST_TEST(out.missing_last == x.missing_last);
            }
            if (out.placement == "duplicate") ++counts[2];
            if (out.placement == "out_of_order") ++counts[3];
            BOOST_TEST(out.decided == (x.placement != "duplicate" && x.placement != "out_of_order"));
            if (!out.decided) continue;
            ++counts[4];
            const json d = vigil::to_json(out.verdict);
            BOOST_TEST(d["findings"] == x.findings);
            if (x.placement != "unordered") BOOST_TEST(d["decision"] == x.decision);
            BOOST_TEST(d["policy_hash"] == vigil::policy_hash(*set));
        }
    }
    BOOST_TEST_MESSAGE("refused " << counts[0] << ", gaps " << counts[1] << ", duplicates " << counts[2]
                                  << ", out of order " << counts[3] << ", decided " << counts[4]);
    for (std::size_t c = 0; c < 5; ++c) BOOST_TEST(counts[c] > 0u);  // every path was taken

    // The end of the input: the same end-of-conversation findings, in the order the conversations
    // were last fed. A turn the table does not decide does not feed a conversation, where the
    // tracker closes by the last line of any kind: its order, as replay of the decision log (which
    // holds the decided turns only) would have it, is that of the last turns decided.
    BOOST_TEST(table.counters().open == tracker_closed.size());
    std::stable_sort(tracker_closed.begin(), tracker_closed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json expected_closed = json::array();
    for (const auto& closed : tracker_closed) expected_closed.push_back(closed.second);
    json table_closed = json::array();
    for (const auto& d : table.close_all()) table_closed.push_back(vigil::to_json(d));
    BOOST_TEST(table_closed.size() == expected_closed.size());
    BOOST_TEST(table_closed == expected_closed);
    BOOST_TEST(table.counters().open == 0u);
    BOOST_TEST(table.counters().bytes == 0u);
}

BOOST_AUTO_TEST_CASE(placements_of_a_small_conversation) {
    vigil::policy_store store(load_text(ask_policy));
    vigil::session_table table(store, {});
    vigil::live_result out;
    std::string error;
    auto feed = [&](const std::string& line) {
        BOOST_REQUIRE_MESSAGE(table.decide(line, at(0), out, error), error);
        return out.placement;
    };
    BOOST_TEST(feed(record("a", 1)) == "first");
    BOOST_TEST(feed(record("a", 2)) == "in_order");
    BOOST_TEST(feed(record("a", 5, false, true)) == "gap");
    BOOST_TEST(out.missing_first == 3);
    BOOST_TEST(out.missing_last == 4);
    BOOST_TEST(out.decided);
    BOOST_TEST(vigil::decision_name(out.verdict.kind) == "deny");
    BOOST_TEST(feed(record("a", 2)) == "duplicate");
    BOOST_TEST(!out.decided);
    BOOST_TEST(feed(record("a", 3)) == "out_of_order");
    BOOST_TEST(!out.decided);
    BOOST_TEST(feed(record("b", 4)) == "gap");  // its start never came
    BOOST_TEST(out.missing_first == 1);
    // No turn: a conversation of its own, its closing findings in its decision (an ask never answered).
    BOOST_TEST(feed(R"({"id":"lone","conversation_id":"a","ask":true})") == "unordered");
    BOOST_TEST(out.decided);
    BOOST_REQUIRE(out.verdict.findings.size() == 1u);
    BOOST_TEST(out.verdict.findings[0].rule == "answered");
    BOOST_TEST(vigil::decision_name(out.verdict.kind) == "allow_with_remedies");

    // Refused records leave the table as it was.
    const auto before = table.counters();
    BOOST_TEST(!table.decide("not json", at(0), out, error));
    BOOST_TEST(!error.empty());
    BOOST_TEST(!table.decide(R"({"conversation_id":"new","turn":1,"ask":)", at(0), out, error));
    BOOST_TEST(!table.decide("[1,2]", at(0), out, error));
    BOOST_TEST(table.counters().open == before.open);
    BOOST_TEST(table.counters().bytes == before.bytes);
    BOOST_TEST(feed(record("new", 1)) == "first");
}

// A client that timed out sends the turn again: the last decided turn, resent byte for byte, gets
// its decision again, marked as a repeat, and the state stays; any other resend is a duplicate.
BOOST_AUTO_TEST_CASE(a_resent_last_turn_gets_its_decision_again) {
    vigil::policy_store store(load_text(ask_policy));
    vigil::session_table table(store, {});
    vigil::live_result out;
    std::string error;
    const auto feed = [&](const std::string& line) {
        BOOST_REQUIRE_MESSAGE(table.decide(line, at(0), out, error), error);
        return out.placement;
    };
    BOOST_TEST(feed(record("a", 1, true, true)) == "first");  // asks; flagged: denied
    const json first = vigil::to_json(out.verdict);
    const auto bytes = table.counters().bytes;
    for (int resend = 0; resend < 3; ++resend) {
        BOOST_TEST(feed(record("a", 1, true, true)) == "duplicate");
        BOOST_TEST(!out.decided);
        BOOST_TEST(out.repeat);
        BOOST_TEST(out.repeated_placement == "first");
        BOOST_TEST(vigil::to_json(out.verdict) == first);
    }
    BOOST_TEST(table.counters().bytes == bytes);
    // The same turn with other content, or other bytes, is a duplicate, without a decision.
    BOOST_TEST(feed(record("a", 1, false, true)) == "duplicate");
    BOOST_TEST(!out.repeat);
    BOOST_TEST(out.verdict.findings.empty());
    BOOST_TEST(feed(record("a", 1, true, true) + " ") == "duplicate");
    BOOST_TEST(!out.repeat);

    // The repeats did not count as turns: the ask's two turns are still to come.
    BOOST_TEST(feed(record("a", 2)) == "in_order");
    BOOST_TEST(out.verdict.findings.empty());
    BOOST_TEST(feed(record("a", 1, true, true)) == "duplicate");  // no longer the last turn
    BOOST_TEST(!out.repeat);
    BOOST_TEST(feed(record("a", 5)) == "gap");
    BOOST_REQUIRE(out.verdict.findings.size() == 1u);  // the ask, unanswered in turns 2 and 5
    BOOST_TEST(out.verdict.findings[0].rule == "answered");
    feed(record("a", 5));
    BOOST_TEST(out.repeat);
    BOOST_TEST(out.repeated_placement == "gap");
    BOOST_TEST(out.missing_first == 3);
    BOOST_TEST(out.missing_last == 4);
    BOOST_TEST(out.verdict.findings.size() == 1u);
    BOOST_TEST(out.verdict.record_id == "r-a-5");
}

// A table of ask_policy whose conversations go idle after a minute.
struct minute_idle_table {
    vigil::policy_store store{load_text(ask_policy)};
    vigil::session_table table{store, {.idle = std::chrono::minutes(1)}};
    vigil::live_result out;
    std::string error;
};

BOOST_FIXTURE_TEST_CASE(idle_conversations_expire_with_their_open_obligations, minute_idle_table) {
    BOOST_REQUIRE(table.decide(record("a", 1, true), at(0), out, error));  // asks, never answered
    BOOST_REQUIRE(table.decide(record("b", 1), at(50'000), out, error));
    BOOST_TEST(table.counters().open == 2u);

    BOOST_TEST(table.expire(at(60'000)).empty());  // a: idle for exactly a minute, not more
    const auto closed = table.expire(at(61'000));
    BOOST_REQUIRE(closed.size() == 1u);
    BOOST_TEST(closed[0].conversation_id == "a");
    BOOST_TEST(closed[0].record_id == "r-a-1");
    BOOST_REQUIRE(closed[0].findings.size() == 1u);
    BOOST_TEST(closed[0].findings[0].rule == "answered");
    BOOST_TEST(vigil::outcome_name(closed[0].findings[0].result) == "violation");
    const auto c = table.counters();
    BOOST_TEST(c.open == 1u);
    BOOST_TEST(c.expired == 1u);
    BOOST_TEST(c.evicted == 0u);

    // Its next turn opens a new conversation whose start is missing, as in replay after expiry.
    BOOST_REQUIRE(table.decide(record("a", 2), at(62'000), out, error));
    BOOST_TEST(out.placement == "gap");
    BOOST_TEST(out.missing_first == 1);
    BOOST_TEST(out.missing_last == 1);

    // b was fed at 50 s, a again at 62 s: b expires first.
    const auto later = table.expire(at(111'000));
    BOOST_REQUIRE(later.size() == 1u);
    BOOST_TEST(later[0].conversation_id == "b");
    BOOST_TEST(table.close_all().size() == 1u);
    BOOST_TEST(table.counters().open == 0u);
    BOOST_TEST(table.counters().expired == 2u);
}

BOOST_FIXTURE_TEST_CASE(a_closing_carries_the_meta_of_the_last_turn_decided, minute_idle_table) {
    std::string first = record("a", 1, true);  // asks, never answered
    first.pop_back();
    BOOST_REQUIRE(table.decide(first + R"(,"meta":{"trace": "t-1"}})", at(0), out, error));
    BOOST_TEST(out.verdict.meta == R"({"trace": "t-1"})");
    const auto closed = table.expire(at(61'000));
    BOOST_REQUIRE(closed.size() == 1u);
    BOOST_TEST(closed[0].meta == R"({"trace": "t-1"})");
    BOOST_TEST(closed[0].findings.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_closing_carries_the_fields_of_the_last_turn_decided) {
    vigil::compile_options options;
    options.carried_fields = {"language"};
    auto bundle = vigil::load_policies({{"<test>", ask_policy}}, options);
    BOOST_REQUIRE(bundle.ok());
    vigil::policy_store store{bundle.set};
    vigil::session_table table{store, {.idle = std::chrono::minutes(1)}};
    vigil::live_result out;
    std::string error;
    std::string first = record("a", 1, true);  // asks, never answered
    first.pop_back();
    BOOST_REQUIRE(table.decide(first + R"(,"language":"nb"})", at(0), out, error));
    BOOST_TEST(out.verdict.carried == std::vector<std::string>{R"("nb")"});
    const auto closed = table.expire(at(61'000));
    BOOST_REQUIRE(closed.size() == 1u);
    BOOST_TEST(closed[0].carried == std::vector<std::string>{R"("nb")"});
    BOOST_TEST(closed[0].findings.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_turn_after_the_idle_gap_starts_a_new_conversation_without_an_expire, minute_idle_table) {
    BOOST_REQUIRE(table.decide(record("a", 1, true), at(0), out, error));  // asks, never answered
    BOOST_REQUIRE(table.decide(record("a", 2), at(60'000), out, error));   // a minute: not more than the gap
    BOOST_TEST(out.placement == "in_order");
    BOOST_TEST(out.expired.empty());

    // A broken turn after the gap is refused and changes nothing.
    BOOST_TEST(!table.decide(R"({"conversation_id":"a","turn":3,"ask":)", at(121'000), out, error));
    BOOST_TEST(table.counters().open == 1u);
    BOOST_TEST(table.counters().expired == 0u);

    BOOST_REQUIRE(table.decide(record("a", 3), at(121'000), out, error));
    BOOST_REQUIRE(out.expired.size() == 1u);  // closed as expire() would have closed it
    BOOST_TEST(out.expired[0].record_id == "r-a-2");
    BOOST_REQUIRE(out.expired[0].findings.size() == 1u);  // the ask was never answered
    BOOST_TEST(out.expired[0].findings[0].rule == "answered");
    BOOST_TEST(out.placement == "gap");  // the new conversation's start is the old one's
    BOOST_TEST(out.missing_first == 1);
    BOOST_TEST(out.missing_last == 2);
    BOOST_TEST(table.counters().open == 1u);
    BOOST_TEST(table.counters().expired == 1u);
}

// A turn that is not decided is no sign of life: a client that keeps resending a stale turn does
// not keep its conversation open past the idle time, whether expire() or its next turn finds it.
BOOST_FIXTURE_TEST_CASE(turns_not_decided_do_not_keep_a_conversation_open, minute_idle_table) {
    const auto feed = [&](const std::string& line, std::int64_t ms) {
        BOOST_REQUIRE_MESSAGE(table.decide(line, at(ms), out, error), error);
        return out.placement;
    };
    BOOST_TEST(feed(record("a", 1, true), 0) == "first");  // asks, never answered
    BOOST_TEST(feed(record("a", 3), 1'000) == "gap");      // turn 2 given up
    BOOST_TEST(feed(record("b", 1), 30'000) == "first");
    BOOST_TEST(feed(record("a", 3), 20'000) == "duplicate");
    BOOST_TEST(out.repeat);
    BOOST_TEST(feed(record("a", 1), 40'000) == "duplicate");
    BOOST_TEST(!out.repeat);
    BOOST_TEST(feed(record("a", 2), 60'000) == "out_of_order");

    const auto closed = table.expire(at(61'001));  // a minute after turn 3 of a, the last decided
    BOOST_REQUIRE(closed.size() == 1u);
    BOOST_TEST(closed[0].conversation_id == "a");
    BOOST_TEST(closed[0].record_id == "r-a-3");
    BOOST_TEST(closed[0].findings.size() == 1u);  // the ask, never answered

    BOOST_TEST(feed(record("b", 1), 89'000) == "duplicate");
    BOOST_TEST(out.repeat);
    BOOST_TEST(feed(record("b", 2), 91'000) == "gap");  // b, fed last at 30 s, was over
    BOOST_REQUIRE(out.expired.size() == 1u);
    BOOST_TEST(out.expired[0].record_id == "r-b-1");
    BOOST_TEST(table.counters().expired == 2u);
}

BOOST_AUTO_TEST_CASE(the_least_recently_fed_are_evicted_under_a_small_cap) {
    const auto set = load_text(ask_policy);
    vigil::policy_store store(set);
    vigil::live_result out;
    std::string error;

    // What one conversation of one turn costs.
    std::size_t one = 0;
    {
        vigil::session_table probe(store, {});
        BOOST_REQUIRE(probe.decide(record("c0", 1, true), at(0), out, error));
        one = probe.counters().bytes;
    }
    BOOST_TEST_MESSAGE("one conversation: " << one << " bytes");
    BOOST_REQUIRE(one > 0u);

    vigil::session_options options;
    options.max_bytes = one * 3 + one / 2;
    vigil::session_table table(store, options);
    std::vector<std::string> evicted;
    for (int i = 0; i < 10; ++i) {
        BOOST_REQUIRE(table.decide(record("c" + std::to_string(i), 1, true), at(i), out, error));
        for (const auto& d : out.closed) {
            evicted.push_back(d.conversation_id.get<std::string>());
            // Evicted conversations end: their open obligation is reported.
            BOOST_TEST(d.findings.size() == 1u);
            BOOST_TEST(d.record_id == "r-" + evicted.back() + "-1");
        }
        BOOST_TEST(table.counters().bytes <= options.max_bytes);
    }
    const std::vector<std::string> oldest{"c0", "c1", "c2", "c3", "c4", "c5", "c6"};
    BOOST_TEST(evicted == oldest, boost::test_tools::per_element());
    auto c = table.counters();
    BOOST_TEST(c.open == 3u);
    BOOST_TEST(c.evicted == 7u);

    // Feeding c7 again makes c8 the least recently fed.
    BOOST_REQUIRE(table.decide(record("c7", 2), at(20), out, error));
    BOOST_REQUIRE(table.decide(record("c10", 1), at(21), out, error));
    BOOST_REQUIRE(out.closed.size() == 1u);
    BOOST_TEST(out.closed[0].conversation_id == "c8");
    BOOST_TEST(table.counters().evicted == 8u);
}

BOOST_AUTO_TEST_CASE(a_replaced_set_restarts_the_state_of_each_conversation_once) {
    const auto a = load_text(ask_policy);
    const auto b = load_text(std::string(ask_policy) + "\n# b\n");
    vigil::policy_store store(a);
    vigil::session_table table(store, {});
    vigil::live_result out;
    std::string error;
    BOOST_REQUIRE(table.decide(record("x", 1, true), at(0), out, error));  // an ask under a
    BOOST_REQUIRE(table.decide(record("y", 1), at(1), out, error));
    BOOST_TEST(out.verdict.policy_hash == vigil::policy_hash(*a));

    store.replace(b);
    BOOST_TEST(table.counters().reset_by_reload == 0u);  // nothing happens until a turn comes
    BOOST_REQUIRE(table.decide(record("x", 1), at(2), out, error));
    BOOST_TEST(out.placement == "duplicate");  // turn order survives the reload
    BOOST_TEST(table.counters().reset_by_reload == 1u);
    BOOST_REQUIRE(table.decide(record("x", 2), at(3), out, error));
    BOOST_TEST(out.placement == "in_order");
    BOOST_TEST(out.verdict.policy_hash == vigil::policy_hash(*b));
    BOOST_TEST(table.counters().reset_by_reload == 1u);

    // x's ask under a was dropped with its state: x ends clean under b. y never saw b: it ends
    // under a, with a's hash.
    const auto closed = table.close_all();
    BOOST_REQUIRE(closed.size() == 2u);
    BOOST_TEST(closed[0].conversation_id == "y");
    BOOST_TEST(closed[0].policy_hash == vigil::policy_hash(*a));
    BOOST_TEST(closed[1].conversation_id == "x");
    BOOST_TEST(closed[1].policy_hash == vigil::policy_hash(*b));
    BOOST_TEST(closed[1].findings.empty());
}

/// A blocking rule and a disclosing one, which an AI turn without `user.age` or `ai.disclosed`
/// leaves undetermined, and a reviewed obligation that a turn without `answered` leaves open.
const char* const gate_policy = R"(
policy "gate" {
  version "1"
  rule adults_only {
    severity high
    when speaker == "ai"
    require user.age >= 18
    message "the person is a minor"
    remedy block
  }
  rule disclosed {
    severity low
    when speaker == "ai"
    require ai.disclosed == true
    message "the AI did not say it is one"
    remedy disclose
  }
  rule asked_is_answered {
    severity medium
    when ask == true
    then within 2 turns require answered == true
    message "a question was not answered"
    remedy review
  }
}
)";

// An AI turn that asks nothing, turn 1 of a conversation of its own; `rest`: its other members.
std::string ai_turn(const std::string& conversation, const std::string& rest) {
    return R"({"id":")" + conversation + R"(","conversation_id":")" + conversation +
           R"(","turn":1,"speaker":"ai","ask":false,)" + rest + "}";
}

// The remedy kinds of a finding, in order.
std::vector<std::string> remedy_kinds(const vigil::finding& f) {
    std::vector<std::string> kinds;
    for (const auto& r : f.remedies) kinds.push_back(r.kind);
    return kinds;
}

// By default an undetermined finding decides nothing; counted as a violation (fail closed), its
// rule's remedies apply: a block denies. Either way the finding says it is undetermined.
BOOST_AUTO_TEST_CASE(an_undetermined_finding_can_count_as_a_violation_of_its_rule) {
    vigil::policy_store store(load_text(gate_policy));
    vigil::session_table open_table(store, {});
    vigil::session_table closed_table(store, {.undetermined = vigil::undetermined_as::violation});
    const auto decide = [](vigil::session_table& table, const std::string& line) {
        vigil::live_result out;
        std::string error;
        BOOST_REQUIRE_MESSAGE(table.decide(line, at(0), out, error), error);
        BOOST_REQUIRE(out.decided);
        return out.verdict;
    };
    struct turn_case {
        std::string line;
        std::string open_kind, closed_kind;
    };
    const turn_case cases[] = {
        {ai_turn("no-age", R"("ai":{"disclosed":true})"), "allow", "deny"},
        {ai_turn("no-disclosure", R"("user":{"age":30})"), "allow", "allow_with_remedies"},
        {ai_turn("minor", R"("user":{"age":12},"ai":{"disclosed":true})"), "deny", "deny"},
        {ai_turn("judged", R"("user":{"age":30},"ai":{"disclosed":true})"), "allow", "allow"},
        // No conversation: decided as one of its own, closed at once.
        {R"({"id":"alone","speaker":"ai","ask":false,"ai":{"disclosed":true}})", "allow", "deny"},
    };
    for (const turn_case& c : cases) {
        BOOST_TEST_CONTEXT(c.line) {
            const vigil::decision open = decide(open_table, c.line);
            const vigil::decision closed = decide(closed_table, c.line);
            BOOST_TEST(vigil::decision_name(open.kind) == c.open_kind);
            BOOST_TEST(vigil::decision_name(closed.kind) == c.closed_kind);
            BOOST_REQUIRE_EQUAL(open.findings.size(), closed.findings.size());
            for (std::size_t i = 0; i < open.findings.size(); ++i) {
                const vigil::finding& f = closed.findings[i];
                BOOST_TEST(f.rule == open.findings[i].rule);
                BOOST_TEST((f.result == open.findings[i].result));
                if (f.result == vigil::outcome::undetermined) {
                    BOOST_TEST(open.findings[i].remedies.empty());
                    const std::vector<std::string> expected{f.rule == "adults_only" ? "block" : "disclose"};
                    BOOST_TEST(remedy_kinds(f) == expected, boost::test_tools::per_element());
                }
            }
        }
    }
    const vigil::decision no_age = decide(closed_table, ai_turn("no-age-again", R"("ai":{"disclosed":true})"));
    BOOST_REQUIRE_EQUAL(no_age.findings.size(), 1u);
    BOOST_TEST(vigil::outcome_name(no_age.findings[0].result) == "undetermined");
}

// The end of a conversation decides as its turns do: an obligation left open by a turn that
// lacked the field it needs is undetermined, and fails closed too.
BOOST_AUTO_TEST_CASE(an_undetermined_obligation_at_the_end_counts_as_the_table_says) {
    vigil::policy_store store(load_text(gate_policy));
    const auto closing = [&](vigil::undetermined_as counted) {
        vigil::session_table table(store, {.undetermined = counted});
        vigil::live_result out;
        std::string error;
        BOOST_REQUIRE(table.decide(R"({"id":"q-1","conversation_id":"q","turn":1,"speaker":"user","ask":true})", at(0),
                                   out, error));
        BOOST_REQUIRE(
            table.decide(R"({"id":"q-2","conversation_id":"q","turn":2,"speaker":"user"})", at(1), out, error));
        const auto closed = table.close_all();
        BOOST_REQUIRE_EQUAL(closed.size(), 1u);
        BOOST_REQUIRE_EQUAL(closed[0].findings.size(), 1u);
        BOOST_TEST(closed[0].findings[0].rule == "asked_is_answered");
        BOOST_TEST(vigil::outcome_name(closed[0].findings[0].result) == "undetermined");
        return closed[0];
    };
    BOOST_TEST(vigil::decision_name(closing(vigil::undetermined_as::pass).kind) == "allow");
    const vigil::decision failed_closed = closing(vigil::undetermined_as::violation);
    BOOST_TEST(vigil::decision_name(failed_closed.kind) == "allow_with_remedies");
    BOOST_TEST(remedy_kinds(failed_closed.findings[0]) == std::vector<std::string>{"review"},
               boost::test_tools::per_element());
}

// A turn number far ahead of its conversation's is refused instead of decided as a gap that would
// put the conversation past every real turn after it; the conversation stays as it was.
BOOST_AUTO_TEST_CASE(a_turn_too_far_ahead_is_refused_and_leaves_its_conversation_as_it_was) {
    vigil::policy_store store(load_text(ask_policy));
    vigil::session_table table(store, {.idle = std::chrono::minutes(1), .max_turn_gap = 3});
    vigil::live_result out;
    std::string error;
    const auto feed = [&](const std::string& line, std::int64_t ms) {
        BOOST_REQUIRE_MESSAGE(table.decide(line, at(ms), out, error), error);
        return out.placement;
    };
    BOOST_TEST(feed(record("a", 1), 0) == "first");
    // Waiting for turn 2: turn 5 skips 3 turns, the most allowed.
    BOOST_TEST(feed(record("a", 5), 1) == "gap");
    BOOST_TEST(out.missing_first == 2);
    BOOST_TEST(out.missing_last == 4);
    const auto bytes = table.counters().bytes;

    // Waiting for turn 6: turn 10 would skip 4.
    BOOST_TEST(feed(record("a", 10, false, true), 2) == "too_far_ahead");
    BOOST_TEST(!out.decided);
    BOOST_TEST(!out.repeat);
    BOOST_TEST(out.expected_turn == 6);
    BOOST_TEST(out.verdict.findings.empty());
    BOOST_TEST(feed(record("a", 9007199254740992), 3) == "too_far_ahead");
    BOOST_TEST(table.counters().bytes == bytes);
    BOOST_TEST(table.counters().open == 1u);
    // A record that is not one is refused as such, far ahead or not.
    BOOST_TEST(!table.decide(R"({"conversation_id":"a","turn":100,"ask":)", at(4), out, error));

    // The next real turn is decided as if nothing had come.
    BOOST_TEST(feed(record("a", 6), 5) == "in_order");
    BOOST_TEST(out.decided);

    // A conversation the table does not hold has no turn to measure against: any turn is taken.
    BOOST_TEST(feed(record("b", 1000), 6) == "gap");
    BOOST_TEST(out.missing_last == 999);
    BOOST_TEST(feed(record("c", 9007199254740992), 7) == "gap");

    // Refused turns do not feed a conversation: one that gets only those goes idle, and its next
    // turn starts it afresh at any number.
    BOOST_TEST(feed(record("b", 2000), 50'000) == "too_far_ahead");
    BOOST_TEST(table.expire(at(61'000)).size() == 3u);  // a, b and c, fed last at 5, 6 and 7 ms
    BOOST_TEST(feed(record("b", 2000), 62'000) == "gap");

    // 0: no limit, every gap decided.
    vigil::session_table unbounded(store, {.max_turn_gap = 0});
    BOOST_REQUIRE(unbounded.decide(record("a", 1), at(0), out, error));
    BOOST_REQUIRE(unbounded.decide(record("a", 9007199254740992), at(1), out, error));
    BOOST_TEST(out.placement == "gap");
}

BOOST_AUTO_TEST_SUITE_END()
