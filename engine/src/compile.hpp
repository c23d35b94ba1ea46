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
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>

#include "value.hpp"
#include "vigil/check.hpp"
#include "vigil/evaluate.hpp"

namespace vigil::eval {

inline constexpr std::uint32_t none = 0xFFFFFFFFu;

enum class op : std::uint8_t {
    constant,     // a: index into constants
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
    in, not_in, contains, starts_with, ends_with,  // a, b
    matches,      // a: text; b: index into regexes
    add, sub, mul, div, mod,  // a, b
    default_,     // a, b
    present,      // a: exists(a), `a != null`
    absent,       // a: missing(a), `a == null`
    lower, upper, length,  // a
    any, all, none_, count,  // a: range, b: body (or none for count), c: variable index
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

    // Key lookup: open addressing over the field names, sized to a power of two.
    std::vector<std::uint32_t> table;  // positions, `none` when empty
    std::uint32_t table_mask = 0;
};

/// A piece of a compiled message: literal text, or a node whose value is rendered.
struct message_part {
    std::string text;
    std::uint32_t node = none;
};

struct compiled_rule {
    std::string policy;
    std::string policy_version;
    std::string name;
    std::string severity;
    std::vector<std::uint32_t> when, unless, require, forbid;  // clause roots, in source order
    std::vector<message_part> message;  // empty when the rule has no template
    std::string fallback_message;       // the description, else the name
    std::vector<remedy_out> remedies;
    bool blocks = false;                   // one of the remedies is `block`
    std::vector<std::uint32_t> evidence;   // concrete schema nodes the rule reads, sorted by path
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
};

/// Hash of a key for the schema lookup tables (FNV-1a over the bytes).
[[nodiscard]] inline std::uint32_t key_hash(std::string_view s) {
    std::uint32_t h = 2166136261u;
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h;
}

/// Position of field `key` in an object schema, or `none`.
[[nodiscard]] inline std::uint32_t find_field(const std::vector<schema_node>& schema,
                                              const schema_node& s, std::string_view key) {
    if (s.table.empty()) return none;
    std::uint32_t i = key_hash(key) & s.table_mask;
    for (;;) {
        std::uint32_t pos = s.table[i];
        if (pos == none) return none;
        if (schema[s.fields[pos]].name == key) return pos;
        i = (i + 1) & s.table_mask;
    }
}

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
    std::vector<eval::schema_node> schema;  // [0] is the record
    std::uint32_t memo_count = 0;
    std::uint32_t variable_count = 0;
    std::vector<eval::compiled_rule> rules;
    std::vector<policy_summary> summaries;
    std::uint32_t id_slot = 0;               // root positions of `id` and `conversation_id`
    std::uint32_t conversation_id_slot = 0;
};

}  // namespace vigil
