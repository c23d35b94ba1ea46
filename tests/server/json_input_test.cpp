// The request-body functions of `vigil serve` (server/src/json_input.hpp) against the evaluator:
// a body is refused as not JSON only when the evaluator would refuse its records too.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "json_input.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/service.hpp"

namespace {

// A record of examples/records.jsonl with `turn` too large for 64 bits: JSON allows it, and the
// evaluator reads it as a double (peek() then finds no usable turn).
const std::string big_turn =
    R"({"id":"r-1","conversation_id":"c-1","turn":37777777777777777777777,"speaker":"ai","text":"hello"})";

bool evaluator_accepts(const std::string& record) {
    const auto bundle =
        vigil::load_policies({{(std::filesystem::path(VIGIL_SOURCE_DIR) / "policies").string(), std::nullopt}});
    BOOST_REQUIRE(bundle.ok());
    vigil::evaluator judge(bundle.set);
    vigil::decision d;
    std::string error;
    return judge.decide(record, d, error);
}

}  // namespace

BOOST_AUTO_TEST_CASE(integers_beyond_64_bits_are_json_as_the_evaluator_reads_it) {
    BOOST_TEST_REQUIRE(evaluator_accepts(big_turn));
    vigil::server::input_error error;
    BOOST_TEST(vigil::server::check_record(big_turn, error), error.message);
    BOOST_TEST(vigil::server::check_record(R"({"a":[-92233720368547758090,{"b":18446744073709551616}]})", error),
               error.message);

    std::vector<vigil::server::batch_item> items;
    const std::string body = "[" + big_turn + ", 18446744073709551616, " + big_turn + "]";
    BOOST_TEST_REQUIRE(vigil::server::split_batch(body, items, error), error.message);
    BOOST_TEST_REQUIRE(items.size() == 3u);
    BOOST_TEST(items[0].text == big_turn);
    BOOST_TEST(items[1].error == "expected a JSON object (an interaction record), got a number");
    BOOST_TEST(items[2].text == big_turn);

    BOOST_TEST(!vigil::server::check_record("18446744073709551616", error));
    BOOST_TEST(error.code == "not_an_object");
    BOOST_TEST(!vigil::server::split_batch(R"({"turn":18446744073709551616})", items, error));
    BOOST_TEST(error.code == "not_an_array");
}

BOOST_AUTO_TEST_CASE(a_body_with_a_big_integer_is_still_refused_for_its_other_faults) {
    vigil::server::input_error error;
    // A number out of a double's range is refused by the evaluator too.
    BOOST_TEST(!vigil::server::check_record(R"({"turn":1e400})", error));
    BOOST_TEST(error.code == "invalid_json");
    BOOST_TEST(!vigil::server::check_record(R"({"turn":18446744073709551616} {})", error));
    BOOST_TEST(error.code == "invalid_json");
    BOOST_TEST(!vigil::server::check_record(R"({"turn":18446744073709551616,"text":"\ud800"})", error));
    BOOST_TEST(error.code == "invalid_json");
    std::vector<vigil::server::batch_item> items;
    BOOST_TEST(!vigil::server::split_batch(R"([{"turn":18446744073709551616}, tru])", items, error));
    BOOST_TEST(error.code == "invalid_json");
    BOOST_TEST(error.offset >= 33);
    BOOST_TEST(!vigil::server::split_batch(R"([{"turn":18446744073709551616}]])", items, error));
    BOOST_TEST(error.code == "invalid_json");
}

namespace {

// A record nested `depth` levels deep (the record itself is the first level), with `leaf` innermost.
std::string nested_record(std::size_t depth, const std::string& leaf) {
    std::string text = R"({"conversation_id":"c-1","turn":1,"n":)";
    for (std::size_t level = 2; level < depth; ++level) text += "[";
    text += "{\"leaf\":" + leaf + "}";
    for (std::size_t level = 2; level < depth; ++level) text += "]";
    return text + "}";
}

}  // namespace

// The array of a batch is one level more than its records: a record as deep as /v1/decide takes
// it is taken in a batch too, with or without a number the DOM parser refuses.
BOOST_AUTO_TEST_CASE(a_batch_takes_records_as_deep_as_a_single_record) {
    for (const std::string leaf : {"1", "18446744073709551616"}) {
        const std::string deepest = nested_record(1024, leaf);
        BOOST_TEST_REQUIRE(evaluator_accepts(deepest));
        vigil::server::input_error error;
        BOOST_TEST(vigil::server::check_record(deepest, error), error.message);
        std::vector<vigil::server::batch_item> items;
        const std::string batch = "[" + deepest + "]";  // the items view into it
        BOOST_TEST_REQUIRE(vigil::server::split_batch(batch, items, error), error.message);
        BOOST_TEST_REQUIRE(items.size() == 1u);
        BOOST_TEST(items[0].text == deepest);

        const std::string too_deep = nested_record(1025, leaf);
        BOOST_TEST(!evaluator_accepts(too_deep));
        BOOST_TEST(!vigil::server::check_record(too_deep, error));
        BOOST_TEST(error.code == "invalid_json");
        BOOST_TEST(!vigil::server::split_batch("[" + too_deep + "]", items, error));
        BOOST_TEST(error.code == "invalid_json");
        BOOST_TEST(error.message == "invalid JSON: objects and arrays nested more than 1024 levels deep");
    }
}
