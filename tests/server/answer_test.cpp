// vigil::append_json(decision), the writer of `vigil serve` and `vigil eval`, gives the same bytes as
// vigil::to_json(d).dump(), which `vigil eval` and `vigil replay` print: one format whichever command answers. The one
// exception is the record's `meta`, carried as the record wrote it.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "vigil/evaluate.hpp"
#include "vigil/json_text.hpp"
#include "vigil/service.hpp"

namespace {

std::string written(const vigil::decision& d) {
    std::string out;
    vigil::append_json(out, d);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(decisions_are_written_as_to_json_dumps_them) {
    const std::filesystem::path source = VIGIL_SOURCE_DIR;
    std::size_t findings = 0, records = 0;
    for (const char* policy : {"policies", "bench/data/bench20.vigil"}) {
        auto bundle = vigil::load_policies({{(source / policy).string(), std::nullopt}});
        BOOST_REQUIRE_MESSAGE(bundle.ok(), bundle.render_text());
        vigil::evaluator judge(bundle.set);
        for (const char* log : {"examples/records.jsonl", "bench/data/records.jsonl"}) {
            std::ifstream in(source / log);
            std::string error;
            for (std::string line; std::getline(in, line);) {
                vigil::decision d;
                if (!judge.decide(line, d, error)) continue;
                ++records;
                findings += d.findings.size();
                BOOST_TEST_CONTEXT(line) {
                    BOOST_TEST(written(d) == vigil::to_json(d).dump());
                }
            }
        }
    }
    BOOST_TEST(records > 1000u);
    BOOST_TEST(findings > 100u);
}

BOOST_AUTO_TEST_CASE(strings_are_escaped_as_nlohmann_escapes_them) {
    vigil::decision d;
    d.record_id = 42;
    d.conversation_id = nullptr;
    d.kind = vigil::decision_kind::deny;
    d.policy_hash = "sha256:00";
    vigil::finding f;
    f.policy = "p \"quoted\" \\ back";
    f.rule = "r\ttab\nline\rret\bbs\ffeed\x01\x1f";
    f.severity = "critical";
    f.message = "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 </script>";
    f.evidence = nlohmann::json{{"text", "a\"b"}, {"n", 1.5}, {"list", {1, "x", nullptr}}}.dump();
    f.missing = {"a.b", "c"};
    f.errors = {"`x` is a text\n"};
    f.remedies = {{"block", ""}, {"notify", "people-ops"}, {"custom", "\"odd\""}};
    d.findings = {f, f};
    d.findings[1].result = vigil::outcome::undetermined;
    d.findings[1].evidence.clear();
    BOOST_TEST(written(d) == vigil::to_json(d).dump());
    d.findings.clear();
    d.record_id = "r-1";
    d.conversation_id = 7;
    BOOST_TEST(written(d) == vigil::to_json(d).dump());
}

BOOST_AUTO_TEST_CASE(meta_is_written_as_the_record_wrote_it) {
    vigil::decision d;
    d.record_id = "r-1";
    d.policy_hash = "sha256:00";
    d.meta = R"({ "b" : [1, 2.50], "a":"caf\u00e9" })";
    const std::string text = written(d);
    BOOST_TEST(text.find(R"(],"meta":{ "b" : [1, 2.50], "a":"caf\u00e9" },"policy_hash":)") != std::string::npos, text);
    BOOST_TEST(nlohmann::json::parse(text) == vigil::to_json(d));
    d.meta = R"({"a":"x","b":[1,2.5]})";  // as nlohmann writes it: the same bytes
    BOOST_TEST(written(d) == vigil::to_json(d).dump());
}

BOOST_AUTO_TEST_CASE(every_length_and_place_of_an_escape_is_written_as_nlohmann_writes_it) {
    // append_json_string looks for bytes to escape in blocks of 16 and 8 bytes, the last block
    // overlapping the one before: strings of every length up to a few blocks, with a byte to
    // escape (or a multi-byte character) at every place, alone or before another at the end.
    const std::vector<std::string> specials = {"\"", "\\", "\n", "\t", "\x01", "\x1f", std::string(1, '\0'),
                                               "\x7f", " ", "\xc3\xa9", "\xe2\x9c\x93"};
    std::size_t checked = 0;
    for (std::size_t length = 0; length <= 50; ++length) {
        for (std::size_t at = 0; at <= length; ++at) {
            for (const auto& special : specials) {
                for (const bool another_at_end : {false, true}) {
                    std::string text(length, 'a');
                    text.insert(at, special);
                    if (another_at_end) text += '"';
                    std::string out = "x";
                    vigil::append_json_string(out, text);
                    BOOST_TEST(out == "x" + nlohmann::json(text).dump(), length << " " << at);
                    ++checked;
                }
            }
        }
    }
    BOOST_TEST(checked > 20000u);
}

BOOST_AUTO_TEST_CASE(numbers_are_written_as_nlohmann_writes_them) {
    const double floats[] = {0.1,   0.82,   9.99,    -2.5,  1.0,      -0.0,    1e-7,   1.5e-300, 123456.789,
                             1e15,  1e16,   1e21,    1e300, 4.9e-324, 2.0e-5,  1.0e22, 3.14159265358979,
                             std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()};
    for (const double value : floats) {
        const nlohmann::json j = value;
        std::string out;
        vigil::append_json(out, j);
        BOOST_TEST(out == j.dump(), value);
    }
    for (const nlohmann::json& j : {nlohmann::json(0), nlohmann::json(-7), nlohmann::json(std::uint64_t{18446744073709551615u}),
                                   nlohmann::json(std::int64_t{-9223372036854775807 - 1})}) {
        std::string out;
        vigil::append_json(out, j);
        BOOST_TEST(out == j.dump());
    }
}
