#pragma once
// Where a text stops being JSON. simdjson refuses broken text fast but says little about where;
// nlohmann's parser, run again on the refused text only, names the byte and what it read there.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

struct json_fault {
    std::int64_t byte = -1;  // from 1; -1 when nlohmann accepts the text (a limit of simdjson's)
    std::string message;     // one line: "invalid JSON at byte N: ..." or "invalid JSON: <why>"
};

/// The deepest nesting of objects and arrays the evaluator reads in a record, which is level 1.
/// JSON sets no limit; the evaluator walks a record one call per level.
inline constexpr std::size_t max_record_depth = 1024;

/// Why a record nested deeper than max_record_depth is refused, in one line.
[[nodiscard]] std::string too_deep_reason();

/// Why `text`, refused by a parser for `why`, is not JSON, and at which byte.
[[nodiscard]] json_fault locate_json_fault(std::string_view text, std::string_view why);

/// What nlohmann::json's parse error `what()` says, without its prefix
/// ("[json.exception.parse_error.101] parse error at line 1, column 9: "): for a message that
/// gives the place its own way.
[[nodiscard]] std::string json_parse_reason(std::string_view what);

}  // namespace vigil
