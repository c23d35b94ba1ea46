// The records a case feeds to the evaluator: defaults merged in, and the fields that place a
// record in its conversation filled in when the author left them out.

#include <cstdio>

#include "vigil/policytest.hpp"

namespace vigil::policytest {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
    std::int64_t y;
    unsigned m, d;
};

civil civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

bool leap(std::int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

}  // namespace

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
    // YYYY-MM-DDTHH:MM:SSZ
    if (text.size() != 20) return std::nullopt;
    auto digits = [&](std::size_t at, std::size_t n) -> std::optional<unsigned> {
        unsigned v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
            v = v * 10 + static_cast<unsigned>(text[i] - '0');
        }
        return v;
    };
    if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') {
        return std::nullopt;
    }
    const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
               s = digits(17, 2);
    if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
    if (*mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo) || *h > 23 || *mi > 59 || *s > 59) {
        return std::nullopt;
    }
    const std::int64_t days = days_from_civil(*y, *mo, *d);
    return ((days * 24 + *h) * 60 + *mi) * 60000 + static_cast<std::int64_t>(*s) * 1000;
}

std::string format_time(std::int64_t ms) {
    const std::int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    const std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    const std::int64_t rest = seconds - days * 86400;
    const civil c = civil_from_days(days);
    char out[96];
    std::snprintf(out, sizeof out, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(c.y), c.m, c.d,
                  static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                  static_cast<long long>(rest % 60));
    return out;
}

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
