// The evaluator: projects a record, walks the compiled nodes with three-valued logic, and builds
// findings for the rules that do not pass.
//
// Where unknown comes from: every read that finds a field absent (or null) appends the field's
// schema node to `m_absent`. Whenever a node's value turns out known, everything its subtree
// appended is dropped again (a known value cannot depend on the unknown parts: `false and x`,
// `exists(x)`, `x default v`, `any` with a true element). So when a rule ends undetermined,
// `m_absent` holds exactly the absent paths that left it open. This costs a size comparison per
// node; the paths are only turned into strings when a finding is made.

#include <algorithm>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "compile.hpp"
#include "project.hpp"
#include "text.hpp"
#include "value.hpp"

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

struct memo_entry {
    std::uint32_t generation = 0;
    value result;
    std::uint32_t absent_begin = 0, absent_end = 0;  // into m_memo_absent
    std::uint32_t errors_begin = 0, errors_end = 0;  // into m_memo_errors
};

tri truth_of(bool b) { return b ? tri::true_ : tri::false_; }
tri not3(tri t) { return t == tri::unknown ? t : (t == tri::true_ ? tri::false_ : tri::true_); }
value from_tri(tri t) { return t == tri::unknown ? value::unknown() : value::boolean(t == tri::true_); }

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
        default: return "?";
    }
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
    std::vector<std::uint32_t> absent;  // schema nodes of absent reads that are still relevant
    std::vector<error_note> errors;
    std::vector<std::uint32_t> memo_absent;
    std::vector<error_note> memo_errors;

    explicit impl(std::shared_ptr<const compiled_set> s)
        : owner(std::move(s)),
          set(*owner),
          nodes(set.nodes.data()),
          operands(set.operands.data()),
          projector(set),
          variables(set.variable_count),
          memos(set.memo_count) {
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
            case op::memo: {
                const memo_entry& m = memos[x.b];
                if (m.generation == generation && m.absent_begin == m.absent_end && m.errors_begin == m.errors_end) {
                    return m.result;
                }
                break;
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
    value eval_node(std::uint32_t n) {
        const node& x = nodes[n];
        switch (x.code) {
            case op::constant: return set.constants[x.a];
            case op::field: {
                value v = root[x.a];
                if (v.k == kind::unknown) absent.push_back(x.c);
                return v;
            }
            case op::root_path: {
                const std::uint32_t* steps = operands + x.a;
                value v = root[steps[0]];
                if (v.k == kind::unknown) {
                    absent.push_back(x.c);
                    return v;
                }
                return walk(v, steps + 1, x.b - 1, x, n);
            }
            case op::sub_path: {
                value base = eval(x.d);
                if (base.k == kind::unknown) return base;  // the base already said why
                return walk(base, operands + x.a, x.b, x, n);
            }
            case op::variable: {
                const value v = variables[x.a];
                if (v.k == kind::unknown && x.c != none) absent.push_back(x.c);
                return v;
            }
            case op::memo: {
                const memo_entry& m = memos[x.b];
                if (m.generation == generation && m.absent_begin == m.absent_end && m.errors_begin == m.errors_end) {
                    return m.result;
                }
                return eval_memo(x);
            }
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
                value l = eval(x.a);
                const value& c = set.constants[x.b];
                int cmp;
                if (l.k == kind::number && c.k == kind::number) {
                    if (l.number != l.number) return value::boolean(false);  // NaN
                    cmp = l.number < c.number ? -1 : (l.number > c.number ? 1 : 0);
                } else if (l.k == kind::text && c.k == kind::text) {
                    cmp = l.sv().compare(c.sv());
                } else {
                    if (l.k != kind::unknown) fault(n, eval::fault::compare_kinds, l.k, c.k);
                    return value::unknown();
                }
                switch (x.code) {
                    case op::lt_const: return value::boolean(cmp < 0);
                    case op::le_const: return value::boolean(cmp <= 0);
                    case op::gt_const: return value::boolean(cmp > 0);
                    default: return value::boolean(cmp >= 0);
                }
            }
            case op::any:
            case op::all:
            case op::none_:
            case op::count: return eval_quantifier(x, n);
            case op::present:
            case op::absent: {
                value v = eval(x.a);
                bool present = v.k != kind::unknown && v.k != kind::null;
                return value::boolean(present == (x.code == op::present));
            }
            case op::default_: {
                value l = eval(x.a);
                if (l.k != kind::unknown) return l;
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
            case op::lt_const:
            case op::le_const:
            case op::gt_const:
            case op::ge_const: return value::unknown();  // handled in eval_node
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
                return value::boolean(RE2::PartialMatch(re2::StringPiece(l.text, l.size), *set.regexes[x.b]));
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
            case op::any:
            case op::all:
            case op::none_:
            case op::count: return eval_quantifier(x, n);
            default: return value::unknown();  // the hot operations never get here
        }
    }

    [[gnu::noinline]] value eval_memo(const node& x) {
        memo_entry& m = memos[x.b];
        if (m.generation == generation) {
            absent.insert(absent.end(), memo_absent.begin() + m.absent_begin, memo_absent.begin() + m.absent_end);
            errors.insert(errors.end(), memo_errors.begin() + m.errors_begin, memo_errors.begin() + m.errors_end);
            return m.result;
        }
        const auto absent_mark = absent.size();
        const auto errors_mark = errors.size();
        value v = eval(x.a);
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
        value l = eval(x.a);
        value r = eval(x.b);
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
        switch (x.code) {
            case op::lt: return value::boolean(c < 0);
            case op::le: return value::boolean(c <= 0);
            case op::gt: return value::boolean(c > 0);
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
            return value::str({out, static_cast<std::size_t>(l.size) + r.size});
        }
        fault(n, eval::fault::arithmetic_kinds, l.k, r.k);
        return value::unknown();
    }

    [[gnu::noinline]] value eval_quantifier(const node& x, std::uint32_t n) {
        value range = eval(x.a);
        if (range.k == kind::unknown) return range;
        if (range.k != kind::list) {
            fault(n, eval::fault::range_kind, range.k);
            return value::unknown();
        }
        if (x.b == none) return value::num(range.size);  // `count x in list`
        bool unknown = false;
        std::uint32_t trues = 0;
        for (std::uint32_t i = 0; i < range.size; ++i) {
            variables[x.c] = range.items[i];
            tri t = truth(eval(x.b), x.b);
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

    // ----- rules ------------------------------------------------------------------------------

    [[gnu::always_inline]] tri clause(std::uint32_t n) { return truth(eval(n), n); }

    [[gnu::always_inline]] tri evaluate(const eval::compiled_rule& r) {
        absent.clear();
        errors.clear();
        tri when = tri::true_;
        for (std::uint32_t n : r.when) {
            tri t = clause(n);
            if (t == tri::false_) return tri::false_;
            if (t == tri::unknown) when = tri::unknown;
        }
        tri unless = tri::false_;
        for (std::uint32_t n : r.unless) {
            tri t = clause(n);
            if (t == tri::true_) return tri::false_;
            if (t == tri::unknown) unless = tri::unknown;
        }
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
        if (when == tri::true_ && unless == tri::false_ && broken == tri::true_) return tri::true_;
        return tri::unknown;
    }

    void begin_record() {
        if (++generation == 0) {  // wrapped: forget every memo explicitly once
            for (memo_entry& m : memos) m.generation = 0;
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
        return v;
    }

    std::string describe(const error_note& e) const {
        const node& x = nodes[e.node];
        std::string sym(op_symbol(x.code));
        std::string k1(eval::kind_name_a(e.k1));
        std::string k2(eval::kind_name_a(e.k2));
        switch (e.what) {
            case eval::fault::compare_kinds: return "`" + sym + "` compares " + k1 + " with " + k2;
            case eval::fault::arithmetic_kinds:
                if (x.code == op::add) return "`+` needs two numbers or two texts, got " + k1 + " and " + k2;
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
        }
        return "run-time error";
    }

    std::string located(const error_note& e) const {
        const node& x = nodes[e.node];
        const source_map& sources = *set.checked.sources;
        std::string out;
        if (x.where.file < sources.size()) {
            location at = sources.locate(x.where);
            out = sources.file(x.where.file).name + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": ";
        }
        return out + describe(e);
    }

    void make_finding(const eval::compiled_rule& r, tri result, decision& out) {
        finding& f = out.findings.emplace_back();
        f.policy = r.policy;
        f.policy_version = r.policy_version;
        f.rule = r.name;
        f.severity = r.severity;
        f.result = result == tri::true_ ? outcome::violation : outcome::undetermined;

        if (result == tri::unknown) {
            for (std::uint32_t s : absent) {
                const std::string& path = set.schema[s].path;
                if (std::find(f.missing.begin(), f.missing.end(), path) == f.missing.end()) f.missing.push_back(path);
            }
        }
        for (const error_note& e : errors) {
            std::string text = located(e);
            if (std::find(f.errors.begin(), f.errors.end(), text) == f.errors.end()) f.errors.push_back(std::move(text));
        }

        f.evidence = nlohmann::json::object();
        for (std::uint32_t s : r.evidence) {
            value v = at_path(s);
            if (v.k != kind::unknown) f.evidence[set.schema[s].path] = eval::to_json(v);
        }

        if (result == tri::unknown) {
            // The rule's own message states a violation; an undetermined finding says what is open.
            f.message = "cannot decide `" + r.fallback_message + "`";
            if (!f.missing.empty()) {
                f.message += ": absent ";
                for (std::size_t i = 0; i < f.missing.size(); ++i) f.message += (i ? ", " : "") + f.missing[i];
            } else if (!f.errors.empty()) {
                f.message += ": " + f.errors.front();
            }
        } else if (r.message.empty()) {
            f.message = r.fallback_message;
        } else {
            // Placeholders may read more fields; what they find absent does not change the outcome.
            const std::size_t absent_mark = absent.size();
            const std::size_t errors_mark = errors.size();
            for (const eval::message_part& p : r.message) {
                if (p.node == none) f.message += p.text;
                else eval::render(eval(p.node), f.message);
            }
            absent.resize(absent_mark);
            errors.resize(errors_mark);
        }
        if (result == tri::true_) f.remedies = r.remedies;
    }

    static void set_json(nlohmann::json& j, const value& v) {
        if (v.k == kind::text && j.is_string()) {
            j.get_ref<std::string&>().assign(v.text, v.size);  // keeps the string's capacity
        } else {
            j = eval::to_json(v);
        }
    }

    bool decide(std::string_view json, decision& out, std::string& error) {
        mem.reset();
        out.findings.clear();
        out.kind = decision_kind::allow;
        if (!projector.project(json, mem, error)) {
            out.record_id = nullptr;
            out.conversation_id = nullptr;
            return false;
        }
        root = projector.root();
        begin_record();
        set_json(out.record_id, root[set.id_slot]);
        set_json(out.conversation_id, root[set.conversation_id_slot]);
        if (out.policy_hash != set.checked.hash) out.policy_hash = set.checked.hash;
        bool remedies = false;
        bool block = false;
        for (const eval::compiled_rule& r : set.rules) {
            tri result = evaluate(r);
            if (result == tri::false_) continue;
            make_finding(r, result, out);
            if (result == tri::true_) {
                remedies = remedies || !r.remedies.empty();
                block = block || r.blocks;
            }
        }
        out.kind = block ? decision_kind::deny : (remedies ? decision_kind::allow_with_remedies : decision_kind::allow);
        return true;
    }
};

evaluator::evaluator(std::shared_ptr<const compiled_set> set) : m_impl(std::make_unique<impl>(std::move(set))) {}
evaluator::~evaluator() = default;
evaluator::evaluator(evaluator&&) noexcept = default;
evaluator& evaluator::operator=(evaluator&&) noexcept = default;

bool evaluator::decide(std::string_view json, decision& out, std::string& error) {
    return m_impl->decide(json, out, error);
}

bool evaluator::project_only(std::string_view json, std::string& error) {
    m_impl->mem.reset();
    return m_impl->projector.project(json, m_impl->mem, error);
}

const compiled_set& evaluator::policies() const { return m_impl->set; }

}  // namespace vigil
