#pragma once
// One diagnostic type for every stage (parse, load, check, compile). Mistakes in user input are
// data: they travel in result<T> beside the value and are never thrown.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "vigil/source.hpp"

namespace vigil {

enum class severity : std::uint8_t { error, warning, note };

/// Every diagnostic code. Add a row to `code_table` in the same order when adding a value.
enum class code : std::uint16_t {
    // V01xx: syntax (grammar/)
    syntax_expected,
    syntax_unterminated_string,
    syntax_invalid_escape,
    syntax_invalid_number,
    syntax_duplicate_setting,
    syntax_invalid_template,
    syntax_not_utf8,
    syntax_control_character,
    // V02xx: names and structure
    unknown_name,
    duplicate_rule,
    duplicate_definition,
    duplicate_policy,
    unknown_function,
    wrong_argument_count,
    unknown_severity,
    unknown_remedy,
    definition_cycle,
    rule_without_obligation,
    missing_remedy_argument,
    then_with_obligation,
    variable_across_turns,
    indistinct_versions,
    definitions_too_deep,
    // V03xx: types
    type_mismatch,
    invalid_regex,
    expected_path,
    not_a_list,
    not_a_condition,
    invalid_window,
    invalid_date,
    // V04xx: record schema
    unknown_field,
    schema_invalid,
    value_not_in_schema,
    // V05xx: files and imports
    file_unreadable,
    import_not_found,
    import_cycle,
    empty_policy_set,
    // V06xx: warnings about policies that check but are probably wrong
    unused_definition,
    rule_never_applies,
    empty_file,
    shadowed_name,
    pattern_matches_everything,
    // V07xx: policy test files (`vigil test`)
    test_syntax,
    test_invalid_json,
    test_unknown_policy,
    test_unknown_rule,
    test_no_such_turn,
    test_invalid_case,
    test_file_unreadable,
    test_record_breaks_schema,
    count_  // not a code: the number of codes
};

/// One row of the code table: the stable id shown to users, a slug, a one-line summary.
struct code_info {
    code value;
    std::string_view id;       // "V0101"
    std::string_view slug;     // "syntax-expected"
    severity default_severity;
    std::string_view summary;  // for docs/diagnostics.md
};

/// The table of every code, indexed by the enum value.
extern const std::array<code_info, static_cast<std::size_t>(code::count_)> code_table;

[[nodiscard]] const code_info& info(code c);

/// A note attached to a diagnostic, optionally pointing at another place.
struct note {
    std::string message;
    std::optional<span> where;
};

/// A problem in user input. Message wording: lowercase, no final period, user text in
/// backticks, one line; detail goes in notes or help.
struct diagnostic {
    code value = code::syntax_expected;
    severity level = severity::error;
    span where;
    std::string message;
    std::vector<note> notes;
    std::string help;
};

/// Makes a diagnostic with the code's default severity.
[[nodiscard]] diagnostic make_diagnostic(code c, span where, std::string message, std::string help = {});

[[nodiscard]] bool has_errors(const std::vector<diagnostic>& diagnostics);

/// A value plus the diagnostics found while producing it. `value` is empty only when at least
/// one error was reported; a failure with no diagnostic is a bug.
template <typename T>
struct result {
    std::optional<T> value;
    std::vector<diagnostic> diagnostics;

    [[nodiscard]] bool ok() const { return value.has_value() && !has_errors(diagnostics); }
};

/// "did you mean `x`?" support: the candidate closest to `word` by edit distance, if it is
/// close enough to be a plausible typo.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       const std::vector<std::string>& candidates);

/// Renders `file:line:col: error[V0101]: message`, the source line, a caret underline, notes
/// and help. Tabs are expanded and columns count code points.
[[nodiscard]] std::string render_text(const diagnostic& d, const source_map& sources);

/// The message, then the notes that have no place of their own (`note: ...`) and the help
/// (`help: ...`), one per line: what render_text prints beside the source line, for renderings
/// that show places apart (SARIF's related locations, LSP's related information).
[[nodiscard]] std::string message_with_notes(const diagnostic& d);

/// The same information as JSON, for tools.
[[nodiscard]] nlohmann::json render_json(const diagnostic& d, const source_map& sources);

/// Sorts by file, position, then code, so output is stable whatever order stages ran in.
void sort_diagnostics(std::vector<diagnostic>& diagnostics);

}  // namespace vigil
