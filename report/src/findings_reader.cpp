// The findings file of a replay read line by line (it may be gigabytes): counts, the first
// examples of each rule and event by file and line, and why rules were undetermined. Nothing else
// is kept, so memory follows the summary's rules and the options, not the file.

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include <simdjson.h>

#include "vigil/calendar.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/line_reader.hpp"
#include "vigil/report.hpp"

namespace vigil::report {

namespace {

namespace dom = simdjson::dom;

// The line reader leaves this much readable after every line, which simdjson reads past its end.
static_assert(record_padding >= simdjson::SIMDJSON_PADDING);

// Thrown inside this file only: what is wrong with the line being read.
struct bad_line : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// `text`, cut to max_text_bytes at a character boundary, with `…` when it was longer.
std::string kept(std::string_view text) {
    if (text.size() <= max_text_bytes) return std::string(text);
    std::size_t end = max_text_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // not inside a character
    return std::string(text.substr(0, end)) + "…";
}

// The members of one line of the findings file, each checked as it is read.
class line_object {
public:
    explicit line_object(dom::element value) {
        if (value.get_object().get(m_object)) throw bad_line("not a JSON object");
    }
    [[nodiscard]] bool has(const char* key) const { return !m_object[key].error(); }
    [[nodiscard]] dom::element any(const char* key) const {
        dom::element e;
        if (m_object[key].get(e)) throw bad_line(std::string("member `") + key + "` is missing");
        return e;
    }
    [[nodiscard]] std::string_view text(const char* key) const {
        std::string_view s;
        if (any(key).get_string().get(s)) throw bad_line(std::string("member `") + key + "` is not a string");
        return s;
    }
    [[nodiscard]] std::string_view text_or_null(const char* key) const {
        return any(key).is_null() ? std::string_view() : text(key);
    }
    [[nodiscard]] std::uint64_t count(const char* key) const {
        std::uint64_t n = 0;
        if (any(key).get_uint64().get(n)) throw bad_line(std::string("member `") + key + "` is not a whole number");
        return n;
    }
    [[nodiscard]] std::vector<std::string> texts(const char* key) const {
        dom::array list;
        if (any(key).get_array().get(list)) throw bad_line(std::string("member `") + key + "` is not an array");
        std::vector<std::string> out;
        for (dom::element e : list) {
            std::string_view s;
            if (e.get_string().get(s))
                throw bad_line(std::string("member `") + key + "` holds a value that is not a string");
            out.push_back(kept(s));
        }
        return out;
    }
    // A string as it is; any other value (an unusable id, a timestamp that is not a text) as its
    // JSON text, as the record wrote it.
    [[nodiscard]] std::string shown(const char* key) const {
        const dom::element e = any(key);
        std::string_view s;
        if (!e.get_string().get(s)) return kept(s);
        return kept(simdjson::to_string(e));
    }
    // A whole number as it is; any other value as its JSON text: a turn of `"3"` stays one that is
    // not a number, as the record wrote it, so that the line can be found.
    [[nodiscard]] std::string number_shown(const char* key) const {
        const dom::element e = any(key);
        std::uint64_t n = 0;
        if (!e.get_uint64().get(n)) return std::to_string(n);
        return kept(simdjson::to_string(e));
    }

private:
    dom::object m_object;
};

using place_key = std::tuple<std::size_t, std::uint64_t>;

place_key key_of(const example& e) {
    return {e.file_index, e.line};
}

// Whether an example at `key` would be among the first `cap` of `list` (sorted by place): asked
// before the example is built, which most findings of a long file are not.
bool among_first(const std::vector<example>& list, const place_key& key, std::size_t cap) {
    if (cap == 0) return false;
    return list.size() < cap || key < key_of(list.back());
}

// Keeps `e` among the first `cap` of `list`, which stays sorted by place; of one place, the first
// read comes first.
void keep_first(std::vector<example>& list, example e, std::size_t cap) {
    const auto at = std::upper_bound(list.begin(), list.end(), key_of(e),
                                     [](const place_key& k, const example& x) { return k < key_of(x); });
    list.insert(at, std::move(e));
    if (list.size() > cap) list.pop_back();
}

// What an event says beyond where it is, in words.
std::string event_detail(std::string_view kind, const line_object& event) {
    if (kind == "gap") {
        const std::uint64_t n = event.count("missing_count");
        std::string text = std::to_string(n) + (n == 1 ? " missing turn" : " missing turns");
        dom::array turns;
        if (event.any("missing_turns").get_array().get(turns)) throw bad_line("member `missing_turns` is not an array");
        std::string listed;
        for (dom::element turn : turns) listed += (listed.empty() ? "" : ", ") + simdjson::to_string(turn);
        text += " (" + listed + (turns.size() < n ? ", ..." : "") + ")";
        bool at_start = false;
        if (event.any("at_start").get_bool().get(at_start)) throw bad_line("member `at_start` is not true or false");
        return at_start ? text + ", at the conversation's start" : text;
    }
    if (kind == "duplicate")
        return "a copy of " + std::string(event.text("first_file")) + ":" + std::to_string(event.count("first_line"));
    if (kind == "out_of_order")
        return "came after its conversation had gone on to turn " + event.shown("expected_turn");
    return std::string(event.text("error"));  // malformed, read_error
}

class tally_builder {
public:
    tally_builder(const replay::summary& s, const options& o) : m_summary(s), m_options(o) {
        for (std::size_t i = 0; i < s.by_rule.size(); ++i) {
            const auto& r = s.by_rule[i];
            m_rules.emplace(std::make_tuple(r.policy, r.version, r.rule), i);
        }
        for (std::size_t i = 0; i < s.files.size(); ++i) m_files.emplace(s.files[i].path, i);
        m_tally.rules.resize(s.by_rule.size());
    }

    // Counts one line of the findings file; throws bad_line when it is not a finding or an event.
    void add(std::string_view text) {
        dom::element value;
        if (const auto error = m_parser.parse(text.data(), text.size(), false).get(value))
            throw bad_line(std::string("not valid JSON: ") + simdjson::error_message(error));
        const line_object line(value);
        if (line.has("event"))
            add_event(line);
        else
            add_finding(line);
    }

    [[nodiscard]] findings_tally finish() {
        std::sort(m_tally.reasons.begin(), m_tally.reasons.end(), [](const reason& a, const reason& b) {
            return std::tie(b.count, a.missing, a.text) < std::tie(a.count, b.missing, b.text);
        });
        return std::move(m_tally);
    }

    // The first count that differs from the summary's, said; empty when all agree.
    [[nodiscard]] std::string disagreement() const {
        const std::set<std::string> versioned = replay::policies_with_versions(m_summary.by_rule);
        for (std::size_t i = 0; i < m_summary.by_rule.size(); ++i) {
            const auto& expected = m_summary.by_rule[i];
            const auto& found = m_tally.rules[i];
            const std::string name = replay::rule_name(expected, versioned);
            if (found.violations != expected.violations)
                return differs(found.violations, expected.violations, "violations of " + name);
            if (found.undetermined != expected.undetermined)
                return differs(found.undetermined, expected.undetermined, "undetermined findings of " + name);
        }
        const std::pair<const char*, std::uint64_t> events[] = {{"malformed", m_summary.malformed},
                                                                {"gap", m_summary.gaps},
                                                                {"duplicate", m_summary.duplicates},
                                                                {"out_of_order", m_summary.out_of_order}};
        for (const auto& [kind, expected] : events) {
            const auto it = m_tally.events.find(kind);
            const std::uint64_t found = it == m_tally.events.end() ? 0 : it->second.count;
            if (found != expected) return differs(found, expected, std::string("`") + kind + "` events");
        }
        return "";
    }

private:
    static std::string differs(std::uint64_t found, std::uint64_t expected, const std::string& what) {
        return "it has " + std::to_string(found) + " " + what + ", the summary " + std::to_string(expected) +
               ": they are not the outputs of one replay";
    }

    std::size_t file_index(std::string_view file) const {
        const auto it = m_files.find(std::string(file));
        if (it == m_files.end())
            throw bad_line("names the log `" + std::string(file) + "`, which the summary does not list");
        return it->second;
    }

    void add_event(const line_object& line) {
        const std::string_view kind = line.text("event");
        static const std::set<std::string_view> kinds = {"gap", "duplicate", "out_of_order", "malformed", "read_error"};
        if (kinds.count(kind) == 0)
            throw bad_line("an event of kind `" + std::string(kind) + "`, which replay does not write");
        event_findings& events = m_tally.events[std::string(kind)];
        ++events.count;
        const place_key key{file_index(line.text("file")), line.count("line")};
        const std::string detail = event_detail(kind, line);  // checked on every event, kept or not
        if (!among_first(events.first, key, m_options.examples)) return;
        example e;
        std::tie(e.file_index, e.line) = key;
        e.file = line.text("file");
        if (line.has("conversation_id")) e.conversation_id = line.shown("conversation_id");
        if (line.has("turn")) e.turn = line.number_shown("turn");
        e.message = kept(detail);
        keep_first(events.first, std::move(e), m_options.examples);
    }

    void add_finding(const line_object& line) {
        const std::string_view policy = line.text("policy"), version = line.text_or_null("version"),
                               rule = line.text("rule"), outcome = line.text("outcome");
        const auto it = m_rules.find(std::make_tuple(std::string(policy), std::string(version), std::string(rule)));
        if (it == m_rules.end())
            throw bad_line("a finding of `" + std::string(policy) + "/" + std::string(rule) +
                           "`, a rule the summary does not count");
        if (line.text("policy_hash") != m_summary.policy_hash)
            throw bad_line("a finding made by the policies `" + std::string(line.text("policy_hash")) +
                           "`, the summary's are `" + m_summary.policy_hash + "`");
        const bool violation = outcome == "violation";
        if (!violation && outcome != "undetermined")
            throw bad_line("member `outcome` is `" + std::string(outcome) + "`, not violation or undetermined");
        rule_findings& counts = m_tally.rules[it->second];
        ++(violation ? counts.violations : counts.undetermined);
        std::string_view timestamp;
        if (!line.any("timestamp").get_string().get(timestamp)) note_time(timestamp);
        const place_key key{file_index(line.text("file")), line.count("line")};
        std::vector<example>& first = violation ? counts.first_violations : counts.first_undetermined;
        std::vector<std::string> missing = line.texts("missing"), errors = line.texts("errors");
        if (!violation) count_reasons(missing, errors, it->second);
        if (!among_first(first, key, m_options.examples)) return;
        example e;
        std::tie(e.file_index, e.line) = key;
        e.file = line.text("file");
        e.conversation_id = line.shown("conversation_id");
        e.turn = line.number_shown("turn");
        e.timestamp = line.any("timestamp").is_null() ? "" : line.shown("timestamp");
        e.message = kept(line.text("message"));
        e.missing = std::move(missing);
        e.errors = std::move(errors);
        keep_first(first, std::move(e), m_options.examples);
    }

    void note_time(std::string_view timestamp) {
        const auto at = parse_rfc3339(timestamp);
        if (!at) return;
        if (m_tally.first_timestamp.empty() || *at < m_first_ms) {
            m_first_ms = *at;
            m_tally.first_timestamp = timestamp;
        }
        if (m_tally.last_timestamp.empty() || *at > m_last_ms) {
            m_last_ms = *at;
            m_tally.last_timestamp = timestamp;
        }
    }

    void count_reasons(const std::vector<std::string>& missing, const std::vector<std::string>& errors,
                       std::size_t rule) {
        for (const auto& field : missing) count_reason(true, field, rule);
        for (const auto& error : errors) count_reason(false, error, rule);
    }

    void count_reason(bool is_missing, const std::string& text, std::size_t rule) {
        auto it = m_reason_index.find({is_missing, text});
        if (it == m_reason_index.end()) {
            if (m_tally.reasons.size() >= max_reasons) {
                ++m_tally.reasons_uncounted;
                return;
            }
            it = m_reason_index.emplace(std::make_pair(is_missing, text), m_tally.reasons.size()).first;
            m_tally.reasons.push_back({is_missing, text, 0, {}});
        }
        reason& r = m_tally.reasons[it->second];
        ++r.count;
        if (std::find(r.rules.begin(), r.rules.end(), rule) == r.rules.end())
            r.rules.insert(std::upper_bound(r.rules.begin(), r.rules.end(), rule), rule);
    }

    const replay::summary& m_summary;
    const options& m_options;
    dom::parser m_parser;
    std::map<std::tuple<std::string, std::string, std::string>, std::size_t> m_rules;
    std::map<std::string, std::size_t> m_files;
    std::map<std::pair<bool, std::string>, std::size_t> m_reason_index;
    std::int64_t m_first_ms = 0;
    std::int64_t m_last_ms = 0;
    findings_tally m_tally;
};

}  // namespace

findings_result read_findings(const std::string& path, const replay::summary& s, const options& o) {
    findings_result out;
    replay::line_reader in;
    in.set_max_line(o.max_line);
    if (std::string why; !in.open(path, why)) {
        out.error = problem{path, 0, "cannot read it: " + why};
        return out;
    }
    in.keep_digest();
    tally_builder builder(s, o);
    std::uint64_t number = 0;
    std::string_view line;
    while (in.next(line)) {
        ++number;
        try {
            if (in.too_long()) throw bad_line(replay::long_line_reason(in.long_line_length(), in.max_line()));
            builder.add(line);
        } catch (const bad_line& e) {
            out.error = problem{path, number, e.what()};
            return out;
        }
    }
    if (in.failed()) {
        out.error = problem{path, number, "cannot read it to its end: " + in.error()};
        return out;
    }
    if (const std::string why = builder.disagreement(); !why.empty()) {
        out.error = problem{path, 0, why};
        return out;
    }
    out.tally = builder.finish();
    out.tally.lines = number;
    out.tally.sha256 = in.digest();
    return out;
}

}  // namespace vigil::report
