#pragma once
// Conversations over a stream of interaction records. Logs interleave the turns of many
// conversations and deliver some of them late, twice or never; a conversation_tracker puts each
// conversation's turns back in turn order and evaluates them one by one with the conversation's
// own state, so that conversation-aware rules see turn 3 before turn 4. A live service feeds
// turns one at a time and gets the same events as `vigil replay` does for the same sequence.
//
// The tracker never looks at the clock: idleness is measured in log time (the records'
// timestamps) through expire(), so the events depend only on the sequence of calls.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "vigil/calendar.hpp"
#include "vigil/evaluate.hpp"

namespace vigil {

// ---- the three fields that place a record in its conversation ----------------------------------

/// What peek() reads from a record. A field that is absent or unusable has its flag false.
struct record_key {
    /// The record's `conversation_id`, a non-empty string as it is (unescaped). Any other value is
    /// unusable: a number too, as `7` and `"7"` would be one conversation to some readers.
    std::string conversation_id;
    bool has_conversation = false;
    /// The record's `turn`, an integer >= 1.
    std::int64_t turn = 0;
    bool has_turn = false;
    /// A `turn` that is not usable (`"3"`, `2.5`, `0`) as the record wrote it, JSON text; empty
    /// when the turn is usable or absent. What a finding shows, so that the line can be found.
    std::string turn_json;
    /// The record's `timestamp` text as written (kept even when it does not parse) ...
    std::string timestamp;
    /// ... or, when it is not a text (`5`, `true`), the value as written, JSON text.
    std::string timestamp_json;
    /// ... and as milliseconds since 1970-01-01T00:00:00Z, when it is a valid RFC 3339 time.
    std::int64_t time_ms = 0;
    bool has_time = false;

    /// True when the record can take its place in a conversation: it has both a conversation id
    /// and a turn. Other records are evaluated as a conversation of their own.
    [[nodiscard]] bool ordered() const { return has_conversation && has_turn; }
};

/// Reads `conversation_id`, `turn` and `timestamp` from one JSON record, stopping as soon as it
/// has seen all three (so a record with the same key twice is placed by the first occurrence, and
/// a record broken after the three fields passes, even with invalid UTF-8 there; the evaluator
/// finds that later). When the three fields are among the record's first members, only those
/// members are read: by hand when they are written plainly, otherwise with a simdjson On Demand
/// pass, which gives the same answer. `json` needs no padding.
///
/// Returns false, with `error` set to a one-line reason, only when the line is not a JSON object
/// (empty, not JSON, another JSON value, or broken before the three fields were found). Returns
/// true otherwise; when a field is absent or unusable its flag in `key` is false and `error`
/// names it (for example "no `turn`; `timestamp` is not an RFC 3339 time"), else `error` is empty.
/// Thread-safe: each thread uses its own parser.
[[nodiscard]] bool peek(std::string_view json, record_key& key, std::string& error);


/// peek()'s answer for one line, computed ahead of feeding (by a thread that routes lines to
/// trackers by conversation).
struct peeked_line {
    bool object = false;  // peek() returned true
    record_key key;
    std::string error;  // peek()'s error: why the line is refused, or which fields are unusable
    /// The caller refuses the line itself, for the reason in `error` (for example a decision-log
    /// line without its record): the tracker reports it as malformed without evaluating it.
    bool refused = false;
};

/// Runs peek() into a peeked_line.
[[nodiscard]] peeked_line peek_line(std::string_view json);

/// The text of member `name` of the JSON object `json`, when it is itself an object: how a log
/// whose lines wrap the record (a decision log: {"record": {...}, "decision": ...}) is read.
/// `inner` views into `json`. Returns false, with `error` set to a one-line reason, when the line
/// is not a JSON object, has no such member, or the member is not an object. `json` needs no
/// padding. Thread-safe as peek() is.
[[nodiscard]] bool member_json(std::string_view json, std::string_view name, std::string_view& inner,
                               std::string& error);

/// True when `json` is a JSON object with a top-level member `name` (of any type).
[[nodiscard]] bool has_member(std::string_view json, std::string_view name);

// ---- conversations ------------------------------------------------------------------------------

/// The rule state of one conversation, kept while it is open and handed to every evaluation of
/// its turns in turn order: what conversation-aware rules remember between turns.
struct conversation_state {
    rule_state rules;
};

/// How a tracker orders and closes conversations.
struct tracker_options {
    /// The most records one conversation may hold back while it waits for a missing turn. When a
    /// record would make it hold more, the missing turns are given up (a `gap` event) and the held
    /// records are evaluated. 0 gives up on a missing turn at once.
    std::size_t reorder_window = 16;
    /// A conversation whose last record is older than this, in log time, is over: closed by
    /// expire(), or by the arrival of its next record, which starts a new conversation.
    std::int64_t idle_gap_ms = 30 * 60 * 1000;
    /// When positive: a record of a conversation that went idle, arriving within this much log
    /// time of that conversation's last record, starts a new part of it that waits for the turn
    /// after the last one the earlier part evaluated or gave up, instead of for turn 1. Its turns
    /// are then not reported as missing (an email thread that pauses for hours is not a gap). The
    /// new part starts with fresh rule state, as any conversation does. The tracker remembers the
    /// id, a turn and a time of each conversation that went idle for this long.
    std::int64_t resume_within_ms = 0;
    /// Decided events also carry how every rule came out on the record and why
    /// (conversation_event::why, as evaluator::explain gives it): `vigil replay --explain`. Slower.
    bool explain = false;
};

/// What happened to a record or a conversation.
enum class event_kind : std::uint8_t {
    decided,       // a record was evaluated, in turn order; `verdict` holds the decision
    malformed,     // a line is not a JSON object, or not valid JSON; it is not evaluated
    gap,           // turns missing_first..missing_last never arrived; the record after them follows
    duplicate,     // a turn that was already evaluated or held arrived again; not evaluated again
    out_of_order,  // a turn arrived after it had been given up for missing; not evaluated
    closed,        // a conversation ended (idle, end of input, or a record without a place)
};

/// "decided", "malformed", "gap", "duplicate", "out_of_order", "closed".
[[nodiscard]] std::string_view event_name(event_kind k);

/// One event. Views and pointers are valid only during the sink call that receives it.
struct conversation_event {
    event_kind kind = event_kind::decided;
    /// The line the event is about, as the caller numbered it in feed(): the record decided,
    /// refused, duplicated or late; for a gap the record right after the missing turns; for
    /// closed the last line fed to the conversation.
    std::uint64_t line = 0;
    /// The line whose feed() caused the event; for events of expire() and finish(), the last line
    /// fed to the conversation being closed; for the closing of an idle conversation placed by an
    /// idle_placer, the line it was placed before. The events of one cause that are not placed
    /// belong to one conversation id and are emitted together. So when several trackers share the
    /// conversations of one stream, each given the stream's log time before every line
    /// (advance_log_time()) and the same idle_placer, and get the same expire() and finish() calls
    /// at the same points, merging the events of each step (the lines fed between two expire()
    /// calls, with the placed closings; one expire(); finish()) by (cause, placed first, rank),
    /// with a stable sort, gives exactly the events one tracker fed everything would emit.
    std::uint64_t cause = 0;
    /// The closing of an idle conversation (its held records, gaps and `closed`) placed before
    /// the events of line `cause` itself: where the stream's log time passed its idle gap.
    bool placed = false;
    /// placed: the conversation's last line, which orders the closings placed before one line.
    std::uint64_t rank = 0;
    /// The conversation's id (empty for a record without one, or a malformed line).
    std::string_view conversation_id;
    /// The record's key (decided, gap, duplicate, out_of_order; malformed when peek() worked;
    /// closed: the last turn evaluated, null when none was); null otherwise.
    const record_key* record = nullptr;
    /// decided: the record's decision. closed: the findings about the whole conversation, with the
    /// record id of its last turn evaluated (no findings yet: the evaluator will add them).
    const decision* verdict = nullptr;
    /// decided, with tracker_options::explain: every rule's explanation on the record, in rule
    /// order (a finding's rule_index indexes it); null otherwise.
    const std::vector<rule_explanation>* why = nullptr;
    /// malformed: why the line was refused.
    std::string_view reason;
    /// gap: the turns that never arrived, inclusive.
    std::int64_t missing_first = 0;
    std::int64_t missing_last = 0;
    /// gap: the missing turns are the conversation's first ones (missing_first is 1): its start is
    /// not in the input, or it came back after expire() had closed it (its earlier turns then
    /// belong to the closed conversation).
    bool at_start = false;
    /// closed: the conversation continued one that went idle (tracker_options::resume_within_ms).
    bool resumed = false;
    /// duplicate: the line that first had this turn.
    std::uint64_t first_line = 0;
    /// out_of_order: the turn the conversation had moved on to when this one arrived.
    std::int64_t expected_turn = 0;
    /// closed: the records of the conversation that were evaluated, and the line of the last one
    /// in turn order (0 when none was), to which the conversation's own findings are attributed.
    std::size_t turns = 0;
    std::uint64_t last_turn_line = 0;
};

/// Receives events. It must not call back into the tracker that emits them.
using event_sink = std::function<void(const conversation_event&)>;

// ---- where a turn fits ----------------------------------------------------------------------------

/// How a record's turn fits a conversation that waits for `next_turn`.
enum class turn_fit : std::uint8_t {
    expected,      // the turn the conversation waits for: evaluate it
    ahead,         // a later turn: the turns before it are missing (hold it, or give them up)
    duplicate,     // an earlier turn that was evaluated: not evaluated again
    out_of_order,  // an earlier turn that was given up as missing: not evaluated
};

/// The placement rule every conversation_tracker applies, and a live session table too (service/),
/// so that both call the same records duplicates or late. `evaluated` holds (turn, line) for every
/// turn the conversation evaluated, sorted by turn (the line is the caller's: for a duplicate it is
/// copied to `first_line`). Records held back for a missing turn are the caller's business.
[[nodiscard]] turn_fit fit_turn(std::int64_t turn, std::int64_t next_turn,
                                std::span<const std::pair<std::int64_t, std::uint64_t>> evaluated,
                                std::uint64_t& first_line);

/// Puts interleaved records back into conversations and evaluates each conversation's turns in
/// turn order. One tracker per thread (it owns an evaluator); the compiled set is shared.
///
/// Each conversation (keyed by `conversation_id` as text) waits for turn 1 first (a part resumed
/// after going idle, see resume_within_ms: for the turn after its earlier part's last one), then
/// for the turn after the last one it evaluated. When feed() gets a record:
///   - not a JSON object, or not valid JSON: `malformed`, with the evaluator's reason; the
///     conversation does not move (a line peek() refuses but the evaluator accepts is evaluated
///     as a record without a conversation);
///   - without a conversation id or a turn: it is evaluated at once as a conversation of its own
///     and closed at once: `decided`, `closed`;
///   - the expected turn: `decided`, then every held record that now follows without a hole,
///     in turn order, each `decided`;
///   - a later turn: held back. When the conversation would then hold more than reorder_window
///     records, it gives up on the missing turns before the first held one: `gap` (naming them),
///     then the held records that follow without a hole, `decided` in turn order;
///   - a turn already evaluated, or already held: `duplicate` (naming the line that first had
///     it); the record is not evaluated again. A conversation remembers at least its last 4,096
///     evaluated turns for this; a copy of an older one is `out_of_order`;
///   - an earlier turn that was given up in a gap: `out_of_order`; it is not evaluated, because
///     the conversation's state has moved past it.
/// A record whose turn makes it wait is validated when it arrives, so a broken line is reported
/// `malformed` at its own feed() whatever its turn. Every record placed in a conversation
/// (evaluated, held, duplicate or late) is activity for expire() and becomes its last line.
///
/// Idleness is exact: the tracker's log time is the latest timestamp it has seen (in records fed,
/// and in expire() and advance_log_time() calls). When a record comes for a conversation whose
/// latest record timestamp is more than idle_gap_ms before the log time, that conversation is
/// over even if no expire() came in between: it is closed first (as expire() would close it, its
/// events `placed` before this line's own, or where the idle_placer puts them) and the record
/// starts a new conversation. expire() is what closes the conversations that never come back, and
/// frees their memory.
///
/// Closing a conversation (expire(), finish()) evaluates what it still holds, in turn order, each
/// run after a hole preceded by its `gap`, then emits `closed` and frees its state. expire() and
/// finish() close conversations in the order of the line numbers of their last records (expire()
/// with a placer: in the order of the lines they are placed before, then of their last lines).
///
/// Events depend only on the calls made (the records, their line numbers, the `now` values),
/// never on timing. Memory grows with the conversations open at once and the records they hold;
/// each also keeps the line numbers of up to 8,192 of its last evaluated turns, to name the first
/// line of a duplicate. With resume_within_ms, it also grows with the conversations that went
/// idle within that much log time (an id, a turn and a time each).
class conversation_tracker {
public:
    conversation_tracker(std::shared_ptr<const compiled_set> set, tracker_options options = {});
    ~conversation_tracker();
    conversation_tracker(conversation_tracker&&) noexcept;
    conversation_tracker& operator=(conversation_tracker&&) noexcept;

    /// Feeds one line (one JSON record). `line` numbers it in the events; callers give increasing
    /// numbers (for replay, the position in the log). Emits the events the record causes, in the
    /// order given above.
    void feed(std::string_view json, std::uint64_t line, const event_sink& sink);

    /// The same, with the line already peeked by peek_line().
    void feed(std::string_view json, const peeked_line& peeked, std::uint64_t line, const event_sink& sink);
    /// The same, for a record that may be padded (parsed where it lies).
    void feed(record_text record, const peeked_line& peeked, std::uint64_t line, const event_sink& sink);

    /// Where, in a stream, the closing of a conversation that went idle goes: the first line after
    /// `last_line` whose log time is later than `deadline_ms` (the conversation's last record time
    /// plus the idle gap), or nothing when that line has not been read yet.
    using idle_placer = std::function<std::optional<std::uint64_t>(std::uint64_t last_line, std::int64_t deadline_ms)>;

    /// With a placer, every idle conversation with timestamps closes at the line where log time
    /// passed its idle gap (events `placed` there), whenever the tracker notices it (at the next
    /// record of the conversation, or at an expire(), which leaves a conversation open while the
    /// placer cannot place it yet). The events then no longer depend on where the caller's expire()
    /// calls fall, only on the lines. Without one, they close where the tracker notices.
    void set_idle_placer(idle_placer placer);

    /// Raises the log time to `now_ms`. A caller that shares the conversations of one stream among
    /// several trackers gives each, before every feed(), the stream's log time at that line (the
    /// latest timestamp up to and including it), so that each closes idle conversations exactly
    /// where one tracker fed the whole stream would.
    void advance_log_time(std::int64_t now_ms);

    /// Closes every conversation idle for longer than idle_gap_ms at log time `now_ms`, that is
    /// whose latest record timestamp is more than idle_gap_ms before `now_ms`. A conversation
    /// whose records carry no usable timestamp starts aging at the first expire() after it was
    /// last fed. `now_ms` is the caller's log time (replay: the latest timestamp seen). With
    /// resume_within_ms, it also forgets the conversations that went idle too long ago to resume.
    void expire(std::int64_t now_ms, const event_sink& sink);

    /// Closes every open conversation: the end of the input.
    void finish(const event_sink& sink);

    /// Conversations open now (fed and not yet closed).
    [[nodiscard]] std::size_t open_conversations() const;
    /// Records held back, in all open conversations, waiting for a missing turn.
    [[nodiscard]] std::size_t held_records() const;

    [[nodiscard]] const tracker_options& options() const;

    /// evaluator::profile of the tracker's evaluator: where its decisions' time goes.
    void profile(evaluation_profile* into);

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

}  // namespace vigil
