// conversation_tracker: interleaved records back into conversations, each conversation's turns
// evaluated in turn order with the conversation's state. The header states the event order; the
// code below is written so that each path emits exactly what it says there.

#include "vigil/conversation.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vigil {

std::string_view event_name(event_kind k) {
    switch (k) {
        case event_kind::decided:
            return "decided";
        case event_kind::malformed:
            return "malformed";
        case event_kind::gap:
            return "gap";
        case event_kind::duplicate:
            return "duplicate";
        case event_kind::out_of_order:
            return "out_of_order";
        case event_kind::closed:
            return "closed";
    }
    return "?";
}

turn_fit fit_turn(std::int64_t turn, std::int64_t next_turn,
                  std::span<const std::pair<std::int64_t, std::uint64_t>> evaluated, std::uint64_t& first_line) {
    if (turn == next_turn) return turn_fit::expected;
    if (turn > next_turn) return turn_fit::ahead;
    const auto at = std::lower_bound(evaluated.begin(), evaluated.end(), std::make_pair(turn, std::uint64_t{0}));
    if (at != evaluated.end() && at->first == turn) {
        first_line = at->second;
        return turn_fit::duplicate;
    }
    return turn_fit::out_of_order;
}

namespace {

// A record that arrived ahead of a missing turn: kept whole until its turn comes.
struct held_record {
    std::uint64_t line = 0;
    record_key key;
    std::string json;
};

// One open conversation.
struct conversation {
    std::string id;
    std::int64_t next_turn = 1;                                     // the turn it waits for
    // By turn, all > next_turn: a conversation that arrives in reverse order holds a whole window,
    // and each record finds its place in it in logarithmic time.
    std::map<std::int64_t, held_record> held;
    std::vector<std::pair<std::int64_t, std::uint64_t>> evaluated;  // (turn, line), by turn
    bool timed = false;                                             // some record had a usable timestamp
    std::int64_t last_time = 0;                                     // the latest of them, in ms
    bool aging = false;                                             // untimed: expire() has started its clock ...
    std::int64_t aging_from = 0;                                    // ... at this log time
    std::uint64_t last_line = 0;                                    // the last line fed to it
    std::size_t turns = 0;                                          // records evaluated
    // The last turn evaluated, to which end-of-conversation findings are attributed.
    std::uint64_t last_turn_line = 0;
    bool resumed = false;  // it continues a conversation of the same id that went idle
    record_key last_key;
    nlohmann::json last_record_id;
    std::string last_meta;
    std::vector<std::string> last_carried;
    conversation_state state;  // the rules' memory of this conversation

    // Back to a conversation that has seen nothing, keeping its buffers for the next id.
    void reset() {
        id.clear();
        next_turn = 1;
        held.clear();
        evaluated.clear();
        timed = false;
        last_time = 0;
        aging = false;
        aging_from = 0;
        last_line = 0;
        turns = 0;
        last_turn_line = 0;
        resumed = false;
        // last_key, last_record_id, last_meta and last_carried are read only once a turn is evaluated.
        state.rules.reset();
    }
};

using conversation_map = std::unordered_map<std::string, std::unique_ptr<conversation>>;

// A conversation that went idle, for a later record of its id to continue (resume_within_ms).
struct paused_conversation {
    std::int64_t next_turn = 1;  // the turn it waited for when it closed
    std::int64_t last_time = 0;  // its last record's timestamp, in ms
};

// The most evaluated turns a conversation remembers at least, to name the first line of a
// duplicate; a copy of an older turn is reported out of order instead. A conversation of millions
// of turns (a bot answering a bot) would otherwise keep a line number for each.
constexpr std::size_t remembered_turns = 4096;

// The most closed conversations kept for reuse: enough for the closings of a busy batch, few
// enough that a burst of conversations does not keep its memory for the rest of the run.
constexpr std::size_t max_spare = 1024;

// Copies `from` into `to` in the string buffer `to` already has: record ids are copied on every
// turn, and most are strings longer than a short string holds.
void assign_json(nlohmann::json& to, const nlohmann::json& from) {
    if (to.is_string() && from.is_string())
        to.get_ref<std::string&>() = from.get_ref<const std::string&>();
    else
        to = from;
}

void assign_json(nlohmann::json& to, const std::string& text) {
    if (to.is_string())
        to.get_ref<std::string&>() = text;
    else
        to = text;
}

}  // namespace

struct conversation_tracker::impl {
    tracker_options options;
    evaluator judge;
    conversation_map open;
    // Map nodes of closed conversations (id, conversation and rule state with their buffers), for
    // the next conversations to open without allocating.
    std::vector<conversation_map::node_type> spare;
    conversation alone;  // the conversation of one record without an id or a turn
    std::unordered_map<std::string, paused_conversation> paused;
    std::deque<std::pair<std::int64_t, std::string>> paused_order;  // (resume deadline, id), as paused
    std::size_t held = 0;
    decision verdict;  // reused: the evaluator keeps its buffers
    std::vector<rule_explanation> explanations;  // options.explain: of the record decided last
    decision closing;  // the end-of-conversation findings of the conversation being closed
    std::string error;
    bool log_timed = false;    // some log time was seen ...
    std::int64_t log_now = 0;  // ... the latest: records' timestamps, advance_log_time(), expire()
    conversation_tracker::idle_placer placer;

    impl(std::shared_ptr<const compiled_set> set, tracker_options o) : options(o), judge(std::move(set)) {}

    // ---- the two places where conversation-aware rules plug in ----------------------------------

    // Every record the tracker evaluates goes through here, in turn order for its conversation,
    // with that conversation's state.
    bool evaluate_turn(conversation_state& state, record_text record, decision& out, std::string& reason) {
        if (options.explain) return judge.explain(record.json, state.rules, out, explanations, reason);
        return judge.decide(record, state.rules, out, reason);
    }

    // Runs once per conversation, after its last record was evaluated and before its state is
    // freed. Findings about the whole conversation (obligations still open) go into
    // `closing.findings`, attributed to the conversation's last evaluated turn.
    void close_conversation(conversation& c, std::uint64_t cause, const event_sink& sink) {
        closing.findings.clear();
        closing.kind = decision_kind::allow;
        if (c.turns > 0) {
            assign_json(closing.record_id, c.last_record_id);
            closing.meta = c.last_meta;
            closing.carried = c.last_carried;
        } else {
            closing.record_id = nullptr;
            closing.meta.clear();
            closing.carried.clear();
        }
        assign_json(closing.conversation_id, c.id);
        if (closing.policy_hash.empty()) closing.policy_hash = policy_hash(judge.policies());
        judge.finish(c.state.rules, closing.findings);
        closing.kind = combined_decision(closing.findings);
        conversation_event e;
        e.kind = event_kind::closed;
        e.line = c.last_line;
        e.cause = cause;
        e.conversation_id = c.id;
        e.record = c.turns > 0 ? &c.last_key : nullptr;
        e.last_turn_line = c.last_turn_line;
        e.verdict = &closing;
        e.turns = c.turns;
        e.resumed = c.resumed;
        sink(e);
    }

    // ---- events ---------------------------------------------------------------------------------

    void malformed(std::uint64_t line, const record_key* key, std::string_view reason, const event_sink& sink) {
        conversation_event e;
        e.kind = event_kind::malformed;
        e.line = line;
        e.cause = line;
        e.record = key;
        if (key && key->has_conversation) e.conversation_id = key->conversation_id;
        e.reason = reason;
        sink(e);
    }

    void decided(const conversation& c, std::uint64_t line, std::uint64_t cause, const record_key& key,
                 const event_sink& sink) {
        conversation_event e;
        e.kind = event_kind::decided;
        e.line = line;
        e.cause = cause;
        e.conversation_id = c.id;
        e.record = &key;
        e.verdict = &verdict;
        if (options.explain) e.why = &explanations;
        sink(e);
    }

    // ---- turn order -----------------------------------------------------------------------------

    // After the turn's decision went to the sink: its meta and carried fields are taken, not
    // copied (the evaluator writes the next decision's over whatever buffers it is left).
    void remember_last_turn(conversation& c, const record_key& key, std::uint64_t line) {
        ++c.turns;
        c.last_turn_line = line;
        c.last_key = key;
        assign_json(c.last_record_id, verdict.record_id);
        c.last_meta.swap(verdict.meta);
        c.last_carried.swap(verdict.carried);
    }

    // Evaluates one record in its turn; on success the conversation moves to the next turn.
    void evaluate_in_turn(conversation& c, record_text record, const record_key& key, std::uint64_t line,
                          std::uint64_t cause, const event_sink& sink) {
        if (!evaluate_turn(c.state, record, verdict, error)) {
            malformed(line, &key, error, sink);
            return;
        }
        c.evaluated.emplace_back(key.turn, line);
        if (c.evaluated.size() >= 2 * remembered_turns)  // forgotten in halves: a copy now and then
            c.evaluated.erase(c.evaluated.begin(), c.evaluated.end() - remembered_turns);
        c.next_turn = key.turn + 1;
        decided(c, line, cause, key, sink);
        remember_last_turn(c, key, line);
    }

    // Evaluates the held records that now follow without a hole.
    void release_ready(conversation& c, std::uint64_t cause, const event_sink& sink) {
        while (!c.held.empty() && c.held.begin()->first == c.next_turn) {
            const auto first = c.held.begin();
            const held_record& h = first->second;
            const std::int64_t before = c.next_turn;
            evaluate_in_turn(c, {h.json}, h.key, h.line, cause, sink);
            c.held.erase(first);
            --held;
            if (c.next_turn == before) break;  // refused by the evaluator (validated on arrival: not expected)
        }
    }

    // Gives up on the turns missing before the first held record, then releases what follows.
    void skip_to_first_held(conversation& c, std::uint64_t cause, const event_sink& sink) {
        const held_record& first = c.held.begin()->second;
        conversation_event e;
        e.kind = event_kind::gap;
        e.line = first.line;
        e.cause = cause;
        e.conversation_id = c.id;
        e.record = &first.key;
        e.missing_first = c.next_turn;
        e.missing_last = first.key.turn - 1;
        e.at_start = c.turns == 0 && c.next_turn == 1;
        sink(e);
        c.next_turn = first.key.turn;
        release_ready(c, cause, sink);
    }

    void close(conversation& c, std::uint64_t cause, const event_sink& sink) {
        while (!c.held.empty()) skip_to_first_held(c, cause, sink);
        close_conversation(c, cause, sink);
    }

    // ---- feeding --------------------------------------------------------------------------------

    // A record without a conversation id or a turn: a conversation of its own, opened, evaluated
    // and closed at once.
    void feed_alone(record_text record, const record_key& key, std::uint64_t line, const event_sink& sink) {
        conversation& c = alone;
        c.reset();
        if (key.has_conversation) c.id = key.conversation_id;
        c.last_line = line;
        if (!evaluate_turn(c.state, record, verdict, error)) {
            malformed(line, &key, error, sink);
            return;
        }
        decided(c, line, line, key, sink);
        remember_last_turn(c, key, line);
        close_conversation(c, line, sink);
    }

    void touch(conversation& c, const record_key& key, std::uint64_t line) {
        c.last_line = line;
        if (key.has_time) {
            c.last_time = c.timed ? std::max(c.last_time, key.time_ms) : key.time_ms;
            c.timed = true;
        } else if (!c.timed) {
            c.aging = false;  // fed again: the untimed clock starts over at the next expire()
        }
    }

    void advance_log_time(std::int64_t now) {
        log_now = log_timed ? std::max(log_now, now) : now;
        log_timed = true;
    }

    // The last log time at which a conversation last active at `since` is not idle yet (without
    // overflow for times far in the future).
    std::int64_t deadline_after(std::int64_t since, std::int64_t gap) const {
        constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
        if (gap < 0 || since > never - gap) return never;
        return since + gap;
    }
    std::int64_t deadline_after(std::int64_t since) const { return deadline_after(since, options.idle_gap_ms); }

    // ---- conversations that went idle and come back ----------------------------------------------

    // Remembers a conversation closed because it went idle, once it is closed, for a later record
    // of its id.
    void pause(const conversation& c) {
        if (options.resume_within_ms <= 0 || !c.timed) return;
        paused[c.id] = {c.next_turn, c.last_time};
        paused_order.emplace_back(deadline_after(c.last_time, options.resume_within_ms), c.id);
    }

    // A new conversation continues the one of its id that went idle, if that is recent enough.
    void resume(conversation& c) const {
        if (options.resume_within_ms <= 0) return;  // nothing was paused: no lookup per conversation
        const auto p = paused.find(c.id);
        if (p == paused.end() || log_now > deadline_after(p->second.last_time, options.resume_within_ms)) return;
        c.next_turn = p->second.next_turn;
        c.resumed = true;
    }

    // Forgets the paused conversations too old to resume, in the order they were paused (one that
    // paused again since is kept).
    void forget_paused() {
        while (!paused_order.empty() && paused_order.front().first < log_now) {
            const auto& [deadline, id] = paused_order.front();
            const auto p = paused.find(id);
            if (p != paused.end() && deadline_after(p->second.last_time, options.resume_within_ms) == deadline)
                paused.erase(p);
            paused_order.pop_front();
        }
    }

    // More than the idle gap lies between `since` and `now`.
    bool idle_between(std::int64_t since, std::int64_t now) const { return now > deadline_after(since); }

    // A conversation that log time has left idle for longer than the gap is over, whether or not
    // an expire() came between its last record and this one: its id now starts a new one.
    bool went_idle(const conversation& c) const { return c.timed && log_timed && idle_between(c.last_time, log_now); }

    // Where the placer puts the closing of `c`, which went idle.
    std::optional<std::uint64_t> place(const conversation& c) const {
        return placer(c.last_line, deadline_after(c.last_time));
    }

    // Closes an idle conversation before the events of line `at`.
    void close_placed(conversation& c, std::uint64_t at, const event_sink& sink) {
        const std::uint64_t rank = c.last_line;
        const event_sink placed = [&](const conversation_event& e) {
            conversation_event moved = e;
            moved.placed = true;
            moved.rank = rank;
            sink(moved);
        };
        close(c, at, placed);
    }

    // `c`, which went idle, is closed before the record of `line` that came for it.
    void close_before(conversation& c, std::uint64_t line, const event_sink& sink) {
        const std::optional<std::uint64_t> at = placer ? place(c) : std::nullopt;
        close_placed(c, at ? std::min(*at, line) : line, sink);
    }

    void feed(record_text record, const peeked_line& peeked, std::uint64_t line, const event_sink& sink) {
        if (peeked.object && peeked.key.has_time) advance_log_time(peeked.key.time_ms);
        if (peeked.refused) {
            malformed(line, nullptr, peeked.error, sink);
            return;
        }
        if (!peeked.object) {
            // The evaluator has the last word on what is malformed, and its wording (as in eval).
            if (judge.project_only(record, error)) {
                feed_alone(record, peeked.key, line, sink);
            } else {
                malformed(line, nullptr, error, sink);
            }
            return;
        }
        const record_key& key = peeked.key;
        if (!key.ordered()) {
            feed_alone(record, key, line, sink);
            return;
        }
        auto found = open.find(key.conversation_id);
        if (found != open.end() && went_idle(*found->second)) {
            close_before(*found->second, line, sink);
            pause(*found->second);
            forget(found);
            found = open.end();
        }
        const bool fresh = found == open.end();
        if (fresh) {
            found = open_conversation(key.conversation_id);
            resume(*found->second);
        }
        conversation& c = *found->second;

        std::uint64_t first_line = 0;
        const turn_fit fit = fit_turn(key.turn, c.next_turn, c.evaluated, first_line);
        if (fit == turn_fit::expected) {
            const std::int64_t before = c.next_turn;
            evaluate_in_turn(c, record, key, line, line, sink);
            if (c.next_turn == before) {  // malformed: the conversation does not move
                if (fresh) forget(found);
                return;
            }
            touch(c, key, line);
            release_ready(c, line, sink);
            return;
        }

        // Every other record is validated now, so that a broken line is reported at its own line
        // whatever its turn, and a duplicate or late copy never hides a broken one.
        if (!judge.project_only(record, error)) {
            malformed(line, &key, error, sink);
            if (fresh) forget(found);
            return;
        }
        touch(c, key, line);

        if (fit != turn_fit::ahead) {
            conversation_event e;
            e.line = line;
            e.cause = line;
            e.conversation_id = c.id;
            e.record = &key;
            if (fit == turn_fit::duplicate) {
                e.kind = event_kind::duplicate;
                e.first_line = first_line;
            } else {
                e.kind = event_kind::out_of_order;
                e.expected_turn = c.next_turn;
            }
            sink(e);
            return;
        }

        const auto at = c.held.lower_bound(key.turn);
        if (at != c.held.end() && at->first == key.turn) {
            conversation_event e;
            e.kind = event_kind::duplicate;
            e.line = line;
            e.cause = line;
            e.conversation_id = c.id;
            e.record = &key;
            e.first_line = at->second.line;
            sink(e);
            return;
        }
        c.held.emplace_hint(at, key.turn, held_record{line, key, std::string(record.json)});
        ++held;
        if (c.held.size() > options.reorder_window) skip_to_first_held(c, line, sink);
    }

    // Closes the given conversations in the order of their last lines, and forgets them; `idle`:
    // they went idle, and may be resumed.
    void close_all(std::vector<conversation*>& ending, bool idle, const event_sink& sink) {
        std::sort(ending.begin(), ending.end(), [](const conversation* a, const conversation* b) {
            return std::tie(a->last_line, a->id) < std::tie(b->last_line, b->id);
        });
        for (conversation* c : ending) {
            close(*c, c->last_line, sink);
            if (idle) pause(*c);
            forget(open.find(c->id));
        }
    }

    // A new open conversation, on a spare node when there is one.
    conversation_map::iterator open_conversation(const std::string& id) {
        if (spare.empty()) {
            auto c = std::make_unique<conversation>();
            c->id = id;
            return open.emplace(id, std::move(c)).first;
        }
        conversation_map::node_type node = std::move(spare.back());
        spare.pop_back();
        node.key() = id;
        node.mapped()->id = id;
        return open.insert(std::move(node)).position;
    }

    // Takes a conversation out of the open ones; its node is kept for the next one to open.
    void forget(conversation_map::iterator at) {
        conversation_map::node_type node = open.extract(at);
        if (spare.size() >= max_spare) return;  // freed
        node.mapped()->reset();
        spare.push_back(std::move(node));
    }

    void expire(std::int64_t now, const event_sink& sink) {
        advance_log_time(now);
        std::vector<conversation*> idle;
        std::vector<std::pair<std::uint64_t, conversation*>> placed;
        for (auto& [id, c] : open) {
            std::int64_t since = c->last_time;
            if (!c->timed) {
                if (!c->aging) {
                    c->aging = true;
                    c->aging_from = now;
                }
                since = c->aging_from;
            }
            if (!idle_between(since, now)) continue;
            if (!c->timed || !placer) {
                idle.push_back(c.get());
            } else if (const auto at = place(*c)) {
                placed.emplace_back(*at, c.get());
            }
        }
        close_all(idle, true, sink);
        std::sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) {
            return std::tie(a.first, a.second->last_line) < std::tie(b.first, b.second->last_line);
        });
        for (const auto& [at, c] : placed) {
            close_placed(*c, at, sink);
            pause(*c);
            forget(open.find(c->id));
        }
        forget_paused();
    }

    void finish(const event_sink& sink) {
        std::vector<conversation*> all;
        all.reserve(open.size());
        for (auto& entry : open) all.push_back(entry.second.get());
        close_all(all, false, sink);
    }
};

conversation_tracker::conversation_tracker(std::shared_ptr<const compiled_set> set, tracker_options options)
    : m_impl(std::make_unique<impl>(std::move(set), options)) {}
conversation_tracker::~conversation_tracker() = default;
conversation_tracker::conversation_tracker(conversation_tracker&&) noexcept = default;
conversation_tracker& conversation_tracker::operator=(conversation_tracker&&) noexcept = default;

void conversation_tracker::feed(std::string_view json, std::uint64_t line, const event_sink& sink) {
    m_impl->feed({json}, peek_line(json), line, sink);
}

void conversation_tracker::feed(std::string_view json, const peeked_line& peeked, std::uint64_t line,
                                const event_sink& sink) {
    m_impl->feed({json}, peeked, line, sink);
}

void conversation_tracker::feed(record_text record, const peeked_line& peeked, std::uint64_t line,
                                const event_sink& sink) {
    m_impl->feed(record, peeked, line, sink);
}

void conversation_tracker::set_idle_placer(idle_placer placer) {
    m_impl->placer = std::move(placer);
}

void conversation_tracker::advance_log_time(std::int64_t now_ms) {
    m_impl->advance_log_time(now_ms);
}

void conversation_tracker::expire(std::int64_t now_ms, const event_sink& sink) {
    m_impl->expire(now_ms, sink);
}

void conversation_tracker::finish(const event_sink& sink) {
    m_impl->finish(sink);
}

std::size_t conversation_tracker::open_conversations() const {
    return m_impl->open.size();
}

std::size_t conversation_tracker::held_records() const {
    return m_impl->held;
}

const tracker_options& conversation_tracker::options() const {
    return m_impl->options;
}

void conversation_tracker::profile(evaluation_profile* into) {
    m_impl->judge.profile(into);
}

}  // namespace vigil
