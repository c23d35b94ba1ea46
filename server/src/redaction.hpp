#pragma once
// What the decision log leaves out of each line (options::decision_log_omit): the members of the
// record, and the evidence of the findings that shows them.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/server.hpp"

namespace vigil::server {

class log_redaction {
public:
    explicit log_redaction(std::vector<log_omission> omit) : m_omit(std::move(omit)) {}

    [[nodiscard]] bool active() const { return !m_omit.empty(); }

    /// Leaves the omitted members out of `record` (a JSON object) and out of the evidence of the
    /// findings of `decision` (its JSON text, an answer's decision object; with `meta` omitted in
    /// whole or part, its `meta` too), into `record_out` and `decision_out`. `omitted` gets the
    /// paths left out, in the order given; when it stays empty nothing was left out and the outputs
    /// are not written. Throws nlohmann::json::exception when a text is not JSON.
    void apply(std::string_view record, std::string_view decision, std::string& record_out, std::string& decision_out,
               std::vector<std::string>& omitted) const;

    /// For the decision of a conversation's closing, which has no record to look at: leaves out
    /// of its `meta` whatever is omitted from `meta`, whatever the `unless` fields (end-of-
    /// conversation findings have no evidence).
    void apply_to_closing(nlohmann::ordered_json& decision) const;

private:
    std::vector<log_omission> m_omit;
};

}  // namespace vigil::server
