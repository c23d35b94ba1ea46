#pragma once
// Diagnostics as SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the format code
// scanning services read (GitHub, GitLab, Azure DevOps): `vigil check --format sarif` in a
// pipeline puts each mistake of a policy file on the line of the change that made it.

#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "vigil/diagnostic.hpp"

namespace vigil {

/// One SARIF log with one run of `vigil` (`version` its version): every diagnostic code as a rule,
/// in code_table order, so that a result's `ruleIndex` is its code's place there, and one result per
/// diagnostic, in the order given. Columns count code points, as in every other rendering
/// (`columnKind: unicodeCodePoints`); a region's end column is that of the character after it,
/// as SARIF counts it. Notes with a place are related locations; notes without one and the help
/// follow the message, as `render_text` shows them.
[[nodiscard]] nlohmann::json render_sarif(const std::vector<diagnostic>& diagnostics, const source_map& sources,
                                          std::string_view version);

/// A file name as a SARIF artifact URI: a relative path stays relative (a code scanning service
/// resolves it against the repository's root), an absolute one becomes a `file://` URI; bytes
/// other than letters, digits, `-._~/` are percent-encoded.
[[nodiscard]] std::string artifact_uri(std::string_view path);

}  // namespace vigil
