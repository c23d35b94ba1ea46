// The findings file's lines, and the summary's counts, from the events of a tracker.

#include <algorithm>
#include <cstring>

#include "tally.hpp"
#include "vigil/json_text.hpp"

namespace vigil::replay::detail {

namespace {

using ordered = nlohmann::ordered_json;
using namespace std::string_view_literals;

// A gap names at most this many turns; `missing_count` has them all.
constexpr std::int64_t missing_listed = 100;

void keep_smallest(std::vector<std::pair<line_id, std::string>>& list, line_id id, std::string_view error) {
    if (list.size() == malformed_shown && id > list.back().first) return;
    const auto at = std::lower_bound(list.begin(), list.end(), id,
                                     [](const auto& entry, line_id value) { return entry.first < value; });
    list.insert(at, {id, std::string(error)});
    if (list.size() > malformed_shown) list.pop_back();
}

void keep_smallest(std::vector<line_id>& list, line_id id, std::size_t most) {
    if (list.size() == most && id > list.back()) return;
    list.insert(std::lower_bound(list.begin(), list.end(), id), id);
    if (list.size() > most) list.pop_back();
}

void append_line(rendered& out, const ordered& j) {
    const std::size_t from = out.text.size();
    out.text += json_text(j);
    out.text += '\n';
    out.add_piece_since(from);
}

// ,"missing":[...],"errors":[...]: most findings have neither.
void append_missing_and_errors(std::string& text, const finding& f) {
    if (f.missing.empty() && f.errors.empty()) {
        text += R"(,"missing":[],"errors":[])"sv;
        return;
    }
    text += ",\"missing\":"sv;
    append_json_strings(text, f.missing);
    text += ",\"errors\":"sv;
    append_json_strings(text, f.errors);
}

// Adds `from`'s counts of one rule to `into`, taking its names when `into` has none yet.
void add_rule_counts(rule_tally& into, const rule_tally& from) {
    if (into.rule.empty()) into = rule_tally{from.policy, from.version, from.rule, from.severity, 0, 0, {}};
    into.violations += from.violations;
    into.undetermined += from.undetermined;
}

}  // namespace

void add_counts(group_counts& into, const group_counts& from) {
    into.records += from.records;
    into.violations += from.violations;
    into.undetermined += from.undetermined;
    into.conversations += from.conversations;
    into.nn += from.nn;
    if (into.by_rule.size() < from.by_rule.size()) into.by_rule.resize(from.by_rule.size());
    for (std::size_t r = 0; r < from.by_rule.size(); ++r) {
        if (!from.by_rule[r].rule.empty()) add_rule_counts(into.by_rule[r], from.by_rule[r]);
    }
    if (into.spread.size() < from.spread.size()) into.spread.resize(from.spread.size());
    for (std::size_t r = 0; r < from.spread.size(); ++r) {
        for (int o = 0; o < 2; ++o) {
            into.spread[r].xx[o] += from.spread[r].xx[o];
            into.spread[r].xn[o] += from.spread[r].xn[o];
        }
    }
}

void tally::merge(const tally& o) {
    decided += o.decided;
    malformed += o.malformed;
    duplicates += o.duplicates;
    out_of_order += o.out_of_order;
    gaps += o.gaps;
    gaps_at_start += o.gaps_at_start;
    missing_turns += o.missing_turns;
    conversations += o.conversations;
    resumed += o.resumed;
    alone += o.alone;
    untimed += o.untimed;
    for (int k = 0; k < 3; ++k) decisions[k] += o.decisions[k];
    violations += o.violations;
    undetermined += o.undetermined;
    for (const auto& [severity, n] : o.by_severity) by_severity[severity] += n;
    for (const auto& [key, r] : o.by_rule) add_rule_counts(by_rule[key], r);
    for (const auto& [id, error] : o.first_malformed) keep_smallest(first_malformed, id, error);
    before_period += o.before_period;
    after_period += o.after_period;
    outside += o.outside;
    for (const line_id id : o.first_outside) keep_smallest(first_outside, id, outside_shown);
    if (groups.size() < o.groups.size()) groups.resize(o.groups.size());
    for (std::size_t field = 0; field < o.groups.size(); ++field) groups[field].merge(o.groups[field]);
}

const group_counts* tally::whole_replay() const {
    if (groups.empty()) return nullptr;
    const auto at = groups.back().values.find(whole_replay_value);
    return at == groups.back().values.end() ? nullptr : &at->second;
}

bool field_counts::check(std::string_view value) {
    if (value.size() > max_group_value_bytes && !too_long) {
        too_long = true;
        values = {};  // and its memory
    }
    return counted();
}

group_counts* field_counts::entry(std::string_view value) {
    if (!counted()) return nullptr;
    auto at = values.find(value);
    if (at != values.end()) return &at->second;
    if (values.size() == max_group_values) {
        too_many = true;
        values = {};  // and its memory
        return nullptr;
    }
    return &values.emplace(std::string(value), group_counts{}).first->second;
}

void field_counts::merge(const field_counts& other) {
    too_many = too_many || other.too_many;
    too_long = too_long || other.too_long;
    if (!counted()) {
        values = {};
        return;
    }
    for (const auto& [value, theirs] : other.values) {
        group_counts* mine = entry(value);
        if (mine == nullptr) return;
        add_counts(*mine, theirs);
    }
}

void render_read_error(const std::string& file, std::uint64_t last, const std::string& error, rendered& out) {
    append_line(out, ordered{{"event", "read_error"}, {"file", file}, {"line", last}, {"error", error}});
}

event_renderer::event_renderer(const std::vector<std::string>& files, const std::vector<std::string>& group_fields,
                               const compiled_set* set, period audited)
    : m_files(files), m_set(set), m_audited(audited) {
    for (const std::string& field : group_fields) {
        std::string& key = m_group_keys.emplace_back(m_group_keys.empty() ? ",\"groups\":{" : ",");
        append_json_string(key, field);
        key += ':';
    }
    for (const outcome o : {outcome::violation, outcome::undetermined}) {
        std::string& member = m_outcomes[static_cast<std::size_t>(o)];
        member = ",\"outcome\":";
        append_json_string(member, outcome_name(o));
        member += ",\"message\":";
    }
    for (const decision_kind k : {decision_kind::allow, decision_kind::allow_with_remedies, decision_kind::deny}) {
        std::string& member = m_decisions[static_cast<std::size_t>(k)];
        member = ",\"decision\":";
        append_json_string(member, decision_name(k));
    }
}

event_renderer::rule_entry& event_renderer::rule_of(const finding& f, tally& t) {
    if (f.rule_index >= m_rules.size()) m_rules.resize(f.rule_index + 1);
    rule_entry& r = m_rules[f.rule_index];
    if (r.counts != &t) {
        r.counts = &t;
        r.counter = &t.by_rule[{f.policy, f.policy_version, f.rule}];
        if (r.counter->rule.empty()) *r.counter = rule_tally{f.policy, f.policy_version, f.rule, f.severity, 0, 0, {}};
        r.severity = &t.by_severity[f.severity];
        r.fields.clear();
        r.fields += ",\"policy\":";
        append_json_string(r.fields, f.policy);
        r.fields += ",\"version\":";
        append_json_version(r.fields, f.policy_version);
        r.fields += ",\"rule\":";
        append_json_string(r.fields, f.rule);
        r.fields += ",\"severity\":";
        append_json_string(r.fields, f.severity);
    }
    return r;
}

std::string_view event_renderer::remedies_of(const finding& f, rule_entry& r) {
    // A rule's violations all carry its remedies: rendered again only when they differ.
    if (f.remedies.empty()) return ",\"remedies\":[]";
    if (!r.remedies_text.empty() && f.remedies == r.remedies) return r.remedies_text;
    r.remedies = f.remedies;
    std::string& text = r.remedies_text;
    text = ",\"remedies\":[";
    for (std::size_t i = 0; i < f.remedies.size(); ++i) {
        if (i) text += ',';
        text += '{';  // keys sorted, as nlohmann::json holds them
        if (!f.remedies[i].argument.empty()) {
            text += "\"argument\":";
            append_json_string(text, f.remedies[i].argument);
            text += ',';
        }
        text += "\"type\":";
        append_json_string(text, f.remedies[i].kind);
        text += '}';
    }
    text += ']';
    return text;
}

std::string_view event_renderer::tail_of(const decision& d) {
    // Every decision of a compiled set has its hash: rendered again only for another set.
    if (m_tail.empty() || d.policy_hash != m_policy_hash) {
        m_policy_hash = d.policy_hash;
        m_tail = ",\"policy_hash\":";
        append_json_string(m_tail, d.policy_hash);
        m_tail += ",\"meta\":";
    }
    return m_tail;
}

void event_renderer::findings(const decision& d, line_id line, const record_key* key,
                              const std::vector<rule_explanation>* why, rendered& out, tally& t) {
    // Written by hand rather than through nlohmann::json: most of a replay's time went into
    // building and dumping these objects. The finding fields are those of vigil::to_json, in its
    // order and with its escaping (a test compares them). What all findings of the decision share,
    // what all findings of a rule share, and the members with few values are rendered once.
    if (d.findings.empty()) return;
    std::string& text = out.text;
    const std::size_t record_at = text.size();
    render_record(d, line, key, text);
    const rendered::piece record{record_at, text.size() - record_at};
    const std::size_t tail_at = text.size();
    text += tail_of(d);
    // As the record wrote it: copied, not parsed and written again.
    text += d.meta.empty() ? "null"sv : std::string_view(d.meta);
    text += "}\n"sv;
    const rendered::piece tail{tail_at, text.size() - tail_at};
    for (const finding& f : d.findings) {
        rule_entry& r = rule_of(f, t);
        ++*r.severity;
        if (f.result == outcome::violation) {
            ++t.violations;
            ++r.counter->violations;
        } else {
            ++t.undetermined;
            ++r.counter->undetermined;
        }
        const std::size_t own = text.size();
        text += r.fields;
        text += m_outcomes[static_cast<std::size_t>(f.result)];
        append_json_string(text, f.message);
        text += ",\"evidence\":"sv;
        text += f.evidence.empty() ? std::string_view("{}") : std::string_view(f.evidence);
        append_missing_and_errors(text, f);
        text += remedies_of(f, r);
        if (why != nullptr && f.rule_index < why->size()) {
            text += ",\"explain\":"sv;
            append_json(text, to_json((*why)[f.rule_index]));
        }
        out.pieces.push_back(record);
        out.pieces.push_back({own, text.size() - own});
        out.pieces.push_back(tail);
    }
}

int event_renderer::place_in_period(const conversation_event& e) const {
    if (!m_audited.bounded() || e.record == nullptr || !e.record->has_time) return 0;
    return m_audited.place_of(e.record->time_ms);
}

void event_renderer::count_groups(const conversation_event& e, const decision& verdict, bool reported, tally& t) {
    const bool decided = e.kind == event_kind::decided;
    // A record without a conversation id or a turn is a conversation of its own, closed right
    // after it is decided, whatever id it has: it must not count with an open conversation of
    // that id (which another worker may hold).
    if (e.record == nullptr || !e.record->ordered()) {
        if (decided) m_alone.assign(t.groups.size(), {});
        if (m_alone.empty()) return;  // closing a conversation that decided nothing
        if (reported) add_cluster(verdict, decided, t.groups, m_alone);
        if (!decided) {
            close_cluster(m_alone, t);
            m_alone.clear();
        }
        return;
    }
    auto open = m_clusters.find(e.conversation_id);
    if (open == m_clusters.end()) {
        if (!decided) return;  // closing a conversation that decided nothing
        if (m_spare_clusters.empty()) {
            open = m_clusters.emplace(std::string(e.conversation_id), clusters(t.groups.size())).first;
        } else {
            auto node = std::move(m_spare_clusters.back());
            m_spare_clusters.pop_back();
            node.key() = e.conversation_id;
            open = m_clusters.insert(std::move(node)).position;
        }
    }
    if (reported) add_cluster(verdict, decided, t.groups, open->second);
    if (!decided) {
        close_cluster(open->second, t);
        for (auto& values : open->second) values.clear();
        m_spare_clusters.push_back(m_clusters.extract(open));
    }
}

void event_renderer::add_cluster(const decision& d, bool record, std::vector<field_counts>& fields, clusters& open) {
    for (const finding& f : d.findings) {
        if (m_rule_names.size() <= f.rule_index) m_rule_names.resize(f.rule_index + 1);
        rule_tally& name = m_rule_names[f.rule_index];
        if (name.rule.empty()) name = rule_tally{f.policy, f.policy_version, f.rule, f.severity, 0, 0, {}};
    }
    for (std::size_t field = 0; field < open.size(); ++field) {
        const std::string_view value = value_of(d, field);
        if (!fields[field].check(value)) continue;
        auto& values = open[field];  // one, unless the field changes within the conversation
        auto at = std::find_if(values.begin(), values.end(), [&](const cluster_counts& c) { return c.value == value; });
        if (at == values.end()) {
            values.push_back(cluster_counts{std::string(value), 0, {}});
            at = values.end() - 1;
        }
        if (record) ++at->records;
        for (const finding& f : d.findings) {
            if (at->found.size() <= f.rule_index) at->found.resize(f.rule_index + 1, {0, 0});
            ++at->found[f.rule_index][f.result == outcome::violation ? 0 : 1];
        }
    }
}

std::string_view event_renderer::value_of(const decision& d, std::size_t field) const {
    if (field == m_group_keys.size()) return whole_replay_value;
    // A closing without a turn evaluated carries nothing (and has no findings).
    return field < d.carried.size() ? std::string_view(d.carried[field]) : "null"sv;
}

void event_renderer::close_cluster(clusters& open, tally& t) const {
    for (std::size_t field = 0; field < open.size(); ++field) {
        for (const cluster_counts& c : open[field]) {
            group_counts* counted = t.groups[field].entry(c.value);
            if (counted == nullptr) break;  // the field is not counted by value
            group_counts& g = *counted;
            const std::uint64_t n = c.records;
            g.records += n;
            ++g.conversations;
            g.nn += n * n;
            if (g.by_rule.size() < c.found.size()) g.by_rule.resize(c.found.size());
            if (g.spread.size() < c.found.size()) g.spread.resize(c.found.size());
            for (std::size_t rule = 0; rule < c.found.size(); ++rule) {
                const auto [violations, undetermined] = c.found[rule];
                if (violations + undetermined == 0) continue;
                rule_tally& r = g.by_rule[rule];
                if (r.rule.empty()) r = m_rule_names[rule];
                r.violations += violations;
                r.undetermined += undetermined;
                g.violations += violations;
                g.undetermined += undetermined;
                for (int o = 0; o < 2; ++o) {
                    const std::uint64_t x = c.found[rule][o];
                    g.spread[rule].xx[o] += x * x;
                    g.spread[rule].xn[o] += x * n;
                }
            }
        }
    }
}

// A record timed when no policy is in effect comes out allowed without a finding, like a clean
// one: counted apart so that a replay of logs from the wrong months does not look clean.
void event_renderer::count_outside(const conversation_event& e, tally& t) const {
    if (m_set == nullptr || !e.record->has_time || some_policy_in_effect(*m_set, e.record->time_ms)) return;
    ++t.outside;
    keep_smallest(t.first_outside, e.line, outside_shown);
}

void event_renderer::render_record(const decision& d, line_id line, const record_key* key, std::string& record) const {
    record += "{\"file\":"sv;
    append_json_string(record, m_files[file_of(line)]);
    record += ",\"line\":"sv;
    append_json_integer(record, line_of(line));
    record += ",\"record_id\":"sv;
    append_json(record, d.record_id);
    record += ",\"conversation_id\":"sv;
    append_json(record, d.conversation_id);
    record += ",\"turn\":"sv;
    if (key && key->has_turn)
        append_json_integer(record, key->turn);
    else if (key && !key->turn_json.empty())
        record += key->turn_json;  // as the record wrote it, so that the auditor can find the line
    else
        record += "null"sv;
    record += ",\"timestamp\":"sv;
    if (key && !key->timestamp.empty())
        append_json_string(record, key->timestamp);
    else if (key && !key->timestamp_json.empty())
        record += key->timestamp_json;  // as the record wrote it, as `turn`
    else
        record += "null"sv;
    record += m_decisions[static_cast<std::size_t>(d.kind)];
    if (m_group_keys.empty()) return;
    for (std::size_t field = 0; field < m_group_keys.size(); ++field) {
        record += m_group_keys[field];
        record += field < d.carried.size() ? std::string_view(d.carried[field]) : "null"sv;
    }
    record += '}';
}

void event_renderer::render(const conversation_event& e, rendered& lines, tally& t) {
    const auto place = [&](ordered& out, line_id line) {
        out["file"] = m_files[file_of(line)];
        out["line"] = line_of(line);
    };
    switch (e.kind) {
        case event_kind::decided: {
            if (const int where = place_in_period(e); where != 0) {
                ++(where < 0 ? t.before_period : t.after_period);
                return;
            }
            ++t.decided;
            ++t.decisions[static_cast<int>(e.verdict->kind)];
            if (!e.record->ordered()) ++t.alone;
            if (!e.record->has_time) ++t.untimed;
            count_outside(e, t);
            if (!t.groups.empty()) count_groups(e, *e.verdict, true, t);
            findings(*e.verdict, e.line, e.record, e.why, lines, t);
            return;
        }
        case event_kind::closed: {
            // Findings about the whole conversation, on its last turn evaluated, reported when
            // that turn is.
            ++t.conversations;
            if (e.resumed) ++t.resumed;
            const bool reported = place_in_period(e) == 0;
            // Closes the conversation's counts.
            if (!t.groups.empty() && e.verdict) count_groups(e, *e.verdict, reported, t);
            if (reported && e.verdict && e.last_turn_line != 0)
                findings(*e.verdict, e.last_turn_line, e.record, nullptr, lines, t);
            return;
        }
        case event_kind::malformed: {
            ++t.malformed;
            keep_smallest(t.first_malformed, e.line, e.reason);
            ordered out{{"event", "malformed"}};
            place(out, e.line);
            out["error"] = e.reason;
            append_line(lines, out);
            return;
        }
        case event_kind::gap: {
            ++t.gaps;
            if (e.at_start) ++t.gaps_at_start;
            const std::int64_t count = e.missing_last - e.missing_first + 1;
            t.missing_turns += static_cast<std::uint64_t>(count);
            ordered out{{"event", "gap"}};
            place(out, e.line);
            out["conversation_id"] = e.conversation_id;
            out["turn"] = e.record->turn;
            auto turns = ordered::array();
            for (std::int64_t turn = e.missing_first; turn <= e.missing_last && turn < e.missing_first + missing_listed;
                 ++turn)
                turns.push_back(turn);
            out["missing_turns"] = std::move(turns);
            out["missing_count"] = count;
            out["at_start"] = e.at_start;
            append_line(lines, out);
            return;
        }
        case event_kind::duplicate: {
            ++t.duplicates;
            ordered out{{"event", "duplicate"}};
            place(out, e.line);
            out["conversation_id"] = e.conversation_id;
            out["turn"] = e.record->turn;
            out["first_file"] = m_files[file_of(e.first_line)];
            out["first_line"] = line_of(e.first_line);
            append_line(lines, out);
            return;
        }
        case event_kind::out_of_order: {
            ++t.out_of_order;
            ordered out{{"event", "out_of_order"}};
            place(out, e.line);
            out["conversation_id"] = e.conversation_id;
            out["turn"] = e.record->turn;
            out["expected_turn"] = e.expected_turn;
            append_line(lines, out);
            return;
        }
    }
}

}  // namespace vigil::replay::detail
