// Integration tests of `vigil serve`: the real binary on a loopback port, with temporary copies of
// the shipped policies, driven by an HTTP client (docs/server.md is the contract).
#define BOOST_TEST_MODULE server
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <numeric>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "child.hpp"
#include "vigil/server.hpp"

using nlohmann::json;
using namespace vigil::test;

namespace {

// A policy that checks on its own (no schema, no import), and one that does not.
const std::string extra_policy = R"(policy "server-test-extra" {
  version "2.0"
  rule no_secret_word {
    severity low
    when speaker == "ai"
    forbid text == "xyzzy"
    message "the AI said the secret word"
  }
}
)";
const std::string broken_policy = "policy \"broken\" {\n  rule r {\n    when speaker ==\n  }\n}\n";

const std::string record_1 =
    R"({"id":"t-1","conversation_id":"conv-1","turn":1,"timestamp":"2026-03-02T10:00:00Z","speaker":"ai","text":"Hello, I am an AI assistant.","ai":{"disclosed":true}})";
const std::string record_2 =
    R"({"id":"t-2","conversation_id":"conv-1","turn":2,"timestamp":"2026-03-02T10:00:20Z","speaker":"user","text":"hi"})";

// The error object of an answer, checked for its shape.
json error_of(const httplib::Result& res, int status, const std::string& code) {
    BOOST_REQUIRE(res);
    json body;
    BOOST_TEST_CONTEXT("answer: " << res->status << " " << res->body) {
        BOOST_REQUIRE_EQUAL(res->status, status);
        BOOST_TEST(res->get_header_value("Content-Type") == "application/json");
        body = json::parse(res->body);
        BOOST_REQUIRE(body.contains("error"));
        BOOST_TEST(body["error"]["code"] == code);
        BOOST_TEST(body["error"]["message"].is_string());
        BOOST_TEST(!body["error"]["message"].get<std::string>().empty());
    }
    return body["error"];
}

using finding_key = std::tuple<std::string, std::string, std::string>;  // record_id, rule, outcome

void add_findings(std::vector<finding_key>& out, const json& decision) {
    for (const auto& f : decision["findings"]) out.emplace_back(decision["record_id"].dump(), f["rule"], f["outcome"]);
}

}  // namespace

// ---- settings parsing (the library API) -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(listen_addresses_and_sizes_parse) {
    using vigil::server::parse_listen;
    using vigil::server::parse_size;
    BOOST_TEST((parse_listen("127.0.0.1:8181") == std::pair<std::string, int>{"127.0.0.1", 8181}));
    BOOST_TEST((parse_listen("[::1]:0") == std::pair<std::string, int>{"::1", 0}));
    BOOST_TEST(!parse_listen("127.0.0.1"));
    BOOST_TEST(!parse_listen("127.0.0.1:99999"));
    BOOST_TEST(!parse_listen(":80"));
    BOOST_TEST(!parse_listen("::1:80"));
    BOOST_TEST(parse_size("1MiB").value() == 1048576u);
    BOOST_TEST(parse_size("512KiB").value() == 524288u);
    BOOST_TEST(parse_size("4096").value() == 4096u);
    BOOST_TEST(parse_size("2kb").value() == 2000u);
    BOOST_TEST(!parse_size("MiB"));
    BOOST_TEST(!parse_size("1 parsec"));
}

// ---- endpoints ----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_endpoint_answers) {
    served s;

    auto health = s.get_json("/healthz");
    BOOST_TEST(health["status"] == "ok");
    BOOST_TEST(health["generation"] == 1);

    auto policies = s.get_json("/v1/policies");
    BOOST_TEST(policies["generation"] == 1);
    BOOST_TEST(policies["policy_hash"].get<std::string>().rfind("sha256:", 0) == 0);
    BOOST_TEST(policies["policies"].size() >= 1u);
    BOOST_TEST(policies["rules"].get<int>() >= 1);
    for (const auto& p : policies["policies"]) {
        BOOST_TEST(p["name"].is_string());
        BOOST_TEST(p["rules"].is_number());
    }
    BOOST_TEST(!policies["files"].empty());
    BOOST_TEST(policies["loaded_at"].get<std::string>().size() == 24u);  // 2026-03-02T10:00:00.000Z

    auto res = s.post("/v1/decide", record_1);
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    auto first = json::parse(res->body);
    BOOST_TEST(first["record_id"] == "t-1");
    BOOST_TEST(first["conversation_id"] == "conv-1");
    BOOST_TEST(first["placement"] == "first");
    BOOST_TEST(first["policy_hash"] == policies["policy_hash"]);
    BOOST_TEST(
        (first["decision"] == "allow" || first["decision"] == "allow_with_remedies" || first["decision"] == "deny"));
    BOOST_TEST(first["findings"].is_array());

    res = s.post("/v1/decide", record_2);
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(json::parse(res->body)["placement"] == "in_order");

    // The same turn again with other content, and a turn the conversation has given up.
    std::string other_2 = record_2;
    other_2.replace(other_2.find("\"hi\""), 4, "\"hi!\"");
    auto dup = error_of(s.post("/v1/decide", other_2), 409, "duplicate_turn");
    BOOST_TEST(dup["placement"] == "duplicate");
    BOOST_TEST(dup["turn"] == 2);
    res = s.post("/v1/decide", R"({"id":"t-5","conversation_id":"conv-1","turn":5,"speaker":"user"})");
    BOOST_REQUIRE(res);
    auto gap = json::parse(res->body);
    BOOST_TEST(gap["placement"] == "gap");
    BOOST_TEST(gap["missing_turns"]["first"] == 3);
    BOOST_TEST(gap["missing_turns"]["last"] == 4);
    error_of(s.post("/v1/decide", R"({"id":"t-3","conversation_id":"conv-1","turn":3})"), 409, "out_of_order_turn");

    // A batch: one answer per element, in order, errors in place.
    res = s.post("/v1/decide/batch",
                 R"([{"id":"b-1","conversation_id":"conv-b","turn":1,"speaker":"ai","text":"hi"}, 42,
                     {"id":"b-1again","conversation_id":"conv-b","turn":1},
                     {"id":"b-2","conversation_id":"conv-b","turn":2,"speaker":"user"}])");
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    auto batch = json::parse(res->body);
    BOOST_REQUIRE_EQUAL(batch.size(), 4u);
    BOOST_TEST(batch[0]["record_id"] == "b-1");
    BOOST_TEST(batch[1]["error"]["code"] == "not_an_object");
    BOOST_TEST(batch[1]["error"]["index"] == 1);
    BOOST_TEST(batch[2]["error"]["code"] == "duplicate_turn");
    BOOST_TEST(batch[2]["error"]["status"] == 409);
    BOOST_TEST(batch[3]["record_id"] == "b-2");
    BOOST_TEST(batch[3]["placement"] == "in_order");
    res = s.post("/v1/decide/batch", "[]");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->body == "[]");

    res = s.get("/metrics");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(res->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
    for (const char* name :
         {"vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"200\"}",
          "vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"409\"}",
          "vigil_decide_duration_seconds_bucket{le=\"+Inf\"}", "vigil_decide_duration_seconds_count",
          "vigil_decisions_total{decision=\"allow\"}", "vigil_policy_reloads_total{result=\"failed\"}",
          "vigil_sessions_open", "vigil_sessions_evicted_total", "vigil_sessions_expired_total",
          "vigil_sessions_reset_by_reload_total"}) {
        BOOST_TEST_CONTEXT(name) {
            BOOST_TEST(res->body.find(name) != std::string::npos);
        }
    }
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"200\"}") == 3);
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"409\"}") == 2);
    BOOST_TEST(s.metric("vigil_decide_duration_seconds_count") == 5);  // 3 single, 2 in the batch
    BOOST_TEST(s.metric("vigil_sessions_open") == 2);
    BOOST_TEST(res->body.find("vigil_findings_total{policy=") != std::string::npos);
    BOOST_TEST(res->body.find(",version=\"2.0\",rule=") != std::string::npos);  // the shipped policies' version

    BOOST_TEST(s.terminate() == 0);
}

// `?explain`: every rule of the set, how it came out on the turn and why, judged in the turn's
// conversation; the decision itself is the one the turn gets without it.
BOOST_AUTO_TEST_CASE(explain_says_how_every_rule_came_out) {
    served s({"--decision-log", "decisions.jsonl"});
    const int rules = s.get_json("/v1/policies")["rules"];
    const auto turn = [](const std::string& conversation, int n, const std::string& rest) {
        return R"({"id":")" + conversation + "-" + std::to_string(n) + R"(","conversation_id":")" + conversation +
               R"(","turn":)" + std::to_string(n) + R"(,"timestamp":"2026-03-02T10:00:0)" + std::to_string(n) +
               R"(Z",)" + rest + "}";
    };
    const std::string hello = R"("speaker":"user","text":"hello")";
    const std::string undisclosed = R"("speaker":"ai","text":"How can I help?","ai":{"disclosed":false})";

    // The same two turns in two conversations, the second turn explained in one of them.
    for (const std::string conversation : {"plain", "explained"}) {
        auto res = s.post("/v1/decide", turn(conversation, 1, hello));
        BOOST_REQUIRE(res);
        BOOST_REQUIRE_EQUAL(res->status, 200);
    }
    auto res = s.post("/v1/decide", turn("plain", 2, undisclosed));
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_EQUAL(res->status, 200);
    const json plain = json::parse(res->body);
    BOOST_TEST(!plain.contains("explain"));
    res = s.post("/v1/decide?explain=true", turn("explained", 2, undisclosed));
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json explained = json::parse(res->body);
    BOOST_TEST(explained["placement"] == "in_order");
    BOOST_TEST(explained["decision"] == plain["decision"]);
    BOOST_TEST(explained["findings"] == plain["findings"]);
    BOOST_REQUIRE(explained["explain"].is_array());
    BOOST_TEST(explained["explain"].size() == static_cast<std::size_t>(rules));

    // The first AI turn is the second turn of the conversation: `first(...)` read the earlier one.
    const auto disclosure = std::find_if(explained["explain"].begin(), explained["explain"].end(),
                                         [](const json& e) { return e["rule"] == "disclose_in_first_ai_turn"; });
    BOOST_REQUIRE(disclosure != explained["explain"].end());
    BOOST_TEST((*disclosure)["policy"] == "disclosure");
    BOOST_TEST((*disclosure)["result"] == "violation");
    BOOST_REQUIRE_EQUAL((*disclosure)["clauses"].size(), 2u);
    BOOST_TEST((*disclosure)["clauses"][0]["clause"] == "when");
    BOOST_TEST((*disclosure)["clauses"][0]["text"] == "first(speaker == \"ai\")");
    BOOST_TEST((*disclosure)["clauses"][0]["value"] == true);
    BOOST_TEST((*disclosure)["clauses"][1]["text"] == "ai.disclosed == true");
    BOOST_TEST((*disclosure)["clauses"][1]["value"] == false);
    // Every rule that has a finding is explained as that finding says.
    for (const json& f : explained["findings"]) {
        const auto e = std::find_if(explained["explain"].begin(), explained["explain"].end(), [&](const json& x) {
            return x["rule"] == f["rule"] && x["policy"] == f["policy"];
        });
        BOOST_REQUIRE(e != explained["explain"].end());
        BOOST_TEST((*e)["result"] == f["outcome"]);
    }

    // Off, and a value that is not a switch: a 400 before anything is decided.
    res = s.post("/v1/decide?explain=false", turn("plain", 3, hello));
    BOOST_REQUIRE(res);
    BOOST_TEST(!json::parse(res->body).contains("explain"));
    const json bad = error_of(s.post("/v1/decide?explain=full", turn("plain", 4, hello)), 400, "bad_query");
    BOOST_TEST(bad["message"].get<std::string>().find("`full`") != std::string::npos);
    error_of(s.post("/v1/decide/batch?explain=yes", "[" + turn("plain", 4, hello) + "]"), 400, "bad_query");
    res = s.post("/v1/decide?other=1&explain", turn("plain", 4, hello));  // bare, among other parameters
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    BOOST_TEST(json::parse(res->body)["placement"] == "in_order");
    BOOST_TEST(json::parse(res->body)["explain"].size() == static_cast<std::size_t>(rules));

    // A batch explains each decided element; an element not decided has its error alone, and a
    // repeat of the last decided turn its first answer.
    res = s.post("/v1/decide/batch?explain=1", "[" + turn("plain", 5, hello) + "," + turn("plain", 5, undisclosed) +
                                                   "," + turn("plain", 5, hello) + "]");
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json batch = json::parse(res->body);
    BOOST_REQUIRE_EQUAL(batch.size(), 3u);
    BOOST_TEST(batch[0]["explain"].size() == static_cast<std::size_t>(rules));
    BOOST_TEST(batch[1]["error"]["code"] == "duplicate_turn");
    BOOST_TEST(!batch[1].contains("explain"));
    BOOST_TEST(batch[2]["repeat"] == true);
    BOOST_TEST(!batch[2].contains("explain"));

    // The decision log keeps decisions: no explanation in it.
    BOOST_REQUIRE_EQUAL(s.terminate(), 0);
    const std::string log = read_text(s.dir.path() / "decisions.jsonl");
    BOOST_TEST(log.find("\"explain\"") == std::string::npos);
    BOOST_TEST(log.find("explained-2") != std::string::npos);
}

namespace {

// The decision lines of a decision log, by record id.
std::multimap<std::string, json> logged_decisions(const fs::path& log) {
    std::multimap<std::string, json> out;
    std::istringstream in(read_text(log));
    for (std::string line; std::getline(in, line);) {
        const json entry = json::parse(line);
        if (entry.contains("record")) out.emplace(entry["record"]["id"].get<std::string>(), entry);
    }
    return out;
}

// The finding of `rule` in a decision; fails the test when there is none.
json finding_of(const json& decision, const std::string& rule) {
    for (const json& f : decision["findings"]) {
        if (f["rule"] == rule) return f;
    }
    BOOST_FAIL("no finding of `" + rule + "` in " + decision.dump());
    return {};
}

}  // namespace

// Emotion data kept with no word on consent: the blocking rule that needs the consent cannot be
// judged. By default that decides nothing; with --undetermined-as violation the server fails
// closed, and says so in its answer, its decision log and its metrics.
BOOST_AUTO_TEST_CASE(undetermined_as_violation_fails_closed) {
    const std::string kept_without_consent =
        R"({"id":"fc-1","conversation_id":"fc","turn":1,"timestamp":"2026-03-02T10:00:00Z","speaker":"user",)"
        R"("text":"I am so angry.","signals":{"emotions":[]},)"
        R"("data_use":{"emotion_data_stored":true,"purpose":"support"}})";
    const std::string rule = "emotion_storage_needs_consent";

    served open_gate;
    auto res = open_gate.post("/v1/decide", kept_without_consent);
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json allowed = json::parse(res->body);
    BOOST_TEST(allowed["decision"] == "allow");
    BOOST_TEST(finding_of(allowed, rule)["outcome"] == "undetermined");
    BOOST_TEST(finding_of(allowed, rule)["remedies"].empty());
    BOOST_TEST(open_gate.process->output().find("undetermined as: pass") != std::string::npos);
    BOOST_TEST(open_gate.terminate() == 0);

    served closed_gate({"--undetermined-as", "violation", "--decision-log", "decisions.jsonl"});
    res = closed_gate.post("/v1/decide", kept_without_consent);
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json denied = json::parse(res->body);
    BOOST_TEST(denied["decision"] == "deny");
    const json finding = finding_of(denied, rule);
    BOOST_TEST(finding["outcome"] == "undetermined");  // what is known; only the decision fails closed
    BOOST_TEST(finding["missing"] == json::array({"user.consent.emotion_analysis"}));
    BOOST_TEST(finding["remedies"] ==
               json::parse(R"([{"type":"block"},{"type":"notify","argument":"privacy-office"}])"));
    // A resend gets the same answer.
    res = closed_gate.post("/v1/decide", kept_without_consent);
    BOOST_REQUIRE(res);
    BOOST_TEST(json::parse(res->body)["decision"] == "deny");
    BOOST_TEST(json::parse(res->body)["repeat"] == true);
    BOOST_TEST(closed_gate.metric(R"(vigil_decisions_total{decision="deny"})") == 1);
    BOOST_TEST(closed_gate.metric(R"(vigil_decisions_total{decision="allow"})") == 0);
    BOOST_TEST(closed_gate.process->output().find("undetermined as: violation") != std::string::npos,
               closed_gate.process->output());
    BOOST_REQUIRE_EQUAL(closed_gate.terminate(), 0);

    const auto logged = logged_decisions(closed_gate.dir.path() / "decisions.jsonl");
    BOOST_REQUIRE_EQUAL(logged.count("fc-1"), 1u);
    const json& line = logged.find("fc-1")->second;
    BOOST_TEST(line["decision"]["decision"] == "deny");
    BOOST_TEST(finding_of(line["decision"], rule)["outcome"] == "undetermined");

    // Anything else is refused at start.
    temp_dir dir;
    child refused({"serve", "--policy", (source_dir / "policies").string(), "--undetermined-as", "deny"}, dir.path(),
                  dir.path() / "out");
    BOOST_TEST(refused.wait(20s) == 2);
    BOOST_TEST(refused.output().find("--undetermined-as") != std::string::npos, refused.output());
}

// A turn number far ahead of its conversation's (a wrong number) is refused with a 409 instead of
// being decided as a gap that would put the conversation past every real turn after it.
BOOST_AUTO_TEST_CASE(a_turn_too_far_ahead_is_refused_and_changes_nothing) {
    served s({"--decision-log", "decisions.jsonl"});  // the default --max-turn-gap, 1000
    const auto turn = [](const std::string& conversation, std::int64_t n) {
        return R"({"id":")" + conversation + "-" + std::to_string(n) + R"(","conversation_id":")" + conversation +
               R"(","turn":)" + std::to_string(n) + R"(,"speaker":"user","text":"hi"})";
    };
    const auto placement = [&](const std::string& conversation, std::int64_t n) {
        auto res = s.post("/v1/decide", turn(conversation, n));
        BOOST_REQUIRE(res);
        BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
        return json::parse(res->body)["placement"].get<std::string>();
    };
    for (int n = 1; n <= 3; ++n) placement("far", n);

    // The example of docs/server.md: 2^53 in a conversation at turn 3.
    const json e = error_of(s.post("/v1/decide", turn("far", 9007199254740992)), 409, "turn_too_far_ahead");
    BOOST_TEST(e["placement"] == "too_far_ahead");
    BOOST_TEST(e["conversation_id"] == "far");
    BOOST_TEST(e["turn"] == 9007199254740992);
    BOOST_TEST(e["expected_turn"] == 4);
    BOOST_TEST(e["max_turn_gap"] == 1000);
    BOOST_TEST(e["message"] ==
               "turn 9007199254740992 of conversation `far` would skip 9007199254740988 turns from turn 4, the next "
               "expected, and at most 1000 may be skipped (--max-turn-gap); it is not decided and the conversation "
               "is left as it was");
    // The conversation did not move: its next turn is decided in order.
    BOOST_TEST(placement("far", 4) == "in_order");

    // The boundary: waiting for turn 5, turn 1005 skips 1000 turns and is decided; then, waiting
    // for turn 1006, turn 2007 would skip 1001.
    BOOST_TEST(placement("far", 1005) == "gap");
    error_of(s.post("/v1/decide", turn("far", 2007)), 409, "turn_too_far_ahead");
    BOOST_TEST(placement("far", 2006) == "gap");

    // First contact: a conversation the server holds no turn of takes any number.
    BOOST_TEST(placement("restarted", 9007199254740992) == "gap");

    // A batch, element by element.
    auto res = s.post("/v1/decide/batch", "[" + turn("far", 2007) + "," + turn("far", 5000) + "," + turn("far", 2008) +
                                              "," + turn("new", 123456) + "]");
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json batch = json::parse(res->body);
    BOOST_REQUIRE_EQUAL(batch.size(), 4u);
    BOOST_TEST(batch[0]["placement"] == "in_order");
    BOOST_TEST(batch[1]["error"]["code"] == "turn_too_far_ahead");
    BOOST_TEST(batch[1]["error"]["status"] == 409);
    BOOST_TEST(batch[1]["error"]["index"] == 1);
    BOOST_TEST(batch[1]["error"]["expected_turn"] == 2008);
    BOOST_TEST(batch[2]["placement"] == "in_order");
    BOOST_TEST(batch[3]["placement"] == "gap");

    BOOST_TEST(s.metric(R"(vigil_http_requests_total{endpoint="/v1/decide",status="409"})") == 2);
    BOOST_TEST(s.process->output().find("max turn gap: 1000") != std::string::npos, s.process->output());
    BOOST_REQUIRE_EQUAL(s.terminate(), 0);

    // Refused turns are not in the decision log (turn 2007 is there once: the batch decided it).
    const auto logged = logged_decisions(s.dir.path() / "decisions.jsonl");
    BOOST_TEST(logged.count("far-9007199254740992") == 0u);
    BOOST_TEST(logged.count("far-5000") == 0u);
    BOOST_TEST(logged.count("far-2007") == 1u);
    BOOST_TEST(logged.size() == 10u);  // far 1-4, 1005, 2006-2008, restarted, new
}

// --max-turn-gap 0 sets no limit, and a limit must be a whole number.
BOOST_AUTO_TEST_CASE(max_turn_gap_0_decides_every_gap) {
    served s({"--max-turn-gap", "0"});
    const std::string first = R"({"id":"u-1","conversation_id":"u","turn":1,"speaker":"user"})";
    const std::string far = R"({"id":"u-2","conversation_id":"u","turn":9007199254740992,"speaker":"user"})";
    BOOST_REQUIRE_EQUAL(s.post("/v1/decide", first)->status, 200);
    auto res = s.post("/v1/decide", far);
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    BOOST_TEST(json::parse(res->body)["placement"] == "gap");
    BOOST_TEST(s.process->output().find("max turn gap: none") != std::string::npos, s.process->output());
    BOOST_TEST(s.terminate() == 0);

    temp_dir dir;
    child refused({"serve", "--policy", (source_dir / "policies").string(), "--max-turn-gap", "-1"}, dir.path(),
                  dir.path() / "out");
    BOOST_TEST(refused.wait(20s) == 2);
    BOOST_TEST(refused.output().find("--max-turn-gap: expected a whole number") != std::string::npos, refused.output());
}

// --max-clock-skew: a record timed too far from the server's clock, behind or ahead, is refused
// with a 422 and leaves its conversation as it was; one in range, or without a time, is decided.
BOOST_AUTO_TEST_CASE(a_record_timed_far_from_the_servers_clock_is_refused) {
    served s({"--max-clock-skew", "1h"});
    BOOST_TEST(s.process->output().find("max clock skew: 1 h;") != std::string::npos, s.process->output());
    const auto utc = [](std::chrono::system_clock::time_point t) {
        const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
        std::tm parts{};
        gmtime_r(&seconds, &parts);
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
        return std::string(text);
    };
    const auto turn = [](std::int64_t n, const std::string& timestamp) {
        return R"({"id":"k-)" + std::to_string(n) + R"(","conversation_id":"k","turn":)" + std::to_string(n) +
               R"(,"speaker":"user","text":"hi")" + (timestamp.empty() ? "" : R"(,"timestamp":")" + timestamp + "\"") +
               "}";
    };
    const auto now = std::chrono::system_clock::now();

    const json behind = error_of(s.post("/v1/decide", turn(1, "2026-03-02T10:00:00Z")), 422, "timestamp_out_of_range");
    BOOST_TEST(behind["timestamp"] == "2026-03-02T10:00:00Z");
    BOOST_TEST(behind["max_clock_skew_ms"] == 3600000);
    BOOST_TEST(behind["message"].get<std::string>().find(" behind the server's clock") != std::string::npos, behind);
    const json ahead =
        error_of(s.post("/v1/decide", turn(1, utc(now + std::chrono::hours(3)))), 422, "timestamp_out_of_range");
    BOOST_TEST(ahead["message"].get<std::string>().find("is 3 h ahead of the server's clock") != std::string::npos,
               ahead);

    // The refusals left conversation k untouched: its first turn is still to come.
    auto res = s.post("/v1/decide", turn(1, utc(now - std::chrono::minutes(30))));
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    BOOST_TEST(json::parse(res->body)["placement"] == "first");
    res = s.post("/v1/decide", turn(2, ""));
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200, res->body);
    BOOST_TEST(s.terminate() == 0);
}

// A record 200,000 levels deep, under the body limit: refused, where it had crashed the server.
BOOST_AUTO_TEST_CASE(a_record_nested_too_deeply_is_refused) {
    served s;
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    error_of(s.post("/v1/decide", "{\"id\": \"d\", \"x\": " + deep + "}"), 400, "invalid_json");
    error_of(s.post("/v1/decide/batch", "[{\"id\": \"d\", \"x\": " + deep + "}]"), 400, "invalid_json");
    BOOST_TEST(s.terminate() == 0);
}

// A batch answer is a decision of a few KiB per element, so a body of `{}` elements under the body
// limit could make the server hold gigabytes: --max-batch bounds the elements instead.
BOOST_AUTO_TEST_CASE(a_batch_over_max_batch_is_refused_whole) {
    served s({"--max-batch", "3"});
    const auto turn = [](int n) {
        return R"({"id":"m-)" + std::to_string(n) + R"(","conversation_id":"mb","turn":)" + std::to_string(n) +
               R"(,"timestamp":"2026-03-01T10:00:0)" + std::to_string(n) + R"(Z","speaker":"user","text":"hi"})";
    };
    auto e = error_of(s.post("/v1/decide/batch", "[" + turn(1) + "," + turn(2) + "," + turn(3) + ", 4]"), 413,
                      "batch_too_large");
    BOOST_TEST(e["elements"] == 4);
    BOOST_TEST(e["max_batch"] == 3);
    BOOST_TEST(e["message"].get<std::string>().find("--max-batch") != std::string::npos);
    // Nothing of the refused batch was decided: the same turns are decided now, turn 1 first.
    auto res = s.post("/v1/decide/batch", "[" + turn(1) + "," + turn(2) + "," + turn(3) + "]");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    const auto batch = json::parse(res->body);
    BOOST_REQUIRE_EQUAL(batch.size(), 3u);
    BOOST_TEST(batch[0]["placement"] == "first");
    BOOST_TEST(batch[2]["placement"] == "in_order");
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide/batch\",status=\"413\"}") == 1);
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(bad_input_gets_a_json_error) {
    served s({"--max-body", "4KiB"});

    auto e = error_of(s.post("/v1/decide", R"({"id": "a", "turn": tru})"), 400, "invalid_json");
    BOOST_TEST(e["offset"].is_number());
    BOOST_TEST(e["message"].get<std::string>().find("byte") != std::string::npos);
    error_of(s.post("/v1/decide", R"({"id": "a")"), 400, "invalid_json");
    error_of(s.post("/v1/decide", R"({"id": "a"} {"id": "b"})"), 400, "invalid_json");
    e = error_of(s.post("/v1/decide", "{\"id\": \"a\xFF\"}"), 400, "invalid_json");  // not UTF-8
    BOOST_TEST(e["message"].get<std::string>().find("\\xFF") != std::string::npos);
    e = error_of(s.post("/v1/decide", "[1, 2]"), 400, "not_an_object");
    BOOST_TEST(e["message"].get<std::string>().find("array") != std::string::npos);
    error_of(s.post("/v1/decide", "\"text\""), 400, "not_an_object");
    error_of(s.post("/v1/decide", ""), 400, "empty_body");
    // A fault in a value no rule reads, after members that place the record in its conversation:
    // refused with its byte, and the conversation is left as it was (its turn 1 is still first).
    const std::string placed = R"({"conversation_id": "c-bad", "turn": 1, "timestamp": "2026-03-01T10:00:00Z", )";
    e = error_of(s.post("/v1/decide", placed + R"("speaker": "user", "meta": {"a": nul}})"), 400, "invalid_json");
    BOOST_TEST(e["offset"].get<int>() == static_cast<int>(placed.size()) + 37);  // where `nul}` stops being JSON
    auto res = s.post("/v1/decide", placed + R"("speaker": "user", "meta": {"a": null}})");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(json::parse(res->body)["placement"] == "first");
    error_of(s.post("/v1/decide", "{}", "text/plain"), 415, "unsupported_media_type");
    error_of(s.post("/v1/decide/batch", "{}"), 400, "not_an_array");
    error_of(s.post("/v1/decide/batch", "[{}, {]"), 400, "invalid_json");

    // Over the limit, then the same connection still works.
    e = error_of(s.post("/v1/decide", "{\"text\": \"" + std::string(8000, 'x') + "\"}"), 413, "body_too_large");
    BOOST_TEST(e["message"].get<std::string>().find("4096") != std::string::npos);
    error_of(s.post("/v1/decide/batch", "[" + std::string(8000, ' ') + "]"), 413, "body_too_large");
    BOOST_TEST(s.get_json("/healthz")["status"] == "ok");

    error_of(s.get("/v1/nothing"), 404, "not_found");
    error_of(s.post("/v1/decide/", record_1), 404, "not_found");
    res = s.get("/v1/decide");
    error_of(res, 405, "method_not_allowed");
    BOOST_TEST(res->get_header_value("Allow") == "POST");
    res = s.post("/healthz", "{}");
    error_of(res, 405, "method_not_allowed");
    BOOST_TEST(res->get_header_value("Allow") == "GET, HEAD");  // HEAD is answered as GET
    error_of(s.http->Delete("/v1/policies"), 405, "method_not_allowed");
    // A reload takes no body, but one of another type than JSON is refused as on every endpoint.
    error_of(s.post("/v1/policies/reload", "x", "text/plain"), 415, "unsupported_media_type");

    // Not HTTP at all, on a raw socket with a deadline: an answer, not a crash or a hang.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(s.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const std::string garbage = "\x01\x02 NOT HTTP\r\n\r\n";
    BOOST_REQUIRE(::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(garbage.size()));
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    ::close(fd);
    BOOST_REQUIRE(n > 0);
    BOOST_TEST(std::string(buffer, static_cast<std::size_t>(n)).find("400") != std::string::npos);

    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"413\"}") == 1);
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"other\",status=\"404\"}") == 2);
    BOOST_TEST(s.get_json("/healthz")["status"] == "ok");
    BOOST_TEST(s.terminate() == 0);
}

// ---- reloads --------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_broken_reload_keeps_the_running_set) {
    served s;
    const auto before = s.get_json("/v1/policies");
    BOOST_REQUIRE_EQUAL(s.post("/v1/decide", record_1)->status, 200);

    write_text(s.policies / "broken.vigil", broken_policy);
    auto res = s.post("/v1/policies/reload", "");
    auto e = error_of(res, 422, "policies_do_not_check");
    const json body = json::parse(res->body);
    BOOST_REQUIRE(body["diagnostics"].is_array());
    BOOST_REQUIRE(!body["diagnostics"].empty());
    BOOST_TEST(body["diagnostics"].dump().find("broken.vigil") != std::string::npos);
    BOOST_TEST(body["generation"] == 1);
    BOOST_TEST(body["policy_hash"] == before["policy_hash"]);

    // The old set still serves, and the failure shows in the metrics, the description and the log.
    res = s.post("/v1/decide", record_2);
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(json::parse(res->body)["policy_hash"] == before["policy_hash"]);
    BOOST_TEST(s.metric("vigil_policy_reloads_total{result=\"failed\"}") == 1);
    BOOST_TEST(s.metric("vigil_policy_reloads_total{result=\"ok\"}") == 0);
    const auto after = s.get_json("/v1/policies");
    BOOST_TEST(after["generation"] == 1);
    BOOST_TEST(after["last_reload"]["ok"] == false);
    BOOST_TEST(s.process->output().find("broken.vigil") != std::string::npos);
    // One line per diagnostic, as every event of the server's log: no source line, no caret.
    {
        std::istringstream lines(s.process->output());
        std::size_t diagnostics = 0;
        for (std::string line; std::getline(lines, line);) {
            if (line.find("broken.vigil") == std::string::npos) continue;
            BOOST_TEST(line.find(" vigil error: reload (http): ") != std::string::npos, line);
            diagnostics += line.find("error[V") != std::string::npos;
        }
        BOOST_TEST(diagnostics >= 1u);
        BOOST_TEST(s.process->output().find('^') == std::string::npos);  // no caret line
    }

    // A good change replaces it; a conversation that goes on restarts its state under the new set.
    fs::remove(s.policies / "broken.vigil");
    write_text(s.policies / "extra.vigil", extra_policy);
    res = s.post("/v1/policies/reload", "");
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json ok = json::parse(res->body);
    BOOST_TEST(ok["changed"] == true);
    BOOST_TEST(ok["generation"] == 2);
    BOOST_TEST(ok["policy_hash"] != before["policy_hash"]);
    BOOST_TEST(ok["policies"].dump().find("server-test-extra") != std::string::npos);

    res = s.post(
        "/v1/decide",
        R"({"id":"t-3","conversation_id":"conv-1","turn":3,"speaker":"ai","text":"xyzzy","ai":{"disclosed":true}})");
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json d = json::parse(res->body);
    BOOST_TEST(d["policy_hash"] == ok["policy_hash"]);
    BOOST_TEST(d["findings"].dump().find("no_secret_word") != std::string::npos);
    BOOST_TEST(s.metric("vigil_sessions_reset_by_reload_total") == 1);
    BOOST_TEST(s.metric("vigil_policy_reloads_total{result=\"ok\"}") == 1);
    BOOST_TEST(s.metric("vigil_policy_generation") == 2);

    // Reloading the same files changes nothing.
    res = s.post("/v1/policies/reload", "");
    BOOST_REQUIRE(res);
    BOOST_TEST(json::parse(res->body)["changed"] == false);
    BOOST_TEST(s.get_json("/v1/policies")["generation"] == 2);
    BOOST_TEST(s.terminate() == 0);
}

// A reload of files that changed only in comments and layout changes nothing but the files' hash:
// the running set stays, with its generation, its policy hash and the state of open conversations.
BOOST_AUTO_TEST_CASE(a_reload_of_comments_and_layout_keeps_the_set_and_its_conversations) {
    served s;
    const auto before = s.get_json("/v1/policies");
    BOOST_REQUIRE_EQUAL(s.post("/v1/decide", record_1)->status, 200);
    for (const auto& entry : fs::directory_iterator(s.policies)) {
        if (entry.path().extension() != ".vigil") continue;
        std::string text = read_text(entry.path());
        for (std::size_t at = 0; (at = text.find("\n  ", at)) != std::string::npos; at += 4) text.insert(at + 1, "  ");
        write_text(entry.path(), "# indented further\n\n" + text + "// the end\n");
    }
    auto res = s.post("/v1/policies/reload", "");
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json reloaded = json::parse(res->body);
    BOOST_TEST(reloaded["changed"] == false);
    BOOST_TEST(reloaded["generation"] == 1);
    BOOST_TEST(reloaded["policy_hash"] == before["policy_hash"]);
    BOOST_TEST(reloaded["files_hash"] != before["policy_hash"]);
    const auto after = s.get_json("/v1/policies");
    BOOST_TEST(after["policy_hash"] == before["policy_hash"]);
    BOOST_TEST(after["generation"] == 1);
    BOOST_TEST(after["last_reload"]["changed"] == false);
    BOOST_TEST(after["last_reload"]["files_hash"] == reloaded["files_hash"]);
    BOOST_TEST(s.process->output().find("reload (http): no change in meaning") != std::string::npos);

    res = s.post("/v1/decide", record_2);
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    const json decided = json::parse(res->body);
    BOOST_TEST(decided["placement"] == "in_order");
    BOOST_TEST(decided["policy_hash"] == before["policy_hash"]);
    BOOST_TEST(s.metric("vigil_sessions_reset_by_reload_total") == 0);
    BOOST_TEST(s.metric("vigil_policy_reloads_total{result=\"ok\"}") == 1);
    BOOST_TEST(s.terminate() == 0);
}

// As daemons do: SIGUSR1 reopens the decision log under its name once logrotate has renamed it
// (no decision lost, none written twice), SIGHUP reloads the policies.
BOOST_AUTO_TEST_CASE(signals_reopen_the_decision_log_and_reload_the_policies) {
    served s({"--decision-log", "decisions.jsonl"});
    const fs::path dir = s.dir.path();
    const auto turn = [](int n) {
        return R"({"id":"rot-)" + std::to_string(n) + R"(","conversation_id":"rot","turn":)" + std::to_string(n) +
               R"(,"speaker":"user","text":"hi"})";
    };
    const auto decide_turns = [&](int first, int last) {
        for (int n = first; n <= last; ++n) {
            auto res = s.post("/v1/decide", turn(n));
            BOOST_REQUIRE(res);
            BOOST_REQUIRE_EQUAL(res->status, 200);
        }
    };
    const auto log_says = [&](const std::string& text) {
        return eventually([&] { return s.process->output().find(text) != std::string::npos; }, 10s);
    };

    decide_turns(1, 30);
    fs::rename(dir / "decisions.jsonl", dir / "decisions.jsonl.1");
    s.process->signal(SIGUSR1);
    BOOST_REQUIRE(log_says("decision log `decisions.jsonl` reopened"));
    decide_turns(31, 60);

    write_text(s.policies / "extra.vigil", extra_policy);
    s.process->signal(SIGHUP);
    BOOST_REQUIRE(log_says("reload (signal): generation 2"));
    const json policies = s.get_json("/v1/policies");
    BOOST_TEST(policies["generation"] == 2);
    BOOST_TEST(policies["last_reload"]["trigger"] == "signal");
    BOOST_TEST(policies["policies"].dump().find("server-test-extra") != std::string::npos);
    BOOST_REQUIRE_EQUAL(s.terminate(), 0);

    // Turns 1-30 in the renamed file, 31-60 and the shutdown's closing line in the new one.
    const auto turns_in = [&](const fs::path& file, std::size_t& closed) {
        std::vector<int> turns;
        std::istringstream in(read_text(file));
        for (std::string line; std::getline(in, line);) {
            const json entry = json::parse(line);
            if (entry.contains("record")) {
                turns.push_back(entry["record"]["turn"]);
            } else {
                ++closed;
            }
        }
        return turns;
    };
    std::size_t closed_before = 0, closed_after = 0;
    const std::vector<int> before = turns_in(dir / "decisions.jsonl.1", closed_before);
    const std::vector<int> after = turns_in(dir / "decisions.jsonl", closed_after);
    std::vector<int> expected_before(30), expected_after(30);
    std::iota(expected_before.begin(), expected_before.end(), 1);
    std::iota(expected_after.begin(), expected_after.end(), 31);
    BOOST_TEST(before == expected_before, boost::test_tools::per_element());
    BOOST_TEST(after == expected_after, boost::test_tools::per_element());
    BOOST_TEST(closed_before == 0u);
    BOOST_TEST(closed_after == 1u);

    // Without a decision log, SIGUSR1 is reported and changes nothing.
    served plain;
    plain.process->signal(SIGUSR1);
    BOOST_TEST(eventually(
        [&] { return plain.process->output().find("there is no decision log to reopen") != std::string::npos; }, 10s));
    BOOST_TEST(plain.get_json("/healthz")["status"] == "ok");
    BOOST_TEST(plain.terminate() == 0);
}

// A disk that refuses writes (here /dev/full, behind the log's name) loses no decision: the server
// goes on deciding, the lines wait in memory and /healthz answers 503 until a write goes through
// (here once the log is reopened on a real file).
BOOST_AUTO_TEST_CASE(a_failing_decision_log_holds_its_lines_until_it_can_write_them) {
    temp_dir scratch;
    const fs::path log = scratch.path() / "decisions.jsonl";
    fs::create_symlink("/dev/full", log);
    served s({"--decision-log", log.string()});
    const auto turn = [](int n) {
        return R"({"id":"full-)" + std::to_string(n) + R"(","conversation_id":"full","turn":)" + std::to_string(n) +
               R"(,"speaker":"user","text":"hi"})";
    };
    for (int n = 1; n <= 10; ++n) {
        auto res = s.post("/v1/decide", turn(n));
        BOOST_REQUIRE(res);
        BOOST_REQUIRE_EQUAL(res->status, 200);
    }
    BOOST_REQUIRE(eventually([&] { return s.metric("vigil_decision_log_failing") == 1; }, 10s));
    auto health = s.get("/healthz");
    BOOST_REQUIRE(health);
    BOOST_TEST(health->status == 503);
    BOOST_TEST(json::parse(health->body)["status"] == "degraded");
    BOOST_TEST(json::parse(health->body)["decision_log"] == "failing");
    BOOST_TEST(s.metric("vigil_decision_log_write_errors_total") >= 1);
    BOOST_TEST(s.metric("vigil_decision_log_queue_bytes") > 0);
    BOOST_TEST(s.process->output().find("its lines wait in memory") != std::string::npos);

    // A real file under the name, and the log reopened: the waiting lines are written there.
    fs::remove(log);
    s.process->signal(SIGUSR1);
    BOOST_REQUIRE(eventually([&] { return s.metric("vigil_decision_log_failing") == 0; }, 10s));
    BOOST_TEST(s.get_json("/healthz")["decision_log"] == "ok");
    for (int n = 11; n <= 20; ++n) {
        auto res = s.post("/v1/decide", turn(n));
        BOOST_REQUIRE(res);
        BOOST_REQUIRE_EQUAL(res->status, 200);
    }
    BOOST_TEST(s.metric("vigil_decision_log_dropped_lines_total") == 0);
    BOOST_REQUIRE_EQUAL(s.terminate(), 0);  // nothing was lost

    std::vector<int> turns;
    std::istringstream in(read_text(log));
    for (std::string line; std::getline(in, line);) {
        const json entry = json::parse(line);
        if (entry.contains("record")) turns.push_back(entry["record"]["turn"]);
    }
    std::vector<int> expected(20);
    std::iota(expected.begin(), expected.end(), 1);
    BOOST_TEST(turns == expected, boost::test_tools::per_element());
}

// Past --decision-log-max-waiting bytes held back, new lines are dropped and counted, and the
// server's exit code says that lines were lost.
BOOST_AUTO_TEST_CASE(past_its_limit_a_failing_decision_log_drops_and_counts_lines) {
    temp_dir scratch;
    const fs::path log = scratch.path() / "decisions.jsonl";
    fs::create_symlink("/dev/full", log);
    served s({"--decision-log", log.string(), "--decision-log-max-waiting", "8KiB"});
    for (int n = 1; n <= 12; ++n) {
        auto res = s.post("/v1/decide", R"({"id":"d-)" + std::to_string(n) + R"(","conversation_id":"drop","turn":)" +
                                            std::to_string(n) + R"(,"speaker":"user","text":"hi"})");
        BOOST_REQUIRE(res);
        BOOST_REQUIRE_EQUAL(res->status, 200);  // deciding goes on
    }
    BOOST_TEST(s.metric("vigil_decision_log_dropped_lines_total") > 0);
    BOOST_TEST(s.metric("vigil_decision_log_queue_bytes") <= 8192);
    BOOST_TEST(s.process->output().find("dropping new lines") != std::string::npos);
    BOOST_TEST(s.terminate() == 2);
    BOOST_TEST(s.process->output().find("lines lost") != std::string::npos);
}

// --decision-log-when-full refuse: past the limit the server refuses to decide (503) rather than
// drop lines, leaving the conversation as it was; once the log is written again it decides again,
// and every turn it decided is in the log.
BOOST_AUTO_TEST_CASE(a_full_decision_log_can_make_the_server_refuse_to_decide) {
    temp_dir scratch;
    const fs::path log = scratch.path() / "decisions.jsonl";
    fs::create_symlink("/dev/full", log);
    served s(
        {"--decision-log", log.string(), "--decision-log-max-waiting", "8KiB", "--decision-log-when-full", "refuse"});
    const auto turn = [](int n) {
        return R"({"id":"r-)" + std::to_string(n) + R"(","conversation_id":"closed","turn":)" + std::to_string(n) +
               R"(,"speaker":"user","text":"hi"})";
    };
    int decided = 0;
    for (;;) {
        auto res = s.post("/v1/decide", turn(decided + 1));
        BOOST_REQUIRE(res);
        if (res->status == 503) {
            const json e = error_of(res, 503, "decision_log_full");
            BOOST_TEST(e["message"].get<std::string>().find("nothing was decided") != std::string::npos);
            break;
        }
        BOOST_REQUIRE_EQUAL(res->status, 200);
        BOOST_REQUIRE(++decided < 100);
    }
    BOOST_TEST(decided >= 1);
    // A batch is refused element by element.
    auto res = s.post("/v1/decide/batch", "[" + turn(decided + 1) + "]");
    BOOST_REQUIRE(res);
    BOOST_TEST(json::parse(res->body)[0]["error"]["status"] == 503);

    fs::remove(log);
    s.process->signal(SIGUSR1);
    BOOST_REQUIRE(eventually([&] { return s.metric("vigil_decision_log_queue_bytes") == 0; }, 10s));
    // The refused turn was not decided: it is the next one now.
    res = s.post("/v1/decide", turn(decided + 1));
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    BOOST_TEST(json::parse(res->body)["placement"] == "in_order");
    ++decided;
    BOOST_TEST(s.metric("vigil_decision_log_dropped_lines_total") == 0);
    BOOST_REQUIRE_EQUAL(s.terminate(), 0);

    std::vector<int> turns;
    std::istringstream in(read_text(log));
    for (std::string line; std::getline(in, line);) {
        const json entry = json::parse(line);
        if (entry.contains("record")) turns.push_back(entry["record"]["turn"]);
    }
    std::vector<int> expected(static_cast<std::size_t>(decided));
    std::iota(expected.begin(), expected.end(), 1);
    BOOST_TEST(turns == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reload_requires_the_bearer_token) {
    temp_dir secrets;
    write_text(secrets.path() / "token", "s3cret-token\n");
    served s({"--token-file", (secrets.path() / "token").string()});

    auto res = s.post("/v1/policies/reload", "");
    error_of(res, 401, "unauthorized");
    BOOST_TEST(res->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);
    httplib::Headers wrong{{"Authorization", "Bearer s3cret-tokeN"}};
    error_of(s.http->Post("/v1/policies/reload", wrong, "", "application/json"), 401, "unauthorized");
    httplib::Headers basic{{"Authorization", "Basic czNjcmV0LXRva2Vu"}};
    error_of(s.http->Post("/v1/policies/reload", basic, "", "application/json"), 401, "unauthorized");
    httplib::Headers right{{"Authorization", "Bearer s3cret-token"}};
    res = s.http->Post("/v1/policies/reload", right, "", "application/json");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    // Only reload is guarded.
    BOOST_TEST(s.post("/v1/decide", record_1)->status == 200);
    BOOST_TEST(s.terminate() == 0);

    served from_env({}, {{"VIGIL_TOKEN", "from-the-environment"}});
    error_of(from_env.post("/v1/policies/reload", ""), 401, "unauthorized");
    httplib::Headers env_right{{"Authorization", "Bearer from-the-environment"}};
    res = from_env.http->Post("/v1/policies/reload", env_right, "", "application/json");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(from_env.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(a_token_file_that_cannot_be_read_stops_the_start) {
    temp_dir dir;
    fs::create_directory(dir.path() / "secrets");
    write_text(dir.path() / "empty", "\n");
    const std::string policies = (source_dir / "policies").string();
    const std::vector<std::pair<std::string, std::string>> cases{
        {"secrets", "cannot read the token file `secrets`: it is a directory, not a file"},
        {"empty", "cannot read the token file `empty`: the file's first line is empty"},
        {"nothing-here", "cannot read the token file `nothing-here`: No such file or directory"},
    };
    for (const auto& [token_file, message] : cases) {
        BOOST_TEST_CONTEXT(token_file) {
            child c({"serve", "--policy", policies, "--listen", "127.0.0.1:0", "--token-file", token_file}, dir.path(),
                    dir.path() / "out");
            BOOST_TEST(c.wait(20s) == 2);
            BOOST_TEST(c.output().find(message) != std::string::npos, c.output());
        }
    }
}

BOOST_AUTO_TEST_CASE(the_watcher_reloads_changed_files) {
    served s({"--watch"});
    const auto before = s.get_json("/v1/policies");

    write_text(s.policies / "extra.vigil", extra_policy);
    BOOST_REQUIRE_MESSAGE(eventually([&] { return s.get_json("/v1/policies")["generation"] == 2; }, 20s),
                          "the watcher did not reload:\n" + s.process->output());
    const auto after = s.get_json("/v1/policies");
    BOOST_TEST(after["policy_hash"] != before["policy_hash"]);
    BOOST_TEST(after["last_reload"]["trigger"] == "watch");

    // A broken file is reported and counted once, and the running set stays.
    write_text(s.policies / "broken.vigil", broken_policy);
    BOOST_REQUIRE(eventually([&] { return s.metric("vigil_policy_reloads_total{result=\"failed\"}") == 1; }, 20s));
    std::this_thread::sleep_for(2500ms);
    BOOST_TEST(s.metric("vigil_policy_reloads_total{result=\"failed\"}") == 1);
    BOOST_TEST(s.get_json("/v1/policies")["generation"] == 2);
    BOOST_TEST(s.post("/v1/decide", record_1)->status == 200);
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(policies_that_do_not_check_stop_the_start) {
    temp_dir dir;
    write_text(dir.path() / "broken.vigil", broken_policy);
    child c({"serve", "--policy", "broken.vigil", "--listen", "127.0.0.1:0"}, dir.path(), dir.path() / "out");
    BOOST_TEST(c.wait(20s) == 3);
    BOOST_TEST(c.output().find("broken.vigil") != std::string::npos);
    child missing({"serve", "--policy", "nothing-here", "--listen", "127.0.0.1:0"}, dir.path(), dir.path() / "out2");
    BOOST_TEST(missing.wait(20s) == 2);
    child bad_listen({"serve", "--policy", "broken.vigil", "--listen", "nowhere"}, dir.path(), dir.path() / "out3");
    BOOST_TEST(bad_listen.wait(20s) == 2);
    // A body limit no record fits under would refuse every decision.
    for (const std::string max_body : {"0", "1"}) {
        child no_body({"serve", "--policy", (source_dir / "policies").string(), "--listen", "127.0.0.1:0", "--max-body",
                       max_body},
                      dir.path(), dir.path() / "out4");
        BOOST_TEST(no_body.wait(20s) == 2);
        BOOST_TEST(no_body.output().find("`max body` must be at least 2 bytes") != std::string::npos, no_body.output());
    }
}

// ---- the decision log, SIGTERM and replay ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_decision_log_replays_to_the_live_findings) {
    served s({"--decision-log", "decisions.jsonl"});
    const fs::path dir = s.dir.path();

    // A generated log with late, repeated, missing and broken lines, sent turn by turn.
    child gen({"generate", "-n", "1500", "--seed", "11", "--concurrent", "40", "--out-of-order", "0.03", "--duplicates",
               "0.02", "--gaps", "0.02", "--malformed", "0.01", "-o", "records.jsonl"},
              dir, dir / "gen.out");
    BOOST_REQUIRE_EQUAL(gen.wait(60s), 0);
    std::vector<std::string> lines;
    {
        std::istringstream in(read_text(dir / "records.jsonl"));
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    BOOST_REQUIRE(lines.size() >= 1500u);
    // A record pretty-printed over several lines is logged on one.
    lines.push_back(
        "{\n  \"id\": \"pretty-1\",\n  \"conversation_id\": \"pretty\",\n  \"turn\": 1,\n  \"speaker\": \"ai\"\n}");

    std::vector<finding_key> live;
    std::vector<std::string> decided_records;
    std::size_t refused = 0, conflicts = 0, repeats = 0;
    for (const auto& line : lines) {
        auto res = s.post("/v1/decide", line);
        BOOST_REQUIRE(res);
        if (res->status == 200) {
            const json answer = json::parse(res->body);
            if (answer.contains("repeat")) {  // a duplicate of the last decided turn: not logged again
                ++repeats;
                continue;
            }
            add_findings(live, answer);
            BOOST_TEST(answer["meta"] == json::parse(line).value("meta", json(nullptr)));  // carried through
            decided_records.push_back(line);
        } else if (res->status == 409) {
            ++conflicts;
        } else {
            BOOST_REQUIRE_MESSAGE(res->status == 400, res->body);
            ++refused;
        }
    }
    BOOST_TEST(refused > 0u);
    BOOST_TEST(conflicts > 0u);
    BOOST_TEST_MESSAGE("repeats: " << repeats);
    const double open = s.metric("vigil_sessions_open");
    BOOST_TEST(open > 0);

    BOOST_REQUIRE_EQUAL(s.terminate(), 0);
    const std::string output = s.process->output();
    BOOST_TEST(output.find("flushed and closed") != std::string::npos);

    // Complete and flushed: every decision, then every conversation closed at shutdown.
    const std::string log = read_text(dir / "decisions.jsonl");
    BOOST_REQUIRE(!log.empty());
    BOOST_TEST(log.back() == '\n');
    std::size_t decisions = 0, closed = 0, line_no = 0;
    std::set<std::size_t> closed_lines;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        const json j = json::parse(line);  // every line is JSON
        if (j.contains("record")) {
            BOOST_REQUIRE(decisions < decided_records.size());
            const std::string& sent = decided_records[decisions];
            if (sent.find('\n') == std::string::npos) {
                // The record exactly as received.
                BOOST_TEST(line.rfind("{\"record\":" + sent + ",\"decision\":", 0) == 0);
            } else {
                BOOST_TEST(j["record"]["id"] == "pretty-1");
            }
            BOOST_TEST(j["policy_hash"].get<std::string>().rfind("sha256:", 0) == 0);
            BOOST_TEST(j["received_at"].get<std::string>().size() == 24u);
            BOOST_TEST(j["decision"]["policy_hash"] == j["policy_hash"]);
            BOOST_TEST(j["decision"]["meta"] == j["record"].value("meta", json(nullptr)));
            ++decisions;
        } else {
            BOOST_TEST(j["event"] == "conversation_closed");
            BOOST_TEST(j["reason"] == "shutdown");
            add_findings(live, j["decision"]);
            closed_lines.insert(line_no);
            ++closed;
        }
    }
    BOOST_TEST(decisions == decided_records.size());
    BOOST_TEST(static_cast<double>(closed) == open);

    // Replayed as a service judges (no reorder window; no log-time idling: the test ran in seconds).
    child replay({"replay", "--policy", "policies", "--record-member", "record", "--reorder-window", "0", "--idle",
                  "3650d", "--threads", "2", "--findings", "replayed.jsonl", "--summary-json", "summary.json",
                  "--log-level", "warn", "decisions.jsonl"},
                 dir, dir / "replay.out");
    const int status = replay.wait(120s);
    BOOST_TEST_MESSAGE("replay: exit " << status << "\n" << replay.output());
    BOOST_TEST((status == 0 || status == 1));  // nothing malformed: the log holds only valid records
    const json summary = json::parse(read_text(dir / "summary.json"));
    BOOST_TEST(summary["without_record"].get<std::size_t>() == closed_lines.size());
    BOOST_TEST(summary["malformed"]["count"].get<std::size_t>() == 0u);
    std::vector<finding_key> replayed;
    std::istringstream found(read_text(dir / "replayed.jsonl"));
    for (std::string line; std::getline(found, line);) {
        const json j = json::parse(line);
        if (j.contains("rule")) {
            replayed.emplace_back(j["record_id"].dump(), j["rule"], j["outcome"]);
        } else {
            BOOST_TEST_CONTEXT(line) {
                BOOST_TEST(j["event"] == "gap");
            }
        }
    }
    std::sort(live.begin(), live.end());
    std::sort(replayed.begin(), replayed.end());
    BOOST_TEST(live.size() > 100u);
    BOOST_TEST(live.size() == replayed.size());
    BOOST_TEST((live == replayed));
    if (live != replayed) {
        std::vector<finding_key> only_live, only_replay;
        std::set_difference(live.begin(), live.end(), replayed.begin(), replayed.end(), std::back_inserter(only_live));
        std::set_difference(replayed.begin(), replayed.end(), live.begin(), live.end(),
                            std::back_inserter(only_replay));
        for (std::size_t i = 0; i < std::min<std::size_t>(only_live.size(), 10); ++i)
            BOOST_TEST_MESSAGE("only live: " << std::get<0>(only_live[i]) << " " << std::get<1>(only_live[i]) << " "
                                             << std::get<2>(only_live[i]));
        for (std::size_t i = 0; i < std::min<std::size_t>(only_replay.size(), 10); ++i)
            BOOST_TEST_MESSAGE("only replay: " << std::get<0>(only_replay[i]) << " " << std::get<1>(only_replay[i])
                                               << " " << std::get<2>(only_replay[i]));
    }
}

// A client that timed out sends the same record again: it gets the first answer, marked as a
// repeat, and the turn is neither decided nor logged again.
BOOST_AUTO_TEST_CASE(a_resent_record_gets_its_first_answer_again) {
    served s({"--decision-log", "decisions.jsonl"});
    const std::string sale =
        R"({"id":"rt-1","conversation_id":"retry","turn":1,"timestamp":"2026-03-02T10:00:00Z","speaker":"ai",)"
        R"("text":"Only today!","ai":{"disclosed":true},"signals":{"distress":0.9},)"
        R"("actions":[{"type":"offer","category":"upsell"}]})";
    auto res = s.post("/v1/decide", sale);
    BOOST_REQUIRE(res);
    BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
    json first = json::parse(res->body);
    BOOST_TEST(first["decision"] == "deny");
    BOOST_TEST(!first.contains("repeat"));
    for (int resend = 0; resend < 2; ++resend) {
        res = s.post("/v1/decide", sale);
        BOOST_REQUIRE(res);
        BOOST_REQUIRE_MESSAGE(res->status == 200, res->body);
        json again = json::parse(res->body);
        BOOST_TEST(again["repeat"] == true);
        again.erase("repeat");
        BOOST_TEST(again == first);
    }
    BOOST_TEST(s.metric(R"(vigil_decisions_total{decision="deny"})") == 1);

    // Other content for the same turn is a conflict, as is the resend of a turn before the last.
    std::string changed = sale;
    changed.replace(changed.find("Only today!"), 11, "Only today.");
    error_of(s.post("/v1/decide", changed), 409, "duplicate_turn");
    std::string next = sale;
    next.replace(next.find("\"turn\":1"), 8, "\"turn\":2").replace(next.find("rt-1"), 4, "rt-2");
    res = s.post("/v1/decide", next);
    BOOST_REQUIRE(res);
    BOOST_TEST(json::parse(res->body)["placement"] == "in_order");
    error_of(s.post("/v1/decide", sale), 409, "duplicate_turn");

    BOOST_REQUIRE_EQUAL(s.terminate(), 0);
    const std::string log = read_text(s.dir.path() / "decisions.jsonl");
    std::size_t lines = 0, first_turns = 0;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        ++lines;
        first_turns += line.find("\"rt-1\"") != std::string::npos && line.find("\"record\"") != std::string::npos;
    }
    BOOST_TEST(first_turns == 1u);
    BOOST_TEST(lines == 3u);  // two turns and the closing
}

// --decision-log-omit: the log keeps neither the words nor, without consent, the emotion signals
// of a person, in the records or in the evidence of their findings; the client's answers keep
// everything, and the log still replays.
BOOST_AUTO_TEST_CASE(the_decision_log_leaves_out_what_it_is_told_to) {
    served s({"--decision-log", "decisions.jsonl", "--decision-log-omit", "text", "--decision-log-omit",
              "signals:unless=user.consent.emotion_analysis", "--decision-log-omit", "meta.account"});
    const fs::path dir = s.dir.path();
    child gen({"generate", "-n", "600", "--seed", "5", "-o", "records.jsonl"}, dir, dir / "gen.out");
    BOOST_REQUIRE_EQUAL(gen.wait(60s), 0);

    // What each logged record should be: the record sent, without what is left out.
    const auto expected_of = [](const std::string& sent, std::vector<std::string>& omitted) {
        nlohmann::ordered_json r = nlohmann::ordered_json::parse(sent);
        omitted.clear();
        if (r.erase("text") > 0) omitted.push_back("text");
        const bool consented = r.contains("user") && r["user"].contains("consent") &&
                               r["user"]["consent"].value("emotion_analysis", json(false)) == json(true);
        if (!consented && r.erase("signals") > 0) omitted.push_back("signals");
        if (r.contains("meta") && r["meta"].is_object() && r["meta"].erase("account") > 0)
            omitted.push_back("meta.account");
        return r;
    };
    const auto hidden = [](const std::string& key, const std::vector<std::string>& omitted) {
        return std::any_of(omitted.begin(), omitted.end(), [&](const std::string& o) {
            return key.rfind(o, 0) == 0 && (key.size() == o.size() || key[o.size()] == '.');
        });
    };

    // The messages of the shipped rules whose templates show the text and the distress.
    std::size_t masked_messages = 0;
    const auto logged_message = [](const json& answered, const std::vector<std::string>& omitted, std::size_t& masked) {
        const auto left_out = [&](const char* o) {
            return std::find(omitted.begin(), omitted.end(), o) != omitted.end();
        };
        if (answered["outcome"] != "violation") return answered["message"];
        if (answered["rule"] == "no_pressure_on_distressed" && left_out("text")) {
            ++masked;
            return json("urgency or scarcity pressure in the text to a distressed or vulnerable person: (omitted)");
        }
        if (answered["rule"] == "no_sales_to_distressed" && left_out("signals")) {
            ++masked;
            return json("sales offer to a distressed or vulnerable person (distress (omitted))");
        }
        return answered["message"];
    };

    std::vector<std::string> sent;
    std::vector<json> answers;
    std::size_t text_evidence_answered = 0;
    std::istringstream in(read_text(dir / "records.jsonl"));
    for (std::string line; std::getline(in, line);) {
        auto res = s.post("/v1/decide", line);
        BOOST_REQUIRE(res);
        if (res->status != 200) continue;
        sent.push_back(line);
        answers.push_back(json::parse(res->body));
        for (const auto& f : answers.back()["findings"]) text_evidence_answered += f["evidence"].contains("text");
    }
    BOOST_TEST(text_evidence_answered > 0u);  // the answers keep what the log leaves out
    BOOST_REQUIRE_EQUAL(s.terminate(), 0);
    BOOST_TEST(s.process->output().find("decision log: `decisions.jsonl` without text, signals unless "
                                        "user.consent.emotion_analysis, meta.account; watch: off") != std::string::npos,
               s.process->output());

    std::size_t decisions = 0, signals_kept = 0, signals_left_out = 0;
    std::istringstream log(read_text(dir / "decisions.jsonl"));
    for (std::string line; std::getline(log, line);) {
        const nlohmann::ordered_json j = nlohmann::ordered_json::parse(line);
        if (!j.contains("record")) continue;
        BOOST_REQUIRE(decisions < sent.size());
        std::vector<std::string> omitted;
        const auto expected = expected_of(sent[decisions], omitted);
        BOOST_TEST_CONTEXT(line) {
            BOOST_TEST(j["record"] == expected);
            BOOST_TEST(j.value("omitted", json::array()).get<std::vector<std::string>>() == omitted);
            const json& answer = answers[decisions];
            BOOST_REQUIRE(j["decision"]["findings"].size() == answer["findings"].size());
            for (std::size_t i = 0; i < answer["findings"].size(); ++i) {
                json evidence = json::object();
                for (const auto& [key, value] : answer["findings"][i]["evidence"].items()) {
                    if (!hidden(key, omitted)) evidence[key] = value;
                }
                BOOST_TEST(json(j["decision"]["findings"][i]["evidence"]) == evidence);
                BOOST_TEST(j["decision"]["findings"][i]["message"] ==
                           logged_message(answer["findings"][i], omitted, masked_messages));
            }
            if (j["decision"]["meta"].is_object()) BOOST_TEST(!j["decision"]["meta"].contains("account"));
        }
        const bool had_signals = json::parse(sent[decisions]).contains("signals");
        if (had_signals) (j["record"].contains("signals") ? signals_kept : signals_left_out) += 1;
        ++decisions;
    }
    BOOST_TEST(decisions == sent.size());
    BOOST_TEST(masked_messages > 0u);
    BOOST_TEST(s.process->output().find("decision log: messages show `(omitted)` for what is left out, in "
                                        "manipulation.no_sales_to_distressed (signals), "
                                        "manipulation.no_pressure_on_distressed (text)") != std::string::npos,
               s.process->output());
    BOOST_TEST(signals_kept > 0u);  // consented
    BOOST_TEST(signals_left_out > 0u);

    // The log replays: what a rule read from a member left out is now unknown, not false.
    child replay(
        {"replay", "--policy", "policies", "--record-member", "record", "--reorder-window", "0", "--idle", "3650d",
         "--findings", "replayed.jsonl", "--summary-json", "summary.json", "--log-level", "warn", "decisions.jsonl"},
        dir, dir / "replay.out");
    const int status = replay.wait(120s);
    BOOST_TEST((status == 0 || status == 1), replay.output());
    const json summary = json::parse(read_text(dir / "summary.json"));
    BOOST_TEST(summary["decided"].get<std::size_t>() == decisions);
    BOOST_TEST(summary["malformed"]["count"].get<std::size_t>() == 0u);
}

// A member replay needs cannot be left out, and leaving out needs a log.
BOOST_AUTO_TEST_CASE(decision_log_omit_refuses_what_replay_needs) {
    temp_dir dir;
    child refused({"serve", "--policy", (source_dir / "policies").string(), "--decision-log", "d.jsonl",
                   "--decision-log-omit", "turn"},
                  dir.path(), dir.path() / "out");
    BOOST_TEST(refused.wait(20s) == 2);
    BOOST_TEST(refused.output().find("`turn` cannot be left out: replay needs it") != std::string::npos,
               refused.output());
    child no_log({"serve", "--policy", (source_dir / "policies").string(), "--decision-log-omit", "text"}, dir.path(),
                 dir.path() / "out2");
    BOOST_TEST(no_log.wait(20s) == 2);
    BOOST_TEST(no_log.output().find("--decision-log") != std::string::npos, no_log.output());
    std::string error;
    BOOST_TEST(!vigil::server::parse_log_omission("signals:if=x", error));
    BOOST_TEST(error.find("PATH:unless=FIELD") != std::string::npos);
    BOOST_TEST(!vigil::server::parse_log_omission("signals:unless=1x", error));
    const auto parsed =
        vigil::server::parse_log_omission("signals.emotions:unless=user.consent.emotion_analysis", error);
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->path == "signals.emotions");
    BOOST_TEST(parsed->unless == "user.consent.emotion_analysis");
}

// A client that keeps resending a stale turn, answered 409 each time, does not keep its
// conversation open: only a decided turn counts for --idle.
BOOST_AUTO_TEST_CASE(a_stale_turn_sent_again_and_again_does_not_keep_its_conversation_open) {
    served s({"--idle", "1s"});
    BOOST_REQUIRE_EQUAL(s.post("/v1/decide", record_1)->status, 200);
    BOOST_REQUIRE_EQUAL(s.post("/v1/decide", record_2)->status, 200);
    error_of(s.post("/v1/decide", record_1), 409, "duplicate_turn");
    // Ten times a second, for longer than the idle time and the server's once-a-second look.
    const bool expired = eventually(
        [&] {
            (void)s.post("/v1/decide", record_1);
            return s.metric("vigil_sessions_expired_total") >= 1;
        },
        8s);
    BOOST_TEST(expired);
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(idle_and_evicted_conversations_are_closed_and_logged) {
    served s({"--decision-log", "decisions.jsonl", "--idle", "1s", "--max-session-bytes", "4KiB"});
    BOOST_REQUIRE_EQUAL(s.post("/v1/decide", record_1)->status, 200);
    BOOST_REQUIRE(eventually([&] { return s.metric("vigil_sessions_expired_total") == 1; }, 20s));
    BOOST_TEST(s.metric("vigil_sessions_open") == 0);

    // Many conversations at once, more than 4 KiB of state: the least recently fed are evicted.
    for (int i = 0; i < 200; ++i) {
        const std::string id = "many-" + std::to_string(i);
        auto res = s.post("/v1/decide", R"({"id":")" + id + R"(","conversation_id":")" + id +
                                            R"(","turn":1,"speaker":"user","text":"hello"})");
        BOOST_REQUIRE(res);
        BOOST_REQUIRE_EQUAL(res->status, 200);
    }
    BOOST_TEST(s.metric("vigil_sessions_evicted_total") > 0);
    BOOST_TEST(s.metric("vigil_session_bytes") <= 4096);
    BOOST_REQUIRE_EQUAL(s.terminate(), 0);

    std::map<std::string, std::size_t> reasons;
    std::istringstream in(read_text(s.dir.path() / "decisions.jsonl"));
    for (std::string line; std::getline(in, line);) {
        const json j = json::parse(line);
        if (j.contains("event")) ++reasons[j["reason"].get<std::string>()];
    }
    BOOST_TEST(reasons["idle"] >= 1u);
    BOOST_TEST(reasons["evicted"] > 0u);
    BOOST_TEST(reasons["idle"] + reasons["evicted"] + reasons["shutdown"] == 201u);
}
