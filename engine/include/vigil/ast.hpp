#pragma once
// The abstract syntax tree of policy files: what grammar/ builds and what the checker and the
// compiler read. It holds no types and no resolutions; the checker keeps those in side tables
// keyed by node_id. Every node has a span into the source_map.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vigil/source.hpp"

namespace vigil::ast {

/// Visits a variant with a set of lambdas: `std::visit(overloaded{[](const ident&) {...}, ...}, e.kind)`,
/// so a forgotten alternative fails to compile.
template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

/// Unique across every module of one load (the loader hands parse() a shared counter).
using node_id = std::uint32_t;

struct expr;
using expr_ptr = std::unique_ptr<expr>;

/// `null`, `true`/`false`, a number or a string. Numbers are doubles, as in JSON.
struct literal {
    std::variant<std::monostate, bool, double, std::string> value;
};

/// A bare name: a definition, a quantifier variable, or a top-level record field.
struct ident {
    std::string name;
};

/// `operand.field`
struct select {
    expr_ptr operand;
    std::string field;
    span field_where;
};

/// `operand[subscript]`; a negative subscript counts from the end.
struct index {
    expr_ptr operand;
    expr_ptr subscript;
};

/// `[a, b, c]`
struct list {
    std::vector<expr_ptr> items;
};

enum class unary_op : std::uint8_t { not_, negate };

struct unary {
    unary_op op;
    expr_ptr operand;
};

enum class binary_op : std::uint8_t {
    or_,
    and_,
    eq,           // ==
    ne,           // !=
    lt,           // <
    le,           // <=
    gt,           // >
    ge,           // >=
    in,           // x in list, or substring in text
    not_in,       // x not in list
    add,          // +  (numbers; also joins texts)
    sub,          // -
    mul,          // *
    div,          // /
    mod,          // %
    contains,     // text contains text, list contains value
    starts_with,  // text starts with text
    ends_with,    // text ends with text
    matches,      // text matches "RE2 pattern" (rhs is a string literal)
    default_,     // x default y: y when x is absent
};

/// How an operator is written in a policy (`or`, `==`, `not in`, `default`).
[[nodiscard]] constexpr std::string_view spelling(binary_op op) {
    switch (op) {
        case binary_op::or_:
            return "or";
        case binary_op::and_:
            return "and";
        case binary_op::eq:
            return "==";
        case binary_op::ne:
            return "!=";
        case binary_op::lt:
            return "<";
        case binary_op::le:
            return "<=";
        case binary_op::gt:
            return ">";
        case binary_op::ge:
            return ">=";
        case binary_op::in:
            return "in";
        case binary_op::not_in:
            return "not in";
        case binary_op::add:
            return "+";
        case binary_op::sub:
            return "-";
        case binary_op::mul:
            return "*";
        case binary_op::div:
            return "/";
        case binary_op::mod:
            return "%";
        case binary_op::contains:
            return "contains";
        case binary_op::starts_with:
            return "starts with";
        case binary_op::ends_with:
            return "ends with";
        case binary_op::matches:
            return "matches";
        case binary_op::default_:
            return "default";
    }
    return "?";
}

struct binary {
    binary_op op;
    expr_ptr lhs;
    expr_ptr rhs;
};

/// `name(args...)`: lower, upper, length, exists, missing, ... (the checker knows the list).
struct call {
    std::string function;
    span function_where;
    std::vector<expr_ptr> args;
};

enum class quantifier_kind : std::uint8_t { any, all, none, count };

/// `any x in range: body`, `all ...`, `none ...`, `count x in range: body`. For count the body
/// may be absent (`count x in range` counts every element). The body extends as far right as
/// possible; parentheses limit it.
struct quantifier {
    quantifier_kind kind;
    std::string variable;
    span variable_where;
    expr_ptr range;
    expr_ptr body;  // may be null for count only
};

struct expr {
    node_id id = 0;
    span where;
    std::variant<literal, ident, select, index, list, unary, binary, call, quantifier> kind;
};

/// A string setting with where it was written, e.g. `owner "compliance@example.com"`.
struct string_item {
    std::string value;
    span where;
};

/// A bare word setting, e.g. `severity critical`.
struct word_item {
    std::string value;
    span where;
};

/// `let name = expr`, at file level (visible to importers) or policy level.
struct definition {
    std::string name;
    span name_where;
    expr_ptr value;
    span where;
};

enum class clause_kind : std::uint8_t { when, require, forbid, unless };

/// One `when` / `require` / `forbid` / `unless` line of a rule.
struct clause {
    clause_kind kind;
    expr_ptr condition;
    span where;  // the keyword
};

/// `then within 2 turns where speaker == "ai" require handoff.offered`: a deferred obligation.
/// When the rule's trigger (every `when`, no `unless`) holds on a turn, the obligation opens over
/// the next `turns` turns after it for which `filter` holds (every turn when there is no filter).
struct deferred {
    std::uint32_t turns = 0;  // the integer literal after `within` (the checker bounds it)
    span turns_where;
    expr_ptr filter;            // may be null: every later turn counts
    clause_kind kind = clause_kind::require;  // require or forbid
    expr_ptr condition;
    span where;  // from `then` to the end of the condition
};

/// A piece of a message template: literal text, or a `{expr}` placeholder.
struct template_part {
    std::string text;  // used when value is null
    expr_ptr value;
};

struct message_template {
    std::vector<template_part> parts;
    span where;
};

/// `block`, `disclose`, `handoff`, `review`, `notify "team"`, `custom "name"`. The parser
/// accepts any word; the checker validates it.
struct remedy {
    std::string kind;
    span kind_where;
    std::optional<string_item> argument;
};

struct rule {
    std::string name;
    span name_where;
    span where;
    std::optional<word_item> severity;
    std::optional<string_item> description;
    std::vector<string_item> tags;
    std::vector<string_item> references;
    std::vector<clause> clauses;  // in source order
    std::optional<deferred> then;  // `then within ...`; a rule with it has no require or forbid
    std::optional<message_template> message;
    std::vector<remedy> remedies;
    // True when a setting of the rule did not parse and was skipped: what it held is unknown, so
    // the checker does not report what seems to be missing (a clause that failed is no clause).
    bool has_syntax_errors = false;
};

/// `effective from "2025-01-01" until "2026-01-01"`: either bound may be absent.
struct effective_period {
    std::optional<string_item> from;
    std::optional<string_item> until;
    span where;
};

struct policy {
    std::string name;
    span name_where;
    span where;
    std::optional<string_item> version;
    std::optional<string_item> owner;
    std::optional<string_item> description;
    std::optional<string_item> schema;  // path of a JSON Schema for records, relative to the file
    std::string schema_key;             // set by the loader: key into the loaded set's schemas
    std::optional<effective_period> effective;
    std::vector<string_item> references;
    std::vector<definition> definitions;
    std::vector<rule> rules;
};

/// `import "relative/path.vigil"`.
struct import_decl {
    string_item path;
    std::optional<file_id> resolved;  // set by the loader when the file was found and read
    // Set instead of `resolved` when the import closes a cycle (V0503): following `resolved` always
    // ends, yet the checker still sees the file's definitions, so a cycle brings no follow-on errors.
    std::optional<file_id> closes_cycle_to;
};

/// One parsed file.
struct module {
    file_id file = 0;
    std::vector<import_decl> imports;
    std::vector<definition> definitions;
    std::vector<policy> policies;
};

}  // namespace vigil::ast
