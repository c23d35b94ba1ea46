// The evaluator: projects a record, walks the compiled nodes with three-valued logic, and builds
// findings for the rules that do not pass.
//
// Where unknown comes from: every read that finds a field absent (or null) appends the field's
// schema node to `m_absent`. Whenever a node's value turns out known, everything its subtree
// appended is dropped again (a known value cannot depend on the unknown parts: `false and x`,
// `exists(x)`, `x default v`, `any` with a true element). So when a rule ends undetermined,
// `m_absent` holds exactly the absent paths that left it open. This costs a size comparison per
// node; the paths are only turned into strings when a finding is made.
//
// Conversations (state.hpp): when the set has conversation functions or `then` rules, a turn is
// decided with the state of its conversation. The rules read the state as the earlier turns left
// it; deferred obligations take the turn in rule order; then advance() feeds the turn to every
// tracker, reading all their inputs first (memoized, so nothing is computed twice) and only then
// changing the state, so no tracker sees another's update of this turn. A set without them never
// touches a state: decide() costs what it did before.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "compile.hpp"
#include "project.hpp"
#include "state.hpp"
#include "text.hpp"
#include "timestamp.hpp"
#include "value.hpp"
#include "vigil/json_text.hpp"
#include "vigil/profile.hpp"

namespace vigil {

using eval::kind;
using eval::node;
using eval::none;
using eval::op;
using eval::tri;
using eval::value;

namespace {

/// A run-time problem noted while evaluating; turned into text only for findings.
struct error_note {
    std::uint32_t node = 0;
    eval::fault what = eval::fault::not_condition;
    kind k1 = kind::unknown;
    kind k2 = kind::unknown;
    std::uint32_t detail = none;  // select_kind: the schema node of the field being read
    double number = 0;            // index_not_integral: the subscript
};

bool same_note(const error_note& a, const error_note& b) {
    const bool same_number = a.number == b.number || (std::isnan(a.number) && std::isnan(b.number));
    return a.node == b.node && a.what == b.what && a.k1 == b.k1 && a.k2 == b.k2 && a.detail == b.detail && same_number;
}

struct memo_entry {
    std::uint32_t generation = 0;
    value result;
    std::uint32_t absent_begin = 0, absent_end = 0;  // into m_memo_absent
    std::uint32_t errors_begin = 0, errors_end = 0;  // into m_memo_errors
};

tri truth_of(bool b) { return b ? tri::true_ : tri::false_; }
tri not3(tri t) { return t == tri::unknown ? t : (t == tri::true_ ? tri::false_ : tri::true_); }
value from_tri(tri t) { return t == tri::unknown ? value::unknown() : value::boolean(t == tri::true_); }

constexpr double infinity = std::numeric_limits<double>::infinity();

/// One step of streak(c, among): the lowest and highest streak the turns so far allow, given
/// whether this turn is among the counted ones (`a`) and whether it holds (`c`).
std::pair<std::int64_t, std::int64_t> streak_step(std::int64_t low, std::int64_t high, tri a, tri c) {
    if (a == tri::false_) return {low, high};
    if (a == tri::true_) {
        if (c == tri::true_) return {low + 1, high + 1};
        if (c == tri::false_) return {0, 0};
        return {0, high + 1};
    }
    // Unknown whether this turn counts: either it does, or the streak stays as it was.
    if (c == tri::true_) return {low, high + 1};
    if (c == tri::false_) return {0, high};
    return {0, high + 1};
}

/// The truth value kept in a count_last history byte.
std::uint8_t tri_byte(tri t) { return static_cast<std::uint8_t>(t); }

std::string_view op_symbol(op code) {
    switch (code) {
        case op::eq: return "==";
        case op::ne: return "!=";
        case op::lt:
        case op::lt_const: return "<";
        case op::le:
        case op::le_const: return "<=";
        case op::gt:
        case op::gt_const: return ">";
        case op::ge:
        case op::ge_const: return ">=";
        case op::in: return "in";
        case op::not_in: return "not in";
        case op::contains: return "contains";
        case op::starts_with: return "starts with";
        case op::ends_with: return "ends with";
        case op::matches: return "matches";
        case op::add: return "+";
        case op::sub:
        case op::negate: return "-";
        case op::mul: return "*";
        case op::div: return "/";
        case op::mod: return "%";
        case op::and_: return "and";
        case op::or_: return "or";
        case op::not_: return "not";
        case op::lower: return "lower";
        case op::upper: return "upper";
        case op::length: return "length";
        case op::any: return "any";
        case op::all: return "all";
        case op::none_: return "none";
        case op::count: return "count";
        case op::earlier: return "earlier";
        case op::previous: return "previous";
        case op::turns_since: return "turns_since";
        case op::count_last: return "count_last";
        case op::count_within: return "count_within";
        case op::streak: return "streak";
        default: return "?";
    }
}

// Which definition each memo computes (none for the memos of `lower`, `matches` and repeated
// subexpressions): what a profile times. Two definitions of the same value share one memo; the
// one compiled first is named.
std::vector<std::uint32_t> memo_definitions(const compiled_set& set) {
    std::vector<std::uint32_t> out(set.memo_count, eval::none);
    for (std::size_t i = set.definitions.size(); i-- > 0;) {
        const std::uint32_t n = set.definitions[i].node;
        if (n != eval::none && set.nodes[n].code == eval::op::memo) out[set.nodes[n].b] = static_cast<std::uint32_t>(i);
    }
    return out;
}

}  // namespace

struct evaluator::impl {
    std::shared_ptr<const compiled_set> owner;
    const compiled_set& set;
    const node* nodes;
    const std::uint32_t* operands;
    eval::projector projector;
    eval::arena mem;
    const value* root = nullptr;
    std::vector<value> variables;
    std::vector<memo_entry> memos;
    std::uint32_t generation = 0;
    // Schema nodes of absent reads that are still relevant. A node remembered by the state of the
    // conversation carries `disallowed_earlier` when the turn it came from gave the path a value
    // its schema does not allow: a later turn must not name it as absent.
    std::vector<std::uint32_t> absent;
    static constexpr std::uint32_t disallowed_earlier = 0x8000'0000u;
    std::vector<error_note> errors;
    std::vector<std::uint32_t> memo_absent;
    std::vector<error_note> memo_errors;
    std::vector<std::uint32_t> absent_seen;  // per schema node: the keep_distinct() pass that saw it
    std::uint32_t absent_pass = 0;

    // Conversations (only used when the set is conversational).
    rule_state::data* st = nullptr;                // the state of the conversation being decided
    std::unique_ptr<rule_state::data> scratch;     // decide() without a state: a one-turn conversation
    std::vector<value> empty_root;                 // finish(): a record whose every field is absent
    std::vector<finding> spare;                    // findings of the last decision, their buffers reused
    std::uint32_t time_generation = 0;             // the record whose time is cached
    std::optional<double> time;                    // ... its timestamp, when it has a valid one
    struct pending_turn {
        tri c = tri::unknown;
        tri a = tri::unknown;
        value v;
        std::uint32_t absent_begin = 0, absent_end = 0;
    };
    // Text scans (compiled_set::scans): this evaluator's own RE2 objects per scan, built on first
    // use, and what its search of this record's text found.
    struct scan_memo {
        std::uint32_t generation = 0;
        bool built = false;
        bool ok = false;                          // the search ran (an RE2::Set may run out of memory)
        std::vector<std::uint8_t> found;          // per pattern
        std::unique_ptr<RE2::Set> always;         // the patterns run on every text
        std::vector<std::unique_ptr<RE2>> alone;  // per pattern, for the prefiltered ones
    };
    std::vector<scan_memo> scans;
    std::vector<int> scan_hits;
    std::vector<int> scan_atoms;
    std::vector<pending_turn> pending;             // advance(): every tracker's input of this turn
    std::vector<std::uint32_t> pending_absent;
    std::vector<std::string> pending_texts;
    std::vector<rule_explanation>* explaining = nullptr;  // explain(): where every rule's account goes
    std::vector<std::uint8_t> open_before;                // explain(): each obligation's `open` before the turn
    evaluation_profile* profiling = nullptr;              // profile(): where the measurements go
    std::vector<std::uint32_t> memo_definition;           // per memo: the definition it computes, or none

    explicit impl(std::shared_ptr<const compiled_set> s)
        : owner(std::move(s)),
          set(*owner),
          nodes(set.nodes.data()),
          operands(set.operands.data()),
          projector(set),
          variables(set.variable_count),
          memos(set.memo_count),
          absent_seen(set.schema.size()),
          empty_root(set.schema[0].fields.size()),
          scans(set.scans.size()),
          pending(set.trackers.size()),
          pending_texts(set.text_slots) {
        absent.reserve(64);
        errors.reserve(16);
    }

    // ----- evaluation -------------------------------------------------------------------------

    void fault(std::uint32_t n, eval::fault what, kind k1 = kind::unknown, kind k2 = kind::unknown,
               std::uint32_t detail = none, double number = 0) {
        errors.push_back({n, what, k1, k2, detail, number});
    }

    [[gnu::always_inline]] tri truth(const value& v, std::uint32_t n) {
        if (v.k == kind::boolean) return truth_of(v.flag);
        if (v.k != kind::unknown) fault(n, eval::fault::not_condition, v.k);
        return tri::unknown;
    }

    // The value of node n. Leaves (constants, top-level fields, variables, computed memos) are
    // read here without a call; a leaf that is known has logged nothing, so it needs no truncation.
    [[gnu::always_inline]] value eval(std::uint32_t n) {
        const node& x = nodes[n];
        switch (x.code) {
            case op::constant: return set.constants[x.a];
            case op::field: {
                value v = root[x.a];
                if (v.k == kind::unknown) absent.push_back(x.c);
                return v;
            }
            case op::variable: {
                const value v = variables[x.a];
                if (v.k == kind::unknown && x.c != none) absent.push_back(x.c);
                return v;
            }
            case op::root_path: {  // absent on the way, or two steps (`signals.distress`): here
                const std::uint32_t* steps = operands + x.a;
                value v = root[steps[0]];
                if (v.k == kind::unknown) {
                    absent.push_back(x.c);
                    return v;
                }
                if (x.b != 2 || v.k != kind::object || steps[1] >= v.size) break;
                v = v.items[steps[1]];
                if (v.k == kind::unknown) absent.push_back(x.c);
                return v;
            }
            case op::memo: {
                const memo_entry& m = memos[x.b];
                if (m.generation == generation && m.absent_begin == m.absent_end && m.errors_begin == m.errors_end) {
                    return m.result;
                }
                // Straight to the memo: what it logs was already kept only for an unknown result.
                return eval_memo(x);
            }
            default: break;
        }
        return eval_tracked(n);
    }

    value eval_tracked(std::uint32_t n) {
        const std::size_t mark = absent.size();
        value v = eval_node(n);
        if (v.k != kind::unknown && absent.size() != mark) absent.resize(mark);
        return v;
    }

    // Follows field positions from `v` (an object projected with the schema of the path's start).
    value walk(value v, const std::uint32_t* steps, std::uint32_t count, const node& x, std::uint32_t n) {
        for (std::uint32_t i = 0; i < count; ++i) {
            if (v.k != kind::object || steps[i] >= v.size) [[unlikely]] {
                return walk_failed(v, i, count, x, n);
            }
            v = v.items[steps[i]];
        }
        if (v.k == kind::unknown) absent.push_back(x.c);
        return v;
    }

    [[gnu::noinline]] value walk_failed(const value& v, std::uint32_t i, std::uint32_t count, const node& x,
                                        std::uint32_t n) {
        if (v.k == kind::unknown || v.k == kind::object) {
            absent.push_back(x.c);  // an absent object on the way: the whole path is missing
            if (v.is_disallowed()) return v;
        } else {
            std::uint32_t field = x.c;  // the schema node of the field step i reads
            for (std::uint32_t up = count - 1; up > i; --up) field = set.schema[field].parent;
            fault(n, eval::fault::select_kind, v.k, kind::unknown, field);
        }
        return value::unknown();
    }

    static bool same_scalar(const value& v, const value& c) {
        if (v.k != c.k) return false;
        switch (c.k) {
            case kind::text: return v.size == c.size && eval::bytes_equal(v.text, c.text, c.size);
            case kind::number: return v.number == c.number;
            default: return v.flag == c.flag;
        }
    }

    // The operations almost every rule uses are handled here, small and inline; everything else is
    // in eval_other, so this function stays cheap to call.
    // Constants, top-level fields, variables and memos already computed never get here: eval()
    // answers them.
    value eval_node(std::uint32_t n) {
        const node& x = nodes[n];
        switch (x.code) {
            case op::root_path: {  // eval() answered the short and the absent ones
                const std::uint32_t* steps = operands + x.a;
                return walk(root[steps[0]], steps + 1, x.b - 1, x, n);
            }
            case op::sub_path: {
                value base = eval(x.d);
                if (base.k == kind::unknown) return base;  // the base already said why
                return walk(base, operands + x.a, x.b, x, n);
            }
            case op::memo: return eval_memo(x);
            case op::and_: {
                tri l = truth(eval(x.a), x.a);
                if (l == tri::false_) return value::boolean(false);
                tri r = truth(eval(x.b), x.b);
                if (r == tri::false_) return value::boolean(false);
                return from_tri(l == tri::true_ && r == tri::true_ ? tri::true_ : tri::unknown);
            }
            case op::or_: {
                tri l = truth(eval(x.a), x.a);
                if (l == tri::true_) return value::boolean(true);
                tri r = truth(eval(x.b), x.b);
                if (r == tri::true_) return value::boolean(true);
                return from_tri(l == tri::false_ && r == tri::false_ ? tri::false_ : tri::unknown);
            }
            case op::not_: return from_tri(not3(truth(eval(x.a), x.a)));
            case op::eq_const:
            case op::ne_const: {
                value l = eval(x.a);
                if (l.k == kind::unknown) return l;
                return value::boolean(same_scalar(l, set.constants[x.b]) == (x.code == op::eq_const));
            }
            case op::in_const:
            case op::not_in_const: {
                value l = eval(x.a);
                if (l.k == kind::unknown) return l;
                const value& list = set.constants[x.b];
                bool found = false;
                for (std::uint32_t i = 0; i < list.size && !found; ++i) found = same_scalar(l, list.items[i]);
                return value::boolean(found == (x.code == op::in_const));
            }
            case op::lt_const:
            case op::le_const:
            case op::gt_const:
            case op::ge_const: {
                const value l = eval(x.a);
                return order(l, set.constants[x.b], static_cast<int>(x.code) - static_cast<int>(op::lt_const), n);
            }
            case op::any:
            case op::all:
            case op::none_:
            case op::count: return eval_quantifier(x, n);
            case op::present:
            case op::absent: {
                value v = eval(x.a);
                if (v.is_disallowed()) return value::unknown();  // there, but not a value to go by
                bool present = v.k != kind::unknown && v.k != kind::null;
                return value::boolean(present == (x.code == op::present));
            }
            case op::default_: {
                value l = eval(x.a);
                if (l.k != kind::unknown || l.is_disallowed()) return l;
                return eval(x.b);
            }
            default: return eval_other(x, n);
        }
    }

    [[gnu::noinline]] value eval_other(const node& x, std::uint32_t n) {
        switch (x.code) {
            case op::index: return eval_index(x, n);
            case op::make_list: {
                value* items = mem.allocate_array<value>(x.b);
                for (std::uint32_t i = 0; i < x.b; ++i) items[i] = eval(operands[x.a + i]);
                return value::list_of(items, x.b);
            }
            case op::negate: {
                value v = eval(x.a);
                if (v.k == kind::number) return value::num(-v.number);
                if (v.k != kind::unknown) fault(n, eval::fault::negate_kind, v.k);
                return value::unknown();
            }
            case op::eq:
            case op::ne: {
                value l = eval(x.a);
                value r = eval(x.b);
                if (l.k == kind::unknown || r.k == kind::unknown) return value::unknown();
                return value::boolean(eval::equal(l, r) == (x.code == op::eq));
            }
            case op::lt:
            case op::le:
            case op::gt:
            case op::ge: return eval_order(x, n);
            case op::in:
            case op::not_in: {
                value item = eval(x.a);
                value within = eval(x.b);
                tri t = membership(within, item, x, n, false);
                return from_tri(x.code == op::in ? t : not3(t));
            }
            case op::contains: {
                value within = eval(x.a);
                value item = eval(x.b);
                return from_tri(membership(within, item, x, n, true));
            }
            case op::starts_with:
            case op::ends_with: {
                value l = eval(x.a);
                value r = eval(x.b);
                if (l.k == kind::unknown || r.k == kind::unknown) return value::unknown();
                if (l.k != kind::text || r.k != kind::text) {
                    fault(n, eval::fault::text_kind, l.k, r.k);
                    return value::unknown();
                }
                if (r.size > l.size) return value::boolean(false);
                const char* at = x.code == op::starts_with ? l.text : l.text + (l.size - r.size);
                return value::boolean(std::memcmp(at, r.text, r.size) == 0);
            }
            case op::matches: {
                value l = eval(x.a);
                if (l.k == kind::unknown) return l;
                if (l.k != kind::text) {
                    fault(n, eval::fault::text_kind, l.k, kind::text);
                    return value::unknown();
                }
                return value::boolean(search(l, *set.regexes[x.b], x.c, x.d));
            }
            case op::add:
            case op::sub:
            case op::mul:
            case op::div:
            case op::mod: return eval_arithmetic(x, n);
            case op::lower:
            case op::upper: {
                value v = eval(x.a);
                if (v.k == kind::unknown) return v;
                if (v.k != kind::text) {
                    fault(n, eval::fault::function_kind, v.k);
                    return value::unknown();
                }
                char* out = static_cast<char*>(mem.allocate(text::mapped_capacity(v.size), 1));
                std::size_t size = x.code == op::lower ? text::lower_utf8(v.sv(), out) : text::upper_utf8(v.sv(), out);
                return value::str({out, size});
            }
            case op::length: {
                value v = eval(x.a);
                if (v.k == kind::text) return value::num(count_code_points(v.sv()));
                if (v.k == kind::list) return value::num(v.size);
                if (v.k != kind::unknown) fault(n, eval::fault::function_kind, v.k);
                return value::unknown();
            }
            case op::earlier:
            case op::previous:
            case op::turns_since:
            case op::count_last:
            case op::count_within:
            case op::streak: return eval_history(x, n);
            default: return value::unknown();  // the hot operations never get here
        }
    }

    // ----- conversations ------------------------------------------------------------------------

    /// Names what left a remembered value unknown: the absent paths noted when it was remembered.
    template <std::size_t N>
    void replay(const eval::missing_paths<N>& m) {
        absent.insert(absent.end(), m.schema.begin(), m.schema.begin() + m.size);
    }

    /// Before absent reads of this record are remembered for later turns: a read whose path has a
    /// value here that its schema does not allow (on the path itself or an object on the way) is
    /// replaced by the node of that value, marked, since only this record could describe it.
    void mark_disallowed(std::uint32_t* begin, std::uint32_t* end) const {
        if (record_disallowed().empty()) [[likely]]
            return;
        for (std::uint32_t* s = begin; s != end; ++s) {
            if ((*s & disallowed_earlier) != 0) continue;
            if (const eval::disallowed_value* d = disallowed_on_path(*s)) *s = d->schema | disallowed_earlier;
        }
    }

    /// The record's timestamp, parsed once per record; nullopt when it is absent or not RFC 3339.
    const std::optional<double>& record_time() {
        if (time_generation != generation) {
            time_generation = generation;
            time.reset();
            const value& v = root[set.timestamp_slot];
            if (v.k == kind::text) time = timestamp::parse_rfc3339(v.sv());
        }
        return time;
    }

    /// record_time(), noting why it is missing for the node being evaluated.
    const std::optional<double>& record_time_for(std::uint32_t n) {
        const std::optional<double>& t = record_time();
        if (!t) {
            const value& v = root[set.timestamp_slot];
            if (v.k == kind::unknown) absent.push_back(set.timestamp_schema);
            else fault(n, eval::fault::timestamp_format, v.k);
        }
        return t;
    }

    // A conversation function on this turn: the state of the earlier turns, and for the functions
    // that include this turn, the record.
    value eval_history(const node& x, std::uint32_t n) {
        const eval::tracker& t = set.trackers[x.a];
        const eval::tracker_state& s = st->trackers[x.a];
        switch (x.code) {
            case op::earlier:
                if (s.seen == tri::unknown) replay(s.missing);
                return from_tri(s.seen);
            case op::previous:
                if (st->turns == 0) {
                    absent.push_back(t.pseudo);
                    return value::unknown();
                }
                switch (s.k) {
                    case kind::unknown: replay(s.missing); return value::unknown();
                    case kind::number: return value::num(s.number);
                    case kind::boolean: return value::boolean(s.flag);
                    case kind::text: return value::str(st->texts[t.slot]);
                    default: fault(n, eval::fault::history_kind, s.k); return value::unknown();
                }
            case op::turns_since:
                if (s.count == 0 || s.unsure) {
                    if (s.missing.size > 0) replay(s.missing);
                    else absent.push_back(t.pseudo);  // the condition never held
                    return value::unknown();
                }
                return value::num(static_cast<double>(s.count));
            case op::count_last: {
                const tri c = truth(eval(t.node), t.node);
                if (s.unknowns > 0) replay(s.missing);
                if (c == tri::unknown || s.unknowns > 0) return value::unknown();
                return value::num(static_cast<double>(s.count + (c == tri::true_ ? 1 : 0)));
            }
            case op::count_within: return eval_window(t, s, n);
            case op::streak: {
                const tri c = truth(eval(t.node), t.node);
                const tri a = truth(eval(t.among), t.among);
                const auto [low, high] = streak_step(s.count, s.high, a, c);
                if (low == high) return value::num(static_cast<double>(low));
                if (s.count != s.high) replay(s.missing);
                return value::unknown();
            }
            default: return value::unknown();
        }
    }

    value eval_window(const eval::tracker& t, const eval::tracker_state& s, std::uint32_t n) {
        const std::optional<double>& now = record_time_for(n);
        if (!now) return value::unknown();
        const double start = *now - t.seconds;
        const eval::time_window& w = st->windows[t.slot];
        std::int64_t count = 0;
        bool unsure = false;
        for (const eval::timed_entry& e : w.entries) {
            if (e.until < start) continue;                   // surely before the window
            if (e.from >= start && e.held) ++count;          // surely inside, and it held
            else unsure = true;                              // unknown, or maybe inside
        }
        const tri c = truth(eval(t.node), t.node);
        if (c == tri::true_) ++count;
        if (w.dropped_until >= start) fault(n, eval::fault::window_full);
        if (unsure) replay(s.missing);
        if (unsure || c == tri::unknown || w.dropped_until >= start) return value::unknown();
        return value::num(static_cast<double>(count));
    }

    /// After the rules of a turn: every tracker takes this turn in. All inputs are read first, so
    /// each one sees the state of the earlier turns only, whatever the order of the trackers.
    void advance() {
        pending_absent.clear();
        for (std::size_t i = 0; i < set.trackers.size(); ++i) {
            const eval::tracker& t = set.trackers[i];
            pending_turn& p = pending[i];
            absent.clear();
            errors.clear();
            if (t.kind == op::previous) {
                p.v = eval(t.node);
                if (p.v.k == kind::text) pending_texts[t.slot].assign(p.v.text, p.v.size);
            } else {
                p.c = truth(eval(t.node), t.node);
                if (t.kind == op::streak) p.a = truth(eval(t.among), t.among);
            }
            p.absent_begin = static_cast<std::uint32_t>(pending_absent.size());
            pending_absent.insert(pending_absent.end(), absent.begin(), absent.end());
            p.absent_end = static_cast<std::uint32_t>(pending_absent.size());
        }
        mark_disallowed(pending_absent.data(), pending_absent.data() + pending_absent.size());
        // Assigned, not initialised with `?:`: GCC 12 then takes the empty optional's value for read
        // (-Wmaybe-uninitialized in a profile-guided build).
        std::optional<double> now;
        if (set.timestamp_slot != none) now = record_time();
        for (std::size_t i = 0; i < set.trackers.size(); ++i) {
            take_turn(set.trackers[i], st->trackers[i], pending[i], now);
        }
        if (now) st->last_time = *now;
        ++st->turns;
    }

    void take_turn(const eval::tracker& t, eval::tracker_state& s, const pending_turn& p,
                   const std::optional<double>& now) {
        const std::uint32_t* missing_begin = pending_absent.data() + p.absent_begin;
        const std::uint32_t* missing_end = pending_absent.data() + p.absent_end;
        switch (t.kind) {
            case op::earlier:
                if (p.c == tri::true_) {
                    s.seen = tri::true_;
                    s.missing.clear();
                } else if (p.c == tri::unknown && s.seen != tri::true_) {
                    s.seen = tri::unknown;
                    s.missing.add(missing_begin, missing_end);
                }
                return;
            case op::previous:
                s.k = p.v.k;
                s.missing.clear();
                if (p.v.k == kind::number) s.number = p.v.number;
                else if (p.v.k == kind::boolean) s.flag = p.v.flag;
                else if (p.v.k == kind::text) std::swap(st->texts[t.slot], pending_texts[t.slot]);
                else if (p.v.k == kind::unknown) s.missing.add(missing_begin, missing_end);
                return;
            case op::turns_since:
                if (p.c == tri::true_) {
                    s.count = 1;
                    s.unsure = false;
                    s.missing.clear();
                    return;
                }
                if (s.count > 0) ++s.count;
                if (p.c == tri::unknown) {
                    s.unsure = true;
                    s.missing.add(missing_begin, missing_end);
                }
                return;
            case op::count_last: {
                const std::uint32_t size = t.turns - 1;  // earlier turns remembered
                if (size == 0) return;
                std::uint8_t& slot = st->rings[t.slot + s.next];
                if (s.filled == size) {  // the oldest turn leaves the window
                    if (slot == tri_byte(tri::true_)) --s.count;
                    if (slot == tri_byte(tri::unknown)) --s.unknowns;
                } else {
                    ++s.filled;
                }
                slot = tri_byte(p.c);
                if (p.c == tri::true_) ++s.count;
                if (p.c == tri::unknown) ++s.unknowns;
                s.next = s.next + 1 == size ? 0 : s.next + 1;
                if (s.unknowns == 0) s.missing.clear();
                if (p.c == tri::unknown) s.missing.add(missing_begin, missing_end);
                return;
            }
            case op::count_within: {
                eval::time_window& w = st->windows[t.slot];
                if (now) {
                    for (auto e = w.entries.rbegin(); e != w.entries.rend() && e->until == infinity; ++e) e->until = *now;
                    const double start = *now - t.seconds;
                    while (!w.entries.empty() && w.entries.front().until < start) w.entries.pop_front();
                }
                if (p.c != tri::false_) {
                    w.entries.push_back({now ? *now : st->last_time, now ? *now : infinity, p.c == tri::true_});
                    if (w.entries.size() > max_window_entries) {
                        w.dropped_until = std::max(w.dropped_until, w.entries.front().until);
                        w.entries.pop_front();
                    }
                }
                const bool uncertain = std::any_of(w.entries.begin(), w.entries.end(), [](const eval::timed_entry& e) {
                    return !e.held || e.from != e.until;
                });
                if (!uncertain) s.missing.clear();
                if (p.c == tri::unknown) s.missing.add(missing_begin, missing_end);
                if (!now && p.c != tri::false_) s.missing.add(&set.timestamp_schema, &set.timestamp_schema + 1);
                return;
            }
            case op::streak: {
                const auto [low, high] = streak_step(s.count, s.high, p.a, p.c);
                s.count = low;
                s.high = high;
                if (low == high) s.missing.clear();
                else if (p.a == tri::unknown || p.c == tri::unknown) s.missing.add(missing_begin, missing_end);
                return;
            }
            default: return;
        }
    }

    [[gnu::noinline]] value eval_memo(const node& x) {
        memo_entry& m = memos[x.b];
        if (m.generation == generation) {
            absent.insert(absent.end(), memo_absent.begin() + m.absent_begin, memo_absent.begin() + m.absent_end);
            errors.insert(errors.end(), memo_errors.begin() + m.errors_begin, memo_errors.begin() + m.errors_end);
            return m.result;
        }
        if (profiling != nullptr) [[unlikely]]
            return timed_memo(m, x);
        return computed_memo(m, x);
    }

    [[gnu::noinline]] value timed_memo(memo_entry& m, const node& x) {
        const std::uint32_t definition = memo_definition[x.b];
        if (definition == none) return computed_memo(m, x);
        const std::uint64_t began = profile_ticks();
        const value v = computed_memo(m, x);
        took(profiling->definitions[definition], began);
        return v;
    }

    [[gnu::always_inline]] value computed_memo(memo_entry& m, const node& x) {
        const auto absent_mark = absent.size();
        const auto errors_mark = errors.size();
        value v = eval(x.a);
        if (absent.size() - absent_mark > few || errors.size() - errors_mark > few) [[unlikely]]
            keep_distinct(absent_mark, errors_mark);
        m.generation = generation;
        m.result = v;
        m.absent_begin = static_cast<std::uint32_t>(memo_absent.size());
        memo_absent.insert(memo_absent.end(), absent.begin() + static_cast<std::ptrdiff_t>(absent_mark), absent.end());
        m.absent_end = static_cast<std::uint32_t>(memo_absent.size());
        m.errors_begin = static_cast<std::uint32_t>(memo_errors.size());
        memo_errors.insert(memo_errors.end(), errors.begin() + static_cast<std::ptrdiff_t>(errors_mark), errors.end());
        m.errors_end = static_cast<std::uint32_t>(memo_errors.size());
        return v;
    }

    // Drops the repeats among the absent paths and the errors noted since the marks, keeping the
    // first of each in order (the order findings name them in), once a memo's lists are longer than
    // `few`. A memo's lists then stay short however often its subtree read them: without this, a
    // definition that uses another one twice (`let d2 = d1 and d1`) kept the lists of d1 twice, and
    // a chain of 40 such definitions 2^40 copies, exhausting memory for one record. Short lists keep
    // their repeats, which findings drop anyway: sorting out every list of two or more cost 2 % of
    // a replay's instructions (612 M against 600 M for 20,000 records; with 8 for `few`, 606 M).
    static constexpr std::size_t few = 16;
    [[gnu::noinline]] void keep_distinct(std::size_t absent_mark, std::size_t errors_mark) {
        if (absent.size() - absent_mark > few) {
            if (++absent_pass == 0) {  // wrapped: forget every mark explicitly once
                std::fill(absent_seen.begin(), absent_seen.end(), 0);
                absent_pass = 1;
            }
            auto kept = absent.begin() + static_cast<std::ptrdiff_t>(absent_mark);
            for (auto it = kept; it != absent.end(); ++it) {
                std::uint32_t& seen = absent_seen[*it & ~disallowed_earlier];
                if (seen == absent_pass) continue;
                seen = absent_pass;
                *kept++ = *it;
            }
            absent.erase(kept, absent.end());
        }
        if (errors.size() - errors_mark > few) {
            const auto first = errors.begin() + static_cast<std::ptrdiff_t>(errors_mark);
            auto kept = first;
            for (auto it = first; it != errors.end(); ++it) {
                const auto same = [&](const error_note& e) { return same_note(e, *it); };
                if (std::find_if(first, kept, same) == kept) *kept++ = *it;
            }
            errors.erase(kept, errors.end());
        }
    }

    value eval_index(const node& x, std::uint32_t n) {
        value list = eval(x.a);
        value sub = eval(x.b);
        if (list.k == kind::unknown || sub.k == kind::unknown) return value::unknown();
        if (list.k != kind::list) {
            fault(n, eval::fault::index_kind, list.k);
            return value::unknown();
        }
        if (sub.k != kind::number || std::nearbyint(sub.number) != sub.number) {
            fault(n, eval::fault::index_not_integral, sub.k, kind::unknown, none, sub.k == kind::number ? sub.number : 0);
            return value::unknown();
        }
        double i = sub.number < 0 ? sub.number + list.size : sub.number;
        if (i < 0 || i >= list.size) {
            if (x.c != none) absent.push_back(x.c);  // a missing element, not an error
            return value::unknown();
        }
        value v = list.items[static_cast<std::size_t>(i)];
        if (v.k == kind::unknown && x.c != none) absent.push_back(x.c);
        return v;
    }

    value eval_order(const node& x, std::uint32_t n) {
        const value l = eval(x.a);
        const value r = eval(x.b);
        return order(l, r, static_cast<int>(x.code) - static_cast<int>(op::lt), n);
    }

    static_assert(static_cast<int>(op::le) - static_cast<int>(op::lt) == 1 &&
                  static_cast<int>(op::gt) - static_cast<int>(op::lt) == 2 &&
                  static_cast<int>(op::ge) - static_cast<int>(op::lt) == 3 &&
                  static_cast<int>(op::le_const) - static_cast<int>(op::lt_const) == 1 &&
                  static_cast<int>(op::gt_const) - static_cast<int>(op::lt_const) == 2 &&
                  static_cast<int>(op::ge_const) - static_cast<int>(op::lt_const) == 3,
                  "order() takes a comparison by its place among lt, le, gt, ge");

    // `l < r`, `<=`, `>` or `>=` (comparison 0 to 3, in the order of the ops): numbers by value
    // (false with a NaN), texts by their bytes; unknown when either side is, or (with a fault) when
    // they are of other kinds.
    [[gnu::always_inline]] value order(const value& l, const value& r, int comparison, std::uint32_t n) {
        if (l.k == kind::unknown || r.k == kind::unknown) return value::unknown();
        int c;
        if (l.k == kind::number && r.k == kind::number) {
            if (std::isnan(l.number) || std::isnan(r.number)) return value::boolean(false);
            c = l.number < r.number ? -1 : (l.number > r.number ? 1 : 0);
        } else if (l.k == kind::text && r.k == kind::text) {
            c = l.sv().compare(r.sv());
        } else {
            fault(n, eval::fault::compare_kinds, l.k, r.k);
            return value::unknown();
        }
        switch (comparison) {
            case 0: return value::boolean(c < 0);
            case 1: return value::boolean(c <= 0);
            case 2: return value::boolean(c > 0);
            default: return value::boolean(c >= 0);
        }
    }

    // `item in within` / `within contains item`.
    tri membership(const value& within, const value& item, const node& x, std::uint32_t n, bool contains) {
        if (within.k == kind::unknown || item.k == kind::unknown) return tri::unknown;
        if (within.k == kind::list) {
            bool unknown_element = false;
            for (std::uint32_t i = 0; i < within.size; ++i) {
                const value& e = within.items[i];
                if (e.k == kind::unknown) unknown_element = true;
                else if (eval::equal(e, item)) return tri::true_;
            }
            return unknown_element ? tri::unknown : tri::false_;
        }
        if (within.k == kind::text && item.k == kind::text) {
            return truth_of(within.sv().find(item.sv()) != std::string_view::npos);
        }
        (void)x;
        fault(n, eval::fault::membership_kind, within.k, item.k, contains ? 1u : 0u);
        return tri::unknown;
    }

    value eval_arithmetic(const node& x, std::uint32_t n) {
        value l = eval(x.a);
        value r = eval(x.b);
        if (l.k == kind::unknown || r.k == kind::unknown) return value::unknown();
        if (l.k == kind::number && r.k == kind::number) {
            switch (x.code) {
                case op::add: return value::num(l.number + r.number);
                case op::sub: return value::num(l.number - r.number);
                case op::mul: return value::num(l.number * r.number);
                case op::div:
                    if (r.number == 0) {
                        fault(n, eval::fault::division_by_zero);
                        return value::unknown();
                    }
                    return value::num(l.number / r.number);
                default:
                    if (r.number == 0) {
                        fault(n, eval::fault::modulo_by_zero);
                        return value::unknown();
                    }
                    return value::num(std::fmod(l.number, r.number));
            }
        }
        if (x.code == op::add && l.k == kind::text && r.k == kind::text) {
            char* out = static_cast<char*>(mem.allocate(l.size + r.size + 1, 1));
            std::memcpy(out, l.text, l.size);
            std::memcpy(out + l.size, r.text, r.size);
            // Two composed texts make a composed one, unless the second starts with a mark that
            // composes with the end of the first.
            return value::str(composed_text({out, static_cast<std::size_t>(l.size) + r.size}, mem));
        }
        if (x.code == op::add && l.k == kind::list && r.k == kind::list) {
            value* items = mem.allocate_array<value>(std::size_t{l.size} + r.size);
            std::copy(l.items, l.items + l.size, items);
            std::copy(r.items, r.items + r.size, items + l.size);
            return value::list_of(items, l.size + r.size);
        }
        fault(n, eval::fault::arithmetic_kinds, l.k, r.k);
        return value::unknown();
    }

    /// Whether `re` (pattern `pattern` of scan `scan`, when it has one) occurs in `text`. A scan is
    /// searched once per record for all its patterns; its subject is a record-level node, so the
    /// text is the same whenever a rule asks during this record.
    bool search(const value& text, const RE2& re, std::uint32_t scan, std::uint32_t pattern) {
        const re2::StringPiece piece(text.text, text.size);
        if (scan == none) return RE2::PartialMatch(piece, re);
        scan_memo& s = scans[scan];
        if (s.generation != generation) {
            s.generation = generation;
            run_scan(set.scans[scan], s, piece);
        }
        return s.ok ? s.found[pattern] != 0 : RE2::PartialMatch(piece, re);
    }

    // Finds every pattern of `scan` in `text` (see eval::text_scan).
    void run_scan(const eval::text_scan& scan, scan_memo& s, re2::StringPiece text) {
        if (!s.built) {
            s.built = true;
            if (!scan.always.empty()) s.always = scan.build_always();
            s.alone.resize(scan.patterns.size());
            s.found.resize(scan.patterns.size());
        }
        std::fill(s.found.begin(), s.found.end(), std::uint8_t{0});
        scan_atoms.clear();
        scan.needles.find({text.data(), text.size()}, [&](std::uint32_t needle) {
            for (const eval::text_scan::needle_use& use : scan.uses[needle]) {
                if (use.pattern != none)
                    s.found[use.pattern] = 1;
                else
                    scan_atoms.push_back(static_cast<int>(use.atom));
            }
        });
        if (!scan_atoms.empty()) {
            // Each atom found once, however often it occurs.
            std::sort(scan_atoms.begin(), scan_atoms.end());
            scan_atoms.erase(std::unique(scan_atoms.begin(), scan_atoms.end()), scan_atoms.end());
            scan.prefilter->AllPotentials(scan_atoms, &scan_hits);
            for (const int r : scan_hits) {
                const auto i = static_cast<std::size_t>(r);
                if (scan.filtered_in_always[i]) continue;
                const std::uint32_t p = scan.filtered[i];
                if (!s.alone[p]) s.alone[p] = scan.build_one(p);
                s.found[p] = RE2::PartialMatch(text, *s.alone[p]) ? 1 : 0;
            }
        }
        s.ok = true;
        if (s.always) {
            scan_hits.clear();
            RE2::Set::ErrorInfo error{};
            s.ok = s.always->Match(text, &scan_hits, &error) || error.kind == RE2::Set::kNoError;
            for (const int hit : scan_hits) s.found[scan.always[static_cast<std::size_t>(hit)]] = 1;
        }
    }

    [[gnu::noinline]] value eval_quantifier(const node& x, std::uint32_t n) {
        value range = eval(x.a);
        if (range.k == kind::unknown) return range;
        if (range.k != kind::list) {
            fault(n, eval::fault::range_kind, range.k);
            return value::unknown();
        }
        if (x.b == none) return value::num(range.size);  // `count x in list`
        if (x.d != none) {  // `any p in [phrases]: t contains p`: one search when t is a text
            const value within = eval(nodes[x.b].a);
            if (within.k == kind::text) {
                const eval::phrase_set& p = set.phrase_sets[x.d];
                const bool found = search(within, *p.re, p.scan, p.pattern);
                return value::boolean(found == (x.code == op::any));
            }
        }
        // `e in [...]` or `e == c` of the element itself, the common body, is answered here.
        const node& body = nodes[x.b];
        const bool compares_element =
            (body.code == op::eq_const || body.code == op::ne_const || body.code == op::in_const ||
             body.code == op::not_in_const) &&
            nodes[body.a].code == op::variable && nodes[body.a].a == x.c;
        bool unknown = false;
        std::uint32_t trues = 0;
        for (std::uint32_t i = 0; i < range.size; ++i) {
            tri t;
            if (compares_element) {
                t = compare_element(body, range.items[i]);
            } else {
                variables[x.c] = range.items[i];
                t = truth(eval(x.b), x.b);
            }
            if (t == tri::unknown) {
                unknown = true;
                continue;
            }
            switch (x.code) {
                case op::any:
                    if (t == tri::true_) return value::boolean(true);
                    break;
                case op::none_:
                    if (t == tri::true_) return value::boolean(false);
                    break;
                case op::all:
                    if (t == tri::false_) return value::boolean(false);
                    break;
                default:
                    if (t == tri::true_) ++trues;
                    break;
            }
        }
        if (unknown) return value::unknown();
        switch (x.code) {
            case op::any: return value::boolean(false);
            case op::none_:
            case op::all: return value::boolean(true);
            default: return value::num(trues);
        }
    }

    // What eq_const, ne_const, in_const or not_in_const node `body` answers when its operand, a
    // quantifier's variable, is `item`.
    tri compare_element(const node& body, const value& item) {
        if (item.k == kind::unknown) {
            const std::uint32_t schema = nodes[body.a].c;
            if (schema != none) absent.push_back(schema);
            return tri::unknown;
        }
        const value& c = set.constants[body.b];
        bool found = false;
        if (body.code == op::eq_const || body.code == op::ne_const) {
            found = same_scalar(item, c);
        } else {
            for (std::uint32_t i = 0; i < c.size && !found; ++i) found = same_scalar(item, c.items[i]);
        }
        return truth_of(found == (body.code == op::eq_const || body.code == op::in_const));
    }

    // ----- rules ------------------------------------------------------------------------------

    [[gnu::always_inline]] tri clause(std::uint32_t n) { return truth(eval(n), n); }

    [[gnu::always_inline]] tri evaluate(const eval::compiled_rule& r) {
        const tri triggered = trigger(r);
        if (triggered == tri::false_) return tri::false_;
        const std::size_t mark = absent.size();
        tri broken = tri::false_;
        for (const eval::obligation& o : r.obligations) {
            tri t = clause(o.node);
            if (!o.forbid) t = not3(t);
            if (t == tri::true_) {
                broken = tri::true_;
                break;
            }
            if (t == tri::unknown) broken = tri::unknown;
        }
        if (broken == tri::false_) return tri::false_;
        if (broken == tri::true_) absent.resize(mark);
        if (triggered == tri::true_ && broken == tri::true_) return tri::true_;
        return tri::unknown;
    }

    /// A rule's trigger: every `when` holds and no `unless` does.
    [[gnu::always_inline]] tri trigger(const eval::compiled_rule& r) {
        absent.clear();
        errors.clear();
        tri when = tri::true_;
        for (std::uint32_t n : r.when) {
            tri t = clause(n);
            if (t == tri::false_) return tri::false_;
            if (t == tri::unknown) when = tri::unknown;
        }
        for (std::uint32_t n : r.unless) {
            tri t = clause(n);
            if (t == tri::true_) return tri::false_;
            if (t == tri::unknown) when = tri::unknown;
        }
        return when;
    }

    /// Whether the record falls in the rule's effective period; unknown without a valid timestamp.
    tri in_period(const eval::compiled_rule& r) {
        absent.clear();
        errors.clear();
        const std::optional<double>& t = record_time_for(none);
        if (!t) return tri::unknown;
        return truth_of(*t >= r.from && *t < r.until);
    }

    /// What a rule of a policy with a period found on a record that may lie outside the period:
    /// nothing when it holds (it holds either way), else undetermined, for the record's time as
    /// well as for whatever the rule itself could not read. A rule broken on this record says
    /// only the time is open.
    tri outside_unknown(tri found) {
        if (found == tri::false_) return found;
        if (found == tri::true_) {
            absent.clear();
            errors.clear();
        }
        (void)record_time_for(none);
        return tri::unknown;
    }

    /// A rule with `then` on this turn: first the obligation it has open, if any, takes this turn
    /// (and may close with a finding); then, when none is open, the trigger may open one. Findings
    /// are appended to `out`.
    void deferred_turn(const eval::compiled_rule& r, std::vector<finding>& out) {
        const eval::deferred_rule& d = r.then_;
        eval::obligation_state& o = st->obligations[d.slot];
        if (o.open) {
            absent.clear();
            errors.clear();
            const tri filter = d.filter == none ? tri::true_ : clause(d.filter);
            tri closed = tri::false_;  // the outcome when the obligation closes on this turn
            bool closes = false;
            if (filter == tri::true_) {
                ++o.counted;
                const tri met = clause(d.condition);
                if (met == tri::true_) {
                    closes = true;
                    closed = d.forbid ? tri::true_ : tri::false_;
                } else if (met == tri::unknown) {
                    o.uncertain = true;
                    remember_absent(o.missing);
                }
                if (!closes && o.counted >= d.turns) {
                    closes = true;
                    closed = o.uncertain ? tri::unknown : (d.forbid ? tri::false_ : tri::true_);
                }
            } else if (filter == tri::unknown) {
                // Not counted: it may or may not be a window turn. It can only make the end uncertain.
                if (d.forbid && clause(d.condition) == tri::false_) {
                    // a forbid that cannot have been broken on this turn
                } else {
                    o.uncertain = true;
                    remember_absent(o.missing);
                }
            }
            if (closes) {
                o.open = false;
                if (closed != tri::false_) {
                    if (closed == tri::unknown) {
                        absent.assign(o.missing.schema.begin(), o.missing.schema.begin() + o.missing.size);
                    }
                    make_finding(r, closed, out);
                }
            }
        }
        if (o.open) return;  // a trigger while an obligation is open opens no other
        const tri in = r.limited ? in_period(r) : tri::true_;
        if (in == tri::false_) return;
        // A trigger on a record that may lie outside the period opens nothing: it is undetermined.
        const tri t = in == tri::true_ ? trigger(r) : outside_unknown(trigger(r));
        if (t == tri::true_) {
            o = eval::obligation_state{};
            o.open = true;
        } else if (t == tri::unknown) {
            make_finding(r, tri::unknown, out);
        }
    }

    template <std::size_t N>
    void remember_absent(eval::missing_paths<N>& into) {
        mark_disallowed(absent.data(), absent.data() + absent.size());
        into.add(absent.data(), absent.data() + absent.size());
    }

    /// The findings of the obligations still open when the conversation ends, without a record.
    void finish(rule_state::data& state, std::vector<finding>& out) {
        st = &state;
        mem.reset();
        root = empty_root.data();
        begin_record();
        for (const eval::compiled_rule& r : set.rules) {
            if (!r.deferred) continue;
            eval::obligation_state& o = state.obligations[r.then_.slot];
            if (!o.open) continue;
            o.open = false;
            const tri result = o.uncertain ? tri::unknown : (r.then_.forbid ? tri::false_ : tri::true_);
            if (result == tri::false_) continue;
            absent.assign(o.missing.schema.begin(), o.missing.schema.begin() + o.missing.size);
            errors.clear();
            make_finding(r, result, out);
        }
    }

    void begin_record() {
        if (++generation == 0) {  // wrapped: forget every memo explicitly once
            for (memo_entry& m : memos) m.generation = 0;
            for (scan_memo& m : scans) m.generation = 0;
            time_generation = 0;
            generation = 1;
        }
        memo_absent.clear();
        memo_errors.clear();
    }

    // ----- findings ---------------------------------------------------------------------------

    value at_path(std::uint32_t schema) const {
        std::uint32_t chain[64];
        std::uint32_t depth = 0;
        for (std::uint32_t s = schema; s != 0 && depth < 64; s = set.schema[s].parent) chain[depth++] = s;
        value v;
        for (std::uint32_t i = depth; i-- > 0;) {
            const eval::schema_node& s = set.schema[chain[i]];
            if (i + 1 == depth) {
                v = root[s.position];
            } else {
                if (v.k != kind::object || s.position >= v.size) return value::unknown();
                v = v.items[s.position];
            }
        }
        return as_given(v);
    }

    /// A value as the record gave it: what it holds in place of one its schema does not allow.
    /// Evidence and decisions show what the record says.
    value as_given(const value& v) const { return v.is_disallowed() ? record_disallowed()[v.size].given : v; }

    std::string describe(const error_note& e) const {
        if (e.what == eval::fault::timestamp_format) {
            if (e.k1 == kind::text) return "the record's `timestamp` is not an RFC 3339 time";
            return "the record's `timestamp` is " + std::string(eval::kind_name_a(e.k1)) + ", not an RFC 3339 time";
        }
        const node& x = nodes[e.node];
        std::string sym(op_symbol(x.code));
        std::string k1(eval::kind_name_a(e.k1));
        std::string k2(eval::kind_name_a(e.k2));
        switch (e.what) {
            case eval::fault::compare_kinds: return "`" + sym + "` compares " + k1 + " with " + k2;
            case eval::fault::arithmetic_kinds:
                if (x.code == op::add) return "`+` needs two numbers, two texts or two lists, got " + k1 + " and " + k2;
                return "`" + sym + "` needs two numbers, got " + k1 + " and " + k2;
            case eval::fault::negate_kind: return "`-` needs a number, got " + k1;
            case eval::fault::division_by_zero: return "division by zero";
            case eval::fault::modulo_by_zero: return "modulo by zero";
            case eval::fault::select_kind:
                return "cannot read field `" + (e.detail != none ? set.schema[e.detail].name : std::string("?")) +
                       "` of " + k1;
            case eval::fault::index_kind: return "cannot index " + k1 + ", only a list";
            case eval::fault::index_not_integral: {
                if (e.k1 != kind::number) return "a list index must be a whole number, got " + k1;
                std::string num;
                eval::render_number(e.number, num);
                return "a list index must be a whole number, got " + num;
            }
            case eval::fault::not_condition: return "expected a condition, got " + k1;
            case eval::fault::function_kind:
                if (x.code == op::length) return "`length` expects a text or a list, got " + k1;
                return "`" + sym + "` expects a text, got " + k1;
            case eval::fault::range_kind: return "`" + sym + "` ranges over a list, got " + k1;
            case eval::fault::membership_kind:
                if (e.k1 == kind::text) {
                    return "`" + sym + "` on a text needs a text to look for, got " + k2;
                }
                return e.detail == 1 ? "`contains` needs a list or a text on the left, got " + k1
                                     : "`" + sym + "` needs a list or a text on the right, got " + k1;
            case eval::fault::text_kind:
                if (x.code == op::matches) return "`matches` needs a text, got " + k1;
                return "`" + sym + "` needs two texts, got " + k1 + " and " + k2;
            case eval::fault::history_kind: return "`previous` keeps numbers, texts and conditions, got " + k1;
            case eval::fault::window_full:
                return "`count_within` remembers " + std::to_string(max_window_entries) +
                       " turns, and more of them fell in this window";
            case eval::fault::timestamp_format: return "the record's `timestamp` is not an RFC 3339 time";
        }
        return "run-time error";
    }

    // The note with the place its node is written: in `rule` when the rule writes it (a node
    // shared with an earlier rule keeps that rule's place).
    std::string located(const error_note& e, const eval::compiled_rule* rule) const {
        if (e.node == none) return describe(e);
        span where = nodes[e.node].where;
        if (rule != nullptr) {
            for (const auto& [node, here] : rule->written_here) {
                if (node == e.node) where = here;
            }
        }
        const source_map& sources = *set.checked.sources;
        std::string out;
        if (where.file < sources.size()) out = sources.position(where) + ": ";
        return out + describe(e);
    }

    // A decision's findings are kept for the next one, so that a finding costs no allocation once
    // the buffers of its strings have grown.
    void recycle(std::vector<finding>& findings) {
        for (finding& f : findings) spare.push_back(std::move(f));
        findings.clear();
    }

    // Makes `text` the list's string number `n` (and counts it) unless one of the first `n` is
    // already it; the string in that place keeps its buffer: a recycled finding reuses the paths
    // an earlier finding named, most longer than a short string holds.
    static void add_distinct(std::vector<std::string>& list, std::size_t& n, const std::string& text) {
        const auto end = list.begin() + static_cast<std::ptrdiff_t>(n);
        if (std::find(list.begin(), end, text) != end) return;
        if (n < list.size())
            list[n] = text;
        else
            list.push_back(text);
        ++n;
    }

    finding& new_finding(std::vector<finding>& out) {
        if (spare.empty()) return out.emplace_back();
        finding& f = out.emplace_back(std::move(spare.back()));
        spare.pop_back();
        f.message.clear();
        f.placeholders.clear();
        f.errors.clear();  // `missing` is overwritten in place by make_finding
        f.remedies.clear();
        return f;
    }

    /// What the absent reads (for an unknown `result`) and the run-time errors noted since the rule
    /// or clause began name: distinct paths into `missing` (overwritten in place, keeping its
    /// strings' buffers), distinct located errors added to `errs`.
    [[gnu::always_inline]] void name_unknowns(tri result, std::vector<std::string>& missing,
                                              std::vector<std::string>& errs, const eval::compiled_rule* rule) {
        std::size_t n = 0;
        const auto add_error = [&errs](std::string text) {
            if (std::find(errs.begin(), errs.end(), text) == errs.end()) errs.push_back(std::move(text));
        };
        if (result == tri::unknown) {
            const bool any_disallowed = !record_disallowed().empty();
            for (const std::uint32_t noted : absent) {
                const std::uint32_t s = noted & ~disallowed_earlier;
                const eval::disallowed_value* d = any_disallowed ? disallowed_on_path(s) : nullptr;
                if (d != nullptr)
                    add_error(describe_disallowed(*d));
                else if (noted != s)
                    add_error(describe_disallowed_earlier(s));
                else
                    add_distinct(missing, n, set.schema[s].path);
            }
        }
        missing.resize(n);
        for (const error_note& e : errors) add_error(located(e, rule));
    }

    /// The values of the record being decided its schema does not allow; none at the end of a
    /// conversation (finish()), which judges a record without fields.
    std::span<const eval::disallowed_value> record_disallowed() const {
        if (root != projector.root()) return {};
        return projector.disallowed();
    }

    /// The value the record gives at schema node `s`, or on the way to it, that its schema does
    /// not allow: the first of them, when several elements of a list have one.
    const eval::disallowed_value* disallowed_on_path(std::uint32_t s) const {
        for (; s != none; s = set.schema[s].parent) {
            for (const eval::disallowed_value& d : record_disallowed()) {
                if (d.schema == s) return &d;
            }
        }
        return nullptr;
    }

    std::string describe_disallowed(const eval::disallowed_value& d) const {
        const eval::schema_node& s = set.schema[d.schema];
        std::string out = "the record's `" + s.path + "` is ";
        constexpr std::size_t shown = 60;  // bytes of the value; a long text is cut short
        std::string given;
        eval::append_json(d.given, given);
        if (given.size() > shown) {
            std::size_t cut = shown;
            while (cut > 0 && (static_cast<unsigned char>(given[cut]) & 0xC0) == 0x80) --cut;
            given.resize(cut);
            given += "…";
        }
        return out + given + "; its schema allows " + s.allowed.wording;
    }

    /// The state keeps no values: the earlier turn's value is not shown.
    std::string describe_disallowed_earlier(std::uint32_t s) const {
        const eval::schema_node& node = set.schema[s];
        return "an earlier turn's `" + node.path + "` was a value its schema does not allow; it allows " +
               node.allowed.wording;
    }

    void make_finding(const eval::compiled_rule& r, tri result, std::vector<finding>& out) {
        finding& f = new_finding(out);
        f.policy = r.policy;
        f.policy_version = r.policy_version;
        f.rule = r.name;
        f.severity = r.severity;
        f.result = result == tri::true_ ? outcome::violation : outcome::undetermined;
        f.rule_index = static_cast<std::uint32_t>(&r - set.rules.data());

        name_unknowns(result, f.missing, f.errors, &r);

        // r.evidence is sorted by path, the order of a JSON object's keys in nlohmann::json.
        f.evidence.clear();
        for (std::size_t i = 0; i < r.evidence.size(); ++i) {
            value v = at_path(r.evidence[i]);
            if (v.k == kind::unknown) continue;
            f.evidence += f.evidence.empty() ? '{' : ',';
            f.evidence += r.evidence_keys[i];
            eval::append_json(v, f.evidence);
        }
        if (!f.evidence.empty()) f.evidence += '}';

        if (result == tri::unknown) {
            // The rule's own message states a violation; an undetermined finding says what is open.
            f.message += "cannot decide `";
            f.message += r.fallback_message;
            f.message += '`';
            if (!f.missing.empty()) {
                f.message += ": absent ";
                for (std::size_t i = 0; i < f.missing.size(); ++i) {
                    if (i) f.message += ", ";
                    f.message += f.missing[i];
                }
            } else if (!f.errors.empty()) {
                f.message += ": ";
                f.message += f.errors.front();
            }
        } else if (r.message.empty()) {
            f.message += r.fallback_message;
        } else {
            // Placeholders may read more fields; what they find absent does not change the outcome.
            const std::size_t absent_mark = absent.size();
            const std::size_t errors_mark = errors.size();
            for (const eval::message_part& p : r.message) {
                if (p.node == none) {
                    f.message += p.text;
                    continue;
                }
                const auto begin = static_cast<std::uint32_t>(f.message.size());
                eval::render(eval(p.node), f.message);
                f.placeholders.emplace_back(begin, static_cast<std::uint32_t>(f.message.size()));
            }
            absent.resize(absent_mark);
            errors.resize(errors_mark);
        }
        if (result == tri::true_) f.remedies = r.remedies;
    }

    void carry_fields(std::vector<std::string>& out) const {
        out.resize(set.carried.size());
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i].clear();
            const value v = at_path(set.carried[i]);
            if (v.k == kind::unknown)
                out[i] = "null";
            else
                eval::append_json(v, out[i]);
        }
    }

    static void set_json(nlohmann::json& j, const value& v) {
        if (v.k == kind::text && j.is_string()) {
            j.get_ref<std::string&>().assign(v.text, v.size);  // keeps the string's capacity
        } else {
            j = eval::to_json(v);
        }
    }

    /// Decides one turn; `conversation` is the state of its conversation, or null when the set
    /// keeps none.
    bool decide_turn(record_text record, rule_state::data* conversation, decision& out, std::string& error) {
        const std::uint64_t began = profiling != nullptr ? profile_ticks() : 0;
        mem.reset();
        recycle(out.findings);
        out.kind = decision_kind::allow;
        const bool read = projector.project(record.json, record.padded, mem, error);
        if (profiling != nullptr) [[unlikely]]
            took(profiling->read, began);
        if (!read) {
            root = nullptr;  // no record decided: nothing for schema_breaches() to describe
            out.record_id = nullptr;
            out.conversation_id = nullptr;
            out.meta.clear();
            out.carried.clear();
            return false;
        }
        root = projector.root();
        st = conversation;
        begin_record();
        set_json(out.record_id, as_given(root[set.id_slot]));
        set_json(out.conversation_id, as_given(root[set.conversation_id_slot]));
        out.meta.assign(projector.meta_text());  // a copy of its bytes: cheaper than writing it again
        if (!set.carried.empty()) carry_fields(out.carried);
        if (out.policy_hash != set.checked.hash) out.policy_hash = set.checked.hash;
        judge_every_rule(out);
        out.kind = combined_decision(out.findings);
        // Before the state advances: the conversation functions read the earlier turns only.
        if (explaining != nullptr) [[unlikely]]
            explain_rules(*explaining, out.findings);
        if (set.versioned && !record_time()) [[unlikely]]
            drop_repeated_versions(out.findings);
        if (st != nullptr) {
            const std::uint64_t advancing = profiling != nullptr ? profile_ticks() : 0;
            advance();
            if (profiling != nullptr) [[unlikely]]
                took(profiling->state, advancing);
        }
        return true;
    }

    /// A record without a usable time cannot be placed in one version of a policy, so each version
    /// judges it; where a later version says what an earlier one said (undetermined alike, with
    /// the same severity and remedies), the finding of the version loaded first stands for both,
    /// and the record counts once per rule, as a record placed in time does.
    void drop_repeated_versions(std::vector<finding>& findings) {
        const auto repeats = [&](const finding& earlier, const finding& f) {
            return earlier.result == outcome::undetermined && earlier.policy == f.policy && earlier.rule == f.rule &&
                   earlier.policy_version != f.policy_version && earlier.severity == f.severity &&
                   earlier.message == f.message && earlier.missing == f.missing && earlier.errors == f.errors &&
                   set.rules[earlier.rule_index].remedies == set.rules[f.rule_index].remedies;
        };
        std::size_t kept = 0;
        for (std::size_t i = 0; i < findings.size(); ++i) {
            const finding& f = findings[i];
            const bool repeat = f.result == outcome::undetermined &&
                                std::any_of(findings.begin(), findings.begin() + static_cast<std::ptrdiff_t>(kept),
                                            [&](const finding& e) { return repeats(e, f); });
            if (repeat) {
                spare.push_back(std::move(findings[i]));
                continue;
            }
            if (kept != i) findings[kept] = std::move(findings[i]);
            ++kept;
        }
        findings.resize(kept);
    }

    void judge_every_rule(decision& out) {
        if (profiling != nullptr) [[unlikely]]
            return set.special_rules ? judge_rules<true, true>(out) : judge_rules<false, true>(out);
        return set.special_rules ? judge_rules<true, false>(out) : judge_rules<false, false>(out);
    }

    void took(evaluation_profile::cost& c, std::uint64_t since) const {
        ++c.times;
        c.ticks += profile_ticks() - since;
    }

    // ----- explanations -----------------------------------------------------------------------

    // Which obligations of `conversation` are open before its next turn (none without one).
    void note_open_obligations(const rule_state::data* conversation) {
        open_before.assign(set.deferred_rules, 0);
        if (conversation == nullptr) return;
        for (std::size_t i = 0; i < open_before.size(); ++i) open_before[i] = conversation->obligations[i].open ? 1 : 0;
    }

    [[gnu::cold]] void explain_rules(std::vector<rule_explanation>& why, const std::vector<finding>& findings) {
        why.clear();
        for (const eval::compiled_rule& r : set.rules) {
            rule_explanation& e = why.emplace_back();
            e.policy = r.policy;
            e.policy_version = r.policy_version;
            e.rule = r.name;
            for (std::size_t i = 0; i < r.when.size(); ++i) explain_clause(e, r, "when", r.when[i], r.when_sources[i]);
            for (std::size_t i = 0; i < r.unless.size(); ++i)
                explain_clause(e, r, "unless", r.unless[i], r.unless_sources[i]);
            for (std::size_t i = 0; i < r.obligations.size(); ++i) {
                const eval::obligation& o = r.obligations[i];
                explain_clause(e, r, o.forbid ? "forbid" : "require", o.node, r.obligation_sources[i]);
            }
            if (r.deferred) {
                const eval::deferred_rule& d = r.then_;
                if (d.filter != none) explain_clause(e, r, "where", d.filter, d.filter_source);
                explain_clause(e, r, d.forbid ? "forbid" : "require", d.condition, d.condition_source);
                e.result = deferred_result(r, findings);
            } else {
                e.result = explained_result(r);
            }
        }
    }

    // A rule with `then` on this turn: an obligation it closed here (met: pass; broken or left
    // open: its finding's outcome), one that is open after it, or none.
    std::string deferred_result(const eval::compiled_rule& r, const std::vector<finding>& findings) {
        const auto index = static_cast<std::uint32_t>(&r - set.rules.data());
        for (const finding& f : findings) {
            if (f.rule_index == index) return std::string(outcome_name(f.result));
        }
        const std::uint32_t slot = r.then_.slot;
        if (st != nullptr && st->obligations[slot].open) return "obligation_open";
        if (open_before[slot] != 0) return "pass";
        if (r.limited && in_period(r) == tri::false_) return "not_in_effect";
        return "not_applicable";
    }

    void explain_clause(rule_explanation& e, const eval::compiled_rule& rule, const char* kind, std::uint32_t n,
                        const eval::clause_source& source) {
        absent.clear();
        errors.clear();
        const tri t = clause(n);
        clause_explanation& c = e.clauses.emplace_back();
        c.clause = kind;
        c.text = one_line(set.checked.sources->text(source.where));
        if (t != tri::unknown) c.value = t == tri::true_;
        name_unknowns(t, c.missing, c.errors, &rule);
        std::vector<std::uint32_t> explained;
        explain_definitions(source.definitions, explained, c.definitions);
    }

    // The definitions a part (or a definition) names, each once per part: a definition that several
    // others name is explained where first named (definitions that each name the one before twice
    // would otherwise double the account at every level).
    void explain_definitions(const std::vector<std::uint32_t>& named, std::vector<std::uint32_t>& explained,
                             std::vector<definition_explanation>& out) {
        for (const std::uint32_t index : named) {
            const eval::definition_source& d = set.definitions[index];
            if (d.constant || std::find(explained.begin(), explained.end(), index) != explained.end()) continue;
            explained.push_back(index);
            absent.clear();
            errors.clear();
            const value v = eval(d.node);
            definition_explanation& x = out.emplace_back();
            x.name = d.name;
            x.text = one_line(set.checked.sources->text(d.where));
            x.value = eval::to_json(v);
            name_unknowns(v.k == kind::unknown ? tri::unknown : tri::true_, x.missing, x.errors, nullptr);
            explain_definitions(d.definitions, explained, x.definitions);
        }
    }

    // The rule's result on this record, as judge_rules() found it.
    std::string explained_result(const eval::compiled_rule& r) {
        const tri in = r.limited ? in_period(r) : tri::true_;
        if (in == tri::false_) return "not_in_effect";
        if (trigger(r) == tri::false_) return "not_applicable";
        const tri result = evaluate(r);
        switch (in == tri::true_ ? result : outside_unknown(result)) {
            case tri::true_:
                return "violation";
            case tri::false_:
                return "pass";
            default:
                return "undetermined";
        }
    }

    // A clause part as written, on one line: a line break with the blanks around it becomes one
    // space and a comment is left out, while the text of a string stays as it is. A string ends on
    // its line; a raw string (r"...") has no escapes.
    static std::string one_line(std::string_view text) {
        std::string out;
        char quote_kind = 0;  // inside a string: '"', or 'r' for a raw one
        bool escaped = false;
        const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (quote_kind != 0) {
                out += c;
                if (escaped)
                    escaped = false;
                else if (c == '\\' && quote_kind == '"')
                    escaped = true;
                else if (c == '"')
                    quote_kind = 0;
                continue;
            }
            const bool comment = c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/');
            if (comment) {
                while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
                continue;
            }
            if (c == '\n') {
                while (!out.empty() && blank(out.back())) out.pop_back();
                while (i + 1 < text.size() && blank(text[i + 1])) ++i;
                if (!out.empty() && i + 1 < text.size()) out += ' ';
                continue;
            }
            if (c == '"') {
                const bool raw = !out.empty() && out.back() == 'r' &&
                                 (out.size() == 1 || !(std::isalnum(static_cast<unsigned char>(out[out.size() - 2])) ||
                                                       out[out.size() - 2] == '_'));
                quote_kind = raw ? 'r' : '"';
            }
            out += c;
        }
        while (!out.empty() && blank(out.back())) out.pop_back();
        return out;
    }

    /// Judges every rule in order, adding findings to `out`. `Special`: the set has rules with
    /// `then` or an effective period (a set without them runs the plain loop). `Profile`: each
    /// rule's time is added to `profiling`.
    template <bool Special, bool Profile>
    void judge_rules(decision& out) {
        // One reading of the clock between two rules: each rule's time ends where the next begins.
        std::uint64_t last = Profile ? profile_ticks() : 0;
        evaluation_profile::cost* cost = Profile ? profiling->rules.data() : nullptr;
        for (const eval::compiled_rule& r : set.rules) {
            judge_rule<Special>(r, out.findings);
            if constexpr (Profile) {
                const std::uint64_t now = profile_ticks();
                cost->times++;
                cost->ticks += now - last;
                ++cost;
                last = now;
            }
        }
    }

    template <bool Special>
    [[gnu::always_inline]] void judge_rule(const eval::compiled_rule& r, std::vector<finding>& out) {
        if constexpr (Special) {
            if (r.special) return special_rule(r, out);
        }
        const tri result = evaluate(r);
        if (result != tri::false_) make_finding(r, result, out);
    }

    /// A rule with `then`, or of a policy with an effective period.
    [[gnu::noinline]] void special_rule(const eval::compiled_rule& r, std::vector<finding>& out) {
        if (r.deferred) {
            deferred_turn(r, out);
            return;
        }
        const tri in = in_period(r);
        if (in == tri::false_) return;
        const tri result = in == tri::true_ ? evaluate(r) : outside_unknown(evaluate(r));
        if (result != tri::false_) make_finding(r, result, out);
    }

    /// decide() of the record alone (`conversation` null) or decide_turn() of a turn of a
    /// conversation, explaining every rule into `why`.
    bool explain(record_text record, rule_state::data* conversation, decision& out, std::vector<rule_explanation>& why,
                 std::string& error) {
        struct reset {
            std::vector<rule_explanation>*& target;
            ~reset() { target = nullptr; }
        } done{explaining};
        explaining = &why;
        why.clear();
        note_open_obligations(conversation);  // decide() starts the record's own conversation: none open
        if (conversation ? decide_turn(record, conversation, out, error) : decide(record, out, error)) return true;
        why.clear();
        return false;
    }

    /// decide() without a state: a conversation of this one turn.
    bool decide(record_text record, decision& out, std::string& error) {
        if (!set.conversational()) return decide_turn(record, nullptr, out, error);
        if (!scratch) scratch = std::make_unique<rule_state::data>(set);
        else scratch->reset();
        if (!decide_turn(record, scratch.get(), out, error)) return false;
        const std::size_t before = out.findings.size();
        finish(*scratch, out.findings);
        if (out.findings.size() != before) out.kind = combined_decision(out.findings);
        return true;
    }

    /// The state's data, created for this set when the state is empty.
    rule_state::data& bind(std::unique_ptr<rule_state::data>& state) const {
        if (!state) state = std::make_unique<rule_state::data>(set);
        if (state->set != &set) throw std::invalid_argument("this rule_state belongs to another compiled policy set");
        return *state;
    }
};

decision_kind combined_decision(const std::vector<finding>& findings, undetermined_as counted) {
    const bool undetermined_counts = counted == undetermined_as::violation;
    bool remedies = false;
    for (const finding& f : findings) {
        if (f.result != outcome::violation && !(undetermined_counts && f.result == outcome::undetermined)) continue;
        for (const remedy_out& r : f.remedies) {
            if (std::string_view(r.kind) == "block") return decision_kind::deny;  // lengths first
            remedies = true;
        }
    }
    return remedies ? decision_kind::allow_with_remedies : decision_kind::allow;
}

void count_undetermined_as(undetermined_as counted, const compiled_set& set, decision& d) {
    if (counted == undetermined_as::pass) return;
    for (finding& f : d.findings) {
        if (f.result == outcome::undetermined) f.remedies = set.rules.at(f.rule_index).remedies;
    }
    d.kind = combined_decision(d.findings, counted);
}

evaluator::evaluator(std::shared_ptr<const compiled_set> set) : m_impl(std::make_unique<impl>(std::move(set))) {}
evaluator::~evaluator() = default;
evaluator::evaluator(evaluator&&) noexcept = default;
evaluator& evaluator::operator=(evaluator&&) noexcept = default;

bool evaluator::decide(std::string_view json, decision& out, std::string& error) {
    return decide(record_text{json}, out, error);
}

bool evaluator::decide(record_text record, decision& out, std::string& error) {
    return m_impl->decide(record, out, error);
}

bool evaluator::decide(std::string_view json, rule_state& state, decision& out, std::string& error) {
    return decide(record_text{json}, state, out, error);
}

bool evaluator::decide(record_text record, rule_state& state, decision& out, std::string& error) {
    rule_state::data& data = m_impl->bind(state.m);
    return m_impl->decide_turn(record, &data, out, error);
}

bool evaluator::explain(std::string_view json, decision& out, std::vector<rule_explanation>& why, std::string& error) {
    return m_impl->explain(record_text{json, false}, nullptr, out, why, error);
}

bool evaluator::explain(std::string_view json, rule_state& state, decision& out, std::vector<rule_explanation>& why,
                        std::string& error) {
    rule_state::data& data = m_impl->bind(state.m);
    return m_impl->explain(record_text{json, false}, &data, out, why, error);
}

void evaluator::finish(rule_state& state, std::vector<finding>& out) {
    rule_state::data& data = m_impl->bind(state.m);
    if (data.obligations.empty()) return;
    m_impl->finish(data, out);
}

void evaluator::profile(evaluation_profile* into) {
    impl& m = *m_impl;
    m.profiling = into;
    if (into == nullptr) return;
    if (m.memo_definition.empty()) m.memo_definition = memo_definitions(m.set);
    into->rules.resize(std::max(into->rules.size(), m.set.rules.size()));
    into->definitions.resize(std::max(into->definitions.size(), m.set.definitions.size()));
}

rule_state evaluator::new_state() const {
    rule_state state;
    (void)m_impl->bind(state.m);
    return state;
}

bool is_conversational(const compiled_set& set) { return set.conversational(); }

// ---------------------------------------------------------------------------------- rule_state

rule_state::rule_state() = default;
rule_state::~rule_state() = default;
rule_state::rule_state(const rule_state& other) : m(other.m ? std::make_unique<data>(*other.m) : nullptr) {}
rule_state& rule_state::operator=(const rule_state& other) {
    if (this != &other) m = other.m ? std::make_unique<data>(*other.m) : nullptr;
    return *this;
}
rule_state::rule_state(rule_state&& other) noexcept = default;
rule_state& rule_state::operator=(rule_state&& other) noexcept = default;

std::uint64_t rule_state::turns() const { return m ? m->turns : 0; }

void rule_state::reset() {
    if (m) m->reset();
}

bool rule_state::has_open_obligations() const {
    return m && std::any_of(m->obligations.begin(), m->obligations.end(),
                            [](const eval::obligation_state& o) { return o.open; });
}

std::size_t rule_state::memory_bytes() const {
    if (!m) return sizeof(rule_state);
    std::size_t bytes = sizeof(rule_state) + sizeof(data);
    bytes += m->trackers.capacity() * sizeof(eval::tracker_state);
    bytes += m->rings.capacity();
    for (const std::string& t : m->texts) bytes += sizeof(std::string) + (t.capacity() > 15 ? t.capacity() : 0);
    for (const eval::time_window& w : m->windows) bytes += sizeof(w) + w.entries.size() * sizeof(eval::timed_entry);
    bytes += m->obligations.capacity() * sizeof(eval::obligation_state);
    return bytes;
}

bool reads_as_record_json(std::string_view json, std::string& error, std::size_t enclosing_levels) {
    return eval::projector::read_whole(json, error, enclosing_levels);
}

std::vector<std::string> evaluator::schema_breaches() const {
    std::vector<std::string> out;
    for (const eval::disallowed_value& d : m_impl->record_disallowed()) {
        std::string text = m_impl->describe_disallowed(d);
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
    }
    return out;
}

bool evaluator::parse_only(std::string_view json, std::string& error) {
    return m_impl->projector.iterate_only(json, error);
}

bool evaluator::project_only(std::string_view json, std::string& error) {
    return project_only(record_text{json}, error);
}

bool evaluator::project_only(record_text record, std::string& error) {
    m_impl->mem.reset();
    m_impl->root = nullptr;  // projected, not decided
    return m_impl->projector.project(record.json, record.padded, m_impl->mem, error);
}

const compiled_set& evaluator::policies() const { return m_impl->set; }

}  // namespace vigil
