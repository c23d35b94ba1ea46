#pragma once
// Reading the times the language deals with: record timestamps (RFC 3339), the dates of an
// `effective` period, and the durations of `count_within`. Times are seconds since
// 1970-01-01T00:00:00Z as doubles (microsecond precision for centuries around now).

#include <optional>
#include <string_view>

namespace vigil::timestamp {

/// An RFC 3339 date-time such as `2026-03-02T10:15:03Z` or `2026-03-02t12:15:03.25+02:00` (the
/// `T` may also be a space); nullopt when the text is not one or names an impossible date.
[[nodiscard]] std::optional<double> parse_rfc3339(std::string_view text);

/// An `effective` bound: a date `2025-01-01` (its first instant, in UTC) or an RFC 3339
/// date-time; nullopt otherwise.
[[nodiscard]] std::optional<double> parse_date(std::string_view text);

/// A duration as parse_duration_ms() reads it (`90s`, `1h30m`, `500ms`), in seconds; nullopt when
/// the text is not one or is zero.
[[nodiscard]] std::optional<double> parse_duration(std::string_view text);

}  // namespace vigil::timestamp
