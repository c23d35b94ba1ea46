#pragma once
// The syntax tree of a policy test file (`customer-care.tests` beside `customer-care.vigil`):
// what grammar/ builds from the text and what the test runner (policytest/) reads. Like the
// policy AST it holds no resolutions: rule names are checked against a compiled policy set by
// the runner. docs/testing-policies.md describes the format.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/ast.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/source.hpp"

namespace vigil {

/// A JSON object written in a test file (`defaults {...}`, `record {...}`, `turn {...}`),
/// already parsed. `where` covers the text from `{` to `}`.
struct test_json {
    nlohmann::json value = nlohmann::json::object();
    span where;
};

/// One `record {...}` or `turn {...}` line of a case.
struct test_turn {
    bool record = false;  // written `record` (a one-turn case) rather than `turn`
    span keyword;         // the word `record` or `turn`
    test_json json;
};

/// Which turn of a case an expectation speaks of.
struct turn_target {
    enum class kind : std::uint8_t {
        last,    // no qualifier: the last turn of the case
        number,  // `turn N`: the N-th record of the case, counting from 1
        end,     // `end`: the findings reported when the conversation ends
    };
    kind k = kind::last;
    std::uint32_t number = 0;  // for kind::number
    span where;                // `turn N` or `end`; empty for kind::last
};

/// What an expectation claims.
enum class expectation_kind : std::uint8_t {
    violation,      // `expect violation R`: R is violated
    undetermined,   // `expect undetermined R`: R cannot be decided
    pass,           // `expect pass R`: R produced no finding
    decision,       // `expect decision allow|allow_with_remedies|deny`
    no_violations,  // `expect no violations`: no rule of the policy under test is violated
};

/// One `expect ...` line.
/// `message "..."` after an outcome: the message the rule's finding must have.
struct test_message {
    std::string text;
    span where;  // the string, quotes included
};

struct expectation {
    expectation_kind kind = expectation_kind::violation;
    turn_target target;
    std::vector<ast::word_item> rules;              // for violation, undetermined and pass: one or more
    std::optional<test_message> message;            // for violation and undetermined of one rule
    decision_kind decision = decision_kind::allow;  // for kind::decision
    span where;                                     // the whole line, from `expect`
};

/// `case "name" { ... }`.
struct test_case {
    std::string name;
    span name_where;
    span where;                         // from `case` to the closing `}`
    std::optional<test_json> defaults;  // merged into every record of this case, over the file's
    std::vector<test_turn> turns;       // in the order written
    std::vector<expectation> expectations;
    /// Some item of the case had a syntax error and was dropped: its turns and expectations may
    /// be incomplete, so checks of their number are skipped (the syntax error explains it).
    bool incomplete = false;
};

/// One parsed test file.
struct test_file {
    file_id file = 0;
    /// `policy "name", ...`: the policies under test; empty when the file does not say (then
    /// every policy of the policy file beside it is under test).
    std::vector<ast::string_item> policies;
    span policy_where;                      // the `policy` line, when there is one
    std::optional<ast::string_item> start;  // `start "2026-03-02T09:00:00Z"`: time of every case's turn 1
    std::optional<test_json> defaults;      // merged into every record of the file
    std::vector<test_case> cases;
};

/// The words of an expectation kind as written in test files and reports ("violation", "no violations").
[[nodiscard]] inline std::string_view expectation_name(expectation_kind k) {
    switch (k) {
        case expectation_kind::violation:
            return "violation";
        case expectation_kind::undetermined:
            return "undetermined";
        case expectation_kind::pass:
            return "pass";
        case expectation_kind::decision:
            return "decision";
        case expectation_kind::no_violations:
            return "no violations";
    }
    return "?";
}

}  // namespace vigil
