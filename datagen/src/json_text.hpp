#pragma once
// Small writers for the JSON text of a record. Numbers are written from integers, never
// through floating-point formatting, so that output is the same everywhere.

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::datagen::detail {

/// Appends a non-negative integer in decimal.
void append_uint(std::string& out, std::uint64_t value);

/// Appends a non-negative integer in decimal, left-padded with zeros to `width` digits.
void append_padded(std::string& out, std::uint64_t value, int width);

/// Appends `hundredths / 100` as a JSON number without trailing zeros: -70 -> -0.7,
/// 982 -> 9.82, 100 -> 1, 0 -> 0.
void append_hundredths(std::string& out, std::int64_t hundredths);

/// Appends `bits` as 16 lower-case hex digits.
void append_hex64(std::string& out, std::uint64_t bits);

/// Appends the RFC 3339 UTC form of a Unix time: `2026-01-05T08:00:00Z`.
void append_timestamp(std::string& out, std::int64_t unix_seconds);

/// Appends the RFC 3339 UTC form with milliseconds: `2026-01-05T08:00:00.250Z`.
void append_timestamp_millis(std::string& out, std::int64_t unix_millis);

}  // namespace vigil::datagen::detail
