#pragma once
// Unit tests for policies (`vigil test`): a test file `customer-care.tests` beside
// `customer-care.vigil` holds cases, each a record or a conversation of turns with expectations
// about the findings of one policy. This module finds test files, loads and compiles the policy
// file each one tests, feeds every case through the evaluator (a conversation with its own rule
// state, turn by turn, then its end), compares the findings with the expectations, and reports
// the results as text or JUnit XML. docs/testing-policies.md describes the format and semantics.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/diagnostic.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/markup.hpp"
#include "vigil/parse.hpp"
#include "vigil/source.hpp"
#include "vigil/test_file.hpp"

namespace vigil::policytest {

// ---- records ----------------------------------------------------------------------------------

/// The time of turn 1 of every case when a test file has no `start` setting.
inline constexpr std::string_view default_start = "2026-03-02T09:00:00Z";

/// Merges `over` into `base`: where both hold an object under the same key they are merged key by
/// key, recursively; otherwise the value of `over` replaces that of `base` (lists are replaced,
/// not joined, and `null` replaces a value, which policies read as absent).
void merge_into(nlohmann::json& base, const nlohmann::json& over);

/// Milliseconds since 1970-01-01T00:00:00Z of a `start` setting written `YYYY-MM-DDTHH:MM:SSZ`;
/// nothing when the text is not such a time.
[[nodiscard]] std::optional<std::int64_t> parse_start(std::string_view text);

/// `YYYY-MM-DDTHH:MM:SSZ` for milliseconds since 1970-01-01T00:00:00Z (fractions dropped).
[[nodiscard]] std::string format_time(std::int64_t ms);

/// The records a case feeds to the evaluator, in turn order: the file's `defaults`, then the
/// case's `defaults`, then the record itself merged with merge_into(); then every field the
/// record still lacks among `id` ("<case>#<n>"), `conversation_id` (the case name), `turn` (n,
/// counting from 1) and `timestamp` (`start` plus n - 1 minutes) is filled in.
[[nodiscard]] std::vector<nlohmann::json> case_records(const test_file& file, const test_case& c);

/// Mistakes in a parsed test file that need no policy: a case without a record, with both
/// `record` and `turn`, or with two `record`s (V0706); two cases with one name (V0706);
/// contradictory expectations on one turn (V0706); an invalid `start` (V0706); an expectation on
/// a turn the case does not have (V0705).
[[nodiscard]] std::vector<diagnostic> validate(const test_file& file);

// ---- results ----------------------------------------------------------------------------------

/// One line of a failed case's difference between expectation and outcome.
struct difference {
    enum class kind : std::uint8_t {
        expected,    // `- expected violation r on turn 1 (line 7)`: an expectation that was not met
        actual,      // `+ actual pass r on turn 1`: what happened instead
        unexpected,  // `+ unexpected violation r on turn 2: message`: a violation no expectation names
        why,         // `    when speaker == "ai": true`: how a part of the rule above came out on the turn
    };
    kind k = kind::expected;
    std::string text;  // without the marker: "expected violation r on turn 1 (line 7)"

    /// The line as printed: "- expected ...", "+ actual ...", "+ unexpected ...", or a `why` line
    /// indented under them.
    [[nodiscard]] std::string line() const;
};

/// What one turn (or the end) of a case gave, restricted to the policies under test.
struct turn_outcome {
    std::uint32_t number = 0;                       // 1..n; 0 for the end of the conversation
    std::vector<finding> findings;                  // of the policies under test, in rule order
    decision_kind decision = decision_kind::allow;  // from those findings alone
    /// How every rule of the policies under test came out on the turn (none for the end).
    std::vector<rule_explanation> explanations;
};

/// One case, run (or left out of the run).
struct case_result {
    std::string name;
    span where;  // the case in the test file
    bool passed = false;
    bool skipped = false;                 // its name does not match the run's case pattern: it did not run
    std::vector<difference> differences;  // empty when passed
    std::vector<turn_outcome> turns;      // every turn, then the end
    /// Records of the case that give a value their schema does not allow (V0708), pointing into
    /// the file_result's `sources`: the case may pass while testing something else than meant.
    std::vector<diagnostic> warnings;
};

/// Whether a rule of a policy under test has a case that expects it violated, and one that
/// expects it to pass (whether or not those cases passed: failures are reported on their own).
struct rule_coverage {
    std::string policy;
    std::string version;  // of the policy, empty when it declares none: each version is covered apart
    std::string rule;
    bool violating = false;
    bool passing = false;

    [[nodiscard]] bool complete() const { return violating && passing; }
};

enum class file_status : std::uint8_t {
    ran,                // the cases ran; each passed or failed
    malformed,          // the test file cannot be read or has mistakes, or its policy file is missing: no case ran
    policy_unreadable,  // a policy file or a file it imports cannot be read: no case ran
    policy_invalid,     // the policies do not check: no case ran
};

/// One test file, run.
struct file_result {
    std::string path;                   // the test file, as found
    std::string policy_path;            // the policy file it tests (beside it, same name, `.vigil`)
    std::vector<std::string> policies;  // the names of the policies under test, once known
    file_status status = file_status::malformed;
    std::vector<case_result> cases;
    /// Mistakes in the test file (errors, so status is `malformed`), pointing into `sources`.
    std::vector<diagnostic> diagnostics;
    std::shared_ptr<const source_map> sources;
    /// Errors and warnings of the policy files, pointing into `policy_sources`; shown when the
    /// policies do not check or cannot be read (also beside mistakes of the test file).
    std::vector<diagnostic> policy_diagnostics;
    std::shared_ptr<const source_map> policy_sources;
    std::vector<rule_coverage> coverage;  // every rule of the policies under test, in rule order

    [[nodiscard]] std::size_t passed() const;
    [[nodiscard]] std::size_t failed() const;
    [[nodiscard]] std::size_t skipped() const;
};

/// A whole run of `vigil test`.
struct run_result {
    std::vector<file_result> files;
    /// Problems with the paths themselves (V0707), pointing into `sources`.
    std::vector<diagnostic> diagnostics;
    std::shared_ptr<const source_map> sources;
    /// The pattern that chose the cases to run (run()); empty when every case ran.
    std::string case_pattern;

    [[nodiscard]] std::size_t passed() const;
    [[nodiscard]] std::size_t failed() const;
    [[nodiscard]] std::size_t skipped() const;
    /// The coverage of every policy tested, merged over the files that ran, in file then rule order.
    [[nodiscard]] std::vector<rule_coverage> coverage() const;
};

// ---- running ----------------------------------------------------------------------------------

/// The test files that `paths` stand for: a `.vigil` file stands for the `.tests` file beside
/// it, a directory for every `*.tests` file below it (sorted), any other file for itself. Each
/// file is listed once, in the order found. A path that does not exist, a policy file without a
/// test file and a directory without test files are reported (V0707) into `problems`, with
/// pseudo-files added to `sources`.
[[nodiscard]] std::vector<std::string> discover(const std::vector<std::string>& paths, source_map& sources,
                                                std::vector<diagnostic>& problems);

/// Which cases of a test file run: those whose name `pattern` matches, an RE2 regular expression
/// that may match any part of it (`human` runs `human_on_request` and `no_human`; `^human$` only
/// `human`); every case when it is empty.
class case_selection {
public:
    /// Throws std::invalid_argument, with RE2's reason, when `pattern` is not a valid expression.
    explicit case_selection(const std::string& pattern = {});
    ~case_selection();
    case_selection(case_selection&&) noexcept;
    case_selection& operator=(case_selection&&) noexcept;

    [[nodiscard]] bool selects(const std::string& case_name) const;
    [[nodiscard]] const std::string& pattern() const;

private:
    struct impl;
    std::unique_ptr<impl> m;
};

/// Runs one test file against the policy file beside it (same name, `.vigil`): the cases
/// `selection` selects; the others are listed as skipped.
[[nodiscard]] file_result run_file(const std::string& test_path, const case_selection& selection = case_selection());

/// Runs a test file given as text against the given policy inputs; the first one is the policy
/// file under test (the others are loaded with it, like its imports). For tests and tools.
[[nodiscard]] file_result run_text(const std::string& test_name, const std::string& test_text,
                                   const std::vector<policy_input>& policies,
                                   const case_selection& selection = case_selection());

/// discover() then run_file() on each test file.
[[nodiscard]] run_result run(const std::vector<std::string>& paths, const case_selection& selection = case_selection());

/// True when the run's case pattern matched no case of the test files that ran: a mistyped
/// pattern, which must not pass as a run with nothing wrong.
[[nodiscard]] bool selected_nothing(const run_result& run);

// ---- reporting --------------------------------------------------------------------------------

struct options {
    bool coverage_strict = false;  // missing coverage fails the run (exit 1)
};

/// The exit status (docs/cli.md): 2 when some path, test file or policy file cannot be read, a
/// test file has mistakes, or a case pattern selected no case; otherwise 3 when some policies do not check; otherwise 1
/// when a case failed (or, with coverage_strict, some rule lacks a violating or a passing case); otherwise 0.
[[nodiscard]] int exit_status(const run_result& run, const options& opts);

/// The text a person reads: diagnostics, one `PASS path: case` or `FAIL path: case` line per case
/// with the differences of a failed case below it, an `ERROR` line for a file whose cases could
/// not run (and one when a case pattern selected no case), the coverage line, and last
/// `N passed, N failed`, with `, N skipped` when a case pattern left cases out.
[[nodiscard]] std::string report_text(const run_result& run);

/// The coverage line: `coverage: 5/6 rules have a violating and a passing case; missing:
/// customer-care/crisis_handoff (no passing case)`. Empty when no rule was tested.
[[nodiscard]] std::string coverage_line(const std::vector<rule_coverage>& coverage);

/// JUnit XML: a `testsuites` element, a `testsuite` per test file and a `testcase` per case; a
/// failed case holds a `failure` with its differences, a file whose cases could not run a
/// testcase with an `error` holding the diagnostics; with coverage_strict, a `coverage` suite
/// with a testcase per rule.
[[nodiscard]] std::string report_junit(const run_result& run, const options& opts);

/// XML escaping for the JUnit report (markup.hpp), where it was first written.
using vigil::xml_escape;

}  // namespace vigil::policytest
