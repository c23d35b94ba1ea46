#include "answer.hpp"

namespace vigil::server {

namespace {

// Members in the order nlohmann::json (a std::map) keeps them: errors, evidence, message, missing,
// outcome, policy, remedies, rule, severity, version.
void append_finding(std::string& out, const finding& f) {
    out.append("{\"errors\":");
    append_json_strings(out, f.errors);
    out.append(",\"evidence\":");
    if (f.evidence.is_object())
        append_json(out, f.evidence);
    else
        out.append("{}");
    out.append(",\"message\":");
    append_json_string(out, f.message);
    out.append(",\"missing\":");
    append_json_strings(out, f.missing);
    out.append(",\"outcome\":");
    append_json_string(out, outcome_name(f.result));
    out.append(",\"policy\":");
    append_json_string(out, f.policy);
    out.append(",\"remedies\":[");
    for (std::size_t i = 0; i < f.remedies.size(); ++i) {
        if (i) out.push_back(',');
        out.push_back('{');
        if (!f.remedies[i].argument.empty()) {
            out.append("\"argument\":");
            append_json_string(out, f.remedies[i].argument);
            out.push_back(',');
        }
        out.append("\"type\":");
        append_json_string(out, f.remedies[i].kind);
        out.push_back('}');
    }
    out.append("],\"rule\":");
    append_json_string(out, f.rule);
    out.append(",\"severity\":");
    append_json_string(out, f.severity);
    out.append(",\"version\":");
    append_json_string(out, f.policy_version);
    out.push_back('}');
}

}  // namespace

// Members sorted: conversation_id, decision, findings, policy_hash, record_id.
void append_decision(std::string& out, const decision& d) {
    out.append("{\"conversation_id\":");
    out.append(d.conversation_id.dump());
    out.append(",\"decision\":");
    append_json_string(out, decision_name(d.kind));
    out.append(",\"findings\":[");
    for (std::size_t i = 0; i < d.findings.size(); ++i) {
        if (i) out.push_back(',');
        append_finding(out, d.findings[i]);
    }
    out.append("],\"policy_hash\":");
    append_json_string(out, d.policy_hash);
    out.append(",\"record_id\":");
    out.append(d.record_id.dump());
    out.push_back('}');
}

}  // namespace vigil::server
