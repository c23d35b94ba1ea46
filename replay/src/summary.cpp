// The summary of a replay, for people (stderr) and for tools (--summary-json); durations.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "vigil/calendar.hpp"
#include "vigil/check.hpp"
#include "vigil/json_text.hpp"
#include "vigil/replay.hpp"
#include "vigil/wording.hpp"

namespace vigil::replay {

namespace {

using ordered = nlohmann::ordered_json;

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

ordered rule_json(const rule_tally& r) {
    return {{"policy", r.policy},     {"version", version_json(r.version)}, {"rule", r.rule},
            {"severity", r.severity}, {"violation", r.violations},          {"undetermined", r.undetermined}};
}

// What the report needs for the standard error of a rule's rate: the sums over conversations.
ordered rule_spread_json(const rule_spread& spread) {
    ordered out;
    for (int o = 0; o < 2; ++o)
        out[std::string(outcome_name(static_cast<outcome>(o)))] = {{"ff", spread.xx[o]}, {"fn", spread.xn[o]}};
    return out;
}

ordered summary_rules_json(const summary& s) {
    auto out = ordered::array();
    for (const auto& r : s.by_rule) {
        ordered rule = rule_json(r);
        if (s.spread) rule["conversation_sums"] = rule_spread_json(r.spread);
        out.push_back(std::move(rule));
    }
    return out;
}

ordered profile_json(const std::vector<profile_entry>& entries) {
    auto out = ordered::array();
    for (const auto& e : entries) {
        ordered j = {{"part", part_name(e.what)}};
        if (e.what == profile_entry::part::rule) {
            j["policy"] = e.policy;
            j["version"] = version_json(e.version);
        }
        j["name"] = e.name;
        if (!e.where.empty()) j["where"] = e.where;
        j["times"] = e.times;
        j["seconds"] = e.seconds;
        out.push_back(std::move(j));
    }
    return out;
}

ordered breakdowns_json(const std::vector<breakdown>& breakdowns) {
    auto out = ordered::array();
    for (const auto& b : breakdowns) {
        auto groups = ordered::array();
        for (const auto& g : b.groups) {
            auto by_rule = ordered::array();
            for (const auto& [r, z] : g.by_rule) {
                ordered rule = rule_json(r);
                rule["z"] = {{"violation", z[0]}, {"undetermined", z[1]}};
                by_rule.push_back(std::move(rule));
            }
            groups.push_back({{"value", ordered::parse(g.value)},
                              {"records", g.records},
                              {"conversations", g.conversations},
                              {"findings", {{"violation", g.violations}, {"undetermined", g.undetermined}}},
                              {"by_rule", std::move(by_rule)}});
        }
        ordered not_counted = b.not_counted.empty() ? ordered() : ordered(b.not_counted);
        out.push_back({{"field", b.field}, {"not_counted", std::move(not_counted)}, {"groups", std::move(groups)}});
    }
    return out;
}

// "n violations, m undetermined (x and y per 100 records)": rates let groups of different sizes
// be compared.
std::string findings_per_records(std::uint64_t violations, std::uint64_t undetermined, std::uint64_t records) {
    std::string text =
        plural(violations, "violation", "violations") + ", " + std::to_string(undetermined) + " undetermined";
    if (records > 0) {
        const double per100 = 100.0 / static_cast<double>(records);
        text += " (" + format("%.1f", static_cast<double>(violations) * per100) + " and " +
                format("%.1f", static_cast<double>(undetermined) * per100) + " per 100 records)";
    }
    return text;
}

// The values a breakdown names in the text whatever they show: the ones with the most records.
constexpr std::size_t values_shown = 20;

// The lines naming the rules under which value `g` stands apart from the `rest` other records.
std::vector<summary_line> notable_rules(const summary& s, const group_tally& g, std::uint64_t rest,
                                        const std::set<std::string>& versioned) {
    std::vector<summary_line> out;
    if (g.records == 0 || rest == 0) return out;
    for (const group_tally::rule& entry : g.by_rule) {
        const rule_tally& r = entry.counts;  // not a structured binding: clang 14 cannot capture one
        const auto& z = entry.z;
        const auto all = std::find_if(s.by_rule.begin(), s.by_rule.end(), [&](const rule_tally& x) {
            return x.policy == r.policy && x.version == r.version && x.rule == r.rule;
        });
        if (all == s.by_rule.end()) continue;
        const std::string name = rule_name(r, versioned);
        const auto note = [&](std::uint64_t found, std::uint64_t found_all, double score, const char* what) {
            if (std::abs(score) < notable_z) return;
            const auto per100 = [](std::uint64_t n, std::uint64_t of) {
                return format("%.1f", 100.0 * static_cast<double>(n) / static_cast<double>(of));
            };
            out.push_back({false, "    " + name + ": " + per100(found, g.records) + " " + what +
                                      " per 100 records, against " + per100(found_all - found, rest) +
                                      " for the others (z = " + format("%.1f", score) + ")"});
        };
        note(r.violations, all->violations, z[0], "violations");
        note(r.undetermined, all->undetermined, z[1], "undetermined");
    }
    return out;
}

// One line per value, and under it the rules whose rate of violations or undetermined findings
// differs from the rest of the records beyond chance: where a language or a channel is served
// worse, or its records lack what the rules need. Past the values with the most records, only
// those that stand apart somewhere; the JSON has every count.
void render_breakdowns(const summary& s, std::vector<summary_line>& out) {
    const std::set<std::string> versioned = policies_with_versions(s.by_rule);
    for (const auto& b : s.breakdowns) {
        if (!b.not_counted.empty()) {
            out.push_back({false, "by " + b.field + ": not counted, " + b.not_counted});
            continue;
        }
        std::uint64_t records = 0;
        for (const auto& g : b.groups) records += g.records;
        out.push_back({false, "by " + b.field +
                                  " (rules named where a value's rate differs from the other records' by " +
                                  format("%.0f", notable_z) + " standard errors or more):"});
        std::size_t hidden = 0;
        for (std::size_t i = 0; i < b.groups.size(); ++i) {
            const group_tally& g = b.groups[i];
            auto notes = notable_rules(s, g, records - g.records, versioned);
            if (i >= values_shown && notes.empty()) {
                ++hidden;
                continue;
            }
            out.push_back({false, "  " + g.value + ": " + plural(g.records, "record", "records") + " in " +
                                      plural(g.conversations, "conversation", "conversations") + "; " +
                                      findings_per_records(g.violations, g.undetermined, g.records)});
            out.insert(out.end(), notes.begin(), notes.end());
        }
        if (hidden > 0) {
            out.push_back({false, "  ... " + plural(hidden, "value", "values") +
                                      " with fewer records, none standing apart (the summary JSON has every value)"});
        }
    }
}

// Records no rule judged, since no policy was in effect at their time: allowed without a finding,
// they would look clean. Where the first ones are, so that the auditor can look at their times.
std::string outside_effect_line(const summary& s) {
    std::string where;
    for (const auto& p : s.first_outside) where += (where.empty() ? "" : ", ") + p.file + ":" + std::to_string(p.line);
    if (s.outside_effect > s.first_outside.size())
        where += ", ... (" + std::to_string(s.outside_effect - s.first_outside.size()) + " more)";
    return (s.outside_effect == s.decided ? "all " : "") + plural(s.outside_effect, "record", "records") +
           " decided outside every effective period of the policies, judged by no rule: " + where;
}

// What was judged and what judged it, each file with its SHA-256 as `sha256sum` prints it, so that
// an auditor can show which bytes the findings are about (`sha256sum -c` takes the lines).
void render_hashes(const summary& s, std::vector<summary_line>& out) {
    out.push_back({false, "logs judged (SHA-256 of each file as stored, as sha256sum prints it):"});
    for (const auto& f : s.files) {
        out.push_back({false, !f.sha256.empty() ? "  " + f.sha256 + "  " + f.path
                              : s.logs_hashed   ? "  " + f.path + ": not read to its end, no SHA-256"
                                                : "  " + f.path + ": not hashed (--no-hash)"});
    }
    out.push_back({false, "policies they were judged by (SHA-256 of each file):"});
    for (const auto& f : s.policy_files) out.push_back({false, "  " + f.sha256 + "  " + f.path});
}

// The records evaluated, in the audited period or not: what the rate of a replay counts.
std::uint64_t evaluated(const summary& s) {
    return s.decided + s.before_period + s.after_period;
}

// The bounds of the audited period as given (a bound left open is null), and the records read
// outside it; null without a period.
ordered period_json(const summary& s) {
    if (!s.audited.bounded()) return nullptr;
    const auto bound = [](const std::optional<std::int64_t>& ms) {
        return ms ? ordered(format_rfc3339(*ms)) : ordered();
    };
    return {{"from", bound(s.audited.from)},
            {"until", bound(s.audited.until)},
            {"records_before", s.before_period},
            {"records_after", s.after_period}};
}

ordered problems_json(const std::vector<problem>& list) {
    auto out = ordered::array();
    for (const auto& p : list) out.push_back({{"file", p.file}, {"line", p.line}, {"error", p.error}});
    return out;
}

}  // namespace

std::set<std::string> policies_with_versions(const std::vector<rule_tally>& rules) {
    std::map<std::string, std::set<std::string>> versions;
    for (const auto& r : rules) versions[r.policy].insert(r.version);
    std::set<std::string> out;
    for (const auto& [policy, seen] : versions) {
        if (seen.size() > 1) out.insert(policy);
    }
    return out;
}

std::string period_text(const period& p) {
    std::string out;
    if (p.from) out += "from " + format_rfc3339(*p.from);
    if (p.until) out += std::string(out.empty() ? "" : " ") + "until " + format_rfc3339(*p.until);
    return out;
}

std::string rule_name(const rule_tally& r, const std::set<std::string>& versioned) {
    return (versioned.count(r.policy) != 0 ? r.policy + " " + r.version : r.policy) + "/" + r.rule;
}

ordered to_json(const summary& s) {
    ordered j;
    auto files = ordered::array();
    for (const auto& f : s.files) {
        files.push_back({{"path", f.path},
                         {"lines", f.lines},
                         {"bytes", f.bytes},
                         {"sha256", f.sha256.empty() ? ordered() : ordered(f.sha256)}});
    }
    j["files"] = std::move(files);
    j["unreadable"] = problems_json(s.unreadable);
    j["lines"] = s.lines;
    j["bytes"] = s.bytes;
    j["records"] = s.decided + s.before_period + s.after_period + s.duplicates + s.out_of_order;
    j["decided"] = s.decided;
    j["conversations"] = s.conversations;
    j["resumed_conversations"] = s.resumed;
    j["peak_open_conversations"] = s.peak_open;
    j["records_alone"] = s.alone;
    j["records_without_timestamp"] = s.untimed;
    const auto time_json = [](const std::string& t) { return t.empty() ? ordered() : ordered(t); };
    j["log_time"] = {{"first", time_json(s.first_log_time)}, {"last", time_json(s.last_log_time)}};
    j["audited_period"] = period_json(s);
    auto outside = ordered::array();
    for (const auto& p : s.first_outside) outside.push_back({{"file", p.file}, {"line", p.line}});
    j["records_outside_effective_periods"] = {{"count", s.outside_effect}, {"first", std::move(outside)}};
    j["malformed"] = {{"count", s.malformed}, {"first", problems_json(s.first_malformed)}};
    j["without_record"] = s.without_record;
    j["blank_lines"] = s.blank_lines;
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
    j["findings"] = {{"total", s.violations + s.undetermined},
                     {"by_outcome", {{"violation", s.violations}, {"undetermined", s.undetermined}}},
                     {"by_severity", std::move(by_severity)},
                     {"by_rule", summary_rules_json(s)}};
    if (s.spread)
        j["findings"]["conversation_sums"] = {{"conversations", s.spread->conversations}, {"nn", s.spread->nn}};
    j["groups"] = breakdowns_json(s.breakdowns);
    auto policy_files = ordered::array();
    for (const auto& f : s.policy_files) policy_files.push_back({{"path", f.path}, {"sha256", f.sha256}});
    j["policy_files"] = std::move(policy_files);
    j["policy_hash"] = s.policy_hash;
    j["settings"] = {{"reorder_window", s.tracking.reorder_window},
                     {"idle_ms", s.tracking.idle_gap_ms},
                     {"resume_within_ms", s.tracking.resume_within_ms},
                     {"batch_lines", s.batch_lines},
                     {"batch_bytes", s.batch_bytes},
                     {"max_line", s.max_line},
                     {"record_member", s.record_member.empty() ? ordered() : ordered(s.record_member)}};
    j["run"] = {{"vigil_version", s.vigil_version},
                {"threads", s.threads},
                {"elapsed_seconds", s.elapsed_seconds},
                {"records_per_second", per_second(static_cast<double>(evaluated(s)), s.elapsed_seconds)},
                {"megabytes_per_second", per_second(static_cast<double>(s.bytes) / 1e6, s.elapsed_seconds)},
                {"worker_cpu_seconds", s.worker_cpu_seconds},
                {"reader_cpu_seconds", s.reader_cpu_seconds}};
    if (!s.profile.empty()) {
        j["run"]["profile"] = {{"worker_seconds", s.profiled_seconds}, {"parts", profile_json(s.profile)}};
    }
    return j;
}

std::vector<summary_line> render_text(const summary& s) {
    std::vector<summary_line> out;
    out.push_back(
        {false, "replayed " + plural(s.lines, "line", "lines") + " (" +
                    format("%.1f", static_cast<double>(s.bytes) / 1e6) + " MB) from " +
                    plural(s.files.size(), "file", "files") + " in " + format("%.2f", s.elapsed_seconds) +
                    " s: " + format("%.0f", per_second(static_cast<double>(evaluated(s)), s.elapsed_seconds)) +
                    " records/s, " + format("%.1f", per_second(static_cast<double>(s.bytes) / 1e6, s.elapsed_seconds)) +
                    " MB/s, " + plural(s.threads, "thread", "threads")});
    // Parts of conversations are worth naming only when the settings let them resume.
    const std::string resumed =
        s.tracking.resume_within_ms > 0 ? ", " + std::to_string(s.resumed) + " of them resumed after going idle" : "";
    const std::string in = s.audited.bounded() ? " decided in the audited period, of " : " decided in ";
    out.push_back({false, plural(s.decided, "record", "records") + in +
                              plural(s.conversations, "conversation", "conversations") + resumed + " (at most " +
                              std::to_string(s.peak_open) + " open at once); " + std::to_string(s.alone) +
                              " without conversation id or turn, " + std::to_string(s.untimed) + " without timestamp"});
    if (!s.first_log_time.empty())
        out.push_back({false, "log time: from " + s.first_log_time + " to " + s.last_log_time});
    if (s.audited.bounded()) {
        out.push_back({false, "audited period: " + period_text(s.audited) + "; " +
                                  plural(s.before_period, "record", "records") + " before it and " +
                                  std::to_string(s.after_period) +
                                  " after it were evaluated for their conversations and not reported"});
    }
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
        out.push_back({false, "  " + rule_name(r, versioned) + " (" + r.severity +
                                  "): " + plural(r.violations, "violation", "violations") + ", " +
                                  std::to_string(r.undetermined) + " undetermined"});
    }
    render_breakdowns(s, out);
    out.push_back({false, "turn order: " + plural(s.gaps, "gap", "gaps") + " (" +
                              plural(s.missing_turns, "missing turn", "missing turns") + "; " +
                              std::to_string(s.gaps_at_start) + " at a conversation's start), " +
                              plural(s.duplicates, "duplicate", "duplicates") + ", " + std::to_string(s.out_of_order) +
                              " out of order"});
    render_hashes(s, out);
    if (s.outside_effect > 0) out.push_back({true, outside_effect_line(s)});
    if (s.without_record > 0) {
        out.push_back({false, plural(s.without_record, "line", "lines") +
                                  " without a record (a service's notes such as conversation_closed), not evaluated"});
    }
    if (s.blank_lines > 0) {
        out.push_back(
            {false, plural(s.blank_lines, "blank line", "blank lines") + " (empty or only whitespace), not evaluated"});
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
    if (!s.profile.empty()) {
        profile_wording wording;
        wording.whose = "the workers' ";
        wording.output = "an event";
        wording.rest = "turn order, closing idle conversations, batches";
        wording.definitions = 10;
        wording.elsewhere = "--summary-json lists every one";
        for (std::string& line : render_profile(s.profile, s.profiled_seconds, wording)) {
            out.push_back({false, std::move(line)});
        }
    }
    return out;
}


}  // namespace vigil::replay
