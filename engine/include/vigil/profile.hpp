#pragma once
// Where an evaluator's time goes, rule by rule and definition by definition: what `vigil replay
// --profile` reports, as `opa eval --profile` does for Rego. A policy author sees which rule or
// phrase list costs what on a real log; a team sizing a replay sees reading against judging.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

class compiled_set;

/// A cheap count that only grows, for timing stretches of a few hundred nanoseconds: the
/// time-stamp counter on x86-64 (constant-rate on the processors of this century), steady_clock's
/// nanoseconds elsewhere. Reading steady_clock instead cost as much as a small rule.
[[nodiscard]] std::uint64_t profile_ticks();

/// How many profile_ticks() make a second, measured against steady_clock from the object's
/// construction to the call of per_second(): construct it before a run, ask after it.
class tick_rate {
public:
    tick_rate();
    /// 1e9 when less than a millisecond passed (too short to tell; steady_clock's unit).
    [[nodiscard]] double per_second() const;

private:
    std::chrono::steady_clock::time_point m_began;
    std::uint64_t m_began_ticks;
};

/// What an evaluator measured while it profiled (evaluator::profile). Times are in profile_ticks()
/// and include everything that ran inside: a rule's time holds the definitions first computed
/// for it on a record (a definition is computed once per record, for the first rule that needs
/// it, and later rules read it for free), and a definition's time the definitions it names.
struct evaluation_profile {
    struct cost {
        std::uint64_t times = 0;  // how often it ran
        std::uint64_t ticks = 0;
    };
    cost read;   // parsing and projecting records (refused ones too): times = records
    cost state;  // advancing the conversation state past each turn: times = turns
    /// By rule index (finding::rule_index): judging the rule, building its findings. Times: the
    /// records it was judged on.
    std::vector<cost> rules;
    /// By definition of the compiled set (profile_report names them): times = records it was
    /// computed for (a rule that stops early may not need it; a literal is never computed).
    std::vector<cost> definitions;
    /// The caller's own: turning decisions into its output (replay's findings lines, eval's
    /// answers), measured by the caller with profile_ticks().
    cost output;

    /// Adds another evaluator's measurements of the same compiled set (replay's workers).
    void add(const evaluation_profile& other);
};

/// One line of a profile, named for people.
struct profile_entry {
    /// `output` is the caller's: turning decisions into its own output (replay's findings lines).
    enum class part : std::uint8_t { read, state, rule, definition, output };
    part what = part::read;
    std::string policy;   // rule: its policy
    std::string version;  // rule: its policy's version (empty when it declares none)
    std::string name;     // rule, definition: its name; read: "read records", state: "conversation state"
    std::string where;    // rule, definition: `file:line:column` where it is written
    std::uint64_t times = 0;
    double seconds = 0;
};

/// The measurements of `p` (taken with `set`) as entries: reading, the conversation state (when
/// the set keeps one) and the output (when measured, named `output_name`) first, then every rule,
/// then every definition that was computed, each kind by most time first (then as written).
/// `ticks_per_second` converts (tick_rate::per_second()).
[[nodiscard]] std::vector<profile_entry> profile_report(const evaluation_profile& p, const compiled_set& set,
                                                        double ticks_per_second,
                                                        std::string_view output_name = "write output");

/// How render_profile words a profile for the program that measured it.
struct profile_wording {
    std::string_view whose;   // before "N s at work" in the heading: "the workers' ", or nothing
    std::string_view output;  // what one `output` measurement is: "an event", "an answer"
    std::string_view rest;    // what the time the parts do not cover went to
    std::size_t definitions = static_cast<std::size_t>(-1);  // the costliest shown ...
    std::string_view elsewhere;                              // ... and where the others are listed
};

/// profile_report's entries for people, a line each (without newline): a heading with
/// `total_seconds`, the time the parts are shares of; every entry but the definitions past
/// `wording.definitions`, with its seconds, its share and the time of one run; then the rest.
[[nodiscard]] std::vector<std::string> render_profile(const std::vector<profile_entry>& entries, double total_seconds,
                                                      const profile_wording& wording);

/// The name of a part in JSON: "read", "state", "rule", "definition", "output".
[[nodiscard]] const char* part_name(profile_entry::part p);

}  // namespace vigil
