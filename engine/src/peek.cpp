// peek(): the three fields that place a record in its conversation, read without evaluating
// anything, and a strict RFC 3339 parser for the timestamp.

#include <algorithm>
#include <cstring>
#include <memory>

#include <simdjson.h>

#include "vigil/conversation.hpp"

namespace vigil {

namespace od = simdjson::ondemand;

namespace {

// Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap_year(std::int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `at`; false when one is not a digit.
bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
}

// One parser and one padded buffer per thread: peek() is called for every line of a log.
struct peeker {
    od::parser parser;
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;

    simdjson::error_code load(std::string_view json, od::document& doc) {
        const std::size_t need = json.size() + simdjson::SIMDJSON_PADDING;
        if (need > capacity) {
            capacity = std::max<std::size_t>({need, capacity * 2, 4096});
            buffer.reset(new char[capacity]);
        }
        std::memcpy(buffer.get(), json.data(), json.size());
        std::memset(buffer.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
        return parser.iterate(buffer.get(), json.size(), capacity).get(doc);
    }
};

std::string invalid(simdjson::error_code err) {
    return std::string("invalid JSON: ") + simdjson::error_message(err);
}

void add_problem(std::string& error, std::string_view problem) {
    if (!error.empty()) error += "; ";
    error += problem;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

enum field_bits : unsigned { conversation_bit = 1, turn_bit = 2, timestamp_bit = 4, all_bits = 7 };

// Reads one of the three fields into `key`. Returns an error only when the JSON itself is broken;
// a field of the wrong type is recorded in `problems`.
simdjson::error_code read_field(std::string_view name, od::value value, record_key& key, std::string& problems) {
    od::json_type type;
    if (auto err = value.type().get(type)) return err;
    if (name == "conversation_id") {
        if (type == od::json_type::string) {
            std::string_view text;
            if (auto err = value.get_string().get(text)) return err;
            if (text.empty()) {
                add_problem(problems, "`conversation_id` is empty");
            } else {
                key.conversation_id.assign(text);
                key.has_conversation = true;
            }
        } else if (type == od::json_type::number) {
            std::string_view raw = trim(value.raw_json_token());
            double ignored;
            if (auto err = value.get_double().get(ignored)) return err;
            key.conversation_id.assign(raw);
            key.has_conversation = true;
        } else {
            add_problem(problems, "`conversation_id` is not a string or a number");
        }
    } else if (name == "turn") {
        std::int64_t turn = 0;
        if (type == od::json_type::number && value.get_int64().get(turn) == simdjson::SUCCESS && turn >= 1) {
            key.turn = turn;
            key.has_turn = true;
        } else {
            add_problem(problems, "`turn` is not an integer >= 1");
        }
    } else {  // timestamp
        std::string_view text;
        if (type == od::json_type::string) {
            if (auto err = value.get_string().get(text)) return err;
            key.timestamp.assign(text);
            if (const auto ms = parse_rfc3339(text)) {
                key.time_ms = *ms;
                key.has_time = true;
                return simdjson::SUCCESS;
            }
        }
        add_problem(problems, "`timestamp` is not an RFC 3339 time");
    }
    return simdjson::SUCCESS;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
    // 2026-01-05T08:00:00Z is the shortest form: 20 characters.
    unsigned year, month, day, hour, minute, second;
    if (s.size() < 20 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
        !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
        s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
        second > 60)
        return std::nullopt;
    std::size_t at = 19;
    std::int64_t millis = 0;
    if (s[at] == '.') {
        ++at;
        const std::size_t first = at;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
            if (at - first < 3) millis = millis * 10 + (s[at] - '0');
            ++at;
        }
        if (at == first) return std::nullopt;
        for (std::size_t n = at - first; n < 3; ++n) millis *= 10;
    }
    if (at >= s.size()) return std::nullopt;
    std::int64_t offset_minutes = 0;
    if (s[at] == 'Z' || s[at] == 'z') {
        ++at;
    } else if (s[at] == '+' || s[at] == '-') {
        unsigned oh, om;
        if (!digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' || !digits(s, at + 4, 2, om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset_minutes = (s[at] == '-' ? -1 : 1) * static_cast<std::int64_t>(oh * 60 + om);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != s.size()) return std::nullopt;
    const std::int64_t seconds =
        days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    return seconds * 1000 + millis;
}

bool peek(std::string_view json, record_key& key, std::string& error) {
    thread_local peeker p;
    key.conversation_id.clear();
    key.timestamp.clear();
    key.has_conversation = key.has_turn = key.has_time = false;
    key.turn = key.time_ms = 0;
    error.clear();
    if (std::all_of(json.begin(), json.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; })) {
        error = "invalid JSON: the line is empty";
        return false;
    }
    od::document doc;
    if (auto err = p.load(json, doc)) {
        error = invalid(err);
        return false;
    }
    od::object object;
    if (auto err = doc.get_object().get(object)) {
        od::json_type type;
        if (err == simdjson::INCORRECT_TYPE && doc.type().get(type) == simdjson::SUCCESS)
            error = "expected a JSON object";
        else
            error = invalid(err);
        return false;
    }
    unsigned seen = 0;
    std::string problems;
    for (auto member : object) {
        od::field field;
        if (auto err = std::move(member).get(field)) {
            error = invalid(err);
            return false;
        }
        std::string_view name;
        if (auto err = field.unescaped_key().get(name)) {
            error = invalid(err);
            return false;
        }
        unsigned bit = 0;
        if (name == "conversation_id")
            bit = conversation_bit;
        else if (name == "turn")
            bit = turn_bit;
        else if (name == "timestamp")
            bit = timestamp_bit;
        if (bit == 0 || (seen & bit)) continue;
        seen |= bit;
        if (auto err = read_field(name, field.value(), key, problems)) {
            error = invalid(err);
            return false;
        }
        if (seen == all_bits) break;
    }
    if (!(seen & conversation_bit)) add_problem(problems, "no `conversation_id`");
    if (!(seen & turn_bit)) add_problem(problems, "no `turn`");
    if (!(seen & timestamp_bit)) add_problem(problems, "no `timestamp`");
    error = std::move(problems);
    return true;
}

peeked_line peek_line(std::string_view json) {
    peeked_line out;
    out.object = peek(json, out.key, out.error);
    return out;
}

}  // namespace vigil
