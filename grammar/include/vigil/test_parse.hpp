#pragma once
// Text of a policy test file (`*.tests`) to its syntax tree. The grammar lives in grammar/src/
// (tests_rules.hpp); docs/testing-policies.md describes the format.

#include "vigil/diagnostic.hpp"
#include "vigil/source.hpp"
#include "vigil/test_file.hpp"

namespace vigil {

/// Parses the text of one test file already in `sources`. Reports syntax errors (V0701), objects
/// that are not valid JSON (V0702, pointing at the offending character, with nlohmann::json's
/// explanation) and settings written twice (V0706). On a syntax error the parser recovers at the
/// next line that starts an item (`case`, `record`, `turn`, `expect`, ...) and reports every
/// independent mistake; the value then holds what did parse. Rule names, turn numbers and the
/// structure of cases are checked later, by the test runner.
[[nodiscard]] result<test_file> parse_test_file(const source_map& sources, file_id file);

}  // namespace vigil
