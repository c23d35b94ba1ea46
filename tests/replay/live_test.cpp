// The same engine live and in replay: feeding each conversation's turns one by one through the
// library (evaluator::decide with one rule_state per conversation, then finish) gives exactly the
// findings that `vigil replay` writes for the same log.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "vigil/datagen.hpp"
#include "vigil/replay.hpp"

using namespace replay_test;
using nlohmann::json;

namespace {

// (record id, policy, version, rule, outcome, message, remedies): what a finding says about a record.
using finding_key =
    std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>;

finding_key key_of(const json& record_id, const json& f) {
    return {record_id.dump(),
            f["policy"].get<std::string>(),
            f["version"].dump(),
            f["rule"].get<std::string>(),
            f["outcome"].get<std::string>(),
            f["message"].get<std::string>(),
            f["remedies"].dump()};
}

// Live: a service keeps one rule_state per conversation and feeds turns as they come.
std::vector<finding_key> fed_one_by_one(const compiled& set, const std::vector<std::string>& lines) {
    vigil::evaluator judge(set);
    std::map<std::string, vigil::rule_state> states;
    std::map<std::string, json> last_record;
    std::vector<finding_key> live;
    vigil::decision d;
    std::string error;
    for (const auto& line : lines) {
        const auto record = json::parse(line);
        const std::string conversation = record["conversation_id"].get<std::string>();
        BOOST_REQUIRE(judge.decide(line, states[conversation], d, error));
        const json decided = vigil::to_json(d);
        for (const auto& f : decided["findings"]) live.push_back(key_of(record["id"], f));
        last_record[conversation] = record["id"];
    }
    for (auto& [conversation, state] : states) {
        std::vector<vigil::finding> closing;
        judge.finish(state, closing);
        vigil::decision end;
        end.findings = std::move(closing);
        const json ended = vigil::to_json(end);
        for (const auto& f : ended["findings"]) live.push_back(key_of(last_record[conversation], f));
    }
    std::sort(live.begin(), live.end());
    return live;
}

// Replay of the same log, with an idle gap long enough that no conversation is split.
std::vector<finding_key> replayed(const compiled& set, const std::string& log, std::size_t records) {
    vigil::replay::options opts;
    opts.logs = {log};
    opts.threads = 2;
    opts.tracking.idle_gap_ms = 365LL * 24 * 3600 * 1000;
    std::string findings;
    const auto summary = vigil::replay::run(set, opts, [&](std::string_view chunk) { findings.append(chunk); });
    BOOST_TEST(summary.decided == records);
    std::vector<finding_key> out;
    std::istringstream in(findings);
    for (std::string line; std::getline(in, line);) {
        const auto f = json::parse(line);
        BOOST_REQUIRE_MESSAGE(!f.contains("event"), "unexpected event in an in-order log: " << line);
        out.push_back(key_of(f["record_id"], f));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> lines_of(const std::string& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(live)

BOOST_AUTO_TEST_CASE(turn_by_turn_through_the_library_equals_replay) {
    const auto set = shipped_policies();
    const auto dir = scratch_dir("live");
    const std::string log = (dir / "log.jsonl").string();
    vigil::datagen::options gen;
    gen.records = 5000;
    gen.seed = 11;
    vigil::datagen::write_file(gen, log);
    const auto lines = lines_of(log);
    const auto live = fed_one_by_one(set, lines);
    BOOST_TEST(!live.empty());
    const auto replay_findings = replayed(set, log, lines.size());
    BOOST_TEST(live.size() == replay_findings.size());
    BOOST_TEST((live == replay_findings));
}

// Records without a usable time under a policy of several versions: the versions that say the
// same are reported once by the evaluator itself, so a service and a replay agree on them too.
BOOST_AUTO_TEST_CASE(records_of_unknown_time_under_versioned_policies_live_equals_replay) {
    const auto version = [](const std::string& v, const std::string& period, const std::string& severity) {
        return "policy \"p\" {\n  version \"" + v + "\"\n  effective " + period + "\n  rule disclosed {\n" +
               "    severity " + severity + "\n    when speaker == \"ai\"\n    require ai.disclosed\n  }\n" +
               "  rule first {\n    when speaker == \"ai\"\n    require earlier(speaker == \"user\")\n  }\n}\n";
    };
    const auto set = compile_text(version("1", "until \"2026-01-01\"", "high") +
                                  version("2", "from \"2026-01-01\" until \"2026-06-01\"", "high") +
                                  version("3", "from \"2026-06-01\"", "critical"));
    const auto dir = scratch_dir("live-untimed");
    const std::string log = (dir / "log.jsonl").string();
    {
        std::ofstream out(log);
        const std::vector<std::string> times = {R"("timestamp":"2025-12-31T10:00:00Z",)", "", R"("timestamp":"soon",)",
                                                R"("timestamp":"2026-07-01T00:00:00Z",)"};
        for (int n = 0; n < 40; ++n) {
            out << R"({"id":"r-)" << n << R"(","conversation_id":"c-)" << n % 7 << R"(","turn":)" << n / 7 + 1 << ','
                << times[static_cast<std::size_t>(n) % times.size()] << R"("speaker":")" << (n % 3 == 0 ? "user" : "ai")
                << R"(","text":"t","ai":{"disclosed":)" << (n % 2 == 0 ? "true" : "false") << "}}\n";
        }
    }
    const auto lines = lines_of(log);
    const auto live = fed_one_by_one(set, lines);
    const auto replay_findings = replayed(set, log, lines.size());
    BOOST_TEST(std::count_if(live.begin(), live.end(), [](const finding_key& k) { return std::get<2>(k) == "\"3\""; }) >
               0);
    BOOST_TEST(live.size() == replay_findings.size());
    BOOST_TEST((live == replay_findings));
}

BOOST_AUTO_TEST_SUITE_END()
