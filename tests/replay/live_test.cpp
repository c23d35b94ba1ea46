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

// (record id, policy, rule, outcome, message, remedies): what a finding says about a record.
using finding_key = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>;

finding_key key_of(const json& record_id, const json& f) {
    return {record_id.dump(), f["policy"].get<std::string>(), f["rule"].get<std::string>(),
            f["outcome"].get<std::string>(), f["message"].get<std::string>(), f["remedies"].dump()};
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

    // Live: a service keeps one rule_state per conversation and feeds turns as they come.
    std::vector<std::string> lines;
    {
        std::ifstream in(log);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
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

    // Replay of the same log, with an idle gap long enough that no conversation is split.
    vigil::replay::options opts;
    opts.logs = {log};
    opts.threads = 2;
    opts.tracking.idle_gap_ms = 365LL * 24 * 3600 * 1000;
    std::string findings;
    const auto summary = vigil::replay::run(set, opts, [&](std::string_view chunk) { findings.append(chunk); });
    BOOST_TEST(summary.decided == lines.size());
    std::vector<finding_key> replayed;
    std::istringstream in(findings);
    for (std::string line; std::getline(in, line);) {
        const auto f = json::parse(line);
        BOOST_REQUIRE_MESSAGE(!f.contains("event"), "unexpected event in an in-order log: " << line);
        replayed.push_back(key_of(f["record_id"], f));
    }

    BOOST_TEST(!live.empty());
    std::sort(live.begin(), live.end());
    std::sort(replayed.begin(), replayed.end());
    BOOST_TEST(live.size() == replayed.size());
    BOOST_TEST((live == replayed));
}

BOOST_AUTO_TEST_SUITE_END()
