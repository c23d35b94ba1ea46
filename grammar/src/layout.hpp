#pragma once
// What the two layouts of `vigil fmt` share, for policy files (format.cpp) and test files
// (format_tests.cpp): the lexer that reads a file that parses back as tokens and comments as
// written, the writer of indented lines, and the driver that parses, prints and then checks the
// printed text on its own parse. Each layout brings only its grammar's words and where its lines
// break.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/diagnostic.hpp"
#include "vigil/source.hpp"

namespace vigil::grammar::layout {

enum class token_kind : std::uint8_t {
    word,
    number,
    string,
    verbatim,  // a piece the parse found and the layout keeps whole: a message, a JSON object
    symbol,
    comment,
};

struct token {
    token_kind kind;
    std::string_view text;     // as written; a comment without the blanks at its end
    std::uint32_t breaks = 0;  // line breaks in the blank space before it
};

/// The tokens of a file that parses: words, numbers (`1.5e3` whole), strings, raw strings, the
/// pieces at `verbatim` (sorted by where they begin, each taken whole whatever it holds), the
/// two-character comparisons and single symbols, and comments (`#` or `//` to the end of the line).
/// A byte-order mark at the start is skipped, as both grammars skip it.
[[nodiscard]] std::vector<token> tokenize(std::string_view text, const std::vector<span>& verbatim);

/// The comments among `tokens`, in order.
[[nodiscard]] std::vector<std::string_view> comments_of(const std::vector<token>& tokens);

[[nodiscard]] inline bool is_symbol(const token& t, std::string_view symbol) {
    return t.kind == token_kind::symbol && t.text == symbol;
}

template <std::size_t N>
[[nodiscard]] bool one_of(std::string_view word, const std::string_view (&words)[N]) {
    return std::find(std::begin(words), std::end(words), word) != std::end(words);
}

/// The text of the layout, line by line: where the line being written stands (in code points) and
/// how deep it is indented. A `\r\n` written becomes `\n`.
class line_writer {
public:
    /// Ends the line being written (and adds a blank line when asked), then indents the next one.
    /// The first line of the text needs no line break before it.
    void new_line(std::size_t indent, bool blank_before);
    void write(std::string_view text);

    [[nodiscard]] bool empty() const { return m_out.empty(); }
    [[nodiscard]] std::size_t column() const { return m_column; }
    [[nodiscard]] std::size_t line_indent() const { return m_line_indent; }

    /// The text written, ending with one line break unless it is empty.
    [[nodiscard]] std::string finish();

private:
    std::string m_out;
    std::size_t m_column = 0;       // code points on the line being written
    std::size_t m_line_indent = 0;  // the indentation of that line
};

/// A bracket still open where a line breaks inside it (`(` or `[` in a policy, `{` or `[` in a JSON
/// object): both layouts indent the lines inside brackets alike.
struct open_bracket {
    char close;          // the bracket that closes it
    std::size_t column;  // where it stands
    std::size_t indent;  // the indentation of the line that opened it
    bool hanging;        // a line break follows it, so its content goes under its line

    /// Where a line inside it starts: one column after it, or two spaces deeper than the line that
    /// opened it when it is hanging; a line that starts with its closing bracket goes under it, or
    /// under that line when it is hanging.
    [[nodiscard]] std::size_t indent_inside(bool line_closes_it) const {
        if (hanging) return line_closes_it ? indent : indent + 2;
        return line_closes_it ? column : column + 1;
    }
};

/// What the printers of both layouts do alike: they walk the tokens of a file of nested blocks
/// (`{` ... `}`), and place comments the same way. A comment after code stays at the end of that
/// line after one space; a comment on a line of its own takes the indentation of what follows it:
/// the block's when an item or the block's `}` follows, else where the item's next token goes.
/// A blank line before an item or such a comment is kept (a run of them as one), except right
/// after a `{`.
///
/// `Printer` derives from block_printer<Printer> and has `void code(std::size_t i)`, which writes
/// the token at `i`, `bool starts_item(std::size_t i) const` and
/// `std::size_t continuation_indent(std::size_t i) const`, where a token goes that a comment pushed
/// to the next line.
template <typename Printer>
class block_printer {
public:
    explicit block_printer(const std::vector<token>& tokens) : m_tokens(tokens) {}

    /// The layout of the tokens.
    [[nodiscard]] std::string print() {
        for (std::size_t i = 0; i < m_tokens.size(); ++i) {
            if (m_tokens[i].kind == token_kind::comment) {
                comment(i);
            } else {
                static_cast<Printer&>(*this).code(i);
            }
        }
        return m_out.finish();
    }

protected:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    [[nodiscard]] std::size_t next_code(std::size_t i) const {
        for (++i; i < m_tokens.size(); ++i) {
            if (m_tokens[i].kind != token_kind::comment) return i;
        }
        return npos;
    }

    void new_line(std::size_t indent, bool blank_before) {
        m_out.new_line(indent, blank_before);
        m_break_next = false;
    }

    void comment(std::size_t i) {
        const token& t = m_tokens[i];
        const Printer& self = static_cast<const Printer&>(*this);
        if (t.breaks == 0 && !m_out.empty()) {
            m_out.write(" ");
            m_out.write(t.text);
        } else {
            const std::size_t next = next_code(i);
            const bool item_level = next == npos || is_symbol(m_tokens[next], "}") || self.starts_item(next);
            const std::size_t indent = item_level ? m_depth * 2 : self.continuation_indent(next);
            new_line(indent, item_level && t.breaks >= 2 && !m_after_open_brace);
            m_out.write(t.text);
            m_after_open_brace = false;
        }
        m_break_next = true;  // a comment runs to the end of its line
    }

    const std::vector<token>& m_tokens;
    line_writer m_out;
    std::size_t m_depth = 0;    // blocks open
    bool m_break_next = false;  // a comment ended the line
    bool m_after_open_brace = false;
};

/// Whether two verbatim pieces say the same: equal but for the blanks around their line breaks
/// (the indentation that a layout may change) and `\r` before a line break.
[[nodiscard]] bool same_but_indentation(std::string_view a, std::string_view b);

/// The layout of one file, for a `Language` that says how to parse the file, what a parse means,
/// where its verbatim pieces are and how its tokens are printed:
///
///     using tree = ...;
///     static result<tree> parse(const source_map&, file_id);
///     static std::string meaning(const tree&);            // equal for trees that say the same
///     static std::vector<span> verbatim_spans(const tree&);  // sorted
///     static std::string print(const std::vector<token>&);
///
/// A file that does not parse without errors has no layout: the result holds the parser's
/// diagnostics. Throws std::logic_error, a bug, when the printed text does not parse, says
/// something else, changes a verbatim piece but for its indentation, or loses, adds or reorders a
/// comment: the layout only moves white space, and this checks it did.
template <typename Language>
[[nodiscard]] result<std::string> format_file(const source_map& sources, file_id file);

// ------------------------------------------------------------------------ implementation

namespace detail {

struct lexed {
    std::vector<token> tokens;
    std::vector<std::string_view> verbatim;
};

inline lexed lex(std::string_view text, const std::vector<span>& verbatim_spans) {
    lexed out{tokenize(text, verbatim_spans), {}};
    for (const token& t : out.tokens) {
        if (t.kind == token_kind::verbatim) out.verbatim.push_back(t.text);
    }
    return out;
}

[[noreturn]] inline void layout_bug(const std::string& name, const std::string& what) {
    throw std::logic_error("the canonical layout of `" + name + "` " + what);
}

template <typename Language>
void check_layout(const typename Language::tree& original, const lexed& before, const std::string& formatted,
                  const std::string& name) {
    source_map again;
    const file_id file = again.add(name, formatted);
    const result<typename Language::tree> reparsed = Language::parse(again, file);
    if (!reparsed.value || has_errors(reparsed.diagnostics)) {
        layout_bug(name, "does not parse: " + (reparsed.diagnostics.empty()
                                                   ? std::string("no diagnostic")
                                                   : render_text(reparsed.diagnostics.front(), again)));
    }
    if (Language::meaning(*reparsed.value) != Language::meaning(original)) {
        layout_bug(name, "says something else than the file");
    }
    const lexed after = lex(again.file(file).text, Language::verbatim_spans(*reparsed.value));
    if (comments_of(after.tokens) != comments_of(before.tokens)) {
        layout_bug(name, "does not keep its comments in order");
    }
    bool same_verbatim = after.verbatim.size() == before.verbatim.size();
    for (std::size_t i = 0; same_verbatim && i < after.verbatim.size(); ++i) {
        same_verbatim = same_but_indentation(after.verbatim[i], before.verbatim[i]);
    }
    if (!same_verbatim) layout_bug(name, "changes the text of a message or a JSON object");
}

}  // namespace detail

template <typename Language>
result<std::string> format_file(const source_map& sources, file_id file) {
    result<typename Language::tree> parsed = Language::parse(sources, file);
    result<std::string> out;
    out.diagnostics = std::move(parsed.diagnostics);
    if (!parsed.value || has_errors(out.diagnostics)) return out;
    const source_file& source = sources.file(file);
    const detail::lexed before = detail::lex(source.text, Language::verbatim_spans(*parsed.value));
    std::string formatted = Language::print(before.tokens);
    detail::check_layout<Language>(*parsed.value, before, formatted, source.name);
    out.value = std::move(formatted);
    return out;
}

}  // namespace vigil::grammar::layout
