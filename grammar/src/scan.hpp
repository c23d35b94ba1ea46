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
