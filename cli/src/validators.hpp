#pragma once
// Options and option checks more than one command uses.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "vigil/calendar.hpp"
#include "vigil/server.hpp"
#include "vigil/threads.hpp"

namespace vigil::cli {

/// A duration where a bare 0 is one too (`0s`): replay's --idle and --resume-within, serve's
/// --max-clock-skew, where 0 means never, at once or no limit.
inline std::optional<std::int64_t> duration_or_zero_ms(const std::string& text) {
    return text == "0" ? std::optional<std::int64_t>(0) : parse_duration_ms(text);
}

inline CLI::Validator duration_or_zero() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return duration_or_zero_ms(text) ? "" : "expected 0 or a duration such as 90s, 30m, 2h or 1d";
        },
        "DURATION");
}

/// A date `2026-01-01` (its first instant, in UTC) or an RFC 3339 time, as a policy's `effective`
/// period takes it.
inline CLI::Validator date_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return parse_effective_date(text) ? "" : "expected a date such as 2026-01-01 or 2026-01-01T09:00:00Z";
        },
        "DATE");
}

/// A size in bytes as server::parse_size reads it: 1048576, 512KiB, 1MiB.
inline CLI::Validator size_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return server::parse_size(text) ? "" : "expected a size such as 1048576, 512KiB or 1MiB";
        },
        "SIZE");
}

/// A count written as a whole number, at least `least` and at most 2^64 - 1. CLI11 reads "-5" into
/// an unsigned option as its wrapped value (18446744073709551611), and a number beyond 64 bits as
/// the largest, so both are refused before it converts.
inline CLI::Validator whole_number(std::uint64_t least = 0) {
    return CLI::Validator(
        [least](std::string& text) -> std::string {
            std::uint64_t n = 0;
            const char* end = text.data() + text.size();
            const auto [stop, error] = std::from_chars(text.data(), end, n);
            if (error == std::errc::result_out_of_range && text.find_first_not_of("0123456789") == std::string::npos)
                return "expected a whole number of at most " + std::to_string(UINT64_MAX);
            if (error != std::errc{} || stop != end || n < least)
                return least == 0 ? "expected a whole number (0, 1, 2, ...)"
                                  : "expected a whole number of at least " + std::to_string(least);
            return "";
        },
        "N");
}

/// `--threads N` of replay and serve: 0 for one per core, up to the most the libraries start.
inline void add_threads_option(CLI::App& command, const std::string& name, std::size_t& threads,
                               const std::string& what) {
    command.add_option(name, threads, what + " (0: one per core)")
        ->check(CLI::Range(std::size_t{0}, max_threads))
        ->capture_default_str();
}

/// `--max-line SIZE` of the commands that read JSON Lines (eval, replay).
inline void add_max_line_option(CLI::App& command, std::string& max_line) {
    command
        .add_option("--max-line", max_line,
                    "a longer line is malformed and stepped over without being kept (16MiB, 1GiB)")
        ->check(size_validator())
        ->capture_default_str();
}

}  // namespace vigil::cli
