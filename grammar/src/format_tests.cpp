// `vigil fmt` for test files (`*.tests`): the same approach as for policy files (format.cpp). The
// parser says that the file is sound and where its JSON objects are; the lexer (layout.hpp) reads
// the tokens back as written, each object whole, and the printer decides only the white space:
// every item on a line of its own, indented by its depth, one space between tokens. Inside an
// object it changes nothing but the indentation of the lines after the first, so that a record
// written over several lines keeps its shape where the line that opens it moves.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "layout.hpp"
#include "vigil/format.hpp"
#include "vigil/meaning.hpp"
#include "vigil/test_file.hpp"
#include "vigil/test_parse.hpp"

namespace vigil {

namespace {

using grammar::layout::is_symbol;
using grammar::layout::one_of;
using grammar::layout::token;
using grammar::layout::token_kind;

// Where the JSON objects of the file stand: the lexer takes each whole.
std::vector<span> object_spans(const test_file& file) {
    std::vector<span> spans;
    if (file.defaults) spans.push_back(file.defaults->where);
    for (const test_case& c : file.cases) {
        if (c.defaults) spans.push_back(c.defaults->where);
        for (const test_turn& t : c.turns) spans.push_back(t.json.where);
    }
    std::sort(spans.begin(), spans.end(), [](const span& a, const span& b) { return a.begin < b.begin; });
    return spans;
}

bool is_json_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trimmed(std::string_view line) {
    while (!line.empty() && is_json_blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_json_blank(line.back())) line.remove_suffix(1);
    return line;
}

// Lays out the tokens of one test file. An item (`policy`, `start`, `defaults`, `case` in the
// file; `record`, `turn`, `defaults`, `expect` in a case) starts a line, indented by two spaces in
// a case; its tokens follow on that line, one space apart (none before `,`), whatever line breaks
// the author put between them, unless a comment ends the line: then the item goes on four spaces
// deeper (a case's `{` under the item). Blocks nest: the file (depth 0), a case (1). Comments go
// where block_printer puts them.
class tests_printer : public grammar::layout::block_printer<tests_printer> {
public:
    explicit tests_printer(const std::vector<token>& tokens) : block_printer(tokens) {}

private:
    friend class block_printer<tests_printer>;

    // The words that start an item in the file and in a case: tests_rules.hpp's file_item and
    // case_item. `turn` right after `expect` names a turn (`expect turn 2 ...`); no rule may be
    // named like an item.
    bool starts_item(std::size_t i) const {
        static constexpr std::string_view file_items[] = {"policy", "start", "defaults", "case"};
        static constexpr std::string_view case_items[] = {"record", "turn", "defaults", "expect"};
        const token& t = m_tokens[i];
        if (t.kind != token_kind::word) return false;
        if (m_depth == 0) return one_of(t.text, file_items);
        const bool names_a_turn = m_previous && m_previous->kind == token_kind::word && m_previous->text == "expect";
        return one_of(t.text, case_items) && !names_a_turn;
    }

    // Where a token goes that a comment pushed to the next line: a case's `{` under its item,
    // anything else four spaces deeper.
    [[nodiscard]] std::size_t continuation_indent(std::size_t i) const {
        return is_symbol(m_tokens[i], "{") ? m_item_indent : m_item_indent + 4;
    }

    void code(std::size_t i) {
        const token& t = m_tokens[i];
        if (is_symbol(t, "}")) {  // the end of a case: the braces of objects are inside them
            if (m_depth > 0) --m_depth;
            new_line(m_depth * 2, false);
        } else if (starts_item(i)) {
            new_line(m_depth * 2, t.breaks >= 2 && !m_after_open_brace);
            m_item_indent = m_depth * 2;
        } else if (m_break_next) {
            new_line(continuation_indent(i), false);
        } else if (!is_symbol(t, ",")) {
            m_out.write(" ");
        }
        if (t.kind == token_kind::verbatim) {
            object(t.text);
        } else {
            m_out.write(t.text);
        }
        m_after_open_brace = is_symbol(t, "{");
        if (m_after_open_brace) ++m_depth;
        m_previous = &t;
    }

    // Writes a JSON object where the line now stands. Its first line is kept as written; each
    // line after it is indented inside the innermost `{` or `[` still open, as the policy layout
    // indents a line inside brackets (open_bracket). Nothing else changes: a JSON string never
    // spans lines, so no string is touched. Blanks at the ends of lines go, and a line with
    // nothing else stays empty.
    void object(std::string_view text) {
        std::vector<grammar::layout::open_bracket> open;
        bool in_string = false;
        for (std::size_t at = 0; at < text.size();) {
            const std::size_t end = std::min(text.find('\n', at), text.size());
            const std::string_view line = trimmed(text.substr(at, end - at));
            if (at > 0) {
                if (line.empty() || open.empty()) {
                    m_out.new_line(0, false);
                } else {
                    m_out.new_line(open.back().indent_inside(line.front() == open.back().close), false);
                }
            }
            for (std::size_t k = 0; k < line.size(); ++k) {
                const char c = line[k];
                if (in_string) {
                    if (c == '\\' && k + 1 < line.size()) {
                        m_out.write(line.substr(k, 2));
                        ++k;
                        continue;
                    }
                    in_string = c != '"';
                } else if (c == '"') {
                    in_string = true;
                } else if (c == '{' || c == '[') {
                    const bool hanging = k + 1 == line.size() && end < text.size();
                    open.push_back({c == '{' ? '}' : ']', m_out.column(), m_out.line_indent(), hanging});
                } else if ((c == '}' || c == ']') && !open.empty()) {
                    open.pop_back();
                }
                m_out.write(line.substr(k, 1));
            }
            at = end + 1;
        }
    }

    std::size_t m_item_indent = 0;      // the indentation of the item being written
    const token* m_previous = nullptr;  // the code token written last
};

// The test-file grammar, as layout::format_file() takes it.
struct tests_language {
    using tree = test_file;
    static result<tree> parse(const source_map& sources, file_id file) { return parse_test_file(sources, file); }
    static std::string meaning(const tree& file) { return meaning_hash(file); }
    static std::vector<span> verbatim_spans(const tree& file) { return object_spans(file); }
    static std::string print(const std::vector<token>& tokens) { return tests_printer(tokens).print(); }
};

}  // namespace

result<std::string> format_test_file(const source_map& sources, file_id file) {
    return grammar::layout::format_file<tests_language>(sources, file);
}

}  // namespace vigil
