// The lexer and the line writer of `vigil fmt`, shared by the layout of policy files and that of
// test files (layout.hpp).

#include "layout.hpp"

#include <algorithm>

#include "scan.hpp"

namespace vigil::grammar::layout {

namespace {

using scan::is_continuation;
using scan::is_word_char;

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string_view without_trailing_blanks(std::string_view text) {
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return text;
}

}  // namespace

std::vector<token> tokenize(std::string_view text, const std::vector<span>& verbatim) {
    std::vector<token> out;
    std::size_t at = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    std::size_t next_verbatim = 0;
    std::uint32_t breaks = 0;
    auto push = [&](token_kind kind, std::size_t end) {
        out.push_back({kind, text.substr(at, end - at), breaks});
        breaks = 0;
        at = end;
    };
    while (at < text.size()) {
        const char c = text[at];
        while (next_verbatim < verbatim.size() && verbatim[next_verbatim].begin < at) ++next_verbatim;
        if (c == '\n') {
            ++breaks;
            ++at;
        } else if (is_blank(c)) {
            ++at;
        } else if (next_verbatim < verbatim.size() && verbatim[next_verbatim].begin == at) {
            push(token_kind::verbatim, verbatim[next_verbatim].end);
        } else if (c == '#' || text.substr(at, 2) == "//") {
            const std::size_t end = std::min(text.find('\n', at), text.size());
            out.push_back({token_kind::comment, without_trailing_blanks(text.substr(at, end - at)), breaks});
            breaks = 0;
            at = end;
        } else if (c == '"' || (c == 'r' && text.substr(at, 2) == "r\"")) {
            const bool raw = c == 'r';
            std::size_t end = at + (raw ? 2 : 1);
            while (end < text.size() && text[end] != '"' && text[end] != '\n') end += !raw && text[end] == '\\' ? 2 : 1;
            push(token_kind::string, std::min(end + 1, text.size()));
        } else if (is_digit(c)) {
            std::size_t end = at + 1;
            while (end < text.size()) {
                const bool pair =
                    end + 1 < text.size() &&
                    ((text[end] == '.' && is_digit(text[end + 1])) ||
                     ((text[end] == 'e' || text[end] == 'E') && (text[end + 1] == '+' || text[end + 1] == '-')));
                if (pair) {
                    end += 2;
                } else if (is_word_char(text[end])) {
                    ++end;
                } else {
                    break;
                }
            }
            push(token_kind::number, end);
        } else if (is_word_char(c)) {
            std::size_t end = at + 1;
            while (end < text.size() && is_word_char(text[end])) ++end;
            push(token_kind::word, end);
        } else {
            const std::string_view two = text.substr(at, 2);
            const bool comparison = two == "==" || two == "!=" || two == "<=" || two == ">=";
            std::size_t end = at + (comparison ? 2 : 1);
            // A character of several bytes is no symbol in a file that parses: kept whole anyway.
            while (end < text.size() && is_continuation(text[end])) ++end;
            push(token_kind::symbol, end);
        }
    }
    return out;
}

std::vector<std::string_view> comments_of(const std::vector<token>& tokens) {
    std::vector<std::string_view> comments;
    for (const token& t : tokens) {
        if (t.kind == token_kind::comment) comments.push_back(t.text);
    }
    return comments;
}

void line_writer::new_line(std::size_t indent, bool blank_before) {
    if (!m_out.empty()) {
        m_out += '\n';
        if (blank_before) m_out += '\n';
    }
    m_out.append(indent, ' ');
    m_column = indent;
    m_line_indent = indent;
}

void line_writer::write(std::string_view text) {
    for (std::size_t k = 0; k < text.size(); ++k) {
        const char c = text[k];
        // A message's placeholder may hold a CRLF: the layout ends lines with LF.
        if (c == '\r' && k + 1 < text.size() && text[k + 1] == '\n') continue;
        m_out += c;
        if (c == '\n') {
            m_column = 0;
            m_line_indent = 0;
        } else if (!is_continuation(c)) {
            ++m_column;
        }
    }
}

std::string line_writer::finish() {
    if (!m_out.empty()) m_out += '\n';
    return std::move(m_out);
}

bool same_but_indentation(std::string_view a, std::string_view b) {
    // Each text as its lines, each line without the blanks at its start and end.
    auto next_line = [](std::string_view& text) {
        const std::size_t end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
        return without_trailing_blanks(line);
    };
    const auto lines = [](std::string_view text) { return std::count(text.begin(), text.end(), '\n'); };
    if (lines(a) != lines(b)) return false;
    while (!a.empty() || !b.empty()) {
        if (next_line(a) != next_line(b)) return false;
    }
    return true;
}

}  // namespace vigil::grammar::layout
