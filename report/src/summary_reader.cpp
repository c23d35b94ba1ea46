// The summary of a replay read back from its JSON (replay::to_json), every member the report
// shows checked: a summary edited by hand, cut short or written by another version is refused
// with the member that is wrong, not shown as an empty section.

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "vigil/calendar.hpp"
#include "vigil/check.hpp"
#include "vigil/report.hpp"

namespace vigil::report {

namespace {

using json = nlohmann::json;

// Thrown inside this file only, with the path of the member and what is wrong with it;
// read_summary turns it into a problem.
struct bad_member : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Reads the members of one JSON object, each by its path from the summary's root.
class object_reader {
public:
    object_reader(const json& value, std::string path) : m_value(value), m_path(std::move(path)) {
        if (!m_value.is_object()) throw bad_member(where() + " is not an object");
    }

    [[nodiscard]] const json& member(const std::string& key, json::value_t kind, const char* kind_name) const {
        const auto it = m_value.find(key);
        if (it == m_value.end()) throw bad_member("member `" + path_of(key) + "` is missing");
        if (!same_kind(it->type(), kind))
            throw bad_member("member `" + path_of(key) + "` is " + std::string(it->type_name()) + ", not " + kind_name);
        return *it;
    }
    // A member of any type.
    [[nodiscard]] const json& any(const std::string& key) const {
        const auto it = m_value.find(key);
        if (it == m_value.end()) throw bad_member("member `" + path_of(key) + "` is missing");
        return *it;
    }
    [[nodiscard]] std::uint64_t count(const std::string& key) const {
        return member(key, json::value_t::number_unsigned, "a whole number").get<std::uint64_t>();
    }
    [[nodiscard]] std::string text(const std::string& key) const {
        return member(key, json::value_t::string, "a string").get<std::string>();
    }
    // A string, or null read as empty (a policy without a version, a log without a hash).
    [[nodiscard]] std::string text_or_null(const std::string& key) const {
        const auto it = m_value.find(key);
        if (it != m_value.end() && it->is_null()) return "";
        return text(key);
    }
    // A number, or null read as 0 (a score JSON could not hold: not a number).
    [[nodiscard]] double number_or_null(const std::string& key) const {
        const auto it = m_value.find(key);
        if (it != m_value.end() && it->is_null()) return 0;
        return member(key, json::value_t::number_float, "a number").get<double>();
    }
    /// Whether `key` is an object; false when it is absent or null, an error when it is another value.
    [[nodiscard]] bool has_object(const std::string& key) const {
        const auto it = m_value.find(key);
        if (it == m_value.end() || it->is_null()) return false;
        (void)member(key, json::value_t::object, "an object or null");
        return true;
    }
    [[nodiscard]] object_reader object(const std::string& key) const {
        return {member(key, json::value_t::object, "an object"), path_of(key)};
    }
    // Calls `read(item, path)` with each item of the array `key`, as an object.
    template <typename F>
    void each(const std::string& key, F read) const {
        const json& list = member(key, json::value_t::array, "an array");
        for (std::size_t i = 0; i < list.size(); ++i)
            read(object_reader(list[i], path_of(key) + "[" + std::to_string(i) + "]"));
    }
    [[nodiscard]] const std::string& path() const { return m_path; }

private:
    static bool same_kind(json::value_t actual, json::value_t wanted) {
        using t = json::value_t;
        if (wanted == t::number_float)
            return actual == t::number_float || actual == t::number_integer || actual == t::number_unsigned;
        return actual == wanted;
    }
    [[nodiscard]] std::string path_of(const std::string& key) const {
        return m_path.empty() ? key : m_path + "." + key;
    }
    [[nodiscard]] std::string where() const { return m_path.empty() ? "the summary" : "member `" + m_path + "`"; }

    const json& m_value;
    std::string m_path;
};

replay::problem problem_of(const object_reader& item) {
    return {item.text("file"), item.count("line"), item.text("error")};
}

void read_files(const object_reader& root, replay::summary& s) {
    root.each("files", [&](const object_reader& f) {
        s.files.push_back({f.text("path"), f.count("lines"), f.count("bytes"), f.text_or_null("sha256")});
    });
    root.each("unreadable", [&](const object_reader& p) { s.unreadable.push_back(problem_of(p)); });
    // The JSON does not say whether the logs were hashed: a log read to its end without a hash
    // was not (--no-hash).
    for (const auto& f : s.files) {
        const bool unread = std::any_of(s.unreadable.begin(), s.unreadable.end(),
                                        [&](const replay::problem& p) { return p.file == f.path; });
        if (f.sha256.empty() && !unread) s.logs_hashed = false;
    }
    root.each("policy_files", [&](const object_reader& f) {
        s.policy_files.push_back({f.text("path"), f.text("sha256")});
    });
    s.policy_hash = root.text("policy_hash");
}

// `audited_period`: null, or absent in a summary written before replay had --from and --until.
void read_audited_period(const object_reader& root, replay::summary& s) {
    if (!root.has_object("audited_period")) return;
    const object_reader period = root.object("audited_period");
    const auto bound = [&](const std::string& key) -> std::optional<std::int64_t> {
        const std::string text = period.text_or_null(key);
        if (text.empty()) return std::nullopt;
        const auto ms = parse_rfc3339(text);
        if (!ms) throw bad_member("member `" + period.path() + "." + key + "` is `" + text + "`, not an RFC 3339 time");
        return ms;
    };
    s.audited.from = bound("from");
    s.audited.until = bound("until");
    if (!s.audited.bounded()) throw bad_member("member `" + period.path() + "` has neither `from` nor `until`");
    s.before_period = period.count("records_before");
    s.after_period = period.count("records_after");
}

void read_counts(const object_reader& root, replay::summary& s) {
    s.lines = root.count("lines");
    s.bytes = root.count("bytes");
    s.decided = root.count("decided");
    s.conversations = root.count("conversations");
    s.resumed = root.count("resumed_conversations");
    s.peak_open = root.count("peak_open_conversations");
    s.alone = root.count("records_alone");
    s.untimed = root.count("records_without_timestamp");
    const object_reader log_time = root.object("log_time");
    s.first_log_time = log_time.text_or_null("first");
    s.last_log_time = log_time.text_or_null("last");
    read_audited_period(root, s);
    const object_reader outside = root.object("records_outside_effective_periods");
    s.outside_effect = outside.count("count");
    outside.each("first", [&](const object_reader& p) {
        s.first_outside.push_back({p.text("file"), p.count("line")});
    });
    const object_reader malformed = root.object("malformed");
    s.malformed = malformed.count("count");
    malformed.each("first", [&](const object_reader& p) { s.first_malformed.push_back(problem_of(p)); });
    s.without_record = root.count("without_record");
    s.blank_lines = root.count("blank_lines");
    s.gaps = root.count("gaps");
    s.gaps_at_start = root.count("gaps_at_start");
    s.missing_turns = root.count("missing_turns");
    s.duplicates = root.count("duplicates");
    s.out_of_order = root.count("out_of_order");
    const object_reader decisions = root.object("decisions");
    for (int k = 0; k < 3; ++k)
        s.decisions[k] = decisions.count(std::string(decision_name(static_cast<decision_kind>(k))));
}

replay::rule_tally rule_of(const object_reader& r) {
    replay::rule_tally t{r.text("policy"),
                         r.text_or_null("version"),
                         r.text("rule"),
                         r.text("severity"),
                         r.count("violation"),
                         r.count("undetermined"),
                         {}};
    const auto& levels = severity_levels();
    if (std::find(levels.begin(), levels.end(), t.severity) == levels.end())
        throw bad_member("member `" + r.path() + ".severity` is `" + t.severity + "`, not a severity");
    return t;
}

replay::rule_spread rule_spread_of(const object_reader& r) {
    const object_reader sums = r.object("conversation_sums");
    replay::rule_spread out;
    for (int o = 0; o < 2; ++o) {
        const object_reader outcome = sums.object(std::string(outcome_name(static_cast<vigil::outcome>(o))));
        out.xx[o] = outcome.count("ff");
        out.xn[o] = outcome.count("fn");
    }
    return out;
}

// The sums over conversations behind the standard error of each rule's rate: absent from a
// summary written before replay kept them, which still reads, without them.
void read_spread(const object_reader& findings, replay::summary& s) {
    if (!findings.has_object("conversation_sums")) return;
    const object_reader sums = findings.object("conversation_sums");
    s.spread = replay::conversation_spread{sums.count("conversations"), sums.count("nn")};
    std::size_t i = 0;
    findings.each("by_rule", [&](const object_reader& r) { s.by_rule.at(i++).spread = rule_spread_of(r); });
}

void read_findings_counts(const object_reader& root, replay::summary& s) {
    const object_reader findings = root.object("findings");
    const object_reader outcomes = findings.object("by_outcome");
    s.violations = outcomes.count("violation");
    s.undetermined = outcomes.count("undetermined");
    const object_reader severities = findings.object("by_severity");
    for (const auto& level : severity_levels()) s.by_severity[level] = severities.count(level);
    findings.each("by_rule", [&](const object_reader& r) { s.by_rule.push_back(rule_of(r)); });
    read_spread(findings, s);
    // The counts are those of one replay only if they add up: the rules' to the outcomes'.
    std::uint64_t violations = 0, undetermined = 0;
    for (const auto& r : s.by_rule) {
        violations += r.violations;
        undetermined += r.undetermined;
    }
    if (violations != s.violations || undetermined != s.undetermined)
        throw bad_member("the rules of `findings.by_rule` count " + std::to_string(violations) + " violations and " +
                         std::to_string(undetermined) + " undetermined, `findings.by_outcome` " +
                         std::to_string(s.violations) + " and " + std::to_string(s.undetermined));
    for (const auto& level : severity_levels()) {
        std::uint64_t found = 0;
        for (const auto& r : s.by_rule) found += r.severity == level ? r.violations + r.undetermined : 0;
        if (found != s.by_severity[level])
            throw bad_member("the `" + level + "` rules of `findings.by_rule` count " + std::to_string(found) +
                             " findings, `findings.by_severity." + level + "` " + std::to_string(s.by_severity[level]));
    }
}

void read_groups(const object_reader& root, replay::summary& s) {
    root.each("groups", [&](const object_reader& b) {
        replay::breakdown out{b.text("field"), b.text_or_null("not_counted"), {}};
        b.each("groups", [&](const object_reader& g) {
            replay::group_tally t;
            t.value = g.any("value").dump();
            t.records = g.count("records");
            t.conversations = g.count("conversations");
            const object_reader findings = g.object("findings");
            t.violations = findings.count("violation");
            t.undetermined = findings.count("undetermined");
            g.each("by_rule", [&](const object_reader& r) {
                const object_reader z = r.object("z");
                t.by_rule.push_back({rule_of(r), {z.number_or_null("violation"), z.number_or_null("undetermined")}});
            });
            out.groups.push_back(std::move(t));
        });
        s.breakdowns.push_back(std::move(out));
    });
}

void read_settings(const object_reader& root, replay::summary& s) {
    const object_reader settings = root.object("settings");
    s.tracking.reorder_window = settings.count("reorder_window");
    s.tracking.idle_gap_ms = static_cast<std::int64_t>(settings.count("idle_ms"));
    s.tracking.resume_within_ms = static_cast<std::int64_t>(settings.count("resume_within_ms"));
    s.batch_lines = settings.count("batch_lines");
    s.batch_bytes = settings.count("batch_bytes");
    s.max_line = settings.count("max_line");
    s.record_member = settings.text_or_null("record_member");
    const object_reader run = root.object("run");
    s.vigil_version = run.text("vigil_version");
    s.threads = run.count("threads");
}

}  // namespace

summary_result read_summary(std::string_view json_text, const std::string& name) {
    summary_result out;
    json root;
    try {
        root = json::parse(json_text);
    } catch (const json::parse_error& e) {
        out.error = problem{name, 0, std::string("not valid JSON: ") + e.what()};
        return out;
    }
    try {
        const object_reader reader(root, "");
        read_files(reader, out.summary);
        read_counts(reader, out.summary);
        read_findings_counts(reader, out.summary);
        read_groups(reader, out.summary);
        read_settings(reader, out.summary);
    } catch (const bad_member& e) {
        out.error = problem{name, 0, e.what()};
    } catch (const json::exception& e) {  // a count beyond 64 bits, say
        out.error = problem{name, 0, e.what()};
    }
    return out;
}

}  // namespace vigil::report
