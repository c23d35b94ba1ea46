// Files, policies and rules: every setting lands in the right place of the AST, with its span.

#include <boost/test/unit_test.hpp>

#include <set>

#include "helpers.hpp"

using grammar_test::parse_file;
using grammar_test::show;
using namespace vigil;

namespace {

const char* const customer_care = R"vigil(# shared definitions
import "common/lists.vigil"
let sales_categories = ["upsell", "cross_sell"]

policy "customer-care" {
  version "1.0"
  owner "compliance@example.com"
  description "Protect distressed customers"
  reference "EU AI Act, Art. 5(1)(b)"
  schema "schema/interaction-record.v1.json"
  effective from "2025-01-01" until "2026-01-01"

  let distressed = signals.distress >= 0.6 or "anxiety" in signals.emotions
                   or signals.sentiment <= -0.5
  let sales_offer = any a in actions: a.type == "offer" and a.category in sales_categories

  rule no_upsell_when_distressed {
    severity critical
    description "Never make a sales offer to a distressed person"
    tags "manipulation", "vulnerability"
    reference "EU AI Act, Art. 5(1)(b)"
    when speaker == "ai" and distressed
    forbid sales_offer
    unless review.human_reviewed default false
    message "Sales offer to a distressed person (distress {signals.distress default 0})"
    remedy block, notify "trust-and-safety"
  }
}
)vigil";

}  // namespace

BOOST_AUTO_TEST_SUITE(statements)

BOOST_AUTO_TEST_CASE(the_reference_example) {
    auto parsed = parse_file(customer_care);
    BOOST_TEST(parsed->result.diagnostics.empty());
    const auto& m = parsed->module();
    BOOST_TEST(m.file == 0u);

    BOOST_REQUIRE(m.imports.size() == 1u);
    BOOST_TEST(m.imports[0].path.value == "common/lists.vigil");
    BOOST_TEST(parsed->text(m.imports[0].path.where) == "\"common/lists.vigil\"");
    BOOST_TEST(!m.imports[0].resolved.has_value());

    BOOST_REQUIRE(m.definitions.size() == 1u);
    BOOST_TEST(m.definitions[0].name == "sales_categories");
    BOOST_TEST(show(*m.definitions[0].value) == R"(["upsell", "cross_sell"])");
    BOOST_TEST(parsed->text(m.definitions[0].name_where) == "sales_categories");
    BOOST_TEST(parsed->text(m.definitions[0].where) == R"(let sales_categories = ["upsell", "cross_sell"])");

    BOOST_REQUIRE(m.policies.size() == 1u);
    const auto& p = m.policies[0];
    BOOST_TEST(p.name == "customer-care");
    BOOST_TEST(parsed->text(p.name_where) == "\"customer-care\"");
    BOOST_TEST(parsed->text(p.where).substr(0, 24) == "policy \"customer-care\" {");
    BOOST_TEST(parsed->text(p.where).back() == '}');
    BOOST_TEST(p.version->value == "1.0");
    BOOST_TEST(parsed->text(p.version->where) == "\"1.0\"");
    BOOST_TEST(p.owner->value == "compliance@example.com");
    BOOST_TEST(p.description->value == "Protect distressed customers");
    BOOST_REQUIRE(p.references.size() == 1u);
    BOOST_TEST(p.references[0].value == "EU AI Act, Art. 5(1)(b)");
    BOOST_TEST(p.schema->value == "schema/interaction-record.v1.json");
    BOOST_TEST(p.schema_key.empty());
    BOOST_REQUIRE(p.effective.has_value());
    BOOST_TEST(p.effective->from->value == "2025-01-01");
    BOOST_TEST(p.effective->until->value == "2026-01-01");
    BOOST_TEST(parsed->text(p.effective->where) == R"(effective from "2025-01-01" until "2026-01-01")");

    BOOST_REQUIRE(p.definitions.size() == 2u);
    BOOST_TEST(p.definitions[0].name == "distressed");
    BOOST_TEST(show(*p.definitions[0].value) ==
               R"((or (or (>= signals.distress 0.6) (in "anxiety" signals.emotions)) (<= signals.sentiment (- 0.5))))");
    BOOST_TEST(p.definitions[1].name == "sales_offer");
    BOOST_TEST(show(*p.definitions[1].value) ==
               R"((any a actions (and (== a.type "offer") (in a.category sales_categories))))");

    BOOST_REQUIRE(p.rules.size() == 1u);
    const auto& r = p.rules[0];
    BOOST_TEST(r.name == "no_upsell_when_distressed");
    BOOST_TEST(parsed->text(r.name_where) == "no_upsell_when_distressed");
    BOOST_TEST(parsed->text(r.where).substr(0, 31) == "rule no_upsell_when_distressed ");
    BOOST_TEST(parsed->text(r.where).back() == '}');
    BOOST_TEST(r.severity->value == "critical");
    BOOST_TEST(parsed->text(r.severity->where) == "critical");
    BOOST_TEST(r.description->value == "Never make a sales offer to a distressed person");
    BOOST_REQUIRE(r.tags.size() == 2u);
    BOOST_TEST(r.tags[0].value == "manipulation");
    BOOST_TEST(r.tags[1].value == "vulnerability");
    BOOST_REQUIRE(r.references.size() == 1u);

    BOOST_REQUIRE(r.clauses.size() == 3u);
    BOOST_TEST((r.clauses[0].kind == ast::clause_kind::when));
    BOOST_TEST(parsed->text(r.clauses[0].where) == "when");
    BOOST_TEST(show(*r.clauses[0].condition) == R"((and (== speaker "ai") distressed))");
    BOOST_TEST((r.clauses[1].kind == ast::clause_kind::forbid));
    BOOST_TEST(show(*r.clauses[1].condition) == "sales_offer");
    BOOST_TEST((r.clauses[2].kind == ast::clause_kind::unless));
    BOOST_TEST(parsed->text(r.clauses[2].where) == "unless");
    BOOST_TEST(show(*r.clauses[2].condition) == "(default review.human_reviewed false)");

    BOOST_REQUIRE(r.message.has_value());
    BOOST_TEST(parsed->text(r.message->where) ==
               R"~("Sales offer to a distressed person (distress {signals.distress default 0})")~");
    BOOST_REQUIRE(r.message->parts.size() == 3u);
    BOOST_TEST(r.message->parts[0].text == "Sales offer to a distressed person (distress ");
    BOOST_TEST(!r.message->parts[0].value);
    BOOST_REQUIRE(r.message->parts[1].value);
    BOOST_TEST(show(*r.message->parts[1].value) == "(default signals.distress 0)");
    BOOST_TEST(parsed->text(r.message->parts[1].value->where) == "signals.distress default 0");
    BOOST_TEST(r.message->parts[2].text == ")");

    BOOST_REQUIRE(r.remedies.size() == 2u);
    BOOST_TEST(r.remedies[0].kind == "block");
    BOOST_TEST(parsed->text(r.remedies[0].kind_where) == "block");
    BOOST_TEST(!r.remedies[0].argument.has_value());
    BOOST_TEST(r.remedies[1].kind == "notify");
    BOOST_TEST(r.remedies[1].argument->value == "trust-and-safety");
    BOOST_TEST(parsed->text(r.remedies[1].argument->where) == "\"trust-and-safety\"");
}

BOOST_AUTO_TEST_CASE(node_ids_are_unique_across_the_file) {
    auto parsed = parse_file(customer_care);
    std::set<ast::node_id> ids;
    std::size_t nodes = 0;
    auto count = [&](const ast::expr& root) {
        grammar_test::each_node(root, [&](const ast::expr& e) {
            ids.insert(e.id);
            ++nodes;
        });
    };
    const auto& m = parsed->module();
    for (const auto& d : m.definitions) count(*d.value);
    for (const auto& p : m.policies) {
        for (const auto& d : p.definitions) count(*d.value);
        for (const auto& r : p.rules) {
            for (const auto& c : r.clauses) count(*c.condition);
            for (const auto& part : r.message->parts) {
                if (part.value) count(*part.value);
            }
        }
    }
    BOOST_TEST(ids.size() == nodes);
    BOOST_TEST(parsed->next_id == nodes + 1);
    BOOST_TEST(!ids.count(0));
}

BOOST_AUTO_TEST_CASE(clauses_keep_their_source_order) {
    auto parsed = parse_file(R"(policy "p" {
  rule r {
    when a
    require b
    unless c
    forbid d
    when e
  }
})");
    BOOST_TEST(parsed->result.diagnostics.empty());
    const auto& clauses = parsed->module().policies[0].rules[0].clauses;
    BOOST_REQUIRE(clauses.size() == 5u);
    using ast::clause_kind;
    const std::vector<clause_kind> kinds{clauses[0].kind, clauses[1].kind, clauses[2].kind, clauses[3].kind,
                                         clauses[4].kind};
    BOOST_TEST((kinds == std::vector<clause_kind>{clause_kind::when, clause_kind::require, clause_kind::unless,
                                                 clause_kind::forbid, clause_kind::when}));
    BOOST_TEST(show(*clauses[4].condition) == "e");
}

BOOST_AUTO_TEST_CASE(an_expression_ends_where_the_next_setting_begins) {
    // `forbid`, `message`, `description` are setting keywords: without `.` or `[` after them they
    // start the next setting instead of continuing the expression.
    auto parsed = parse_file(R"(policy "p" {
  rule r {
    when a and
      b
    forbid message.flagged
    description "d"
    require review.human_reviewed or handoff.offered
    remedy review, handoff
  }
})");
    BOOST_TEST(grammar_test::problems(parsed->result.diagnostics, parsed->sources).empty());
    const auto& r = parsed->module().policies[0].rules[0];
    BOOST_REQUIRE(r.clauses.size() == 3u);
    BOOST_TEST(show(*r.clauses[0].condition) == "(and a b)");
    BOOST_TEST(show(*r.clauses[1].condition) == "message.flagged");
    BOOST_TEST(show(*r.clauses[2].condition) == "(or review.human_reviewed handoff.offered)");
    BOOST_TEST(r.description->value == "d");
    BOOST_REQUIRE(r.remedies.size() == 2u);
    BOOST_TEST(r.remedies[0].kind == "review");
    BOOST_TEST(r.remedies[1].kind == "handoff");
}

BOOST_AUTO_TEST_CASE(effective_takes_either_bound) {
    auto from_only = parse_file(R"(policy "p" { effective from "2025-01-01" })");
    BOOST_TEST(from_only->result.diagnostics.empty());
    const auto& a = from_only->module().policies[0].effective;
    BOOST_TEST(a->from->value == "2025-01-01");
    BOOST_TEST(!a->until.has_value());

    auto until_only = parse_file(R"(policy "p" { effective until "2026-01-01" })");
    BOOST_TEST(until_only->result.diagnostics.empty());
    const auto& b = until_only->module().policies[0].effective;
    BOOST_TEST(!b->from.has_value());
    BOOST_TEST(b->until->value == "2026-01-01");
}

BOOST_AUTO_TEST_CASE(repeatable_settings_accumulate) {
    auto parsed = parse_file(R"(policy "p" {
  reference "one"
  reference "two"
  rule r {
    tags "a"
    tags "b", "c"
    reference "x"
    reference "y"
    remedy block
    remedy notify "team", custom r"escalate\now", disclose
    forbid f
  }
})");
    BOOST_TEST(parsed->result.diagnostics.empty());
    const auto& p = parsed->module().policies[0];
    BOOST_TEST(p.references.size() == 2u);
    const auto& r = p.rules[0];
    BOOST_REQUIRE(r.tags.size() == 3u);
    BOOST_TEST(r.tags[2].value == "c");
    BOOST_TEST(r.references.size() == 2u);
    BOOST_REQUIRE(r.remedies.size() == 4u);
    BOOST_TEST(r.remedies[1].kind == "notify");
    BOOST_TEST(r.remedies[1].argument->value == "team");
    BOOST_TEST(r.remedies[2].kind == "custom");
    BOOST_TEST(r.remedies[2].argument->value == "escalate\\now");
    BOOST_TEST(r.remedies[3].kind == "disclose");
    BOOST_TEST(!r.remedies[3].argument.has_value());
}

BOOST_AUTO_TEST_CASE(message_templates) {
    auto parsed = parse_file(R"(policy "p" {
  rule r {
    forbid f
    message "{a}{b} and {{literal}} \"quoted\" {x default "none"}: caf\u00e9 {  c . d  }"
  }
})");
    BOOST_TEST(parsed->result.diagnostics.empty());
    const auto& parts = parsed->module().policies[0].rules[0].message->parts;
    BOOST_REQUIRE(parts.size() == 6u);
    BOOST_TEST(show(*parts[0].value) == "a");
    BOOST_TEST(show(*parts[1].value) == "b");
    BOOST_TEST(parts[2].text == " and {literal} \"quoted\" ");
    BOOST_TEST(show(*parts[3].value) == R"((default x "none"))");
    BOOST_TEST(parts[4].text == ": caf\xC3\xA9 ");
    BOOST_TEST(show(*parts[5].value) == "c.d");  // a placeholder last: no empty text part after it
}

BOOST_AUTO_TEST_CASE(strings_in_placeholders_may_have_escaped_quotes) {
    // As if the message were an ordinary string: the shipped policies write it this way.
    auto parsed = parse_file(R"~(policy "p" {
  rule r {
    forbid f
    message "worked {workload.hours_last_week default \"unknown\"} hours, {x default "plain"}"
  }
})~");
    BOOST_TEST(grammar_test::problems(parsed->result.diagnostics, parsed->sources).empty());
    const auto& parts = parsed->module().policies[0].rules[0].message->parts;
    BOOST_REQUIRE(parts.size() == 4u);
    BOOST_TEST(show(*parts[1].value) == R"((default workload.hours_last_week "unknown"))");
    BOOST_TEST(parsed->text(parts[1].value->where) == R"(workload.hours_last_week default \"unknown\")");
    BOOST_TEST(parts[2].text == " hours, ");
    BOOST_TEST(show(*parts[3].value) == R"((default x "plain"))");
}

BOOST_AUTO_TEST_CASE(message_template_spans_point_into_the_file) {
    auto parsed = parse_file("policy \"p\" {\n  rule r {\n    forbid f\n    message \"at {speaker} said {text}\"\n  }\n}\n");
    BOOST_TEST(parsed->result.diagnostics.empty());
    const auto& m = *parsed->module().policies[0].rules[0].message;
    BOOST_REQUIRE(m.parts.size() == 4u);
    BOOST_TEST(parsed->text(m.parts[1].value->where) == "speaker");
    BOOST_TEST(parsed->text(m.parts[3].value->where) == "text");
    BOOST_TEST(parsed->sources.locate(m.parts[3].value->where).line == 4u);
    BOOST_TEST(parsed->sources.locate(m.parts[3].value->where).column == 33u);
}

BOOST_AUTO_TEST_CASE(message_with_only_text_or_only_placeholders) {
    auto parsed = parse_file(R"(policy "p" { rule r { forbid f message "plain" } rule s { forbid f message "{x}" } rule t { forbid f message "" } })");
    BOOST_TEST(parsed->result.diagnostics.empty());
    const auto& rules = parsed->module().policies[0].rules;
    BOOST_REQUIRE(rules[0].message->parts.size() == 1u);
    BOOST_TEST(rules[0].message->parts[0].text == "plain");
    BOOST_REQUIRE(rules[1].message->parts.size() == 1u);
    BOOST_TEST(show(*rules[1].message->parts[0].value) == "x");
    BOOST_TEST(rules[2].message->parts.empty());
}

BOOST_AUTO_TEST_CASE(files_hold_several_policies_and_file_level_definitions) {
    auto parsed = parse_file(R"(
import "a.vigil"
import "b/c.vigil"
let x = 1
policy "one" { let y = x }
let z = 2
policy "two" {}
)");
    BOOST_TEST(parsed->result.diagnostics.empty());
    const auto& m = parsed->module();
    BOOST_TEST(m.imports.size() == 2u);
    BOOST_TEST(m.definitions.size() == 2u);
    BOOST_TEST(m.definitions[1].name == "z");
    BOOST_REQUIRE(m.policies.size() == 2u);
    BOOST_TEST(m.policies[0].definitions.size() == 1u);
    BOOST_TEST(m.policies[1].name == "two");
    BOOST_TEST(m.policies[1].rules.empty());
}

BOOST_AUTO_TEST_CASE(empty_files_and_comments_only) {
    BOOST_TEST(parse_file("")->result.diagnostics.empty());
    BOOST_TEST(parse_file("# nothing here\n// at all\n")->result.diagnostics.empty());
    BOOST_TEST(parse_file("policy \"p\" {} # trailing comment without a line break")->result.diagnostics.empty());
}

// The byte-order mark some Windows editors write first is skipped, and only there.
BOOST_AUTO_TEST_CASE(a_byte_order_mark_starts_a_file) {
    auto parsed = parse_file("\xEF\xBB\xBFpolicy \"p\" { rule r { forbid a } }\n");
    BOOST_TEST(parsed->result.diagnostics.empty());
    BOOST_TEST(parsed->module().policies[0].name == "p");
    BOOST_TEST(!parse_file("policy \"p\" {}\n\xEF\xBB\xBFpolicy \"q\" {}\n")->result.diagnostics.empty());
}

BOOST_AUTO_TEST_CASE(settings_may_share_a_line) {
    auto parsed = parse_file(R"(policy "p" { version "1" rule r { severity low forbid a remedy block } })");
    BOOST_TEST(parsed->result.diagnostics.empty());
    BOOST_TEST(parsed->module().policies[0].rules[0].remedies.size() == 1u);
}

BOOST_AUTO_TEST_CASE(crlf_line_endings) {
    auto parsed = parse_file("policy \"p\" {\r\n  rule r {\r\n    forbid a\r\n      or b\r\n  }\r\n}\r\n");
    BOOST_TEST(parsed->result.diagnostics.empty());
    BOOST_TEST(show(*parsed->module().policies[0].rules[0].clauses[0].condition) == "(or a b)");
}

BOOST_AUTO_TEST_CASE(deferred_obligations) {
    auto parsed = parse_file(R"(policy "p" {
  rule r {
    when speaker == "user" and streak(frustrated, speaker == "user") >= 2
    then within 2 turns where speaker == "ai" require handoff.offered
    message "no human offered"
  }
  rule s {
    when x
    then within 1 turn forbid y or z
    remedy block
  }
})");
    BOOST_TEST(grammar_test::problems(parsed->result.diagnostics, parsed->sources).empty());
    const auto& rules = parsed->module().policies[0].rules;
    BOOST_REQUIRE(rules.size() == 2u);
    const auto& r = rules[0];
    BOOST_REQUIRE(r.clauses.size() == 1u);
    BOOST_TEST(show(*r.clauses[0].condition) ==
               R"((and (== speaker "user") (>= streak(frustrated, (== speaker "user")) 2)))");
    BOOST_REQUIRE(r.then.has_value());
    BOOST_TEST(r.then->turns == 2u);
    BOOST_TEST(parsed->text(r.then->turns_where) == "2");
    BOOST_REQUIRE(r.then->filter);
    BOOST_TEST(show(*r.then->filter) == R"((== speaker "ai"))");
    BOOST_TEST((r.then->kind == ast::clause_kind::require));
    BOOST_TEST(show(*r.then->condition) == "handoff.offered");
    BOOST_TEST(parsed->text(r.then->where) == R"(then within 2 turns where speaker == "ai" require handoff.offered)");
    BOOST_TEST(r.message.has_value());

    const auto& s = rules[1];
    BOOST_REQUIRE(s.then.has_value());
    BOOST_TEST(s.then->turns == 1u);
    BOOST_TEST(!s.then->filter);
    BOOST_TEST((s.then->kind == ast::clause_kind::forbid));
    BOOST_TEST(show(*s.then->condition) == "(or y z)");
    BOOST_TEST(s.remedies.size() == 1u);

    // `within`, `turns` and `where` mean something only after `then`: elsewhere they are names.
    auto names = parse_file("policy \"p\" { rule r { forbid within.x or turns > 1 or where == \"a\" or turn > 2 } }");
    BOOST_TEST(grammar_test::problems(names->result.diagnostics, names->sources).empty());
}

BOOST_AUTO_TEST_SUITE_END()
