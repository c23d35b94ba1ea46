#pragma once
// Documents are named by URIs; Vigil's loader reads paths.

#include <optional>
#include <string>
#include <string_view>

namespace vigil::lsp {

/// The path a `file:` URI names (`file:///a/b%20c.vigil` is `/a/b c.vigil`); nothing for another
/// scheme (`untitled:`), a host other than `localhost`, or a malformed escape.
[[nodiscard]] std::optional<std::string> path_of_uri(std::string_view uri);

/// The `file:` URI of an absolute path, escaped as SARIF's artifact URIs are.
[[nodiscard]] std::string uri_of_path(std::string_view absolute_path);

}  // namespace vigil::lsp
