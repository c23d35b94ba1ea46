#include "json_text.hpp"

#include "vigil/calendar.hpp"

#include <array>

namespace vigil::datagen::detail {

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

void append_uint(std::string& out, std::uint64_t value) {
    append_padded(out, value, 0);
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

}  // namespace vigil::datagen::detail
