#pragma once
// The canonical layout of policy files and test files (`vigil fmt`): one way to lay out every
// file, so that a review shows what changed in meaning, not in white space. docs/cli.md says what
// it changes.

#include <string>

#include "vigil/diagnostic.hpp"
#include "vigil/source.hpp"

namespace vigil {

/// The text of `file` in canonical layout: every item on a line of its own, indented by two spaces
/// per block, one space between tokens (none inside brackets, around `.`, before `,` and `:`, after
/// a unary `-`), blank lines between items kept (a run of them as one), line breaks inside an
/// expression kept and indented, a byte-order mark dropped, `\n` line ends, one at the end. Every
/// token is printed as written (strings, numbers, messages, parentheses) and every comment is kept
/// in its place (its text without the blanks at its end). The layout of a file that is already
/// canonical is itself.
///
/// A file that does not parse without errors is not formatted: the result has no value and holds
/// the parser's diagnostics. A file with other mistakes (an unknown name, a wrong type) parses and
/// is formatted. Throws std::logic_error, a bug, should the layout ever change what the file says
/// (meaning_hash()), the text of a message but for the indentation of its lines, or its comments:
/// it checks all three before it returns.
[[nodiscard]] result<std::string> format_policy(const source_map& sources, file_id file);

/// The text of the test file `file` (`*.tests`) in canonical layout: every item (`policy`,
/// `start`, `defaults`, `case`, and in a case `record`, `turn`, `defaults`, `expect`) on a line of
/// its own with its tokens one space apart (none before `,`), the items of a case indented by two
/// spaces and its `}` on a line of its own, blank lines between items kept (a run of them as one),
/// a byte-order mark dropped, `\n` line ends, one at the end. A JSON object keeps its first line
/// as written; only the indentation of its other lines changes, relative to the brackets that
/// are open there (as format_policy() indents inside brackets), and the blanks at their ends go.
/// Strings, numbers and every comment are kept as written, in their place.
///
/// A file that does not parse without errors (V0701, V0702, a setting given twice) is not
/// formatted: the result has no value and holds the parser's diagnostics, those `vigil test` gives.
/// A file with mistakes only the test runner finds (an unknown rule, a turn the case lacks) is
/// formatted. Throws std::logic_error, a bug, should the layout ever change what the file says
/// (meaning_hash() of the parsed file), the text of an object but for its indentation, or its
/// comments: it checks all three before it returns.
[[nodiscard]] result<std::string> format_test_file(const source_map& sources, file_id file);

}  // namespace vigil
