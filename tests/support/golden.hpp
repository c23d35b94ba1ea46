#pragma once
// Golden-file support shared by every test suite. A golden file holds exactly what a person
// would read (rendered diagnostics, command output); a test compares the actual text with it.
// Run a suite with UPDATE_GOLDEN=1 to rewrite the golden files from the actual output instead.

#include <string>
#include <vector>

#include "vigil/diagnostic.hpp"
#include "vigil/source.hpp"

/// Compares `actual` with the golden file `relative_golden_path` under tests/golden/ (for
/// example "syntax/three_mistakes.golden"). On a mismatch reports a test error with the whole
/// actual text and a short diff. With UPDATE_GOLDEN=1 in the environment, writes `actual` to
/// the golden file instead (creating directories as needed).
void check_golden(const std::string& relative_golden_path, const std::string& actual);

/// The whole content of a file; throws std::runtime_error when it cannot be read.
[[nodiscard]] std::string read_file(const std::string& path);

/// `text` with every occurrence of `from` replaced by `to` (a path in an output, say).
[[nodiscard]] std::string replace_all(const std::string& text, const std::string& from, const std::string& to);

/// Every diagnostic rendered with vigil::render_text, sorted with vigil::sort_diagnostics and
/// concatenated: the text a golden file of diagnostics holds.
[[nodiscard]] std::string render_all(const std::vector<vigil::diagnostic>& diagnostics,
                                     const vigil::source_map& sources);
