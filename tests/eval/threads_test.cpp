// One compiled set shared by many threads, each with its own evaluator, gives the same answers as
// one thread.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "eval_helpers.hpp"

using namespace eval_test;

namespace {

const char* const policy_text = R"(
let distressed = signals.distress >= 0.6 or any e in signals.emotions: e in ["anger", "fear"]
policy "p" {
  version "1"
  let offer = any act in actions: act.type == "offer" and act.category in ["upsell", "cross_sell"]
  rule no_upsell {
    severity critical
    when speaker == "ai" and distressed
    forbid offer
    message "offer at distress {signals.distress}"
    remedy block
  }
  rule disclose {
    when speaker == "ai" and signals.intent == "ask_if_ai"
    require ai.disclosed
    remedy disclose
  }
  rule phrase {
    forbid lower(text) contains "only today" or text matches r"(?i)sólo hoy"
    message "{upper(text)} / {length(text)}"
  }
  rule pressure {
    forbid (any p in ["last chance", "chỉ hôm nay", "act now"]: lower(text) contains p)
           or lower(text) matches r"only \d+ (seats?|spots?) left"
  }
  rule ratio {
    forbid workload.hours / workload.days > 10
  }
}
)";

std::vector<std::string> make_records(std::size_t n) {
    std::mt19937 rng(12345);
    auto pick = [&rng](std::initializer_list<const char*> options) {
        std::uniform_int_distribution<std::size_t> d(0, options.size() - 1);
        return *(options.begin() + d(rng));
    };
    auto chance = [&rng](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
        nlohmann::json r;
        r["id"] = "r-" + std::to_string(i);
        r["conversation_id"] = "c-" + std::to_string(i / 7);
        r["speaker"] = pick({"ai", "user", "ai", "human_agent"});
        r["text"] = pick({"Hello", "ONLY TODAY: premium", "oferta SÓLO HOY", "Chỉ hôm nay", "רק היום",
                          "Last chance!", "only 3 seats left", "only a few seats"});
        if (chance(80)) {
            auto& s = r["signals"];
            if (chance(80)) s["distress"] = std::uniform_real_distribution<double>(0, 1)(rng);
            if (chance(60)) s["emotions"] = {pick({"anger", "joy", "fear"}), pick({"calm", "sadness"})};
            if (chance(30)) s["intent"] = "ask_if_ai";
        }
        if (chance(70)) r["ai"]["disclosed"] = chance(50);
        if (chance(70)) {
            r["actions"] = nlohmann::json::array();
            for (int k = 0; k < 3; ++k) {
                if (chance(50)) r["actions"].push_back({{"type", pick({"offer", "refund"})}, {"category", pick({"upsell", "retention"})}});
            }
        }
        if (chance(30)) r["workload"] = {{"hours", 50 + i % 20}, {"days", i % 6}};
        out.push_back(r.dump());
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(threads_share_one_compiled_set) {
    auto set = compile_policy(policy_text);
    const auto records = make_records(600);
    std::vector<std::string> expected;
    {
        vigil::evaluator judge(set);
        vigil::decision d;
        std::string error;
        for (const auto& r : records) {
            BOOST_REQUIRE(judge.decide(r, d, error));
            expected.push_back(vigil::to_json(d).dump());
        }
    }
    std::size_t with_findings = 0;
    for (const auto& e : expected) with_findings += e.find("\"outcome\"") != std::string::npos;
    BOOST_TEST(with_findings > 100u);  // the records exercise the rules

    constexpr int thread_count = 8;
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
        threads.emplace_back([&, t] {
            vigil::evaluator judge(set);
            vigil::decision d;
            std::string error;
            for (int round = 0; round < 3; ++round) {
                for (std::size_t k = 0; k < records.size(); ++k) {
                    std::size_t i = (k * 7 + static_cast<std::size_t>(t) * 13) % records.size();  // different orders
                    if (!judge.decide(records[i], d, error) || vigil::to_json(d).dump() != expected[i]) ++mismatches;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    BOOST_TEST(mismatches.load() == 0);
}
