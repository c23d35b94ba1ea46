#pragma once
// Builds the syntax tree of a test file while the rules of tests_rules.hpp match. The actions are
// thin: each hands what its rule matched to the `builder`, the parser state, which keeps the
// pieces of the item being read until the item is complete. Because every item can be dropped as
// a whole (`recover_line<>` restores a checkpoint), a failed item never leaves half a node behind.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tao/pegtl.hpp>

#include "tests_errors.hpp"
#include "tests_rules.hpp"
#include "vigil/diagnostic.hpp"
#include "vigil/source.hpp"
#include "vigil/test_file.hpp"

namespace vigil::grammar::tests {

/// What `recover_line<>` restores when an item fails: which case was open when the item began.
struct checkpoint {
    bool case_open = false;
};

/// The parser state: the file being built, the diagnostics found so far, and the pieces of the
/// item being read.
class builder {
public:
    builder(const source_map& sources, file_id file);

    // Positions.
    [[nodiscard]] std::uint32_t offset(const char* p) const { return static_cast<std::uint32_t>(p - m_text.data()); }
    template <typename ActionInput>
    [[nodiscard]] span where(const ActionInput& in) const {
        return {m_file, offset(in.begin()), offset(in.end())};
    }
    /// True when only blanks stand between the start of the line and `at`.
    [[nodiscard]] bool starts_line(std::uint32_t at) const;

    // Strings and objects.
    void string_open(span quote) { m_string_open = quote; }
    /// Decodes the string just matched (quotes included) as a JSON string.
    void string(span where);
    void object_open(span brace);
    void object_close() { m_object_closed = true; }
    /// Parses the object just matched with nlohmann::json; reports it when unclosed or invalid.
    void object(span where);

    // Items.
    void policy_name();
    void policy(span where);
    void start(span where);
    void defaults(span where);
    void open_case(span keyword);
    void close_case(span where);
    void turn(bool record, span keyword);
    void turn_number(std::string_view digits);
    void target_turn(span where);
    void target_end(span where);
    void outcome(std::string_view word, span where);
    void rule_name(std::string_view name, span where);
    void decision(std::string_view word);
    /// The string just read is the message the expectation's finding must have.
    void expected_message();
    void no_violations();
    void expect(span where);
    /// The outcome word read last (`violation`, `undetermined` or `pass`), for error messages.
    [[nodiscard]] std::string_view last_word() const { return m_last_word; }

    // Errors and recovery.
    /// Records the syntax error described by `error` at byte `at` and throws `syntax_error`.
    [[noreturn]] void raise(const error_info& error, std::uint32_t at, std::string_view op);
    /// Records a diagnostic; a second one at the same position is dropped (the first explains it).
    void report(diagnostic d);
    [[nodiscard]] checkpoint save() const { return {m_case.has_value()}; }
    void restore(const checkpoint& saved);

    // Results.
    [[nodiscard]] test_file take_file() { return std::move(m_file_ast); }
    [[nodiscard]] std::vector<diagnostic> take_diagnostics() { return std::move(m_diagnostics); }

private:
    template <typename T>
    void set_once(std::optional<T>& slot, T value, std::string_view setting, span where);
    [[nodiscard]] std::uint32_t skip_trivia(std::uint32_t at) const;
    [[nodiscard]] span token_at(std::uint32_t at) const;
    [[nodiscard]] std::optional<test_json> take_object();

    const source_map& m_sources;
    file_id m_file;
    std::string_view m_text;

    test_file m_file_ast;
    std::vector<diagnostic> m_diagnostics;
    std::optional<test_case> m_case;

    // The pieces of the item being read.
    std::string m_string;
    span m_string_where;
    span m_string_open;
    span m_object_open;
    bool m_object_closed = false;
    std::optional<test_json> m_object;
    expectation m_expect;
    /// The digits of `turn N` when N is too large for any turn; then the expectation is reported,
    /// and left out.
    std::optional<std::string_view> m_turn_too_large;
    std::vector<ast::string_item> m_policy_names;
    std::string_view m_last_word;
};

// ---------------------------------------------------------------------------------- actions

template <typename Rule>
struct action : tao::pegtl::nothing<Rule> {};

template <>
struct action<rules::string_open> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.string_open(b.where(in));
    }
};

/// The strings of the grammar: each is `quoted` under its own name (for its error message).
struct string_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.string(b.where(in));
    }
};
template <>
struct action<rules::case_name> : string_action {};
/// A name of the `policy` line: kept until the line is complete.
struct policy_name_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.string(b.where(in));
        b.policy_name();
    }
};
template <>
struct action<rules::policy_name> : policy_name_action {};
template <>
struct action<rules::more_policy_name> : policy_name_action {};
template <>
struct action<rules::start_value> : string_action {};

template <>
struct action<rules::object_open> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.object_open(b.where(in));
    }
};

template <>
struct action<rules::object_close> {
    static void apply0(builder& b) { b.object_close(); }
};

template <typename Key>
struct action<rules::object_value<Key>> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.object(b.where(in));
    }
};

template <>
struct action<rules::policy_item> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.policy(b.where(in));
    }
};

template <>
struct action<rules::start_item> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.start(b.where(in));
    }
};

template <>
struct action<rules::defaults_item> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.defaults(b.where(in));
    }
};

template <>
struct action<rules::case_head> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_case(b.where(in));
    }
};

template <>
struct action<rules::case_decl> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.close_case(b.where(in));
    }
};

template <>
struct action<rules::record_item> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        const span all = b.where(in);
        b.turn(true, {all.file, all.begin, all.begin + 6});
    }
};

template <>
struct action<rules::turn_item> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        const span all = b.where(in);
        b.turn(false, {all.file, all.begin, all.begin + 4});
    }
};

template <>
struct action<rules::turn_number> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.turn_number(in.string_view());
    }
};

template <>
struct action<rules::target_turn> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.target_turn(b.where(in));
    }
};

template <>
struct action<rules::target_end> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.target_end(b.where(in));
    }
};

template <>
struct action<rules::outcome_word> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.outcome(in.string_view(), b.where(in));
    }
};

template <typename Key>
struct action<rules::rule_ref<Key>> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.rule_name(in.string_view(), b.where(in));
    }
};

template <>
struct action<rules::decision_value> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.decision(in.string_view());
    }
};

template <>
struct action<rules::expected_message> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.string(b.where(in));
        b.expected_message();
    }
};

template <>
struct action<rules::no_violations_claim> {
    static void apply0(builder& b) { b.no_violations(); }
};

template <>
struct action<rules::expect_item> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.expect(b.where(in));
    }
};

}  // namespace vigil::grammar::tests
