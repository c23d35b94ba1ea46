// log_redaction (server/src/redaction.hpp), what --decision-log-omit does to each logged line: the
// members named are cut out of the record byte for byte, every other byte stays, and the evidence
// and meta of the decision lose what shows them.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "redaction.hpp"
#include "vigil/json_text.hpp"
#include "vigil/service.hpp"

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

namespace {

// A set whose one rule's message shows the text, the distress and the speaker.
std::shared_ptr<const vigil::compiled_set> telling_set() {
    const std::string policy = R"(policy "p" {
  rule tells {
    severity high
    when speaker == "ai"
    forbid signals.distress > 0.5
    message "said {text} at {signals.distress} to {speaker}"
  }
  rule quiet {
    severity low
    forbid text == "xyzzy"
    message "the secret word, {speaker}"
  }
}
)";
    const vigil::policy_bundle bundle = vigil::load_policies({{"p.vigil", policy}});
    BOOST_REQUIRE_MESSAGE(bundle.ok(), bundle.render_text());
    return bundle.set;
}

vigil::decision decided(const std::shared_ptr<const vigil::compiled_set>& set, const std::string& record) {
    vigil::evaluator e(set);
    vigil::decision d;
    std::string error;
    BOOST_REQUIRE_MESSAGE(e.decide(record, d, error), error);
    BOOST_REQUIRE_EQUAL(d.findings.size(), 1u);
    return d;
}

}  // namespace

// A message whose template reads a member left out shows `(omitted)` in its place in the log,
// decided by rule once per set; the other placeholders and messages stay.
BOOST_AUTO_TEST_CASE(messages_do_not_show_what_was_cut) {
    const auto set = telling_set();
    // The text holds what the template says after its placeholder: the value is cut by where it
    // was rendered, not by the words around it.
    const std::string record =
        R"({"speaker":"ai","text":"SECRET at 0.9 to ai","signals":{"distress":0.9},"user":{"consent":{"x":true}}})";
    const vigil::decision d = decided(set, record);
    BOOST_TEST(d.findings[0].message == "said SECRET at 0.9 to ai at 0.9 to ai");

    auto r = redaction({"text", "signals"});
    BOOST_TEST(r.prepare(*set) == "p.tells (text, signals)");
    std::string record_out, decision_out, error;
    std::vector<std::string> omitted;
    BOOST_REQUIRE(r.apply(record, d, record_out, decision_out, omitted, error));
    BOOST_TEST(nlohmann::json::parse(decision_out)["findings"][0]["message"] == "said (omitted) at (omitted) to ai");
    BOOST_TEST((omitted == std::vector<std::string>{"text", "signals"}));

    // Consent keeps the distress, in the record and in the message.
    auto consented = redaction({"signals.distress:unless=user.consent.x", "text"});
    BOOST_TEST(consented.prepare(*set) == "p.tells (signals.distress, text)");
    BOOST_REQUIRE(consented.apply(record, d, record_out, decision_out, omitted, error));
    BOOST_TEST(nlohmann::json::parse(decision_out)["findings"][0]["message"] == "said (omitted) at 0.9 to ai");

    // A path above what the placeholder reads masks it too; one beside it does not.
    auto above = redaction({"signals"});
    BOOST_TEST(above.prepare(*set) == "p.tells (signals)");
    BOOST_REQUIRE(above.apply(record, d, record_out, decision_out, omitted, error));
    BOOST_TEST(nlohmann::json::parse(decision_out)["findings"][0]["message"] ==
               "said SECRET at 0.9 to ai at (omitted) to ai");
    auto beside = redaction({"signals.emotions"});
    BOOST_TEST(beside.prepare(*set).empty());
}

// A message is masked even when the member is not in the record (a placeholder may read an earlier
// turn), and every placeholder of a set not prepared is masked.
BOOST_AUTO_TEST_CASE(messages_are_masked_by_what_applies_and_in_sets_not_prepared) {
    const auto set = telling_set();
    const std::string record = R"({"speaker":"ai","text":"SECRET","signals":{"distress":0.9}})";
    const vigil::decision d = decided(set, record);
    std::string record_out, decision_out, error;
    std::vector<std::string> omitted;

    auto not_prepared = redaction({"meta"});
    BOOST_REQUIRE(not_prepared.apply(record, d, record_out, decision_out, omitted, error));
    BOOST_TEST(nlohmann::json::parse(decision_out)["findings"][0]["message"] ==
               "said (omitted) at (omitted) to (omitted)");
    BOOST_TEST(omitted == std::vector<std::string>{"meta"});
    BOOST_TEST(record_out == record);

    // Prepared, nothing of the record is cut and the message shows nothing left out: no change.
    BOOST_TEST(not_prepared.prepare(*set).empty());
    BOOST_REQUIRE(not_prepared.apply(record, d, record_out, decision_out, omitted, error));
    BOOST_TEST(omitted.empty());
}

// A reload prepares its set while the server's threads log decisions: each of them sees the set
// prepared, whole, however often it is prepared again (ThreadSanitizer checks the rest: ./dev tsan).
BOOST_AUTO_TEST_CASE(prepared_again_while_threads_apply) {
    const auto set = telling_set();
    const std::string record = R"({"speaker":"ai","text":"SECRET","signals":{"distress":0.9}})";
    const vigil::decision d = decided(set, record);
    auto r = redaction({"text"});
    BOOST_REQUIRE(!r.prepare(*set).empty());
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0};
    std::vector<std::thread> appliers;
    for (int t = 0; t < 2; ++t) {
        appliers.emplace_back([&] {
            std::string record_out, decision_out, error;
            std::vector<std::string> omitted;
            for (int i = 0; i < 200 || !stop.load(); ++i) {
                if (!r.apply(record, d, record_out, decision_out, omitted, error) ||
                    nlohmann::json::parse(decision_out)["findings"][0]["message"] != "said (omitted) at 0.9 to ai")
                    ++wrong;
            }
        });
    }
    for (int i = 0; i < 200; ++i) (void)r.prepare(*set);
    stop = true;
    for (auto& t : appliers) t.join();
    BOOST_TEST(wrong.load() == 0);
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
