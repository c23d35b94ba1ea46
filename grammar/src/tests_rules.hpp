#pragma once
// The grammar of policy test files (`*.tests`) as PEGTL rules, and nothing else:
// tests_errors.hpp says what each failure means to a person and tests_actions.hpp builds the
// syntax tree (the same split as the policy grammar in rules.hpp).
//
//   file        := (policy | start | defaults | case)* eof
//   policy      := 'policy' string (',' string)*
//   start       := 'start' string
//   defaults    := 'defaults' object
//   case        := 'case' string '{' case_item* '}'
//   case_item   := 'record' object | 'turn' object | defaults | expect
//   expect      := 'expect' ('turn' digits | 'end')? claim
//   claim       := ('violation' | 'undetermined' | 'pass') rule (',' rule)* ('message' string)?
//                | 'decision' ('allow' | 'allow_with_remedies' | 'deny')
//                | 'no' 'violations'
//   rule        := identifier                           (not an item keyword)
//   string      := '"' (char | escape)* '"'             (on one line; JSON's escapes)
//   object      := '{' (json_string | object | char)* '}'
//                  (a JSON object, possibly over several lines; nlohmann::json parses the text)
//
// Whitespace and comments (`#` or `//` to the end of the line) may separate any two tokens, but
// not appear inside an object. The extent of an object is found by balancing braces outside
// JSON strings; a line break followed by a line that starts with an item keyword (`expect`,
// `turn`, `record`, `case`, ...) ends the search, so an object missing its `}` is reported at its
// `{` and parsing goes on at that line instead of the object swallowing the rest of the file.
//
// Recovery: the items of the file and of a case are each matched by `recover_line<>`. When an
// item fails, the error control has recorded the diagnostic; recovery drops what the item built,
// skips the rest of its line and every following line up to one that starts with an item keyword
// of that level or with `}`, and the enclosing loop carries on.

#include <algorithm>
#include <cstdint>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze_traits.hpp>

#include "trivia.hpp"

namespace vigil::grammar::tests {

using grammar::syntax_error;

namespace rules {

using namespace tao::pegtl;

// One rule per line, as in rules.hpp.
// clang-format off

// ------------------------------------------------------------------------------- whitespace

using trivia::comment;
using trivia::sep;

// --------------------------------------------------------------------------------- keywords

struct key_policy : TAO_PEGTL_KEYWORD("policy") {};
struct key_start : TAO_PEGTL_KEYWORD("start") {};
struct key_defaults : TAO_PEGTL_KEYWORD("defaults") {};
struct key_case : TAO_PEGTL_KEYWORD("case") {};
struct key_record : TAO_PEGTL_KEYWORD("record") {};
struct key_turn : TAO_PEGTL_KEYWORD("turn") {};
struct key_expect : TAO_PEGTL_KEYWORD("expect") {};
struct key_end : TAO_PEGTL_KEYWORD("end") {};
struct key_violation : TAO_PEGTL_KEYWORD("violation") {};
struct key_undetermined : TAO_PEGTL_KEYWORD("undetermined") {};
struct key_pass : TAO_PEGTL_KEYWORD("pass") {};
struct key_decision : TAO_PEGTL_KEYWORD("decision") {};
struct key_no : TAO_PEGTL_KEYWORD("no") {};
struct key_violations : TAO_PEGTL_KEYWORD("violations") {};
struct key_allow : TAO_PEGTL_KEYWORD("allow") {};
struct key_allow_with_remedies : TAO_PEGTL_KEYWORD("allow_with_remedies") {};
struct key_deny : TAO_PEGTL_KEYWORD("deny") {};
struct key_message : TAO_PEGTL_KEYWORD("message") {};

/// The words that start an item, in the file or in a case: a line that starts with one of them
/// is never the continuation of a JSON object.
struct item_keyword : sor<key_policy, key_start, key_defaults, key_case, key_record, key_turn, key_expect> {};

// ---------------------------------------------------------------------------------- strings

struct string_open : one<'"'> {};
/// The rest of a string after its opening quote; it ends on the line where it starts.
struct string_rest : seq<star<sor<seq<one<'\\'>, not_one<'\n', '\r'>>, not_one<'"', '\\', '\n', '\r'>>>, one<'"'>> {};
struct quoted : seq<string_open, must<string_rest>> {};

// ------------------------------------------------------------------------------ JSON objects
// Only the extent of an object is found here; nlohmann::json parses it (the action).

struct json_string : seq<one<'"'>, star<sor<seq<one<'\\'>, not_one<'\n'>>, not_one<'"', '\\', '\n'>>>, opt<one<'"'>>> {};
/// Where the search for a `}` gives up: the end of the file, or a line break before a line that
/// starts with an item keyword. Consumes nothing.
struct object_stop : sor<eof, at<one<'\n'>, star<blank>, item_keyword>> {};
/// A line break inside an object, unless the next line starts a new item.
struct json_line_break : seq<not_at<object_stop>, one<'\n'>> {};
struct json_nested;
struct json_piece : sor<json_string, json_nested, json_line_break, not_one<'{', '}', '"', '\n'>> {};
struct json_nested : seq<one<'{'>, until<sor<one<'}'>, object_stop>, json_piece>> {};
struct object_open : one<'{'> {};
struct object_close : one<'}'> {};
/// Everything after the `{` of a top-level object, up to its matching `}` or to `object_stop`
/// (the actions report an object that stopped there as unclosed).
struct object_rest : until<sor<object_close, object_stop>, json_piece> {};
struct object : seq<object_open, object_rest> {};

// ------------------------------------------------------------------------------- recovery

/// One line skipped by recovery, with its line break.
struct skip_line : sor<one<'\n'>, seq<plus<not_one<'\n'>>, opt<one<'\n'>>>> {};
/// Lines skipped until one that starts (after blanks) with `Sync` or `Closer`, or the end.
template <typename Sync, typename Closer>
struct skip_lines : star<not_at<star<blank>, sor<Sync, Closer>>, skip_line> {};
struct skip_line_tail : star<not_one<'\n'>> {};

/// `Item`, recovered from as trivia::recover_item says, skipping whole lines.
template <typename Item, typename Sync, typename Closer>
using recover_line = trivia::recover_item<Item, skip_line_tail, skip_lines<Sync, Closer>>;

// ------------------------------------------------------------------------------ expectations

struct turn_number : seq<plus<digit>, not_at<identifier_other>> {};
struct target_turn : seq<key_turn, sep, must<turn_number>> {};
struct target_end : key_end {};
struct expect_target : sor<target_turn, target_end> {};

/// A rule name after `Key` (an outcome word or `,`), reported as "expected a rule name after `Key`".
/// It is not an item keyword, so a line that ends early is not continued by the next item.
template <typename Key>
struct rule_ref : seq<not_at<item_keyword>, identifier> {
    using op = Key;
};
struct rule_comma : one<','> {};
struct outcome_word : sor<key_violation, key_undetermined, key_pass> {};
struct expected_message : quoted {};
struct message_clause : seq<key_message, sep, must<expected_message>> {};
struct outcome_claim : seq<outcome_word, sep, must<rule_ref<outcome_word>>, star<sep, rule_comma, sep, must<rule_ref<rule_comma>>>,
                           opt<sep, message_clause>> {};
struct decision_value : sor<key_allow_with_remedies, key_allow, key_deny> {};
struct decision_claim : seq<key_decision, sep, must<decision_value>> {};
struct no_violations_word : key_violations {};
struct no_violations_claim : seq<key_no, sep, must<no_violations_word>> {};
struct claim : sor<outcome_claim, decision_claim, no_violations_claim> {};
struct expect_item : seq<key_expect, sep, opt<expect_target, sep>, must<claim>> {};

// ------------------------------------------------------------------------------- statements

/// An object after `Key`, reported as "expected a JSON object after `Key`".
template <typename Key>
struct object_value : object {
    using op = Key;
};
struct record_item : seq<key_record, sep, must<object_value<key_record>>> {};
struct turn_item : seq<key_turn, sep, must<object_value<key_turn>>> {};
struct defaults_item : seq<key_defaults, sep, must<object_value<key_defaults>>> {};

struct block_closer : one<'}'> {};
struct case_item : sor<record_item, turn_item, defaults_item, expect_item> {};
struct case_end : sor<one<'}'>, eof, key_case, key_policy, key_start> {};
struct case_sync : sor<key_record, key_turn, key_defaults, key_expect, key_case, key_policy, key_start> {};
struct case_name : quoted {};
struct case_open : one<'{'> {};
struct case_close : one<'}'> {};
struct case_head : seq<key_case, sep, must<case_name>, sep, must<case_open>> {};
struct case_decl : seq<case_head, sep, star<not_at<case_end>, recover_line<case_item, case_sync, block_closer>, sep>, must<case_close>> {};

struct policy_name : quoted {};
struct policy_comma : one<','> {};
struct more_policy_name : quoted {};
struct policy_item : seq<key_policy, sep, must<policy_name>, star<sep, policy_comma, sep, must<more_policy_name>>> {};
struct start_value : quoted {};
struct start_item : seq<key_start, sep, must<start_value>> {};

struct file_item : sor<policy_item, start_item, defaults_item, case_decl> {};
struct file_sync : sor<key_policy, key_start, key_defaults, key_case> {};
struct file_end : eof {};
struct file : seq<opt<trivia::byte_order_mark>, sep, star<not_at<eof>, recover_line<file_item, file_sync, failure>, sep>,
                  must<file_end>> {};

/// The grammar of a test file.
using grammar = file;

// clang-format on

}  // namespace rules
}  // namespace vigil::grammar::tests

