#include "vigil/calendar.hpp"

#include <limits>

#include <cstdio>

namespace vigil {

namespace {

// Reads exactly `n` digits at `at`; false when one is not a digit.
bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
    // 2026-01-05T08:00:00Z is the shortest form: 20 characters.
    unsigned year, month, day, hour, minute, second;
    if (s.size() < 20 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
        !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
        s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
        second > 60)
        return std::nullopt;
    std::size_t at = 19;
    std::int64_t millis = 0;
    if (s[at] == '.') {
        ++at;
        const std::size_t first = at;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
            if (at - first < 3) millis = millis * 10 + (s[at] - '0');
            ++at;
        }
        if (at == first) return std::nullopt;
        for (std::size_t n = at - first; n < 3; ++n) millis *= 10;
    }
    if (at >= s.size()) return std::nullopt;
    std::int64_t offset_minutes = 0;
    if (s[at] == 'Z' || s[at] == 'z') {
        ++at;
    } else if (s[at] == '+' || s[at] == '-') {
        unsigned oh, om;
        if (!digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' || !digits(s, at + 4, 2, om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset_minutes = (s[at] == '-' ? -1 : 1) * static_cast<std::int64_t>(oh * 60 + om);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != s.size()) return std::nullopt;
    const std::int64_t seconds =
        days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    return seconds * 1000 + millis;
}

std::optional<std::int64_t> parse_effective_date(std::string_view text) {
    // A bare date is its first instant in UTC.
    if (text.size() == 10) return parse_rfc3339(std::string(text) + "T00:00:00Z");
    return parse_rfc3339(text);
}

std::string format_rfc3339(std::int64_t unix_millis) {
    const std::int64_t seconds = unix_millis >= 0 ? unix_millis / 1000 : (unix_millis - 999) / 1000;
    const std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    const std::int64_t rest = seconds - days * 86400;
    const civil_date c = civil_from_days(days);
    char out[64];
    std::snprintf(out, sizeof out, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(c.year), c.month,
                  c.day, static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60));
    return out;
}

std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t start = at;
        std::int64_t n = 0;
        for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
            const int digit = text[at] - '0';
            if (n > (max - digit) / 10) return std::nullopt;
            n = n * 10 + digit;
        }
        if (at == start || at == text.size()) return std::nullopt;
        std::int64_t scale = 0;
        if (text.substr(at, 2) == "ms") {
            scale = 1;
            at += 2;
        } else {
            switch (text[at++]) {
                case 's': scale = 1000; break;
                case 'm': scale = 60 * 1000; break;
                case 'h': scale = 3600 * 1000; break;
                case 'd': scale = 86400 * 1000; break;
                default: return std::nullopt;
            }
        }
        if (n > max / scale || n * scale > max - total) return std::nullopt;
        total += n * scale;
    }
    return total;
}

}  // namespace vigil
