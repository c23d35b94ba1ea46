#pragma once
// The evaluable form of a policy set: flat, immutable and shared by every evaluator.
//
// Expressions become `node`s in one vector; children are indices into it. Every node keeps the
// AST node id it came from (and its span), so a run-time problem points back to the source.
// Definitions are compiled once and referenced through `memo` nodes that an evaluator computes at
// most once per record. Identical nodes are shared (hash-consed), so `lower(text)` written in five
// rules is one node and, being memoized, is computed once per record.
//
// Record fields are never looked up by name while evaluating. The compiler builds a projection
// schema: a tree of the fields the rules read (root -> fields -> nested fields; an array has one
// element schema). Each field of an object schema has a fixed position, so a field read is
// "take slot i of this object"; a path of reads (`user.consent.marketing`) is one `path` node.

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include "needles.hpp"
#include "schema.hpp"
#include "value.hpp"
#include "vigil/check.hpp"
#include "vigil/evaluate.hpp"

namespace vigil::eval {

inline constexpr std::uint32_t none = 0xFFFFFFFFu;

enum class op : std::uint8_t {
    constant,     // a: index into constants
    field,        // a: root slot; c: its schema node (a top-level field: the common case of root_path)
    root_path,    // steps[a .. a+b): root slot, then field positions; c: target schema node
    sub_path,     // base node d, then steps[a .. a+b): field positions; c: target schema node
    variable,     // a: variable index; c: the element schema node it ranges over (or none)
    memo,         // a: the node computed, b: memo index (definitions, lower/upper/matches)
    index,        // a: operand, b: subscript; c: element schema node of the operand (or none)
    make_list,    // operands[a .. a+b): items
    not_,         // a
    negate,       // a
    and_,         // a, b
    or_,          // a, b
    eq, ne, lt, le, gt, ge,  // a, b
    eq_const, ne_const,      // a == constants[b], a != constants[b]
    in_const, not_in_const,  // a in constants[b], a list of texts, numbers or booleans
    lt_const, le_const, gt_const, ge_const,  // a < constants[b] (a number or a text), ...
    in, not_in, contains, starts_with, ends_with,  // a, b
    matches,      // a: text; b: index into regexes; c, d: its scan and pattern there (or none)
    add, sub, mul, div, mod,  // a, b
    default_,     // a, b
    present,      // a: exists(a), `a != null`
    absent,       // a: missing(a), `a == null`
    lower, upper, length,  // a
    any, all, none_, count,  // a: range, b: body (or none for count), c: variable index; d: see phrase_sets
    // Conversation functions: a is the tracker (compiled_set::trackers), b its condition or value
    // (a memo node), c the `among` condition of streak. They read the state of earlier turns.
    earlier, previous, turns_since, count_last, count_within, streak,
};

/// Flags on nodes.
enum : std::uint8_t {
    node_concrete = 1,  // a path at a fixed record position (not under a variable or an index)
};

struct node {
    op code = op::constant;
    std::uint8_t flags = 0;
    std::uint32_t a = none;
    std::uint32_t b = none;
    std::uint32_t c = none;
    std::uint32_t d = none;
    ast::node_id id = 0;  // the expression this node was compiled from
    span where;

    [[nodiscard]] bool same_shape(const node& o) const {
        return code == o.code && flags == o.flags && a == o.a && b == o.b && c == o.c && d == o.d;
    }
};

/// One node of the projection schema. Node 0 is the record itself.
struct schema_node {
    std::string name;            // the field name; "[]" for an array's element schema
    std::string path;            // "signals.distress", "actions[].category"; "" for the root
    std::uint32_t parent = none;
    std::uint32_t position = 0;  // index among the parent's fields
    bool element = false;        // this is the element schema of its parent
    bool concrete = false;       // reached from the root through fields only (no array elements)
    bool read = false;           // some rule reads this path as a value
    std::vector<std::uint32_t> fields;  // child field schema nodes, in position order
    std::uint32_t element_schema = none;
    // What the declared record schemas allow the value here to be, when every policy that reads
    // the path declares one: the projector makes a value they do not allow unknown.
    value_rules allowed;

    // Key lookup: open addressing over the field names, sized to a power of two.
    struct key_slot {
        const char* name = nullptr;  // the field's name (points into its schema node)
        std::uint32_t size = 0;
        std::uint32_t position = 0xFFFFFFFFu;  // `none` when the slot is empty
    };
    std::vector<key_slot> table;
    std::uint32_t table_mask = 0;
};

/// A piece of a compiled message: literal text, or a node whose value is rendered.
struct message_part {
    std::string text;
    std::uint32_t node = none;
};

/// A clause part as written, for explanations (evaluator::explain): where its text is, and the
/// definitions it names, in the order first named (indices into compiled_set::definitions).
struct clause_source {
    span where;
    std::vector<std::uint32_t> definitions;
};

/// A definition (`let name = value`) that some clause part names, for explanations.
struct definition_source {
    std::string name;
    span where;                              // its value as written
    std::uint32_t node = none;               // its compiled value
    bool constant = false;                   // a literal or a list of literals: shown by its text alone
    std::vector<std::uint32_t> definitions;  // the definitions its value names
};

/// `then within N turns [where F] require|forbid C` of a rule.
struct deferred_rule {
    std::uint32_t turns = 0;
    std::uint32_t filter = none;     // none: every later turn counts
    std::uint32_t condition = none;
    bool forbid = false;
    std::uint32_t slot = 0;          // index of its obligation in the conversation state
    clause_source filter_source, condition_source;  // as written, for explanations
};

/// What a conversation function remembers from turn to turn: the compiler lays the state out, the
/// evaluator advances it after every turn (see state.hpp for the per-turn fields).
struct tracker {
    op kind = op::earlier;         // earlier, previous, turns_since, count_last, count_within, streak
    std::uint32_t node = none;     // the memoized argument: a condition, or previous()'s value
    std::uint32_t among = none;    // streak: the memoized condition that selects the turns
    std::uint32_t turns = 0;       // count_last: n
    double seconds = 0;            // count_within: the window
    std::uint32_t slot = 0;        // count_last: offset of its ring in the state's bytes;
                                   // previous: its text; count_within: its window
    std::uint32_t pseudo = none;   // a schema node outside the record whose path is the call's text:
                                   // named as missing when no earlier turn gives a value
};

/// The options of every regex the evaluator runs.
[[nodiscard]] RE2::Options regex_options();

/// One text a record's rules search for several patterns: the patterns of every `matches` and
/// every phrase set whose text is the same record-level node (`lower(text)` read by seven phrase
/// lists and a regex), searched together once per record instead of once each (scan.cpp):
///   - the phrases of phrase lists (when all of a list's phrases are long enough) are needles of
///     one needle_search;
///   - a regex whose literals can be found exactly runs only when one of the literals it cannot
///     match without occurs (RE2's FilteredRE2 finds them; they are needles too);
///   - every other pattern is in one RE2::Set, run over every text.
/// The answer for each pattern is that of an unanchored RE2 search of it.
struct text_scan {
    /// What an occurrence of a needle means: a phrase of pattern `pattern` occurs, or the
    /// prefilter's atom `atom` does.
    struct needle_use {
        std::uint32_t pattern = none;
        std::uint32_t atom = none;
    };

    std::uint32_t subject = none;                   // the node whose text is searched
    std::vector<std::string> patterns;              // RE2 syntax; a node refers to one by its position
    std::vector<std::vector<std::string>> phrases;  // per pattern: a phrase list's phrases; empty for a regex

    // The plan, made by plan() once the patterns are all in.
    needle_search needles;
    std::vector<std::vector<needle_use>> uses;      // per needle
    std::unique_ptr<re2::FilteredRE2> prefilter;    // over `filtered` (null when there is none)
    std::vector<std::uint32_t> filtered;            // the pattern of the prefilter's regex i
    std::vector<std::uint8_t> filtered_in_always;   // per prefilter regex: without atoms, in `always`
    std::vector<std::uint32_t> always;              // the patterns run on every text, in order

    void plan();
    /// The RE2::Set of the `always` patterns, and one pattern alone. RE2 objects are built by every
    /// evaluator for itself: one shared between threads serialises them on its cache lock.
    [[nodiscard]] std::unique_ptr<RE2::Set> build_always() const;
    [[nodiscard]] std::unique_ptr<RE2> build_one(std::uint32_t pattern) const;
};

/// `any p in [phrases]: t contains p` (and `none`) as one search (see compiled_set::phrase_sets).
struct phrase_set {
    std::unique_ptr<RE2> re;          // the phrases as one alternation
    std::vector<std::string> phrases;  // read once, when the scans are planned
    std::uint32_t scan = none;        // when `t` is a record-level text: its scan ...
    std::uint32_t pattern = none;     // ... and the position of `re`'s pattern in it
};

/// A `require` (violated when false) or `forbid` (violated when true) clause.
struct obligation {
    std::uint32_t node = none;
    bool forbid = false;
};

struct compiled_rule {
    std::string policy;
    std::string policy_version;
    std::string name;
    std::string severity;
    span where;                               // its name as written
    // Nodes the rule shares with an earlier rule or a definition, which keep the place they were
    // first written: where this rule writes them, for its run-time error notes.
    std::vector<std::pair<std::uint32_t, span>> written_here;
    std::vector<std::uint32_t> when, unless;  // clause roots, in source order
    std::vector<obligation> obligations;  // require and forbid clauses together, in source order
    // Each root's clause part as written, for explanations (kept apart from the roots, which the
    // evaluation of every record walks).
    std::vector<clause_source> when_sources, unless_sources, obligation_sources;
    std::vector<message_part> message;  // empty when the rule has no template
    std::string fallback_message;       // the description, else the name
    std::vector<remedy_out> remedies;
    std::vector<std::uint32_t> evidence;   // concrete schema nodes the rule reads, sorted by path
    std::vector<std::string> evidence_keys;  // per evidence node: its path as a JSON key, `"path":`
    bool special = false;                  // deferred or limited: judged off the common path
    bool deferred = false;                 // the rule has `then`: `then_` holds it
    deferred_rule then_;
    bool limited = false;                  // the policy has an `effective` period: [from, until)
    double from = 0, until = 0;
};

/// A run-time error kind; the note's wording is produced from it, the node and the kinds involved.
enum class fault : std::uint8_t {
    compare_kinds,    // `<` compares a text with a number
    arithmetic_kinds, // `-` needs numbers, got ...
    negate_kind,
    division_by_zero,
    modulo_by_zero,
    select_kind,      // cannot read field `x` of a text
    index_kind,       // cannot index a text
    index_not_integral,
    not_condition,    // expected a condition, got a text
    function_kind,    // `lower` expects a text, got a number
    range_kind,       // `any` ranges over a list, got a text
    membership_kind,  // `in` needs a list or a text on the right, got a number
    text_kind,        // `starts with` needs texts, got ...
    history_kind,     // previous() of a list or an object
    timestamp_format, // the record's `timestamp` is not RFC 3339
    window_full,      // count_within(): more turns in the window than it remembers
};

/// Hash of a key for the schema lookup tables: cheap (length and three bytes), because records
/// have few keys and a collision only costs one more comparison.
[[nodiscard]] inline std::uint32_t key_hash(const char* key, std::size_t size) {
    if (size == 0) return 0;
    std::uint32_t h = static_cast<std::uint32_t>(size) * 0x9E3779B1u;
    h ^= static_cast<unsigned char>(key[0]) * 0x85EBCA6Bu;
    h ^= static_cast<unsigned char>(key[size - 1]) * 0xC2B2AE35u;
    h ^= static_cast<unsigned char>(key[size / 2]) * 0x27D4EB2Fu;
    return h ^ (h >> 15);
}

/// Position of field `key` in an object schema, or `none`.
[[nodiscard]] [[gnu::always_inline]] inline std::uint32_t find_field(const schema_node& s, const char* key, std::size_t size) {
    if (s.table.empty()) return none;
    std::uint32_t i = key_hash(key, size) & s.table_mask;
    for (;;) {
        const schema_node::key_slot& slot = s.table[i];
        if (slot.position == none) return none;
        if (slot.size == size && bytes_equal(slot.name, key, size)) return slot.position;
        i = (i + 1) & s.table_mask;
    }
}

}  // namespace vigil::eval

namespace vigil {
class compiled_set;
}

namespace vigil::eval {
/// Calls f(child) for every child node index of n.
template <typename F>
void for_each_child(const compiled_set& set, const node& n, F&& f);
}  // namespace vigil::eval

namespace vigil {

/// The compiled policy set (opaque in the public header).
class compiled_set {
public:
    checked_set checked;  // owns the sources and the AST the nodes point back to
    std::vector<eval::node> nodes;
    std::vector<std::uint32_t> operands;  // path steps and list items
    std::vector<eval::value> constants;
    std::deque<std::string> constant_texts;               // storage behind text constants
    std::deque<std::vector<eval::value>> constant_lists;  // storage behind list constants
    std::vector<std::unique_ptr<RE2>> regexes;
    /// `any p in [texts]: t contains p` (and `none`), where `t` does not depend on `p`: one search
    /// for all the phrases at once when `t` is a text (a quantifier's `d` indexes this). Phrase
    /// lists in several languages are the common shape of manipulation rules, and a search per
    /// phrase cost most of a decision.
    std::vector<eval::phrase_set> phrase_sets;
    std::vector<eval::text_scan> scans;
    std::vector<eval::schema_node> schema;  // [0] is the record
    /// Per schema node, its allowed.settled: a dense copy the projector tests for every value.
    std::vector<std::uint8_t> settled_kinds;
    std::uint32_t memo_count = 0;
    std::uint32_t variable_count = 0;
    std::vector<eval::compiled_rule> rules;
    std::vector<eval::definition_source> definitions;  // those clause parts name, for explanations
    std::vector<policy_summary> summaries;
    /// When some policy of the set is in effect (some_policy_in_effect): always when one has no
    /// `effective` period, else in one of these [from, until), in ms since the epoch.
    bool always_in_effect = false;
    std::vector<std::pair<std::int64_t, std::int64_t>> effective_ms;
    std::uint32_t id_slot = 0;               // root positions of `id` and `conversation_id`
    std::uint32_t conversation_id_slot = 0;
    std::uint32_t meta_schema = eval::none;  // the schema node of `meta`, carried through to decisions,
    bool meta_read = false;                  // ... and projected only when some rule reads it
    std::vector<std::string> carried_fields;  // compile_options::carried_fields ...
    std::vector<std::uint32_t> carried;       // ... and their schema nodes

    // Conversations: what the state of one conversation holds (state.hpp). All empty or zero when no
    // rule looks beyond its own turn, and then a decision never touches a state.
    std::vector<eval::tracker> trackers;
    std::uint32_t ring_bytes = 0;     // count_last histories, one byte per remembered turn
    std::uint32_t text_slots = 0;     // previous() texts
    std::uint32_t window_slots = 0;   // count_within windows
    std::uint32_t deferred_rules = 0; // rules with `then`
    bool special_rules = false;       // some rule has `then` or an effective period
    bool versioned = false;           // two policies of one name, each for its own period
    std::uint32_t timestamp_schema = eval::none;  // schema node of `timestamp`, when a rule reads time
    std::uint32_t timestamp_slot = eval::none;    // ... and its root position

    [[nodiscard]] bool conversational() const { return !trackers.empty() || deferred_rules > 0; }
};

}  // namespace vigil

namespace vigil::eval {

template <typename F>
void for_each_child(const compiled_set& set, const node& n, F&& f) {
    switch (n.code) {
        case op::constant:
        case op::field:
        case op::root_path:
        case op::variable: return;
        case op::eq_const:
        case op::ne_const:
        case op::in_const:
        case op::not_in_const:
        case op::lt_const:
        case op::le_const:
        case op::gt_const:
        case op::ge_const: f(n.a); return;
        case op::sub_path: f(n.d); return;
        case op::memo:
        case op::not_:
        case op::negate:
        case op::matches:
        case op::present:
        case op::absent:
        case op::lower:
        case op::upper:
        case op::length: f(n.a); return;
        case op::make_list:
            for (std::uint32_t i = 0; i < n.b; ++i) f(set.operands[n.a + i]);
            return;
        case op::any:
        case op::all:
        case op::none_:
        case op::count:
            f(n.a);
            if (n.b != none) f(n.b);
            return;
        case op::earlier:
        case op::previous:
        case op::turns_since:
        case op::count_last:
        case op::count_within:
            f(n.b);
            return;
        case op::streak:
            f(n.b);
            f(n.c);
            return;
        default:
            f(n.a);
            f(n.b);
            return;
    }
}

}  // namespace vigil::eval
