// `vigil fmt`: a policy file that parses is laid out again token by token. The parser says that the
// file is sound and where its messages are; a lexer (layout.hpp) reads the tokens and comments
// back as written, and the printer decides only the white space between them: line breaks,
// indentation and spaces.
// It never adds, drops or reorders a token or a comment, so it cannot change what a file says; it
// checks that all the same, on the parse of what it printed, before it returns.
//
// Why not print the syntax tree: the tree keeps no parentheses, no spelling of numbers and strings
// and no comments, all of which the author's text must keep; the tokens keep them by construction.

#include "vigil/format.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layout.hpp"
#include "vigil/ast.hpp"
#include "vigil/meaning.hpp"
#include "vigil/parse.hpp"

namespace vigil {

namespace {

using grammar::layout::is_symbol;
using grammar::layout::one_of;
using grammar::layout::token;
using grammar::layout::token_kind;

// Where the messages of the file stand: the lexer takes each whole, since a placeholder holds
// an expression with strings of its own (`"{x default "none"}"`), even a comment, all printed
// as written.
std::vector<span> message_spans(const ast::module& module) {
    std::vector<span> spans;
    for (const ast::policy& p : module.policies) {
        for (const ast::rule& r : p.rules) {
            if (r.message) spans.push_back(r.message->where);
        }
    }
    std::sort(spans.begin(), spans.end(), [](const span& a, const span& b) { return a.begin < b.begin; });
    return spans;
}

// Whether `word` starts an item at `depth` of blocks (0 a file, 1 a policy, 2 a rule).
bool starts_item_at(std::size_t depth, std::string_view word) {
    if (depth > 2) return false;
    const auto words = item_words(static_cast<item_level>(depth));
    return std::find(words.begin(), words.end(), word) != words.end();
}

// After an operator word, a `-` negates and a `[` opens a list.
bool is_operator_word(std::string_view word) {
    const auto words = operator_words();
    return std::find(words.begin(), words.end(), word) != words.end();
}

// Lays out the tokens of one file. An item (`let ...`, `when ...`, `rule x {`) starts a line,
// indented by its depth of blocks; its tokens follow on that line, except where the author broke
// the line inside its value (the expression, the list of tags or remedies), where the break is
// kept and the new line indented: under the first token of the value, or inside an open bracket
// one column after it, or, when a line break follows the bracket, two spaces deeper than the line
// that opened it. Blocks nest: the file (depth 0), a policy (1), a rule (2). Comments go where
// block_printer puts them.
class printer : public grammar::layout::block_printer<printer> {
public:
    explicit printer(const std::vector<token>& tokens) : block_printer(tokens) {}

private:
    friend class block_printer<printer>;

    enum class item_kind : std::uint8_t { none, block, definition, deferred, other };

    // Where a `then within N turns where FILTER require CONDITION` item is: its words `within`,
    // `turns`, `where`, `require` and `forbid` are keywords there and not names.
    enum class then_part : std::uint8_t { keyword, within, count, unit, filter, obligation };

    // The `require` or `forbid` of a `then`, once its filter (if any) is complete.
    bool is_obligation(std::size_t i) const {
        const token& t = m_tokens[i];
        return m_item == item_kind::deferred && m_brackets.empty() && !m_expects_operand &&
               (m_then == then_part::unit || m_then == then_part::filter) && t.kind == token_kind::word &&
               (t.text == "require" || t.text == "forbid");
    }

    // A statement keyword where an operand is expected is a name (`when message.flagged`, as
    // rules.hpp's `variable` reads it) or a field (`x.require`); anywhere else it starts an item.
    bool starts_item(std::size_t i) const {
        const token& t = m_tokens[i];
        return t.kind == token_kind::word && m_brackets.empty() && !m_expects_operand &&
               starts_item_at(m_depth, t.text) && !is_obligation(i);
    }

    // Whether the item's value has begun: its first token, after `let name =` or after the item's
    // keyword, is written. Only there is a line break of the author's kept; a policy or rule header
    // has no value, so it stays on one line.
    [[nodiscard]] bool in_value() const {
        if (m_item == item_kind::block || m_item == item_kind::none) return false;
        return m_item_tokens > value_index();
    }
    [[nodiscard]] std::size_t value_index() const { return m_item == item_kind::definition ? 3 : 1; }

    // A `then` item broken before `where`, `require` or `forbid` goes on two spaces deeper, as
    // the shipped files write it.
    [[nodiscard]] bool starts_then_part(std::size_t i) const {
        const token& t = m_tokens[i];
        return m_item == item_kind::deferred && m_brackets.empty() &&
               ((m_then == then_part::unit && t.kind == token_kind::word && t.text == "where") || is_obligation(i));
    }

    [[nodiscard]] std::size_t continuation_indent(std::size_t i) const {
        const token& t = m_tokens[i];
        if (m_item == item_kind::block) return m_item_indent;  // a comment broke the header
        if (starts_then_part(i)) return m_item_indent + 2;
        if (!m_brackets.empty()) {
            const grammar::layout::open_bracket& b = m_brackets.back();
            return b.indent_inside(t.kind == token_kind::symbol && t.text.size() == 1 && t.text[0] == b.close);
        }
        if (m_value_column) return *m_value_column;
        return m_item_indent + 4;  // a comment broke the line before the value began
    }

    void write(std::string_view text) { m_out.write(text); }

    void code(std::size_t i) {
        const token& t = m_tokens[i];
        if (is_symbol(t, "}")) {
            if (m_depth > 0) --m_depth;
            new_line(m_depth * 2, false);
            m_item = item_kind::none;
            written(i, true);
            return;
        }
        if (starts_item(i)) {
            new_line(m_depth * 2, t.breaks >= 2 && !m_after_open_brace);
            begin_item(t);
            written(i, false);
            return;
        }
        if (m_break_next || (t.breaks > 0 && in_value())) {
            new_line(continuation_indent(i), false);
        } else if (spaced(t)) {
            write(" ");
        }
        if (m_item_tokens == value_index() || m_part_begins) m_value_column = m_out.column();
        written(i, false);
    }

    void begin_item(const token& keyword) {
        m_item = keyword.text == "policy" || keyword.text == "rule" ? item_kind::block
                 : keyword.text == "let"                            ? item_kind::definition
                 : keyword.text == "then"                           ? item_kind::deferred
                                                                    : item_kind::other;
        m_item_tokens = 0;
        m_item_indent = m_depth * 2;
        m_value_column.reset();
        m_then = then_part::keyword;
        m_part_begins = false;
        m_brackets.clear();
    }

    // Whether a space separates `t` from the token before it on the same line.
    [[nodiscard]] bool spaced(const token& t) const {
        if (m_glue_next) return false;  // after a unary minus
        if (is_symbol(t, ")") || is_symbol(t, "]") || is_symbol(t, ",") || is_symbol(t, ":") || is_symbol(t, "."))
            return false;
        if (m_previous_opens) return false;                              // after `(`, `[` or `.`
        if (is_symbol(t, "(") && m_previous_is_name) return false;       // a call
        if (is_symbol(t, "[") && m_previous_ends_operand) return false;  // an index
        return true;
    }

    // Whether the word at `i` is a keyword where it stands, rather than a name.
    bool keyword_here(std::size_t i, bool first_of_item) {
        const token& t = m_tokens[i];
        if (m_previous_dot) return false;  // a field may have any name: `x.count`, `x.require`
        if (first_of_item || is_operator_word(t.text)) return true;
        if (m_item != item_kind::deferred) return false;
        if (is_obligation(i)) {
            m_then = then_part::obligation;
            return true;
        }
        if (m_then == then_part::keyword && t.text == "within") {
            m_then = then_part::within;
            return true;
        }
        if (m_then == then_part::count && (t.text == "turns" || t.text == "turn")) {
            m_then = then_part::unit;
            return true;
        }
        if (m_then == then_part::unit && t.text == "where") {
            m_then = then_part::filter;
            return true;
        }
        return false;
    }

    // Writes the token at `i` where the line now stands, and notes what it means for the next.
    void written(std::size_t i, bool closes_block) {
        const token& t = m_tokens[i];
        const bool first_of_item = m_item_tokens == 0 && !closes_block;
        const then_part part = m_then;
        const bool keyword = t.kind == token_kind::word && keyword_here(i, first_of_item);
        // The filter and the condition of a `then` are values of their own, for continuation lines.
        m_part_begins = m_then != part && (m_then == then_part::filter || m_then == then_part::obligation);
        if (t.kind == token_kind::number && m_item == item_kind::deferred && m_then == then_part::within)
            m_then = then_part::count;

        const std::size_t column = m_out.column();
        write(t.text);
        ++m_item_tokens;

        const bool unary_minus = is_symbol(t, "-") && !m_previous_ends_operand;
        m_glue_next = unary_minus;
        m_previous_dot = is_symbol(t, ".");
        m_previous_opens = is_symbol(t, "(") || is_symbol(t, "[") || m_previous_dot;
        m_previous_is_name = t.kind == token_kind::word && !keyword;
        m_previous_ends_operand = m_previous_is_name || t.kind == token_kind::number || t.kind == token_kind::string ||
                                  t.kind == token_kind::verbatim || is_symbol(t, ")") || is_symbol(t, "]");
        // After a `then`'s unit comes `where` or the obligation, never an operand.
        const bool unit = keyword && m_item == item_kind::deferred && m_then == then_part::unit && part != m_then;
        m_expects_operand = !m_previous_ends_operand && !is_symbol(t, "{") && !is_symbol(t, "}") && !unit;
        m_after_open_brace = false;

        if (is_symbol(t, "(") || is_symbol(t, "[")) {
            const std::size_t next = i + 1;
            const bool hanging =
                next < m_tokens.size() && (m_tokens[next].breaks > 0 || m_tokens[next].kind == token_kind::comment);
            m_brackets.push_back({t.text[0] == '(' ? ')' : ']', column, m_out.line_indent(), hanging});
        } else if ((is_symbol(t, ")") || is_symbol(t, "]")) && !m_brackets.empty()) {
            m_brackets.pop_back();
        } else if (is_symbol(t, "{")) {
            ++m_depth;
            m_item = item_kind::none;
            m_after_open_brace = true;
        }
    }

    item_kind m_item = item_kind::none;
    std::size_t m_item_tokens = 0;  // tokens of the item written so far, its keyword included
    std::size_t m_item_indent = 0;
    std::optional<std::size_t> m_value_column;
    then_part m_then = then_part::keyword;
    bool m_part_begins = false;  // the next token begins the filter or the condition of a `then`
    std::vector<grammar::layout::open_bracket> m_brackets;  // `(` and `[`

    bool m_glue_next = false;
    bool m_expects_operand = false;  // the token before is an operator, a keyword, `(`, `.`, ...
    bool m_previous_opens = false;
    bool m_previous_dot = false;
    bool m_previous_is_name = false;
    bool m_previous_ends_operand = false;
};

// The policy grammar, as layout::format_file() takes it.
struct policy_language {
    using tree = ast::module;
    static result<tree> parse(const source_map& sources, file_id file) {
        ast::node_id next_id = 1;
        return vigil::parse(sources, file, next_id);
    }
    static std::string meaning(const tree& module) { return meaning_hash(module); }
    static std::vector<span> verbatim_spans(const tree& module) { return message_spans(module); }
    static std::string print(const std::vector<token>& tokens) { return printer(tokens).print(); }
};

}  // namespace

result<std::string> format_policy(const source_map& sources, file_id file) {
    return grammar::layout::format_file<policy_language>(sources, file);
}

}  // namespace vigil
