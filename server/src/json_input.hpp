#pragma once
// Request bodies as JSON: strict validation, a reason with the byte offset for invalid JSON, and
// the raw text of every record of a batch.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/conversation.hpp"

namespace vigil::server {

/// Why a body or a record was refused.
struct input_error {
    std::string code;          // invalid_json, not_an_object, not_an_array, empty_body
    std::string message;       // one line
    std::int64_t offset = -1;  // invalid_json: the 1-based byte at which the text stopped being JSON
};

/// Validates `text` as one JSON object (the whole text; nothing may follow it). Returns false with
/// `error` set otherwise. The evaluator checks every record as strictly when it judges it; this
/// check words the answer (empty, not JSON and at which byte, not an object) for a record the
/// evaluator refused. Thread-safe.
[[nodiscard]] bool check_record(std::string_view text, input_error& error);

/// One element of a batch: the raw text of an object, or why the element is not a record.
struct batch_item {
    std::string_view text;  // views into the body given to split_batch
    std::string error;      // empty for an object
};

/// Validates `body` as one JSON array and splits it into its elements, in order. Returns false
/// with `error` set when the body is not valid JSON or not an array. Thread-safe.
[[nodiscard]] bool split_batch(std::string_view body, std::vector<batch_item>& items, input_error& error);

/// Appends `text` with every line break turned into a space, and leading and trailing white space
/// removed: a valid JSON text on one line with the same value (a line break can only sit between
/// tokens).
void append_one_line(std::string& out, std::string_view text);

}  // namespace vigil::server
