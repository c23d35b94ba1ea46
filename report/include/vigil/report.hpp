#pragma once
// The audit report of a replay (`vigil report`): one self-contained HTML file that an auditor can
// hand to management, a data protection officer or a regulator, made from what `vigil replay`
// wrote: its summary (`--summary-json`) and its findings file (`--findings`).
//
// The summary gives every count; the findings file gives what the summary does not keep: example
// findings a reader can find in the logs, and why rules were undetermined. The findings file may
// be gigabytes, so it is read line by line and only counts and a bounded number of examples are
// kept: memory follows the rules of the summary and the options, not the size of the file. The
// two must come from one replay: the report counts the findings file's findings and events again
// and refuses it when they differ from the summary's counts. The same inputs give the same bytes:
// nothing in the report comes from the clock.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/replay.hpp"

namespace vigil::report {

/// How much a report shows beyond the summary's counts.
struct options {
    /// Findings shown per rule and outcome, and events per kind.
    std::size_t examples = 5;
    /// The most common reasons rules were undetermined shown.
    std::size_t reasons = 20;
    /// A longer findings line is refused.
    std::size_t max_line = std::size_t{64} << 20;
};

/// A mistake in an input: the file, the line of a findings file (0 for the summary or the whole
/// file), and what is wrong, in one line.
using replay::problem;

/// The summary JSON read back, or why it cannot be: the first member that is missing or has the
/// wrong type, named by its path (`findings.by_rule[3].violation`), or counts that contradict
/// each other.
struct summary_result {
    replay::summary summary;
    std::optional<problem> error;
};

/// Reads the text of a summary `vigil replay --summary-json` wrote, `name` being its file (for
/// messages). Every member the report shows is checked; `run.profile` is not read.
[[nodiscard]] summary_result read_summary(std::string_view json_text, const std::string& name);

/// Where a finding or an event is, and what of it a reader needs to find it in the logs. Texts
/// are as the findings file has them; a conversation id or turn that is not a string or an
/// integer is its JSON text (`"3"`, `null`).
struct example {
    std::size_t file_index = 0;  // of the log in summary::files: examples sort by file, then line
    std::uint64_t line = 0;
    std::string file;
    std::string conversation_id;
    std::string turn;
    std::string timestamp;             // empty when the record has none
    std::string message;               // a finding's message, or what an event says
    std::vector<std::string> missing;  // an undetermined finding's missing fields
    std::vector<std::string> errors;   // ... and what else left it open (values not allowed)
};

/// The findings of one rule of the summary, as counted in the findings file, and the first
/// options::examples of each outcome by file and line.
struct rule_findings {
    std::uint64_t violations = 0;
    std::uint64_t undetermined = 0;
    std::vector<example> first_violations;
    std::vector<example> first_undetermined;
};

/// The events of one kind (`gap`, `duplicate`, `out_of_order`, `malformed`, `read_error`) and the
/// first of them by file and line.
struct event_findings {
    std::uint64_t count = 0;
    std::vector<example> first;
};

/// Why a rule could not be decided: a missing field, or a value the record schema does not allow
/// (the finding's `errors`), with how many undetermined findings name it and the rules they are
/// of (indexes into summary::by_rule).
struct reason {
    bool missing = true;  // a missing field; false for an error (a value not allowed)
    std::string text;
    std::uint64_t count = 0;
    std::vector<std::size_t> rules;
};

/// A text from the findings file kept for the report (a message, an id, a reason) is cut to this
/// many bytes, at a character boundary, and ends in `…` when it was longer: a message may quote a
/// record's whole text, and memory must not follow the records.
constexpr std::size_t max_text_bytes = 1024;

/// At most this many distinct reasons are counted one by one: an error names the value it
/// refused, and values would make the count grow with the logs. Later new ones are only counted.
constexpr std::size_t max_reasons = 10000;

/// What the findings file holds besides the summary's counts.
struct findings_tally {
    std::uint64_t lines = 0;
    std::string sha256;                // of the file as stored, as sha256sum prints it
    std::vector<rule_findings> rules;  // one per rule of summary::by_rule, in its order
    std::map<std::string, event_findings> events;
    std::vector<reason> reasons;          // the most named first (then by kind and text)
    std::uint64_t reasons_uncounted = 0;  // findings' reasons beyond max_reasons distinct ones
    /// The earliest and the latest `timestamp` of a finding (RFC 3339, as the record wrote it):
    /// the log time the findings span. Empty when no finding has a usable one.
    std::string first_timestamp;
    std::string last_timestamp;
};

struct findings_result {
    findings_tally tally;
    std::optional<problem> error;
};

/// Reads the findings file `path` (plain or gzip; `-` for standard input) of the replay `s`
/// summarises, line by line. An error names the file and the line: a line that is not a JSON
/// object, a finding or an event without a member the report uses, a finding of a rule or a log
/// the summary does not know, or judged by other policies (its `policy_hash`); and, at the end,
/// the first count that differs from the summary's (a rule's violations or undetermined findings,
/// the malformed lines, gaps, duplicates, records out of order). A file that cannot be read is an
/// error too. Throws std::bad_alloc only.
[[nodiscard]] findings_result read_findings(const std::string& path, const replay::summary& s, const options& o);

/// Another replay's summary whose rules' rates the report compares with (`vigil report
/// --baseline`): the same logs judged by other policies (what a change of the policies changes),
/// or another period judged by the same ones (what changed since).
struct baseline {
    replay::summary summary;
    std::string path;
    std::string sha256;
};

/// The names the report gives its two inputs and their SHA-256, which it shows so that a reader
/// can tell which outputs of which replay it was made from; and the baseline, when there is one.
struct inputs {
    std::string summary_path;
    std::string summary_sha256;
    std::string findings_path;
    const baseline* compared_with = nullptr;
};

/// The report as one HTML document: inline CSS, no script, nothing fetched, laid out for print
/// too. Every text from the inputs is escaped. The same arguments give the same bytes.
[[nodiscard]] std::string render_html(const replay::summary& s, const findings_tally& findings, const inputs& in,
                                      const options& o);

}  // namespace vigil::report
