#pragma once
// The query string of a request target (`/v1/decide?explain=true`): the few parameters the
// endpoints take, read as browsers and curl write them (RFC 3986 percent-encoding, form-style `+`).

#include <optional>
#include <string>
#include <string_view>

namespace vigil::server {

/// The value of parameter `name` in `query` (the target after its `?`, without it), decoded: ""
/// for a parameter written without a value (`?explain`), nullopt when the query does not have it.
/// A parameter given more than once takes its last value. A `%` not followed by two hex digits
/// is kept as it is.
[[nodiscard]] std::optional<std::string> query_parameter(std::string_view query, std::string_view name);

/// A switch given as a parameter: absent is false; empty (`?explain`), `true` or `1` is true;
/// `false` or `0` is false. Any other value is nullopt, for the caller to refuse by name.
[[nodiscard]] std::optional<bool> query_switch(std::string_view query, std::string_view name);

}  // namespace vigil::server
