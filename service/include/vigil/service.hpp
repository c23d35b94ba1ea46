#pragma once
// What a service embeds: load and check a policy set from files or strings, keep the compiled set
// in a store that can be swapped atomically while other threads decide with it, and keep the
// conversation state of live conversations (idle expiry, a memory cap) so that conversation-aware
// rules judge a live turn exactly as `vigil replay` judges the same turn in a log.
//
// Contract written before the code (issue 5); the implementation must keep to it, and a change
// to it is a change to this comment first.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/conversation.hpp"
#include "vigil/diagnostic.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/parse.hpp"

namespace vigil {

// ---- loading ------------------------------------------------------------------------------------

/// A policy set loaded, checked and compiled, or the reasons it could not be.
struct policy_bundle {
    std::shared_ptr<const compiled_set> set;    // null when there are errors
    std::shared_ptr<const source_map> sources;  // the text the diagnostics point into (may be null)
    std::vector<diagnostic> diagnostics;        // every error and warning, sorted
    bool unreadable = false;                    // some file could not be read

    [[nodiscard]] bool ok() const { return set != nullptr; }
    /// Every diagnostic rendered as text (file:line:col, source line, caret), one after another.
    [[nodiscard]] std::string render_text() const;
    /// Every diagnostic as a JSON array, for HTTP answers and tools.
    [[nodiscard]] nlohmann::json render_json() const;
};

/// Loads files, directories (every .vigil file under them) or named strings
/// (policy_input{name, text}), checks and compiles them. Never throws for a mistake in the input:
/// mistakes are diagnostics. (The CLI's compile_policies is this function.) `options` go to
/// compile().
[[nodiscard]] policy_bundle load_policies(const std::vector<policy_input>& inputs, const compile_options& options = {});

// ---- the running policy set -----------------------------------------------------------------------

/// The compiled set a service decides with. current() and replace() may be called from any number
/// of threads at once: a reader gets either the old set or the new one, whole, and an old set
/// lives until the last reader lets go of it. Copies of a store share one set (a session_table
/// keeps such a copy). current() copies the shared_ptr under a mutex held for that copy alone.
class policy_store {
public:
    explicit policy_store(std::shared_ptr<const compiled_set> initial);

    [[nodiscard]] std::shared_ptr<const compiled_set> current() const;
    /// Installs `next` and returns the new generation number. A null `next` is a bug
    /// (std::invalid_argument), as is a null initial set.
    std::uint64_t replace(std::shared_ptr<const compiled_set> next);
    /// 1 for the initial set, +1 per replace().
    [[nodiscard]] std::uint64_t generation() const;

private:
    struct impl;
    std::shared_ptr<impl> m_impl;
};

// ---- live conversations ------------------------------------------------------------------------------

struct session_options {
    /// A conversation not fed for this long (wall clock, measured by the `now` given to decide()
    /// and expire()) is closed: its open obligations are finished and its state freed. Only a turn
    /// decided feeds it: a duplicate, late, resent or too far ahead turn leaves its clock as it
    /// was, so that a client resending a stale turn cannot keep a stuck conversation open.
    std::chrono::milliseconds idle{30 * 60 * 1000};
    /// The most bytes all conversation states may hold together (rule_state::memory_bytes() plus
    /// bookkeeping). When a new turn would go over it, the least recently fed conversations are
    /// closed first (evicted, and counted).
    std::size_t max_bytes = 256u << 20;
    /// What an undetermined finding counts as in the decisions the table gives, end-of-conversation
    /// ones included (count_undetermined_as): with undetermined_as::violation a service fails
    /// closed, a rule that could not be judged applying its remedies.
    undetermined_as undetermined = undetermined_as::pass;
    /// The most turns a gap may give up: a turn more than this ahead of the turn its conversation
    /// waits for is refused ("too_far_ahead"), so that one wrong turn number cannot put the
    /// conversation past every real turn after it. A conversation the table does not hold takes
    /// any turn, having none to measure against. 0: no limit, every gap is decided.
    std::uint64_t max_turn_gap = 1000;
};

/// What a live turn gave.
struct live_result {
    /// The turn's decision, as replay would give it; for a duplicate or late turn, no decision
    /// (decided false, verdict empty). For "unordered", the verdict also holds the findings that
    /// end its one-turn conversation, as evaluator::decide(json, out, error) gives them.
    bool decided = false;
    decision verdict;
    /// How the turn fitted its conversation: "first" (turn 1 of a conversation the table did not
    /// hold), "in_order", "gap" (earlier turns never came, or the conversation was closed and
    /// this turn reopens it; decided anyway), "duplicate" (a turn already decided),
    /// "out_of_order" (a turn given up in an earlier gap) or "too_far_ahead" (a turn more than
    /// max_turn_gap past the turn its conversation waits for; none of these three is decided nor
    /// feeds its conversation, and a turn too far ahead leaves it exactly as it was), "unordered"
    /// (no usable conversation_id or turn: decided as a conversation of its own, closed at once).
    std::string placement;
    std::int64_t missing_first = 0, missing_last = 0;  // for "gap"
    std::int64_t expected_turn = 0;                    // for "too_far_ahead": the turn it waits for
    /// For a "duplicate" that is the conversation's last decided turn sent again byte for byte (a
    /// client that timed out and resent it): true, `verdict` is that turn's decision,
    /// `repeated_placement` its placement then ("first", "in_order" or "gap", with `missing_first`
    /// and `missing_last`). It is still not decided again: the state and the idle clock stay as
    /// they were. The table
    /// keeps the last decided turn of each open conversation for this (its record and decision,
    /// charged to max_bytes); an earlier turn, or the same turn with other bytes, is a plain
    /// duplicate.
    bool repeat = false;
    std::string repeated_placement;
    /// Conversations this turn closed to stay under max_bytes (evicted), each as the decision
    /// finish() gives it: end-of-conversation findings, attributed to its last turn's record id,
    /// under the set (and policy_hash) its state belongs to; every closed conversation is listed,
    /// with or without findings.
    std::vector<decision> closed;
    /// The turn's own conversation, when it had not been fed for longer than `idle`: closed (as
    /// expire() would have closed it, and counted as expired) before this turn started a new one.
    std::vector<decision> expired;
};

/// What the table did since it was made; for /metrics.
struct session_counters {
    std::uint64_t open = 0;             // conversations open now
    std::uint64_t bytes = 0;            // bytes held now
    std::uint64_t expired = 0;          // closed for idleness
    std::uint64_t evicted = 0;          // closed to keep under max_bytes
    std::uint64_t reset_by_reload = 0;  // conversations whose state was restarted for a new set
};

/// The conversation state of a live service, keyed by conversation_id. Thread-safe: turns of
/// different conversations are decided in parallel; turns of one conversation one at a time.
///
/// Live turns are judged as a tracker with a reorder window of 0 judges them (a service cannot
/// wait for a late turn): so the decision log of a service, replayed with `--reorder-window 0`,
/// gives the same findings. (A turn too far ahead, which the tracker would take as a gap, is
/// refused and so never in the log.) A conversation keeps the compiled set it started with until
/// that set is replaced in the store; its next turn then starts a fresh state under the new set
/// (counted in reset_by_reload), because a state belongs to one compiled set. Obligations open
/// under the old set are dropped then, not reported; the turn order is kept (a turn decided before
/// the reload is still a duplicate after it). A conversation not fed again after a reload ends
/// under its own set, with that set's hash.
///
/// Threading: 64 shards by hash of conversation_id, each with a mutex held while one of its turns
/// is decided; each thread decides with its own evaluator (a small thread_local cache keyed by
/// compiled set, so a replaced set may live on in a thread's cache until that thread next decides
/// with another set). Eviction is least-recently-fed across shards, up to the order of turns fed
/// at the same instant on different threads; the conversation the current turn fed is never
/// evicted by that turn.
class session_table {
public:
    session_table(const policy_store& store, session_options options);
    ~session_table();

    /// Decides one record (JSON text). Returns false with `error` set (one line) when the text is
    /// not a JSON object, or not a valid record to evaluate; the table is unchanged then.
    ///
    /// Given `why`, it also gets how every rule of the set came out on this turn and why, in rule
    /// order, as evaluator::explain gives it for the turn's conversation (slower; for people
    /// debugging a policy or an integration). The decision is the same. `why` is left empty when
    /// the turn is refused or not decided (a duplicate or late turn).
    [[nodiscard]] bool decide(std::string_view json, std::chrono::steady_clock::time_point now, live_result& out,
                              std::string& error, std::vector<rule_explanation>* why = nullptr);
    /// decide() for a record the caller has peeked already: `key` and `object` are what
    /// peek(json, key, ...) gave. The same answer, without reading the record's leading members again
    /// (a server that orders its decision log by conversation reads them first).
    [[nodiscard]] bool decide(std::string_view json, const record_key& key, bool object,
                              std::chrono::steady_clock::time_point now, live_result& out, std::string& error,
                              std::vector<rule_explanation>* why = nullptr);

    /// Closes every conversation idle since before now - idle; returns their end-of-conversation
    /// decisions (as in live_result::closed), least recently fed first. Call it periodically
    /// (a service: about once a second); nothing expires between calls.
    std::vector<decision> expire(std::chrono::steady_clock::time_point now);

    /// Closes every conversation (shutdown); their end-of-conversation findings are returned,
    /// least recently fed first. The table stays usable.
    std::vector<decision> close_all();

    [[nodiscard]] session_counters counters() const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

}  // namespace vigil
