// session_table: the live conversations of a service. Each turn is placed with the tracker's own
// rule (fit_turn, engine/src/conversation.cpp) and decided with evaluator::decide on the
// conversation's rule_state, the way conversation_tracker does with a reorder window of 0:
//   expected turn      -> decided ("first" or "in_order")
//   later turn         -> the missing turns are given up at once, the turn decided ("gap")
//   evaluated earlier  -> "duplicate", not decided (the last one decided, resent byte for byte:
//                         a repeat, answered with the decision it had)
//   given up earlier   -> "out_of_order", not decided
//   too far ahead      -> "too_far_ahead", not decided, the conversation left as it was (a
//                         conversation the table does not hold takes any turn)
//   no id or no turn   -> decided as a conversation of its own, closed at once ("unordered")
// Only a decided turn feeds its conversation (moves its idle clock and its place in feed order).
//
// Concurrency: 64 shards by hash of conversation_id, each a mutex over a map and a list kept in
// feed order (least recently fed first). A turn is decided under its shard's lock, so the turns
// of one conversation go one at a time; conversations of other shards go in parallel. Each
// thread decides with its own evaluator (a small thread_local cache keyed by compiled set), and
// takes the store's set again only when the store's generation moved (current_set()).
// Closing (finish()) runs outside the locks, on conversations already taken out of the table.
//
// Memory cap: the table keeps one running total of the bytes its conversations are charged
// (rule_state::memory_bytes() plus bookkeeping, recomputed after each turn). When a turn leaves
// the total above max_bytes, the deciding thread evicts the least recently fed conversations
// until it is under: each shard publishes the feed time of its oldest conversation in an
// atomic, the thread picks the shard with the oldest one, locks only that shard and evicts its
// oldest. The order is global LRU up to races between threads feeding at the same instant.

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <limits>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "vigil/service.hpp"

namespace vigil {

namespace {

using clock_type = std::chrono::steady_clock;
using tick = clock_type::rep;

constexpr std::size_t shard_count = 64;
constexpr std::size_t evaluator_cache_size = 4;
constexpr tick no_conversation = std::numeric_limits<tick>::max();

tick ticks_of(clock_type::time_point t) {
    return t.time_since_epoch().count();
}

// One open conversation.
struct live_conversation {
    std::string id;
    std::shared_ptr<const compiled_set> set;  // the set its rule state belongs to
    rule_state state;
    std::int64_t next_turn = 1;  // the turn it waits for
    // (turn, position among the conversation's decided turns), by turn: what fit_turn reads.
    std::vector<std::pair<std::int64_t, std::uint64_t>> evaluated;
    // The last turn decided, so that a resend of it gets the answer it had: its turn number (0:
    // none yet), record and placement, and its decision, whose record id, `meta` and carried fields
    // the end-of-conversation findings take.
    std::int64_t last_turn = 0;
    std::string last_json;
    decision last_verdict;
    const char* last_placement = "";
    std::int64_t last_missing_first = 0, last_missing_last = 0;
    clock_type::time_point last_fed;
    std::size_t bytes = 0;  // what it is charged in the table's total
};

using conversation_list = std::list<live_conversation>;

// The heap bytes a string holds (none while it is short enough to sit inside).
std::size_t heap_bytes(const std::string& text) {
    return text.capacity() > 15 ? text.capacity() + 1 : 0;
}

std::size_t heap_bytes(const std::vector<std::string>& texts) {
    std::size_t bytes = texts.capacity() * sizeof(std::string);
    for (const std::string& text : texts) bytes += heap_bytes(text);
    return bytes;
}

// The heap bytes a decision holds; nlohmann::json ids as a string each (ids are texts or numbers).
std::size_t heap_bytes(const decision& d) {
    std::size_t bytes = heap_bytes(d.meta) + heap_bytes(d.carried) + heap_bytes(d.policy_hash);
    for (const nlohmann::json* id : {&d.record_id, &d.conversation_id}) {
        if (id->is_string()) bytes += sizeof(std::string) + heap_bytes(id->get_ref<const std::string&>());
    }
    bytes += d.findings.capacity() * sizeof(finding);
    for (const finding& f : d.findings) {
        bytes += heap_bytes(f.policy) + heap_bytes(f.policy_version) + heap_bytes(f.rule) + heap_bytes(f.severity) +
                 heap_bytes(f.message) + heap_bytes(f.evidence) + heap_bytes(f.missing) + heap_bytes(f.errors);
        bytes += f.remedies.capacity() * sizeof(remedy_out) + f.placeholders.capacity() * sizeof(f.placeholders[0]);
        for (const remedy_out& r : f.remedies) bytes += heap_bytes(r.kind) + heap_bytes(r.argument);
    }
    return bytes;
}

// The bytes a conversation is charged: its state, its turn list, its id, its last turn's record
// and decision, and the nodes that hold it (a list node, a map node and a bucket).
std::size_t charge(const live_conversation& c) {
    constexpr std::size_t nodes = sizeof(live_conversation) + 2 * sizeof(void*)  // list node
                                  + sizeof(std::pair<const std::string_view, conversation_list::iterator>) +
                                  2 * sizeof(void*) + sizeof(std::size_t);  // map node, bucket
    std::size_t bytes = nodes + c.state.memory_bytes() - sizeof(rule_state);
    if (c.id.capacity() > 15) bytes += c.id.capacity() + 1;
    bytes += c.evaluated.capacity() * sizeof(c.evaluated[0]);
    return bytes + heap_bytes(c.last_json) + heap_bytes(c.last_verdict);
}

struct shard {
    std::mutex lock;
    conversation_list by_feed;                                                // least recently fed first
    std::unordered_map<std::string_view, conversation_list::iterator> index;  // views into by_feed's ids
    std::atomic<tick> oldest{no_conversation};  // last_fed of by_feed.front(), read without the lock

    void publish_oldest() {
        oldest.store(by_feed.empty() ? no_conversation : ticks_of(by_feed.front().last_fed), std::memory_order_relaxed);
    }
};

// This thread's evaluators, one per compiled set it decided with lately (most recent last). An
// entry also holds the set, so that a set no one else holds any more is dropped at the next miss.
struct evaluator_entry {
    std::shared_ptr<const compiled_set> set;
    evaluator judge;
};

// The reference is valid until this thread's next call.
evaluator& evaluator_for(const std::shared_ptr<const compiled_set>& set) {
    thread_local std::vector<evaluator_entry> cache;
    for (std::size_t i = cache.size(); i-- > 0;) {
        if (cache[i].set == set) {
            if (i + 1 != cache.size()) std::swap(cache[i], cache.back());
            return cache.back().judge;
        }
    }
    // A miss: forget the sets held by this cache alone (the entry and its evaluator), then the
    // least recently used entry when the cache is full.
    std::erase_if(cache, [](const evaluator_entry& e) { return e.set.use_count() <= 2; });
    if (cache.size() >= evaluator_cache_size) cache.erase(cache.begin());
    cache.push_back(evaluator_entry{set, evaluator(set)});
    return cache.back().judge;
}

// Tables are told apart in thread_local caches by a number, not by an address that a later table
// could reuse.
std::atomic<std::uint64_t> next_table_id{1};

// A thread's view of one table's current set (session_table::impl::current_set).
struct seen_set {
    std::uint64_t table = 0;
    std::uint64_t generation = 0;
    std::shared_ptr<const compiled_set> set;
};

// The end-of-conversation decision of a conversation taken out of the table.
decision close_conversation(live_conversation& c, undetermined_as counted) {
    decision d;
    d.record_id = c.last_verdict.record_id;
    d.meta = c.last_verdict.meta;
    d.carried = c.last_verdict.carried;
    d.conversation_id = c.id;
    d.policy_hash = policy_hash(*c.set);
    evaluator_for(c.set).finish(c.state, d.findings);
    d.kind = combined_decision(d.findings);
    count_undetermined_as(counted, *c.set, d);
    return d;
}

}  // namespace

struct session_table::impl {
    policy_store store;  // shares the caller's store (copies share one set)
    session_options options;
    std::array<shard, shard_count> shards;
    std::atomic<std::uint64_t> open{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> expired{0};
    std::atomic<std::uint64_t> evicted{0};
    std::atomic<std::uint64_t> reset_by_reload{0};
    const std::uint64_t table_id = next_table_id.fetch_add(1, std::memory_order_relaxed);  // never reused

    impl(const policy_store& s, session_options o) : store(s), options(o) {}

    // The store's current set, as this thread last saw it. Reading the generation is a plain load
    // of a line no reader writes, where current() would take the store's lock and bump the set's
    // reference count, a line every deciding thread writes. The generation is read before the set,
    // so a set cached under generation g is g's or a newer one, and the next call after a replace
    // sees a new generation and takes the new set.
    const std::shared_ptr<const compiled_set>& current_set() {
        thread_local std::array<seen_set, 2> seen;  // two tables per thread without thrashing
        const std::uint64_t generation = store.generation();
        seen_set* entry = seen[0].table == table_id ? &seen[0] : seen[1].table == table_id ? &seen[1] : nullptr;
        if (!entry) {
            std::swap(seen[0], seen[1]);
            entry = &seen[0];
            *entry = seen_set{table_id, 0, nullptr};
        }
        if (!entry->set || entry->generation != generation) {
            entry->set = store.current();
            entry->generation = generation;
        }
        return entry->set;
    }

    // Not fed for longer than the idle time at `now`: over, whether expire() or its next turn
    // notices it first.
    bool idle_at(const live_conversation& c, clock_type::time_point now) const {
        return now - c.last_fed > options.idle;
    }

    shard& shard_of(std::string_view id) { return shards[std::hash<std::string_view>{}(id) % shard_count]; }

    void recharge(live_conversation& c) {
        const std::size_t now = charge(c);
        if (now != c.bytes) {
            bytes.fetch_add(static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(c.bytes),
                            std::memory_order_relaxed);  // wraps correctly when it shrinks
            c.bytes = now;
        }
    }

    // Takes `it` out of its shard (locked by the caller) into `out`.
    void take_out(shard& s, conversation_list::iterator it, conversation_list& out) {
        s.index.erase(it->id);
        bytes.fetch_sub(it->bytes, std::memory_order_relaxed);
        open.fetch_sub(1, std::memory_order_relaxed);
        out.splice(out.end(), s.by_feed, it);
    }

    // Evicts least recently fed conversations until the total is within max_bytes, never `keep`
    // (the conversation the current turn fed). Locks one shard at a time.
    void make_room(std::string_view keep, std::vector<decision>& closed) {
        std::array<bool, shard_count> exhausted{};
        while (bytes.load(std::memory_order_relaxed) > options.max_bytes) {
            std::size_t pick = shard_count;
            tick oldest = no_conversation;
            for (std::size_t i = 0; i < shard_count; ++i) {
                const tick t = shards[i].oldest.load(std::memory_order_relaxed);
                if (!exhausted[i] && t < oldest) {
                    oldest = t;
                    pick = i;
                }
            }
            if (pick == shard_count) return;  // only `keep` is left
            conversation_list victims;
            {
                shard& s = shards[pick];
                const std::lock_guard<std::mutex> lock(s.lock);
                auto it = s.by_feed.begin();
                if (it != s.by_feed.end() && it->id == keep) ++it;
                if (it == s.by_feed.end()) {
                    exhausted[pick] = true;
                    continue;
                }
                take_out(s, it, victims);
                s.publish_oldest();
            }
            evicted.fetch_add(1, std::memory_order_relaxed);
            closed.push_back(close_conversation(victims.front(), options.undetermined));
        }
    }

    // Takes out, shard by shard, the least recently fed conversations while `done` says so;
    // closes them in the order they were last fed.
    template <typename Predicate>
    std::vector<decision> close_where(Predicate done, std::atomic<std::uint64_t>* counter) {
        conversation_list ending;
        for (shard& s : shards) {
            const std::lock_guard<std::mutex> lock(s.lock);
            while (!s.by_feed.empty() && done(s.by_feed.front())) take_out(s, s.by_feed.begin(), ending);
            s.publish_oldest();
        }
        if (counter) counter->fetch_add(ending.size(), std::memory_order_relaxed);
        ending.sort([](const live_conversation& a, const live_conversation& b) {
            return std::tie(a.last_fed, a.id) < std::tie(b.last_fed, b.id);
        });
        std::vector<decision> closed;
        closed.reserve(ending.size());
        for (live_conversation& c : ending) closed.push_back(close_conversation(c, options.undetermined));
        return closed;
    }

    bool decide(std::string_view json, const record_key& key, bool object, clock_type::time_point now, live_result& out,
                std::string& error, std::vector<rule_explanation>* why);
};

namespace {

// One turn judged, explained too when the caller asks why; with no state, a conversation of its
// own (the evaluator's one-record decide() and explain() end it at once).
bool judge_turn(evaluator& judge, std::string_view json, rule_state* state, decision& out, std::string& error,
                std::vector<rule_explanation>* why) {
    if (why == nullptr) return state ? judge.decide(json, *state, out, error) : judge.decide(json, out, error);
    return state ? judge.explain(json, *state, out, *why, error) : judge.explain(json, out, *why, error);
}

// Keeps the turn just decided in `c`, for a resend of it. Assigned, not copied anew: the strings
// of the decision kept before keep their buffers.
void remember_last(live_conversation& c, std::int64_t turn, std::string_view json, const live_result& out) {
    c.last_turn = turn;
    c.last_json.assign(json);
    c.last_verdict = out.verdict;
    c.last_placement = out.placement == "first" ? "first" : out.placement == "gap" ? "gap" : "in_order";
    c.last_missing_first = out.missing_first;
    c.last_missing_last = out.missing_last;
}

// The answer to a resend of `c`'s last decided turn: its decision again, decided no more.
void repeat_last(const live_conversation& c, live_result& out) {
    out.placement = "duplicate";
    out.repeat = true;
    out.repeated_placement = c.last_placement;
    out.verdict = c.last_verdict;
    out.missing_first = c.last_missing_first;
    out.missing_last = c.last_missing_last;
}

// Deciding `turn` would give up more than `max_gap` turns (0: no limit) before it: a wrong turn
// number rather than turns lost, which would put the conversation past every real turn after it.
bool too_far_ahead(std::int64_t turn, std::int64_t next_turn, std::uint64_t max_gap) {
    return max_gap != 0 && turn > next_turn && static_cast<std::uint64_t>(turn - next_turn) > max_gap;
}

void clear_verdict(decision& d) {
    d.record_id = nullptr;
    d.conversation_id = nullptr;
    d.meta.clear();
    d.kind = decision_kind::allow;
    d.findings.clear();
    d.policy_hash.clear();
}

}  // namespace

bool session_table::impl::decide(std::string_view json, const record_key& key, bool object, clock_type::time_point now,
                                 live_result& out, std::string& error, std::vector<rule_explanation>* why) {
    out.decided = false;
    out.repeat = false;
    out.repeated_placement.clear();
    if (why) why->clear();
    out.missing_first = out.missing_last = 0;
    out.expected_turn = 0;
    out.closed.clear();
    out.expired.clear();
    const std::shared_ptr<const compiled_set>& set = current_set();
    evaluator& judge = evaluator_for(set);

    if (!object || !key.ordered()) {
        // A conversation of its own, closed at once: the evaluator's one-record decide() is
        // decide() with a new state then finish(), as the tracker's feed_alone emits them.
        if (!object && !judge.project_only(json, error)) return false;
        if (!judge_turn(judge, json, nullptr, out.verdict, error, why)) return false;
        count_undetermined_as(options.undetermined, *set, out.verdict);
        out.decided = true;
        out.placement = "unordered";
        error.clear();  // peek()'s note on the absent fields is no error here
        return true;
    }

    shard& s = shard_of(key.conversation_id);
    {
        std::unique_lock<std::mutex> lock(s.lock);
        auto found = s.index.find(key.conversation_id);
        if (found != s.index.end() && idle_at(*found->second, now)) {
            // Idle for longer than the gap, as replay judges it: over even if no expire() has run
            // since, and this turn starts a new conversation. Validated first, so that a refused
            // record leaves the table unchanged.
            if (!judge.project_only(json, error)) return false;
            conversation_list ending;
            take_out(s, found->second, ending);
            expired.fetch_add(1, std::memory_order_relaxed);
            out.expired.push_back(close_conversation(ending.front(), options.undetermined));
            found = s.index.end();
        }
        conversation_list born;  // a new conversation stays here until its first record is accepted
        const bool fresh = found == s.index.end();
        if (fresh) {
            born.emplace_back();
            born.back().id = key.conversation_id;
            born.back().set = set;
        }
        live_conversation& c = fresh ? born.back() : *found->second;

        if (!fresh && too_far_ahead(key.turn, c.next_turn, options.max_turn_gap)) {
            // Refused before anything moves, the feed time included: a conversation that gets
            // only such turns still goes idle, and its next turn then starts it afresh. Validated
            // first, so that a record that is not one is refused as such.
            if (!judge.project_only(json, error)) return false;
            out.placement = "too_far_ahead";
            out.expected_turn = c.next_turn;
            clear_verdict(out.verdict);
            error.clear();
            return true;
        }

        if (c.set != set) {
            // A state belongs to one compiled set: the first turn under a new set starts afresh
            // (its open obligations under the old set are dropped, not reported). Validated
            // first, so that a refused record leaves the table unchanged.
            if (!judge.project_only(json, error)) return false;
            c.state = rule_state();
            c.set = set;
            reset_by_reload.fetch_add(1, std::memory_order_relaxed);
        }

        std::uint64_t first_line = 0;
        const turn_fit fit = fit_turn(key.turn, c.next_turn, c.evaluated, first_line);
        const bool decides = fit == turn_fit::expected || fit == turn_fit::ahead;
        if (decides) {
            // A later turn: with no reorder window the tracker gives up on the missing turns at
            // once (its gap event) and decides the record.
            if (!judge_turn(judge, json, &c.state, out.verdict, error, why)) return false;
            count_undetermined_as(options.undetermined, *set, out.verdict);
            out.decided = true;
            if (fit == turn_fit::ahead) {
                out.placement = "gap";
                out.missing_first = c.next_turn;
                out.missing_last = key.turn - 1;
            } else {
                out.placement = fresh && key.turn == 1 ? "first" : "in_order";
            }
            c.evaluated.emplace_back(key.turn, c.evaluated.size());
            c.next_turn = key.turn + 1;
            remember_last(c, key.turn, json, out);
        } else if (fit == turn_fit::duplicate && key.turn == c.last_turn && json == c.last_json) {
            repeat_last(c, out);
        } else {
            if (!judge.project_only(json, error)) return false;
            out.placement = fit == turn_fit::duplicate ? "duplicate" : "out_of_order";
            clear_verdict(out.verdict);
        }

        if (decides) {
            // Fed: the most recently fed conversation of its shard. A turn not decided (a
            // duplicate, a late one, a resend) is no sign of life and keeps the feed time and place
            // the conversation had: a client that resends a stale turn must not keep it open.
            c.last_fed = now;
            if (fresh) {
                s.by_feed.splice(s.by_feed.end(), born);
                s.index.emplace(c.id, std::prev(s.by_feed.end()));
                open.fetch_add(1, std::memory_order_relaxed);
            } else {
                s.by_feed.splice(s.by_feed.end(), s.by_feed, found->second);
            }
            s.publish_oldest();
        }
        recharge(c);  // a turn not decided changes the bytes only when a reload reset the state
    }

    if (bytes.load(std::memory_order_relaxed) > options.max_bytes) make_room(key.conversation_id, out.closed);
    error.clear();
    return true;
}

session_table::session_table(const policy_store& store, session_options options)
    : m_impl(std::make_unique<impl>(store, options)) {}

session_table::~session_table() = default;

bool session_table::decide(std::string_view json, std::chrono::steady_clock::time_point now, live_result& out,
                           std::string& error, std::vector<rule_explanation>* why) {
    record_key key;
    const bool object = peek(json, key, error);
    return m_impl->decide(json, key, object, now, out, error, why);
}

bool session_table::decide(std::string_view json, const record_key& key, bool object,
                           std::chrono::steady_clock::time_point now, live_result& out, std::string& error,
                           std::vector<rule_explanation>* why) {
    return m_impl->decide(json, key, object, now, out, error, why);
}

std::vector<decision> session_table::expire(std::chrono::steady_clock::time_point now) {
    return m_impl->close_where([&](const live_conversation& c) { return m_impl->idle_at(c, now); }, &m_impl->expired);
}

std::vector<decision> session_table::close_all() {
    return m_impl->close_where([](const live_conversation&) { return true; }, nullptr);
}

session_counters session_table::counters() const {
    session_counters c;
    c.open = m_impl->open.load(std::memory_order_relaxed);
    c.bytes = m_impl->bytes.load(std::memory_order_relaxed);
    c.expired = m_impl->expired.load(std::memory_order_relaxed);
    c.evicted = m_impl->evicted.load(std::memory_order_relaxed);
    c.reset_by_reload = m_impl->reset_by_reload.load(std::memory_order_relaxed);
    return c;
}

}  // namespace vigil
