// The records a case feeds to the evaluator: defaults merged in, conversation fields filled in.
#include <boost/test/unit_test.hpp>

#include "vigil/policytest.hpp"
#include "vigil/test_parse.hpp"

namespace pt = vigil::policytest;
using json = nlohmann::json;

namespace {

std::vector<json> records_of(const std::string& text, std::size_t case_index = 0) {
    vigil::source_map sources;
    const auto id = sources.add("t.tests", text);
    auto parsed = vigil::parse_test_file(sources, id);
    BOOST_REQUIRE(parsed.diagnostics.empty());
    return pt::case_records(*parsed.value, parsed.value->cases.at(case_index));
}

}  // namespace

BOOST_AUTO_TEST_CASE(merge_is_deep_for_objects_and_replaces_everything_else) {
    json base = json::parse(R"({"speaker": "ai", "ai": {"disclosed": true, "model": "m"},
                                "actions": [{"type": "offer"}], "signals": {"distress": 0.1}})");
    pt::merge_into(base, json::parse(R"({"ai": {"disclosed": false}, "actions": [], "signals": null,
                                         "text": "hi"})"));
    BOOST_TEST(base["speaker"] == "ai");
    BOOST_TEST(base["ai"]["disclosed"] == false);
    BOOST_TEST(base["ai"]["model"] == "m");  // kept: objects merge key by key
    BOOST_TEST(base["actions"].empty());     // replaced: lists are not joined
    BOOST_TEST(base["signals"].is_null());   // null replaces, and reads as absent
    BOOST_TEST(base["text"] == "hi");
}

BOOST_AUTO_TEST_CASE(file_defaults_then_case_defaults_then_the_record) {
    const auto records = records_of(R"(
defaults {"speaker": "ai", "channel": "chat", "signals": {"distress": 0.1, "sentiment": 0.5}}
case "c" {
  defaults {"channel": "sms", "signals": {"distress": 0.2}}
  turn {"signals": {"distress": 0.9}}
  turn {"speaker": "user"}
}
)");
    BOOST_REQUIRE(records.size() == 2u);
    BOOST_TEST(records[0]["channel"] == "sms");
    BOOST_TEST(records[0]["signals"]["distress"] == 0.9);
    BOOST_TEST(records[0]["signals"]["sentiment"] == 0.5);
    BOOST_TEST(records[1]["speaker"] == "user");
    BOOST_TEST(records[1]["signals"]["distress"] == 0.2);
}

BOOST_AUTO_TEST_CASE(conversation_fields_are_filled_in) {
    const auto records = records_of(R"(
case "frustration twice" {
  turn {}
  turn {}
  turn {}
}
)");
    BOOST_REQUIRE(records.size() == 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(records[i]["id"] == "frustration twice#" + std::to_string(i + 1));
        BOOST_TEST(records[i]["conversation_id"] == "frustration twice");
        BOOST_TEST(records[i]["turn"] == i + 1);
    }
    BOOST_TEST(records[0]["timestamp"] == "2026-03-02T09:00:00Z");
    BOOST_TEST(records[1]["timestamp"] == "2026-03-02T09:01:00Z");
    BOOST_TEST(records[2]["timestamp"] == "2026-03-02T09:02:00Z");
}

BOOST_AUTO_TEST_CASE(fields_the_author_gives_are_kept) {
    const auto records = records_of(R"(
start "2024-12-31T23:59:00Z"
defaults {"conversation_id": "c-77"}
case "c" {
  turn {"id": "r-1", "turn": 4}
  turn {"timestamp": null}
  turn {}
}
)");
    BOOST_TEST(records[0]["id"] == "r-1");
    BOOST_TEST(records[0]["turn"] == 4);
    BOOST_TEST(records[0]["conversation_id"] == "c-77");
    BOOST_TEST(records[0]["timestamp"] == "2024-12-31T23:59:00Z");
    BOOST_TEST(records[1]["timestamp"].is_null());  // given as null: left unknown
    BOOST_TEST(records[1]["turn"] == 2);
    BOOST_TEST(records[2]["timestamp"] == "2025-01-01T00:01:00Z");  // across a year boundary
}

BOOST_AUTO_TEST_CASE(start_times) {
    BOOST_TEST(pt::parse_start("1970-01-01T00:00:00Z").value() == 0);
    BOOST_TEST(pt::parse_start("2024-02-29T12:00:00Z").has_value());
    BOOST_TEST(!pt::parse_start("2023-02-29T12:00:00Z").has_value());
    BOOST_TEST(!pt::parse_start("2026-03-02T24:00:00Z").has_value());
    BOOST_TEST(!pt::parse_start("2026-03-02 09:00:00Z").has_value());
    BOOST_TEST(!pt::parse_start("2026-03-02T09:00:00+01:00").has_value());
    for (const char* t :
         {"2026-03-02T09:00:00Z", "2000-02-29T23:59:59Z", "1969-12-31T23:59:59Z", "2400-12-31T00:00:00Z"}) {
        BOOST_TEST(pt::format_time(pt::parse_start(t).value()) == t);
    }
}
