// log_redaction (server/src/redaction.hpp), what --decision-log-omit does to each logged line: the
// members named are cut out of the record byte for byte, every other byte stays, and the evidence
// and meta of the decision lose what shows them.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "redaction.hpp"
#include "vigil/json_text.hpp"

namespace {

vigil::server::log_redaction redaction(const std::vector<std::string>& omit) {
    std::vector<vigil::server::log_omission> parsed;
    for (const std::string& text : omit) {
        std::string error;
        auto o = vigil::server::parse_log_omission(text, error);
        BOOST_REQUIRE_MESSAGE(o.has_value(), error);
        parsed.push_back(*o);
    }
    return vigil::server::log_redaction(std::move(parsed));
}

struct redacted {
    std::string record;
    std::string decision;
    std::vector<std::string> omitted;
};

redacted apply(const std::vector<std::string>& omit, const std::string& record, const vigil::decision& d = {}) {
    redacted out;
    std::string error;
    BOOST_REQUIRE_MESSAGE(redaction(omit).apply(record, d, out.record, out.decision, out.omitted, error), error);
    if (!out.omitted.empty()) BOOST_TEST(nlohmann::json::accept(out.record), out.record);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(log_redaction)

BOOST_AUTO_TEST_CASE(members_are_cut_with_one_comma_and_nothing_else_changes) {
    // First, middle, last, all, and blanks and escapes around them.
    BOOST_TEST(apply({"a"}, R"({"a":1,"b":2.50,"c":3})").record == R"({"b":2.50,"c":3})");
    BOOST_TEST(apply({"b"}, R"({"a":1,"b":2.50,"c":3})").record == R"({"a":1,"c":3})");
    BOOST_TEST(apply({"c"}, R"({"a":1,"b":2.50,"c":3})").record == R"({"a":1,"b":2.50})");
    BOOST_TEST(apply({"a", "b"}, R"({"a":1,"b":2,"c":3})").record == R"({"c":3})");
    BOOST_TEST(apply({"b", "c"}, R"({"a":1,"b":2,"c":3})").record == R"({"a":1})");
    BOOST_TEST(apply({"a", "b", "c"}, R"({"a":1,"b":2,"c":3})").record == R"({})");
    BOOST_TEST(apply({"a", "c"}, "{ \"a\" : [1, {\"x\":\"}\"}] ,\n \"b\":true , \"c\" : \"s\\\"\" }").record ==
               "{ \n \"b\":true  }");
    BOOST_TEST(apply({"text"}, R"({"text":"1,2,}","n":null})").record == R"({"n":null})");
    // A name with a dot in it is no field a path names: `signals.distress` is `distress` in `signals`.
    BOOST_TEST(apply({"signals"}, R"({"signals.distress":1,"signals":{"distress":1}})").record ==
               R"({"signals.distress":1})");
    BOOST_TEST(apply({"signals.distress"}, R"({"signals.distress":1,"signals":{"distress":1}})").record ==
               R"({"signals.distress":1,"signals":{}})");
}

BOOST_AUTO_TEST_CASE(a_path_through_a_list_names_the_field_of_every_element) {
    const auto r = apply({"actions.product"},
                         R"({"actions":[{"type":"offer","product":"x"},{"product":"y"},3,[{"product":"z","n":1}]]})");
    BOOST_TEST(r.record == R"({"actions":[{"type":"offer"},{},3,[{"n":1}]]})");
    BOOST_TEST(r.omitted == std::vector<std::string>{"actions.product"});
}

BOOST_AUTO_TEST_CASE(nested_members_and_consent) {
    const std::string consent = R"({"user":{"consent":{"emotion_analysis":true}},)";
    const std::string signals = R"("signals":{"distress":0.7,"emotions":["fear"]},)";
    const std::string record = consent + signals + R"("meta":{"a":1,"account":{"plan":"x"}}})";
    // Consent keeps the signals; the member inside meta goes.
    auto r = apply({"signals:unless=user.consent.emotion_analysis", "meta.account"}, record);
    BOOST_TEST(r.record == consent + signals + R"("meta":{"a":1}})");
    BOOST_TEST(r.omitted == std::vector<std::string>{"meta.account"});
    // Without consent (false, or not a boolean) they go too.
    for (const char* given : {"false", "\"yes\"", "null"}) {
        std::string without = record;
        without.replace(without.find("true"), 4, given);
        r = apply({"signals:unless=user.consent.emotion_analysis", "signals.emotions", "meta.account"}, without);
        BOOST_TEST(r.record.find("signals") == std::string::npos, r.record);
        // signals.emotions went with signals: only what was cut is named.
        BOOST_TEST((r.omitted == std::vector<std::string>{"signals", "meta.account"}), given);
    }
    // A member inside an object, and a path through a non-object, which names nothing.
    r = apply({"signals.emotions", "user.consent.emotion_analysis.x"}, record);
    BOOST_TEST(r.record.find(R"("signals":{"distress":0.7})") != std::string::npos, r.record);
    BOOST_TEST(r.omitted == std::vector<std::string>{"signals.emotions"});
    // Nothing named is there: nothing is written.
    r = apply({"text"}, record);
    BOOST_TEST(r.omitted.empty());
}

BOOST_AUTO_TEST_CASE(the_decision_loses_the_evidence_and_meta_that_show_what_was_cut) {
    vigil::decision d;
    d.record_id = "r-1";
    d.meta = R"({"tenant":"t","account":{"plan":"x"}})";
    vigil::finding f;
    f.policy = "p";
    f.rule = "r";
    f.severity = "high";
    f.message = "m";
    f.evidence = R"({"signals.distress":0.7,"speaker":"ai","text":"hi"})";
    d.findings.push_back(f);
    f.evidence = R"({"text":"hi"})";
    d.findings.push_back(f);
    f.evidence = R"({"actions":[{"product":"p","type":"offer"}],"speaker":"ai"})";
    d.findings.push_back(f);
    const auto r = apply({"text", "signals", "meta.account", "actions.product"},
                         R"({"speaker":"ai","text":"hi","signals":{"distress":0.7},"actions":[{"product":"p"}],)"
                         R"("meta":{"tenant":"t","account":{"plan":"x"}}})",
                         d);
    BOOST_TEST(r.record == R"({"speaker":"ai","actions":[{}],"meta":{"tenant":"t"}})");
    const auto logged = nlohmann::json::parse(r.decision);
    BOOST_TEST(logged["findings"][0]["evidence"] == nlohmann::json::parse(R"({"speaker":"ai"})"));
    BOOST_TEST(logged["findings"][1]["evidence"] == nlohmann::json::object());
    BOOST_TEST(logged["meta"] == nlohmann::json::parse(R"({"tenant":"t"})"));
    // The rest as append_json writes a decision.
    vigil::decision expected = d;
    expected.findings[0].evidence = R"({"speaker":"ai"})";
    expected.findings[1].evidence = "{}";
    expected.findings[2].evidence = R"({"actions":[{"type":"offer"}],"speaker":"ai"})";
    expected.meta = R"({"tenant":"t"})";
    std::string text;
    vigil::append_json(text, expected);
    BOOST_TEST(r.decision == text);

    // The decision's record_id shows the record's `id`.
    const auto without_id = apply({"id"}, R"({"id":"r-1","speaker":"ai"})", d);
    BOOST_TEST(without_id.record == R"({"speaker":"ai"})");
    BOOST_TEST(nlohmann::json::parse(without_id.decision)["record_id"].is_null());
}

// A conversation's closing has no record: whatever `meta` path and `id` are given go, consent or not.
BOOST_AUTO_TEST_CASE(a_closing_decision_loses_its_meta_members_and_record_id) {
    vigil::decision d;
    d.record_id = "r-9";
    d.meta = R"({"tenant":"t","account":{"plan":"x"}})";
    redaction({"meta.account:unless=user.consent.emotion_analysis", "id"}).apply_to_closing(d);
    BOOST_TEST(d.record_id.is_null());
    BOOST_TEST(d.meta == R"({"tenant":"t"})");
    redaction({"meta"}).apply_to_closing(d);
    BOOST_TEST(d.meta.empty());  // null in the log line
}

BOOST_AUTO_TEST_SUITE_END()
