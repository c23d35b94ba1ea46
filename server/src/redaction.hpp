#pragma once
// What the decision log leaves out of each line (options::decision_log_omit): the members of the
// record, and the evidence and meta of its decision that show them.

#include <cstddef>
#include <memory>
#include <mutex>
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

    /// Decides, once for a policy set, which placeholders of its rules' messages read a member
    /// left out (or one inside it, or one holding it): in the logged decisions of that set, apply()
    /// shows `(omitted)` in their place. Call it before the set decides (at start, and before a
    /// reload installs a new set); the last few sets stay prepared, for turns in flight while a
    /// reload replaces one. Thread-safe with apply(). Returns the rules whose messages are masked,
    /// for the server's log: `manipulation.no_pressure_on_distressed (text)`; empty when none.
    std::string prepare(const compiled_set& set);

    /// Leaves the omitted members out of `record` (the JSON object as received) into `record_out`,
    /// every other byte as it was, and out of the evidence of the findings, the messages (as
    /// prepare() decided for the set that decided, by its policy hash; every placeholder of a
    /// set not prepared) and the `meta` of `verdict`, written into `decision_out` as append_json
    /// writes a decision. `omitted` gets the paths left out, in the order given; when it stays
    /// empty nothing was left out and the outputs are not written. False, with `error`, when the
    /// record cannot be read (not expected: it was decided).
    bool apply(std::string_view record, const decision& verdict, std::string& record_out, std::string& decision_out,
               std::vector<std::string>& omitted, std::string& error) const;

    /// For the decision of a conversation's closing, which has no record to look at: leaves out of
    /// its `meta` whatever is omitted from `meta`, and its `record_id` when `id` is omitted,
    /// whatever the `unless` fields (end-of-conversation findings have no evidence).
    void apply_to_closing(decision& d) const;

    /// What it leaves out, for the server's start-up line: `text, signals unless
    /// user.consent.emotion_analysis`.
    [[nodiscard]] std::string describe() const;

    /// What a placeholder shows in a logged message instead of a value left out.
    static constexpr std::string_view omitted_value = "(omitted)";

private:
    // One placeholder of a rule's message that reads members left out: which, by their index in
    // m_omit (the placeholder is masked when one of them is left out of the record).
    struct masked_placeholder {
        std::size_t index = 0;  // among the template's placeholders
        std::vector<std::size_t> omissions;
    };
    // The masked placeholders of one set's rules, by rule index (empty: the message shows
    // nothing left out).
    struct set_masks {
        std::string policy_hash;
        std::vector<std::vector<masked_placeholder>> rules;
    };
    using prepared_sets = std::vector<std::shared_ptr<const set_masks>>;  // the latest first

    // Which placeholders of `f`'s message to mask (into `which`) when the omissions marked in
    // `cut` are left out of its record, by `masks` (null: a set not prepared, every placeholder);
    // the omissions that masked one are marked in `masked`. Returns whether one is.
    static bool to_mask(const finding& f, const set_masks* masks, const std::vector<bool>& cut,
                        std::vector<bool>& which, std::vector<bool>& masked);
    [[nodiscard]] std::shared_ptr<const set_masks> masks_for(const std::string& policy_hash) const;
    [[nodiscard]] std::shared_ptr<const prepared_sets> prepared_now() const;

    std::vector<log_omission> m_omit;
    std::vector<std::string> m_unless_pointers;  // per omission: its `unless` field as a JSON pointer
    // Copied under the mutex, replaced whole. Not std::atomic<std::shared_ptr>: GCC 12's libstdc++
    // guards it with a lock bit that ThreadSanitizer does not see (a race reported on every reload).
    mutable std::mutex m_prepared_lock;
    std::shared_ptr<const prepared_sets> m_prepared{std::make_shared<const prepared_sets>()};
};

}  // namespace vigil::server
