// Replay of generated logs (vigil::datagen) with every kind of fault: every line accounted for,
// the same output whatever the number of threads, plain or gzip, one file or several.
#define BOOST_TEST_MODULE replay
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "support/golden.hpp"
#include "vigil/calendar.hpp"
#include "vigil/datagen.hpp"
#include "vigil/replay.hpp"
#include "vigil/sha256.hpp"

namespace fs = std::filesystem;
using namespace replay_test;
using nlohmann::json;

namespace {

constexpr std::size_t log_lines = 30000;

// A generated log with out-of-order records, duplicates, gaps and malformed lines, written once
// as plain text and as gzip.
struct generated_log {
    fs::path dir;
    std::string plain;
    std::string gz;
    std::vector<std::string> lines;

    generated_log() {
        dir = scratch_dir("log");
        vigil::datagen::options opts;
        opts.records = log_lines;
        opts.seed = 7;
        opts.out_of_order = 0.02;
        opts.duplicates = 0.01;
        opts.gaps = 0.01;
        opts.malformed = 0.005;
        plain = (dir / "log.jsonl").string();
        gz = (dir / "log.jsonl.gz").string();
        vigil::datagen::write_file(opts, plain);
        vigil::datagen::write_file(opts, gz);
        std::ifstream in(plain);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
};

const generated_log& the_log() {
    static const generated_log log;
    return log;
}

const compiled& policies() {
    static const compiled set = shipped_policies();
    return set;
}

struct replayed {
    vigil::replay::summary summary;
    std::string findings;
};

replayed replay(const std::vector<std::string>& logs, std::size_t threads, std::size_t window = 16,
                std::size_t batch = 1000, const compiled& set = policies(), std::int64_t resume_within_ms = 0) {
    vigil::replay::options opts;
    opts.logs = logs;
    opts.threads = threads;
    opts.batch_lines = batch;
    opts.tracking.reorder_window = window;
    opts.tracking.resume_within_ms = resume_within_ms;
    replayed r;
    r.summary = vigil::replay::run(set, opts, [&](std::string_view chunk) { r.findings.append(chunk); });
    return r;
}

// Writes `lines` as the log `name` in the scratch directory `dir`, one a line; returns its path.
std::string write_log(const fs::path& dir, const std::string& name, const std::vector<std::string>& lines) {
    const std::string log = (dir / name).string();
    std::ofstream out(log);
    for (const auto& line : lines) out << line << "\n";
    return log;
}

// A replay of `log` that audits the period [from, until) with `threads` workers.
replayed audit_period(const compiled& set, const std::string& log, std::optional<std::int64_t> from,
                      std::optional<std::int64_t> until, std::size_t threads) {
    vigil::replay::options opts;
    opts.logs = {log};
    opts.threads = threads;
    opts.audited = {from, until};
    replayed r;
    r.summary = vigil::replay::run(set, opts, [&](std::string_view chunk) { r.findings.append(chunk); });
    return r;
}

// The summary without how the run went.
std::string result_of(const vigil::replay::summary& s) {
    auto j = vigil::replay::to_json(s);
    BOOST_TEST(j.contains("run"));
    j.erase("run");
    return j.dump(2);
}

// The summary without what may depend on where batches end: how the run went, the most
// conversations open at once (counted at batch ends), and the batch size.
std::string outcome_of(const replayed& r) {
    auto j = vigil::replay::to_json(r.summary);
    for (const char* name : {"run", "peak_open_conversations"}) j.erase(name);
    j["settings"].erase("batch_lines");
    return j.dump(2);
}

std::vector<json> parse_lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
}


void check_accounting(const replayed& r) {
    const auto& s = r.summary;
    BOOST_TEST(s.lines == log_lines);
    // Every line is in one place (docs/auditors-guide.md).
    BOOST_TEST(s.decided + s.malformed + s.duplicates + s.out_of_order + s.without_record + s.blank_lines == s.lines);
    std::map<std::string, std::uint64_t> events;
    std::uint64_t findings = 0;
    for (const auto& line : parse_lines(r.findings)) {
        if (line.contains("event"))
            ++events[line["event"].get<std::string>()];
        else
            ++findings;
    }
    BOOST_TEST(events["malformed"] == s.malformed);
    BOOST_TEST(events["duplicate"] == s.duplicates);
    BOOST_TEST(events["out_of_order"] == s.out_of_order);
    BOOST_TEST(events["gap"] == s.gaps);
    BOOST_TEST(findings == s.violations + s.undetermined);
    BOOST_TEST(s.decisions[0] + s.decisions[1] + s.decisions[2] == s.decided);
    BOOST_TEST(s.first_malformed.size() == std::min<std::uint64_t>(s.malformed, 20));
    BOOST_TEST(std::is_sorted(s.first_malformed.begin(), s.first_malformed.end(),
                              [](const auto& a, const auto& b) { return a.line < b.line; }));
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_line_is_accounted_for) {
    const auto r = replay({the_log().plain}, 2);
    check_accounting(r);
    const auto& s = r.summary;
    BOOST_TEST(s.malformed > 0u);
    BOOST_TEST(s.duplicates > 0u);
    BOOST_TEST(s.gaps > 0u);
    BOOST_TEST(s.violations > 0u);
    BOOST_TEST(s.unreadable.empty());
    // Memory follows the conversations open at once, not the log.
    BOOST_TEST(s.peak_open > 0u);
    BOOST_TEST(s.peak_open < s.conversations / 2);
    // Every malformed line of the input is named, with the evaluator's reason; and every line
    // that is not a JSON object is malformed, whichever of its values is broken.
    for (const auto& p : s.first_malformed) {
        BOOST_TEST(!json::accept(the_log().lines.at(p.line - 1)), p.line);
        BOOST_TEST(p.error.find("invalid JSON") == 0u, p.error);
    }
    const auto not_an_object = std::count_if(the_log().lines.begin(), the_log().lines.end(), [](const std::string& line) {
        const json parsed = json::parse(line, nullptr, false);
        return parsed.is_discarded() || !parsed.is_object();
    });
    BOOST_TEST(s.malformed == static_cast<std::uint64_t>(not_an_object));
}

BOOST_AUTO_TEST_CASE(late_turns_after_a_gap_are_out_of_order) {
    // With no reorder window, every swapped pair gives up a turn that then arrives late.
    const auto r = replay({the_log().plain}, 2, 0);
    check_accounting(r);
    BOOST_TEST(r.summary.out_of_order > 0u);
    BOOST_TEST(r.summary.gaps > replay({the_log().plain}, 2).summary.gaps);
}

BOOST_AUTO_TEST_CASE(the_output_does_not_depend_on_the_number_of_threads) {
    const auto one = replay({the_log().plain}, 1);
    BOOST_TEST(one.summary.threads == 1u);
    for (std::size_t threads : {2u, 3u, 4u}) {
        const auto many = replay({the_log().plain}, threads);
        BOOST_TEST(many.summary.threads == threads);
        BOOST_TEST((many.findings == one.findings), threads << " threads give other findings");
        BOOST_TEST(result_of(many.summary) == result_of(one.summary));
    }
    // Including the sums over conversations of every rule, which the workers sum apart.
    const auto sums = vigil::replay::to_json(one.summary)["findings"]["conversation_sums"];
    BOOST_TEST(sums["conversations"].get<std::uint64_t>() > 1000u);
    BOOST_TEST(sums["nn"].get<std::uint64_t>() > one.summary.decided);
    // The same holds with large batches and with tiny ones (an expiry every seven lines).
    BOOST_TEST(replay({the_log().plain}, 1, 16, 8192).findings == replay({the_log().plain}, 4, 16, 8192).findings);
    BOOST_TEST(replay({the_log().plain}, 1, 4, 7).findings == replay({the_log().plain}, 3, 4, 7).findings);
}

// --explain: the same lines, each finding of a record with an `explain` member that says how its
// rule came out on that record (its result is the finding's outcome), whatever the threads; a
// finding about the whole conversation, which has no record, has none.
BOOST_AUTO_TEST_CASE(explained_findings_say_how_their_rule_came_out) {
    const auto explained_replay = [](std::size_t threads) {
        vigil::replay::options opts;
        opts.logs = {the_log().plain};
        opts.threads = threads;
        opts.batch_lines = 1000;
        opts.tracking.explain = true;
        std::string findings;
        (void)vigil::replay::run(policies(), opts, [&](std::string_view chunk) { findings.append(chunk); });
        return findings;
    };
    const std::string explained = explained_replay(1);
    BOOST_TEST((explained_replay(3) == explained), "3 threads explain otherwise");
    const auto plain_lines = parse_lines(replay({the_log().plain}, 1).findings);
    const auto explained_lines = parse_lines(explained);
    BOOST_REQUIRE_EQUAL(explained_lines.size(), plain_lines.size());
    std::size_t with = 0, without = 0;
    for (std::size_t i = 0; i < plain_lines.size(); ++i) {
        json line = explained_lines[i];
        if (line.contains("explain")) {
            ++with;
            const json& e = line["explain"];
            BOOST_TEST_REQUIRE((e["policy"] == line["policy"] && e["rule"] == line["rule"]), line.dump());
            BOOST_TEST_REQUIRE(e["result"] == line["outcome"], line.dump());
            BOOST_TEST_REQUIRE(!e["clauses"].empty(), line.dump());
            line.erase("explain");
        } else if (!line.contains("event")) {
            ++without;  // the end of a conversation: only a rule with `then` reports there
            BOOST_TEST_REQUIRE(line["rule"] == "handoff_after_repeated_frustration", line.dump());
        }
        BOOST_TEST_REQUIRE(line == plain_lines[i], "line " << i + 1);
    }
    BOOST_TEST(with > 10000u);
    BOOST_TEST(without > 0u);
}

// --profile: the same findings and summary, and where the workers' time went: reading, the
// conversation state, writing findings, every rule and the definitions computed, summed over the
// workers; the text shows them, the JSON keeps them under "run".
BOOST_AUTO_TEST_CASE(a_profiled_replay_says_where_the_time_went) {
    vigil::replay::options opts;
    opts.logs = {the_log().plain};
    opts.threads = 3;
    opts.batch_lines = 1000;
    opts.profile = true;
    replayed profiled;
    profiled.summary = vigil::replay::run(policies(), opts, [&](std::string_view c) { profiled.findings.append(c); });
    const replayed plain = replay({the_log().plain}, 1);
    BOOST_TEST((profiled.findings == plain.findings));
    BOOST_TEST(result_of(profiled.summary) == result_of(plain.summary));
    BOOST_TEST(plain.summary.profile.empty());

    using part = vigil::profile_entry::part;
    const auto& entries = profiled.summary.profile;
    std::map<part, std::size_t> parts;
    double seconds = 0;
    for (const auto& e : entries) {
        ++parts[e.what];
        seconds += e.what == part::definition ? 0 : e.seconds;
        if (e.what == part::rule) BOOST_TEST(e.times == profiled.summary.decided, e.name);
        if (e.what == part::definition) BOOST_TEST((e.times > 0u && e.times <= profiled.summary.decided), e.name);
    }
    BOOST_TEST_REQUIRE(entries.size() > 4u);
    BOOST_TEST((entries[0].what == part::read && entries[1].what == part::state && entries[2].what == part::output));
    // Every record decided was read; so were the malformed lines that reached the parser.
    BOOST_TEST(entries[0].times >= profiled.summary.decided);
    BOOST_TEST(entries[0].times <= profiled.summary.decided + profiled.summary.malformed);
    BOOST_TEST(parts[part::rule] == 15u);
    BOOST_TEST(parts[part::definition] > 5u);
    // Parts of the workers' time at work.
    BOOST_TEST(seconds > 0);
    BOOST_TEST(seconds <= profiled.summary.profiled_seconds);

    std::string text;
    for (const auto& line : vigil::replay::render_text(profiled.summary)) text += line.text + "\n";
    BOOST_TEST(text.find("\nprofile: the workers' ") != std::string::npos, text);
    BOOST_TEST(text.find("\n  rule manipulation/no_pressure_on_distressed (") != std::string::npos, text);
    BOOST_TEST(text.find("\n  write findings: ") != std::string::npos, text);
    BOOST_TEST(text.find(" more (--summary-json lists every one)\n") != std::string::npos, text);
    BOOST_TEST(text.find("\n  the rest (turn order, closing idle conversations, batches): ") != std::string::npos,
               text);
    const auto j = vigil::replay::to_json(profiled.summary);
    BOOST_TEST(j["run"]["profile"]["worker_seconds"] == profiled.summary.profiled_seconds);
    BOOST_TEST_REQUIRE(j["run"]["profile"]["parts"].size() == entries.size());
    BOOST_TEST(j["run"]["profile"]["parts"][3]["part"] == "rule");
    BOOST_TEST(!vigil::replay::to_json(plain.summary)["run"].contains("profile"));
}

BOOST_AUTO_TEST_CASE(the_output_does_not_depend_on_the_batch_size) {
    // A conversation is over once log time passes its last record by the idle gap, whether or not
    // a batch ended in between (the generated log has email threads that pause for up to an hour),
    // and its closing lines stand where log time passed it. Only the most conversations open at
    // once is counted at the batches' ends.
    const auto base = replay({the_log().plain}, 2, 16, 1000);
    BOOST_TEST(base.summary.gaps_at_start > 0u);
    for (const std::size_t batch : {7u, 8192u}) {
        const auto other = replay({the_log().plain}, 3, 16, batch);
        BOOST_TEST(outcome_of(other) == outcome_of(base), "batches of " << batch);
        BOOST_TEST((other.findings == base.findings), "batches of " << batch);
    }
}

BOOST_AUTO_TEST_CASE(conversations_that_went_idle_resume_whatever_the_threads_and_batches) {
    // The generated log's email threads pause for up to an hour: the default idle gap cuts them,
    // and their next part waits for turn 1, a gap at its start. Resumed, it waits for its next turn.
    constexpr std::int64_t day = 24LL * 60 * 60 * 1000;
    const auto cut = replay({the_log().plain}, 2);
    const auto base = replay({the_log().plain}, 1, 16, 1000, policies(), day);
    BOOST_TEST(cut.summary.resumed == 0u);
    BOOST_TEST(base.summary.resumed > 0u);
    BOOST_TEST(base.summary.conversations == cut.summary.conversations);  // cut at the same places
    BOOST_TEST(base.summary.gaps_at_start < cut.summary.gaps_at_start);
    BOOST_TEST(base.summary.missing_turns < cut.summary.missing_turns);
    for (const auto& [threads, batch] : {std::pair<std::size_t, std::size_t>{3, 7}, {4, 8192}}) {
        const auto other = replay({the_log().plain}, threads, 16, batch, policies(), day);
        BOOST_TEST((other.findings == base.findings), threads << " threads, batches of " << batch);
        BOOST_TEST(outcome_of(other) == outcome_of(base), threads << " threads, batches of " << batch);
    }
}

BOOST_AUTO_TEST_CASE(windows_line_ends_give_the_same_output_and_every_byte_is_counted) {
    const auto dir = scratch_dir("crlf");
    const std::string crlf = (dir / "log.jsonl").string();
    {
        std::ofstream out(crlf, std::ios::binary);
        for (const auto& line : the_log().lines) out << line << "\r\n";
    }
    const auto plain = replay({the_log().plain}, 2);
    const auto windows = replay({crlf}, 2);
    BOOST_TEST(plain.summary.bytes == fs::file_size(the_log().plain));
    BOOST_TEST(windows.summary.bytes == fs::file_size(crlf));
    BOOST_TEST(replace_all(windows.findings, crlf, the_log().plain) == plain.findings);
}

BOOST_AUTO_TEST_CASE(gzip_and_plain_give_the_same_output) {
    const auto plain = replay({the_log().plain}, 2);
    const auto gz = replay({the_log().gz}, 2);
    BOOST_TEST(fs::file_size(the_log().gz) < fs::file_size(the_log().plain));
    BOOST_TEST(replace_all(gz.findings, the_log().gz, the_log().plain) == plain.findings);
    BOOST_TEST(gz.summary.bytes == plain.summary.bytes);
    // The same but for the files' hashes, each of the bytes as stored.
    auto gz_summary = gz.summary;
    gz_summary.files[0].sha256 = plain.summary.files[0].sha256;
    BOOST_TEST(replace_all(result_of(gz_summary), the_log().gz, the_log().plain) == result_of(plain.summary));
}

BOOST_AUTO_TEST_CASE(several_files_are_one_stream) {
    // The log cut in two: conversations go on across the cut, line numbers start again.
    const auto dir = scratch_dir("split");
    const std::size_t cut = 12345;
    const std::string first = (dir / "a.jsonl").string(), second = (dir / "b.jsonl").string();
    {
        std::ofstream a(first), b(second);
        for (std::size_t i = 0; i < the_log().lines.size(); ++i) (i < cut ? a : b) << the_log().lines[i] << "\n";
    }
    const auto whole = replay({the_log().plain}, 2);
    const auto split = replay({first, second}, 2);
    BOOST_TEST(result_of(split.summary).size() > 0u);
    BOOST_TEST(split.summary.files.size() == 2u);
    BOOST_TEST(split.summary.files[0].lines == cut);
    // Renumber the split output into the whole file's lines: it must then be the same.
    auto renumber = [&](json line, const char* file, const char* number) {
        if (!line.contains(file)) return line;
        const bool in_second = line[file] == second;
        line[file] = the_log().plain;
        if (in_second) line[number] = line[number].get<std::size_t>() + cut;
        return line;
    };
    const auto whole_lines = parse_lines(whole.findings);
    auto split_lines = parse_lines(split.findings);
    BOOST_REQUIRE(whole_lines.size() == split_lines.size());
    for (std::size_t i = 0; i < split_lines.size(); ++i) {
        const json fixed = renumber(renumber(split_lines[i], "file", "line"), "first_file", "first_line");
        BOOST_TEST(fixed == whole_lines[i], "line " << i + 1);
    }
}

BOOST_AUTO_TEST_CASE(a_log_that_wraps_its_records_replays_as_the_records_do) {
    // A decision log of `vigil serve`: {"received_at": ..., "record": <the record>, ...}. Members
    // before and after the record, and a malformed record line, must not change anything.
    const auto dir = scratch_dir("wrapped");
    const std::string wrapped = (dir / "decisions.jsonl").string();
    {
        std::ofstream out(wrapped);
        for (const auto& line : the_log().lines)
            out << R"({"received_at":"2026-11-21T10:00:00Z","record":)" << line << R"(,"decision":{"x":[1,{"y":2}]}})"
                << "\n";
    }
    vigil::replay::options opts;
    opts.logs = {wrapped};
    opts.threads = 2;
    opts.batch_lines = 1000;
    opts.record_member = "record";
    std::string findings;
    const auto s = vigil::replay::run(policies(), opts, [&](std::string_view chunk) { findings.append(chunk); });
    // A broken record can break its wrapper so that the record is not found, and its timestamp
    // does not move log time; the plain log to compare with has those lines without their text.
    const std::string plain_log = (dir / "plain.jsonl").string();
    {
        std::ifstream in(wrapped);
        std::ofstream out(plain_log);
        std::string_view record;
        std::string error;
        for (const auto& line : the_log().lines) {
            std::string wrapper;
            std::getline(in, wrapper);
            out << (vigil::member_json(wrapper, "record", record, error) ? line : "{broken") << "\n";
        }
    }
    const auto plain = replay({plain_log}, 2);
    // Malformed records make malformed wrappers, which are refused with the parser's reason.
    BOOST_TEST(s.malformed == plain.summary.malformed);
    BOOST_TEST(s.decided == plain.summary.decided);
    const auto strip_errors = [](const std::string& text) {
        std::string out;
        for (auto line : parse_lines(text)) {
            for (const char* name : {"file", "first_file", "error"})
                if (line.contains(name)) line.erase(name);
            out += line.dump() + "\n";
        }
        return out;
    };
    BOOST_TEST(strip_errors(findings) == strip_errors(plain.findings));

    // A line without the member, or with a member that is not an object, is malformed and says so.
    const std::string broken = (dir / "broken.jsonl").string();
    {
        std::ofstream out(broken);
        out << R"({"decision":{}})" << "\n" << R"({"record":[1]})" << "\n" << "[1,2]\n" << the_log().lines[0] << "\n";
        out << R"({"event":"conversation_closed","decision":{}})" << "\n";
    }
    opts.logs = {broken};
    const auto b = vigil::replay::run(policies(), opts, [](std::string_view) {});
    BOOST_TEST(b.lines == 5u);
    BOOST_TEST(b.without_record == 1u);  // a service's note: counted, not evaluated, not malformed
    BOOST_TEST(b.malformed == 4u);
    // Every line is in one place (docs/auditors-guide.md), the notes too.
    BOOST_TEST(b.decided + b.malformed + b.duplicates + b.out_of_order + b.without_record + b.blank_lines == b.lines);
    BOOST_TEST(vigil::replay::to_json(b)["settings"]["record_member"] == "record");
    BOOST_REQUIRE(b.first_malformed.size() == 4u);
    BOOST_TEST(b.first_malformed[0].error == "no `record` member");
    BOOST_TEST(b.first_malformed[1].error == "`record` is not a JSON object");
    BOOST_TEST(b.first_malformed[2].error == "expected a JSON object");
}

// A blank line (empty, or only whitespace) holds no record: it is counted apart, neither decided nor
// malformed, and changes nothing else. The log with blank lines at its start (after a byte-order
// mark), in its middle and at its end replays as the log without them, line numbers aside.
BOOST_AUTO_TEST_CASE(blank_lines_are_counted_apart_and_change_nothing_else) {
    const auto dir = scratch_dir("blank");
    const std::string path = (dir / "blank.jsonl").string();
    const std::string blanks[] = {"", "   ", "\t", " \t\r"};  // the last one ends in \r\r\n: one \r is kept
    std::vector<std::uint64_t> original{0};                   // by line number: the log's line, 0 for a blank
    std::uint64_t blank = 0;
    {
        std::ofstream out(path, std::ios::binary);
        const auto add_blank = [&](const std::string& text) {
            out << text << (text.ends_with('\r') ? "\r\n" : "\n");
            original.push_back(0);
            ++blank;
        };
        out << "\xEF\xBB\xBF";
        add_blank("");
        for (std::size_t i = 0; i < the_log().lines.size(); ++i) {
            if (i % 997 == 0) add_blank(blanks[i / 997 % 4]);
            out << the_log().lines[i] << "\n";
            original.push_back(i + 1);
        }
        add_blank("");
        out << "  ";  // a last line without a newline
        original.push_back(0);
        ++blank;
    }
    const auto base = replay({the_log().plain}, 2);
    const auto r = replay({path}, 2);
    const auto& s = r.summary;
    BOOST_TEST(s.blank_lines == blank);
    BOOST_TEST(s.lines == log_lines + blank);
    BOOST_TEST(s.decided + s.malformed + s.duplicates + s.out_of_order + s.without_record + s.blank_lines == s.lines);
    BOOST_TEST(s.malformed == base.summary.malformed);
    auto counts = vigil::replay::to_json(s);
    BOOST_TEST(counts["blank_lines"] == blank);
    auto base_counts = vigil::replay::to_json(base.summary);
    for (auto* j : {&counts, &base_counts}) {
        for (const char* name : {"run", "files", "lines", "bytes", "blank_lines", "malformed",
                                 "peak_open_conversations", "records_outside_effective_periods"})
            j->erase(name);
    }
    BOOST_TEST(counts.dump(2) == base_counts.dump(2));
    // No line in the findings file for a blank line: the others are the log's, renumbered.
    std::string renumbered;
    for (auto line : parse_lines(r.findings)) {
        for (const auto& [file, number] : {std::pair{"file", "line"}, std::pair{"first_file", "first_line"}}) {
            if (!line.contains(file)) continue;
            line[file] = the_log().plain;
            line[number] = original.at(line[number].get<std::size_t>());
        }
        renumbered += line.dump() + "\n";
    }
    std::string expected;
    for (const auto& line : parse_lines(base.findings)) expected += line.dump() + "\n";
    BOOST_TEST((renumbered == expected));
    std::string text;
    for (const auto& line : vigil::replay::render_text(s)) text += line.text + "\n";
    BOOST_TEST(text.find("\n" + std::to_string(blank) + " blank lines (empty or only whitespace), not evaluated\n") !=
                   std::string::npos,
               text);

    // In a log that wraps its records, a blank line is blank, not a line without the member.
    const std::string wrapped = (dir / "wrapped.jsonl").string();
    std::ofstream(wrapped) << R"({"record":)" << the_log().lines[0] << "}\n\n";
    vigil::replay::options opts;
    opts.logs = {wrapped};
    opts.record_member = "record";
    const auto w = vigil::replay::run(policies(), opts, [](std::string_view) {});
    BOOST_TEST(w.lines == 2u);
    BOOST_TEST(w.blank_lines == 1u);
    BOOST_TEST(w.malformed == 0u);
    BOOST_TEST(w.decided == 1u);
}

BOOST_AUTO_TEST_CASE(findings_carry_the_fields_of_a_decision) {
    // A single-turn policy whose messages quote record text, so escaping is exercised too.
    const auto set = compile_text(R"(
policy "p" {
  version "2"
  rule offer_at_distress {
    severity critical
    when speaker == "ai" and signals.distress >= 0.5
    forbid any a in actions: a.type == "offer"
    message "offer at distress {signals.distress}: {text}"
    remedy block, notify "trust-and-safety"
  }
  rule disclosed {
    severity high
    when speaker == "ai"
    require ai.disclosed
    message "not disclosed: {text}"
    remedy disclose
  }
}
)");
    const auto r = replay({the_log().plain}, 2, 16, 1000, set);
    vigil::evaluator judge(set);
    std::size_t checked = 0;
    for (const auto& line : parse_lines(r.findings)) {
        if (line.contains("event")) continue;
        BOOST_REQUIRE(line["file"] == the_log().plain);
        const std::string& record = the_log().lines.at(line["line"].get<std::size_t>() - 1);
        vigil::decision d;
        std::string error;
        BOOST_REQUIRE(judge.decide(record, d, error));
        const json expected = vigil::to_json(d);
        const auto record_json = json::parse(record);
        BOOST_TEST(line["record_id"] == expected["record_id"]);
        BOOST_TEST(line["conversation_id"] == expected["conversation_id"]);
        BOOST_TEST(line["decision"] == expected["decision"]);
        BOOST_TEST(line["policy_hash"] == expected["policy_hash"]);
        BOOST_TEST(line["turn"] == record_json["turn"]);
        BOOST_TEST(line["timestamp"] == record_json["timestamp"]);
        bool found = false;
        for (const auto& f : expected["findings"]) {
            if (f["rule"] != line["rule"]) continue;
            found = true;
            for (const auto& [field, value] : f.items()) BOOST_TEST(line[field] == value, field);
        }
        BOOST_TEST(found);
        if (++checked == 2000) break;
    }
    BOOST_TEST(checked == 2000u);
}

BOOST_AUTO_TEST_CASE(each_version_of_a_policy_is_counted_apart) {
    // A new version takes over in the middle of the log, with a rule of the same name whose
    // severity changed: its findings must not be counted as the old rule's.
    std::string cut;  // the timestamp of a record in the middle of the log
    for (std::size_t i = log_lines / 2; cut.empty(); ++i) {
        const json record = json::parse(the_log().lines.at(i), nullptr, false);
        if (record.is_object() && record.contains("timestamp")) cut = record["timestamp"];
    }
    const auto version = [&](const std::string& v, const std::string& period, const std::string& severity) {
        return "policy \"p\" {\n  version \"" + v + "\"\n  effective " + period +
               "\n  rule disclosed {\n    severity " + severity +
               "\n    when speaker == \"ai\"\n    require ai.disclosed\n  }\n}\n";
    };
    const auto set =
        compile_text(version("1", "until \"" + cut + "\"", "high") + version("2", "from \"" + cut + "\"", "critical"));
    const auto r = replay({the_log().plain}, 2, 16, 1000, set);

    std::map<std::string, std::size_t> findings;  // by version
    for (const auto& line : parse_lines(r.findings)) {
        if (line.contains("event")) continue;
        const std::string v = line["version"];
        BOOST_TEST(line["severity"] == (v == "1" ? "high" : "critical"));
        BOOST_TEST(((line["timestamp"].get<std::string>() < cut) == (v == "1")), line.dump());
        ++findings[v];
    }
    BOOST_REQUIRE(r.summary.by_rule.size() == 2u);
    for (const auto& t : r.summary.by_rule) {
        BOOST_TEST(t.rule == "disclosed");
        BOOST_TEST(t.severity == (t.version == "1" ? "high" : "critical"));
        BOOST_TEST(t.violations + t.undetermined == findings[t.version], t.version);
        BOOST_TEST(findings[t.version] > 0u, t.version);
    }
    std::string text;
    for (const auto& line : vigil::replay::render_text(r.summary)) text += line.text + "\n";
    BOOST_TEST(text.find("  p 1/disclosed (high): ") != std::string::npos, text);
    BOOST_TEST(text.find("  p 2/disclosed (critical): ") != std::string::npos, text);
    const auto j = vigil::replay::to_json(r.summary);
    BOOST_TEST(j["findings"]["by_rule"][0]["version"] == "1");
    BOOST_TEST(j["findings"]["by_rule"][1]["version"] == "2");
}

// A record without a usable timestamp cannot be placed in one version of a policy, and each
// version's rule of a name is undetermined for it: where the versions say the same, the evaluator
// reports it once per rule, under the first version loaded, not once per version (two versions
// gave it two findings a rule, and the summary twice the undetermined count). Its findings are
// still counted by value, once.
BOOST_AUTO_TEST_CASE(a_record_without_a_timestamp_is_reported_once_per_rule_whatever_the_versions) {
    const auto version = [](const std::string& v, const std::string& period, const std::string& severity) {
        return "policy \"p\" {\n  version \"" + v + "\"\n  effective " + period + "\n  rule disclosed {\n" +
               "    severity " + severity + "\n    when speaker == \"ai\"\n    require ai.disclosed\n  }\n" +
               "  rule polite {\n    forbid text == \"hello\"\n  }\n}\n";
    };
    vigil::compile_options options;
    options.carried_fields = {"language"};
    const auto set =
        compile_text(version("1", "until \"2026-01-01\"", "high") + version("2", "from \"2026-01-01\"", "high") +
                         "policy \"always\" {\n  rule r {\n    forbid text == \"rude\"\n  }\n}\n",
                     options);
    const auto dir = scratch_dir("untimed");
    const std::string log = (dir / "untimed.jsonl").string();
    const auto record = [](int n, const std::string& timestamp) {
        return R"({"id":"r-)" + std::to_string(n) + R"(","conversation_id":"c-)" + std::to_string(n) +
               R"(","turn":1,)" + timestamp + R"("speaker":"ai","language":"nl","text":"hello",)" +
               R"("ai":{"disclosed":false}})" + "\n";
    };
    std::ofstream(log) << record(1, R"("timestamp":"2025-12-31T10:00:00Z",)") << record(2, "")
                       << record(3, R"("timestamp":"yesterday",)") << record(4, R"("timestamp":5,)")
                       << record(5, R"("timestamp":"2026-01-02T10:00:00Z",)");
    const auto r = replay({log}, 2, 16, 1000, set);
    const auto& s = r.summary;
    BOOST_TEST(s.untimed == 3u);
    BOOST_TEST(s.violations == 4u);    // r-1 under version 1, r-5 under version 2: both rules
    BOOST_TEST(s.undetermined == 6u);  // r-2, r-3, r-4: disclosed and polite, once each
    std::map<std::string, std::vector<json>> by_record;
    for (const auto& line : parse_lines(r.findings)) by_record[line["record_id"].get<std::string>()].push_back(line);
    for (const std::string id : {"r-2", "r-3", "r-4"}) {
        const auto& found = by_record[id];
        BOOST_REQUIRE_EQUAL(found.size(), 2u);
        BOOST_TEST(found[0]["rule"] == "disclosed", id);
        BOOST_TEST(found[1]["rule"] == "polite", id);
        for (const auto& f : found) {
            BOOST_TEST(f["outcome"] == "undetermined", id);
            BOOST_TEST(f["version"] == "1", id);  // the first version loaded stands for both
        }
    }
    BOOST_TEST(by_record["r-2"][0]["missing"] == json::array({"timestamp"}));
    BOOST_TEST(by_record["r-3"][0]["errors"].size() == 1u);
    for (const auto& t : s.by_rule) {
        if (t.version == "1") BOOST_TEST(t.undetermined == 3u, t.rule);
        if (t.version == "2") BOOST_TEST(t.undetermined == 0u, t.rule);
    }
    std::uint64_t by_value = 0;
    for (const auto& g : s.breakdowns.at(0).groups) by_value += g.undetermined;
    BOOST_TEST(by_value == s.undetermined);
    BOOST_TEST((replay({log}, 1, 16, 1000, set).findings == r.findings));
}

// A record whose `turn` is not usable (a text, a fraction, 0, a list) is judged alone, and its
// findings show the turn as the record wrote it, where they showed `null`: the auditor looks for
// the line by it. A record without a turn still shows `null`.
BOOST_AUTO_TEST_CASE(findings_show_a_turn_that_is_not_an_integer_as_the_record_wrote_it) {
    const std::vector<std::string> turns = {R"("3")", "2.5", "0", "[1, 2]", "1e3", "1"};
    const auto dir = scratch_dir("turns");
    const std::string log = (dir / "turns.jsonl").string();
    {
        std::ofstream out(log);
        for (std::size_t i = 0; i < turns.size(); ++i) {
            out << R"({"id":"r-)" << i << R"(","conversation_id":"c-)" << i << R"(","turn":)" << turns[i]
                << R"(,"timestamp":"2026-01-05T08:00:00Z","text":"x"})" << '\n';
        }
        out << R"({"id":"r-absent","conversation_id":"c-9","timestamp":"2026-01-05T08:00:00Z","text":"x"})" << '\n';
    }
    const auto set = compile_text("policy \"p\" {\n  rule r {\n    forbid text == \"x\"\n  }\n}\n");
    const auto r = replay({log}, 2, 16, 1000, set);
    std::map<std::string, json> turn_of;  // by record id
    for (const auto& line : parse_lines(r.findings)) turn_of[line["record_id"].get<std::string>()] = line["turn"];
    BOOST_REQUIRE_EQUAL(turn_of.size(), turns.size() + 1);
    for (std::size_t i = 0; i < turns.size(); ++i) {
        BOOST_TEST(turn_of["r-" + std::to_string(i)] == json::parse(turns[i]), turns[i]);
    }
    BOOST_TEST(turn_of["r-absent"].is_null());
    // Byte for byte as written, so that the line can be searched for.
    for (const std::string written : {R"("turn":"3",)", R"("turn":2.5,)", R"("turn":[1, 2],)", R"("turn":1e3,)"})
        BOOST_TEST(r.findings.find(written) != std::string::npos, written << " not in\n" << r.findings);
}

// The same for a `timestamp` that is not a text: shown as written, not as null.
BOOST_AUTO_TEST_CASE(findings_show_a_timestamp_that_is_not_a_text_as_the_record_wrote_it) {
    const std::vector<std::string> times = {"5", "true", R"({"at": 1})", R"("yesterday")"};
    const auto dir = scratch_dir("timestamps");
    const std::string log = (dir / "timestamps.jsonl").string();
    {
        std::ofstream out(log);
        for (std::size_t i = 0; i < times.size(); ++i) {
            out << R"({"id":"r-)" << i << R"(","conversation_id":"c-)" << i << R"(","turn":1,"timestamp":)" << times[i]
                << R"(,"text":"x"})" << '\n';
        }
    }
    const auto set = compile_text("policy \"p\" {\n  rule r {\n    forbid text == \"x\"\n  }\n}\n");
    const auto r = replay({log}, 1, 16, 1000, set);
    std::map<std::string, json> time_of;  // by record id
    for (const auto& line : parse_lines(r.findings)) time_of[line["record_id"].get<std::string>()] = line["timestamp"];
    BOOST_REQUIRE_EQUAL(time_of.size(), times.size());
    for (std::size_t i = 0; i < times.size(); ++i)
        BOOST_TEST(time_of["r-" + std::to_string(i)] == json::parse(times[i]), times[i]);
    BOOST_TEST(r.findings.find(R"("timestamp":{"at": 1},)") != std::string::npos, r.findings);
}

// The summary says the log time the logs span: their earliest timestamp, wherever it stands, and
// their latest, in text and JSON; null when no line has one. A broken line's readable timestamp
// counts, as it moves log time.
BOOST_AUTO_TEST_CASE(the_summary_names_the_log_time_the_logs_span) {
    const auto dir = scratch_dir("log-time");
    const std::string timed = (dir / "timed.jsonl").string(), untimed = (dir / "untimed.jsonl").string();
    std::ofstream(timed) << R"({"id":"a","conversation_id":"c-1","turn":1,"timestamp":"2026-03-01T10:00:00Z"})"
                         << "\n"
                         << R"({"id":"b","conversation_id":"c-2","turn":1,"timestamp":"2026-03-01T09:00:00.5Z"})"
                         << "\n"
                         << R"({"id":"c","conversation_id":"c-3","turn":1,"timestamp":"2026-03-01T11:30:00+02:00"})"
                         << "\n"
                         << R"({"id":"d","conversation_id":"c-4","turn":1,"timestamp":"2026-03-01T12:00:00Z",})"
                         << "\n";
    std::ofstream(untimed) << R"({"id":"a","conversation_id":"c-1","turn":1})"
                           << "\n";
    const auto set = compile_text("policy \"p\" {\n  rule r {\n    forbid text == \"x\"\n  }\n}\n");
    const auto r = replay({timed}, 2, 16, 1000, set);
    BOOST_TEST(r.summary.first_log_time == "2026-03-01T09:00:00Z");
    BOOST_TEST(r.summary.last_log_time == "2026-03-01T12:00:00Z");
    const auto j = vigil::replay::to_json(r.summary);
    BOOST_TEST(j["log_time"] == json::parse(R"({"first":"2026-03-01T09:00:00Z","last":"2026-03-01T12:00:00Z"})"));
    const auto text = vigil::replay::render_text(r.summary);
    BOOST_TEST(std::any_of(text.begin(), text.end(), [](const vigil::replay::summary_line& line) {
        return line.text == "log time: from 2026-03-01T09:00:00Z to 2026-03-01T12:00:00Z";
    }));
    const auto none = replay({untimed}, 1, 16, 1000, set);
    BOOST_TEST(vigil::replay::to_json(none.summary)["log_time"] == json::parse(R"({"first":null,"last":null})"));
}

// The summary names the bytes it judged and what judged them: the SHA-256 of each log as stored
// (compressed, for gzip) and of each policy file, as `sha256sum` prints them (the digests below
// are its), hashed while they were read. A log not read to its end has none.
BOOST_AUTO_TEST_CASE(the_summary_names_the_sha256_of_every_log_and_policy_file) {
    const auto dir = scratch_dir("sha256");
    const std::string known = (dir / "known.jsonl").string(), empty = (dir / "empty.jsonl").string();
    const std::string policy = (dir / "p.vigil").string();
    std::ofstream(known) << R"({"id":"r-1","conversation_id":"c-1","turn":1,"timestamp":"2026-01-05T08:00:00Z",)"
                         << R"("speaker":"ai","text":"hello"})" << '\n';
    { std::ofstream touched(empty); }
    std::ofstream(policy) << "policy \"p\" {\n  rule r {\n    forbid text == \"rude\"\n  }\n}\n";
    const auto set = compile_inputs({{policy, {}}});
    const auto r = replay({known, empty}, 2, 16, 1000, set);
    const auto& s = r.summary;
    BOOST_REQUIRE_EQUAL(s.files.size(), 2u);
    BOOST_TEST(s.files[0].sha256 == "0e9a91b9bd9c86f878ec29854860462971feb014d9e69ea8f5d43f194736599a");
    BOOST_TEST(s.files[1].sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_REQUIRE_EQUAL(s.policy_files.size(), 1u);
    BOOST_TEST(s.policy_files[0].path == policy);
    BOOST_TEST(s.policy_files[0].sha256 == "a2a48c1899636a2d2569a2c94fc52f9aa61de2430f2fcfb9fed32b22621d1154");

    const auto j = vigil::replay::to_json(s);
    BOOST_TEST(j["files"][0]["sha256"] == s.files[0].sha256);
    BOOST_TEST(j["policy_files"] ==
               json::parse(R"([{"path":")" + policy + R"(","sha256":")" + s.policy_files[0].sha256 + R"("}])"));
    std::string text;
    for (const auto& line : vigil::replay::render_text(s)) text += line.text + "\n";
    for (const std::string& shown :
         {"\nlogs judged (SHA-256 of each file as stored, as sha256sum prints it):\n  " + s.files[0].sha256 + "  " +
              known + "\n  " + s.files[1].sha256 + "  " + empty + "\n",
          "\npolicies they were judged by (SHA-256 of each file):\n  " + s.policy_files[0].sha256 + "  " + policy +
              "\n"})
        BOOST_TEST(text.find(shown) != std::string::npos, shown << " not in\n" << text);

    // A gzip log's hash is that of its compressed bytes, which is what sha256sum is given.
    std::ifstream in(the_log().gz, std::ios::binary);
    vigil::sha256 stored;
    stored.update(std::string(std::istreambuf_iterator<char>(in), {}));
    const auto gz = replay({the_log().gz, the_log().plain}, 2);
    BOOST_TEST(gz.summary.files[0].sha256 == stored.hex());
    BOOST_TEST(gz.summary.files[0].sha256 != gz.summary.files[1].sha256);

    // What was read of a log damaged halfway is not the log: no hash.
    const std::string damaged = (dir / "damaged.jsonl.gz").string();
    fs::copy_file(the_log().gz, damaged);
    fs::resize_file(damaged, fs::file_size(damaged) / 2);
    const auto cut = replay({damaged}, 2);
    BOOST_REQUIRE(cut.summary.unreadable.size() == 1u);
    BOOST_TEST(cut.summary.files[0].sha256.empty());
    BOOST_TEST(vigil::replay::to_json(cut.summary)["files"][0]["sha256"].is_null());
    text.clear();
    for (const auto& line : vigil::replay::render_text(cut.summary)) text += line.text + "\n";
    BOOST_TEST(text.find("\n  " + damaged + ": not read to its end, no SHA-256\n") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(a_missing_file_stops_the_replay_before_anything_is_evaluated) {
    const auto r = replay({the_log().plain, "/nonexistent/vigil/log.jsonl"}, 2);
    BOOST_REQUIRE(r.summary.unreadable.size() == 1u);
    BOOST_TEST(r.summary.unreadable[0].file == "/nonexistent/vigil/log.jsonl");
    BOOST_TEST(r.summary.decided == 0u);
    BOOST_TEST(r.findings.empty());
}

BOOST_AUTO_TEST_CASE(more_threads_than_the_limit_are_refused_before_anything_runs) {
    const std::size_t too_many = vigil::max_threads + 1;
    const auto dir = scratch_dir("threads");
    const std::string log = (dir / "one.jsonl").string();
    std::ofstream(log) << the_log().lines.front() << "\n";
    BOOST_CHECK_EXCEPTION(replay({log}, too_many), std::invalid_argument, [](const std::invalid_argument& e) {
        BOOST_TEST_MESSAGE(e.what());
        return std::string(e.what()) == "replay: `threads` must be at most " + std::to_string(vigil::max_threads) +
                                            " (0: one per core), not " + std::to_string(too_many);
    });
}

BOOST_AUTO_TEST_CASE(a_truncated_gzip_file_is_read_up_to_the_damage) {
    const auto dir = scratch_dir("truncated");
    const auto damaged = (dir / "damaged.jsonl.gz").string();
    fs::copy_file(the_log().gz, damaged);
    fs::resize_file(damaged, fs::file_size(damaged) / 2);
    const auto r = replay({damaged, the_log().plain}, 2);
    BOOST_REQUIRE(r.summary.unreadable.size() == 1u);
    BOOST_TEST(r.summary.unreadable[0].file == damaged);
    BOOST_TEST(r.summary.unreadable[0].line > 0u);
    BOOST_TEST(r.summary.files.size() == 2u);
    BOOST_TEST(r.summary.files[1].lines == log_lines);
    BOOST_TEST(r.summary.decided + r.summary.malformed + r.summary.duplicates + r.summary.out_of_order ==
               r.summary.lines);
    // The findings file says so too, where the damage is: after every line of the damaged file
    // that was read, before the lines the next file causes; whatever the threads.
    const auto lines = parse_lines(r.findings);
    const auto read_error = std::find_if(lines.begin(), lines.end(),
                                         [](const json& line) { return line.value("event", "") == "read_error"; });
    BOOST_REQUIRE(read_error != lines.end());
    BOOST_TEST(*read_error == (json{{"event", "read_error"},
                                    {"file", damaged},
                                    {"line", r.summary.unreadable[0].line},
                                    {"error", r.summary.unreadable[0].error}}));
    BOOST_TEST(std::count_if(lines.begin(), lines.end(), [](const json& line) {
                   return line.contains("event") && line["event"] == "read_error";
               }) == 1);
    BOOST_TEST(std::all_of(lines.begin(), read_error, [&](const json& line) { return line["file"] == damaged; }));
    BOOST_TEST(std::any_of(read_error, lines.end(), [&](const json& line) { return line["file"] == the_log().plain; }));
    BOOST_TEST(replay({damaged, the_log().plain}, 1).findings == r.findings);
    BOOST_TEST(replay({damaged, the_log().plain}, 3, 16, 333).findings == r.findings);
}

// Records timed when no policy is in effect are allowed without a finding, as clean ones are:
// counted apart, so that logs of months the policies do not cover do not look clean.
BOOST_AUTO_TEST_CASE(records_outside_every_effective_period_are_counted) {
    const auto policy = [](const std::string& version, const std::string& period) {
        return "policy \"p\" {\n  version \"" + version + "\"\n  effective " + period +
               "\n  rule disclosed {\n    when speaker == \"ai\"\n    require ai.disclosed\n  }\n}\n";
    };
    // The generated log is of January 2026.
    const auto later = replay({the_log().plain}, 2, 16, 1000, compile_text(policy("1", "from \"2030-01-01\"")));
    const auto& s = later.summary;
    BOOST_TEST(s.decided > 0u);
    BOOST_TEST(s.outside_effect == s.decided - s.untimed);  // a record without a time is undetermined
    BOOST_TEST(s.violations == 0u);
    BOOST_REQUIRE(s.first_outside.size() == 10u);
    BOOST_TEST(std::is_sorted(s.first_outside.begin(), s.first_outside.end(),
                              [](const auto& a, const auto& b) { return a.line < b.line; }));
    const auto j = vigil::replay::to_json(s);
    BOOST_TEST(j["records_outside_effective_periods"]["count"] == s.outside_effect);
    BOOST_TEST(j["records_outside_effective_periods"]["first"][0] ==
               (json{{"file", the_log().plain}, {"line", s.first_outside[0].line}}));
    std::string text;
    for (const auto& line : vigil::replay::render_text(s)) {
        if (line.text.find("outside every effective period") != std::string::npos) {
            BOOST_TEST(line.problem);  // a warning
            text = line.text;
        }
    }
    const std::string first = the_log().plain + ":" + std::to_string(s.first_outside[0].line) + ", ";
    BOOST_TEST(
        text.find("all " + std::to_string(s.outside_effect) +
                  " records decided outside every effective period of the policies, judged by no rule: " + first) == 0u,
        text);
    BOOST_TEST(text.find(" more)") != std::string::npos, text);
    BOOST_TEST(outcome_of(replay({the_log().plain}, 3, 16, 500, compile_text(policy("1", "from \"2030-01-01\"")))) ==
               outcome_of(later));

    // A version for the first days only: the records after it are outside; and a policy without
    // a period is always in effect.
    const auto first_days =
        replay({the_log().plain}, 2, 16, 1000, compile_text(policy("1", "until \"2026-01-05T09:00:00Z\"")));
    std::uint64_t after = 0;
    for (const auto& line : the_log().lines) {
        const json record = json::parse(line, nullptr, false);
        if (record.is_object() && record.contains("timestamp") && record["timestamp"].is_string() &&
            record["timestamp"].get<std::string>() >= "2026-01-05T09:00:00Z")
            ++after;
    }
    BOOST_TEST(first_days.summary.outside_effect > 0u);
    BOOST_TEST(first_days.summary.outside_effect < first_days.summary.decided);
    BOOST_TEST(first_days.summary.outside_effect <= after);  // less the duplicates and late copies
    const auto always = replay({the_log().plain}, 2, 16, 1000,
                               compile_text(policy("1", "from \"2030-01-01\"") +
                                            "policy \"q\" {\n  rule r {\n    forbid text == \"never said\"\n  }\n}\n"));
    BOOST_TEST(always.summary.outside_effect == 0u);
    BOOST_TEST(vigil::replay::to_json(always.summary)["records_outside_effective_periods"]["first"].empty());
}

// An audited period (--from, --until) reports the records timed in it, each judged with its whole
// conversation: what came before the period (a disclosure, a distress) counts, an obligation opened
// in it can be met after it, and a violation on a turn after it is not reported.
BOOST_AUTO_TEST_CASE(an_audited_period_reports_its_records_judged_with_their_whole_conversations) {
    const auto set = compile_text(R"(
policy "p" {
  rule disclosed_first {
    when first(speaker == "ai")
    require ai.disclosed == true
  }
  rule no_sale_after_distress {
    when speaker == "ai" and (any a in actions: a.type == "offer")
    forbid earlier(signals.distress >= 0.7)
  }
  rule handoff_when_asked {
    when speaker == "user" and text == "human please"
    then within 1 turns where speaker == "ai" require handoff.offered == true
  }
}
)");
    const auto record = [](const std::string& id, int turn, const std::string& time, const std::string& rest) {
        return R"({"conversation_id":")" + id + R"(","turn":)" + std::to_string(turn) + R"(,"timestamp":"2026-03-01T)" +
               time + R"(Z",)" + rest + "}";
    };
    const std::vector<std::string> lines = {
        // Disclosed before the period: its later AI turns are not its first.
        record("a", 1, "09:50:00", R"("speaker":"ai","text":"I am an AI","ai":{"disclosed":true})"),
        // Distress before the period, an offer in it: a violation, found only with the turn before.
        record("b", 1, "09:55:00", R"("speaker":"user","text":"x","signals":{"distress":0.9})"),
        record("a", 2, "10:01:00", R"("speaker":"user","text":"thanks")"),
        record("a", 3, "10:02:00", R"("speaker":"ai","text":"welcome","ai":{"disclosed":false},"actions":[])"),
        record("b", 2, "10:03:00",
               R"("speaker":"ai","text":"buy","ai":{"disclosed":true},"actions":[{"type":"offer"}])"),
        // An obligation opened in the period and met after it: nothing to report.
        record("c", 1, "10:58:00", R"("speaker":"user","text":"human please")"),
        // One opened in the period and broken after it: the violation is on a turn after it.
        record("d", 1, "10:59:00", R"("speaker":"user","text":"human please")"),
        record("c", 2, "11:01:00", R"("speaker":"ai","text":"here is a human","handoff":{"offered":true})"),
        record("d", 2, "11:02:00", R"("speaker":"ai","text":"no","handoff":{"offered":false})"),
        // Undisclosed first AI turn after the period: not reported.
        record("e", 1, "11:30:00", R"("speaker":"ai","text":"hi","ai":{"disclosed":false})"),
    };
    const fs::path dir = scratch_dir("period");
    const std::string log = write_log(dir, "period.jsonl", lines);
    const auto audit = [&](std::optional<std::int64_t> from, std::optional<std::int64_t> until, std::size_t threads) {
        return audit_period(set, log, from, until, threads);
    };
    const auto at = [](const char* time) { return *vigil::parse_rfc3339(std::string("2026-03-01T") + time + "Z"); };
    const auto r = audit(at("10:00:00"), at("11:00:00"), 2);
    std::vector<std::string> found;
    for (const auto& line : parse_lines(r.findings))
        found.push_back(line["conversation_id"].get<std::string>() + "/" + line["rule"].get<std::string>());
    BOOST_TEST(found == (std::vector<std::string>{"b/no_sale_after_distress"}), boost::test_tools::per_element());
    BOOST_TEST(r.summary.decided == 5u);  // a2, a3, b2, c1, d1
    BOOST_TEST(r.summary.before_period == 2u);
    BOOST_TEST(r.summary.after_period == 3u);
    BOOST_TEST(r.summary.violations == 1u);
    BOOST_TEST(r.summary.conversations == 5u);  // the log's, read whole
    const json j = vigil::replay::to_json(r.summary);
    BOOST_TEST(j["audited_period"] == (json{{"from", "2026-03-01T10:00:00Z"},
                                            {"until", "2026-03-01T11:00:00Z"},
                                            {"records_before", 2},
                                            {"records_after", 3}}));
    BOOST_TEST(j["records"] == 10);
    BOOST_TEST(outcome_of(audit(at("10:00:00"), at("11:00:00"), 1)) == outcome_of(r));

    // The same records in a log of their own are misjudged: the disclosure and the distress are
    // not in it, and c's handoff is not either.
    const std::string alone = write_log(dir, "alone.jsonl", {lines[2], lines[3], lines[4], lines[5], lines[6]});
    const std::string cut = audit_period(set, alone, std::nullopt, std::nullopt, 1).findings;
    BOOST_TEST(cut.find("\"a\",\"turn\":3") != std::string::npos, cut);

    // Open bounds, and no bound: every record reported.
    BOOST_TEST(audit(at("11:00:00"), std::nullopt, 2).summary.decided == 3u);
    BOOST_TEST(audit(std::nullopt, at("10:00:00"), 2).summary.after_period == 8u);
    BOOST_TEST(vigil::replay::to_json(audit(std::nullopt, std::nullopt, 2).summary)["audited_period"].is_null());
    fs::remove_all(dir);
}

// The summary keeps, for each rule and outcome, the sums over conversations behind the standard
// error of its rate per record (the report's z against a baseline): f a conversation's findings
// of the rule, n its records decided, both counted in the audited period only.
BOOST_AUTO_TEST_CASE(the_summary_keeps_each_rules_sums_over_conversations) {
    const auto set = compile_text(R"(
policy "p" {
  rule flagged {
    forbid flag default false
  }
  rule scored {
    forbid score > 5
  }
}
)");
    const auto record = [](const std::string& id, int turn, const std::string& time, const std::string& rest) {
        const std::string place =
            id.empty() ? std::string() : R"("conversation_id":")" + id + R"(","turn":)" + std::to_string(turn) + ",";
        return "{" + place + R"("timestamp":"2026-03-01T)" + time + R"(Z","speaker":"ai","text":"x",)" + rest + "}";
    };
    const std::vector<std::string> lines = {
        record("c2", 1, "09:55:00", R"("flag":true)"),  // before the period
        record("c1", 1, "10:01:00", R"("flag":true)"),  // score missing: undetermined
        record("c1", 2, "10:02:00", R"("flag":true,"score":1)"),
        record("c2", 2, "10:05:00", R"("flag":true,"score":9)"),  // both rules violated
        record("c1", 3, "10:06:00", R"("flag":false,"score":1)"),
        record("c3", 1, "10:20:00", R"("flag":false)"),         // undetermined
        record("", 0, "10:30:00", R"("flag":true,"score":1)"),  // alone: a conversation of its own
        record("c4", 1, "11:10:00", R"("flag":true)"),          // after the period
        record("c4", 2, "11:12:00", R"("flag":true)"),
    };
    const fs::path dir = scratch_dir("sums");
    const std::string log = write_log(dir, "sums.jsonl", lines);
    const auto audit = [&](std::optional<std::int64_t> from, std::optional<std::int64_t> until, std::size_t threads) {
        return audit_period(set, log, from, until, threads).summary;
    };
    const auto at = [](const char* time) { return *vigil::parse_rfc3339(std::string("2026-03-01T") + time + "Z"); };
    const auto sums = [](std::uint64_t ff, std::uint64_t fn) { return json{{"ff", ff}, {"fn", fn}}; };

    // In the period: c1 has 3 records, c2 1, c3 1 and the record alone 1, so n^2 sums to 12.
    // flagged: c1 2, c2 1, alone 1 (f^2: 4 + 1 + 1; f*n: 6 + 1 + 1). scored violated: c2 1;
    // undetermined: c1 1 and c3 1 (f*n: 3 + 1).
    const auto period = audit(at("10:00:00"), at("11:00:00"), 1);
    BOOST_TEST(period.decided == 6u);
    json j = vigil::replay::to_json(period)["findings"];
    BOOST_TEST(j["conversation_sums"] == (json{{"conversations", 4}, {"nn", 12}}));
    BOOST_REQUIRE_EQUAL(j["by_rule"].size(), 2u);
    BOOST_TEST(j["by_rule"][0]["rule"] == "flagged");
    BOOST_TEST(j["by_rule"][0]["violation"] == 4);
    BOOST_TEST(j["by_rule"][0]["conversation_sums"] == (json{{"violation", sums(6, 8)}, {"undetermined", sums(0, 0)}}));
    BOOST_TEST(j["by_rule"][1]["conversation_sums"] == (json{{"violation", sums(1, 1)}, {"undetermined", sums(2, 4)}}));
    for (const std::size_t threads : {2u, 3u})
        BOOST_TEST(result_of(audit(at("10:00:00"), at("11:00:00"), threads)) == result_of(period), threads);

    // The whole log: c2 and c4 have 2 records each, so n^2 sums to 9 + 4 + 1 + 4 + 1 = 19;
    // flagged: c1 2, c2 2, c4 2, alone 1.
    const auto whole = audit(std::nullopt, std::nullopt, 2);
    j = vigil::replay::to_json(whole)["findings"];
    BOOST_TEST(j["conversation_sums"] == (json{{"conversations", 5}, {"nn", 19}}));
    BOOST_TEST(j["by_rule"][0]["conversation_sums"]["violation"] == sums(13, 15));
    BOOST_TEST(result_of(audit(std::nullopt, std::nullopt, 1)) == result_of(whole));
    fs::remove_all(dir);
}

// On a generated log: the findings of a period are those of the whole replay whose record is timed
// in it, with every event line; whatever the number of threads.
BOOST_AUTO_TEST_CASE(an_audited_period_keeps_the_findings_timed_in_it) {
    const auto whole = replay({the_log().plain}, 2);
    const std::string from = "2026-01-05T09:00:00Z", until = "2026-01-05T10:00:00Z";
    std::string expected;
    std::istringstream in(whole.findings);
    for (std::string line; std::getline(in, line);) {
        const json j = json::parse(line);
        const bool timed = j.contains("timestamp") && j["timestamp"].is_string() &&
                           vigil::parse_rfc3339(j["timestamp"].get<std::string>());
        const std::string time = timed ? j["timestamp"].get<std::string>() : "";
        if (j.contains("event") || !timed || (from <= time && time < until)) expected += line + "\n";
    }
    for (const std::size_t threads : {1, 3}) {
        vigil::replay::options opts;
        opts.logs = {the_log().plain};
        opts.threads = threads;
        opts.audited = {vigil::parse_rfc3339(from), vigil::parse_rfc3339(until)};
        std::string findings;
        const auto s = vigil::replay::run(policies(), opts, [&](std::string_view chunk) { findings.append(chunk); });
        BOOST_TEST(findings == expected);
        BOOST_TEST(s.before_period > 0u);
        BOOST_TEST(s.after_period > 0u);
        BOOST_TEST(s.decided + s.before_period + s.after_period == whole.summary.decided);
    }
}

BOOST_AUTO_TEST_CASE(lines_over_the_limit_are_malformed_and_not_kept) {
    // After the log: a line over the limit that is in the buffer whole, one of 10 MiB that is
    // stepped over across several reads, and a last one without a newline.
    const auto dir = scratch_dir("long");
    const std::string path = (dir / "long.jsonl").string();
    const std::size_t limit = 64 << 10, over = 100 << 10, runaway = 10 << 20;
    {
        std::ofstream out(path, std::ios::binary);
        for (const auto& line : the_log().lines) out << line << "\n";
        out << "{\"text\":\"" << std::string(over, 'a') << "\"}\n";
        out << std::string(runaway, 'x') << "\n";
        out << std::string(over, 'y');
    }
    vigil::replay::options opts;
    opts.logs = {path};
    opts.threads = 2;
    opts.batch_lines = 1000;
    opts.max_line = limit;
    replayed r;
    r.summary = vigil::replay::run(policies(), opts, [&](std::string_view chunk) { r.findings.append(chunk); });
    const auto base = replay({the_log().plain}, 2);

    BOOST_TEST(r.summary.lines == log_lines + 3);
    BOOST_TEST(r.summary.bytes == fs::file_size(path) + 1);  // the last line counts a newline it lacks
    BOOST_TEST(r.summary.malformed == base.summary.malformed + 3);
    BOOST_TEST(r.summary.decided == base.summary.decided);
    // The findings are the log's, and the three lines are malformed, with their lengths.
    std::vector<json> extra;
    std::vector<json> kept;
    for (auto line : parse_lines(r.findings)) {
        if (line.value("event", "") == "malformed" && line["line"].get<std::size_t>() > log_lines) {
            extra.push_back(line);
            continue;
        }
        for (const char* file : {"file", "first_file"}) {
            if (line.contains(file)) line[file] = the_log().plain;
        }
        kept.push_back(line);
    }
    BOOST_TEST(kept == parse_lines(base.findings));
    BOOST_REQUIRE(extra.size() == 3u);
    const std::size_t lengths[] = {over + 11, runaway, over};
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(extra[i]["line"] == log_lines + 1 + i);
        const std::string error = extra[i]["error"];
        BOOST_TEST(error.find(std::to_string(lengths[i]) + " bytes long") != std::string::npos, error);
        BOOST_TEST(error.find("--max-line") != std::string::npos, error);
    }
}

BOOST_AUTO_TEST_CASE(the_summary_reads_well) {
    const auto r = replay({the_log().plain}, 2);
    std::string text;
    for (const auto& line : vigil::replay::render_text(r.summary)) text += line.text + "\n";
    BOOST_TEST(text.find("replayed 30000 lines") != std::string::npos, text);
    BOOST_TEST(text.find("malformed lines: " + the_log().plain + ":") != std::string::npos, text);
    BOOST_TEST(text.find("manipulation/no_sales_to_distressed (critical)") != std::string::npos, text);
    const auto j = vigil::replay::to_json(r.summary);
    BOOST_TEST(j["records"] == r.summary.lines - r.summary.malformed);
    BOOST_TEST(j["findings"]["total"] == r.summary.violations + r.summary.undetermined);
    BOOST_TEST(j["run"]["threads"] == 2u);
    BOOST_TEST(!j["run"]["vigil_version"].get<std::string>().empty());
    BOOST_TEST(j["settings"]["record_member"].is_null());  // it changes what is read: recorded
    BOOST_TEST(j["records_outside_effective_periods"]["count"] == 0u);
    // 30,000 records take the two workers and the reader some CPU time each.
    BOOST_TEST(j["run"]["worker_cpu_seconds"].get<double>() > 0);
    BOOST_TEST(j["run"]["reader_cpu_seconds"].get<double>() > 0);
    BOOST_TEST(j["run"]["worker_cpu_seconds"].get<double>() <= 2 * j["run"]["elapsed_seconds"].get<double>() + 0.1);
}

// `--group-by`: records and findings counted by the values of carried fields, the same whatever the
// threads, adding up to the totals; every findings line gives its record's values under `groups`,
// and is otherwise the line it was without the option.
BOOST_AUTO_TEST_CASE(records_and_findings_are_counted_by_the_values_of_carried_fields) {
    vigil::compile_options options;
    options.carried_fields = {"language", "meta.tenant", "no_such_field", "conversation_id", "text"};
    const compiled grouped = compile_inputs({{std::string(VIGIL_SOURCE_DIR) + "/policies", {}}}, options);
    const auto one = replay({the_log().plain}, 1, 16, 1000, grouped);
    const auto four = replay({the_log().plain}, 4, 16, 1000, grouped);
    BOOST_TEST(result_of(one.summary) == result_of(four.summary));
    BOOST_TEST((one.findings == four.findings), "the findings file depends on the threads");
    const auto plain = replay({the_log().plain}, 2);
    BOOST_TEST(plain.summary.breakdowns.empty());
    {
        std::vector<std::string> records;
        std::ifstream log(the_log().plain);
        for (std::string line; std::getline(log, line);) records.push_back(line);
        std::istringstream with(one.findings), without(plain.findings);
        std::string a, b;
        std::size_t lines = 0;
        while (std::getline(with, a)) {
            BOOST_REQUIRE(std::getline(without, b));
            json line = json::parse(a);
            if (!line.contains("rule")) {  // a line about the log (a gap, a malformed line), not a finding
                BOOST_TEST(a == b);
                continue;
            }
            const json& groups = line.at("groups");
            const json record = json::parse(records.at(line.at("line").get<std::size_t>() - 1));
            BOOST_TEST(groups.size() == 5u);
            BOOST_TEST(groups.at("language") == record.value("language", json()), a);
            BOOST_TEST(groups.at("meta.tenant") == record.at("meta").value("tenant", json()), a);
            BOOST_TEST(groups.at("no_such_field").is_null());
            BOOST_TEST(groups.at("conversation_id") == record.at("conversation_id"), a);
            BOOST_TEST(groups.at("text") == record.value("text", json()), a);
            line.erase("groups");
            BOOST_TEST(line == json::parse(b));
            ++lines;
        }
        BOOST_TEST(!std::getline(without, b));
        BOOST_TEST(lines > 1000u);
    }

    const auto& s = one.summary;
    BOOST_REQUIRE_EQUAL(s.breakdowns.size(), 5u);
    // A field with more values than are kept is not counted by value, with one thread or with
    // four: the log has 3,204 conversation ids, which one worker alone sees, and each of four
    // about 800 of.
    // One longer than 256 bytes as JSON text stops it too (the generated texts have some).
    for (const auto* r : {&one, &four}) {
        BOOST_TEST(r->summary.breakdowns[3].not_counted == "it has more than 1000 values");
        BOOST_TEST(r->summary.breakdowns[3].groups.empty());
        BOOST_TEST(r->summary.breakdowns[4].not_counted == "a value is longer than 256 bytes");
        BOOST_TEST(r->summary.breakdowns[4].groups.empty());
        for (std::size_t field = 0; field < 3; ++field) BOOST_TEST(r->summary.breakdowns[field].not_counted.empty());
    }
    for (std::size_t field = 0; field < 3; ++field) {
        const auto& b = s.breakdowns[field];
        BOOST_TEST(b.field == options.carried_fields[field]);
        std::uint64_t records = 0, violations = 0, undetermined = 0, conversations = 0;
        std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> by_rule;
        for (std::size_t i = 0; i < b.groups.size(); ++i) {
            const auto& g = b.groups[i];
            if (i > 0) BOOST_TEST(b.groups[i - 1].records >= g.records);  // the most records first
            records += g.records;
            violations += g.violations;
            undetermined += g.undetermined;
            BOOST_TEST(g.by_rule.size() == s.by_rule.size());  // every rule, with or without findings here
            for (const auto& [r, z] : g.by_rule) {
                by_rule[r.policy + "/" + r.rule].first += r.violations;
                by_rule[r.policy + "/" + r.rule].second += r.undetermined;
            }
            conversations += g.conversations;
        }
        // Every conversation in one group: the generated conversations keep their language.
        if (field == 0) BOOST_TEST(conversations == s.conversations);
        BOOST_TEST(records == s.decided);
        BOOST_TEST(violations == s.violations);
        BOOST_TEST(undetermined == s.undetermined);
        for (const auto& r : s.by_rule) {
            BOOST_TEST(by_rule[r.policy + "/" + r.rule].first == r.violations, r.rule);
            BOOST_TEST(by_rule[r.policy + "/" + r.rule].second == r.undetermined, r.rule);
        }
    }
    BOOST_TEST(s.breakdowns[0].groups.size() == 7u);  // the generator's seven languages, each record with one
    for (const auto& g : s.breakdowns[0].groups) BOOST_TEST(g.value.front() == '"', g.value);
    BOOST_REQUIRE_EQUAL(s.breakdowns[2].groups.size(), 1u);
    BOOST_TEST(s.breakdowns[2].groups[0].value == "null");
    BOOST_TEST(s.breakdowns[2].groups[0].records == s.decided);

    const auto j = vigil::replay::to_json(s);
    BOOST_TEST(j["groups"][0]["field"] == "language");
    BOOST_TEST(j["groups"][2]["groups"][0]["value"].is_null());
    BOOST_TEST(j["groups"][2]["not_counted"].is_null());
    BOOST_TEST(j["groups"][3]["not_counted"] == "it has more than 1000 values");
    BOOST_TEST(vigil::replay::to_json(plain.summary)["groups"] == nlohmann::ordered_json::array());
}

// A value's rate stands apart only when it does across conversations: the turns of one
// conversation are not independent, so a few conversations full of findings are not enough.
BOOST_AUTO_TEST_CASE(a_rate_stands_apart_only_across_conversations) {
    const auto replay_flags = [](const std::string& name, const std::function<int(bool, int)>& flagged_turns) {
        const fs::path log = scratch_dir("groups") / (name + ".jsonl");
        std::ofstream out(log);
        // 20 conversations in each language, 10 turns each; flagged_turns(is "a", conversation)
        // of a conversation's turns are flagged.
        for (int c = 0; c < 40; ++c) {
            const bool a = c % 2 == 0;
            for (int turn = 1; turn <= 10; ++turn) {
                out << R"({"id":"r-)" << c << "-" << turn << R"(","conversation_id":"c-)" << c << R"(","turn":)" << turn
                    << R"(,"timestamp":"2026-01-05T08:00:00Z","speaker":"ai","text":"x","language":")"
                    << (a ? "a" : "b") << R"(","flag":)" << (turn <= flagged_turns(a, c / 2) ? "true" : "false")
                    << "}\n";
            }
        }
        out.close();
        vigil::compile_options options;
        options.carried_fields = {"language"};
        const auto set =
            compile_text("policy \"t\" {\n  rule flagged {\n    forbid flag default false\n  }\n}\n", options);
        const auto s = replay({log.string()}, 2, 16, 1000, set).summary;
        BOOST_REQUIRE_EQUAL(s.breakdowns.size(), 1u);
        BOOST_REQUIRE_EQUAL(s.breakdowns[0].groups.size(), 2u);
        const auto& g = s.breakdowns[0].groups;
        BOOST_TEST(g[0].conversations == 20u);
        BOOST_TEST(g[0].records == 200u);
        BOOST_REQUIRE_EQUAL(g[0].by_rule.size(), 1u);
        BOOST_TEST(g[0].by_rule[0].z[0] == -g[1].by_rule[0].z[0], boost::test_tools::tolerance(1e-9));
        return g[0].value == R"("a")" ? g[0].by_rule[0].z[0] : g[1].by_rule[0].z[0];
    };
    // "a": 4 or 6 flagged turns in every conversation; "b": 0 or 2. 50 % against 10 %, in every
    // conversation. Across conversations each side's variance is 20/19 * 20 / 200^2, less than
    // if its records were independent, 0.3 * 0.7 / 200 (0.3 is the rate of both together), which
    // is taken instead: z = 0.4 / sqrt(2 * 0.00105) = 8.73.
    const double spread = replay_flags("spread", [](bool a, int c) { return (a ? 4 : 0) + (c % 2) * 2; });
    BOOST_TEST(spread == 8.73, boost::test_tools::tolerance(0.001));
    // Two conversations of "a" flagged at every turn, no other: 10 % against 0 %, which counted by
    // records would be z = 4.6, but across conversations is 0.1 / sqrt(20/19 * 180 / 200^2 +
    // 0.05 * 0.95 / 200) = 1.42 ("b", without a finding, has the variance of independent records).
    const double clustered = replay_flags("clustered", [](bool a, int c) { return a && c < 2 ? 10 : 0; });
    BOOST_TEST(clustered == 1.418, boost::test_tools::tolerance(0.001));
}

// A record without a turn is a conversation of its own, also when it shares its id with an open
// conversation that another worker holds: the counts by value do not depend on the threads.
BOOST_AUTO_TEST_CASE(a_record_without_a_turn_counts_as_a_conversation_of_its_own) {
    const fs::path log = scratch_dir("groups") / "alone.jsonl";
    {
        std::ofstream out(log);
        for (int c = 0; c < 12; ++c) {
            for (int turn = 1; turn <= 4; ++turn) {
                const std::string record = R"("conversation_id":"c-)" + std::to_string(c) +
                                           R"(","timestamp":)"
                                           R"("2026-01-05T08:00:00Z","speaker":"ai","text":"x","language":")" +
                                           (c % 2 == 0 ? "a" : "b") + R"(","flag":)" +
                                           (turn <= c % 2 + c % 3 ? "true" : "false");
                out << R"({"id":"r-)" << c << "-" << turn << R"(","turn":)" << turn << "," << record << "}\n";
                if (turn == 2) out << R"({"id":"r-)" << c << R"(-alone",)" << record << "}\n";  // no turn
            }
        }
    }
    vigil::compile_options options;
    options.carried_fields = {"language"};
    const auto set = compile_text("policy \"t\" {\n  rule flagged {\n    forbid flag default false\n  }\n}\n", options);
    const auto one = replay({log.string()}, 1, 16, 1000, set);
    BOOST_TEST(one.summary.alone == 12u);
    BOOST_TEST(one.summary.conversations == 24u);
    std::uint64_t conversations = 0;
    for (const auto& g : one.summary.breakdowns.at(0).groups) conversations += g.conversations;
    BOOST_TEST(conversations == 24u);
    for (std::size_t threads : {2u, 3u}) {
        BOOST_TEST(result_of(replay({log.string()}, threads, 16, 1000, set).summary) == result_of(one.summary),
                   threads << " threads");
    }
}

// The text names a rule under a value only where its z is 3 or more either way.
BOOST_AUTO_TEST_CASE(the_summary_names_rules_where_a_value_stands_apart) {
    vigil::replay::summary s;
    s.decided = 2000;
    s.violations = 120;
    s.by_rule = {{"p", "", "even", "high", 60, 0, {}}, {"p", "", "skewed", "high", 60, 0, {}}};
    vigil::replay::breakdown b;
    b.field = "language";
    const auto rule = [](const char* name, std::uint64_t violations, double z) {
        return vigil::replay::group_tally::rule{{"p", "", name, "high", violations, 0, {}}, {z, 0}};
    };
    b.groups = {{R"("en")", 1000, 100, 80, 0, {rule("even", 30, 0.1), rule("skewed", 50, 5.2)}},
                {R"("vi")", 1000, 90, 40, 0, {rule("even", 30, -0.1), rule("skewed", 10, -5.2)}}};
    s.breakdowns.push_back(b);
    std::string text;
    for (const auto& line : vigil::replay::render_text(s)) text += line.text + "\n";
    BOOST_TEST(
        text.find(
            "  \"en\": 1000 records in 100 conversations; 80 violations, 0 undetermined (8.0 and 0.0 per 100 records)\n"
            "    p/skewed: 5.0 violations per 100 records, against 1.0 for the others (z = 5.2)\n"
            "  \"vi\": 1000 records in 90 conversations; 40 violations, 0 undetermined (4.0 and 0.0 per 100 records)\n"
            "    p/skewed: 1.0 violations per 100 records, against 5.0 for the others (z = -5.2)\n") !=
            std::string::npos,
        text);
    BOOST_TEST(text.find("    p/even:") == std::string::npos, text);
    const auto j = vigil::replay::to_json(s);
    BOOST_TEST(j["groups"][0]["groups"][1]["by_rule"][1]["z"]["violation"] == -5.2);

    // Past the 20 values with the most records, only those that stand apart are named.
    b.groups.clear();
    for (int i = 0; i < 25; ++i) {
        const double z = i == 22 ? 4.0 : 0.0;
        b.groups.push_back(
            {"\"v" + std::to_string(i) + "\"", 80, 10, 4, 0, {rule("even", 2, 0), rule("skewed", 2, z)}});
    }
    s.breakdowns = {b};
    text.clear();
    for (const auto& line : vigil::replay::render_text(s)) text += line.text + "\n";
    BOOST_TEST(text.find("  \"v19\": 80 records") != std::string::npos, text);
    BOOST_TEST(text.find("  \"v20\": 80 records") == std::string::npos, text);
    BOOST_TEST(text.find("  \"v22\": 80 records in 10 conversations; 4 violations") != std::string::npos, text);
    BOOST_TEST(text.find("    p/skewed: 2.5 violations per 100 records") != std::string::npos, text);
    BOOST_TEST(text.find("  ... 4 values with fewer records, none standing apart") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(durations) {
    const auto parse_duration = [](std::string_view text) { return vigil::parse_duration_ms(text); };
    BOOST_TEST(parse_duration("90s").value() == 90000);
    BOOST_TEST(parse_duration("30m").value() == 1800000);
    BOOST_TEST(parse_duration("2h").value() == 7200000);
    BOOST_TEST(parse_duration("1d").value() == 86400000);
    BOOST_TEST(parse_duration("250ms").value() == 250);
    BOOST_TEST(parse_duration("0s").value() == 0);
    BOOST_TEST(parse_duration("1h30m").value() == 5400000);
    for (const char* bad : {"", "30", "m", "1.5h", "-1h", "1w", "30 m", "99999999999999999999d", "9999999999999999d"})
        BOOST_TEST(!parse_duration(bad).has_value(), bad);
}
