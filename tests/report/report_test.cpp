// The audit report (report/): the summary and the findings file read back and checked, the
// examples and counts kept, and the HTML, escaped, against a golden file of a small fixed replay.
#define BOOST_TEST_MODULE report
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "replay/helpers.hpp"
#include "support/golden.hpp"
#include "vigil/calendar.hpp"
#include "vigil/datagen.hpp"
#include "vigil/json_text.hpp"
#include "vigil/report.hpp"
#include "vigil/sha256.hpp"

namespace fs = std::filesystem;
namespace report = vigil::report;

namespace {

const std::string hostile = "</td><script>alert(1)</script>";

// The replay of tests/golden/report/log.jsonl by audit.vigil, grouped by language, as `vigil
// replay` writes it: the summary's text and the findings file. The log has a hostile
// conversation id and text, a malformed line, a gap, a duplicate and a blank line.
struct fixed_replay {
    fs::path dir;
    std::string summary_text;
    std::string findings_path;
    std::vector<std::string> findings_lines;
};

fixed_replay replay_fixture(const std::string& name) {
    // The paths in the report are relative, as an auditor gives them.
    fs::current_path(VIGIL_SOURCE_DIR);
    vigil::compile_options compiling;
    compiling.carried_fields = {"language"};
    const auto set = replay_test::compile_inputs({{"tests/golden/report/audit.vigil", {}}}, compiling);
    vigil::replay::options options;
    options.logs = {"tests/golden/report/log.jsonl"};
    options.threads = 1;
    options.tracking.reorder_window = 0;
    std::string findings;
    auto summary = vigil::replay::run(set, options, [&](std::string_view chunk) { findings.append(chunk); });
    // The same summary every run: its SHA-256 is in the report.
    summary.elapsed_seconds = summary.worker_cpu_seconds = summary.reader_cpu_seconds = 0;

    fixed_replay out;
    out.dir = replay_test::scratch_dir("report-" + name);
    out.summary_text = vigil::json_text(vigil::replay::to_json(summary), 2) + "\n";
    out.findings_path = (out.dir / "findings.jsonl").string();
    std::ofstream(out.findings_path, std::ios::binary) << findings;
    std::istringstream lines(findings);
    for (std::string line; std::getline(lines, line);) out.findings_lines.push_back(line);
    return out;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream out(path, std::ios::binary);
    for (const auto& line : lines) out << line << "\n";
}

vigil::replay::summary summary_of(const fixed_replay& r) {
    auto read = report::read_summary(r.summary_text, "summary.json");
    BOOST_REQUIRE_MESSAGE(!read.error, read.error->error);
    return read.summary;
}

report::findings_tally tally_of(const fixed_replay& r, const report::options& options = {}) {
    auto read = report::read_findings(r.findings_path, summary_of(r), options);
    BOOST_REQUIRE_MESSAGE(!read.error, read.error->error);
    return read.tally;
}

std::size_t rule_index(const vigil::replay::summary& s, const std::string& rule) {
    for (std::size_t i = 0; i < s.by_rule.size(); ++i) {
        if (s.by_rule[i].rule == rule) return i;
    }
    BOOST_FAIL("no rule " << rule);
    return 0;
}

std::string html_of(const fixed_replay& r, const report::options& options = {}) {
    return report::render_html(summary_of(r), tally_of(r, options), {"summary.json", "0123abcd", "findings.jsonl"},
                               options);
}

// The summary's text with one member changed by `edit`.
std::string edited(const fixed_replay& r, const std::function<void(nlohmann::ordered_json&)>& edit) {
    auto j = nlohmann::ordered_json::parse(r.summary_text);
    edit(j);
    return j.dump(2);
}

std::string summary_error(const std::string& text) {
    const auto read = report::read_summary(text, "summary.json");
    BOOST_REQUIRE(read.error.has_value());
    BOOST_TEST(read.error->file == "summary.json");
    BOOST_TEST(read.error->line == 0u);
    return read.error->error;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_report_of_a_small_replay_is_its_golden_file) {
    const auto r = replay_fixture("golden");
    const std::string html = html_of(r);
    check_golden("report/audit.golden", html);
    BOOST_TEST(html_of(r) == html);  // nothing from the clock
}

// Everything from the logs goes into the HTML escaped: a conversation id and a text that close a
// cell and open a script, quotes, ampersands.
BOOST_AUTO_TEST_CASE(text_from_the_logs_is_escaped) {
    const auto r = replay_fixture("escaping");
    const std::string html = html_of(r);
    BOOST_TEST(html.find("<script") == std::string::npos);
    BOOST_TEST(html.find("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    BOOST_TEST(html.find("distress 0.9 in `I am upset &amp; tired`") != std::string::npos);
    BOOST_TEST(html.find("x &lt; y &amp;&amp; z") != std::string::npos);
    BOOST_TEST(html.find("<b>") == std::string::npos);

    // A log named with markup, as the summary and the findings name it.
    auto s = summary_of(r);
    auto tally = tally_of(r);
    s.files[0].path = "logs/" + hostile + ".jsonl";
    tally.rules[0].first_violations.at(0).file = s.files[0].path;
    const std::string renamed = report::render_html(s, tally, {"a\"b<c>.json", "0", "f&g.jsonl"}, {});
    BOOST_TEST(renamed.find("<script") == std::string::npos);
    BOOST_TEST(renamed.find("logs/&lt;/td&gt;&lt;script&gt;") != std::string::npos);
    BOOST_TEST(renamed.find("a&quot;b&lt;c&gt;.json") != std::string::npos);
    BOOST_TEST(renamed.find("f&amp;g.jsonl") != std::string::npos);
}

// The counts of the findings file are those of the summary; the examples are the first of each
// rule and outcome by file and line, at most as many as asked for, whatever order the file has.
BOOST_AUTO_TEST_CASE(the_first_examples_by_file_and_line_are_kept) {
    const auto r = replay_fixture("examples");
    const auto s = summary_of(r);
    report::options options;
    options.examples = 2;
    const auto tally = tally_of(r, options);
    const std::size_t disclosed = rule_index(s, "disclosed"), calm = rule_index(s, "calm");
    BOOST_TEST(tally.rules[disclosed].violations == 3u);
    BOOST_TEST(tally.rules[disclosed].undetermined == 2u);
    BOOST_TEST(tally.rules[calm].violations == 2u);
    BOOST_TEST(tally.rules[calm].undetermined == 7u);
    const auto lines = [](const std::vector<report::example>& list) {
        std::vector<std::uint64_t> out;
        for (const auto& e : list) out.push_back(e.line);
        return out;
    };
    BOOST_TEST(lines(tally.rules[disclosed].first_violations) == (std::vector<std::uint64_t>{1, 3}));
    BOOST_TEST(lines(tally.rules[calm].first_undetermined) == (std::vector<std::uint64_t>{1, 3}));
    const auto& third = tally.rules[disclosed].first_violations[1];
    BOOST_TEST(third.conversation_id == hostile);
    BOOST_TEST(third.turn == "1");
    BOOST_TEST(third.timestamp == "2026-02-01T09:00:20Z");
    BOOST_TEST(third.message == "the AI did not say it is an AI: " + hostile);
    BOOST_TEST(tally.rules[disclosed].first_undetermined[0].missing == (std::vector<std::string>{"ai.disclosed"}));
    BOOST_TEST(tally.first_timestamp == "2026-02-01T09:00:00Z");
    BOOST_TEST(tally.last_timestamp == "2026-02-01T09:01:20Z");
    BOOST_TEST(tally.events.at("gap").count == 1u);
    BOOST_TEST(tally.events.at("gap").first.at(0).message == "1 missing turn (3)");
    BOOST_TEST(tally.events.at("duplicate").first.at(0).line == 8u);
    BOOST_TEST(tally.events.at("malformed").count == 1u);
    // Why rules were undetermined, the most named first, with the rules.
    BOOST_REQUIRE(tally.reasons.size() == 2u);
    BOOST_TEST(tally.reasons[0].text == "signals.distress");
    BOOST_TEST(tally.reasons[0].count == 7u);
    BOOST_TEST(tally.reasons[0].rules == (std::vector<std::size_t>{calm}));
    BOOST_TEST(tally.reasons[1].text == "ai.disclosed");
    BOOST_TEST(tally.reasons[1].count == 2u);

    // The same file upside down gives the same examples.
    auto reversed = r.findings_lines;
    std::reverse(reversed.begin(), reversed.end());
    write_lines(r.findings_path, reversed);
    const auto again = tally_of(r, options);
    BOOST_TEST(lines(again.rules[disclosed].first_violations) == (std::vector<std::uint64_t>{1, 3}));
    BOOST_TEST(lines(again.rules[calm].first_undetermined) == (std::vector<std::uint64_t>{1, 3}));
    BOOST_TEST(again.rules[calm].undetermined == 7u);

    // A turn or a timestamp a record wrote in another type is shown as it wrote it.
    auto odd = r.findings_lines;
    auto first = nlohmann::json::parse(odd[0]);
    first["turn"] = "1";
    first["timestamp"] = nlohmann::json{{"at", 1}};
    odd[0] = first.dump();
    write_lines(r.findings_path, odd);
    const auto shown = tally_of(r, options).rules[disclosed].first_violations.at(0);
    BOOST_TEST(shown.turn == "\"1\"");
    BOOST_TEST(shown.timestamp == R"({"at":1})");

    // A long text is kept cut, at a character boundary: memory does not follow the records.
    auto long_message = nlohmann::json::parse(r.findings_lines[0]);
    long_message["message"] = std::string(1023, 'x') + "é" + std::string(3000, 'x');  // é is 2 bytes at 1023
    long_message["missing"] = {std::string(2000, 'm')};
    odd[0] = long_message.dump();
    write_lines(r.findings_path, odd);
    const auto cut = tally_of(r, options).rules[disclosed].first_violations.at(0);
    BOOST_TEST(cut.message == std::string(1023, 'x') + "…");
    BOOST_TEST(cut.missing.at(0).size() == report::max_text_bytes + std::string("…").size());

    options.examples = 0;
    const auto none = tally_of(r, options);
    BOOST_TEST(none.rules[calm].first_undetermined.empty());
    BOOST_TEST(none.rules[calm].undetermined == 7u);
}

// A findings line the report cannot use is an error naming the file and the line, not skipped.
BOOST_AUTO_TEST_CASE(a_bad_findings_line_is_an_error_with_its_line_number) {
    const auto r = replay_fixture("bad-line");
    const auto s = summary_of(r);
    const auto error_with = [&](std::size_t line, const std::string& text) {
        auto lines = r.findings_lines;
        lines.at(line - 1) = text;
        write_lines(r.findings_path, lines);
        const auto read = report::read_findings(r.findings_path, s, {});
        BOOST_REQUIRE(read.error.has_value());
        BOOST_TEST(read.error->file == r.findings_path);
        BOOST_TEST(read.error->line == line);
        return read.error->error;
    };
    BOOST_TEST(error_with(3, "{broken").rfind("not valid JSON: ", 0) == 0u);
    BOOST_TEST(error_with(2, "[1,2]") == "not a JSON object");
    BOOST_TEST(error_with(4, "").rfind("not valid JSON: ", 0) == 0u);
    auto finding = nlohmann::json::parse(r.findings_lines[0]);
    finding.erase("rule");
    BOOST_TEST(error_with(1, finding.dump()) == "member `rule` is missing");
    finding = nlohmann::json::parse(r.findings_lines[0]);
    finding["line"] = "one";
    BOOST_TEST(error_with(1, finding.dump()) == "member `line` is not a whole number");
    finding = nlohmann::json::parse(r.findings_lines[0]);
    finding["outcome"] = "maybe";
    BOOST_TEST(error_with(1, finding.dump()) == "member `outcome` is `maybe`, not violation or undetermined");
    finding = nlohmann::json::parse(r.findings_lines[0]);
    finding["rule"] = "other";
    BOOST_TEST(error_with(1, finding.dump()) == "a finding of `audit/other`, a rule the summary does not count");
    finding = nlohmann::json::parse(r.findings_lines[0]);
    finding["file"] = "elsewhere.jsonl";
    BOOST_TEST(error_with(1, finding.dump()) == "names the log `elsewhere.jsonl`, which the summary does not list");
    finding = nlohmann::json::parse(r.findings_lines[0]);
    finding["policy_hash"] = "sha256:00";
    BOOST_TEST(
        error_with(1, finding.dump()).rfind("a finding made by the policies `sha256:00`, the summary's are", 0) == 0u);
    BOOST_TEST(error_with(8, R"({"event":"party","file":"x","line":1})") ==
               "an event of kind `party`, which replay does not write");

    const auto missing = report::read_findings((r.dir / "nowhere.jsonl").string(), s, {});
    BOOST_REQUIRE(missing.error.has_value());
    BOOST_TEST(missing.error->error == "cannot read it: No such file or directory");
}

// A findings file that is not the summary's (a line lost, or another replay's) is refused.
BOOST_AUTO_TEST_CASE(a_findings_file_that_disagrees_with_the_summary_is_an_error) {
    const auto r = replay_fixture("disagree");
    const auto s = summary_of(r);
    const auto error_without = [&](const std::string& needle) {
        auto lines = r.findings_lines;
        const auto it = std::find_if(lines.begin(), lines.end(),
                                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
        BOOST_REQUIRE(it != lines.end());
        lines.erase(it);
        write_lines(r.findings_path, lines);
        const auto read = report::read_findings(r.findings_path, s, {});
        BOOST_REQUIRE(read.error.has_value());
        BOOST_TEST(read.error->line == 0u);
        return read.error->error;
    };
    BOOST_TEST(error_without(R"("rule":"disclosed","severity":"critical","outcome":"violation")") ==
               "it has 2 violations of audit/disclosed, the summary 3: they are not the outputs of one replay");
    BOOST_TEST(error_without(R"("event":"gap")") ==
               "it has 0 `gap` events, the summary 1: they are not the outputs of one replay");
}

// A summary member the report uses that is missing or of the wrong type is an error naming it.
BOOST_AUTO_TEST_CASE(a_bad_summary_member_is_an_error_naming_it) {
    const auto r = replay_fixture("bad-summary");
    using j = nlohmann::ordered_json;
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["findings"]["by_rule"][1].erase("violation"); })) ==
               "member `findings.by_rule[1].violation` is missing");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["lines"] = "12"; })) ==
               "member `lines` is string, not a whole number");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["lines"] = -1; })) ==
               "member `lines` is number, not a whole number");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s.erase("policy_hash"); })) == "member `policy_hash` is missing");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["log_time"]["first"] = 0; })) ==
               "member `log_time.first` is number, not a string");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["files"][0]["sha256"] = 7; })) ==
               "member `files[0].sha256` is number, not a string");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["groups"][0]["groups"][0]["by_rule"][0].erase("z"); })) ==
               "member `groups[0].groups[0].by_rule[0].z` is missing");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["malformed"] = j::array(); })) ==
               "member `malformed` is array, not an object");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["findings"]["by_rule"][0]["severity"] = "dire"; })) ==
               "member `findings.by_rule[0].severity` is `dire`, not a severity");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["findings"]["by_outcome"]["violation"] = 6; })) ==
               "the rules of `findings.by_rule` count 5 violations and 9 undetermined, `findings.by_outcome` 6 and 9");
    BOOST_TEST(summary_error(edited(r, [](j& s) {
                   s["audited_period"] = {{"from", "2026-13-01"}};
               })) == "member `audited_period.from` is `2026-13-01`, not an RFC 3339 time");
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["audited_period"] = 3; })) ==
               "member `audited_period` is number, not an object or null");
    BOOST_TEST(summary_error(edited(r, [](j& s) {
                   s["audited_period"] = {{"from", nullptr}, {"until", nullptr}};
               })) == "member `audited_period` has neither `from` nor `until`");
    BOOST_TEST(summary_error("[]") == "the summary is not an object");
    BOOST_TEST(summary_error("{\"files\": [").rfind("not valid JSON: ", 0) == 0u);
}

// A replay of an audited period says so at the top of its report, with the records read for the
// conversations' sake; a summary written before replay had periods (no `audited_period`) reads
// as one without.
BOOST_AUTO_TEST_CASE(the_report_names_the_audited_period) {
    const auto r = replay_fixture("period");
    using j = nlohmann::ordered_json;
    const auto with_period = edited(r, [](j& s) {
        s["audited_period"] = {
            {"from", "2026-01-05T09:00:00Z"}, {"until", nullptr}, {"records_before", 4}, {"records_after", 0}};
    });
    const auto read = report::read_summary(with_period, "summary.json");
    BOOST_REQUIRE(!read.error);
    BOOST_TEST(read.summary.before_period == 4u);
    const std::string html =
        report::render_html(read.summary, tally_of(r), {"summary.json", "0123abcd", "findings.jsonl"}, {});
    BOOST_TEST(html.find("<strong>The audited period runs from 2026-01-05T09:00:00Z</strong>") != std::string::npos);
    BOOST_TEST(html.find("4 records before it and 0 after it were evaluated") != std::string::npos);
    BOOST_TEST(html_of(r).find("audited period") == std::string::npos);
    const auto older = report::read_summary(edited(r, [](j& s) { s.erase("audited_period"); }), "summary.json");
    BOOST_TEST(!older.error);
    BOOST_TEST(!older.summary.audited.bounded());
}

// With a baseline, each rule's rates per 1,000 records sit beside the baseline's, the largest
// change of the violation rate first, and the report says whether the logs and the policies are
// the same.
BOOST_AUTO_TEST_CASE(a_baseline_puts_each_rules_rates_beside_another_replays) {
    const auto r = replay_fixture("baseline");
    const auto now = summary_of(r);
    const auto html_with = [&](const vigil::replay::summary& base) {
        const report::baseline b{base, "last.json", "00ff"};
        return report::render_html(now, tally_of(r), {"summary.json", "0123abcd", "findings.jsonl", &b}, {});
    };
    const std::string same = html_with(now);
    BOOST_TEST(same.find("<strong>the same logs</strong>, judged by <strong>the same policies</strong>") !=
               std::string::npos);
    BOOST_TEST(same.find("<td class=\"n\">+") == std::string::npos);
    BOOST_TEST(html_of(r).find("Compared with the baseline") == std::string::npos);

    // Twice the records, one rule's violations gone, other policies and logs.
    auto base = now;
    base.decided *= 2;
    base.policy_hash = "sha256:other";
    base.files[0].sha256 = std::string(64, 'a');
    const std::size_t gone = rule_index(now, now.by_rule.front().rule);
    base.by_rule[gone].violations = 0;
    const std::string other = html_with(base);
    BOOST_TEST(other.find("<strong>other logs</strong>, judged by <strong>other policies</strong>") !=
               std::string::npos);
    const auto& rule = now.by_rule[gone];
    const auto rate = [](std::uint64_t n, std::uint64_t decided) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", 1000.0 * static_cast<double>(n) / static_cast<double>(decided));
        return std::string(buf);
    };
    const std::string row = "<code>" + rule.policy + "/" + rule.rule + "</code></td><td class=\"n\">" +
                            rate(rule.violations, now.decided) + "</td><td class=\"n\">0.00</td><td class=\"n\">+" +
                            rate(rule.violations, now.decided) + "</td>";
    BOOST_TEST(other.find(row) != std::string::npos, row);
    // Its violation rate changed most, so it comes first.
    const std::size_t table = other.find("id=\"baseline\"");
    BOOST_TEST(other.find("<code>", other.find("<tbody>", table)) ==
               other.find("<code>" + rule.policy + "/" + rule.rule, table));
}

// Another period's baseline: beside each change, its z, two independent samples of conversations;
// in bold from 3 on. The sums are set by hand: 100 conversations of 10 records on each side.
BOOST_AUTO_TEST_CASE(a_change_against_another_period_has_its_z) {
    const auto r = replay_fixture("baseline-z");
    auto now = summary_of(r);
    const std::size_t rule = rule_index(now, "disclosed");
    now.decided = 1000;
    now.spread = vigil::replay::conversation_spread{100, 100 * 10 * 10};
    for (auto& other : now.by_rule) other.spread = {};
    auto base = now;
    base.files[0].sha256 = std::string(64, 'a');
    // Violations: 10 conversations with 3 here (30), with 1 in the baseline (10). Undetermined:
    // 100 conversations with 1 here, 50 in the baseline.
    auto& here = now.by_rule[rule];
    here.violations = 30;
    here.undetermined = 100;
    here.spread = {{10 * 3 * 3, 100 * 1}, {10 * 3 * 10, 100 * 10}};
    auto& there = base.by_rule[rule];
    there.violations = 10;
    there.undetermined = 50;
    there.spread = {{10 * 1 * 1, 50 * 1}, {10 * 1 * 10, 50 * 10}};

    // Violations: here sum((f - 0.03 n)^2) = 90 - 2 * 0.03 * 300 + 0.03^2 * 10000 = 81, a variance
    // of 100/99 * 81 / 1000^2 = 8.182e-5; the baseline's, 100/99 * 9 / 1000^2, is below that of
    // independent records, 0.02 * 0.98 / 1000 = 1.96e-5 (0.02: both sides together), which is
    // taken instead. z = 0.02 / sqrt(8.182e-5 + 1.96e-5) = 1.986.
    const auto sums = [](const vigil::replay::summary& s, std::size_t i, int o) {
        const auto& x = s.by_rule[i];
        return vigil::replay::rate_sums{static_cast<double>(o == 0 ? x.violations : x.undetermined),
                                        1000,
                                        100,
                                        static_cast<double>(x.spread.xx[o]),
                                        static_cast<double>(x.spread.xn[o]),
                                        10000};
    };
    const auto violations = vigil::replay::rate_difference_z(sums(now, rule, 0), sums(base, rule, 0));
    BOOST_REQUIRE(violations.has_value());
    BOOST_TEST(*violations == 1.986, boost::test_tools::tolerance(0.001));
    // Undetermined: every conversation of each side alike, so both take the variance of independent
    // records, 0.075 * 0.925 / 1000: z = 0.05 / sqrt(2 * 6.9375e-5) = 4.245.
    const auto undetermined = vigil::replay::rate_difference_z(sums(now, rule, 1), sums(base, rule, 1));
    BOOST_REQUIRE(undetermined.has_value());
    BOOST_TEST(*undetermined == 4.245, boost::test_tools::tolerance(0.001));

    const report::baseline b{base, "last.json", "00ff"};
    const std::string html =
        report::render_html(now, tally_of(r), {"summary.json", "0123abcd", "findings.jsonl", &b}, {});
    BOOST_TEST(html.find("<strong>other logs</strong>, judged by <strong>the same policies</strong>") !=
               std::string::npos);
    const std::string row =
        "<code>audit/disclosed</code></td><td class=\"n\">30.00</td><td class=\"n\">10.00</td>"
        "<td class=\"n\">+20.00</td><td class=\"n\">2.0</td><td class=\"n\">100.00</td>"
        "<td class=\"n\">50.00</td><td class=\"n\">+50.00</td><td class=\"n\"><strong>4.2</strong>"
        "</td></tr>";
    BOOST_TEST(html.find(row) != std::string::npos, html.substr(html.find("id=\"baseline\"")));
    BOOST_TEST(html.find("<th class=\"n\">z</th>") != std::string::npos);
    BOOST_TEST(html.find("4 comparisons (rules × outcomes) would mark about 0.0 by chance") != std::string::npos);
}

// The same logs over the same period are the same records judged twice: their difference is
// exact, so the report says so and shows no z. The same logs over a period that does not overlap
// are other records, and have one; over one that does, they share records, and have none.
BOOST_AUTO_TEST_CASE(a_change_on_the_same_records_has_no_z) {
    const auto r = replay_fixture("baseline-same");
    const auto now = summary_of(r);
    const auto html_with = [&](const vigil::replay::summary& base) {
        const report::baseline b{base, "last.json", "00ff"};
        return report::render_html(now, tally_of(r), {"summary.json", "0123abcd", "findings.jsonl", &b}, {});
    };
    auto other_policies = now;
    other_policies.policy_hash = "sha256:other";
    other_policies.by_rule[rule_index(now, "disclosed")].violations = 0;
    const std::string same = html_with(other_policies);
    BOOST_TEST(same.find("<strong>the same logs</strong>, judged by <strong>other policies</strong>") !=
               std::string::npos);
    BOOST_TEST(same.find("each change is exact") != std::string::npos);
    BOOST_TEST(same.find("no test of chance applies") != std::string::npos);
    BOOST_TEST(same.find("<th class=\"n\">z</th>") == std::string::npos);
    const std::size_t table = same.find("<tbody>", same.find("id=\"baseline\""));
    BOOST_TEST(same.substr(table, same.find("</table>", table) - table).find("<strong>") == std::string::npos);

    const auto from = [](const char* time) { return vigil::parse_rfc3339(std::string("2026-02-01T") + time + "Z"); };
    auto later_period = other_policies;
    later_period.audited.from = from("09:00:30");
    const std::string overlapping = html_with(later_period);
    BOOST_TEST(overlapping.find("<strong>the same logs, audited over another period</strong>") != std::string::npos);
    BOOST_TEST(overlapping.find("each change is exact") == std::string::npos);
    BOOST_TEST(overlapping.find("Some records are reported by both replays") != std::string::npos);
    BOOST_TEST(overlapping.find("<th class=\"n\">z</th>") == std::string::npos);

    auto earlier_period = now;
    earlier_period.audited.until = from("09:00:30");
    const report::baseline b{later_period, "last.json", "00ff"};
    const std::string apart =
        report::render_html(earlier_period, tally_of(r), {"summary.json", "0123abcd", "findings.jsonl", &b}, {});
    BOOST_TEST(apart.find("<strong>the same logs, audited over another period</strong>") != std::string::npos);
    BOOST_TEST(apart.find("Some records are reported by both replays") == std::string::npos);
    BOOST_TEST(apart.find("<th class=\"n\">z</th>") != std::string::npos);

    // Other logs, one of them read by both, over periods that overlap: records shared again.
    auto shared = other_policies;
    shared.files.push_back(shared.files[0]);
    shared.files[0].sha256 = std::string(64, 'a');
    const std::string part = html_with(shared);
    BOOST_TEST(part.find("<strong>other logs, some of them the same</strong>") != std::string::npos);
    BOOST_TEST(part.find("Some records are reported by both replays") != std::string::npos);
    BOOST_TEST(part.find("<th class=\"n\">z</th>") == std::string::npos);
}

// A summary written before replay kept the sums over conversations still reads, as a baseline or
// as the report's own: the rates are shown, and the report says why no z is.
BOOST_AUTO_TEST_CASE(a_summary_without_the_sums_over_conversations_reads_without_a_z) {
    const auto r = replay_fixture("baseline-old");
    using j = nlohmann::ordered_json;
    const auto now = summary_of(r);
    BOOST_REQUIRE(now.spread.has_value());
    BOOST_TEST(now.spread->conversations > 1u);
    const auto old_text = edited(r, [](j& s) {
        s["findings"].erase("conversation_sums");
        for (auto& rule : s["findings"]["by_rule"]) rule.erase("conversation_sums");
        s["files"][0]["sha256"] = std::string(64, 'a');  // another period's logs
    });
    const auto old = report::read_summary(old_text, "last.json");
    BOOST_REQUIRE_MESSAGE(!old.error, old.error->error);
    BOOST_TEST(!old.summary.spread.has_value());
    const auto html = [&](const vigil::replay::summary& mine, const vigil::replay::summary& base) {
        const report::baseline b{base, "last.json", "00ff"};
        return report::render_html(mine, tally_of(r), {"summary.json", "0123abcd", "findings.jsonl", &b}, {});
    };
    const std::string with_old = html(now, old.summary);
    BOOST_TEST(with_old.find("Whether a change stands apart from chance cannot be computed: the baseline was written "
                             "by an older Vigil") != std::string::npos);
    BOOST_TEST(with_old.find("<th class=\"n\">z</th>") == std::string::npos);
    const auto& rule = now.by_rule[rule_index(now, "disclosed")];
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.2f", 1000.0 * static_cast<double>(rule.violations) / now.decided);
    BOOST_TEST(with_old.find("<code>audit/disclosed</code></td><td class=\"n\">" + std::string(rate)) !=
               std::string::npos);
    BOOST_TEST(html(old.summary, now).find("this replay's summary was written by an older Vigil") != std::string::npos);

    // The sums are read back as the replay kept them; half of them is an error.
    const auto& kept = now.by_rule[rule_index(now, "calm")].spread;
    const auto again = nlohmann::json::parse(r.summary_text)["findings"]["by_rule"][rule_index(now, "calm")];
    BOOST_TEST(again["conversation_sums"]["undetermined"]["ff"] == kept.xx[1]);
    BOOST_TEST(again["conversation_sums"]["undetermined"]["fn"] == kept.xn[1]);
    BOOST_TEST(summary_error(edited(r, [](j& s) { s["findings"]["by_rule"][1].erase("conversation_sums"); })) ==
               "member `findings.by_rule[1].conversation_sums` is missing");
}

// docs/examples/report.html, the report the guide points to, is that of a replay of a generated
// log by the shipped policies, grouped by language, as the guide runs it: rewritten with
// UPDATE_GOLDEN=1 like a golden file, so that it cannot go stale.
BOOST_AUTO_TEST_CASE(the_example_report_in_the_docs_is_current) {
    const fs::path dir = replay_test::scratch_dir("report-docs-example");
    fs::create_directories(dir / "logs");
    fs::create_directory_symlink(fs::path(VIGIL_SOURCE_DIR) / "policies", dir / "policies");
    fs::current_path(dir);  // so that the report names the files as the guide does
    vigil::datagen::options generating;
    generating.records = 3000;
    generating.out_of_order = 0.01;
    generating.duplicates = 0.002;
    generating.gaps = 0.002;
    generating.malformed = 0.001;
    vigil::datagen::write_file(generating, "logs/2026-01.jsonl");

    vigil::compile_options compiling;
    compiling.carried_fields = {"language"};
    const auto set = replay_test::compile_inputs({{"policies", {}}}, compiling);
    vigil::replay::options options;
    options.logs = {"logs/2026-01.jsonl"};
    options.threads = 1;
    std::string findings;
    auto summary = vigil::replay::run(set, options, [&](std::string_view chunk) { findings.append(chunk); });
    summary.elapsed_seconds = summary.worker_cpu_seconds = summary.reader_cpu_seconds = 0;
    std::ofstream("findings.jsonl", std::ios::binary) << findings;
    const std::string summary_text = vigil::json_text(vigil::replay::to_json(summary), 2) + "\n";
    const auto read = report::read_summary(summary_text, "summary.json");
    BOOST_REQUIRE(!read.error);
    const auto tally = report::read_findings("findings.jsonl", read.summary, {});
    BOOST_REQUIRE_MESSAGE(!tally.error, tally.error->error);
    vigil::sha256 digest;
    digest.update(summary_text);
    const std::string html =
        report::render_html(read.summary, tally.tally, {"summary.json", digest.hex(), "findings.jsonl"}, {});
    check_golden("../../docs/examples/report.html", html);
}

// A policy met in several versions has its rules named with the version, the most severe first and
// then the most violations, as the summary counts them apart.
BOOST_AUTO_TEST_CASE(rules_of_several_versions_are_named_with_their_version) {
    const auto r = replay_fixture("versions");
    auto s = summary_of(r);
    auto tally = tally_of(r);
    auto later = s.by_rule[rule_index(s, "calm")];
    later.version = "2.0";
    later.violations = 40;
    s.by_rule.push_back(later);
    tally.rules.emplace_back();
    const std::string html = report::render_html(s, tally, {"summary.json", "0", "findings.jsonl"}, {});
    const std::size_t disclosed = html.find("<code>audit 1.0/disclosed</code></a>");
    const std::size_t calm2 = html.find("<code>audit 2.0/calm</code></a>");
    const std::size_t calm1 = html.find("<code>audit 1.0/calm</code></a>");
    BOOST_TEST(disclosed != std::string::npos);
    BOOST_TEST(calm2 != std::string::npos);
    BOOST_TEST(calm1 != std::string::npos);
    BOOST_TEST(disclosed < calm2);  // critical before medium
    BOOST_TEST(calm2 < calm1);      // 40 violations before 2
}
