#include "positions.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace vigil::lsp {

namespace {

// The bytes of the UTF-8 character whose first byte is `lead`; a byte that cannot start one
// counts alone, as an editor shows it: one replacement character.
std::uint32_t sequence_length(unsigned char lead) {
    if (lead < 0xC2) return 1;
    if (lead < 0xE0) return 2;
    if (lead < 0xF0) return 3;
    if (lead < 0xF5) return 4;
    return 1;
}

// The character at `at` (not past `end`): its bytes, and its units in `e`.
struct character {
    std::uint32_t bytes = 1;
    std::uint32_t units = 1;
};

character character_at(std::string_view text, std::uint32_t at, std::uint32_t end, encoding e) {
    std::uint32_t n = sequence_length(static_cast<unsigned char>(text[at]));
    if (at + n > end) n = 1;
    for (std::uint32_t k = 1; k < n; ++k) {
        if ((static_cast<unsigned char>(text[at + k]) & 0xC0) != 0x80) n = 1;
    }
    switch (e) {
        case encoding::utf8:
            return {n, n};
        case encoding::utf16:
            return {n, n == 4 ? 2u : 1u};
        case encoding::utf32:
            return {n, 1};
    }
    return {n, 1};
}

std::uint32_t line_start(const source_file& file, std::uint32_t line) {
    return line < file.line_starts.size() ? file.line_starts[line] : static_cast<std::uint32_t>(file.text.size());
}

// Where the line's text ends: before its `\n`, and before a `\r` ahead of it.
std::uint32_t line_end(const source_file& file, std::uint32_t line) {
    auto end = static_cast<std::uint32_t>(file.text.size());
    if (line + 1 < file.line_starts.size()) end = file.line_starts[line + 1] - 1;
    const std::uint32_t begin = line_start(file, line);
    if (end > begin && file.text[end - 1] == '\r' && end < file.text.size() && file.text[end] == '\n') --end;
    return end;
}

}  // namespace

std::string_view encoding_name(encoding e) {
    switch (e) {
        case encoding::utf8:
            return "utf-8";
        case encoding::utf16:
            return "utf-16";
        case encoding::utf32:
            return "utf-32";
    }
    return "utf-16";
}

encoding choose_encoding(const nlohmann::json& offered) {
    if (!offered.is_array()) return encoding::utf16;
    const auto has = [&](std::string_view name) {
        return std::any_of(offered.begin(), offered.end(),
                           [&](const nlohmann::json& j) { return j.is_string() && j.get<std::string>() == name; });
    };
    if (has("utf-8")) return encoding::utf8;
    if (has("utf-32")) return encoding::utf32;
    return encoding::utf16;
}

position position_of(const source_file& file, std::uint32_t offset, encoding e) {
    offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(file.text.size()));
    const auto next = std::upper_bound(file.line_starts.begin(), file.line_starts.end(), offset);
    const auto line = static_cast<std::uint32_t>(std::max<std::ptrdiff_t>(next - file.line_starts.begin() - 1, 0));
    position p{line, 0};
    for (std::uint32_t at = line_start(file, line); at < offset;) {
        const character c = character_at(file.text, at, offset, e);
        at += c.bytes;
        p.character += c.units;
    }
    return p;
}

std::uint32_t offset_of(const source_file& file, position p, encoding e) {
    if (p.line >= file.line_starts.size()) return static_cast<std::uint32_t>(file.text.size());
    const std::uint32_t end = line_end(file, p.line);
    std::uint32_t at = line_start(file, p.line);
    for (std::uint32_t units = 0; at < end;) {
        const character c = character_at(file.text, at, end, e);
        if (units + c.units > p.character) break;
        units += c.units;
        at += c.bytes;
    }
    return at;
}

nlohmann::json range_json(const source_file& file, std::uint32_t begin, std::uint32_t end, encoding e) {
    const auto json_of = [](position p) { return nlohmann::json{{"line", p.line}, {"character", p.character}}; };
    return {{"start", json_of(position_of(file, begin, e))}, {"end", json_of(position_of(file, end, e))}};
}

bool read_position(const nlohmann::json& j, position& out) {
    if (!j.is_object()) return false;
    const auto line = j.find("line");
    const auto character = j.find("character");
    if (line == j.end() || character == j.end() || !line->is_number_unsigned() || !character->is_number_unsigned()) {
        return false;
    }
    // A number past what a file can hold stands for its end, not for a place it wraps around to.
    const auto clamped = [](const nlohmann::json& n) {
        return static_cast<std::uint32_t>(std::min<std::uint64_t>(n.get<std::uint64_t>(), UINT32_MAX));
    };
    out = {clamped(*line), clamped(*character)};
    return true;
}

}  // namespace vigil::lsp
