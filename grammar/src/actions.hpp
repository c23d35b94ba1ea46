#pragma once
// Builds the AST while the rules of rules.hpp match. The actions are thin: each hands what its
// rule matched to the `builder`, the parser state, which keeps the pieces of the item being
// read on small stacks until the item is complete. Because every item can be dropped as a
// whole (`recover<>` restores a checkpoint), a failed item never leaves half a node behind.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tao/pegtl.hpp>

#include "errors.hpp"
#include "rules.hpp"
#include "vigil/ast.hpp"
#include "vigil/diagnostic.hpp"
#include "vigil/source.hpp"

namespace vigil::grammar {

/// What `recover<>` restores when an item fails: the height of every stack and which blocks
/// were open when the item began.
struct checkpoint {
    std::size_t operands = 0;
    std::size_t frames = 0;
    std::size_t names = 0;
    std::size_t strings = 0;
    std::size_t remedies = 0;
    bool policy_open = false;
    bool rule_open = false;
};

/// The parser state: the module being built, the diagnostics found so far, and the pieces of
/// the item being read.
class builder {
public:
    /// Parses into a module of `file`; node ids come from `next_id`, which is advanced.
    builder(const source_map& sources, file_id file, ast::node_id& next_id);

    // Positions.
    [[nodiscard]] std::uint32_t offset(const char* p) const {
        return static_cast<std::uint32_t>(p - m_text.data());
    }
    template <typename ActionInput>
    [[nodiscard]] span where(const ActionInput& in) const {
        return {m_file, offset(in.begin()), offset(in.end())};
    }
    /// The identifier (or keyword) that starts at `begin`.
    [[nodiscard]] span word_at(std::uint32_t begin) const;
    /// True when only blanks stand between the start of the line and `at`.
    [[nodiscard]] bool starts_line(std::uint32_t at) const;

    // String literals: their text is collected, unescaped, until the closing quote.
    void open_string(span quote);
    void open_embedded_string(span quote);  // `\"`, allowed in a message placeholder only
    void append(std::string_view text) { m_buffer.append(text); }
    void mark_escape(std::uint32_t backslash) { m_escape_at = backslash; }
    void simple_escape(char code);
    void unicode_escape(std::string_view code);  // "uXXXX" or "uXXXX\uXXXX"
    void close_string(std::uint32_t end);
    /// Keeps the string just read for the setting that takes it.
    void push_string();

    // Message templates.
    void open_template(span quote);
    void open_placeholder(span brace);
    void close_placeholder();
    void close_template();
    void message_text(span where);

    // Expressions: operands wait on a stack until the operator that takes them completes.
    void number(std::string_view text, span where);
    void string_literal(span where);
    void literal(ast::literal value, span where);
    void variable(std::string name, span where);
    void binary(ast::binary_op op);
    void prefix(ast::unary_op op, std::uint32_t begin);
    void select(std::string field, span field_where);
    void index(std::uint32_t end);
    void parenthesized(span where);  // closes the frame its `(` opened
    /// Opens a list, call, parenthesis or quantifier: what is pushed from now on belongs to it.
    /// `opened` is the bracket that opens it, for "expected `)`" and the like.
    void open_frame(std::string name, span name_where, span opened);
    void close_list(span where);
    void close_call(span where);
    void close_quantifier(ast::quantifier_kind kind, span where);

    // Items.
    void push_name(std::string name, span where);
    void import_declaration();
    void definition(span where);
    void open_policy();
    void close_policy(span where);
    void open_rule(std::string name, span name_where);
    void close_rule(span where);
    void policy_setting(std::optional<ast::string_item> ast::policy::*slot, std::string_view setting, span where);
    void description(span where);
    void reference();
    void effective_bound(bool until);
    void effective(span where);
    void severity(span where);
    void tags();
    void clause(ast::clause_kind kind, std::uint32_t keyword_begin);
    void message(span where);
    void remedy_kind(std::string kind, span where);
    void remedy_argument();
    void remedies();
    void then_count(std::string_view digits, span where);
    void then_filter();
    void then_obligation(ast::clause_kind kind);
    void then_setting(span where);

    // Errors and recovery.
    /// Records the syntax error described by `error` at byte `at` and throws `syntax_error`; `end`
    /// ends the text it underlines when the error is anchored at what was matched.
    [[noreturn]] void raise(const error_info& error, std::uint32_t at, std::string_view op, std::uint32_t end = 0);
    /// The error to report for `error` where the parser is: a more telling one in some places.
    [[nodiscard]] const error_info& reported_as(const error_info& error) const;
    /// Records a diagnostic; a second one at the same position is dropped (the first explains it).
    void report(diagnostic d);
    [[nodiscard]] checkpoint save() const;
    void restore(const checkpoint& saved);

    // Results.
    [[nodiscard]] ast::module take_module() { return std::move(m_module); }
    [[nodiscard]] ast::expr_ptr take_expression();
    [[nodiscard]] std::vector<diagnostic> take_diagnostics() { return std::move(m_diagnostics); }

private:
    struct frame {
        std::size_t height = 0;  // operands below this belong to enclosing expressions
        std::string name;        // function or quantifier variable; empty for a list
        span name_where;
        span opened;             // the opening bracket, if any
    };

    template <typename Kind>
    void push(span where, Kind kind);  // a node whose children were just popped
    [[nodiscard]] ast::expr_ptr pop();   // a child of the node about to be pushed
    [[nodiscard]] ast::expr_ptr take();  // a complete expression, for the item that holds it
    [[nodiscard]] ast::string_item pop_string();
    [[nodiscard]] ast::word_item pop_name();
    [[nodiscard]] std::vector<ast::expr_ptr> pop_frame(frame& opened);
    void flush_text();
    void append_code_point(char32_t code_point);
    [[nodiscard]] std::string owner() const;
    template <typename T>
    void set_once(std::optional<T>& slot, T value, std::string_view setting, span where);
    [[nodiscard]] std::uint32_t skip_trivia(std::uint32_t at) const;
    [[nodiscard]] span token_at(std::uint32_t at) const;
    [[nodiscard]] span after_previous_token(std::uint32_t at) const;  // anchor::after
    [[nodiscard]] span escape_at(std::uint32_t backslash) const;

    const source_map& m_sources;
    file_id m_file;
    std::string_view m_text;
    ast::node_id& m_next_id;

    ast::module m_module;
    std::vector<diagnostic> m_diagnostics;
    std::optional<ast::policy> m_policy;
    std::optional<ast::rule> m_rule;

    std::vector<ast::expr_ptr> m_operands;
    std::vector<std::uint32_t> m_heights;  // height of each operand's tree
    std::uint32_t m_children_height = 0;   // tallest child popped for the next node
    std::vector<frame> m_frames;
    std::vector<ast::word_item> m_names;
    std::vector<ast::string_item> m_strings;
    std::vector<ast::remedy> m_remedies;
    std::optional<ast::effective_period> m_effective;
    std::optional<ast::deferred> m_then;  // the `then ...` setting being read
    std::optional<ast::message_template> m_message;
    std::vector<ast::template_part> m_parts;

    std::string m_buffer;           // text of the string or message part being read
    ast::string_item m_last_string; // the string literal read last
    span m_string_open;             // opening quote of the string being read
    span m_template_open;           // opening quote of the message being read
    span m_placeholder_open;        // `{` of the placeholder being read
    bool m_in_string = false;
    bool m_in_template = false;
    bool m_in_placeholder = false;
    std::uint32_t m_escape_at = 0;  // backslash of the escape being read
};

// ---------------------------------------------------------------------------------- actions

template <typename Rule>
struct action : tao::pegtl::nothing<Rule> {};

namespace detail {

template <ast::binary_op Op>
struct binary_action {
    static void apply0(builder& b) { b.binary(Op); }
};

template <ast::unary_op Op>
struct prefix_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.prefix(Op, b.offset(in.begin()));
    }
};

template <ast::quantifier_kind Kind>
struct quantifier_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.close_quantifier(Kind, b.where(in));
    }
};

template <ast::clause_kind Kind>
struct clause_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.clause(Kind, b.offset(in.begin()));
    }
};

struct open_string_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_string(b.where(in));
    }
};

struct append_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.append(in.string_view());
    }
};

struct close_string_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.close_string(b.offset(in.end()));
    }
};

struct push_string_action {
    static void apply0(builder& b) { b.push_string(); }
};

struct push_name_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.push_name(in.string(), b.where(in));
    }
};

template <std::optional<ast::string_item> ast::policy::*Slot>
struct policy_setting_action {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        const span where = b.where(in);
        const span keyword = b.word_at(where.begin);
        b.policy_setting(Slot, std::string_view(in.begin(), keyword.end - keyword.begin), where);
    }
};

}  // namespace detail

// Strings.
template <> struct action<rules::quote_open> : detail::open_string_action {};
template <> struct action<rules::raw_open> : detail::open_string_action {};
template <> struct action<rules::string_text> : detail::append_action {};
template <> struct action<rules::embedded_text> : detail::append_action {};
template <> struct action<rules::embedded_rest> : detail::close_string_action {};

template <>
struct action<rules::embedded_open> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_embedded_string(b.where(in));
    }
};
template <> struct action<rules::raw_text> : detail::append_action {};
template <> struct action<rules::string_rest> : detail::close_string_action {};
template <> struct action<rules::raw_rest> : detail::close_string_action {};

template <>
struct action<rules::escape_start> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.mark_escape(b.offset(in.begin()));
    }
};

template <>
struct action<rules::simple_escape> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.simple_escape(*in.begin());
    }
};

template <>
struct action<rules::unicode_escape> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.unicode_escape(in.string_view());
    }
};

// Message templates.
template <> struct action<rules::template_text> : detail::append_action {};

template <>
struct action<rules::template_open> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_template(b.where(in));
    }
};

template <>
struct action<rules::brace_open_escape> {
    static void apply0(builder& b) { b.append("{"); }
};

template <>
struct action<rules::brace_close_escape> {
    static void apply0(builder& b) { b.append("}"); }
};

template <>
struct action<rules::placeholder_open> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_placeholder(b.where(in));
    }
};

template <>
struct action<rules::placeholder> {
    static void apply0(builder& b) { b.close_placeholder(); }
};

template <>
struct action<rules::template_rest> {
    static void apply0(builder& b) { b.close_template(); }
};

template <>
struct action<rules::message_template> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.message_text(b.where(in));
    }
};

// Expressions.
template <>
struct action<rules::number> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.number(in.string_view(), b.where(in));
    }
};

template <>
struct action<rules::string_value> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.string_literal(b.where(in));
    }
};

template <>
struct action<rules::literal_true> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.literal({true}, b.where(in));
    }
};

template <>
struct action<rules::literal_false> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.literal({false}, b.where(in));
    }
};

template <>
struct action<rules::literal_null> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.literal({}, b.where(in));
    }
};

template <>
struct action<rules::variable> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.variable(in.string(), b.where(in));
    }
};

template <>
struct action<rules::list_open> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_frame({}, {}, b.where(in));
    }
};

template <>
struct action<rules::paren_open> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_frame({}, {}, b.where(in));
    }
};

template <>
struct action<rules::list> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.close_list(b.where(in));
    }
};

template <>
struct action<rules::parenthesized> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.parenthesized(b.where(in));
    }
};

template <>
struct action<rules::call_open> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        const span name = b.word_at(b.offset(in.begin()));
        const span paren{name.file, b.offset(in.end()) - 1, b.offset(in.end())};
        b.open_frame(std::string(in.begin(), name.end - name.begin), name, paren);
    }
};

template <>
struct action<rules::call> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.close_call(b.where(in));
    }
};

template <typename Key>
struct action<rules::bound_variable<Key>> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_frame(in.string(), b.where(in), {});
    }
};

template <> struct action<rules::any_quantifier> : detail::quantifier_action<ast::quantifier_kind::any> {};
template <> struct action<rules::all_quantifier> : detail::quantifier_action<ast::quantifier_kind::all> {};
template <> struct action<rules::none_quantifier> : detail::quantifier_action<ast::quantifier_kind::none> {};
template <> struct action<rules::count_quantifier> : detail::quantifier_action<ast::quantifier_kind::count> {};

template <>
struct action<rules::field_name> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.select(in.string(), b.where(in));
    }
};

template <>
struct action<rules::index_suffix> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.index(b.offset(in.end()));
    }
};

template <> struct action<rules::negation> : detail::prefix_action<ast::unary_op::negate> {};
template <> struct action<rules::logical_not> : detail::prefix_action<ast::unary_op::not_> {};

template <> struct action<rules::default_tail> : detail::binary_action<ast::binary_op::default_> {};
template <> struct action<rules::times_tail> : detail::binary_action<ast::binary_op::mul> {};
template <> struct action<rules::divide_tail> : detail::binary_action<ast::binary_op::div> {};
template <> struct action<rules::modulo_tail> : detail::binary_action<ast::binary_op::mod> {};
template <> struct action<rules::plus_tail> : detail::binary_action<ast::binary_op::add> {};
template <> struct action<rules::minus_tail> : detail::binary_action<ast::binary_op::sub> {};
template <> struct action<rules::eq_tail> : detail::binary_action<ast::binary_op::eq> {};
template <> struct action<rules::ne_tail> : detail::binary_action<ast::binary_op::ne> {};
template <> struct action<rules::le_tail> : detail::binary_action<ast::binary_op::le> {};
template <> struct action<rules::ge_tail> : detail::binary_action<ast::binary_op::ge> {};
template <> struct action<rules::lt_tail> : detail::binary_action<ast::binary_op::lt> {};
template <> struct action<rules::gt_tail> : detail::binary_action<ast::binary_op::gt> {};
template <> struct action<rules::in_tail> : detail::binary_action<ast::binary_op::in> {};
template <> struct action<rules::not_in_tail> : detail::binary_action<ast::binary_op::not_in> {};
template <> struct action<rules::contains_tail> : detail::binary_action<ast::binary_op::contains> {};
template <> struct action<rules::starts_with_tail> : detail::binary_action<ast::binary_op::starts_with> {};
template <> struct action<rules::ends_with_tail> : detail::binary_action<ast::binary_op::ends_with> {};
template <> struct action<rules::matches_tail> : detail::binary_action<ast::binary_op::matches> {};
template <> struct action<rules::and_tail> : detail::binary_action<ast::binary_op::and_> {};
template <> struct action<rules::or_tail> : detail::binary_action<ast::binary_op::or_> {};

// Files and policies.
template <> struct action<rules::import_path> : detail::push_string_action {};
template <typename Key> struct action<rules::setting_value<Key>> : detail::push_string_action {};
template <> struct action<rules::definition_name> : detail::push_name_action {};
template <> struct action<rules::severity_value> : detail::push_name_action {};

template <>
struct action<rules::import_decl> {
    static void apply0(builder& b) { b.import_declaration(); }
};

template <>
struct action<rules::definition> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.definition(b.where(in));
    }
};

template <>
struct action<rules::policy_name> {
    static void apply0(builder& b) { b.open_policy(); }
};

template <>
struct action<rules::policy_decl> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.close_policy(b.where(in));
    }
};

template <> struct action<rules::version_setting> : detail::policy_setting_action<&ast::policy::version> {};
template <> struct action<rules::owner_setting> : detail::policy_setting_action<&ast::policy::owner> {};
template <> struct action<rules::schema_setting> : detail::policy_setting_action<&ast::policy::schema> {};

template <>
struct action<rules::description_setting> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.description(b.where(in));
    }
};

template <>
struct action<rules::reference_setting> {
    static void apply0(builder& b) { b.reference(); }
};

template <>
struct action<rules::effective_from> {
    static void apply0(builder& b) { b.effective_bound(false); }
};

template <>
struct action<rules::effective_until> {
    static void apply0(builder& b) { b.effective_bound(true); }
};

template <>
struct action<rules::effective_setting> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.effective(b.where(in));
    }
};

// Rules.
template <>
struct action<rules::rule_name> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.open_rule(in.string(), b.where(in));
    }
};

template <>
struct action<rules::rule_decl> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.close_rule(b.where(in));
    }
};

template <>
struct action<rules::severity_setting> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.severity(b.where(in));
    }
};

template <>
struct action<rules::tags_setting> {
    static void apply0(builder& b) { b.tags(); }
};

template <> struct action<rules::when_clause> : detail::clause_action<ast::clause_kind::when> {};
template <> struct action<rules::require_clause> : detail::clause_action<ast::clause_kind::require> {};
template <> struct action<rules::forbid_clause> : detail::clause_action<ast::clause_kind::forbid> {};
template <> struct action<rules::unless_clause> : detail::clause_action<ast::clause_kind::unless> {};

template <>
struct action<rules::message_setting> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.message(b.where(in));
    }
};

template <typename Key>
struct action<rules::remedy_kind<Key>> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.remedy_kind(in.string(), b.where(in));
    }
};

template <>
struct action<rules::remedy_argument> {
    static void apply0(builder& b) { b.remedy_argument(); }
};

template <>
struct action<rules::remedy_setting> {
    static void apply0(builder& b) { b.remedies(); }
};

template <>
struct action<rules::then_count> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.then_count(in.string_view(), b.where(in));
    }
};

template <>
struct action<rules::then_filter> {
    static void apply0(builder& b) { b.then_filter(); }
};

template <>
struct action<rules::then_require> {
    static void apply0(builder& b) { b.then_obligation(ast::clause_kind::require); }
};

template <>
struct action<rules::then_forbid> {
    static void apply0(builder& b) { b.then_obligation(ast::clause_kind::forbid); }
};

template <>
struct action<rules::then_setting> {
    template <typename ActionInput>
    static void apply(const ActionInput& in, builder& b) {
        b.then_setting(b.where(in));
    }
};

}  // namespace vigil::grammar
