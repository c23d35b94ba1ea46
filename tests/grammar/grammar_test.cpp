#define BOOST_TEST_MODULE grammar
#include <boost/test/unit_test.hpp>

#include <tao/pegtl/contrib/analyze.hpp>

#include "../../grammar/src/rules.hpp"

namespace rules = vigil::grammar::rules;

BOOST_AUTO_TEST_CASE(grammar_has_no_cycles_without_progress) {
    BOOST_TEST(tao::pegtl::analyze<rules::grammar>() == 0u);
    BOOST_TEST(tao::pegtl::analyze<rules::whole_expression>() == 0u);
}
