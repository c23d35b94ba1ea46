// Names of outcomes and decisions, and decisions and explanations as JSON.

#include <nlohmann/json.hpp>

#include "vigil/evaluate.hpp"
#include "vigil/json_text.hpp"

namespace vigil {

std::string_view outcome_name(outcome o) {
    switch (o) {
        case outcome::violation: return "violation";
        case outcome::undetermined: return "undetermined";
    }
    return "?";
}

std::string_view decision_name(decision_kind k) {
    switch (k) {
        case decision_kind::allow: return "allow";
        case decision_kind::allow_with_remedies: return "allow_with_remedies";
        case decision_kind::deny: return "deny";
    }
    return "?";
}

nlohmann::json to_json(const decision& d) {
    auto findings = nlohmann::json::array();
    for (const finding& f : d.findings) {
        auto remedies = nlohmann::json::array();
        for (const remedy_out& r : f.remedies) {
            nlohmann::json rem = {{"type", r.kind}};
            if (!r.argument.empty()) rem["argument"] = r.argument;
            remedies.push_back(std::move(rem));
        }
        findings.push_back({
            {"policy", f.policy},
            {"version", version_json(f.policy_version)},
            {"rule", f.rule},
            {"severity", f.severity},
            {"outcome", outcome_name(f.result)},
            {"message", f.message},
            {"evidence", f.evidence.empty() ? nlohmann::json::object() : nlohmann::json::parse(f.evidence)},
            {"missing", f.missing},
            {"errors", f.errors},
            {"remedies", std::move(remedies)},
        });
    }
    return {
        {"record_id", d.record_id},
        {"conversation_id", d.conversation_id},
        {"decision", decision_name(d.kind)},
        {"findings", std::move(findings)},
        {"meta", d.meta.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(d.meta)},
        {"policy_hash", d.policy_hash},
    };
}

namespace {

nlohmann::json definitions_json(const std::vector<definition_explanation>& definitions) {
    auto out = nlohmann::json::array();
    for (const definition_explanation& d : definitions) {
        out.push_back({
            {"name", d.name},
            {"text", d.text},
            {"value", d.value},
            {"missing", d.missing},
            {"errors", d.errors},
            {"definitions", definitions_json(d.definitions)},
        });
    }
    return out;
}

}  // namespace

nlohmann::json to_json(const rule_explanation& e) {
    auto clauses = nlohmann::json::array();
    for (const clause_explanation& c : e.clauses) {
        clauses.push_back({
            {"clause", c.clause},
            {"text", c.text},
            {"value", c.value ? nlohmann::json(*c.value) : nlohmann::json(nullptr)},
            {"missing", c.missing},
            {"errors", c.errors},
            {"definitions", definitions_json(c.definitions)},
        });
    }
    return {
        {"policy", e.policy},
        {"version", version_json(e.policy_version)},
        {"rule", e.rule},
        {"result", e.result},
        {"clauses", std::move(clauses)},
    };
}

}  // namespace vigil
