// The report as one HTML file: what was judged and by what, the decisions and findings, each rule
// with its first findings, why rules were undetermined, what of the logs could not be judged, and
// the comparisons of --group-by. Inline CSS only, laid out for the screen and for print.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "vigil/check.hpp"
#include "vigil/markup.hpp"
#include "vigil/report.hpp"

namespace vigil::report {

namespace {

// Chance alone puts a normal score this far out (|z| >= 3) about this often.
constexpr double chance_share = 0.0027;

constexpr const char* style = R"(body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;
max-width:76rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .4rem}
h2{font-size:1.25rem;border-bottom:2px solid #333;padding-bottom:.2rem;margin-top:2.4rem}
h3{font-size:1.05rem;margin:1.5rem 0 .4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#eee}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.nw{white-space:nowrap}td.nw code{overflow-wrap:normal}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.critical{color:#9b1c1c;font-weight:600}
.high{color:#9a4a00;font-weight:600}
.note{color:#444;font-size:.9rem}
.warn{background:#fff4e5;border-left:4px solid #d97706;padding:.4rem .8rem}
@media print{body{margin:0;max-width:none;font-size:9.5pt}a{color:inherit;text-decoration:none}
h2,h3{break-after:avoid}tr{break-inside:avoid}thead{display:table-header-group}nav{display:none}
th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}})";

std::string esc(std::string_view text) {
    return xml_escape(text, true);
}

std::string code(std::string_view text) {
    return "<code>" + esc(text) + "</code>";
}

std::string num(std::uint64_t n) {
    return std::to_string(n);
}

std::string fixed(double value, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, value);
    return buf;
}

// `part` per 100 of `whole`, or a dash where there is no whole.
std::string per100(std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? "–" : fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1);
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return num(n) + " " + std::string(n == 1 ? one : many);
}

// A duration in milliseconds as --idle takes it: the largest unit that divides it.
std::string duration(std::int64_t ms) {
    if (ms == 0) return "0";
    const std::pair<std::int64_t, const char*> units[] = {
        {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
    for (const auto& [size, unit] : units) {
        if (ms % size == 0) return std::to_string(ms / size) + unit;
    }
    return std::to_string(ms) + "ms";
}

std::string cell(const std::string& html) {
    return "<td>" + html + "</td>";
}
// A cell that is read as one token, a place `file:line` or a time: not broken across lines.
std::string unbroken_cell(const std::string& html) {
    return "<td class=\"nw\">" + html + "</td>";
}
std::string number_cell(const std::string& text) {
    return "<td class=\"n\">" + text + "</td>";
}

// A table head from its column names; a name starting with `#` is a number column.
std::string table_head(std::initializer_list<std::string_view> columns) {
    std::string out = "<table><thead><tr>";
    for (std::string_view c : columns) {
        out += c.front() == '#' ? "<th class=\"n\">" + esc(c.substr(1)) + "</th>" : "<th>" + esc(c) + "</th>";
    }
    return out + "</tr></thead><tbody>\n";
}
constexpr const char* table_end = "</tbody></table>\n";

std::string place(std::string_view file, std::uint64_t line) {
    return code(std::string(file) + ":" + num(line));
}

std::string severity_span(const std::string& severity) {
    return "<span class=\"" + esc(severity) + "\">" + esc(severity) + "</span>";
}

std::size_t severity_rank(const std::string& severity) {
    const auto& levels = severity_levels();  // the least severe first
    return static_cast<std::size_t>(std::find(levels.begin(), levels.end(), severity) - levels.begin());
}

// The rules of the summary, the most severe first, then the most violations, then the most
// undetermined findings, then by name.
std::vector<std::size_t> rules_in_report_order(const replay::summary& s, const std::set<std::string>& versioned) {
    std::vector<std::size_t> order(s.by_rule.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& x = s.by_rule[a];
        const auto& y = s.by_rule[b];
        const auto key = [&](const replay::rule_tally& r) {
            return std::make_tuple(severity_rank(r.severity), r.violations, r.undetermined);
        };
        if (key(x) != key(y)) return key(x) > key(y);
        return replay::rule_name(x, versioned) < replay::rule_name(y, versioned);
    });
    return order;
}

class report_writer {
public:
    report_writer(const replay::summary& s, const findings_tally& f, const inputs& in, const options& o)
        : m_s(s),
          m_f(f),
          m_in(in),
          m_o(o),
          m_versioned(replay::policies_with_versions(s.by_rule)),
          m_order(rules_in_report_order(s, m_versioned)) {}

    std::string write() {
        m_out =
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>Vigil audit report</title>\n<style>\n";
        m_out += style;
        m_out += "\n</style>\n</head>\n<body>\n";
        write_heading();
        write_judged();
        write_outcomes();
        write_rules();
        write_examples();
        write_reasons();
        write_log_quality();
        write_comparisons();
        m_out += "</body>\n</html>\n";
        return std::move(m_out);
    }

private:
    std::string name_of(std::size_t rule) const { return replay::rule_name(m_s.by_rule[rule], m_versioned); }

    void write_heading() {
        m_out += "<h1>Audit report: AI conversations judged by Vigil</h1>\n<p>" +
                 plural(m_s.decided, "record", "records") + " from " + plural(m_s.files.size(), "log", "logs") +
                 ", judged by " + plural(m_s.policy_files.size(), "policy file", "policy files") + ": <strong>" +
                 plural(m_s.violations, "violation", "violations") + "</strong> and <strong>" + num(m_s.undetermined) +
                 " undetermined</strong> (rules that could not be checked).";
        if (!m_s.first_log_time.empty())
            m_out += " The logs run from " + esc(m_s.first_log_time) + " to " + esc(m_s.last_log_time) +
                     " (the records' timestamps).";
        if (m_s.audited.bounded()) m_out += " " + audited_period_text();
        m_out += "</p>\n<p class=\"note\">Made by <code>vigil report</code> from the summary " +
                 code(m_in.summary_path) + " (SHA-256 " + code(m_in.summary_sha256) + ") and the findings file " +
                 code(m_in.findings_path) + " (SHA-256 " + code(m_f.sha256) + ", " +
                 plural(m_f.lines, "line", "lines") + ") of one replay by Vigil " + esc(m_s.vigil_version) +
                 ". Every count is the summary's; the findings file, counted again, agrees with it, and gives the "
                 "examples and the reasons rules were undetermined.</p>\n";
        std::vector<std::string> unjudged;
        if (m_s.malformed > 0) unjudged.push_back(plural(m_s.malformed, "malformed line", "malformed lines"));
        if (!m_s.unreadable.empty())
            unjudged.push_back(plural(m_s.unreadable.size(), "log", "logs") + " not read to its end");
        if (m_s.outside_effect > 0)
            unjudged.push_back(plural(m_s.outside_effect, "record", "records") + " outside every effective period");
        if (!unjudged.empty()) {
            std::string list;
            for (std::size_t i = 0; i < unjudged.size(); ++i)
                list += (i == 0 ? "" : i + 1 == unjudged.size() ? " and " : ", ") + unjudged[i];
            m_out += "<p class=\"warn\">Not everything in the logs was judged: " + esc(list) +
                     " (see <a href=\"#log\">the logs' problems</a>).</p>\n";
        }
        m_out +=
            "<nav><ol><li><a href=\"#judged\">What was judged, and by what</a></li>"
            "<li><a href=\"#outcomes\">Decisions and findings</a></li><li><a href=\"#rules\">Findings by rule</a></li>"
            "<li><a href=\"#examples\">Examples of each rule's findings</a></li>"
            "<li><a href=\"#reasons\">Why rules were undetermined</a></li><li><a href=\"#log\">The logs' "
            "problems</a></li><li><a href=\"#groups\">Comparisons</a></li></ol></nav>\n";
    }

    // What the counts cover when the replay audited a period: its records, with the others read
    // for their conversations' sake.
    std::string audited_period_text() const {
        return "<strong>The audited period runs " + esc(replay::period_text(m_s.audited)) +
               "</strong>: every count and finding is of the records timed in it (and of those without a usable "
               "timestamp). " +
               plural(m_s.before_period, "record", "records") + " before it and " + num(m_s.after_period) +
               " after it were evaluated so that conversations crossing its bounds are judged with all their turns, "
               "and are not reported.";
    }

    std::string log_hash(const replay::file_tally& f) const {
        if (!f.sha256.empty()) return code(f.sha256);
        return m_s.logs_hashed ? "not read to its end: no SHA-256" : "not hashed (<code>--no-hash</code>)";
    }

    void write_judged() {
        m_out += "<h2 id=\"judged\">1. What was judged, and by what</h2>\n<h3>Logs</h3>\n" +
                 table_head({"Log", "#Lines", "#Bytes", "SHA-256 of the file as stored"});
        for (const auto& f : m_s.files)
            m_out += "<tr>" + cell(code(f.path)) + number_cell(num(f.lines)) + number_cell(num(f.bytes)) +
                     cell(log_hash(f)) + "</tr>\n";
        m_out += table_end;
        m_out += "<p>" +
                 (m_s.first_log_time.empty()
                      ? std::string("No line of the logs has a usable timestamp: the time they span is not known.")
                      : "Log time: the timestamps of the logs run from " + esc(m_s.first_log_time) + " to " +
                            esc(m_s.last_log_time) + ".") +
                 (m_f.first_timestamp.empty() ? std::string()
                                              : " The records with findings run from " + esc(m_f.first_timestamp) +
                                                    " to " + esc(m_f.last_timestamp) + ".") +
                 "</p>\n<h3>Policies</h3>\n" + table_head({"Policy file", "SHA-256"});
        for (const auto& f : m_s.policy_files) m_out += "<tr>" + cell(code(f.path)) + cell(code(f.sha256)) + "</tr>\n";
        m_out += table_end;
        m_out += "<p>Policy hash (every finding names it): " + code(m_s.policy_hash) + ". Vigil version " +
                 esc(m_s.vigil_version) + ".</p>\n<h3>Settings</h3>\n" + table_head({"Setting", "Value"});
        const std::pair<std::string, std::string> settings[] = {
            {"--idle (a conversation closes after this much log time without a record)",
             duration(m_s.tracking.idle_gap_ms)},
            {"--resume-within", duration(m_s.tracking.resume_within_ms)},
            {"--reorder-window (records a conversation holds back)", num(m_s.tracking.reorder_window)},
            {"--max-line (bytes)", num(m_s.max_line)},
            {"--record-member", m_s.record_member.empty() ? "none: the lines are the records" : m_s.record_member},
            {"batches (lines, bytes)", num(m_s.batch_lines) + ", " + num(m_s.batch_bytes)},
            {"--threads (the results do not depend on it)", num(m_s.threads)},
        };
        for (const auto& [name, value] : settings) m_out += "<tr>" + cell(esc(name)) + cell(code(value)) + "</tr>\n";
        m_out += table_end;
        m_out +=
            "<p class=\"note\">The hashes are those <code>sha256sum</code> prints; <code>jq -r '(.files[], "
            ".policy_files[]) | \"\\(.sha256)  \\(.path)\"' summary.json | sha256sum -c</code> checks them "
            "all.</p>\n";
    }

    void write_outcomes() {
        m_out += "<h2 id=\"outcomes\">2. Decisions and findings</h2>\n" + table_head({"Records", "#Count"});
        const std::pair<std::string, std::uint64_t> records[] = {
            {"lines read", m_s.lines},
            {"bytes read (uncompressed)", m_s.bytes},
            {"records decided", m_s.decided},
            {"conversations (one cut by --idle counts twice)", m_s.conversations},
            {"of them resumed after going idle", m_s.resumed},
            {"most conversations open at once", m_s.peak_open},
            {"records without conversation id or turn (judged alone)", m_s.alone},
            {"records without a usable timestamp", m_s.untimed},
        };
        for (const auto& [what, n] : records) m_out += "<tr>" + cell(esc(what)) + number_cell(num(n)) + "</tr>\n";
        m_out += table_end + table_head({"Decision", "#Records", "#Per 100 records decided"});
        for (int k = 0; k < 3; ++k) {
            const std::uint64_t n = m_s.decisions[k];
            m_out += "<tr>" + cell(code(decision_name(static_cast<decision_kind>(k)))) + number_cell(num(n)) +
                     number_cell(per100(n, m_s.decided)) + "</tr>\n";
        }
        m_out += table_end + table_head({"Severity", "#Violations", "#Undetermined", "#Findings"});
        auto levels = severity_levels();
        std::reverse(levels.begin(), levels.end());
        for (const auto& level : levels) {
            std::uint64_t violations = 0, undetermined = 0;
            for (const auto& r : m_s.by_rule) {
                if (r.severity != level) continue;
                violations += r.violations;
                undetermined += r.undetermined;
            }
            m_out += "<tr>" + cell(severity_span(level)) + number_cell(num(violations)) +
                     number_cell(num(undetermined)) + number_cell(num(violations + undetermined)) + "</tr>\n";
        }
        m_out += "<tr><th>all</th>" + number_cell(num(m_s.violations)) + number_cell(num(m_s.undetermined)) +
                 number_cell(num(m_s.violations + m_s.undetermined)) + "</tr>\n" + table_end;
        m_out +=
            "<p class=\"note\">A violation is a rule broken. An undetermined finding is a rule that could not be "
            "checked, because the record lacks a field it needs or has a value its schema does not allow: not a "
            "rule broken, but not one known to be kept either.</p>\n";
    }

    void write_rules() {
        m_out += "<h2 id=\"rules\">3. Findings by rule</h2>\n";
        if (m_order.empty()) {
            m_out += "<p>No rule reported anything: no violation, no undetermined finding.</p>\n";
            return;
        }
        m_out +=
            "<p class=\"note\">The most severe first, then by violations and undetermined findings. A policy "
            "with several versions (<code>effective</code> periods) met in the logs has its rules counted per "
            "version.</p>\n" +
            table_head({"Severity", "Rule", "#Violations", "#Undetermined", "#Findings"});
        for (const std::size_t i : m_order) {
            const auto& r = m_s.by_rule[i];
            m_out += "<tr id=\"count-" + num(i) + "\">" + cell(severity_span(r.severity)) +
                     cell("<a href=\"#rule-" + num(i) + "\">" + code(name_of(i)) + "</a>") +
                     number_cell(num(r.violations)) + number_cell(num(r.undetermined)) +
                     number_cell(num(r.violations + r.undetermined)) + "</tr>\n";
        }
        m_out += table_end;
        if (m_in.compared_with != nullptr) write_baseline_comparison(*m_in.compared_with);
    }

    // One rule's findings per 1,000 records decided, in this replay and in the baseline, its versions
    // together: a policy's versions may differ between two periods.
    struct rule_rates {
        std::string name;  // policy/rule
        std::string severity;
        std::uint64_t counts[2][2] = {{0, 0}, {0, 0}};  // [this, baseline][violations, undetermined]
        replay::rule_spread spread[2];                  // [this, baseline]
    };

    static std::map<std::string, rule_rates> rates_by_rule(const replay::summary& now, const replay::summary& before) {
        std::map<std::string, rule_rates> out;
        const replay::summary* sides[2] = {&now, &before};
        for (int side = 0; side < 2; ++side) {
            for (const auto& r : sides[side]->by_rule) {
                rule_rates& entry = out[r.policy + "/" + r.rule];
                entry.name = r.policy + "/" + r.rule;
                if (entry.severity.empty()) entry.severity = r.severity;
                entry.counts[side][0] += r.violations;
                entry.counts[side][1] += r.undetermined;
                // Adding the versions' sums of squares undercounts a conversation that met two
                // versions (one crossing the day a policy changed): (a+b)^2 is more than a^2+b^2.
                // Such conversations are few, and the floor of the error holds it up.
                for (int o = 0; o < 2; ++o) {
                    entry.spread[side].xx[o] += r.spread.xx[o];
                    entry.spread[side].xn[o] += r.spread.xn[o];
                }
            }
        }
        return out;
    }

    // `+1.25` or `−0.50` per 1,000 records; a dash where a side decided nothing.
    static std::string rate_change(double now, double before, bool known) {
        if (!known) return "–";
        const std::string magnitude = fixed(std::abs(now - before), 2);
        if (magnitude == "0.00") return magnitude;
        return (now < before ? "−" : "+") + magnitude;
    }

    // What the baseline has in common with this replay: the logs (by their SHA-256), the audited
    // period, the policies (by their hash).
    struct baseline_match {
        bool same_logs = false;
        bool some_log_shared = false;
        bool same_period = false;
        bool periods_overlap = false;
        bool same_policies = false;

        // The same records judged twice: their difference is exact, not a sample of anything.
        [[nodiscard]] bool same_records() const { return same_logs && same_period; }
        // Records reported by both, which are then not two independent samples.
        [[nodiscard]] bool some_records_shared() const { return some_log_shared && periods_overlap; }
    };

    static bool overlap(const replay::period& a, const replay::period& b) {
        constexpr auto open_from = std::numeric_limits<std::int64_t>::min();
        constexpr auto open_until = std::numeric_limits<std::int64_t>::max();
        const auto latest_from = std::max(a.from.value_or(open_from), b.from.value_or(open_from));
        const auto earliest_until = std::min(a.until.value_or(open_until), b.until.value_or(open_until));
        return latest_from < earliest_until;
    }

    baseline_match match_of(const replay::summary& base) const {
        std::vector<std::string> mine, theirs;
        for (const auto& f : m_s.files) mine.push_back(f.sha256);
        for (const auto& f : base.files) theirs.push_back(f.sha256);
        const bool all_hashed = std::none_of(mine.begin(), mine.end(), [](const auto& h) { return h.empty(); });
        baseline_match out;
        out.same_logs = mine == theirs && all_hashed;
        out.some_log_shared = std::any_of(mine.begin(), mine.end(), [&](const std::string& h) {
            return !h.empty() && std::find(theirs.begin(), theirs.end(), h) != theirs.end();
        });
        out.same_period = base.audited.from == m_s.audited.from && base.audited.until == m_s.audited.until;
        out.periods_overlap = overlap(base.audited, m_s.audited);
        out.same_policies = base.policy_hash == m_s.policy_hash;
        return out;
    }

    // What the baseline is: the same logs or others, the same policies or others, so that a reader
    // knows whether the comparison shows a change of the policies or of what happened.
    std::string baseline_intro(const baseline& b, const baseline_match& match) const {
        const replay::summary& base = b.summary;
        std::string out = "<p>The baseline is " + code(b.path) + " (SHA-256 " + code(b.sha256) +
                          "), the summary of a replay of " + plural(base.decided, "record", "records") + " decided";
        if (!base.first_log_time.empty())
            out += ", logs from " + esc(base.first_log_time) + " to " + esc(base.last_log_time);
        const std::string logs =
            match.same_logs         ? match.same_period ? "the same logs" : "the same logs, audited over another period"
            : match.some_log_shared ? "other logs, some of them the same"
                                    : "other logs";
        out += ": <strong>" + logs + "</strong>, judged by <strong>" +
               (match.same_policies ? "the same policies" : "other policies") + "</strong> (policy hash " +
               code(base.policy_hash) + ").";
        if (match.same_records() && !match.same_policies)
            out += " The differences are what the change of the policies changes.";
        if (!match.same_records() && match.same_policies)
            out += " The differences are what changed in the conversations.";
        return out + "</p>\n";
    }

    // Why the changes have no z, or how to read it.
    std::string chance_note(const baseline_match& match, bool sums_known, std::size_t comparisons) const {
        const std::string out =
            "<p class=\"note\">Findings per 1,000 records decided, here and in the baseline, the largest change of "
            "the violation rate first; a policy's versions counted together. ";
        if (match.same_records()) {
            return out +
                   "Both replays judged the same records: each change is exactly what the other judgement decided "
                   "otherwise on them, not a sample, so no test of chance applies and none is shown.</p>\n";
        }
        if (match.some_records_shared()) {
            return out +
                   "Some records are reported by both replays (a log both read, over audited periods that overlap): "
                   "they are not two independent samples, so no test of chance is shown. Compare periods that do "
                   "not overlap.</p>\n";
        }
        if (!sums_known) {
            return out +
                   "Rates of a few findings move by chance: read them with the counts above.</p>\n<p class=\"warn\">"
                   "Whether a change stands apart from chance cannot be computed: " +
                   missing_sums_html() + "</p>\n";
        }
        return out +
               "<code>z</code>: the change in standard errors, the conversations of the two replays taken as two "
               "independent samples (each conversation one sample, not each turn). A change of 3 standard errors or "
               "more is in bold: chance alone gives one about 3 times in 1,000, so " +
               plural(comparisons, "comparison", "comparisons") + " (rules × outcomes) would mark about " +
               fixed(static_cast<double>(comparisons) * chance_share, 1) +
               " by chance. Logs that hold the same records in other files (split or compressed otherwise) are "
               "not independent samples, and their <code>z</code> is too large.</p>\n";
    }

    // Which summary lacks the sums over conversations, and why.
    std::string missing_sums_html() const {
        const bool here = !m_s.spread, there = !m_in.compared_with->summary.spread;
        const std::string which = here && there ? "both summaries were"
                                  : here        ? "this replay's summary was"
                                                : "the baseline was";
        return which +
               " written by an older Vigil, which did not keep the sums over conversations that the standard error "
               "of a rate needs (<code>findings.conversation_sums</code>). A replay of the logs by this version keeps "
               "them.";
    }

    // One side of a rule's rate for rate_difference_z.
    static replay::rate_sums sums_of(const rule_rates& r, int side, int outcome, const replay::summary& s) {
        return {static_cast<double>(r.counts[side][outcome]),    static_cast<double>(s.decided),
                static_cast<double>(s.spread->conversations),    static_cast<double>(r.spread[side].xx[outcome]),
                static_cast<double>(r.spread[side].xn[outcome]), static_cast<double>(s.spread->nn)};
    }

    // The z of a change, in bold where it stands apart; a dash where it cannot be told (a side of
    // fewer than two conversations, or no finding on either).
    static std::string z_text(std::optional<double> z) {
        if (!z) return "–";
        std::string text = fixed(std::abs(*z), 1);
        if (*z < 0 && text != "0.0") text = "−" + text;  // the sign of the change column
        return std::abs(*z) >= replay::notable_z ? "<strong>" + text + "</strong>" : text;
    }

    void write_baseline_comparison(const baseline& b) {
        const replay::summary& base = b.summary;
        const baseline_match match = match_of(base);
        m_out += "<h3 id=\"baseline\">Compared with the baseline</h3>\n" + baseline_intro(b, match);
        const std::map<std::string, rule_rates> rates = rates_by_rule(m_s, base);
        const std::uint64_t decided[2] = {m_s.decided, base.decided};
        const auto per1000 = [&](const rule_rates& r, int side, int outcome) {
            return decided[side] == 0
                       ? 0.0
                       : 1000.0 * static_cast<double>(r.counts[side][outcome]) / static_cast<double>(decided[side]);
        };
        const auto shown = [&](const rule_rates& r, int side, int outcome) {
            return decided[side] == 0 ? std::string("–") : fixed(per1000(r, side, outcome), 2);
        };
        std::vector<const rule_rates*> order;
        for (const auto& [name, r] : rates) order.push_back(&r);
        // The largest change of the violation rate first.
        std::stable_sort(order.begin(), order.end(), [&](const rule_rates* x, const rule_rates* y) {
            return std::abs(per1000(*x, 0, 0) - per1000(*x, 1, 0)) > std::abs(per1000(*y, 0, 0) - per1000(*y, 1, 0));
        });
        const bool known = decided[0] > 0 && decided[1] > 0;
        const bool sums_known = m_s.spread.has_value() && base.spread.has_value();
        const bool with_z = !match.same_records() && !match.some_records_shared() && sums_known;
        m_out += chance_note(match, sums_known, 2 * order.size());
        m_out += with_z ? table_head({"Severity", "Rule", "#Violations", "#Baseline", "#Change", "#z", "#Undetermined",
                                      "#Baseline", "#Change", "#z"})
                        : table_head({"Severity", "Rule", "#Violations", "#Baseline", "#Change", "#Undetermined",
                                      "#Baseline", "#Change"});
        const auto change_cells = [&](const rule_rates& r, int outcome) {
            std::string out = number_cell(shown(r, 0, outcome)) + number_cell(shown(r, 1, outcome)) +
                              number_cell(rate_change(per1000(r, 0, outcome), per1000(r, 1, outcome), known));
            if (with_z)
                out += number_cell(
                    z_text(replay::rate_difference_z(sums_of(r, 0, outcome, m_s), sums_of(r, 1, outcome, base))));
            return out;
        };
        for (const rule_rates* r : order)
            m_out += "<tr>" + cell(severity_span(r->severity)) + cell(code(r->name)) + change_cells(*r, 0) +
                     change_cells(*r, 1) + "</tr>\n";
        m_out += table_end;
    }

    static std::string why_undetermined(const example& e) {
        std::string out;
        if (!e.missing.empty()) {
            out += "missing:";
            for (const auto& field : e.missing) out += " " + code(field);
        }
        for (const auto& error : e.errors) out += (out.empty() ? "" : "; ") + esc(error);
        return out;
    }

    void write_example_rows(const std::vector<example>& list, const char* outcome) {
        for (const auto& e : list) {
            m_out += "<tr>" + cell(esc(outcome)) + unbroken_cell(place(e.file, e.line)) +
                     cell(code(e.conversation_id)) + cell(code(e.turn)) + unbroken_cell(esc(e.timestamp)) +
                     cell(esc(e.message)) + cell(why_undetermined(e)) + "</tr>\n";
        }
    }

    void write_examples() {
        m_out +=
            "<h2 id=\"examples\">4. Examples of each rule's findings</h2>\n<p class=\"note\">For each rule, "
            "the first " +
            num(m_o.examples) + " violations and the first " + num(m_o.examples) +
            " undetermined findings by log and line, where to find them in the logs. The findings file has "
            "every one (<code>jq -c 'select(.rule == \"RULE\")' findings.jsonl</code>).</p>\n";
        for (const std::size_t i : m_order) {
            const auto& r = m_s.by_rule[i];
            const auto& found = m_f.rules[i];
            m_out += "<h3 id=\"rule-" + num(i) + "\">" + code(name_of(i)) + " (" + severity_span(r.severity) +
                     ")</h3>\n<p>" + plural(r.violations, "violation", "violations") + ", " + num(r.undetermined) +
                     " undetermined.</p>\n";
            if (found.first_violations.empty() && found.first_undetermined.empty()) continue;
            m_out += table_head({"Outcome", "Where", "Conversation", "Turn", "Time", "Message", "Why undetermined"});
            write_example_rows(found.first_violations, "violation");
            write_example_rows(found.first_undetermined, "undetermined");
            m_out += table_end;
        }
    }

    void write_reasons() {
        m_out += "<h2 id=\"reasons\">5. Why rules were undetermined</h2>\n";
        if (m_f.reasons.empty() && m_f.reasons_uncounted == 0) {
            m_out += "<p>No rule was undetermined for a missing field or a value not allowed.</p>\n";
            return;
        }
        m_out +=
            "<p class=\"note\">What the undetermined findings name, the most named first: a field the "
            "records lack, or a value the record schema does not allow. Many findings for one field usually "
            "mean the logging pipeline drops it. A finding may name several, so these add up to more than "
            "the undetermined findings.</p>\n" +
            table_head({"Reason", "#Undetermined findings", "Rules it left undetermined"});
        const std::size_t shown = std::min(m_o.reasons, m_f.reasons.size());
        for (std::size_t k = 0; k < shown; ++k) {
            const reason& r = m_f.reasons[k];
            std::string rules;
            for (const std::size_t i : r.rules) rules += (rules.empty() ? "" : ", ") + code(name_of(i));
            m_out += "<tr>" + cell(r.missing ? "missing field " + code(r.text) : "not allowed: " + esc(r.text)) +
                     number_cell(num(r.count)) + cell(rules) + "</tr>\n";
        }
        m_out += table_end;
        if (m_f.reasons.size() > shown) {
            std::uint64_t rest = 0;
            for (std::size_t k = shown; k < m_f.reasons.size(); ++k) rest += m_f.reasons[k].count;
            m_out += "<p class=\"note\">" + plural(m_f.reasons.size() - shown, "other reason", "other reasons") +
                     ", named " + plural(rest, "time", "times") + ".</p>\n";
        }
        if (m_f.reasons_uncounted > 0)
            m_out += "<p class=\"note\">Past " + num(max_reasons) + " different reasons, " +
                     plural(m_f.reasons_uncounted, "more was", "more were") +
                     " named and not counted one by one.</p>\n";
    }

    void write_event_examples(const char* kind) {
        const auto it = m_f.events.find(kind);
        if (it == m_f.events.end() || it->second.first.empty()) return;
        const auto& events = it->second;
        m_out += "<p class=\"note\">" +
                 (events.first.size() == events.count
                      ? std::string(events.count == 1 ? "Where it is:" : "Where they are:")
                      : "The first " + num(events.first.size()) + " by log and line (the findings file has all " +
                            num(events.count) + "):") +
                 "</p>\n" + table_head({"Where", "Conversation", "Turn", "What"});
        for (const auto& e : events.first)
            m_out += "<tr>" + unbroken_cell(place(e.file, e.line)) + cell(code(e.conversation_id)) +
                     cell(code(e.turn)) + cell(esc(e.message)) + "</tr>\n";
        m_out += table_end;
    }

    void write_log_quality() {
        m_out +=
            "<h2 id=\"log\">6. The logs' problems</h2>\n<p class=\"note\">Every line of the logs is decided, "
            "malformed, a duplicate, out of order, without a record or blank: " +
            num(m_s.decided) + " + " + num(m_s.malformed) + " + " + num(m_s.duplicates) + " + " +
            num(m_s.out_of_order) + " + " + num(m_s.without_record) + " + " + num(m_s.blank_lines) + " = " +
            num(m_s.decided + m_s.malformed + m_s.duplicates + m_s.out_of_order + m_s.without_record +
                m_s.blank_lines) +
            " of " + num(m_s.lines) + " lines.</p>\n" + table_head({"What", "#Count", "What it means"});
        const std::tuple<std::string, std::uint64_t, std::string> counts[] = {
            {"gaps", m_s.gaps, "turns that never came; their conversation went on without them"},
            {"missing turns", m_s.missing_turns, "the turns the gaps name"},
            {"gaps at a conversation's start", m_s.gaps_at_start,
             "first turns not in the logs: begun before the first log, or cut by --idle"},
            {"duplicates", m_s.duplicates, "turns written twice; the first copy was judged"},
            {"out of order", m_s.out_of_order, "turns that came after they were given up: not judged"},
            {"malformed lines", m_s.malformed, "not a JSON object or not valid JSON: not judged"},
            {"logs not read to their end", m_s.unreadable.size(), "what came before the damage was judged"},
            {"records outside every effective period", m_s.outside_effect,
             "decided at a time no policy was in effect: judged by no rule"},
            {"blank lines", m_s.blank_lines, "empty or only whitespace: no record in them"},
            {"lines without a record", m_s.without_record, "a service's notes (--record-member): not records"},
        };
        for (const auto& [what, n, meaning] : counts)
            m_out += "<tr>" + cell(esc(what)) + number_cell(num(n)) + cell(esc(meaning)) + "</tr>\n";
        m_out += table_end;

        m_out += "<h3>Turn order</h3>\n<p>" + plural(m_s.gaps, "gap", "gaps") + " (" +
                 plural(m_s.missing_turns, "missing turn", "missing turns") + "; " + num(m_s.gaps_at_start) +
                 " at a conversation's start).</p>\n";
        write_event_examples("gap");
        m_out += "<p>" + plural(m_s.duplicates, "duplicate", "duplicates") + ".</p>\n";
        write_event_examples("duplicate");
        m_out += "<p>" + plural(m_s.out_of_order, "record", "records") + " out of order.</p>\n";
        write_event_examples("out_of_order");

        m_out += "<h3>Records outside every effective period</h3>\n<p>" +
                 plural(m_s.outside_effect, "record was", "records were") +
                 " decided at a time when no policy given was in effect: no rule judged them.</p>\n";
        if (!m_s.first_outside.empty()) {
            m_out += "<p class=\"note\">The first " + num(m_s.first_outside.size()) + ":</p>\n" + table_head({"Where"});
            for (const auto& p : m_s.first_outside) m_out += "<tr>" + unbroken_cell(place(p.file, p.line)) + "</tr>\n";
            m_out += table_end;
        }

        m_out +=
            "<h3>Malformed lines</h3>\n<p>" + plural(m_s.malformed, "malformed line", "malformed lines") + ".</p>\n";
        if (!m_s.first_malformed.empty()) {
            m_out += "<p class=\"note\">The first " + num(m_s.first_malformed.size()) +
                     ", as the summary keeps them (the findings file has every one):</p>\n" +
                     table_head({"Where", "Why"});
            for (const auto& p : m_s.first_malformed)
                m_out += "<tr>" + unbroken_cell(place(p.file, p.line)) + cell(esc(p.error)) + "</tr>\n";
            m_out += table_end;
        }

        m_out += "<h3>Blank lines and lines without a record</h3>\n<p>" +
                 plural(m_s.blank_lines, "blank line", "blank lines") + " (empty or only whitespace) and " +
                 plural(m_s.without_record, "line", "lines") +
                 " without a record: not evaluated, as they hold no record.</p>\n";

        m_out += "<h3>Logs not read to their end</h3>\n";
        if (m_s.unreadable.empty()) {
            m_out += "<p>Every log was read to its end.</p>\n";
        } else {
            m_out += table_head({"Log", "#Last line read", "Why"});
            for (const auto& p : m_s.unreadable)
                m_out += "<tr>" + cell(code(p.file)) + number_cell(num(p.line)) + cell(esc(p.error)) + "</tr>\n";
            m_out += table_end;
        }
    }

    struct standing_apart {
        std::string value;
        std::size_t rule;
        const char* outcome;
        std::uint64_t found, found_all, records, rest;
        double z;
    };

    // The rules under which a value's rate stands apart from the other records' (|z| >= 3), as
    // the summary's text names them.
    std::vector<standing_apart> apart(const replay::breakdown& b) const {
        std::uint64_t records = 0;
        for (const auto& g : b.groups) records += g.records;
        std::vector<standing_apart> out;
        for (const auto& g : b.groups) {
            const std::uint64_t rest = records - g.records;
            if (g.records == 0 || rest == 0) continue;
            for (const auto& entry : g.by_rule) {
                const auto& r = entry.counts;
                const auto all = std::find_if(m_s.by_rule.begin(), m_s.by_rule.end(), [&](const replay::rule_tally& x) {
                    return x.policy == r.policy && x.version == r.version && x.rule == r.rule;
                });
                if (all == m_s.by_rule.end()) continue;
                const auto index = static_cast<std::size_t>(all - m_s.by_rule.begin());
                if (std::abs(entry.z[0]) >= replay::notable_z)
                    out.push_back(
                        {g.value, index, "violations", r.violations, all->violations, g.records, rest, entry.z[0]});
                if (std::abs(entry.z[1]) >= replay::notable_z)
                    out.push_back({g.value, index, "undetermined", r.undetermined, all->undetermined, g.records, rest,
                                   entry.z[1]});
            }
        }
        return out;
    }

    void write_breakdown(const replay::breakdown& b) {
        m_out += "<h3>By " + code(b.field) + "</h3>\n";
        if (!b.not_counted.empty()) {
            m_out += "<p>Not counted by value: " + esc(b.not_counted) + ".</p>\n";
            return;
        }
        m_out += table_head({"Value", "#Records", "#Conversations", "#Violations", "#Per 100 records", "#Undetermined",
                             "#Per 100 records"});
        for (const auto& g : b.groups)
            m_out += "<tr>" + cell(code(g.value)) + number_cell(num(g.records)) + number_cell(num(g.conversations)) +
                     number_cell(num(g.violations)) + number_cell(per100(g.violations, g.records)) +
                     number_cell(num(g.undetermined)) + number_cell(per100(g.undetermined, g.records)) + "</tr>\n";
        m_out += table_end;
        std::uint64_t comparisons = 0;
        for (const auto& g : b.groups) comparisons += 2 * g.by_rule.size();
        const auto names = apart(b);
        m_out += "<p>" + plural(comparisons, "comparison", "comparisons") +
                 " (values × rules × outcomes): chance "
                 "alone would name about " +
                 fixed(static_cast<double>(comparisons) * chance_share, 1) + ". " +
                 (names.empty() ? std::string("No rule stands apart for any value.")
                                : plural(names.size(), "rule stands", "rules stand") + " apart:") +
                 "</p>\n";
        if (names.empty()) return;
        m_out +=
            table_head({"Value", "Rule", "Outcome", "#Per 100 records of the value", "#Per 100 other records", "#z"});
        for (const auto& n : names)
            m_out += "<tr>" + cell(code(n.value)) + cell(code(name_of(n.rule))) + cell(esc(n.outcome)) +
                     number_cell(per100(n.found, n.records)) + number_cell(per100(n.found_all - n.found, n.rest)) +
                     number_cell(fixed(n.z, 1)) + "</tr>\n";
        m_out += table_end;
    }

    void write_comparisons() {
        m_out += "<h2 id=\"groups\">7. Comparisons</h2>\n";
        if (m_s.breakdowns.empty()) {
            m_out +=
                "<p>The replay compared no groups of records (<code>vigil replay --group-by FIELD</code> counts "
                "records and findings by a field's values, such as <code>language</code> or "
                "<code>channel</code>).</p>\n";
            return;
        }
        m_out +=
            "<p class=\"note\">Records and findings by the values of a record field, and the rules whose rate "
            "for a value differs from the other records' by 3 standard errors or more (<code>z</code>, negative "
            "where the value fares better). Each conversation counts as one sample, not each turn. Chance alone "
            "names about 3 in 1,000 comparisons, so a rule named here is a place to look in the findings file, "
            "not a verdict.</p>\n";
        for (const auto& b : m_s.breakdowns) write_breakdown(b);
    }

    const replay::summary& m_s;
    const findings_tally& m_f;
    const inputs& m_in;
    const options& m_o;
    std::set<std::string> m_versioned;
    std::vector<std::size_t> m_order;
    std::string m_out;
};

}  // namespace

std::string render_html(const replay::summary& s, const findings_tally& findings, const inputs& in, const options& o) {
    return report_writer(s, findings, in, o).write();
}

}  // namespace vigil::report
