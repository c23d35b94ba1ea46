#pragma once
// A deterministic generator of realistic interaction records (JSON Lines, see
// /work/shared/interaction-record.md), for replay tests, benchmarks and demos.
//
// The log it writes looks like a real append-only log: many conversations are open at
// once and their turns interleave in timestamp order. The content mixes routine
// conversations in seven languages with scenarios where each duty of the shipped
// policies is honoured or broken (datagen/README.md lists them), and it leaves some
// optional fields out so that rules also meet unknown facts.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace vigil::datagen {

/// What to generate. Every field has a usable default; `generate` rejects values outside
/// the ranges given here with std::invalid_argument.
struct options {
    /// Seeds every random choice. The same options give byte-identical output on every
    /// machine and standard library; a different seed gives a different log.
    std::uint64_t seed = 1;
    /// Exactly this many lines are produced (duplicated and malformed lines count). The log
    /// is a window: conversations still open when the count is reached end mid-way.
    std::size_t records = 1000;
    /// Conversations open at once (>= 1). Memory use grows with this, not with `records`.
    std::size_t concurrent = 200;
    /// Log time of the first record, RFC 3339 in UTC with seconds: `YYYY-MM-DDTHH:MM:SSZ`. It
    /// must leave room before the end of the year 9999 (RFC 3339 has four-digit years): five
    /// minutes, and an hour for each record per conversation open at once (records / concurrent
    /// + 1), the most a log can run (most run far shorter).
    std::string start = "2026-01-05T08:00:00Z";
    /// Probability in [0, 1] that a record swaps place with the previous record of the same
    /// conversation; the earlier turn then follows 1-3 lines later.
    double out_of_order = 0.0;
    /// Probability in [0, 1] that a record is emitted twice, byte for byte; the copy follows
    /// 1-4 lines later.
    double duplicates = 0.0;
    /// Probability in [0, 1] that a turn number is skipped before a record.
    double gaps = 0.0;
    /// Probability in [0, 1] that a record's line is replaced by a line that is not valid
    /// JSON (truncated, a missing comma, trailing garbage, a log prefix).
    double malformed = 0.0;
};

/// Calls `sink(line)` once for each JSON line, without the trailing newline, in log order.
/// A line is only valid during the call. Throws std::invalid_argument for options outside
/// their ranges; exceptions thrown by `sink` pass through and end the generation.
void generate(const options& opts, const std::function<void(std::string_view)>& sink);

/// Writes the lines of `generate(opts, ...)` to the file `path`, one per line, each ended by
/// a newline. A name ending in `.gz` is gzip-compressed. Throws std::runtime_error when
/// the file cannot be opened or written, std::invalid_argument for bad options.
void write_file(const options& opts, const std::string& path);

}  // namespace vigil::datagen
