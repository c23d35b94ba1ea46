#pragma once
// JSON text written straight into a string, byte for byte as nlohmann::json's dump() writes it
// (compact, `error_handler_t::replace`, object members in its sorted order), without building a
// string per value: the findings file of `vigil replay` and the answers of `vigil serve` are
// written this way, and tests compare them with dump().

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/evaluate.hpp"

namespace vigil {

/// Appends `text` as a JSON string, quotes included: `"`, `\`, control characters escaped (the
/// short forms where JSON has them, \u00xx otherwise), everything else as it is. `text` must be
/// valid UTF-8 (as every text from a parsed record or a policy is).
void append_json_string(std::string& out, std::string_view text);

/// A policy's version as findings carry it: its text, or `null` when the policy declares none.
void append_json_version(std::string& out, std::string_view version);
[[nodiscard]] nlohmann::json version_json(const std::string& version);

/// Appends an integer as dump() writes it.
void append_json_integer(std::string& out, std::int64_t value);
void append_json_integer(std::string& out, std::uint64_t value);

/// Appends a double as dump() writes a JSON float: the shortest form that reads back the same,
/// with `.0` on integral values; `null` when it is not finite.
void append_json_float(std::string& out, double value);

/// Appends a JSON array of the strings.
void append_json_strings(std::string& out, const std::vector<std::string>& items);

/// Appends `value` as dump() would.
void append_json(std::string& out, const nlohmann::json& value);

/// `value` as JSON text, as dump(indent) writes it, except that bytes that are not UTF-8 become
/// U+FFFD instead of an exception: the texts come from records and policies, which are UTF-8, but
/// also from file names, which are only bytes.
template <typename Json>  // nlohmann::json or nlohmann::ordered_json
[[nodiscard]] std::string json_text(const Json& value, int indent = -1) {
    return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

/// Appends a decision: the same text as to_json(d).dump(), without building the JSON tree (the hot
/// path of `vigil eval` and POST /v1/decide), except that `meta` is carried as the record wrote it
/// (its keys in their order, its blanks) rather than written again from a parsed copy.
void append_json(std::string& out, const decision& d);

}  // namespace vigil
