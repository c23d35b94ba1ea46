// The findings lines of `vigil replay`, byte for byte as nlohmann::json dumps them. The renderer
// keeps what it rendered for one finding (a rule's remedies, the policy hash, the outcome and
// decision members) to reuse on the next; these tests change each of them from one finding to the
// next.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../replay/src/tally.hpp"
#include "vigil/evaluate.hpp"

namespace {

using vigil::replay::detail::event_renderer;
using vigil::replay::detail::make_line_id;
using vigil::replay::detail::tally;

const std::vector<std::string> files = {"a.jsonl", "dir/\"odd\"\\name.jsonl"};

// The lines of one decided record as the renderer's nlohmann::json predecessor wrote them.
std::string expected_lines(const std::string& file, std::uint64_t line, const vigil::decision& d,
                           const vigil::record_key& key) {
    const nlohmann::json j = vigil::to_json(d);
    std::string text;
    for (const auto& f : j["findings"]) {
        nlohmann::ordered_json out;
        out["file"] = file;
        out["line"] = line;
        out["record_id"] = j["record_id"];
        out["conversation_id"] = j["conversation_id"];
        out["turn"] = key.has_turn ? nlohmann::json(key.turn) : nlohmann::json(nullptr);
        out["timestamp"] = key.timestamp.empty() ? nlohmann::json(nullptr) : nlohmann::json(key.timestamp);
        out["decision"] = j["decision"];
        for (const char* field : {"policy", "version", "rule", "severity", "outcome", "message", "evidence", "missing",
                                  "errors", "remedies"})
            out[field] = f[field];
        out["policy_hash"] = j["policy_hash"];
        out["meta"] = j["meta"];
        text += out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        text += '\n';
    }
    return text;
}

vigil::finding finding_of(std::uint32_t rule_index, vigil::outcome result, std::vector<vigil::remedy_out> remedies) {
    vigil::finding f;
    f.rule_index = rule_index;
    f.policy = rule_index == 0 ? "privacy" : "p \"quoted\" \\ back";
    f.policy_version = rule_index == 0 ? "2.0" : "";
    f.rule = rule_index == 0 ? "no_marketing" : "r\ttab";
    f.severity = rule_index == 0 ? "critical" : "low";
    f.result = result;
    f.message = "caf\xc3\xa9 \"said\"\n\x01 \xe2\x9c\x93 the message of a finding, long enough for a few blocks";
    f.remedies = std::move(remedies);
    return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(renderer)

BOOST_AUTO_TEST_CASE(findings_lines_are_written_as_nlohmann_dumps_them_as_their_parts_change) {
    using vigil::outcome;
    const std::vector<vigil::remedy_out> notify_x = {{"block", ""}, {"notify", "team-x"}};
    const std::vector<vigil::remedy_out> notify_y = {{"block", ""}, {"notify", "team-y"}};

    std::vector<vigil::decision> decisions(5);
    decisions[0].record_id = "r-1";
    decisions[0].conversation_id = "c-1";
    decisions[0].kind = vigil::decision_kind::deny;
    decisions[0].policy_hash = "sha256:aa";
    decisions[0].findings = {finding_of(0, outcome::violation, notify_x), finding_of(0, outcome::undetermined, {})};
    decisions[0].findings[1].missing = {"data_use.purpose", "a \"b\""};
    decisions[0].meta = R"({"region":"eu-west","trace":{"id":"a\"b","n":[1,2.5]}})";
    // The same rule with other remedies, and another rule.
    decisions[1] = decisions[0];
    decisions[1].record_id = "r-2";
    decisions[1].meta = R"("a text")";
    decisions[1].findings = {finding_of(0, outcome::violation, notify_y), finding_of(1, outcome::violation, notify_y)};
    decisions[1].findings[1].evidence = nlohmann::json{{"text", "a\"b"}, {"n", 1.5}}.dump();
    decisions[1].findings[1].errors = {"`x` is a text\n"};
    // Another compiled set: another hash; the first remedies again.
    decisions[2].record_id = 42;
    decisions[2].meta.clear();  // none: null
    decisions[2].conversation_id = nullptr;
    decisions[2].kind = vigil::decision_kind::allow_with_remedies;
    decisions[2].policy_hash = "sha256:bb";
    decisions[2].findings = {finding_of(0, outcome::violation, notify_x),
                             finding_of(1, outcome::violation, {{"custom", "\"odd\""}})};
    decisions[3] = decisions[2];
    decisions[3].kind = vigil::decision_kind::allow;
    decisions[3].findings = {finding_of(1, outcome::undetermined, {}), finding_of(0, outcome::violation, notify_x)};
    decisions[4].policy_hash = "sha256:bb";  // no findings: no line

    std::vector<vigil::record_key> keys(decisions.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (i != 2) {
            keys[i].turn = static_cast<std::int64_t>(i + 1);
            keys[i].has_turn = true;
        }
        if (i != 3) keys[i].timestamp = "2026-01-05T08:00:0" + std::to_string(i) + "Z";
    }

    event_renderer renderer(files);
    tally counts;
    std::uint64_t violations = 0, undetermined = 0;
    for (std::size_t i = 0; i < decisions.size(); ++i) {
        const std::size_t file = i % files.size();
        const std::uint64_t line = 1000 * i + 7;
        vigil::conversation_event e;
        e.kind = vigil::event_kind::decided;
        e.line = make_line_id(file, line);
        e.record = &keys[i];
        e.verdict = &decisions[i];
        vigil::replay::detail::rendered lines;
        renderer.render(e, lines, counts);
        std::string text;
        lines.append_to(text, 0, lines.pieces.size());
        BOOST_TEST(text == expected_lines(files[file], line, decisions[i], keys[i]), "decision " << i);
        for (const auto& f : decisions[i].findings) ++(f.result == outcome::violation ? violations : undetermined);
    }
    BOOST_TEST(counts.violations == violations);
    BOOST_TEST(counts.undetermined == undetermined);
}

BOOST_AUTO_TEST_SUITE_END()
