// The query parameters of a request target (server/src/query.hpp), as `?explain` reads them.
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "query.hpp"

using vigil::server::query_parameter;
using vigil::server::query_switch;

BOOST_AUTO_TEST_CASE(query_parameters_are_found_and_decoded) {
    BOOST_TEST(!query_parameter("", "explain").has_value());
    BOOST_TEST(!query_parameter("explained=1&x=explain", "explain").has_value());
    BOOST_TEST(query_parameter("explain", "explain").value_or("absent") == "");
    BOOST_TEST(query_parameter("explain=", "explain").value_or("absent") == "");
    BOOST_TEST(query_parameter("a=1&explain=true&b", "explain").value_or("absent") == "true");
    BOOST_TEST(query_parameter("explain=false&explain=true", "explain").value_or("absent") == "true");  // the last
    BOOST_TEST(query_parameter("ex%70lain=%74rue", "explain").value_or("absent") == "true");
    BOOST_TEST(query_parameter("q=a+b%2Bc", "q").value_or("absent") == "a b+c");
    // A `%` without two hex digits after it is kept.
    BOOST_TEST(query_parameter("q=100%", "q").value_or("absent") == "100%");
    BOOST_TEST(query_parameter("q=%zz%4", "q").value_or("absent") == "%zz%4");
    BOOST_TEST(query_parameter("q=a=b", "q").value_or("absent") == "a=b");
    BOOST_TEST(query_parameter("&&q=1&", "q").value_or("absent") == "1");
}

BOOST_AUTO_TEST_CASE(a_switch_is_true_false_or_refused) {
    BOOST_TEST((query_switch("", "explain") == std::optional<bool>(false)));
    BOOST_TEST((query_switch("other=1", "explain") == std::optional<bool>(false)));
    for (const char* on : {"explain", "explain=", "explain=true", "explain=1"}) {
        BOOST_TEST_CONTEXT(on) {
            BOOST_TEST((query_switch(on, "explain") == std::optional<bool>(true)));
        }
    }
    for (const char* off : {"explain=false", "explain=0"}) {
        BOOST_TEST_CONTEXT(off) {
            BOOST_TEST((query_switch(off, "explain") == std::optional<bool>(false)));
        }
    }
    for (const char* bad : {"explain=full", "explain=TRUE", "explain=yes", "explain=2"}) {
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(!query_switch(bad, "explain").has_value());
        }
    }
}
