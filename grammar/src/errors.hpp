#pragma once
// What each failure of the grammar means to a person. A rule that may fail under `must<>` has a
// row in the error table below (as in PEGTL's json example); the control turns the failure into
// a diagnostic through the parser state, which records it and throws `syntax_error`.
//
// Message placeholders: `{op}` is the token the rule follows (the rule's nested `op` type),
// `{rule}` and `{policy}` the name of the rule or policy being read, `{text}` the text the
// diagnostic underlines, `{code}` the code of its first byte as U+XXXX (for a control character).

#include <cstdint>
#include <string_view>
#include <type_traits>

#include <tao/pegtl.hpp>

#include "rules.hpp"
#include "vigil/diagnostic.hpp"

namespace vigil::grammar {

/// Where a syntax diagnostic points.
enum class anchor : std::uint8_t {
    token,          // the token where the rule failed (after whitespace and comments)
    string_open,    // the opening quote of the string being read
    template_open,  // the opening quote of the message being read
    escape,         // the backslash of the escape being read
    byte,           // the byte where the rule failed, even white space (a tab in a string)
    placeholder,    // the `{` of the message placeholder being read
    matched,        // what the rule matches where it failed (a rule reported by `raise_at<>`)
    after,          // as `token`, but right after the token before when a line break stands between
};

/// One row of the error table.
struct error_info {
    const char* message = nullptr;  // nullptr: the rule is never reported
    code value = code::syntax_expected;
    anchor at = anchor::token;
    const char* help = nullptr;
    const char* suggest = nullptr;  // space-separated words offered as "did you mean `x`?"
    const char* opened = nullptr;   // a note pointing at the bracket the rule would close
};

/// The error table, keyed by rule.
template <typename Rule>
inline constexpr error_info error_message{};

/// How the tokens named by `{op}` are written.
template <typename Op>
inline constexpr std::string_view spelling{};

namespace detail {
inline constexpr const char* name_help =
    "a name starts with a letter or `_`, goes on with letters, digits or `_`, and is not a keyword";
inline constexpr const char* escape_help =
    "the escapes are `\\\"`, `\\\\`, `\\/`, `\\n`, `\\t`, `\\r` and `\\u` with four hex digits; "
    "in a raw string such as `r\"\\bword\\b\"` a backslash is only a backslash";
}  // namespace detail

// clang-format off
template <> inline constexpr std::string_view spelling<rules::key_and> = "and";
template <> inline constexpr std::string_view spelling<rules::key_or> = "or";
template <> inline constexpr std::string_view spelling<rules::key_not> = "not";
template <> inline constexpr std::string_view spelling<rules::key_in> = "in";
template <> inline constexpr std::string_view spelling<rules::key_contains> = "contains";
template <> inline constexpr std::string_view spelling<rules::key_starts> = "starts";
template <> inline constexpr std::string_view spelling<rules::key_ends> = "ends";
template <> inline constexpr std::string_view spelling<rules::key_matches> = "matches";
template <> inline constexpr std::string_view spelling<rules::key_default> = "default";
template <> inline constexpr std::string_view spelling<rules::key_any> = "any";
template <> inline constexpr std::string_view spelling<rules::key_all> = "all";
template <> inline constexpr std::string_view spelling<rules::key_none> = "none";
template <> inline constexpr std::string_view spelling<rules::key_count> = "count";
template <> inline constexpr std::string_view spelling<rules::key_when> = "when";
template <> inline constexpr std::string_view spelling<rules::key_require> = "require";
template <> inline constexpr std::string_view spelling<rules::key_forbid> = "forbid";
template <> inline constexpr std::string_view spelling<rules::key_unless> = "unless";
template <> inline constexpr std::string_view spelling<rules::key_version> = "version";
template <> inline constexpr std::string_view spelling<rules::key_owner> = "owner";
template <> inline constexpr std::string_view spelling<rules::key_description> = "description";
template <> inline constexpr std::string_view spelling<rules::key_reference> = "reference";
template <> inline constexpr std::string_view spelling<rules::key_schema> = "schema";
template <> inline constexpr std::string_view spelling<rules::key_from> = "from";
template <> inline constexpr std::string_view spelling<rules::key_until> = "until";
template <> inline constexpr std::string_view spelling<rules::key_tags> = "tags";
template <> inline constexpr std::string_view spelling<rules::key_remedy> = "remedy";
template <> inline constexpr std::string_view spelling<rules::key_where> = "where";
template <> inline constexpr std::string_view spelling<rules::op_eq> = "==";
template <> inline constexpr std::string_view spelling<rules::op_ne> = "!=";
template <> inline constexpr std::string_view spelling<rules::op_le> = "<=";
template <> inline constexpr std::string_view spelling<rules::op_ge> = ">=";
template <> inline constexpr std::string_view spelling<rules::op_lt> = "<";
template <> inline constexpr std::string_view spelling<rules::op_gt> = ">";
template <> inline constexpr std::string_view spelling<rules::op_plus> = "+";
template <> inline constexpr std::string_view spelling<rules::op_minus> = "-";
template <> inline constexpr std::string_view spelling<rules::op_times> = "*";
template <> inline constexpr std::string_view spelling<rules::op_divide> = "/";
template <> inline constexpr std::string_view spelling<rules::op_modulo> = "%";
template <> inline constexpr std::string_view spelling<rules::op_comma> = ",";
template <> inline constexpr std::string_view spelling<rules::op_not_in> = "not in";
template <> inline constexpr std::string_view spelling<rules::op_starts_with> = "starts with";
template <> inline constexpr std::string_view spelling<rules::op_ends_with> = "ends with";

// Files and policies.
template <> inline constexpr error_info error_message<rules::file_item>{.message = "expected `import`, `let` or `policy`", .suggest = "import let policy"};
template <> inline constexpr error_info error_message<rules::file_end>{.message = "expected `import`, `let` or `policy`", .suggest = "import let policy"};
template <> inline constexpr error_info error_message<rules::import_path>{.message = "expected a file name in double quotes after `import`"};
template <> inline constexpr error_info error_message<rules::definition_name>{.message = "expected a name after `let`", .help = detail::name_help};
template <> inline constexpr error_info error_message<rules::definition_equals>{.message = "expected `=` after the name of the definition"};
template <> inline constexpr error_info error_message<rules::definition_value>{.message = "expected an expression after `=`"};
template <> inline constexpr error_info error_message<rules::policy_name>{.message = "expected the policy name in double quotes after `policy`"};
template <> inline constexpr error_info error_message<rules::policy_open>{.message = "expected `{` after the policy name"};
template <> inline constexpr error_info error_message<rules::policy_item>{.message = "expected a policy setting (version, owner, description, reference, schema, effective), `let`, `rule` or `}`", .suggest = "version owner description reference schema effective let rule"};
template <> inline constexpr error_info error_message<rules::policy_close>{.message = "expected `}` to close policy `{policy}`"};
template <> inline constexpr error_info error_message<rules::effective_bounds>{.message = "expected `from` or `until` after `effective`", .at = anchor::after, .help = "write `effective from \"2025-01-01\"`, `effective until \"2026-01-01\"` or both"};
template <typename Key> inline constexpr error_info error_message<rules::setting_value<Key>>{.message = "expected a string after `{op}`"};

// Rules.
template <> inline constexpr error_info error_message<rules::rule_name>{.message = "expected a rule name after `rule`", .help = detail::name_help};
template <> inline constexpr error_info error_message<rules::rule_open>{.message = "expected `{` after the rule name"};
template <> inline constexpr error_info error_message<rules::rule_item>{.message = "expected a rule setting (severity, description, tags, reference, when, require, forbid, unless, then, message, remedy) or `}`", .suggest = "severity description tags reference when require forbid unless then message remedy"};
template <> inline constexpr error_info error_message<rules::rule_close>{.message = "expected `}` to close rule `{rule}`"};
template <> inline constexpr error_info error_message<rules::severity_value>{.message = "expected a severity (info, low, medium, high, critical) after `severity`"};
template <> inline constexpr error_info error_message<rules::message_template>{.message = "expected the message in double quotes after `message`"};
template <> inline constexpr error_info error_message<rules::then_within>{.message = "expected `within` after `then`", .help = "a deferred obligation reads `then within 2 turns where speaker == \"ai\" require handoff.offered`"};
template <> inline constexpr error_info error_message<rules::then_count>{.message = "expected a whole number of turns after `within`"};
template <> inline constexpr error_info error_message<rules::then_unit>{.message = "expected `turns` after the number of turns"};
template <> inline constexpr error_info error_message<rules::then_obligation>{.message = "expected `require` or `forbid` and the condition of the deferred obligation", .help = "filter the turns that count with `where <condition>` before it"};
template <typename Key> inline constexpr error_info error_message<rules::remedy_kind<Key>>{.message = "expected a remedy (block, disclose, handoff, review, notify, custom) after `{op}`"};

// Expressions.
template <typename Op, typename Next> inline constexpr error_info error_message<rules::operand<Op, Next>>{.message = "expected an expression after `{op}`"};
template <typename Key> inline constexpr error_info error_message<rules::bound_variable<Key>>{.message = "expected a variable name after `{op}`", .help = detail::name_help};
template <> inline constexpr error_info error_message<rules::quantifier_in>{.message = "expected `in` after the variable of the quantifier"};
template <> inline constexpr error_info error_message<rules::quantifier_range>{.message = "expected a list after `in`"};
template <> inline constexpr error_info error_message<rules::quantifier_colon>{.message = "expected `:` and a condition after the list"};
template <> inline constexpr error_info error_message<rules::quantifier_body>{.message = "expected a condition after `:`"};
template <typename Key> inline constexpr error_info error_message<rules::with_after<Key>>{.message = "expected `with` after `{op}`"};
template <> inline constexpr error_info error_message<rules::in_after_not>{.message = "expected `in` after `not`"};
template <> inline constexpr error_info error_message<rules::unchained>{.message = "comparisons cannot be chained", .help = "combine them with `and`, or use parentheses"};
template <> inline constexpr error_info error_message<rules::lone_equals>{.message = "`=` does not compare values", .help = "write `==` to test whether two values are equal"};
template <> inline constexpr error_info error_message<rules::list_item>{.message = "expected an expression or `]` in the list"};
template <> inline constexpr error_info error_message<rules::list_close>{.message = "expected `,` or `]` after the list item", .opened = "the list starts here"};
template <> inline constexpr error_info error_message<rules::paren_value>{.message = "expected an expression after `(`"};
template <> inline constexpr error_info error_message<rules::paren_close>{.message = "expected `)` to close `(`", .opened = "the `(` is here"};
template <> inline constexpr error_info error_message<rules::call_argument>{.message = "expected an argument or `)` after `(`"};
template <> inline constexpr error_info error_message<rules::call_close>{.message = "expected `,` or `)` after the argument", .opened = "the call starts here"};
template <> inline constexpr error_info error_message<rules::index_value>{.message = "expected an expression after `[`"};
template <> inline constexpr error_info error_message<rules::index_close>{.message = "expected `]` to close the index"};
template <> inline constexpr error_info error_message<rules::field_name>{.message = "expected a field name after `.`"};
template <> inline constexpr error_info error_message<rules::whole_expression_value>{.message = "expected an expression"};
template <> inline constexpr error_info error_message<rules::expression_end>{.message = "expected an operator or the end of the expression"};

// Spellings from other languages.
template <> inline constexpr error_info error_message<rules::foreign_and>{.message = "`{text}` is not an operator in Vigil", .at = anchor::matched, .help = "write `and` to require both conditions"};
template <> inline constexpr error_info error_message<rules::foreign_or>{.message = "`{text}` is not an operator in Vigil", .at = anchor::matched, .help = "write `or` to require either condition"};
template <> inline constexpr error_info error_message<rules::foreign_not>{.message = "`!` is not an operator in Vigil", .at = anchor::matched, .help = "write `not` to negate a condition, as in `not exists(x)`"};
template <> inline constexpr error_info error_message<rules::single_quoted>{.message = "single quotes do not make a string", .at = anchor::matched, .help = "strings take double quotes: `\"ai\"`, not `'ai'`"};
template <> inline constexpr error_info error_message<rules::foreign_semicolon>{.message = "no `;` is needed after a setting or definition", .help = "remove the `;`"};
template <typename Key> inline constexpr error_info error_message<rules::operator_method<Key>>{.message = "`{op}` is an operator, not a method", .at = anchor::matched, .help = "write it between its operands, as in `text {op} \"x\"`"};
template <> inline constexpr error_info error_message<rules::method_call>{.message = "values have no methods such as `{text}(...)`", .at = anchor::matched, .help = "a function takes the value as its argument, as in `lower(text)`; an operator goes between its operands, as in `text contains \"x\"`"};

// Strings and message templates.
template <> inline constexpr error_info error_message<rules::string_rest>{.message = "unterminated string", .value = code::syntax_unterminated_string, .at = anchor::string_open, .help = "a string ends with `\"` on the line where it starts"};
template <> inline constexpr error_info error_message<rules::raw_rest>{.message = "unterminated string", .value = code::syntax_unterminated_string, .at = anchor::string_open, .help = "a string ends with `\"` on the line where it starts"};
template <> inline constexpr error_info error_message<rules::embedded_rest>{.message = "unterminated string", .value = code::syntax_unterminated_string, .at = anchor::string_open, .help = "a string in a placeholder ends with `\\\"` before the message ends"};
template <> inline constexpr error_info error_message<rules::template_rest>{.message = "unterminated string", .value = code::syntax_unterminated_string, .at = anchor::template_open, .help = "a message ends with `\"` on the line where it starts"};
template <> inline constexpr error_info error_message<rules::string_control>{.message = "unescaped control character {code} in a string", .value = code::syntax_control_character, .at = anchor::byte, .help = "write it as an escape: `\\t` for a tab, or `\\u` and its four hex digits, such as `\\u0000`"};
template <> inline constexpr error_info error_message<rules::raw_control>{.message = "unescaped control character {code} in a string", .value = code::syntax_control_character, .at = anchor::byte, .help = "a raw string has no escapes: write the text as a quoted string with an escape such as `\\u0000`, or in a pattern RE2's, such as `\\t` or `\\x00`"};
template <> inline constexpr error_info error_message<rules::template_control>{.message = "unescaped control character {code} in the message", .value = code::syntax_control_character, .at = anchor::byte, .help = "write it as an escape: `\\t` for a tab, or `\\u` and its four hex digits, such as `\\u0000`"};
template <> inline constexpr error_info error_message<rules::escape_code>{.message = "invalid escape `{text}`", .value = code::syntax_invalid_escape, .at = anchor::escape, .help = detail::escape_help};
template <> inline constexpr error_info error_message<rules::placeholder_value>{.message = "expected an expression after `{` in the message", .value = code::syntax_invalid_template, .help = "write `{{` for a literal `{`"};
template <> inline constexpr error_info error_message<rules::placeholder_close>{.message = "expected `}` to close the placeholder", .value = code::syntax_invalid_template};
template <> inline constexpr error_info error_message<rules::lone_brace>{.message = "unmatched `}` in the message", .value = code::syntax_invalid_template, .help = "write `}}` for a literal `}`"};
// clang-format on

/// Reported by the actions for `\uD800` and the like: half of a UTF-16 pair is not a character.
inline constexpr error_info lone_surrogate{.message = "invalid escape `{text}`: a lone surrogate is not a character",
                                           .value = code::syntax_invalid_escape,
                                           .at = anchor::escape,
                                           .help = "write a character beyond `\\uFFFF` as a pair, such as `\\uD83D\\uDE00`"};

/// Reported instead of an unterminated string that starts in a message placeholder with `"` or
/// `r"`: that quote is far more likely the message's own closing quote, after a `{` never closed
/// (`message "{"`), than a string inside the placeholder.
inline constexpr error_info unclosed_placeholder{.message = "placeholder `{` is not closed",
                                                 .value = code::syntax_invalid_template,
                                                 .at = anchor::placeholder,
                                                 .help = "close it with `}` before the message ends, or write `{{` for "
                                                         "a literal `{`"};

/// Reported by the actions for `\"` outside a message placeholder.
inline constexpr error_info embedded_outside_message{.message = "`\\\"` starts a string only inside a `{...}` placeholder of a message",
                                                     .help = "write the string as \"...\""};

/// The deepest expression tree the parser builds, and the deepest nesting of rules it enters:
/// the checker, the compiler and the destructors recurse on an expression's height.
inline constexpr std::uint32_t max_expression_height = 512;
inline constexpr std::size_t max_nesting = 1000;

/// Reported when an expression exceeds those bounds.
inline constexpr error_info too_deep{.message = "the expression is nested too deeply",
                                     .help = "an expression may be at most 512 operators, brackets or calls deep; "
                                             "split it into definitions with `let`"};

/// Reported instead when a flat chain (`a or b or c ...`) reaches the bound: it nests nothing as
/// written, but the tree is built left-deep, one level per operator, and every later stage recurses
/// on that (balancing it would change the order `+` adds in, and what `--explain` shows).
inline constexpr error_info too_long_chain{.message = "the chain of `{op}` is too long for one expression",
                                           .help =
                                               "each `{op}` of a chain is one level of the expression, which may "
                                               "be at most 512 levels deep; split the chain into definitions "
                                               "with `let`, such as `let some = a {op} b` and `let others = c {op} "
                                               "d`, then write `some {op} others`"};

/// The control: a rule with a row in the table matches completely or not at all (so the error
/// points at where it began), and its failure under `must<>` is reported through the state.
template <typename Rule>
struct control : tao::pegtl::normal<Rule> {
    static constexpr bool reported = error_message<Rule>.message != nullptr;
    static constexpr bool nests = std::is_base_of_v<rules::expression, Rule> ||
                                  std::is_base_of_v<rules::not_expression, Rule> || std::is_base_of_v<rules::unary, Rule>;

    struct nesting_guard {
        explicit nesting_guard(std::size_t& depth) : m_depth(depth) { ++m_depth; }
        ~nesting_guard() { --m_depth; }
        nesting_guard(const nesting_guard&) = delete;
        nesting_guard& operator=(const nesting_guard&) = delete;
        std::size_t& m_depth;
    };

    template <tao::pegtl::apply_mode A, tao::pegtl::rewind_mode M, template <typename...> class Action,
              template <typename...> class Control, typename ParseInput, typename... States>
    [[nodiscard]] static bool match(ParseInput& in, States&&... st) {
        constexpr auto mode = reported ? tao::pegtl::rewind_mode::required : M;
        if constexpr (nests) {
            // Every level of brackets, `not` or `-` enters one of these: bound the recursion.
            const nesting_guard guard(in.private_depth);
            if (in.private_depth > max_nesting) (st.raise(too_deep, static_cast<std::uint32_t>(in.byte()), {}), ...);
            return tao::pegtl::normal<Rule>::template match<A, mode, Action, Control>(in, st...);
        } else {
            return tao::pegtl::normal<Rule>::template match<A, mode, Action, Control>(in, st...);
        }
    }

    template <typename ParseInput, typename State>
    [[noreturn]] static void raise(const ParseInput& in, State& state) {
        static_assert(reported, "a rule that can fail under must<> needs a row in the error table");
        std::string_view op;
        if constexpr (requires { typename Rule::op; }) {
            op = spelling<typename Rule::op>;
            static_assert(!spelling<typename Rule::op>.empty(), "an operator named in a message needs a spelling");
        }
        const auto at = static_cast<std::uint32_t>(in.byte());
        state.raise(error_message<Rule>, at, op, at + matched_length(in));
    }

    // How much of the input `Rule` matches from where it failed, for `anchor::matched`. Only the
    // plain rules of `raise_at<>` have that anchor, so matching them again raises nothing.
    template <typename ParseInput>
    [[nodiscard]] static std::uint32_t matched_length(const ParseInput& in) {
        if constexpr (error_message<Rule>.at == anchor::matched) {
            tao::pegtl::memory_input<> probe(in.current(), in.end(), "");
            return tao::pegtl::parse<Rule>(probe) ? static_cast<std::uint32_t>(probe.current() - in.current()) : 0;
        } else {
            return 0;
        }
    }
};

}  // namespace vigil::grammar
