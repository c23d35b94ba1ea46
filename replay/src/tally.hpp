#pragma once
// What a worker makes of the events of its tracker: the lines of the findings file, and the
// counts of the summary. Each worker has its own; the counts are merged at the end.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vigil/conversation.hpp"
#include "vigil/replay.hpp"

namespace vigil::replay::detail {

/// A line's place in the stream: the file's index in the high bits, its line number (from 1) in
/// the low 40. Increasing along the stream, so it orders lines across files.
using line_id = std::uint64_t;
constexpr unsigned line_bits = 40;
constexpr line_id make_line_id(std::size_t file, std::uint64_t line) {
    return (static_cast<line_id>(file) << line_bits) | line;
}
constexpr std::size_t file_of(line_id id) {
    return static_cast<std::size_t>(id >> line_bits);
}
constexpr std::uint64_t line_of(line_id id) {
    return id & ((line_id{1} << line_bits) - 1);
}

/// How many malformed lines the summary names, and how many records outside every effective period.
constexpr std::size_t malformed_shown = 20;
constexpr std::size_t outside_shown = 10;

/// One value of a carried field: its records, and its findings by finding::rule_index. The turns
/// of one conversation are not independent samples, so the spread of a rate is measured over
/// conversations (each one a cluster of records).
struct group_counts {
    std::uint64_t records = 0;
    std::uint64_t violations = 0, undetermined = 0;
    std::uint64_t conversations = 0;  // that had records of this value
    std::uint64_t nn = 0;             // sum of n^2 over them
    std::vector<rule_tally> by_rule;  // by rule index; `rule` empty for rules without findings here
    std::vector<rule_spread> spread;  // by rule index
};

/// Adds `from`'s counts to `into`.
void add_counts(group_counts& into, const group_counts& from);

/// What one open conversation added to one value of a carried field so far.
struct cluster_counts {
    std::string value;
    std::uint64_t records = 0;
    std::vector<std::array<std::uint32_t, 2>> found;  // by rule index, by outcome
};

/// Looks a value up by its text without making a string of it.
struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
using groups_by_value = std::unordered_map<std::string, group_counts, text_hash, std::equal_to<>>;

/// The values of one carried field, each with its counts: none once the field has more than
/// replay::max_group_values of them (a field such as `id`, with a value per record, would make
/// memory grow with the logs), or a value longer than replay::max_group_value_bytes (a field
/// such as `text`). Which is the same whatever the threads: a worker stops counting when it alone
/// sees too many, the merged tally when all of them together do, and a long value is noticed
/// by whichever worker meets it, counting or not.
struct field_counts {
    groups_by_value values;
    bool too_many = false;
    bool too_long = false;

    [[nodiscard]] bool counted() const { return !too_many && !too_long; }
    /// Notes a value of the field: false when the field is not counted (now or from before).
    bool check(std::string_view value);
    /// The entry of `value`, new when needed; null when the field is not counted.
    group_counts* entry(std::string_view value);
    void merge(const field_counts& other);
};

/// The counts of one worker, on cache lines of its own (each worker counts every record).
struct alignas(64) tally {
    std::uint64_t decided = 0, malformed = 0, duplicates = 0, out_of_order = 0, gaps = 0, gaps_at_start = 0;
    std::uint64_t missing_turns = 0;
    std::uint64_t conversations = 0, resumed = 0, alone = 0, untimed = 0;
    std::uint64_t decisions[3] = {0, 0, 0};
    std::uint64_t violations = 0, undetermined = 0;
    std::map<std::string, std::uint64_t> by_severity;
    std::map<std::tuple<std::string, std::string, std::string>, rule_tally> by_rule;  // policy, version, rule
    std::vector<std::pair<line_id, std::string>> first_malformed;  // the smallest ids, sorted
    std::uint64_t before_period = 0, after_period = 0;             // records outside the audited period
    std::uint64_t outside = 0;           // records timed when no policy of the set is in effect ...
    std::vector<line_id> first_outside;  // ... the smallest ids, sorted
    // Per carried field of the compiled set: by value, as JSON text. Then one more, the whole
    // replay: a field of one value (whole_replay_value) that every record has, so that the spread
    // of a rule's rate over all the conversations is summed as that of one language is.
    std::vector<field_counts> groups;

    void merge(const tally& other);
    /// The counts of the whole replay: the last of `groups` (none when they are not counted).
    [[nodiscard]] const group_counts* whole_replay() const;
};

/// The value of the whole replay, the last field of tally::groups.
constexpr std::string_view whole_replay_value = "*";

/// Lines of the findings file as a worker renders them: runs of `text`, laid end to end in the
/// order of `pieces`. The findings of one decision share the record's fields and the decision's
/// tail (policy hash and meta), written once and named by a piece in each finding's line, so a
/// worker does not copy them for every finding; the writer puts the lines together.
struct rendered {
    struct piece {
        std::size_t offset = 0;
        std::size_t length = 0;
    };
    std::string text;
    std::vector<piece> pieces;

    /// A piece for what `text` gained since `from` (nothing when it gained nothing).
    void add_piece_since(std::size_t from) {
        if (text.size() > from) pieces.push_back({from, text.size() - from});
    }
    /// Appends the bytes of pieces [first, first + count) to `out`.
    void append_to(std::string& out, std::size_t first, std::size_t count) const {
        for (std::size_t i = first; i < first + count; ++i) out.append(text, pieces[i].offset, pieces[i].length);
    }
    void clear() {
        text.clear();
        pieces.clear();
    }
};

/// The findings file's line for a log that could not be read after its line `last` (0: none was
/// read), as one piece of `out`: `{"event":"read_error","file","line","error"}`.
void render_read_error(const std::string& file, std::uint64_t last, const std::string& error, rendered& out);

/// Renders the events of one worker's tracker into findings-file lines and counts them.
class event_renderer {
public:
    /// `group_fields`: the compiled set's carried fields (--group-by), whose values every findings
    /// line gives under `groups`, so that an auditor can pick out the findings of one value.
    /// `set`, when given: the policies the records are judged by, so that the records timed when
    /// none of them is in effect are counted (tally::outside).
    /// `audited`: the records timed outside it are counted apart, and neither their decisions nor
    /// their findings are (options::audited).
    explicit event_renderer(const std::vector<std::string>& files, const std::vector<std::string>& group_fields = {},
                            const compiled_set* set = nullptr, period audited = {});

    /// Appends the lines `e` stands for to `out` (nothing for most decisions) and counts it.
    void render(const conversation_event& e, rendered& out, tally& t);

private:
    // What every finding of one rule shares: its counters in the tally, and its rendered fields.
    struct rule_entry {
        const tally* counts = nullptr;  // the tally the pointers below point into
        rule_tally* counter = nullptr;
        std::uint64_t* severity = nullptr;
        std::string fields;  // ,"policy":..,"version":..,"rule":..,"severity":..
        // The remedies last rendered for the rule, and their text: a rule's violations all have
        // the same ones.
        std::vector<remedy_out> remedies;
        std::string remedies_text;  // ,"remedies":[...]
    };

    /// `why`, when the replay explains: every rule's explanation, in rule order.
    void findings(const decision& d, line_id line, const record_key* key, const std::vector<rule_explanation>* why,
                  rendered& out, tally& t);
    /// Where the record of `e` stands against the audited period: -1 before, 0 in it or not
    /// placed (no usable timestamp), 1 after.
    [[nodiscard]] int place_in_period(const conversation_event& e) const;
    void count_groups(const conversation_event& e, const decision& verdict, bool reported, tally& t);
    void count_outside(const conversation_event& e, tally& t) const;
    using clusters = std::vector<std::vector<cluster_counts>>;  // per carried field, per value
    void add_cluster(const decision& d, bool record, std::vector<field_counts>& fields, clusters& open);
    [[nodiscard]] std::string_view value_of(const decision& d, std::size_t field) const;
    void close_cluster(clusters& open, tally& t) const;
    void render_record(const decision& d, line_id line, const record_key* key, std::string& text) const;
    rule_entry& rule_of(const finding& f, tally& t);
    std::string_view remedies_of(const finding& f, rule_entry& r);
    std::string_view tail_of(const decision& d);

    const std::vector<std::string>& m_files;
    const compiled_set* m_set;
    period m_audited;
    std::vector<rule_entry> m_rules;  // by finding::rule_index
    std::string m_outcomes[2];        // by outcome: ,"outcome":..,"message":
    std::string m_decisions[3];       // by decision_kind: ,"decision":..
    std::vector<std::string> m_group_keys;  // by carried field: ,"groups":{"field": then ,"field":
    std::string m_policy_hash;        // the hash of the compiled set, as in m_tail
    std::string m_tail;               // ,"policy_hash":..,"meta":
    // Per open conversation (by id): what it added to each value of each carried field so far,
    // added to the tally when it closes. Closed ones' nodes are kept for the next.
    using clusters_by_conversation = std::unordered_map<std::string, clusters, text_hash, std::equal_to<>>;
    clusters_by_conversation m_clusters;
    std::vector<clusters_by_conversation::node_type> m_spare_clusters;
    clusters m_alone;                      // of the record decided alone, until its closing
    std::vector<rule_tally> m_rule_names;  // by finding::rule_index, counts zero
};

}  // namespace vigil::replay::detail
