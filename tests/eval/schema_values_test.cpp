// A value the declared record schema does not allow is unknown to the rules that read it, with a
// note that names it (docs/language.md, "Values the schema does not allow").

#include <filesystem>
#include <fstream>
#include <random>

#include <boost/test/unit_test.hpp>

#include "eval_helpers.hpp"

using namespace eval_test;

namespace {

const std::string shipped_schema = std::string(VIGIL_SOURCE_DIR) + "/policies/schema/interaction-record.v1.json";

// A schema file in the temporary directory, removed with the object.
class schema_file {
public:
    explicit schema_file(const std::string& text) {
        std::random_device seed;
        m_path = std::filesystem::temp_directory_path() /
                 ("vigil-schema-" + std::to_string(seed()) + std::to_string(seed()) + ".json");
        std::ofstream(m_path) << text;
    }
    ~schema_file() {
        std::error_code ec;
        std::filesystem::remove(m_path, ec);
    }
    schema_file(const schema_file&) = delete;
    schema_file& operator=(const schema_file&) = delete;
    [[nodiscard]] std::string path() const { return m_path.string(); }

private:
    std::filesystem::path m_path;
};

// A policy named `name` declaring `schema` (none when empty) with one rule `r` that forbids
// `condition`.
std::string policy_forbidding(const std::string& name, const std::string& schema, const std::string& condition) {
    std::string text = "policy \"" + name + "\" {\n";
    if (!schema.empty()) text += "  schema \"" + schema + "\"\n";
    return text + "  rule r {\n    forbid " + condition + "\n  }\n}\n";
}

// "true", "false" or "unknown": how `condition` comes out on `record` under `schema`.
std::string truth_under(const std::string& schema, const std::string& condition, const std::string& record,
                        vigil::finding* out = nullptr) {
    const vigil::decision d = decide(compile_policy(policy_forbidding("p", schema, condition)), record);
    if (d.findings.empty()) return "false";
    if (out != nullptr) *out = d.findings.front();
    return d.findings.front().result == vigil::outcome::violation ? "true" : "unknown";
}

const char* const numbers_schema = R"({
  "type": "object",
  "$defs": {"score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}},
  "properties": {
    "turn": {"type": "integer", "minimum": 1},
    "score": {"$ref": "#/$defs/score"},
    "mood": {"enum": ["calm", "tense"]},
    "labels": {"type": "array", "items": {"type": "string"}},
    "flag": {"type": ["boolean", "null"]},
    "note": {"description": "anything"},
    "inner": {"type": "object", "properties": {"level": {"type": "integer"}}}
  }
})";

}  // namespace

BOOST_AUTO_TEST_SUITE(schema_values)

BOOST_AUTO_TEST_CASE(a_value_the_schema_does_not_allow_leaves_the_rule_undetermined) {
    auto set = compile_policy(R"(policy "disclosure" {
  schema ")" + shipped_schema +
                              R"("
  rule disclosed {
    when speaker == "ai"
    require ai.disclosed == true
  }
})");
    // Judged as written, "AI" is not "ai" and the turn would pass; "yes" is not true and the turn
    // would be a violation. Neither is what the record meant to say.
    auto capital = decide(set, R"({"speaker":"AI","ai":{"disclosed":false}})");
    BOOST_REQUIRE_EQUAL(capital.findings.size(), 1u);
    const vigil::finding& f = capital.findings[0];
    BOOST_TEST(f.result == vigil::outcome::undetermined);
    BOOST_TEST(f.missing.empty());
    BOOST_REQUIRE_EQUAL(f.errors.size(), 1u);
    BOOST_TEST(f.errors[0] ==
               R"(the record's `speaker` is "AI"; its schema allows one of "user", "ai", "human_agent", "system")");
    BOOST_TEST(f.message == "cannot decide `disclosed`: " + f.errors[0]);
    BOOST_TEST(f.evidence == R"({"ai.disclosed":false,"speaker":"AI"})");  // as the record gave it

    auto yes = decide(set, R"({"speaker":"ai","ai":{"disclosed":"yes"}})");
    BOOST_REQUIRE_EQUAL(yes.findings.size(), 1u);
    BOOST_TEST(yes.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(yes.findings[0].errors.at(0) ==
               R"(the record's `ai.disclosed` is "yes"; its schema allows true or false)");

    // Valid values decide as before.
    BOOST_TEST(decide(set, R"({"speaker":"ai","ai":{"disclosed":false}})").findings.at(0).result ==
               vigil::outcome::violation);
    BOOST_TEST(decide(set, R"({"speaker":"ai","ai":{"disclosed":true}})").findings.empty());
    BOOST_TEST(decide(set, R"({"speaker":"user"})").findings.empty());
}

BOOST_AUTO_TEST_CASE(types_whole_numbers_bounds_and_enums) {
    schema_file schema(numbers_schema);
    const std::string s = schema.path();
    vigil::finding f;
    BOOST_TEST(truth_under(s, "turn == 2", R"({"turn":2})") == "true");
    BOOST_TEST(truth_under(s, "turn == 2", R"({"turn":"2"})", &f) == "unknown");
    BOOST_TEST(f.errors.at(0) == R"(the record's `turn` is "2"; its schema allows a whole number, at least 1)");
    BOOST_TEST(truth_under(s, "turn > 0", R"({"turn":1.5})") == "unknown");
    BOOST_TEST(truth_under(s, "turn > 0", R"({"turn":0})") == "unknown");
    BOOST_TEST(truth_under(s, "turn > 0", R"({"turn":1.0})") == "true");  // a whole number, written so

    BOOST_TEST(truth_under(s, "score > 0", R"({"score":0})", &f) == "unknown");  // the bound is exclusive
    BOOST_TEST(f.errors.at(0) == "the record's `score` is 0; its schema allows a number, above 0 and at most 1");
    BOOST_TEST(truth_under(s, "score > 0", R"({"score":1})") == "true");
    BOOST_TEST(truth_under(s, "score > 0", R"({"score":70})") == "unknown");

    BOOST_TEST(truth_under(s, R"(mood == "calm")", R"({"mood":"calm"})") == "true");
    BOOST_TEST(truth_under(s, R"(mood != "calm")", R"({"mood":"Calm"})") == "unknown");  // case matters
    BOOST_TEST(truth_under(s, R"(mood != "calm")", R"({"mood":3})") == "unknown");

    BOOST_TEST(truth_under(s, "flag == true", R"({"flag":true})") == "true");
    BOOST_TEST(truth_under(s, "flag == true", R"({"flag":"true"})") == "unknown");
    BOOST_TEST(truth_under(s, R"(note == "x")", R"({"note":"x"})") == "true");  // the schema says nothing
    BOOST_TEST(truth_under(s, R"(note == 1)", R"({"note":1})") == "true");
}

BOOST_AUTO_TEST_CASE(lists_and_objects) {
    schema_file schema(numbers_schema);
    const std::string s = schema.path();
    vigil::finding f;
    BOOST_TEST(truth_under(s, R"("x" in labels)", R"({"labels":["x"]})") == "true");
    // A text where the schema has a list would otherwise be searched as a text.
    BOOST_TEST(truth_under(s, R"("x" in labels)", R"({"labels":"x"})", &f) == "unknown");
    BOOST_TEST(f.errors.at(0) == R"(the record's `labels` is "x"; its schema allows a list)");
    // An element the schema does not allow is unknown, the others are judged.
    BOOST_TEST(truth_under(s, R"(any t in labels: t == "x")", R"({"labels":[5,"x"]})") == "true");
    BOOST_TEST(truth_under(s, R"(all t in labels: t == "x")", R"({"labels":[5,"x"]})", &f) == "unknown");
    BOOST_TEST(f.errors.at(0) == "the record's `labels[]` is 5; its schema allows a text");
    // An object that is not one: every path below it is unknown, and the note names the object.
    BOOST_TEST(truth_under(s, "inner.level > 1", R"({"inner":{"level":2}})") == "true");
    BOOST_TEST(truth_under(s, "inner.level > 1", R"({"inner":"none"})", &f) == "unknown");
    BOOST_TEST(f.errors.at(0) == R"(the record's `inner` is "none"; its schema allows an object)");
    BOOST_TEST(f.missing.empty());
}

BOOST_AUTO_TEST_CASE(exists_missing_and_default_do_not_take_a_disallowed_value_for_absent) {
    schema_file schema(numbers_schema);
    const std::string s = schema.path();
    BOOST_TEST(truth_under(s, "exists(turn)", R"({"turn":"1"})") == "unknown");
    BOOST_TEST(truth_under(s, "missing(turn)", R"({"turn":"1"})") == "unknown");
    BOOST_TEST(truth_under(s, "turn == null", R"({"turn":"1"})") == "unknown");
    BOOST_TEST(truth_under(s, "(turn default 1) == 1", R"({"turn":"1"})") == "unknown");
    BOOST_TEST(truth_under(s, "missing(inner.level)", R"({"inner":"none"})") == "unknown");
    // Absent, and JSON null, are still absent.
    BOOST_TEST(truth_under(s, "missing(turn)", R"({})") == "true");
    BOOST_TEST(truth_under(s, "missing(turn)", R"({"turn":null})") == "true");
    BOOST_TEST(truth_under(s, "(turn default 1) == 1", R"({})") == "true");
    BOOST_TEST(truth_under(s, "exists(flag)", R"({"flag":null})") == "false");
}

BOOST_AUTO_TEST_CASE(a_path_a_policy_without_a_schema_reads_is_not_checked) {
    schema_file schema(numbers_schema);
    // Both read `mood`; the policy without a schema was written for any value, so neither
    // policy's reading of it is checked. `turn`, read only under the schema, still is.
    auto set = compile_policy(policy_forbidding("typed", schema.path(), R"(mood == "Calm" or turn == 1)") +
                              policy_forbidding("untyped", "", R"(mood == "Calm")"));
    auto d = decide(set, R"({"mood":"Calm"})");
    BOOST_REQUIRE_EQUAL(d.findings.size(), 2u);
    BOOST_TEST(d.findings[0].result == vigil::outcome::violation);
    BOOST_TEST(d.findings[1].result == vigil::outcome::violation);
    auto turn = decide(set, R"({"mood":"calm","turn":"1"})");
    BOOST_REQUIRE_EQUAL(turn.findings.size(), 1u);
    BOOST_TEST(turn.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(turn.findings[0].policy == "typed");
}

BOOST_AUTO_TEST_CASE(two_schemas_allow_what_either_allows) {
    schema_file first(
        R"({"type":"object","properties":{"mood":{"enum":["calm","tense"]},"n":{"type":"integer","maximum":5}}})");
    schema_file second(
        R"({"type":"object","properties":{"mood":{"enum":["angry"]},"n":{"type":"number","minimum":0}}})");
    auto set = compile_policy(policy_forbidding("one", first.path(), R"(mood == "x" or n == 0.5)") +
                              policy_forbidding("two", second.path(), R"(mood == "y" or n == 99)"));
    BOOST_TEST(decide(set, R"({"mood":"angry","n":1})").findings.empty());
    BOOST_TEST(decide(set, R"({"mood":"calm","n":99})").findings.at(0).policy == "two");  // 99 is allowed by `two`
    auto d = decide(set, R"({"mood":"happy","n":1})");
    BOOST_REQUIRE_EQUAL(d.findings.size(), 2u);
    BOOST_TEST(d.findings[0].errors.at(0) ==
               R"(the record's `mood` is "happy"; its schema allows one of "calm", "tense"; or one of "angry")");
    BOOST_TEST(decide(set, R"({"mood":"calm","n":-1})").findings.empty());  // `one` allows -1
    // Neither allows -1.5: a number below `two`'s minimum, and not a whole number.
    auto neither = decide(set, R"({"mood":"calm","n":-1.5})");
    BOOST_REQUIRE_EQUAL(neither.findings.size(), 2u);
    BOOST_TEST(neither.findings[0].result == vigil::outcome::undetermined);
    BOOST_TEST(neither.findings[0].errors.at(0) ==
               "the record's `n` is -1.5; its schema allows a whole number, at most 5; or a number, at least 0");
}

BOOST_AUTO_TEST_CASE(the_explanation_names_the_value_too) {
    auto set = compile_policy(R"(policy "p" {
  schema ")" + shipped_schema +
                              R"("
  rule r {
    when speaker == "ai"
    require ai.disclosed == true
  }
})");
    vigil::evaluator judge(set);
    std::vector<vigil::rule_explanation> explained;
    vigil::decision d;
    std::string error;
    BOOST_REQUIRE(judge.explain(R"({"speaker":"bot"})", d, explained, error));
    BOOST_REQUIRE_EQUAL(explained.size(), 1u);
    BOOST_TEST(explained[0].result == "undetermined");
    BOOST_TEST(explained[0].clauses.at(0).errors.at(0) ==
               R"(the record's `speaker` is "bot"; its schema allows one of "user", "ai", "human_agent", "system")");
}

BOOST_AUTO_TEST_CASE(decisions_carry_ids_as_given) {
    auto set = compile_policy(R"(policy "p" {
  schema ")" + shipped_schema +
                              R"("
  rule r {
    forbid id == "x"
  }
})");
    auto d = decide(set, R"({"id":7,"conversation_id":"c"})");
    BOOST_TEST(d.record_id == nlohmann::json(7));
    BOOST_TEST(d.findings.at(0).result == vigil::outcome::undetermined);
}

// A conversation function or an open obligation that remembers an unknown from an earlier turn
// names what left it unknown there: a value the schema does not allow, not an absent field.
BOOST_AUTO_TEST_CASE(an_earlier_turns_disallowed_value_is_named_as_one_later) {
    auto set = compile_policy(R"(policy "p" {
  schema ")" + shipped_schema +
                              R"("
  rule was_distressed {
    when speaker == "ai"
    forbid earlier(signals.distress >= 0.7)
  }
  rule handoff_after_request {
    when speaker == "user" and signals.intent == "request_human"
    then within 2 turns where speaker == "ai" require handoff.offered == true
  }
})");
    vigil::evaluator judge(set);
    vigil::rule_state state = judge.new_state();
    const auto turn = [&](const std::string& record) {
        vigil::decision d;
        std::string error;
        BOOST_REQUIRE_MESSAGE(judge.decide(record, state, d, error), error);
        return d;
    };
    (void)turn(R"({"turn":1,"speaker":"user","signals":"calm, intent: request_human"})");
    (void)turn(R"({"turn":2,"speaker":"user","signals":{"intent":"request_human","distress":0.1}})");
    (void)turn(R"({"turn":3,"speaker":"ai","signals":{"distress":0.1},"handoff":{"offered":"yes"}})");
    const vigil::decision last =
        turn(R"({"turn":4,"speaker":"ai","signals":{"distress":0.1},"handoff":{"offered":false}})");

    const vigil::finding* earlier = find(last, "was_distressed");
    BOOST_REQUIRE(earlier != nullptr);
    BOOST_TEST(earlier->result == vigil::outcome::undetermined);
    BOOST_TEST(earlier->missing.empty());
    BOOST_TEST(earlier->errors ==
                   std::vector<std::string>{"an earlier turn's `signals` was a value its schema does not allow; it "
                                            "allows an object"},
               boost::test_tools::per_element());

    const vigil::finding* obligation = find(last, "handoff_after_request");
    BOOST_REQUIRE(obligation != nullptr);
    BOOST_TEST(obligation->result == vigil::outcome::undetermined);
    BOOST_TEST(obligation->missing.empty());
    BOOST_TEST(obligation->errors ==
                   std::vector<std::string>{"an earlier turn's `handoff.offered` was a value its schema does not "
                                            "allow; it allows true or false"},
               boost::test_tools::per_element());
}

// schema_breaches(): what the last record decided gives that its schemas do not allow, each once.
BOOST_AUTO_TEST_CASE(the_breaches_of_the_last_record_are_listed_once_each) {
    auto set = compile_policy(R"(policy "p" {
  schema ")" + shipped_schema +
                              R"("
  rule r {
    when speaker == "ai"
    forbid any t in signals.topics: t == "debt"
  }
})");
    vigil::evaluator judge(set);
    vigil::decision d;
    std::string error;
    BOOST_TEST(judge.schema_breaches().empty());
    BOOST_REQUIRE(judge.decide(R"({"speaker":"bot","signals":{"topics":[1,1]}})", d, error));
    BOOST_TEST(
        judge.schema_breaches() ==
            (std::vector<std::string>{
                R"(the record's `speaker` is "bot"; its schema allows one of "user", "ai", "human_agent", "system")",
                "the record's `signals.topics[]` is 1; its schema allows a text"}),
        boost::test_tools::per_element());
    BOOST_REQUIRE(!judge.decide(R"({"speaker":"bot",)", d, error));
    BOOST_TEST(judge.schema_breaches().empty());
    BOOST_REQUIRE(judge.decide(R"({"speaker":"ai"})", d, error));
    BOOST_TEST(judge.schema_breaches().empty());
}

BOOST_AUTO_TEST_SUITE_END()
