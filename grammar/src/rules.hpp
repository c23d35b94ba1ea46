#pragma once
// The grammar of policy files as PEGTL rules, and nothing else: errors.hpp says what each
// failure means to a person and actions.hpp builds the AST (the split of PEGTL's json example).
//
//   file           := (import | let | policy)* eof
//   import         := 'import' string
//   let            := 'let' name '=' expression
//   policy         := 'policy' string '{' policy_item* '}'
//   policy_item    := 'version' string | 'owner' string | 'description' string
//                   | 'reference' string | 'schema' string
//                   | 'effective' ('from' string)? ('until' string)?     (at least one bound)
//                   | let | rule
//   rule           := 'rule' name '{' rule_item* '}'
//   rule_item      := 'severity' name | 'description' string | 'tags' string (',' string)*
//                   | 'reference' string | 'when' expression | 'require' expression
//                   | 'forbid' expression | 'unless' expression | 'message' template
//                   | 'remedy' remedy (',' remedy)*
//                   | 'then' 'within' digits ('turns' | 'turn') ('where' expression)?
//                     ('require' | 'forbid') expression
//   remedy         := name string?
//
//   expression     := and ('or' and)*
//   and            := not ('and' not)*
//   not            := 'not' not | comparison
//   comparison     := additive (comparison_op additive)?          (not associative)
//   comparison_op  := '==' | '!=' | '<=' | '>=' | '<' | '>' | 'in' | 'not' 'in'
//                   | 'contains' | 'starts' 'with' | 'ends' 'with' | 'matches'
//   additive       := multiplicative (('+' | '-') multiplicative)*
//   multiplicative := unary (('*' | '/' | '%') unary)*
//   unary          := '-' unary | defaulted
//   defaulted      := postfix ('default' ('-' unary | postfix))*
//   postfix        := primary ('.' identifier | '[' expression ']')*
//   primary        := number | string | 'true' | 'false' | 'null' | list
//                   | '(' expression ')' | quantifier | call | variable
//   quantifier     := ('any' | 'all' | 'none') name 'in' postfix ':' expression
//                   | 'count' name 'in' postfix (':' expression)?      (the body is greedy)
//   call           := name '(' (expression (',' expression)*)? ')'
//   list           := '[' (expression (',' expression)* ','?)? ']'
//
//   string         := '"' (char | escape)* '"' | 'r"' char* '"'         (one line)
//                   | '\"' char* '\"'                  (only in a message placeholder)
//   template       := '"' (char | escape | '{{' | '}}' | '{' expression '}')* '"'
//   escape         := '\' ('"' | '\' | '/' | 'n' | 't' | 'r' | 'u' hex hex hex hex)
//   char           := any character but '"' and those below U+0020 (line breaks, tab, NUL);
//                     a '\' starts an escape but in a raw string
//   number         := digits ('.' digits)? (('e' | 'E') ('+' | '-')? digits)?
//
// Whitespace and comments (`#` or `//` to the end of the line) may separate any two tokens.
// The expression keywords are reserved. The statement keywords are not, but a bare name that
// is one (`message`, `version`, ...) is read as a variable only when `.` or `[` follows it, so
// an expression never runs into the next setting, while `review.human_reviewed` still works.
//
// Spellings from other languages (`&&`, `||`, `!`, `'...'`, a `;` after an item, a method call
// such as `text.contains("x")`) are matched only to be reported with the Vigil spelling.
//
// Recovery: the items of a file, a policy and a rule are each matched by `recover<>`. When an
// item fails, the error control has already recorded the diagnostic; `recover<>` drops what the
// item built, skips to the next line that starts with an item keyword of that level (or to the
// `}` that closes the block) and lets the enclosing loop carry on.

#include <algorithm>
#include <cstdint>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze_traits.hpp>

#include "trivia.hpp"

namespace vigil::grammar {

namespace rules {

using namespace tao::pegtl;

// ------------------------------------------------------------------------------- whitespace

using trivia::comment;
using trivia::sep;

// --------------------------------------------------------------------------------- keywords

struct key_and : TAO_PEGTL_KEYWORD("and") {};
struct key_or : TAO_PEGTL_KEYWORD("or") {};
struct key_not : TAO_PEGTL_KEYWORD("not") {};
struct key_in : TAO_PEGTL_KEYWORD("in") {};
struct key_contains : TAO_PEGTL_KEYWORD("contains") {};
struct key_starts : TAO_PEGTL_KEYWORD("starts") {};
struct key_ends : TAO_PEGTL_KEYWORD("ends") {};
struct key_with : TAO_PEGTL_KEYWORD("with") {};
struct key_matches : TAO_PEGTL_KEYWORD("matches") {};
struct key_default : TAO_PEGTL_KEYWORD("default") {};
struct key_any : TAO_PEGTL_KEYWORD("any") {};
struct key_all : TAO_PEGTL_KEYWORD("all") {};
struct key_none : TAO_PEGTL_KEYWORD("none") {};
struct key_count : TAO_PEGTL_KEYWORD("count") {};
struct key_true : TAO_PEGTL_KEYWORD("true") {};
struct key_false : TAO_PEGTL_KEYWORD("false") {};
struct key_null : TAO_PEGTL_KEYWORD("null") {};

struct key_import : TAO_PEGTL_KEYWORD("import") {};
struct key_let : TAO_PEGTL_KEYWORD("let") {};
struct key_policy : TAO_PEGTL_KEYWORD("policy") {};
struct key_rule : TAO_PEGTL_KEYWORD("rule") {};
struct key_version : TAO_PEGTL_KEYWORD("version") {};
struct key_owner : TAO_PEGTL_KEYWORD("owner") {};
struct key_description : TAO_PEGTL_KEYWORD("description") {};
struct key_reference : TAO_PEGTL_KEYWORD("reference") {};
struct key_schema : TAO_PEGTL_KEYWORD("schema") {};
struct key_effective : TAO_PEGTL_KEYWORD("effective") {};
struct key_from : TAO_PEGTL_KEYWORD("from") {};
struct key_until : TAO_PEGTL_KEYWORD("until") {};
struct key_severity : TAO_PEGTL_KEYWORD("severity") {};
struct key_tags : TAO_PEGTL_KEYWORD("tags") {};
struct key_when : TAO_PEGTL_KEYWORD("when") {};
struct key_require : TAO_PEGTL_KEYWORD("require") {};
struct key_forbid : TAO_PEGTL_KEYWORD("forbid") {};
struct key_unless : TAO_PEGTL_KEYWORD("unless") {};
struct key_message : TAO_PEGTL_KEYWORD("message") {};
struct key_remedy : TAO_PEGTL_KEYWORD("remedy") {};
struct key_then : TAO_PEGTL_KEYWORD("then") {};
// Words that only mean something inside `then ...`, so they stay free as names elsewhere.
struct key_within : TAO_PEGTL_KEYWORD("within") {};
struct key_turns : TAO_PEGTL_KEYWORD("turns") {};
struct key_turn : TAO_PEGTL_KEYWORD("turn") {};
struct key_where : TAO_PEGTL_KEYWORD("where") {};

struct expression_keyword : sor<key_and, key_or, key_not, key_in, key_contains, key_starts, key_ends, key_with, key_matches, key_default, key_any, key_all, key_none, key_count, key_true, key_false, key_null> {};
struct statement_keyword : sor<key_import, key_let, key_policy, key_rule, key_version, key_owner, key_description, key_reference, key_schema, key_effective, key_from, key_until, key_severity, key_tags, key_when, key_require, key_forbid, key_unless, key_message, key_remedy, key_then> {};

/// A name the user chooses (definition, rule, quantifier variable, severity, remedy): any
/// identifier that is not a keyword.
struct name : seq<not_at<expression_keyword>, not_at<statement_keyword>, identifier> {};

// ------------------------------------------------------------------------------ punctuation
// Operators that errors.hpp names in messages ("expected an expression after `+`").

struct op_eq : string<'=', '='> {};
struct op_ne : string<'!', '='> {};
struct op_le : string<'<', '='> {};
struct op_ge : string<'>', '='> {};
struct op_lt : one<'<'> {};
struct op_gt : one<'>'> {};
struct op_plus : one<'+'> {};
struct op_minus : one<'-'> {};
struct op_times : one<'*'> {};
struct op_divide : one<'/'> {};
struct op_modulo : one<'%'> {};
struct op_comma : one<','> {};
struct op_not_in {};       // spelling only: `not in`
struct op_starts_with {};  // spelling only: `starts with`
struct op_ends_with {};    // spelling only: `ends with`

/// `Next`, reported as "expected an expression after `Op`" when it does not match.
template <typename Op, typename Next>
struct operand : Next {
    using op = Op;
};

// ---------------------------------------------------------------------------------- strings

struct quote_open : one<'"'> {};
struct escape_start : one<'\\'> {};
struct simple_escape : one<'"', '\\', '/', 'n', 't', 'r'> {};
struct high_surrogate : seq<one<'d', 'D'>, one<'8', '9', 'a', 'b', 'A', 'B'>, xdigit, xdigit> {};
struct low_surrogate : seq<one<'d', 'D'>, one<'c', 'd', 'e', 'f', 'C', 'D', 'E', 'F'>, xdigit, xdigit> {};
/// `\uXXXX`, or a UTF-16 pair `\uD83D\uDE00` read as one escape (the action reports lone halves).
struct unicode_escape : seq<one<'u'>, sor<seq<high_surrogate, opt<one<'\\'>, one<'u'>, low_surrogate>>, rep<4, xdigit>>> {};
struct escape_code : sor<simple_escape, unicode_escape> {};
struct escape : seq<escape_start, must<escape_code>> {};
/// Below U+0020 but a line break (which ends a string): invisible as it is, so written as an escape.
struct control_char : sor<range<'\x00', '\x09'>, one<'\x0b', '\x0c'>, range<'\x0e', '\x1f'>> {};
/// A control character in a string, a raw string or a message: reported where it is.
struct string_control : control_char {};
struct raw_control : control_char {};
struct template_control : control_char {};
struct string_text : plus<not_at<control_char>, not_one<'"', '\\', '\n', '\r'>> {};
struct string_rest : until<one<'"'>, sor<escape, string_text, seq<at<string_control>, raise<string_control>>>> {};
struct quoted_string : seq<quote_open, must<string_rest>> {};
struct raw_open : seq<one<'r'>, one<'"'>> {};
struct raw_text : star<not_at<control_char>, not_one<'"', '\n', '\r'>> {};
struct raw_rest : seq<raw_text, sor<one<'"'>, seq<at<raw_control>, raise<raw_control>>>> {};
struct raw_string : seq<raw_open, must<raw_rest>> {};
struct string_literal : sor<raw_string, quoted_string> {};
/// Inside a message placeholder a string may also be written with escaped quotes, as if the
/// message were an ordinary string: `"{x default \"none\"}"` (the actions reject it elsewhere).
struct embedded_open : seq<one<'\\'>, one<'"'>> {};
struct embedded_text : plus<not_at<control_char>, not_one<'"', '\\', '\n', '\r'>> {};
struct embedded_rest : until<seq<one<'\\'>, one<'"'>>, sor<embedded_text, seq<at<template_control>, raise<template_control>>>> {};
struct embedded_string : seq<embedded_open, must<embedded_rest>> {};

// ------------------------------------------------------------------- spellings of other languages
// Reported where they stand with the Vigil spelling (errors.hpp), rather than as a token that
// merely was not expected: a policy author often comes from C, JavaScript, Python or SQL.

/// `Rule` reported as a mistake when it is next; fails otherwise.
template <typename Rule>
struct raise_at : seq<at<Rule>, raise<Rule>> {};
struct foreign_and : seq<one<'&'>, opt<one<'&'>>> {};
struct foreign_or : seq<one<'|'>, opt<one<'|'>>> {};
struct foreign_not : seq<one<'!'>, not_at<one<'='>>> {};
struct foreign_semicolon : one<';'> {};
struct single_quoted : seq<one<'\''>, star<not_one<'\'', '\n', '\r'>>, opt<one<'\''>>> {};
/// `text.contains("x")`: an operator written as a method.
template <typename Key>
struct operator_method : seq<one<'.'>, sep, Key, at<sep, one<'('>>> {
    using op = Key;
};
/// `text.lower()`: values have no methods.
struct method_call : seq<one<'.'>, sep, identifier, at<sep, one<'('>>> {};
struct foreign_operator : sor<raise_at<foreign_and>, raise_at<foreign_or>> {};
struct foreign_primary : sor<raise_at<foreign_not>, raise_at<single_quoted>> {};
struct foreign_suffix : sor<raise_at<operator_method<key_contains>>, raise_at<operator_method<key_matches>>,
                            raise_at<operator_method<key_in>>, raise_at<method_call>> {};

// ------------------------------------------------------------------------------ expressions

struct expression;
struct postfix;
struct unary;
struct not_expression;
// Expressions nested in brackets; defined below once `expression` is complete.
struct paren_value;
struct list_item;
struct call_argument;
struct index_value;
struct quantifier_range;
struct quantifier_body;

struct number_char : sor<seq<one<'.'>, digit>, seq<one<'e', 'E'>, one<'+', '-'>>, identifier_other> {};
struct number : seq<digit, star<number_char>> {};
struct string_value : sor<raw_string, quoted_string, embedded_string> {};
struct literal_true : key_true {};
struct literal_false : key_false {};
struct literal_null : key_null {};

struct list_open : one<'['> {};
struct list_close : one<']'> {};
struct list_more : seq<op_comma, sep, sor<at<one<']'>>, must<list_item>>> {};
struct list : seq<list_open, sep, opt<not_at<one<']'>>, must<list_item>, star<sep, list_more>>, sep, must<list_close>> {};

struct paren_open : one<'('> {};
struct paren_close : one<')'> {};
struct parenthesized : seq<paren_open, sep, must<paren_value>, sep, must<paren_close>> {};

struct call_open : seq<name, sep, one<'('>> {};
struct call_close : one<')'> {};
struct call_more : seq<op_comma, sep, must<operand<op_comma, expression>>> {};
struct call : seq<call_open, sep, opt<not_at<one<')'>>, must<call_argument>, star<sep, call_more>>, sep, must<call_close>> {};

/// The variable a quantifier binds, reported as "expected a variable name after `Key`".
template <typename Key>
struct bound_variable : name {
    using op = Key;
};
struct quantifier_in : key_in {};
struct quantifier_colon : one<':'> {};
template <typename Key>
struct quantifier_head : seq<Key, sep, must<bound_variable<Key>>, sep, must<quantifier_in>, sep, must<quantifier_range>> {};
template <typename Key>
struct quantifier_with_body : seq<quantifier_head<Key>, sep, must<quantifier_colon>, sep, must<quantifier_body>> {};
struct any_quantifier : quantifier_with_body<key_any> {};
struct all_quantifier : quantifier_with_body<key_all> {};
struct none_quantifier : quantifier_with_body<key_none> {};
struct count_quantifier : seq<quantifier_head<key_count>, opt<sep, quantifier_colon, sep, must<quantifier_body>>> {};

struct variable : sor<name, seq<statement_keyword, at<sep, one<'.', '['>>>> {};
struct primary
    : sor<number, string_value, literal_true, literal_false, literal_null, list, parenthesized, any_quantifier,
          all_quantifier, none_quantifier, count_quantifier, call, variable, foreign_primary> {};

struct field_name : identifier {};
struct select_suffix : seq<one<'.'>, sep, must<field_name>> {};
struct index_open : one<'['> {};
struct index_close : one<']'> {};
struct index_suffix : seq<index_open, sep, must<index_value>, sep, must<index_close>> {};
struct postfix : seq<primary, star<sep, sor<foreign_suffix, select_suffix, index_suffix>>> {};

struct negation;
/// The fallback of `default` is a path or a literal, or a negated one (`x default -1`).
struct default_tail : seq<key_default, sep, must<operand<key_default, sor<negation, postfix>>>> {};
struct defaulted : seq<postfix, star<sep, default_tail>> {};

struct negation : seq<op_minus, sep, must<operand<op_minus, unary>>> {};
struct unary : sor<negation, defaulted> {};

struct times_tail : seq<op_times, sep, must<operand<op_times, unary>>> {};
struct divide_tail : seq<op_divide, sep, must<operand<op_divide, unary>>> {};
struct modulo_tail : seq<op_modulo, sep, must<operand<op_modulo, unary>>> {};
struct multiplicative : seq<unary, star<sep, sor<times_tail, divide_tail, modulo_tail>>> {};

struct plus_tail : seq<op_plus, sep, must<operand<op_plus, multiplicative>>> {};
struct minus_tail : seq<op_minus, sep, must<operand<op_minus, multiplicative>>> {};
struct additive : seq<multiplicative, star<sep, sor<plus_tail, minus_tail>>> {};

/// `with` after `starts` or `ends`.
template <typename Key>
struct with_after : key_with {
    using op = Key;
};
struct in_after_not : key_in {};
struct eq_tail : seq<op_eq, sep, must<operand<op_eq, additive>>> {};
struct ne_tail : seq<op_ne, sep, must<operand<op_ne, additive>>> {};
struct le_tail : seq<op_le, sep, must<operand<op_le, additive>>> {};
struct ge_tail : seq<op_ge, sep, must<operand<op_ge, additive>>> {};
struct lt_tail : seq<op_lt, sep, must<operand<op_lt, additive>>> {};
struct gt_tail : seq<op_gt, sep, must<operand<op_gt, additive>>> {};
struct in_tail : seq<key_in, sep, must<operand<key_in, additive>>> {};
struct not_in_tail : seq<key_not, sep, must<in_after_not>, sep, must<operand<op_not_in, additive>>> {};
struct contains_tail : seq<key_contains, sep, must<operand<key_contains, additive>>> {};
struct starts_with_tail : seq<key_starts, sep, must<with_after<key_starts>>, sep, must<operand<op_starts_with, additive>>> {};
struct ends_with_tail : seq<key_ends, sep, must<with_after<key_ends>>, sep, must<operand<op_ends_with, additive>>> {};
struct matches_tail : seq<key_matches, sep, must<operand<key_matches, additive>>> {};
/// A single `=` where a comparison could be: reported, since it is almost always meant as `==`.
struct lone_equals : seq<one<'='>, not_at<one<'='>>> {};
struct comparison_tail : sor<eq_tail, ne_tail, le_tail, ge_tail, lt_tail, gt_tail, in_tail, not_in_tail, contains_tail, starts_with_tail, ends_with_tail, matches_tail, seq<at<lone_equals>, raise<lone_equals>>> {};
struct comparison_operator : sor<op_eq, op_ne, op_le, op_ge, op_lt, op_gt, key_in, key_not, key_contains, key_starts, key_ends, key_matches> {};
/// Comparisons do not chain: `a < b < c` is reported rather than read as `(a < b) < c`.
struct unchained : not_at<comparison_operator> {};
struct comparison : seq<additive, opt<sep, comparison_tail, sep, must<unchained>>> {};

struct logical_not : seq<key_not, sep, must<operand<key_not, not_expression>>> {};
struct not_expression : sor<logical_not, comparison> {};
struct and_tail : seq<key_and, sep, must<operand<key_and, not_expression>>> {};
struct and_expression : seq<not_expression, star<sep, and_tail>> {};
struct or_tail : seq<key_or, sep, must<operand<key_or, and_expression>>> {};
/// `&&` or `||` where `and` or `or` could be: reported, as nothing else can follow an expression there.
struct expression : seq<and_expression, star<sep, or_tail>, opt<sep, foreign_operator>> {};

struct paren_value : expression {};
struct list_item : expression {};
struct call_argument : expression {};
struct index_value : expression {};
struct quantifier_range : postfix {};
struct quantifier_body : expression {};

// ------------------------------------------------------------------------ message templates

struct template_open : one<'"'> {};
struct template_text : plus<not_at<control_char>, not_one<'"', '\\', '{', '}', '\n', '\r'>> {};
struct brace_open_escape : two<'{'> {};
struct brace_close_escape : two<'}'> {};
struct placeholder_open : one<'{'> {};
struct placeholder_value : expression {};
struct placeholder_close : one<'}'> {};
struct placeholder : seq<placeholder_open, sep, must<placeholder_value>, sep, must<placeholder_close>> {};
/// A `}` that is neither `}}` nor the end of a placeholder.
struct lone_brace : one<'}'> {};
struct template_char : sor<brace_open_escape, brace_close_escape, placeholder, seq<at<lone_brace>, raise<lone_brace>>, escape, template_text, seq<at<template_control>, raise<template_control>>> {};
struct template_rest : until<one<'"'>, template_char> {};
struct message_template : seq<template_open, must<template_rest>> {};

// ------------------------------------------------------------------------------- recovery
// How `recover<>` skips a broken item: token by token (so a `}` inside a string or a comment
// does not count), with `{ ... }` groups balanced, one line at a time.

struct skipped_string : seq<one<'"'>, star<sor<seq<one<'\\'>, not_one<'\n'>>, not_one<'"', '\n'>>>, opt<one<'"'>>> {};
struct skipped_raw_string : seq<one<'r'>, one<'"'>, star<not_one<'"', '\n'>>, opt<one<'"'>>> {};
struct skipped_group;
/// One token of a broken item; never a line break, nor `Closer` (the `}` of the enclosing block).
template <typename Closer>
struct skipped_token : sor<comment, skipped_raw_string, skipped_string, plus<identifier_other>, skipped_group, seq<not_at<Closer>, not_one<'\n'>>> {};
struct skipped_group : seq<one<'{'>, star<sor<skipped_token<one<'}'>>, one<'\n'>>>, opt<one<'}'>>> {};
template <typename Closer>
struct skip_line_tail : star<skipped_token<Closer>> {};
template <typename Closer>
struct skip_line : sor<one<'\n'>, seq<plus<skipped_token<Closer>>, opt<one<'\n'>>>> {};
template <typename Sync, typename Closer>
struct skip_lines : star<not_at<star<blank>, sor<Sync, Closer>>, skip_line<Closer>> {};

/// `Item`, recovered from as trivia::recover_item says, skipping token by token.
template <typename Item, typename Sync, typename Closer>
using recover = trivia::recover_item<Item, skip_line_tail<Closer>, skip_lines<Sync, Closer>>;

/// The `}` that closes a policy or a rule: recovery inside a block stops there.
struct block_closer : one<'}'> {};

// ------------------------------------------------------------------------------- statements

/// A string setting's value, reported as "expected a string after `Key`".
template <typename Key>
struct setting_value : string_literal {
    using op = Key;
};

struct import_path : string_literal {};
struct import_decl : seq<key_import, sep, must<import_path>> {};

struct definition_name : name {};
struct definition_equals : one<'='> {};
struct definition_value : expression {};
struct definition : seq<key_let, sep, must<definition_name>, sep, must<definition_equals>, sep, must<definition_value>> {};

template <typename Key>
struct clause : seq<Key, sep, must<operand<Key, expression>>> {};
struct when_clause : clause<key_when> {};
struct require_clause : clause<key_require> {};
struct forbid_clause : clause<key_forbid> {};
struct unless_clause : clause<key_unless> {};

struct severity_value : name {};
struct severity_setting : seq<key_severity, sep, must<severity_value>> {};
struct description_setting : seq<key_description, sep, must<setting_value<key_description>>> {};
struct reference_setting : seq<key_reference, sep, must<setting_value<key_reference>>> {};
struct tags_setting : seq<key_tags, sep, must<setting_value<key_tags>>, star<sep, op_comma, sep, must<setting_value<op_comma>>>> {};
struct message_setting : seq<key_message, sep, must<message_template>> {};

/// A remedy word, reported as "expected a remedy ... after `Key`".
template <typename Key>
struct remedy_kind : name {
    using op = Key;
};
struct remedy_argument : string_literal {};
struct remedy_setting : seq<key_remedy, sep, must<remedy_kind<key_remedy>>, opt<sep, remedy_argument>,
                            star<sep, op_comma, sep, must<remedy_kind<op_comma>>, opt<sep, remedy_argument>>> {};

/// `then within 2 turns where speaker == "ai" require handoff.offered`: a deferred obligation.
struct then_within : key_within {};
struct then_count : seq<plus<digit>, not_at<sor<identifier_other, one<'.'>>>> {};
struct then_unit : sor<key_turns, key_turn> {};
struct then_filter : seq<key_where, sep, must<operand<key_where, expression>>> {};
struct then_require : seq<key_require, sep, must<operand<key_require, expression>>> {};
struct then_forbid : seq<key_forbid, sep, must<operand<key_forbid, expression>>> {};
struct then_obligation : sor<then_require, then_forbid> {};
struct then_setting : seq<key_then, sep, must<then_within>, sep, must<then_count>, sep, must<then_unit>, sep,
                          opt<then_filter, sep>, must<then_obligation>> {};

struct rule_item
    : sor<severity_setting, description_setting, tags_setting, reference_setting, when_clause, require_clause,
          forbid_clause, unless_clause, message_setting, remedy_setting, then_setting, raise_at<foreign_semicolon>> {};
struct rule_end : sor<one<'}'>, eof, key_rule, key_policy, key_import> {};
struct rule_sync : sor<key_severity, key_description, key_tags, key_reference, key_when, key_require, key_forbid, key_unless, key_message, key_remedy, key_then, key_let, key_rule, key_policy, key_import> {};
struct rule_name : name {};
struct rule_open : one<'{'> {};
struct rule_close : one<'}'> {};
struct rule_decl : seq<key_rule, sep, must<rule_name>, sep, must<rule_open>, sep, star<not_at<rule_end>, recover<rule_item, rule_sync, block_closer>, sep>, must<rule_close>> {};

struct version_setting : seq<key_version, sep, must<setting_value<key_version>>> {};
struct owner_setting : seq<key_owner, sep, must<setting_value<key_owner>>> {};
struct schema_setting : seq<key_schema, sep, must<setting_value<key_schema>>> {};
struct effective_from : seq<key_from, sep, must<setting_value<key_from>>> {};
struct effective_until : seq<key_until, sep, must<setting_value<key_until>>> {};
struct effective_bounds : sor<seq<effective_from, opt<sep, effective_until>>, effective_until> {};
struct effective_setting : seq<key_effective, sep, must<effective_bounds>> {};

struct policy_item : sor<version_setting, owner_setting, description_setting, reference_setting, schema_setting,
                         effective_setting, definition, rule_decl, raise_at<foreign_semicolon>> {};
struct policy_end : sor<one<'}'>, eof, key_policy, key_import> {};
struct policy_sync : sor<key_version, key_owner, key_description, key_reference, key_schema, key_effective, key_let, key_rule, key_policy, key_import> {};
struct policy_name : string_literal {};
struct policy_open : one<'{'> {};
struct policy_close : one<'}'> {};
struct policy_decl : seq<key_policy, sep, must<policy_name>, sep, must<policy_open>, sep, star<not_at<policy_end>, recover<policy_item, policy_sync, block_closer>, sep>, must<policy_close>> {};

struct file_item : sor<import_decl, definition, policy_decl, raise_at<foreign_semicolon>> {};
struct file_sync : sor<key_import, key_let, key_policy> {};
struct file_end : eof {};
struct file : seq<opt<trivia::byte_order_mark>, sep, star<not_at<eof>, recover<file_item, file_sync, failure>, sep>,
                  must<file_end>> {};

/// The whole text as one expression (parse_expression).
struct whole_expression_value : expression {};
struct expression_end : eof {};
struct whole_expression : seq<sep, must<whole_expression_value>, sep, must<expression_end>> {};

/// The grammar of a policy file.
using grammar = file;

}  // namespace rules
}  // namespace vigil::grammar

