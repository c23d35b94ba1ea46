#include "timestamp.hpp"

#include <cstdint>

namespace vigil::timestamp {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(unsigned y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(unsigned y, unsigned m) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `at`.
bool digits(std::string_view text, std::size_t& at, std::size_t n, unsigned& out) {
    if (at + n > text.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = text[at + i];
        if (c < '0' || c > '9') return false;
        out = out * 10 + static_cast<unsigned>(c - '0');
    }
    at += n;
    return true;
}

bool expect(std::string_view text, std::size_t& at, char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
}

// `YYYY-MM-DD` at `at`: days since the epoch.
std::optional<std::int64_t> full_date(std::string_view text, std::size_t& at) {
    unsigned y = 0, m = 0, d = 0;
    if (!digits(text, at, 4, y) || !expect(text, at, '-') || !digits(text, at, 2, m) || !expect(text, at, '-') ||
        !digits(text, at, 2, d)) {
        return std::nullopt;
    }
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
    return days_from_civil(y, m, d);
}

}  // namespace

std::optional<double> parse_rfc3339(std::string_view text) {
    std::size_t at = 0;
    const auto days = full_date(text, at);
    if (!days) return std::nullopt;
    if (at >= text.size() || (text[at] != 'T' && text[at] != 't' && text[at] != ' ')) return std::nullopt;
    ++at;
    unsigned h = 0, mi = 0, s = 0;
    if (!digits(text, at, 2, h) || !expect(text, at, ':') || !digits(text, at, 2, mi) || !expect(text, at, ':') ||
        !digits(text, at, 2, s)) {
        return std::nullopt;
    }
    if (h > 23 || mi > 59 || s > 60) return std::nullopt;  // 60: a leap second
    double fraction = 0;
    if (at < text.size() && text[at] == '.') {
        ++at;
        double scale = 0.1;
        const std::size_t start = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            fraction += (text[at] - '0') * scale;
            scale /= 10;
            ++at;
        }
        if (at == start) return std::nullopt;
    }
    if (at >= text.size()) return std::nullopt;
    std::int64_t offset = 0;
    if (text[at] == 'Z' || text[at] == 'z') {
        ++at;
    } else if (text[at] == '+' || text[at] == '-') {
        const bool minus = text[at] == '-';
        ++at;
        unsigned oh = 0, om = 0;
        if (!digits(text, at, 2, oh) || !expect(text, at, ':') || !digits(text, at, 2, om)) return std::nullopt;
        if (oh > 23 || om > 59) return std::nullopt;
        offset = (minus ? -1 : 1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
    } else {
        return std::nullopt;
    }
    if (at != text.size()) return std::nullopt;
    const std::int64_t seconds = *days * 86400 + h * 3600 + mi * 60 + s - offset;
    return static_cast<double>(seconds) + fraction;
}

std::optional<double> parse_date(std::string_view text) {
    std::size_t at = 0;
    if (text.size() == 10) {
        const auto days = full_date(text, at);
        if (!days || at != text.size()) return std::nullopt;
        return static_cast<double>(*days * 86400);
    }
    return parse_rfc3339(text);
}

std::optional<double> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double total = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t start = at;
        double n = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            n = n * 10 + (text[at] - '0');
            ++at;
        }
        if (at == start || at >= text.size() || at - start > 9) return std::nullopt;
        switch (text[at]) {
            case 's':
                total += n;
                break;
            case 'm':
                total += n * 60;
                break;
            case 'h':
                total += n * 3600;
                break;
            case 'd':
                total += n * 86400;
                break;
            default:
                return std::nullopt;
        }
        ++at;
    }
    if (total <= 0) return std::nullopt;
    return total;
}

}  // namespace vigil::timestamp
