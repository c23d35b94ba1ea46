#pragma once
// What each failure of the test-file grammar means to a person. A rule that may fail under
// `must<>` has a row in the error table below; the control turns the failure into a diagnostic
// through the parser state, which records it and throws `syntax_error`.
//
// Message placeholders: `{op}` is the token the rule follows (the rule's nested `op` type),
// `{case}` the name of the case being read.

#include <cstdint>
#include <string_view>
#include <type_traits>

#include <tao/pegtl.hpp>

#include "tests_rules.hpp"

namespace vigil::grammar::tests {

/// Where a syntax diagnostic points.
enum class anchor : std::uint8_t {
    token,        // the token where the rule failed (after whitespace and comments)
    string_open,  // the opening quote of the string being read
};

/// One row of the error table.
struct error_info {
    const char* message = nullptr;  // nullptr: the rule is never reported
    anchor at = anchor::token;
    const char* help = nullptr;
    const char* suggest = nullptr;  // space-separated words offered as "did you mean `x`?"
};

/// The error table, keyed by rule.
template <typename Rule>
inline constexpr error_info error_message{};

/// How the tokens named by `{op}` are written.
template <typename Op>
inline constexpr std::string_view spelling{};

namespace detail {
inline constexpr const char* case_items = "record turn defaults expect";
inline constexpr const char* claims = "violation undetermined pass decision no";
}  // namespace detail

// clang-format off
template <> inline constexpr std::string_view spelling<rules::key_record> = "record";
template <> inline constexpr std::string_view spelling<rules::key_turn> = "turn";
template <> inline constexpr std::string_view spelling<rules::key_defaults> = "defaults";
template <> inline constexpr std::string_view spelling<rules::outcome_word> = "violation";  // or undetermined, pass: see control::raise
template <> inline constexpr std::string_view spelling<rules::rule_comma> = ",";

template <> inline constexpr error_info error_message<rules::file_item>{.message = "expected `policy`, `start`, `defaults` or `case`", .suggest = "policy start defaults case"};
template <> inline constexpr error_info error_message<rules::file_end>{.message = "expected `policy`, `start`, `defaults` or `case`", .suggest = "policy start defaults case"};
template <> inline constexpr error_info error_message<rules::policy_name>{.message = "expected the policy name in double quotes after `policy`"};
template <> inline constexpr error_info error_message<rules::more_policy_name>{.message = "expected a policy name in double quotes after `,`"};
template <> inline constexpr error_info error_message<rules::start_value>{.message = "expected a time in double quotes after `start`", .help = "write the time of every case's first turn as `start \"2026-03-02T09:00:00Z\"`"};
template <> inline constexpr error_info error_message<rules::case_name>{.message = "expected the case name in double quotes after `case`"};
template <> inline constexpr error_info error_message<rules::case_open>{.message = "expected `{` after the case name"};
template <> inline constexpr error_info error_message<rules::case_item>{.message = "expected `record`, `turn`, `defaults`, `expect` or `}`", .suggest = detail::case_items};
template <> inline constexpr error_info error_message<rules::case_close>{.message = "expected `}` to close case `{case}`"};
template <typename Key> inline constexpr error_info error_message<rules::object_value<Key>>{.message = "expected a JSON object after `{op}`", .help = "a record is one JSON object such as `{\"speaker\": \"ai\", \"text\": \"Hello\"}`; it may span several lines"};
template <> inline constexpr error_info error_message<rules::string_rest>{.message = "unterminated string", .at = anchor::string_open, .help = "a string ends with `\"` on the line where it starts"};
template <> inline constexpr error_info error_message<rules::turn_number>{.message = "expected a turn number after `turn`", .help = "the turns of a case count from 1 in the order they are written: `expect turn 2 violation some_rule`"};
template <> inline constexpr error_info error_message<rules::claim>{.message = "expected `violation`, `undetermined`, `pass`, `decision` or `no violations`", .suggest = detail::claims};
template <typename Key> inline constexpr error_info error_message<rules::rule_ref<Key>>{.message = "expected a rule name after `{op}`"};
template <> inline constexpr error_info error_message<rules::decision_value>{.message = "expected `allow`, `allow_with_remedies` or `deny` after `decision`", .suggest = "allow allow_with_remedies deny"};
template <> inline constexpr error_info error_message<rules::expected_message>{.message = "expected the message in double quotes after `message`", .help = "write the message the finding must have, as it is reported: `expect violation some_rule message \"the AI did not say so\"`"};
template <> inline constexpr error_info error_message<rules::no_violations_word>{.message = "expected `violations` after `no`"};
// clang-format on

/// Reported by the actions for an object whose `{` has no matching `}`.
inline constexpr error_info unclosed_object{
    .message = "unclosed `{`: the JSON object has no matching `}`",
    .help =
        "an object ends with the `}` that matches its `{`, before the next line that starts with "
        "`expect`, `turn`, `record`, `defaults` or `case`"};

/// The control: a rule with a row in the table matches completely or not at all (so the error
/// points at where it began), and its failure under `must<>` is reported through the state.
template <typename Rule>
struct control : tao::pegtl::normal<Rule> {
    static constexpr bool reported = error_message<Rule>.message != nullptr;

    template <tao::pegtl::apply_mode A, tao::pegtl::rewind_mode M, template <typename...> class Action,
              template <typename...> class Control, typename ParseInput, typename... States>
    [[nodiscard]] static bool match(ParseInput& in, States&&... st) {
        constexpr auto mode = reported ? tao::pegtl::rewind_mode::required : M;
        return tao::pegtl::normal<Rule>::template match<A, mode, Action, Control>(in, st...);
    }

    template <typename ParseInput, typename State>
    [[noreturn]] static void raise(const ParseInput& in, State& state) {
        static_assert(reported, "a rule that can fail under must<> needs a row in the error table");
        std::string_view op;
        if constexpr (requires { typename Rule::op; }) {
            static_assert(!spelling<typename Rule::op>.empty(), "an operator named in a message needs a spelling");
            op = spelling<typename Rule::op>;
            // The outcome words share one rule: name the one that was written.
            if constexpr (std::is_same_v<typename Rule::op, rules::outcome_word>) op = state.last_word();
        }
        state.raise(error_message<Rule>, static_cast<std::uint32_t>(in.byte()), op);
    }
};

}  // namespace vigil::grammar::tests
