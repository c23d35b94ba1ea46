#pragma once
// Civil dates and RFC 3339 times, shared by every module that reads or writes record timestamps
// (the evaluator, the conversation tracker, the record generator, the policy test runner).
// Proleptic Gregorian calendar, UTC; Howard Hinnant's days_from_civil / civil_from_days.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

/// A calendar date.
struct civil_date {
    std::int64_t year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};

/// Days from 1970-01-01 to the date (negative before it).
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// The date `days` days after 1970-01-01.
[[nodiscard]] constexpr civil_date civil_from_days(std::int64_t days) noexcept {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

/// The number of days of a month (1..12) of a year.
[[nodiscard]] constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return m == 2 && leap ? 29 : days[m - 1];
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2026, 1, 5) == 20458);
static_assert(civil_from_days(20458).year == 2026 && civil_from_days(20458).day == 5);

/// Parses an RFC 3339 date-time strictly: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`
/// with a real calendar date (`T` and `Z` may be lowercase and `T` a space, as RFC 3339 allows;
/// a second of 60, a leap second, counts as the next second). Returns milliseconds since the Unix
/// epoch in UTC, with the fraction truncated to milliseconds, or nothing when the text is not
/// such a time.
[[nodiscard]] std::optional<std::int64_t> parse_rfc3339(std::string_view text);

/// A bound of an `effective` period: a date `2025-01-01` (its first instant, in UTC) or an RFC 3339
/// date-time, in milliseconds since the epoch; nothing otherwise.
[[nodiscard]] std::optional<std::int64_t> parse_effective_date(std::string_view text);

/// `YYYY-MM-DDTHH:MM:SSZ` for a time in milliseconds since the epoch (milliseconds dropped).
[[nodiscard]] std::string format_rfc3339(std::int64_t unix_millis);

/// A duration written as whole numbers each followed by a unit, `ms`, `s`, `m`, `h` or `d`
/// (`"90s"`, `"30m"`, `"1h30m"`, `"500ms"`), in milliseconds; nothing when the text is not one or
/// does not fit. The one parser of durations: `--idle`, and windows such as `count_within`.
[[nodiscard]] std::optional<std::int64_t> parse_duration_ms(std::string_view text);

}  // namespace vigil
