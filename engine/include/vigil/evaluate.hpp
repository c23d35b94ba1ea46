#pragma once
// Compile a checked policy set into an immutable evaluable form, and evaluate records with it.
//
// Semantics (docs/language.md has the full text): values may be *unknown* (an absent field, or
// a value of the wrong type at run time). Logic is three-valued (Kleene): `false and unknown`
// is false, `true or unknown` is true, everything else touching unknown is unknown, except
// `exists`, `missing` and `default`, which decide absence explicitly. A rule is violated when
//   when-clauses (all) and not unless-clauses (any) and (some require is false or some forbid is true)
// is true; passes when it is false; and is `undetermined` when it is unknown.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/check.hpp"
#include "vigil/diagnostic.hpp"

namespace vigil {

class compiled_set;

/// Compiles a checked set. Compilation can still find problems the checker cannot (a field read
/// through a computed value), reported as diagnostics. The result is immutable and may be shared
/// by any number of threads.
[[nodiscard]] result<std::shared_ptr<const compiled_set>> compile(checked_set&& checked);

enum class outcome : std::uint8_t { violation, undetermined };
enum class decision_kind : std::uint8_t { allow, allow_with_remedies, deny };

[[nodiscard]] std::string_view outcome_name(outcome o);      // "violation", "undetermined"
[[nodiscard]] std::string_view decision_name(decision_kind k);  // "allow", "allow_with_remedies", "deny"

struct remedy_out {
    std::string kind;      // block, disclose, handoff, review, notify, custom
    std::string argument;  // the team for notify, the name for custom; empty otherwise
};

/// One rule that did not pass for one record.
struct finding {
    std::string policy;
    std::string policy_version;  // empty when the policy declares none
    std::string rule;
    std::string severity;        // info, low, medium, high, critical
    outcome result = outcome::violation;
    std::string message;         // the rendered template (the rule name when it has none)
    nlohmann::json evidence;     // object: every record path the rule read -> its value (absent paths omitted)
    std::vector<std::string> missing;  // for undetermined: the absent paths that left it open
    std::vector<std::string> errors;   // run-time problems (a text where a number was expected, ...)
    std::vector<remedy_out> remedies;  // for violations only
};

/// The answer for one record.
struct decision {
    nlohmann::json record_id;        // the record's `id` (null when absent)
    nlohmann::json conversation_id;  // the record's `conversation_id` (null when absent)
    decision_kind kind = decision_kind::allow;  // deny when a violated rule has a `block` remedy
    std::vector<finding> findings;   // in policy-set order (files, policies, rules as written)
    std::string policy_hash;
};

/// One decision as a JSON object: {"record_id", "conversation_id", "decision", "findings": [...],
/// "policy_hash"}; each finding {"policy", "version", "rule", "severity", "outcome", "message",
/// "evidence", "missing", "errors", "remedies": [{"type","argument"?}]}.
[[nodiscard]] nlohmann::json to_json(const decision& d);

/// Evaluates records against one compiled set. Holds per-thread scratch space (the JSON parser,
/// the projection buffers), so each thread uses its own evaluator; the compiled set is shared.
class evaluator {
public:
    explicit evaluator(std::shared_ptr<const compiled_set> set);
    ~evaluator();
    evaluator(evaluator&&) noexcept;
    evaluator& operator=(evaluator&&) noexcept;

    /// Parses one JSON record, projects it into the compiled slots and evaluates every rule.
    /// Returns false, with `error` set to a one-line reason, when the text is not valid JSON or
    /// not a JSON object.
    [[nodiscard]] bool decide(std::string_view json, decision& out, std::string& error);

    /// Parses and projects one record as decide() does, without evaluating any rule; for
    /// benchmarks and tools. Returns false with `error` set as decide() does.
    [[nodiscard]] bool project_only(std::string_view json, std::string& error);

    [[nodiscard]] const compiled_set& policies() const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

/// Facts about a compiled set, for `vigil eval`'s log, `GET /v1/policies` and tests.
struct policy_summary {
    std::string name;
    std::string version;
    std::size_t rules = 0;
};
[[nodiscard]] std::vector<policy_summary> summarize(const compiled_set& set);
[[nodiscard]] const std::string& policy_hash(const compiled_set& set);
/// Every record path any rule reads, sorted (the projection the compiler derived).
[[nodiscard]] std::vector<std::string> projected_paths(const compiled_set& set);

}  // namespace vigil
