// conversation_tracker and peek(): turn order, the reorder window, gaps, duplicates, late turns,
// idle expiry, and the three fields that place a record.
#include <boost/test/unit_test.hpp>

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "vigil/conversation.hpp"

using namespace replay_test;
using vigil::event_kind;

namespace {

// A finding for every record that says `"flag": true`, so tests can see which records ran.
const char* const flag_policy = R"(
policy "t" {
  rule flagged {
    severity high
    forbid flag default false
    message "flagged"
  }
}
)";

constexpr std::int64_t minute = 60 * 1000;
// 2026-01-05T08:00:00Z
constexpr std::int64_t base_ms = 1767600000000;

// A record of conversation `conversation` at turn `turn`, `minutes` after 08:00.
std::string record(const std::string& conversation, int turn, int minutes = 0, bool flag = false) {
    char time[32];
    std::snprintf(time, sizeof time, "2026-01-05T%02d:%02d:00Z", 8 + minutes / 60, minutes % 60);
    std::ostringstream out;
    out << R"({"id":"r-)" << conversation << "-" << turn << R"(","conversation_id":")" << conversation << R"(","turn":)"
        << turn << R"(,"timestamp":")" << time << R"(","flag":)" << (flag ? "true" : "false") << "}";
    return out.str();
}

// Every event as one short line, so a test reads like the sequence it expects.
struct recorder {
    std::vector<std::string> events;
    std::size_t findings = 0;

    vigil::event_sink sink() {
        return [this](const vigil::conversation_event& e) { events.push_back(describe(e)); };
    }

    std::string describe(const vigil::conversation_event& e) {
        std::ostringstream out;
        out << vigil::event_name(e.kind) << " " << e.line;
        switch (e.kind) {
            case event_kind::decided:
                out << " " << e.conversation_id << "/" << e.record->turn;
                findings += e.verdict->findings.size();
                break;
            case event_kind::gap:
                out << " " << e.conversation_id << " missing " << e.missing_first << "-" << e.missing_last
                    << (e.at_start ? " at start" : "");
                break;
            case event_kind::duplicate:
                out << " of " << e.first_line;
                break;
            case event_kind::out_of_order:
                out << " expecting " << e.expected_turn;
                break;
            case event_kind::malformed:
                break;
            case event_kind::closed:
                out << " " << e.conversation_id << " turns " << e.turns << (e.resumed ? " resumed" : "");
                break;
        }
        if (e.cause != e.line) out << " by " << e.cause;
        return out.str();
    }

    std::vector<std::string> take() { return std::exchange(events, {}); }
};

using lines = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(tracker)

BOOST_AUTO_TEST_CASE(turns_in_order_are_decided_at_once) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    t.feed(record("a", 1), 1, r.sink());
    t.feed(record("a", 2, 1, true), 2, r.sink());
    t.feed(record("a", 3, 2), 3, r.sink());
    BOOST_TEST(r.take() == (lines{"decided 1 a/1", "decided 2 a/2", "decided 3 a/3"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.findings == 1u);
    BOOST_TEST(t.open_conversations() == 1u);
    t.finish(r.sink());
    BOOST_TEST(r.take() == lines{"closed 3 a turns 3"}, boost::test_tools::per_element());
    BOOST_TEST(t.open_conversations() == 0u);
}

BOOST_AUTO_TEST_CASE(closing_names_the_last_turn_evaluated) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    std::vector<std::string> closed;
    const auto sink = [&](const vigil::conversation_event& e) {
        if (e.kind != event_kind::closed) return;
        std::ostringstream out;
        out << e.conversation_id << " last line " << e.line << ", last turn " << (e.record ? e.record->turn : 0)
            << " on line " << e.last_turn_line << ", record " << (e.verdict ? e.verdict->record_id.dump() : "-")
            << ", findings " << (e.verdict ? e.verdict->findings.size() : 99);
        closed.push_back(out.str());
    };
    t.feed(record("a", 2), 1, sink);
    t.feed(record("a", 1), 2, sink);
    t.feed(record("a", 1), 3, sink);  // a duplicate is the last line fed, not the last turn
    t.finish(sink);
    BOOST_TEST(closed == lines{"a last line 3, last turn 2 on line 1, record \"r-a-2\", findings 0"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(closing_carries_the_meta_of_the_last_turn_evaluated) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    std::vector<std::string> closed;
    const auto sink = [&](const vigil::conversation_event& e) {
        if (e.kind == event_kind::closed) closed.push_back(std::string(e.conversation_id) + " " + e.verdict->meta);
    };
    const auto with_meta = [](std::string json, const std::string& meta) {
        json.pop_back();
        return json + R"(,"meta":)" + meta + "}";
    };
    t.feed(with_meta(record("a", 1), R"({"n":1})"), 1, sink);
    t.feed(with_meta(record("a", 3), R"({"n": [3]})"), 2, sink);  // held until turn 2
    t.feed(with_meta(record("a", 2), R"({"n":2})"), 3, sink);
    t.feed(with_meta(record("b", 1), R"({"n":1})"), 4, sink);
    t.feed(record("b", 2), 5, sink);  // the last turn has none
    t.finish(sink);
    BOOST_TEST(closed == (lines{R"(a {"n": [3]})", "b "}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(closing_carries_the_fields_of_the_last_turn_evaluated) {
    vigil::compile_options options;
    options.carried_fields = {"language"};
    vigil::conversation_tracker t(compile_text(flag_policy, options));
    std::vector<std::string> seen;
    const auto sink = [&](const vigil::conversation_event& e) {
        if (e.verdict == nullptr) return;
        const std::string carried = e.verdict->carried.empty() ? "-" : e.verdict->carried[0];
        seen.push_back(std::string(vigil::event_name(e.kind)) + " " + std::string(e.conversation_id) + " " + carried);
    };
    const auto in = [](std::string json, const std::string& language) {
        json.pop_back();
        return json + R"(,"language":")" + language + "\"}";
    };
    t.feed(in(record("a", 1), "nl"), 1, sink);
    t.feed(in(record("a", 3), "de"), 2, sink);  // held until turn 2
    t.feed(in(record("a", 2), "en"), 3, sink);
    t.feed(record("b", 1), 4, sink);
    t.finish(sink);
    BOOST_TEST(seen == (lines{R"(decided a "nl")", R"(decided a "en")", R"(decided a "de")", "decided b null",
                              R"(closed a "de")", "closed b null"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(turns_out_of_order_within_the_window_are_released_in_order) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    t.feed(record("a", 1), 1, r.sink());
    t.feed(record("a", 3), 2, r.sink());
    t.feed(record("b", 1), 3, r.sink());
    t.feed(record("a", 4), 4, r.sink());
    BOOST_TEST(t.held_records() == 2u);
    t.feed(record("a", 2), 5, r.sink());
    BOOST_TEST(t.held_records() == 0u);
    BOOST_TEST(r.take() == (lines{"decided 1 a/1", "decided 3 b/1", "decided 5 a/2", "decided 2 a/3 by 5",
                                  "decided 4 a/4 by 5"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_gap_is_reported_when_the_window_is_full) {
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 2});
    recorder r;
    t.feed(record("a", 1), 1, r.sink());
    t.feed(record("a", 4), 2, r.sink());
    t.feed(record("a", 5), 3, r.sink());
    BOOST_TEST(r.take() == lines{"decided 1 a/1"}, boost::test_tools::per_element());
    t.feed(record("a", 6), 4, r.sink());  // a third held record: give up on 2 and 3
    BOOST_TEST(
        r.take() == (lines{"gap 2 a missing 2-3 by 4", "decided 2 a/4 by 4", "decided 3 a/5 by 4", "decided 4 a/6"}),
        boost::test_tools::per_element());
    t.feed(record("a", 7), 5, r.sink());
    BOOST_TEST(r.take() == lines{"decided 5 a/7"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(window_zero_gives_up_at_once) {
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 0});
    recorder r;
    t.feed(record("a", 1), 1, r.sink());
    t.feed(record("a", 3), 2, r.sink());
    BOOST_TEST(r.take() == (lines{"decided 1 a/1", "gap 2 a missing 2-2", "decided 2 a/3"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_gap_is_reported_when_the_conversation_closes) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    t.feed(record("a", 1), 1, r.sink());
    t.feed(record("a", 3), 2, r.sink());
    t.feed(record("a", 6), 3, r.sink());
    t.feed(record("a", 7), 4, r.sink());
    BOOST_TEST(r.take() == lines{"decided 1 a/1"}, boost::test_tools::per_element());
    t.finish(r.sink());
    BOOST_TEST(r.take() == (lines{"gap 2 a missing 2-2 by 4", "decided 2 a/3 by 4", "gap 3 a missing 4-5 by 4",
                                  "decided 3 a/6 by 4", "decided 4 a/7", "closed 4 a turns 4"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_conversation_seen_from_a_later_turn_reports_its_start_missing) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    t.feed(record("a", 3), 1, r.sink());
    t.feed(record("a", 4), 2, r.sink());
    t.finish(r.sink());
    BOOST_TEST(r.take() == (lines{"gap 1 a missing 1-2 at start by 2", "decided 1 a/3 by 2", "decided 2 a/4",
                                  "closed 2 a turns 2"}),
               boost::test_tools::per_element());
}

// A conversation written last turn first, with a window larger than the conversation: every turn
// waits for turn 1, then all are decided in turn order, each at the line it came on.
BOOST_AUTO_TEST_CASE(a_conversation_in_reverse_turn_order_is_decided_in_turn_order) {
    constexpr int turns = 3000;
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 2 * turns});
    recorder r;
    const auto line_of = [](int turn) { return static_cast<std::uint64_t>(turns - turn + 1); };
    for (int turn = turns; turn >= 2; --turn) t.feed(record("a", turn, 0, turn % 7 == 0), line_of(turn), r.sink());
    BOOST_TEST(r.take().empty());
    BOOST_TEST(t.held_records() == static_cast<std::size_t>(turns - 1));
    t.feed(record("a", 1500), line_of(1) + 1, r.sink());  // a copy of a held turn
    BOOST_TEST(r.take() == lines{"duplicate 3001 of 1501"}, boost::test_tools::per_element());

    t.feed(record("a", 1), line_of(1) + 2, r.sink());
    lines expected{"decided 3002 a/1"};
    for (int turn = 2; turn <= turns; ++turn)
        expected.push_back("decided " + std::to_string(line_of(turn)) + " a/" + std::to_string(turn) + " by 3002");
    BOOST_TEST(r.take() == expected, boost::test_tools::per_element());
    BOOST_TEST(r.findings == static_cast<std::size_t>(turns / 7));
    BOOST_TEST(t.held_records() == 0u);
    t.finish(r.sink());
    BOOST_TEST(r.take() == lines{"closed 3002 a turns 3000"}, boost::test_tools::per_element());
}

// The same without turn 1, closed by finish(), and with a window it overflows.
BOOST_AUTO_TEST_CASE(a_conversation_in_reverse_turn_order_without_its_first_turn) {
    recorder r;
    {
        vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 100});
        for (int turn = 50; turn >= 2; --turn)
            t.feed(record("a", turn), static_cast<std::uint64_t>(51 - turn), r.sink());
        BOOST_TEST(r.take().empty());
        t.finish(r.sink());
        lines expected{"gap 49 a missing 1-1 at start", "decided 49 a/2"};
        for (int turn = 3; turn <= 50; ++turn)
            expected.push_back("decided " + std::to_string(51 - turn) + " a/" + std::to_string(turn) + " by 49");
        expected.push_back("closed 49 a turns 49");
        BOOST_TEST(r.take() == expected, boost::test_tools::per_element());
    }
    {
        vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 3});
        for (int turn = 6; turn >= 1; --turn) t.feed(record("a", turn), static_cast<std::uint64_t>(7 - turn), r.sink());
        BOOST_TEST(r.take() == (lines{"gap 4 a missing 1-2 at start", "decided 4 a/3", "decided 3 a/4 by 4",
                                      "decided 2 a/5 by 4", "decided 1 a/6 by 4", "out_of_order 5 expecting 7",
                                      "out_of_order 6 expecting 7"}),
                   boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(duplicates_are_reported_and_not_evaluated_again) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    t.feed(record("a", 1, 0, true), 1, r.sink());
    t.feed(record("a", 2, 0, true), 2, r.sink());
    t.feed(record("a", 1, 0, true), 3, r.sink());  // already evaluated
    t.feed(record("a", 4, 0, true), 4, r.sink());
    t.feed(record("a", 4, 0, true), 5, r.sink());  // already held
    t.feed(record("a", 3, 0, true), 6, r.sink());
    t.feed(record("a", 3, 0, true), 7, r.sink());
    BOOST_TEST(r.take() == (lines{"decided 1 a/1", "decided 2 a/2", "duplicate 3 of 1", "duplicate 5 of 4",
                                  "decided 6 a/3", "decided 4 a/4 by 6", "duplicate 7 of 6"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.findings == 4u);  // one per turn, not per line
}

BOOST_AUTO_TEST_CASE(a_copy_of_a_turn_long_past_is_out_of_order) {
    // A conversation remembers the lines of its latest turns only (at least 4,096): memory stays
    // bounded however long it runs.
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    constexpr int turns = 10000;
    for (int turn = 1; turn <= turns; ++turn) t.feed(record("a", turn), static_cast<std::uint64_t>(turn), r.sink());
    r.take();
    t.feed(record("a", turns - 4000), turns + 1, r.sink());  // remembered
    t.feed(record("a", 1), turns + 2, r.sink());             // long forgotten
    BOOST_TEST(r.take() == (lines{"duplicate 10001 of 6000", "out_of_order 10002 expecting 10001"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.findings == 0u);
}

BOOST_AUTO_TEST_CASE(a_turn_given_up_that_arrives_later_is_out_of_order_and_not_evaluated) {
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 0});
    recorder r;
    t.feed(record("a", 1), 1, r.sink());
    t.feed(record("a", 3), 2, r.sink());
    t.feed(record("a", 2, 0, true), 3, r.sink());
    BOOST_TEST(
        r.take() == (lines{"decided 1 a/1", "gap 2 a missing 2-2", "decided 2 a/3", "out_of_order 3 expecting 4"}),
        boost::test_tools::per_element());
    BOOST_TEST(r.findings == 0u);
}

BOOST_AUTO_TEST_CASE(idle_conversations_expire_in_log_time_and_free_their_state) {
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 16, .idle_gap_ms = 30 * minute});
    recorder r;
    t.feed(record("a", 1, 0), 1, r.sink());
    t.feed(record("b", 1, 10), 2, r.sink());
    t.feed(record("a", 2, 20), 3, r.sink());
    t.feed(record("b", 3, 25), 4, r.sink());  // held: b waits for turn 2
    r.take();
    t.expire(base_ms + 50 * minute, r.sink());  // a is 30 minutes idle: not more than the gap
    BOOST_TEST(r.take().empty());
    BOOST_TEST(t.open_conversations() == 2u);
    t.expire(base_ms + 55 * minute + 1, r.sink());  // b is idle (last record at 25), a (20) too
    BOOST_TEST(r.take() == (lines{"closed 3 a turns 2", "gap 4 b missing 2-2", "decided 4 b/3", "closed 4 b turns 2"}),
               boost::test_tools::per_element());
    BOOST_TEST(t.open_conversations() == 0u);
    BOOST_TEST(t.held_records() == 0u);
    // A later turn of `a` starts a new conversation, which never saw turns 1 and 2.
    t.feed(record("a", 3, 70), 5, r.sink());
    t.finish(r.sink());
    BOOST_TEST(r.take() == (lines{"gap 5 a missing 1-2 at start", "decided 5 a/3", "closed 5 a turns 1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_conversation_opened_after_another_closed_remembers_nothing_of_it) {
    // The tracker opens a new conversation on the memory of a closed one: nothing of the closed
    // one may show, neither its rule state nor its turns nor its held records.
    const char* const remembering = R"(
policy "t" {
  rule flagged_before {
    severity high
    forbid earlier(flag default false)
    message "flagged earlier"
  }
}
)";
    vigil::conversation_tracker t(compile_text(remembering), {.reorder_window = 16, .idle_gap_ms = 30 * minute});
    recorder r;
    t.feed(record("a", 1, 0, true), 1, r.sink());
    t.feed(record("a", 2, 1), 2, r.sink());  // earlier(flag) holds: a finding
    t.feed(record("a", 4, 2), 3, r.sink());  // held, waiting for turn 3
    BOOST_TEST(r.findings == 1u);
    t.expire(base_ms + 40 * minute, r.sink());
    BOOST_TEST(t.open_conversations() == 0u);
    r.take();
    r.findings = 0;
    t.feed(record("b", 1, 41), 4, r.sink());
    t.feed(record("b", 2, 42), 5, r.sink());
    t.finish(r.sink());
    BOOST_TEST(r.take() == (lines{"decided 4 b/1", "decided 5 b/2", "closed 5 b turns 2"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.findings == 0u);
    BOOST_TEST(t.held_records() == 0u);
}

BOOST_AUTO_TEST_CASE(a_conversation_that_went_idle_resumes_from_its_next_turn) {
    // An email thread pauses for an hour: with resume_within, its next part goes on from turn 3
    // instead of reporting turns 1 and 2 as missing; a pause longer than resume_within does not.
    const vigil::tracker_options resuming{
        .reorder_window = 16, .idle_gap_ms = 30 * minute, .resume_within_ms = 120 * minute};
    for (const bool expire_first : {true, false}) {
        vigil::conversation_tracker t(compile_text(flag_policy), resuming);
        recorder r;
        t.feed(record("a", 1, 0), 1, r.sink());
        t.feed(record("a", 2, 1), 2, r.sink());
        if (expire_first) t.expire(base_ms + 40 * minute, r.sink());
        t.feed(record("a", 3, 60), 3, r.sink());   // 59 minutes after turn 2: idle, within 2 hours
        t.feed(record("a", 5, 62), 4, r.sink());   // turn 4 is really missing
        t.feed(record("a", 6, 200), 5, r.sink());  // 138 minutes after turn 5: too late to resume
        t.finish(r.sink());
        const lines closing_first = expire_first ? lines{"closed 2 a turns 2"} : lines{"closed 2 a turns 2 by 3"};
        lines expected{"decided 1 a/1", "decided 2 a/2"};
        expected.insert(expected.end(), closing_first.begin(), closing_first.end());
        for (const char* line :
             {"decided 3 a/3", "gap 4 a missing 4-4 by 5", "decided 4 a/5 by 5", "closed 4 a turns 2 resumed by 5",
              "gap 5 a missing 1-5 at start", "decided 5 a/6", "closed 5 a turns 1"})
            expected.emplace_back(line);
        BOOST_TEST(r.take() == expected, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(a_record_after_the_idle_gap_starts_a_new_conversation_without_an_expire) {
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 16, .idle_gap_ms = 30 * minute});
    recorder r;
    t.feed(record("a", 1, 0), 1, r.sink());
    t.feed(record("a", 3, 5), 2, r.sink());   // held: a waits for turn 2
    t.feed(record("b", 1, 30), 3, r.sink());  // log time 30: a (last at 5) is not idle yet
    t.feed(record("a", 4, 35), 4, r.sink());  // 30 minutes after a's last record: not more than the gap
    t.feed(record("b", 2, 66), 5, r.sink());  // 36 minutes after b's last record, b is over
    t.feed(record("a", 5, 67), 6, r.sink());  // and so is a, 32 minutes after its last record
    // Each closes before the record that came too late, which waits in a new conversation for the
    // turns before it.
    BOOST_TEST(
        r.take() == (lines{"decided 1 a/1", "decided 3 b/1", "closed 3 b turns 1 by 5", "gap 2 a missing 2-2 by 6",
                           "decided 2 a/3 by 6", "decided 4 a/4 by 6", "closed 4 a turns 3 by 6"}),
        boost::test_tools::per_element());
    BOOST_TEST(t.open_conversations() == 2u);
    BOOST_TEST(t.held_records() == 2u);
}

BOOST_AUTO_TEST_CASE(a_tracker_fed_part_of_a_stream_splits_by_the_streams_log_time) {
    // Another tracker got the records that moved log time on; this one is told so.
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 16, .idle_gap_ms = 30 * minute});
    recorder r;
    t.feed(record("a", 1, 0), 1, r.sink());
    t.advance_log_time(base_ms + 31 * minute);
    t.feed(record("a", 2, 1), 3, r.sink());  // its own timestamp is close, but log time has moved on
    t.finish(r.sink());
    BOOST_TEST(r.take() == (lines{"decided 1 a/1", "closed 1 a turns 1 by 3", "gap 3 a missing 1-1 at start",
                                  "decided 3 a/2", "closed 3 a turns 1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_placer_puts_each_idle_closing_where_log_time_passed_its_gap) {
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 16, .idle_gap_ms = 30 * minute});
    // The stream's log time after each line, in minutes; this tracker is fed lines 1, 2 and 6.
    const std::map<std::uint64_t, int> log_minutes{{1, 0}, {2, 10}, {3, 20}, {4, 35}, {5, 41}, {6, 41}, {7, 50}};
    std::uint64_t read_up_to = 6;
    t.set_idle_placer([&](std::uint64_t last_line, std::int64_t deadline) -> std::optional<std::uint64_t> {
        for (const auto& [line, minutes] : log_minutes)
            if (line > last_line && line <= read_up_to && base_ms + minutes * minute > deadline) return line;
        return std::nullopt;
    });
    recorder r;
    t.feed(record("a", 1, 0), 1, r.sink());
    t.feed(record("b", 1, 10), 2, r.sink());
    t.feed(record("c", 1, 0), 6, r.sink());  // late: log time is already past its gap
    r.take();
    t.expire(base_ms + 41 * minute, r.sink());
    // a went idle at line 4, b at line 5; c's closing goes before line 7, which is not read yet.
    BOOST_TEST(r.take() == (lines{"closed 1 a turns 1 by 4", "closed 2 b turns 1 by 5"}),
               boost::test_tools::per_element());
    BOOST_TEST(t.open_conversations() == 1u);
    read_up_to = 7;
    t.expire(base_ms + 50 * minute, r.sink());
    BOOST_TEST(r.take() == (lines{"closed 6 c turns 1 by 7"}), boost::test_tools::per_element());
    BOOST_TEST(t.open_conversations() == 0u);
}

BOOST_AUTO_TEST_CASE(conversations_without_timestamps_age_from_the_expire_after_their_last_record) {
    vigil::conversation_tracker t(compile_text(flag_policy), {.reorder_window = 16, .idle_gap_ms = 30 * minute});
    recorder r;
    t.feed(R"({"conversation_id":"a","turn":1})", 1, r.sink());
    t.expire(base_ms, r.sink());
    t.expire(base_ms + 30 * minute, r.sink());
    BOOST_TEST(t.open_conversations() == 1u);
    t.expire(base_ms + 30 * minute + 1, r.sink());
    BOOST_TEST(t.open_conversations() == 0u);
}

BOOST_AUTO_TEST_CASE(finish_closes_everything_in_the_order_of_last_lines) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    t.feed(record("a", 1), 1, r.sink());
    t.feed(record("b", 1), 2, r.sink());
    t.feed(record("c", 1), 3, r.sink());
    t.feed(record("a", 2), 4, r.sink());
    r.take();
    t.finish(r.sink());
    BOOST_TEST(r.take() == (lines{"closed 2 b turns 1", "closed 3 c turns 1", "closed 4 a turns 2"}),
               boost::test_tools::per_element());
    BOOST_TEST(t.open_conversations() == 0u);
}

BOOST_AUTO_TEST_CASE(a_record_without_conversation_or_turn_is_a_conversation_of_its_own) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    t.feed(R"({"id":"x","flag":true})", 1, r.sink());
    t.feed(R"({"conversation_id":"a","flag":true})", 2, r.sink());
    t.feed(R"({"conversation_id":"a","turn":0})", 3, r.sink());
    t.feed(R"({"turn":1})", 4, r.sink());
    BOOST_TEST(r.take() == (lines{"decided 1 /0", "closed 1  turns 1", "decided 2 a/0", "closed 2 a turns 1",
                                  "decided 3 a/0", "closed 3 a turns 1", "decided 4 /1", "closed 4  turns 1"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.findings == 2u);
    BOOST_TEST(t.open_conversations() == 0u);
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_reported_at_their_line_and_move_nothing) {
    vigil::conversation_tracker t(compile_text(flag_policy));
    recorder r;
    std::string reason;
    const auto keep_reason = [&](const vigil::conversation_event& e) {
        if (e.kind == event_kind::malformed) reason = std::string(e.reason);
        r.sink()(e);
    };
    t.feed("WARN collector: upstream timeout", 1, keep_reason);
    BOOST_TEST(reason.find("invalid JSON") == 0u, reason);
    t.feed("", 2, keep_reason);
    t.feed("[1, 2]", 3, keep_reason);
    BOOST_TEST(reason == "expected a JSON object, got an array");
    t.feed(R"({"conversation_id":"a","turn":1,"timestamp":"2026-01-05T08:00:00Z","flag":tru)", 4, keep_reason);
    t.feed(R"({"conversation_id":"a","turn":3,"timestamp":"2026-01-05T08:00:00Z","flag":true,})", 5, keep_reason);
    BOOST_TEST(t.open_conversations() == 0u);  // neither record opened `a`
    t.feed(record("a", 1), 6, keep_reason);
    t.feed(record("a", 2), 7, keep_reason);
    BOOST_TEST(r.take() == (lines{"malformed 1", "malformed 2", "malformed 3", "malformed 4", "malformed 5",
                                  "decided 6 a/1", "decided 7 a/2"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_same_calls_give_the_same_events) {
    const auto set = compile_text(flag_policy);
    std::vector<std::string> records;
    for (int i = 0; i < 200; ++i)
        records.push_back(record("c" + std::to_string(i % 7), (i * 5 + 3) % 11 + 1, i / 4, i % 3 == 0));
    std::vector<std::string> first, second;
    for (auto* out : {&first, &second}) {
        vigil::conversation_tracker t(set, {.reorder_window = 3, .idle_gap_ms = 10 * minute});
        recorder r;
        for (std::size_t i = 0; i < records.size(); ++i) {
            t.feed(records[i], i + 1, r.sink());
            if (i % 10 == 9) t.expire(base_ms + static_cast<std::int64_t>(i / 4) * minute, r.sink());
        }
        t.finish(r.sink());
        *out = r.take();
    }
    BOOST_TEST(first == second, boost::test_tools::per_element());
    BOOST_TEST(first.size() > records.size());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(peek)

BOOST_AUTO_TEST_CASE(reads_the_three_fields) {
    vigil::record_key key;
    std::string error;
    BOOST_TEST(vigil::peek(
        R"({"id":"r","conversation_id":"c-\u0031","turn":4,"timestamp":"2026-01-05T08:00:00.250+01:00"})", key, error));
    BOOST_TEST(error.empty());
    BOOST_TEST(key.conversation_id == "c-1");
    BOOST_TEST(key.turn == 4);
    BOOST_TEST(key.has_time);
    BOOST_TEST(key.time_ms == base_ms - 60 * minute + 250);
    BOOST_TEST(key.timestamp == "2026-01-05T08:00:00.250+01:00");
    BOOST_TEST(key.ordered());
}

BOOST_AUTO_TEST_CASE(a_numeric_conversation_id_is_unusable) {
    vigil::record_key key;
    std::string error;
    BOOST_TEST(
        vigil::peek(R"({"conversation_id": 1234 , "turn": 1, "timestamp": "2026-01-05T08:00:00Z"})", key, error));
    BOOST_TEST(error == "`conversation_id` is not a string");
    BOOST_TEST(!key.has_conversation);
    BOOST_TEST(!key.ordered());
}

BOOST_AUTO_TEST_CASE(says_which_fields_are_missing_or_unusable) {
    vigil::record_key key;
    std::string error;
    BOOST_TEST(vigil::peek(R"({"id":"r"})", key, error));
    BOOST_TEST(error == "no `conversation_id`; no `turn`; no `timestamp`");
    BOOST_TEST(!key.ordered());
    BOOST_TEST(vigil::peek(R"({"conversation_id":["x"],"turn":1.5,"timestamp":"yesterday"})", key, error));
    BOOST_TEST(error ==
               "`conversation_id` is not a string; `turn` is not an integer from 1 to 2^53; `timestamp` is not an "
               "RFC 3339 time");
    BOOST_TEST(!key.has_conversation);
    BOOST_TEST(!key.has_turn);
    BOOST_TEST(!key.has_time);
    BOOST_TEST(key.timestamp == "yesterday");
    BOOST_TEST(key.turn_json == "1.5");
    // An unusable turn is kept as written, for the findings; a usable one leaves nothing behind.
    for (const char* turn : {"0", "-2", "\"3\"", "true", "null", "1e3", "99999999999999999999", "[1, {\"a\": 2}]"}) {
        BOOST_TEST(vigil::peek(std::string(R"({"conversation_id":"c","turn":)") + turn + " }", key, error));
        BOOST_TEST(!key.has_turn, turn);
        BOOST_TEST(key.turn_json == turn);
    }
    BOOST_TEST(vigil::peek(R"({"conversation_id":"c","turn":4,"timestamp":"2026-01-05T08:00:00Z","x":1})", key, error));
    BOOST_TEST(key.turn_json.empty());
    BOOST_TEST(vigil::peek(R"({"conversation_id":"","turn":2})", key, error));
    BOOST_TEST(!key.has_conversation);
}

BOOST_AUTO_TEST_CASE(stops_once_it_has_the_three_fields) {
    vigil::record_key key;
    std::string error;
    // Broken after the three fields: peek passes it on; the evaluator refuses it later.
    BOOST_TEST(
        vigil::peek(R"({"conversation_id":"c","turn":2,"timestamp":"2026-01-05T08:00:00Z","text":"x",})", key, error));
    BOOST_TEST(key.turn == 2);
    // Broken before: refused.
    BOOST_TEST(!vigil::peek(R"({"conversation_id":"c" "turn":2})", key, error));
    BOOST_TEST(error.find("invalid JSON") == 0u, error);
}

BOOST_AUTO_TEST_CASE(reads_only_the_leading_members_when_they_hold_the_three_fields) {
    // Whatever the layout, the answer is the one a parse of the whole record gives: nested objects
    // and strings with braces, commas and the field names before the fields, escaped keys,
    // duplicates (the first one counts), and fields at the very end.
    const std::string tail = R"(,"text":"x","meta":{"a":[1,{"b":"}"}]}})";
    const std::vector<std::pair<std::string, std::string>> lines = {
        {R"({"conversation_id":"c","turn":2,"timestamp":"2026-01-05T08:00:00Z")" + tail, "c"},
        {R"({"meta":{"conversation_id":"nested","turn":9},"note":"\"turn\", {","conversation_id":"c","turn":2,"timestamp":"2026-01-05T08:00:00Z")" +
             tail,
         "c"},
        {R"({"conversation_\u0069d":"c","turn":2,"timestamp":"2026-01-05T08:00:00Z")" + tail, "c"},
        {R"({"conversation_id":"c","turn":2,"conversation_id":"d","timestamp":"2026-01-05T08:00:00Z")" + tail, "c"},
        {R"({"text":"x","conversation_id":"c","turn":2,"timestamp":"2026-01-05T08:00:00Z"})", "c"},
        {R"( {"conversation_id" : "c" , "turn" : 2 , "timestamp" : "2026-01-05T08:00:00Z" , "x":[]} )", "c"},
    };
    for (const auto& [line, id] : lines) {
        vigil::record_key key;
        std::string error;
        BOOST_TEST(vigil::peek(line, key, error), line);
        BOOST_TEST(error.empty(), line << ": " << error);
        BOOST_TEST(key.conversation_id == id, line);
        BOOST_TEST(key.turn == 2, line);
        BOOST_TEST(key.time_ms == base_ms, line);
    }
    // Invalid UTF-8 after the three fields passes, like any damage there; the evaluator refuses it.
    vigil::record_key key;
    std::string error;
    BOOST_TEST(vigil::peek(std::string(R"({"conversation_id":"c","turn":2,"timestamp":"2026-01-05T08:00:00Z","text":")") +
                               "\xff\xfe\"}",
                           key, error));
    // A field of the wrong type among the leading members is reported as for a whole parse.
    BOOST_TEST(vigil::peek(R"({"conversation_id":"c","turn":"2","timestamp":"2026-01-05T08:00:00Z","x":1})", key, error));
    BOOST_TEST(error == "`turn` is not an integer from 1 to 2^53");
}

// A turn is at most 2^53, written plainly (the fast path) or not: after INT64_MAX, the next turn a
// conversation waits for overflowed, and a copy of that turn was decided again as a gap.
BOOST_AUTO_TEST_CASE(turns_above_2_to_the_53_are_refused) {
    for (const std::string space : {"", " "}) {  // " " takes the parsed path
        vigil::record_key key;
        std::string error;
        const std::string start = R"({"conversation_id":"c","timestamp":"2026-01-05T08:00:00Z","turn":)" + space;
        BOOST_TEST(vigil::peek(start + "9007199254740992}", key, error));
        BOOST_TEST(key.has_turn);
        BOOST_TEST(key.turn == 9007199254740992);
        for (const char* turn : {"9007199254740993", "9223372036854775807", "99999999999999999999"}) {
            BOOST_TEST(vigil::peek(start + turn + "}", key, error));
            BOOST_TEST(!key.has_turn, turn);
            BOOST_TEST(error == "`turn` is not an integer from 1 to 2^53", turn);
        }
    }
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_an_object) {
    vigil::record_key key;
    std::string error;
    for (const char* line : {"", "   ", "[1]", "\"text\"", "42", "null", "WARN something", "{\"a\":"}) {
        BOOST_TEST(!vigil::peek(line, key, error), line);
        BOOST_TEST(!error.empty(), line);
    }
}

BOOST_AUTO_TEST_CASE(rfc3339_times) {
    using vigil::parse_rfc3339;
    BOOST_TEST(parse_rfc3339("1970-01-01T00:00:00Z").value() == 0);
    BOOST_TEST(parse_rfc3339("2026-01-05T08:00:00Z").value() == base_ms);
    BOOST_TEST(parse_rfc3339("2026-01-05t08:00:00z").value() == base_ms);
    BOOST_TEST(parse_rfc3339("2026-01-05 08:00:00Z").value() == base_ms);
    BOOST_TEST(parse_rfc3339("2026-01-05T09:30:00+01:30").value() == base_ms);
    BOOST_TEST(parse_rfc3339("2026-01-05T07:00:00-01:00").value() == base_ms);
    BOOST_TEST(parse_rfc3339("2026-01-05T08:00:00.1Z").value() == base_ms + 100);
    BOOST_TEST(parse_rfc3339("2026-01-05T08:00:00.123999Z").value() == base_ms + 123);
    BOOST_TEST(parse_rfc3339("1969-12-31T23:59:59.500Z").value() == -500);
    BOOST_TEST(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
    BOOST_TEST(parse_rfc3339("2016-12-31T23:59:60Z").value() == parse_rfc3339("2017-01-01T00:00:00Z").value());
    for (const char* bad :
         {"2026-01-05", "2026-01-05T08:00Z", "2026-01-05T08:00:00", "2026-1-05T08:00:00Z", "2026-02-29T00:00:00Z",
          "2026-13-01T00:00:00Z", "2026-01-32T00:00:00Z", "2026-01-05T24:00:00Z", "2026-01-05T08:60:00Z",
          "2026-01-05T08:00:61Z", "2026-01-05T08:00:00.Z", "2026-01-05T08:00:00+0100", "2026-01-05T08:00:00+24:00",
          "2026-01-05T08:00:00Z ", "2026-01-05X08:00:00Z", "+2026-01-05T08:00:00Z"}) {
        BOOST_TEST(!parse_rfc3339(bad).has_value(), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()
