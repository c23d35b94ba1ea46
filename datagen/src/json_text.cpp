#include "json_text.hpp"

#include "vigil/calendar.hpp"

#include <array>

namespace vigil::datagen::detail {

void append_escaped(std::string& out, std::string_view text) {
    constexpr std::string_view hex = "0123456789abcdef";
    std::size_t clean = 0;  // start of the run not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.substr(clean, i - clean));
        clean = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
        }
    }
    out.append(text.substr(clean));
}

void append_uint(std::string& out, std::uint64_t value) {
    char digits[20];
    int n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0) out += digits[--n];
}

void append_padded(std::string& out, std::uint64_t value, int width) {
    char digits[20];
    int n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (int i = n; i < width; ++i) out += '0';
    while (n > 0) out += digits[--n];
}

void append_hundredths(std::string& out, std::int64_t hundredths) {
    if (hundredths < 0) {
        out += '-';
        hundredths = -hundredths;
    }
    const auto whole = static_cast<std::uint64_t>(hundredths / 100);
    const auto cents = static_cast<unsigned>(hundredths % 100);
    append_uint(out, whole);
    if (cents == 0) return;
    out += '.';
    out += static_cast<char>('0' + cents / 10);
    if (cents % 10 != 0) out += static_cast<char>('0' + cents % 10);
}

void append_hex64(std::string& out, std::uint64_t bits) {
    constexpr std::string_view hex = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) out += hex[(bits >> shift) & 0xf];
}

void append_timestamp(std::string& out, std::int64_t unix_seconds) {
    std::int64_t days = unix_seconds / 86400;
    std::int64_t rest = unix_seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    const civil_date date = vigil::civil_from_days(days);
    append_padded(out, static_cast<std::uint64_t>(date.year), 4);
    out += '-';
    append_padded(out, date.month, 2);
    out += '-';
    append_padded(out, date.day, 2);
    out += 'T';
    append_padded(out, static_cast<std::uint64_t>(rest / 3600), 2);
    out += ':';
    append_padded(out, static_cast<std::uint64_t>(rest / 60 % 60), 2);
    out += ':';
    append_padded(out, static_cast<std::uint64_t>(rest % 60), 2);
    out += 'Z';
}

void append_timestamp_millis(std::string& out, std::int64_t unix_millis) {
    std::int64_t seconds = unix_millis / 1000;
    std::int64_t millis = unix_millis % 1000;
    if (millis < 0) {
        millis += 1000;
        --seconds;
    }
    append_timestamp(out, seconds);
    out.back() = '.';
    append_padded(out, static_cast<std::uint64_t>(millis), 3);
    out += 'Z';
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SSZ
    constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
    if (text.size() != shape.size()) return std::nullopt;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const bool digit = text[i] >= '0' && text[i] <= '9';
        if (shape[i] == 'd' ? !digit : text[i] != shape[i]) return std::nullopt;
    }
    const auto number = [&](std::size_t at, std::size_t width) {
        unsigned value = 0;
        for (std::size_t i = at; i < at + width; ++i) value = value * 10 + static_cast<unsigned>(text[i] - '0');
        return value;
    };
    const std::int64_t year = number(0, 4);
    const unsigned month = number(5, 2), day = number(8, 2);
    const unsigned hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

}  // namespace vigil::datagen::detail
