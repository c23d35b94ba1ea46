// The records a case feeds to the evaluator: defaults merged in, and the fields that place a
// record in its conversation filled in when the author left them out.

#include "vigil/calendar.hpp"
#include "vigil/policytest.hpp"

namespace vigil::policytest {

void merge_into(nlohmann::json& base, const nlohmann::json& over) {
    if (!base.is_object() || !over.is_object()) {
        base = over;
        return;
    }
    for (auto it = over.begin(); it != over.end(); ++it) {
        auto found = base.find(it.key());
        if (found != base.end() && found->is_object() && it.value().is_object()) {
            merge_into(*found, it.value());
        } else {
            base[it.key()] = it.value();
        }
    }
}

std::optional<std::int64_t> parse_start(std::string_view text) {
    // Only the plain UTC form `YYYY-MM-DDTHH:MM:SSZ`, the one the runner writes back.
    if (text.size() != 20 || text[10] != 'T' || text[19] != 'Z') return std::nullopt;
    return parse_rfc3339(text);
}

std::string format_time(std::int64_t ms) { return format_rfc3339(ms); }

std::vector<nlohmann::json> case_records(const test_file& file, const test_case& c) {
    std::optional<std::int64_t> start;
    if (file.start) start = parse_start(file.start->value);
    if (!start) start = parse_start(default_start);

    nlohmann::json base = nlohmann::json::object();
    if (file.defaults) merge_into(base, file.defaults->value);
    if (c.defaults) merge_into(base, c.defaults->value);

    std::vector<nlohmann::json> records;
    records.reserve(c.turns.size());
    for (std::size_t i = 0; i < c.turns.size(); ++i) {
        nlohmann::json record = base;
        merge_into(record, c.turns[i].json.value);
        if (!record.is_object()) record = nlohmann::json::object();
        const std::size_t n = i + 1;
        if (!record.contains("id")) record["id"] = c.name + "#" + std::to_string(n);
        if (!record.contains("conversation_id")) record["conversation_id"] = c.name;
        if (!record.contains("turn")) record["turn"] = n;
        if (!record.contains("timestamp")) {
            record["timestamp"] = format_time(*start + static_cast<std::int64_t>(i) * 60000);
        }
        records.push_back(std::move(record));
    }
    return records;
}

}  // namespace vigil::policytest
