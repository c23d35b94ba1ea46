#pragma once
// The two ways peek() reads a line, apart, so that tests can hold one against the other. peek() is
// peek_plain() when that answers, else peek_parsed(); both must give exactly the same answer
// wherever peek_plain() answers.

#include <string>
#include <string_view>

#include "vigil/conversation.hpp"

namespace vigil::detail {

/// The fast path for a line written the common way: `{`, then members whose keys and values are
/// strings without escapes or control characters (valid UTF-8), up to and including the three
/// fields (a non-empty string `conversation_id`, a plainly written integer `turn` >= 1, a string
/// `timestamp` that parses), each once, the last of them followed by `,`. Returns true with
/// peek()'s answer in `key` and `error` for such a line; returns false for any other line,
/// leaving `key` and `error` as they were.
[[nodiscard]] bool peek_plain(std::string_view json, record_key& key, std::string& error);

/// peek() without its fast path: simdjson On Demand over the leading members or the whole line.
[[nodiscard]] bool peek_parsed(std::string_view json, record_key& key, std::string& error);

}  // namespace vigil::detail
