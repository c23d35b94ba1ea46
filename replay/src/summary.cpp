// The summary of a replay, for people (stderr) and for tools (--summary-json); durations.

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "vigil/check.hpp"
#include "vigil/json_text.hpp"
#include "vigil/replay.hpp"

namespace vigil::replay {

namespace {

using ordered = nlohmann::ordered_json;

std::string plural(std::uint64_t n, std::string_view word, std::string_view words) {
    return std::to_string(n) + " " + std::string(n == 1 ? word : words);
}

std::string format(const char* fmt, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, value);
    return buf;
}

double per_second(double amount, double seconds) {
    return seconds > 0 ? amount / seconds : 0;
}

// Severity words from the most to the least severe.
std::vector<std::string> severities_down() {
    auto levels = severity_levels();
    std::reverse(levels.begin(), levels.end());
    return levels;
}

std::uint64_t count_of(const std::map<std::string, std::uint64_t>& m, const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

// The policies whose findings came from more than one of their versions: the text names the
// version of their rules.
std::set<std::string> policies_with_versions(const std::vector<rule_tally>& rules) {
    std::map<std::string, std::set<std::string>> versions;
    for (const auto& r : rules) versions[r.policy].insert(r.version);
    std::set<std::string> out;
    for (const auto& [policy, seen] : versions) {
        if (seen.size() > 1) out.insert(policy);
    }
    return out;
}

ordered problems_json(const std::vector<problem>& list) {
    auto out = ordered::array();
    for (const auto& p : list) out.push_back({{"file", p.file}, {"line", p.line}, {"error", p.error}});
    return out;
}

}  // namespace

ordered to_json(const summary& s) {
    ordered j;
    auto files = ordered::array();
    for (const auto& f : s.files) files.push_back({{"path", f.path}, {"lines", f.lines}, {"bytes", f.bytes}});
    j["files"] = std::move(files);
    j["unreadable"] = problems_json(s.unreadable);
    j["lines"] = s.lines;
    j["bytes"] = s.bytes;
    j["records"] = s.decided + s.duplicates + s.out_of_order;
    j["decided"] = s.decided;
    j["conversations"] = s.conversations;
    j["resumed_conversations"] = s.resumed;
    j["peak_open_conversations"] = s.peak_open;
    j["records_alone"] = s.alone;
    j["records_without_timestamp"] = s.untimed;
    j["malformed"] = {{"count", s.malformed}, {"first", problems_json(s.first_malformed)}};
    j["without_record"] = s.without_record;
    j["gaps"] = s.gaps;
    j["gaps_at_start"] = s.gaps_at_start;
    j["missing_turns"] = s.missing_turns;
    j["duplicates"] = s.duplicates;
    j["out_of_order"] = s.out_of_order;
    ordered decisions;
    for (int k = 0; k < 3; ++k) decisions[std::string(decision_name(static_cast<decision_kind>(k)))] = s.decisions[k];
    j["decisions"] = std::move(decisions);
    ordered by_severity;
    for (const auto& level : severities_down()) by_severity[level] = count_of(s.by_severity, level);
    auto by_rule = ordered::array();
    for (const auto& r : s.by_rule)
        by_rule.push_back({{"policy", r.policy},
                           {"version", version_json(r.version)},
                           {"rule", r.rule},
                           {"severity", r.severity},
                           {"violation", r.violations},
                           {"undetermined", r.undetermined}});
    j["findings"] = {{"total", s.violations + s.undetermined},
                     {"by_outcome", {{"violation", s.violations}, {"undetermined", s.undetermined}}},
                     {"by_severity", std::move(by_severity)},
                     {"by_rule", std::move(by_rule)}};
    j["policy_hash"] = s.policy_hash;
    j["settings"] = {{"reorder_window", s.tracking.reorder_window},
                     {"idle_ms", s.tracking.idle_gap_ms},
                     {"resume_within_ms", s.tracking.resume_within_ms},
                     {"batch_lines", s.batch_lines},
                     {"batch_bytes", s.batch_bytes},
                     {"max_line", s.max_line}};
    j["run"] = {{"threads", s.threads},
                {"elapsed_seconds", s.elapsed_seconds},
                {"records_per_second", per_second(static_cast<double>(s.decided), s.elapsed_seconds)},
                {"megabytes_per_second", per_second(static_cast<double>(s.bytes) / 1e6, s.elapsed_seconds)},
                {"worker_cpu_seconds", s.worker_cpu_seconds},
                {"reader_cpu_seconds", s.reader_cpu_seconds}};
    return j;
}

std::vector<summary_line> render_text(const summary& s) {
    std::vector<summary_line> out;
    out.push_back({false, "replayed " + plural(s.lines, "line", "lines") + " (" +
                              format("%.1f", static_cast<double>(s.bytes) / 1e6) + " MB) from " +
                              plural(s.files.size(), "file", "files") + " in " + format("%.2f", s.elapsed_seconds) +
                              " s: " + format("%.0f", per_second(static_cast<double>(s.decided), s.elapsed_seconds)) +
                              " records/s, " +
                              format("%.1f", per_second(static_cast<double>(s.bytes) / 1e6, s.elapsed_seconds)) +
                              " MB/s, " + plural(s.threads, "thread", "threads")});
    // Parts of conversations are worth naming only when the settings let them resume.
    const std::string resumed =
        s.tracking.resume_within_ms > 0 ? ", " + std::to_string(s.resumed) + " of them resumed after going idle" : "";
    out.push_back({false, plural(s.decided, "record", "records") + " decided in " +
                              plural(s.conversations, "conversation", "conversations") + resumed + " (at most " +
                              std::to_string(s.peak_open) + " open at once); " + std::to_string(s.alone) +
                              " without conversation id or turn, " + std::to_string(s.untimed) + " without timestamp"});
    out.push_back({false, "decisions: " + std::to_string(s.decisions[0]) + " allow, " + std::to_string(s.decisions[1]) +
                              " allow_with_remedies, " + std::to_string(s.decisions[2]) + " deny"});
    std::string findings = "findings: " + plural(s.violations, "violation", "violations") + ", " +
                           std::to_string(s.undetermined) + " undetermined";
    std::string severities;
    for (const auto& level : severities_down()) {
        if (const auto n = count_of(s.by_severity, level)) {
            severities += (severities.empty() ? "" : ", ") + std::to_string(n) + " " + level;
        }
    }
    if (!severities.empty()) findings += "; by severity: " + severities;
    out.push_back({false, findings});
    const std::set<std::string> versioned = policies_with_versions(s.by_rule);
    for (const auto& r : s.by_rule) {
        const std::string policy = versioned.count(r.policy) != 0 ? r.policy + " " + r.version : r.policy;
        out.push_back({false, "  " + policy + "/" + r.rule + " (" + r.severity +
                                  "): " + plural(r.violations, "violation", "violations") + ", " +
                                  std::to_string(r.undetermined) + " undetermined"});
    }
    out.push_back({false, "turn order: " + plural(s.gaps, "gap", "gaps") + " (" +
                              plural(s.missing_turns, "missing turn", "missing turns") + "; " +
                              std::to_string(s.gaps_at_start) + " at a conversation's start), " +
                              plural(s.duplicates, "duplicate", "duplicates") + ", " + std::to_string(s.out_of_order) +
                              " out of order"});
    if (s.without_record > 0) {
        out.push_back({false, plural(s.without_record, "line", "lines") +
                                  " without a record (a service's notes such as conversation_closed), not evaluated"});
    }
    if (s.malformed > 0) {
        std::string where;
        for (const auto& p : s.first_malformed) {
            where += (where.empty() ? "" : ", ") + p.file + ":" + std::to_string(p.line);
        }
        if (s.malformed > s.first_malformed.size())
            where += ", ... (" + std::to_string(s.malformed - s.first_malformed.size()) + " more)";
        out.push_back({true, plural(s.malformed, "malformed line", "malformed lines") + ": " + where});
    }
    for (const auto& p : s.unreadable) {
        out.push_back({true, "cannot read `" + p.file + "`" + (p.line ? " after line " + std::to_string(p.line) : "") +
                                 ": " + p.error});
    }
    return out;
}


}  // namespace vigil::replay
