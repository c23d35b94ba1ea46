// The generator's contract: exact counts, determinism, well-formed records, the fault rates
// that were asked for, and files (plain and gzip) that hold exactly what generate produces.
#define BOOST_TEST_MODULE datagen
#include <boost/test/unit_test.hpp>

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "vigil/datagen.hpp"

namespace dg = vigil::datagen;
using nlohmann::json;

namespace {

std::vector<std::string> lines_of(const dg::options& opts) {
    std::vector<std::string> lines;
    dg::generate(opts, [&](std::string_view line) { lines.emplace_back(line); });
    return lines;
}

std::filesystem::path temp_path(const std::string& name) {
    return std::filesystem::temp_directory_path() / ("vigil-datagen-" + std::to_string(::getpid()) + "-" + name);
}

std::vector<std::string> read_gz(const std::filesystem::path& path) {
    gzFile file = gzopen(path.c_str(), "rb");
    BOOST_TEST_REQUIRE(file != nullptr);
    std::vector<std::string> lines;
    std::string line;
    char buffer[4096];
    while (gzgets(file, buffer, sizeof buffer) != nullptr) {
        line += buffer;
        if (!line.empty() && line.back() == '\n') {
            line.pop_back();
            lines.push_back(line);
            line.clear();
        }
    }
    BOOST_TEST(line.empty());  // the last line ends with a newline too
    gzclose(file);
    return lines;
}

std::vector<std::string> read_plain(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

BOOST_AUTO_TEST_CASE(same_options_give_the_same_bytes) {
    dg::options opts;
    opts.records = 3000;
    opts.out_of_order = 0.05;
    opts.duplicates = 0.05;
    opts.gaps = 0.05;
    opts.malformed = 0.05;
    const auto first = lines_of(opts);
    BOOST_TEST(first == lines_of(opts));

    dg::options other = opts;
    other.seed = 2;
    const auto different = lines_of(other);
    BOOST_TEST(first != different);
    std::size_t same = 0;
    for (std::size_t i = 0; i < first.size(); ++i) same += first[i] == different[i] ? 1 : 0;
    BOOST_TEST(same == 0U);
}

BOOST_AUTO_TEST_CASE(faults_do_not_change_the_conversations) {
    // Faults come from their own random stream: without gaps and malformed lines, a log with
    // duplicates holds exactly the clean log's lines, in the same order, plus the copies.
    dg::options clean;
    clean.records = 2000;
    dg::options noisy = clean;
    noisy.duplicates = 0.1;
    const auto a = lines_of(clean);
    const auto b = lines_of(noisy);
    std::set<std::string> seen;
    std::vector<std::string> firsts;
    for (const auto& line : b)
        if (seen.insert(line).second) firsts.push_back(line);
    BOOST_TEST_REQUIRE(firsts.size() <= a.size());
    BOOST_TEST(std::equal(firsts.begin(), firsts.end(), a.begin()));
}

BOOST_AUTO_TEST_CASE(the_line_count_is_exact) {
    for (std::size_t records : {0UL, 1UL, 2UL, 7UL, 999UL, 2500UL}) {
        dg::options opts;
        opts.records = records;
        BOOST_TEST(lines_of(opts).size() == records);
        opts.out_of_order = 0.3;
        opts.duplicates = 0.3;
        opts.gaps = 0.3;
        opts.malformed = 0.3;
        BOOST_TEST(lines_of(opts).size() == records);
    }
    dg::options one;
    one.records = 500;
    one.concurrent = 1;
    BOOST_TEST(lines_of(one).size() == 500U);
}

BOOST_AUTO_TEST_CASE(every_line_is_a_record_with_the_required_fields) {
    dg::options opts;
    opts.records = 5000;
    const std::regex id("r-[0-9]{9}");
    const std::regex conversation_id("c-[0-9]{7}");
    const std::regex timestamp("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z");
    const std::set<std::string> speakers{"user", "ai", "human_agent", "system"};
    const std::set<std::string> channels{"chat", "voice", "email", "sms", "internal"};
    const std::set<std::string> languages{"en", "nl", "nb", "he", "vi", "de", "es"};
    const std::set<std::string> domains{"retail", "financial_services", "healthcare", "telecom", "workplace"};
    std::set<std::string> ids;
    std::string previous_time;
    for (const std::string& line : lines_of(opts)) {
        const json r = json::parse(line);  // throws, and fails the test, on a broken line
        BOOST_TEST_REQUIRE(r.is_object());
        BOOST_TEST_REQUIRE(r["id"].is_string());
        BOOST_TEST(std::regex_match(r["id"].get<std::string>(), id));
        BOOST_TEST(ids.insert(r["id"].get<std::string>()).second);
        BOOST_TEST_REQUIRE(r["conversation_id"].is_string());
        BOOST_TEST(std::regex_match(r["conversation_id"].get<std::string>(), conversation_id));
        BOOST_TEST_REQUIRE(r["turn"].is_number_integer());
        BOOST_TEST(r["turn"].get<long>() >= 1);
        BOOST_TEST_REQUIRE(r["timestamp"].is_string());
        const auto time = r["timestamp"].get<std::string>();
        BOOST_TEST(std::regex_match(time, timestamp));
        BOOST_TEST(time >= previous_time);  // log order is timestamp order
        previous_time = time;
        BOOST_TEST_REQUIRE(r["speaker"].is_string());
        BOOST_TEST(speakers.count(r["speaker"].get<std::string>()) == 1U);
        BOOST_TEST_REQUIRE(r["text"].is_string());
        BOOST_TEST(!r["text"].get<std::string>().empty());
        BOOST_TEST(channels.count(r.value("channel", "")) == 1U);
        BOOST_TEST(languages.count(r.value("language", "")) == 1U);
        BOOST_TEST(domains.count(r.value("domain", "")) == 1U);
        // Optional fields, when present, have their types.
        if (r.contains("signals")) {
            const json& s = r["signals"];
            BOOST_TEST(s.is_object());
            if (s.contains("sentiment"))
                BOOST_TEST((s["sentiment"].is_number() && s["sentiment"] >= -1 && s["sentiment"] <= 1));
            if (s.contains("distress"))
                BOOST_TEST((s["distress"].is_number() && s["distress"] >= 0 && s["distress"] <= 1));
            BOOST_TEST(s.value("emotions", json::array()).is_array());
            BOOST_TEST(s.value("topics", json::array()).is_array());
        }
        if (r.contains("ai")) {
            BOOST_TEST(r["speaker"] == "ai");
            BOOST_TEST(r["ai"]["model"].is_string());
            if (r["ai"].contains("disclosed")) BOOST_TEST(r["ai"]["disclosed"].is_boolean());
        }
        if (r.contains("actions")) {
            BOOST_TEST(r["actions"].is_array());
            for (const json& a : r["actions"]) BOOST_TEST(a["type"].is_string());
        }
        if (r.contains("workload")) {
            BOOST_TEST(r["workload"]["hours_last_week"].is_number());
            BOOST_TEST(r["workload"]["overtime_streak_weeks"].is_number_integer());
        }
        if (r.contains("meta")) BOOST_TEST(r["meta"].is_object());
    }
    BOOST_TEST(ids.size() == 5000U);
}

BOOST_AUTO_TEST_CASE(turns_run_from_one_without_faults) {
    dg::options opts;
    opts.records = 5000;
    std::map<std::string, std::vector<json>> conversations;
    for (const std::string& line : lines_of(opts)) {
        json r = json::parse(line);
        conversations[r["conversation_id"].get<std::string>()].push_back(std::move(r));
    }
    BOOST_TEST(conversations.size() > 300U);
    for (const auto& [id, records] : conversations) {
        for (std::size_t i = 0; i < records.size(); ++i) {
            BOOST_TEST(records[i]["turn"].get<std::size_t>() == i + 1, id << " turn " << i + 1);
            if (i > 0) BOOST_TEST(records[i]["timestamp"] >= records[i - 1]["timestamp"]);
        }
        BOOST_TEST(records.size() <= 14U);
    }
}

BOOST_AUTO_TEST_CASE(the_log_starts_at_start_and_conversations_interleave) {
    dg::options opts;
    opts.records = 400;
    opts.start = "2027-03-01T23:59:50Z";
    const auto lines = lines_of(opts);
    BOOST_TEST(json::parse(lines.front())["timestamp"] == "2027-03-01T23:59:50Z");
    BOOST_TEST(json::parse(lines.back())["timestamp"].get<std::string>() > "2027-03-02T00:00:00Z");
    std::size_t switches = 0;
    for (std::size_t i = 1; i < lines.size(); ++i)
        switches += json::parse(lines[i])["conversation_id"] != json::parse(lines[i - 1])["conversation_id"] ? 1 : 0;
    BOOST_TEST(switches > 300U);

    // With one conversation open at a time, each conversation's records are contiguous.
    opts.concurrent = 1;
    std::set<std::string> finished;
    std::string current;
    for (const std::string& line : lines_of(opts)) {
        const auto id = json::parse(line)["conversation_id"].get<std::string>();
        if (id == current) continue;
        BOOST_TEST(finished.count(id) == 0U);
        finished.insert(current);
        current = id;
    }
}

BOOST_AUTO_TEST_CASE(fault_rates_match_the_options) {
    constexpr std::size_t records = 40000;
    constexpr double rate = 0.05;
    const auto within = [](double measured) { return measured > rate * 0.7 && measured < rate * 1.3; };

    {  // malformed: lines no JSON parser accepts
        dg::options opts;
        opts.records = records;
        opts.malformed = rate;
        std::size_t broken = 0;
        for (const std::string& line : lines_of(opts)) broken += json::accept(line) ? 0 : 1;
        BOOST_TEST(within(double(broken) / records), "malformed " << broken);
    }
    {  // duplicates: a line equal to one 1-4 lines before
        dg::options opts;
        opts.records = records;
        opts.duplicates = rate;
        const auto lines = lines_of(opts);
        std::map<std::string, std::size_t> first_seen;
        std::size_t copies = 0;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            auto [it, fresh] = first_seen.emplace(lines[i], i);
            if (fresh) continue;
            ++copies;
            BOOST_TEST(i - it->second <= 4U);
        }
        BOOST_TEST(within(double(copies) / records), "duplicates " << copies);
    }
    {  // gaps: turn numbers missing below the highest turn of a conversation
        dg::options opts;
        opts.records = records;
        opts.gaps = rate;
        std::map<std::string, std::pair<long, long>> seen;  // highest turn, records
        for (const std::string& line : lines_of(opts)) {
            const json r = json::parse(line);
            auto& [highest, count] = seen[r["conversation_id"].get<std::string>()];
            BOOST_TEST(r["turn"].get<long>() > highest);  // still in order
            highest = r["turn"].get<long>();
            ++count;
        }
        long missing = 0;
        for (const auto& [id, s] : seen) missing += s.first - s.second;
        BOOST_TEST(within(double(missing) / records), "gaps " << missing);
    }
    {  // out of order: a turn logged after the next turn of its conversation, 1-3 lines later
        dg::options opts;
        opts.records = records;
        opts.out_of_order = rate;
        std::map<std::string, std::map<long, std::size_t>> line_of_turn;
        std::size_t late = 0;
        const auto lines = lines_of(opts);
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const json r = json::parse(lines[i]);
            auto& turns = line_of_turn[r["conversation_id"].get<std::string>()];
            const long turn = r["turn"].get<long>();
            if (!turns.empty() && turn < turns.rbegin()->first) {
                ++late;
                const auto overtaker = turns.find(turn + 1);
                BOOST_TEST_REQUIRE((overtaker != turns.end()));
                BOOST_TEST((i - overtaker->second >= 1 && i - overtaker->second <= 3));
            }
            turns[turn] = i;
        }
        BOOST_TEST(within(double(late) / records), "out of order " << late);
    }
}

BOOST_AUTO_TEST_CASE(records_average_about_900_bytes) {
    dg::options opts;
    opts.records = 5000;
    std::size_t bytes = 0;
    for (const std::string& line : lines_of(opts)) bytes += line.size();
    const double average = double(bytes) / 5000;
    BOOST_TEST_MESSAGE("average record size: " << average << " bytes");
    BOOST_TEST((average >= 700 && average <= 1100));
}

BOOST_AUTO_TEST_CASE(files_hold_what_generate_produces) {
    dg::options opts;
    opts.records = 3000;
    opts.malformed = 0.02;
    const auto expected = lines_of(opts);

    const auto gz = temp_path("log.jsonl.gz");
    dg::write_file(opts, gz.string());
    BOOST_TEST(read_gz(gz) == expected);
    {  // it really is compressed
        std::ifstream in(gz, std::ios::binary);
        unsigned char magic[2] = {};
        in.read(reinterpret_cast<char*>(magic), 2);
        BOOST_TEST((magic[0] == 0x1f && magic[1] == 0x8b));
    }
    std::filesystem::remove(gz);

    const auto plain = temp_path("log.jsonl");
    dg::write_file(opts, plain.string());
    BOOST_TEST(read_plain(plain) == expected);
    std::filesystem::remove(plain);
}

// RFC 3339 writes years with four digits: a start so late that the log could run into the year
// 10000 is refused with the latest start that leaves room, which is accepted.
BOOST_AUTO_TEST_CASE(a_start_that_leaves_no_room_before_the_year_10000_is_refused) {
    dg::options opts;
    opts.records = 400;
    opts.concurrent = 200;
    opts.start = "9999-12-31T23:59:59Z";
    std::string latest;
    BOOST_CHECK_EXCEPTION(lines_of(opts), std::invalid_argument, [&](const std::invalid_argument& e) {
        BOOST_TEST_MESSAGE(e.what());
        const std::string what = e.what();
        std::smatch found;
        if (!std::regex_search(what, found, std::regex("`start` must be (9999-12-31T[0-9:]+Z) or earlier")))
            return false;
        latest = found[1];
        return true;
    });
    BOOST_REQUIRE(!latest.empty());
    opts.start = latest;
    const std::regex four_digit_year(R"re("(timestamp|received_at)":"9999-12-31T)re");
    for (const std::string& line : lines_of(opts)) {
        BOOST_TEST(std::regex_search(line, four_digit_year), line);
        BOOST_TEST(line.find("\"10000-") == std::string::npos, line);
    }
}

BOOST_AUTO_TEST_CASE(bad_options_and_paths_are_refused) {
    const auto refused = [](auto change) {
        dg::options opts;
        change(opts);
        BOOST_CHECK_THROW(dg::generate(opts, [](std::string_view) {}), std::invalid_argument);
    };
    refused([](dg::options& o) { o.concurrent = 0; });
    refused([](dg::options& o) { o.duplicates = 1.5; });
    refused([](dg::options& o) { o.malformed = -0.1; });
    refused([](dg::options& o) { o.gaps = std::numeric_limits<double>::quiet_NaN(); });
    refused([](dg::options& o) { o.start = "2026-02-30T00:00:00Z"; });
    refused([](dg::options& o) { o.start = "2026-01-05 08:00:00"; });
    BOOST_CHECK_THROW(dg::write_file({}, "/nonexistent-directory/log.jsonl"), std::runtime_error);
    BOOST_CHECK_THROW(dg::write_file({}, "/nonexistent-directory/log.jsonl.gz"), std::runtime_error);
}
