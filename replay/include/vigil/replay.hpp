#pragma once
// Replay: evaluate months of historical JSON Lines logs (plain or gzip) in which the records of
// many conversations interleave, the way `vigil replay` does for auditors.
//
// The logs are read in the order given, as one stream. A reader thread peeks at every line
// (vigil::peek) and routes it by a hash of its conversation id to one of N worker threads; each
// worker owns a vigil::conversation_tracker, so every conversation is put back in turn order and
// evaluated by one thread. Lines travel in batches of `batch_lines`, each line stamped with the
// log time (the latest record timestamp seen so far) by which its worker judges idleness; after
// each batch every worker expires idle conversations at the same log time, placing each closing
// before the line where log time passed its idle gap, and the writer merges the workers' events
// of the batch into the order one tracker fed the whole stream would give. The findings file and
// the summary are therefore byte-identical whatever the number of threads. Memory is bounded by
// the batches in flight (a few per thread, each at most batch_lines lines or batch_bytes bytes,
// and no line longer than max_line) and by the conversations open at once.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/conversation.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/profile.hpp"
#include "vigil/threads.hpp"

namespace vigil::replay {

/// A period of log time, in milliseconds since the epoch: from `from` (inclusive) until `until`
/// (exclusive), either bound open when absent, as a policy's `effective` period.
struct period {
    std::optional<std::int64_t> from;
    std::optional<std::int64_t> until;

    [[nodiscard]] bool bounded() const { return from || until; }
    /// -1 before the period, 0 in it, 1 after it.
    [[nodiscard]] int place_of(std::int64_t time_ms) const {
        if (from && time_ms < *from) return -1;
        if (until && time_ms >= *until) return 1;
        return 0;
    }
};

/// What to replay and how.
struct options {
    /// Log files, read in this order as one stream; each plain or gzip-compressed (detected from
    /// the content), `-` for standard input. Line numbers count from 1 in each file.
    std::vector<std::string> logs;
    /// Worker threads, at most vigil::max_threads; 0 means one per core (threads.hpp). The output
    /// does not depend on it.
    std::size_t threads = 0;
    /// The reorder window and the idle gap of every conversation (conversation.hpp).
    tracker_options tracking;
    /// Lines per batch. The findings file does not depend on it: a conversation is over once log
    /// time passes its last record by the idle gap (the record that comes after that starts a new
    /// one), and its closing lines stand where log time passed it, whichever batch noticed. Only
    /// the most conversations open at once is counted at batch ends, and conversations whose
    /// records carry no timestamp age from batch end to batch end. Small batches keep the memory
    /// in flight small (2,048 records of a kilobyte: 2 MB).
    std::size_t batch_lines = 2048;
    /// A batch also ends once its text reaches this many bytes, so that long records cannot make
    /// the batches in flight large (2,048 records of the usual kilobyte stay far below it).
    std::size_t batch_bytes = std::size_t{64} << 20;
    /// The longest line read, in bytes: a longer one is malformed, stepped over without being kept
    /// (a runaway line costs no memory), and reported with its line number and length.
    std::size_t max_line = std::size_t{16} << 20;
    /// When not empty, every line is a JSON object whose member of this name is the record (a
    /// decision log of `vigil serve` has {"record": {...}, "decision": {...}, ...}); a line
    /// without it is malformed, except a line with an `event` member instead (a decision log's
    /// `conversation_closed` lines), which carries no record: it is counted in
    /// summary::without_record and not evaluated (replay closes conversations itself). Line
    /// numbers, and the findings' `file` and `line`, are the log's.
    std::string record_member;
    /// Measures where the workers' time goes, rule by rule (summary::profile). Adds about a
    /// fifth to the workers' time.
    bool profile = false;
    /// Hashes every log as it is read, for summary::files' `sha256`. About 0.8 s of the reader's
    /// time per GB with the CPU's SHA extensions, four times that without them.
    bool hash_logs = true;
    /// Draws a progress bar with rate and ETA on standard error (the caller checks it is a
    /// terminal).
    bool progress = false;
    /// The audited period, when given: only the records timed in it are reported (decisions,
    /// findings and their counts), a conversation's closing findings when its last turn evaluated
    /// is. Every record is still read and evaluated, in its conversation, so that a conversation
    /// that began before the period is judged with its earlier turns (its first AI turn, its
    /// distress before) and an obligation opened in the period can be met after it. A record
    /// without a usable timestamp cannot be placed, and is reported. Lines that are not records
    /// and turn-order events are reported whenever they are in the logs.
    period audited;
};

/// Receives the findings file in chunks, in order. May throw (a write error); the replay then
/// stops and run() rethrows.
using output = std::function<void(std::string_view chunk)>;

/// A line that could not be evaluated, or a file that could not be read.
struct problem {
    std::string file;
    std::uint64_t line = 0;  // 0 for a file problem
    std::string error;
};

/// Where a record is in the logs.
struct place {
    std::string file;
    std::uint64_t line = 0;
};

/// Sums over conversations of one rule's findings, by outcome (violation, undetermined): of f^2
/// and of f*n, with f a conversation's findings of the rule and n its records decided. With
/// conversation_spread, they give the standard error of the rule's rate per record when each
/// conversation is one sample (rate_sums). Integers, so that sums merge to the same totals in
/// any order.
struct rule_spread {
    std::uint64_t xx[2] = {0, 0};
    std::uint64_t xn[2] = {0, 0};
};

/// The conversations with records decided, and the sum of n^2 over them (n as in rule_spread).
struct conversation_spread {
    std::uint64_t conversations = 0;
    std::uint64_t nn = 0;
};

/// Findings of one rule of one version of its policy (the versions a policy has over time, see
/// `effective`, are counted apart: a rule may change from one to the next).
struct rule_tally {
    std::string policy;
    std::string version;  // empty when the policy declares none
    std::string rule;
    std::string severity;
    std::size_t violations = 0;
    std::size_t undetermined = 0;
    rule_spread spread;  // over the conversations of the whole replay; zero in a group_tally
};

/// One side of a comparison of rates per record, each conversation one sample: `x` findings in
/// `n` records of `m` conversations, and over those conversations the sums of rule_spread and
/// conversation_spread.
struct rate_sums {
    double x = 0, n = 0, m = 0, xx = 0, xn = 0, nn = 0;
};

/// How many standard errors the rate x/n of `a` is from that of `b`, two samples that share no
/// conversation: the difference over the square root of the sum of their variances. Each is the
/// cluster-robust variance of a ratio, m/(m-1) * sum((f - r n)^2) / n^2 with r = x/n, and never
/// less than p(1-p)/n, with p the rate of both sides together: as if the records were
/// independent, so that a side whose conversations all have no finding does not stand apart from
/// a rare one. Empty when a side has fewer than two conversations or no record, or when neither
/// has a finding.
[[nodiscard]] std::optional<double> rate_difference_z(const rate_sums& a, const rate_sums& b);

/// The records whose carried field (compile_options::carried_fields) had one value, and their
/// findings: how an auditor compares languages, channels or tenants.
struct group_tally {
    std::string value;                // the field's value as JSON text (`"vi"`, `3`); `null` when records lack it
    std::uint64_t records = 0;        // records decided
    std::uint64_t conversations = 0;  // conversations with records of this value
    std::uint64_t violations = 0;
    std::uint64_t undetermined = 0;
    /// One rule's findings among these records (those about a whole conversation count where
    /// its last turn evaluated does), and how far their rate per record stands from the other
    /// records': the difference in standard errors, by outcome (violation, undetermined). Each
    /// conversation is one sample, as its turns are not independent of each other (the
    /// cluster-robust error of a ratio); 0 when either side has fewer than two conversations.
    struct rule {
        rule_tally counts;
        double z[2] = {0, 0};
    };
    std::vector<rule> by_rule;  // every rule with findings in the replay, sorted as summary::by_rule
};

/// A carried field with more values than this, or a value longer than this, is not counted by
/// value: memory would grow with the logs for a field such as `id` or `text`.
constexpr std::size_t max_group_values = 1000;
constexpr std::size_t max_group_value_bytes = 256;  // as JSON text

/// A rule is named under a value of a carried field only where the value's rate of findings
/// differs from the other records' by this many standard errors or more (|z|): chance alone does
/// that about 3 times in 1,000 comparisons.
constexpr double notable_z = 3;

/// The records and findings of a replay by the values of one carried field.
struct breakdown {
    std::string field;                // as given: `language`, `meta.tenant`
    std::string not_counted;          // why it is not counted by value (`groups` is empty); empty when it is
    std::vector<group_tally> groups;  // the most records first, then by value
};

/// One log file as read.
struct file_tally {
    std::string path;
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;  // uncompressed bytes read, newlines included
    /// The SHA-256 of the file's bytes as read (compressed, for gzip: what `sha256sum` gives the
    /// file), 64 lowercase hex digits; empty when the file could not be read to its end, or was
    /// not hashed (options::hash_logs).
    std::string sha256;
};

/// Everything counted during a replay. All fields but those of how the run went (`threads`, the
/// seconds) depend only on the input, the policies and the tracking options.
struct summary {
    std::vector<file_tally> files;
    std::vector<problem> unreadable;  // files that could not be opened or read to the end
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    std::uint64_t decided = 0;             // records evaluated and reported (in the audited period)
    std::uint64_t malformed = 0;           // lines refused (not a JSON object, or not valid JSON)
    std::uint64_t without_record = 0;      // with record_member: event lines that carry no record
    std::uint64_t blank_lines = 0;         // empty or only whitespace (is_blank_line): no record
    std::vector<problem> first_malformed;  // the first 20 of them, in log order
    std::uint64_t duplicates = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t gaps = 0;
    std::uint64_t gaps_at_start = 0;         // gaps before a conversation's first turn seen
    std::uint64_t missing_turns = 0;         // turns named by the gaps
    std::uint64_t conversations = 0;         // conversations closed (one reopened after idling counts twice)
    std::uint64_t resumed = 0;               // of them, parts that continued one that went idle
    std::uint64_t peak_open = 0;             // most conversations open at a batch boundary
    std::uint64_t alone = 0;                 // records evaluated without a conversation id or turn
    std::uint64_t untimed = 0;               // records evaluated without a usable timestamp
    /// The earliest and the latest timestamp read in the logs (the latest is the log time at the
    /// end), as `YYYY-MM-DDTHH:MM:SSZ`: the time the logs span. Empty when no line had one.
    std::string first_log_time;
    std::string last_log_time;
    /// Records decided whose timestamp falls in no `effective` period of any policy of the set:
    /// no rule judged them, so they are allowed without a finding although nothing was checked
    /// (logs of months the policies do not cover). The first 10 of them, in log order.
    std::uint64_t outside_effect = 0;
    std::vector<place> first_outside;
    /// options::audited, and the records read before and after it: evaluated for their
    /// conversations' sake, and not reported (not counted in `decided` nor below).
    period audited;
    std::uint64_t before_period = 0;
    std::uint64_t after_period = 0;
    std::uint64_t decisions[3] = {0, 0, 0};  // by decision_kind
    std::uint64_t violations = 0;
    std::uint64_t undetermined = 0;
    std::map<std::string, std::uint64_t> by_severity;  // findings (both outcomes) by severity
    std::vector<rule_tally> by_rule;                   // sorted by policy, version, then rule
    /// The conversations with records decided (in the audited period), for the spread of
    /// `by_rule`'s rates; empty in a summary read from JSON written before replay kept it.
    std::optional<conversation_spread> spread;
    std::vector<breakdown> breakdowns;                 // one per carried field of the compiled set
    std::string policy_hash;
    std::vector<policy_file> policy_files;  // each with its SHA-256, as loaded (policy_files())
    bool logs_hashed = true;                // options::hash_logs
    tracker_options tracking;
    std::size_t batch_lines = 0;
    std::size_t batch_bytes = 0;
    std::size_t max_line = 0;
    std::string record_member;  // options::record_member
    // how the run went (not part of the result)
    std::string vigil_version;  // of the replay's code
    std::size_t threads = 0;
    double elapsed_seconds = 0;
    double worker_cpu_seconds = 0;  // the CPU time of the workers, together
    double reader_cpu_seconds = 0;  // the CPU time of the reader (the calling thread) while it read
    /// With options::profile: where the workers' time went, by profile_report (profile.hpp) and
    /// `output` (rendering findings lines), out of `profiled_seconds`, the time the workers spent
    /// on batches (elapsed, so a worker that waits for a core counts its wait).
    std::vector<profile_entry> profile;
    double profiled_seconds = 0;
};

/// Replays `opts.logs` against `set`, writing the findings file to `findings` (null: nowhere).
/// The findings file has one JSON object per line: one per finding (a violated or undetermined
/// rule) with the record's `file`, `line`, `record_id`, `conversation_id`, `turn`, `timestamp`,
/// `decision`, its value of each carried field under `groups` (when the set has some), the
/// finding's fields as in vigil::to_json and `policy_hash`; and one per event that is not a
/// decision: `{"event": "malformed" | "gap" | "duplicate" | "out_of_order" | "read_error", ...}`.
/// A file that cannot be opened stops the replay before anything is evaluated (it is listed in
/// `unreadable`); a read error in the middle of a file ends that file (listed too, and a
/// `read_error` line after its last line read) and the replay goes on with the next. Throws
/// std::invalid_argument, before reading anything, when `opts.threads` is over max_threads; what
/// `findings` throws; and std::bad_alloc.
[[nodiscard]] summary run(std::shared_ptr<const compiled_set> set, const options& opts, const output& findings);

/// The logs that cannot be opened, each with why (`line` 0), as run() finds them before it
/// evaluates anything: a caller checks them before it truncates its output files, so that a
/// replay that cannot start leaves those as they were. `-` (standard input) always opens.
[[nodiscard]] std::vector<problem> unopenable_logs(const std::vector<std::string>& logs);

/// The summary as JSON, members in a fixed order. Everything but the "run" member (threads,
/// elapsed seconds, rates) depends only on the input, the policies and the settings.
[[nodiscard]] nlohmann::ordered_json to_json(const summary& s);

/// The policies whose findings came from more than one of their versions (`effective` periods):
/// the summary and the report name the version of their rules.
[[nodiscard]] std::set<std::string> policies_with_versions(const std::vector<rule_tally>& rules);

/// How a person reads a period: `from 2026-01-01T00:00:00Z until 2026-04-01T00:00:00Z`, a bound
/// left out when it is open.
[[nodiscard]] std::string period_text(const period& p);

/// How a person reads a rule's name: `policy/rule`, or `policy version/rule` when its policy is
/// one of `versioned` (policies_with_versions).
[[nodiscard]] std::string rule_name(const rule_tally& r, const std::set<std::string>& versioned);

/// One line of the summary for a person (no trailing newline); `problem` marks the lines about
/// malformed lines, unreadable files and records outside every effective period, which a log shows
/// as warnings.
struct summary_line {
    bool problem = false;
    std::string text;
};
[[nodiscard]] std::vector<summary_line> render_text(const summary& s);

}  // namespace vigil::replay
