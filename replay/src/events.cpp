// The findings file's lines, and the summary's counts, from the events of a tracker.

#include <algorithm>
#include <cstring>

#include "tally.hpp"

namespace vigil::replay::detail {

namespace {

using ordered = nlohmann::ordered_json;

// A gap names at most this many turns; `missing_count` has them all.
constexpr std::int64_t missing_listed = 100;

void keep_smallest(std::vector<std::pair<line_id, std::string>>& list, line_id id, std::string_view error) {
    if (list.size() == malformed_shown && id > list.back().first) return;
    const auto at = std::lower_bound(list.begin(), list.end(), id,
                                     [](const auto& entry, line_id value) { return entry.first < value; });
    list.insert(at, {id, std::string(error)});
    if (list.size() > malformed_shown) list.pop_back();
}

// A JSON string as nlohmann::json dumps it: `"`, `\\` and control characters escaped (the
// short forms where JSON has them, \u00xx otherwise), everything else as it is.
void put_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;
    std::size_t i = 0;
    for (;; ++i) {
        // Eight bytes at a time while none needs escaping (the common case: whole messages): a
        // byte below 0x20, `"` or `\\`, found with the has-zero-byte trick (a false alarm only
        // sends one byte through the check below).
        constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        while (i + 8 <= s.size()) {
            std::uint64_t v;
            std::memcpy(&v, s.data() + i, 8);
            const std::uint64_t quote = v ^ (ones * '"'), slash = v ^ (ones * '\\');
            const std::uint64_t hit = ((v - ones * 0x20) | (quote - ones) | (slash - ones)) & ~v & highs;
            if (hit != 0) break;
            i += 8;
        }
        if (i >= s.size()) break;
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
        }
    }
    out.append(s.data() + plain, s.size() - plain);
    out += '"';
}

void put_json(std::string& out, const nlohmann::json& j) {
    if (j.is_string())
        put_string(out, j.get_ref<const std::string&>());
    else
        out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void put_strings(std::string& out, const std::vector<std::string>& list) {
    out += '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i) out += ',';
        put_string(out, list[i]);
    }
    out += ']';
}

void append_line(std::string& text, const ordered& j) {
    text += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
}

}  // namespace

void tally::merge(const tally& o) {
    decided += o.decided;
    malformed += o.malformed;
    duplicates += o.duplicates;
    out_of_order += o.out_of_order;
    gaps += o.gaps;
    gaps_at_start += o.gaps_at_start;
    missing_turns += o.missing_turns;
    conversations += o.conversations;
    alone += o.alone;
    untimed += o.untimed;
    for (int k = 0; k < 3; ++k) decisions[k] += o.decisions[k];
    violations += o.violations;
    undetermined += o.undetermined;
    for (const auto& [severity, n] : o.by_severity) by_severity[severity] += n;
    for (const auto& [key, r] : o.by_rule) {
        rule_tally& mine = by_rule[key];
        if (mine.rule.empty()) mine = rule_tally{r.policy, r.rule, r.severity, 0, 0};
        mine.violations += r.violations;
        mine.undetermined += r.undetermined;
    }
    for (const auto& [id, error] : o.first_malformed) keep_smallest(first_malformed, id, error);
}

void event_renderer::findings(const decision& d, line_id line, const record_key* key, std::string& text, tally& t) {
    // Written by hand rather than through nlohmann::json: most of a replay's time went into
    // building and dumping these objects. The finding fields are those of vigil::to_json, in its
    // order and with its escaping (a test compares them).
    for (const finding& f : d.findings) {
        if (f.result == outcome::violation)
            ++t.violations;
        else
            ++t.undetermined;
        ++t.by_severity[f.severity];
        rule_tally& r = t.by_rule[{f.policy, f.rule}];
        if (r.rule.empty()) r = rule_tally{f.policy, f.rule, f.severity, 0, 0};
        if (f.result == outcome::violation)
            ++r.violations;
        else
            ++r.undetermined;

        text += "{\"file\":";
        put_string(text, m_files[file_of(line)]);
        text += ",\"line\":";
        text += std::to_string(line_of(line));
        text += ",\"record_id\":";
        put_json(text, d.record_id);
        text += ",\"conversation_id\":";
        put_json(text, d.conversation_id);
        text += ",\"turn\":";
        if (key && key->has_turn)
            text += std::to_string(key->turn);
        else
            text += "null";
        text += ",\"timestamp\":";
        if (key && !key->timestamp.empty())
            put_string(text, key->timestamp);
        else
            text += "null";
        text += ",\"decision\":";
        put_string(text, decision_name(d.kind));
        text += ",\"policy\":";
        put_string(text, f.policy);
        text += ",\"version\":";
        put_string(text, f.policy_version);
        text += ",\"rule\":";
        put_string(text, f.rule);
        text += ",\"severity\":";
        put_string(text, f.severity);
        text += ",\"outcome\":";
        put_string(text, outcome_name(f.result));
        text += ",\"message\":";
        put_string(text, f.message);
        text += ",\"evidence\":";
        if (f.evidence.is_object())
            put_json(text, f.evidence);
        else
            text += "{}";
        text += ",\"missing\":";
        put_strings(text, f.missing);
        text += ",\"errors\":";
        put_strings(text, f.errors);
        text += ",\"remedies\":[";
        for (std::size_t i = 0; i < f.remedies.size(); ++i) {
            if (i) text += ',';
            text += '{';  // keys sorted, as nlohmann::json holds them
            if (!f.remedies[i].argument.empty()) {
                text += "\"argument\":";
                put_string(text, f.remedies[i].argument);
                text += ',';
            }
            text += "\"type\":";
            put_string(text, f.remedies[i].kind);
            text += '}';
        }
        text += "],\"policy_hash\":";
        put_string(text, d.policy_hash);
        text += "}\n";
    }
}

void event_renderer::render(const conversation_event& e, std::string& text, tally& t) {
    const auto place = [&](ordered& out, line_id line) {
        out["file"] = m_files[file_of(line)];
        out["line"] = line_of(line);
    };
    switch (e.kind) {
        case event_kind::decided: {
            ++t.decided;
            ++t.decisions[static_cast<int>(e.verdict->kind)];
            if (!e.record->ordered()) ++t.alone;
            if (!e.record->has_time) ++t.untimed;
            findings(*e.verdict, e.line, e.record, text, t);
            return;
        }
        case event_kind::closed: {
            // Findings about the whole conversation, on its last turn evaluated.
            ++t.conversations;
            if (e.verdict && e.last_turn_line != 0) findings(*e.verdict, e.last_turn_line, e.record, text, t);
            return;
        }
        case event_kind::malformed: {
            ++t.malformed;
            keep_smallest(t.first_malformed, e.line, e.reason);
            ordered out{{"event", "malformed"}};
            place(out, e.line);
            out["error"] = e.reason;
            append_line(text, out);
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
            append_line(text, out);
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
            append_line(text, out);
            return;
        }
        case event_kind::out_of_order: {
            ++t.out_of_order;
            ordered out{{"event", "out_of_order"}};
            place(out, e.line);
            out["conversation_id"] = e.conversation_id;
            out["turn"] = e.record->turn;
            out["expected_turn"] = e.expected_turn;
            append_line(text, out);
            return;
        }
    }
}

}  // namespace vigil::replay::detail
