#pragma once
// The state of one conversation: what the conversation functions and the deferred obligations of
// a compiled set remember from one turn to the next. The compiler lays it out (compile.hpp:
// compiled_set::trackers, ring_bytes, text_slots, window_slots, deferred_rules); the evaluator
// reads it while it judges a turn and advances it afterwards. Its size is fixed by the policies,
// never by the length of the conversation, except for count_within windows, which hold at most
// max_window_entries turns each.

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "compile.hpp"
#include "value.hpp"
#include "vigil/evaluate.hpp"

namespace vigil::eval {

/// The absent paths that left a remembered value unknown, so findings can name them (a few; the
/// first ones found are kept).
template <std::size_t N>
struct missing_paths {
    std::uint8_t size = 0;
    std::array<std::uint32_t, N> schema{};  // schema nodes

    void add(const std::uint32_t* begin, const std::uint32_t* end) {
        for (const std::uint32_t* p = begin; p != end && size < N; ++p) {
            bool seen = false;
            for (std::uint8_t i = 0; i < size; ++i) seen = seen || schema[i] == *p;
            if (!seen) schema[size++] = *p;
        }
    }
    void clear() { size = 0; }
};

/// One conversation function's memory. Which fields mean what depends on the tracker's kind:
///   earlier:      seen = earlier(c) for the next turn: false, true (once true, for good) or unknown
///   turns_since:  count = turns since the condition last held (0: never); unsure = a turn since then
///                 had the condition unknown
///   count_last:   count = true turns in the ring, unknowns = unknown ones, next/filled = ring position
///   count_within: only `missing` (its turns are in the state's window of the tracker)
///   streak:       [count, high] = the lowest and highest streak the turns so far allow
///   previous:     k, flag, number = the value of the last turn (a text is in the state's texts)
/// `missing` names the absent paths behind a remembered unknown.
struct tracker_state {
    std::int64_t count = 0;
    std::int64_t high = 0;
    std::uint32_t unknowns = 0;
    std::uint32_t next = 0;
    std::uint32_t filled = 0;
    double number = 0;
    tri seen = tri::false_;
    kind k = kind::unknown;
    bool flag = false;
    bool unsure = false;
    missing_paths<4> missing;
};

/// A turn remembered by count_within: the condition held (or was unknown) at a time within
/// [from, until]. A turn with a timestamp has from == until; one without is placed between the
/// last timestamp before it and the first one after it (until is +inf until that one arrives).
struct timed_entry {
    double from = 0;
    double until = 0;
    bool held = false;  // true: the condition held; false: it was unknown
};

struct time_window {
    std::deque<timed_entry> entries;
    double dropped_until =
        -std::numeric_limits<double>::infinity();  // latest time of an entry dropped for lack of room
};

/// An open deferred obligation of one rule.
struct obligation_state {
    bool open = false;
    bool uncertain = false;     // a window turn had its condition or filter unknown
    std::uint32_t counted = 0;  // window turns seen so far
    missing_paths<8> missing;
};

}  // namespace vigil::eval

namespace vigil {

struct rule_state::data {
    const compiled_set* set = nullptr;
    std::uint64_t turns = 0;
    double last_time = -std::numeric_limits<double>::infinity();  // the latest parseable timestamp seen (count_within)
    std::vector<eval::tracker_state> trackers;
    std::vector<std::uint8_t> rings;  // count_last: one tri per remembered turn
    std::vector<std::string> texts;   // previous() of texts: owned copies
    std::vector<eval::time_window> windows;
    std::vector<eval::obligation_state> obligations;

    explicit data(const compiled_set& s)
        : set(&s),
          trackers(s.trackers.size()),
          rings(s.ring_bytes, 0),
          texts(s.text_slots),
          windows(s.window_slots),
          obligations(s.deferred_rules) {}

    /// Back to the state before the first turn, keeping the memory.
    void reset() {
        turns = 0;
        last_time = -std::numeric_limits<double>::infinity();
        std::fill(trackers.begin(), trackers.end(), eval::tracker_state{});
        std::fill(rings.begin(), rings.end(), std::uint8_t{0});
        for (std::string& t : texts) t.clear();
        for (eval::time_window& w : windows) {
            w.entries.clear();
            w.dropped_until = -std::numeric_limits<double>::infinity();
        }
        std::fill(obligations.begin(), obligations.end(), eval::obligation_state{});
    }
};

}  // namespace vigil
