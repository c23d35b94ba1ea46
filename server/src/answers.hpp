#pragma once
// The answers `vigil serve` builds from a request body alone: error objects, the answer to a record
// the evaluator refused, and the answer to a batch around the decision of each record. No HTTP and
// no server state, so that fuzz/server_body.cpp runs them as the handlers do (server.cpp).

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "json_input.hpp"

namespace vigil::server {

/// {"error": {"code": code, "message": message}}; the handlers add members to it.
[[nodiscard]] nlohmann::json error_body(std::string_view code, std::string_view message);

/// A refused body or record: error_body(bad.code, bad.message), with `offset` when bad.offset >= 0.
[[nodiscard]] nlohmann::json error_body(const input_error& bad);

/// The answer (JSON text) to a record the evaluator refused for `reason`: empty, not JSON (with the
/// byte) or not an object, as check_record() words it; otherwise `invalid_record` with `reason`.
[[nodiscard]] std::string refused_record(std::string_view text, const std::string& reason);

/// Decides one record of a batch: returns the HTTP status /v1/decide would answer, and sets `out`
/// to that answer's JSON text (an error object, as error_body() builds it, unless the status is 200).
using record_decider = std::function<int(std::string_view record, std::string& out)>;

/// The answer to POST /v1/decide/batch: returns the HTTP status and sets `out` to the body. A body
/// that split_batch() refuses gets 400 with error_body() and nothing is decided; so does 413
/// `batch_too_large`, for an array of more than `max_records` elements: an answer is a decision of a
/// few KiB per element, so the element count, not the body's size, bounds the answer's memory.
/// Otherwise 200 and an array with one element per element of the body, in order: `decide`'s answer
/// for an object (called in array order), an error object with the element's `status` and `index`
/// in the place of an element that is not an object or that `decide` did not answer with 200.
int answer_batch(std::string_view body, std::size_t max_records, const record_decider& decide, std::string& out);

}  // namespace vigil::server
