#pragma once
// Character-level scanning shared by the policy and test-file builders: where a diagnostic
// points when the grammar fails at a byte offset, and how its message is worded.

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/source.hpp"

namespace vigil::grammar::scan {

inline bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/// A UTF-8 continuation byte (not the first byte of a character).
inline bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// The first offset at or after `at` that is not white space or a `#` / `//` comment.
inline std::uint32_t skip_trivia(std::string_view text, std::uint32_t at) {
    while (at < text.size()) {
        if (is_space(text[at])) {
            ++at;
        } else if (text[at] == '#' || text.substr(at, 2) == "//") {
            while (at < text.size() && text[at] != '\n') ++at;
        } else {
            break;
        }
    }
    return at;
}

/// Whether only spaces and tabs stand between the start of the line and `at`.
inline bool starts_line(std::string_view text, std::uint32_t at) {
    while (at > 0) {
        const char c = text[at - 1];
        if (c == '\n') return true;
        if (c != ' ' && c != '\t') return false;
        --at;
    }
    return true;
}

/// Where the code of the line [`begin`, `end`) ends: before its comment and trailing blanks.
inline std::uint32_t code_end(std::string_view text, std::uint32_t begin, std::uint32_t end) {
    std::uint32_t code = begin;
    for (std::uint32_t i = begin; i < end;) {
        if (text[i] == '#' || text.substr(i, 2) == "//") break;
        if (text[i] == '"') {  // a `#` in a string is no comment
            for (++i; i < end && text[i] != '"';) i += text[i] == '\\' ? 2 : 1;
            i = code = std::min(i + 1, end);
            continue;
        }
        if (!is_space(text[i])) code = i + 1;
        ++i;
    }
    return code;
}

/// Right after the last token before `at` when `at` starts a line (a token missing at the end of a
/// line is reported there, not at the start of the next one); `at` otherwise.
inline std::uint32_t after_previous_token(std::string_view text, std::uint32_t at) {
    if (at >= text.size() || !starts_line(text, at)) return at;
    std::uint32_t line = at;
    while (line > 0 && text[line - 1] != '\n') --line;
    while (line > 0) {
        const std::uint32_t end = line - 1;  // the line break of the line before
        std::uint32_t begin = end;
        while (begin > 0 && text[begin - 1] != '\n') --begin;
        if (const std::uint32_t code = code_end(text, begin, end); code > begin) return code;
        line = begin;
    }
    return at;
}

/// The token that starts at `at`: a word, a whole string literal (to its closing quote or the end
/// of its line), or one UTF-8 character; an empty span at the end of the text.
inline span token_at(std::string_view text, file_id file, std::uint32_t at) {
    const auto size = static_cast<std::uint32_t>(text.size());
    if (at >= size) return {file, size, size};
    std::uint32_t end = at + 1;
    if (is_word_char(text[at])) {
        while (end < size && is_word_char(text[end])) ++end;
    } else if (text[at] == '"') {
        while (end < size && text[end] != '"' && text[end] != '\n') end += text[end] == '\\' ? 2 : 1;
        end = std::min(end < size && text[end] == '"' ? end + 1 : end, size);
    } else {
        while (end < size && is_continuation(text[end])) ++end;
    }
    return {file, at, end};
}

/// Replaces every `{name}` in `text` by `value`.
inline void substitute(std::string& text, std::string_view name, std::string_view value) {
    for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
        text.replace(at, name.size(), value);
    }
}

/// The words of a space-separated list.
inline std::vector<std::string> words(std::string_view list) {
    std::vector<std::string> out;
    std::istringstream in{std::string(list)};
    for (std::string word; in >> word;) out.push_back(word);
    return out;
}

}  // namespace vigil::grammar::scan
