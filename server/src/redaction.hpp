#pragma once
// What the decision log leaves out of each line (options::decision_log_omit): the members of the
// record, and the evidence and meta of its decision that show them.

#include <string>
#include <string_view>
#include <vector>

#include "vigil/evaluate.hpp"
#include "vigil/server.hpp"

namespace vigil::server {

class log_redaction {
public:
    explicit log_redaction(std::vector<log_omission> omit);

    [[nodiscard]] bool active() const { return !m_omit.empty(); }

    /// Leaves the omitted members out of `record` (the JSON object as received) into `record_out`,
    /// every other byte as it was, and out of the evidence of the findings and the `meta` of
    /// `verdict`, written into `decision_out` as append_json writes a decision. `omitted` gets the
    /// paths left out, in the order given; when it stays empty nothing was left out and the
    /// outputs are not written. False, with `error`, when the record cannot be read (not expected:
    /// it was decided).
    bool apply(std::string_view record, const decision& verdict, std::string& record_out, std::string& decision_out,
               std::vector<std::string>& omitted, std::string& error) const;

    /// For the decision of a conversation's closing, which has no record to look at: leaves out of
    /// its `meta` whatever is omitted from `meta`, and its `record_id` when `id` is omitted,
    /// whatever the `unless` fields (end-of-conversation findings have no evidence).
    void apply_to_closing(decision& d) const;

    /// What it leaves out, for the server's start-up line: `text, signals unless
    /// user.consent.emotion_analysis`.
    [[nodiscard]] std::string describe() const;

private:
    std::vector<log_omission> m_omit;
    std::vector<std::string> m_unless_pointers;  // per omission: its `unless` field as a JSON pointer
};

}  // namespace vigil::server
