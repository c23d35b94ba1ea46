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
