// peek(): the three fields that place a record in its conversation, read without evaluating
// anything: by hand when the line starts the common way, else with simdjson On Demand.

#include <algorithm>
#include <cstring>
#include <memory>

#include <simdjson.h>

#include "peek_internal.hpp"
#include "text.hpp"
#include "vigil/calendar.hpp"
#include "vigil/conversation.hpp"
#include "vigil/json_fault.hpp"

namespace vigil {

namespace od = simdjson::ondemand;

namespace {

// One parser and one padded buffer per thread: peek() is called for every line of a log.
struct peeker {
    od::parser parser;
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;

    simdjson::error_code load(std::string_view json, od::document& doc) {
        reserve(json.size());
        std::memcpy(buffer.get(), json.data(), json.size());
        std::memset(buffer.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
        return parser.iterate(buffer.get(), json.size(), capacity).get(doc);
    }

    // `members` (an object's text without its closing brace) followed by `}`.
    simdjson::error_code load_closed(std::string_view members, od::document& doc) {
        reserve(members.size() + 1);
        std::memcpy(buffer.get(), members.data(), members.size());
        buffer[members.size()] = '}';
        std::memset(buffer.get() + members.size() + 1, 0, simdjson::SIMDJSON_PADDING);
        return parser.iterate(buffer.get(), members.size() + 1, capacity).get(doc);
    }

    void reserve(std::size_t size) {
        const std::size_t need = size + simdjson::SIMDJSON_PADDING;
        if (need > capacity) {
            capacity = std::max<std::size_t>({need, capacity * 2, 4096});
            buffer.reset(new char[capacity]);
        }
    }
};

std::string invalid(std::string_view json, simdjson::error_code err) {
    return locate_json_fault(json, simdjson::error_message(err)).message;
}

void add_problem(std::string& error, std::string_view problem) {
    if (!error.empty()) error += "; ";
    error += problem;
}

// The largest turn: 2^53, the largest integer a double holds exactly (rules read `turn` as a
// number). The turn after it still fits in 64 bits; after INT64_MAX it did not, and a conversation
// took the same turn again as a gap.
constexpr std::int64_t max_turn = std::int64_t{1} << 53;

enum field_bits : unsigned { conversation_bit = 1, turn_bit = 2, timestamp_bit = 4, all_bits = 7 };

// The bit of the field a member's (unescaped) key names; 0 for any other member.
unsigned field_bit(std::string_view name) {
    if (name == "conversation_id") return conversation_bit;
    if (name == "turn") return turn_bit;
    if (name == "timestamp") return timestamp_bit;
    return 0;
}

// Reads one of the three fields into `key`. Returns an error only when the JSON itself is broken;
// a field of the wrong type is recorded in `problems`.
// A field's value as the record wrote it, JSON text, for the findings to show; a value that
// cannot be read back is the parse's to report, as it was before.
void keep_as_written(od::value& value, std::string& out) {
    std::string_view given;
    if (simdjson::to_json_string(value).get(given) == simdjson::SUCCESS) out.assign(given);
}

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
        } else {
            // A number is refused too, though it could name a conversation: `7`, `"7"` and `7.0`
            // would be one conversation to one reader and three to another.
            add_problem(problems, "`conversation_id` is not a string");
        }
    } else if (name == "turn") {
        std::int64_t turn = 0;
        if (type == od::json_type::number && value.get_int64().get(turn) == simdjson::SUCCESS && turn >= 1 &&
            turn <= max_turn) {
            key.turn = turn;
            key.has_turn = true;
        } else {
            keep_as_written(value, key.turn_json);
            add_problem(problems, "`turn` is not an integer from 1 to 2^53");
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
        } else {
            keep_as_written(value, key.timestamp_json);
        }
        add_problem(problems, "`timestamp` is not an RFC 3339 time");
    }
    return simdjson::SUCCESS;
}

peeker& thread_peeker() {
    thread_local peeker p;
    return p;
}

// The first byte at or after `i` where a scan through a string must stop (s.size() when none):
// `"` or `\\`, and with AsciiOnly also a control character or a byte >= 0x80. Eight bytes at a time
// while they last; the lowest byte flagged is exact, since a borrow only carries upwards from a
// flagged byte.
template <bool AsciiOnly>
std::size_t string_stop(std::string_view s, std::size_t i) {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= s.size()) {
        std::uint64_t v;
        std::memcpy(&v, s.data() + i, 8);
        const std::uint64_t quote = v ^ (ones * '"'), slash = v ^ (ones * '\\');
        std::uint64_t low = (quote - ones) | (slash - ones);  // high bit: a zero byte, or a borrow
        if constexpr (AsciiOnly) low |= v - ones * 0x20;
        std::uint64_t hit = low & ~v;
        if constexpr (AsciiOnly) hit |= v;
        if ((hit &= highs) != 0) return i + static_cast<std::size_t>(__builtin_ctzll(hit) >> 3);
        i += 8;
    }
    for (; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\' || (AsciiOnly && (c < 0x20 || c >= 0x80))) break;
    }
    return i;
}

// Where the leading members of a record end when they hold all three fields: the offset of the
// top-level `,` after the value of the last of them, or npos. Logs put these fields first, so
// peek() can hand simdjson those few members instead of the whole record (stage 1 costs about as
// much per byte as the rest of the parse). Only strings and nesting are tracked here; simdjson
// still parses and validates every byte peek() reads. A key with an escape gives npos.
std::size_t leading_members_end(std::string_view json) {
    std::size_t i = 0;
    const std::size_t n = json.size();
    while (i < n && (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' || json[i] == '\n')) ++i;
    if (i == n || json[i] != '{') return std::string_view::npos;
    ++i;
    int depth = 1;
    unsigned seen = 0;
    bool expect_key = true;
    while (i < n) {
        const char c = json[i];
        if (c == '"') {
            std::size_t j = i + 1;
            bool escaped = false;
            while (j < n && json[j] != '"') {
                j = string_stop<false>(json, j);
                if (j >= n || json[j] == '"') break;
                if (json[j] == '\\') {
                    escaped = true;
                    ++j;
                }
                ++j;
            }
            if (j >= n) return std::string_view::npos;
            if (depth == 1 && expect_key) {
                if (escaped) return std::string_view::npos;
                seen |= field_bit(json.substr(i + 1, j - i - 1));
                expect_key = false;
            }
            i = j + 1;
            continue;
        }
        if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0) return std::string_view::npos;
        } else if (c == ',' && depth == 1) {
            if (seen == all_bits) return i;
            expect_key = true;
        }
        ++i;
    }
    return std::string_view::npos;
}

// Reads the three fields from a parsed document; false when it is not an object or is broken
// before they were found.
bool read_key(std::string_view json, od::document& doc, record_key& key, std::string& error) {
    od::object object;
    if (auto err = doc.get_object().get(object)) {
        od::json_type type;
        if (err == simdjson::INCORRECT_TYPE && doc.type().get(type) == simdjson::SUCCESS)
            error = "expected a JSON object";
        else
            error = invalid(json, err);
        return false;
    }
    unsigned seen = 0;
    std::string problems;
    for (auto member : object) {
        od::field field;
        if (auto err = std::move(member).get(field)) {
            error = invalid(json, err);
            return false;
        }
        std::string_view name;
        if (auto err = field.unescaped_key().get(name)) {
            error = invalid(json, err);
            return false;
        }
        const unsigned bit = field_bit(name);
        if (bit == 0 || (seen & bit)) continue;
        seen |= bit;
        if (auto err = read_field(name, field.value(), key, problems)) {
            error = invalid(json, err);
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

void clear(record_key& key) {
    key.conversation_id.clear();
    key.turn_json.clear();
    key.timestamp.clear();
    key.timestamp_json.clear();
    key.has_conversation = key.has_turn = key.has_time = false;
    key.turn = key.time_ms = 0;
}

// ---- the fast path: the leading members of a plainly written line, byte by byte ----------------
// The replay reader peeks at every line, and simdjson On Demand costs about 2,700 instructions for
// the ~110 bytes of leading members of a typical one; reading them by hand costs a fraction. The
// fast path accepts only what it can answer exactly as the parse would; anything else (an escape,
// a number that is not a plain integer, a duplicate field, a nested value, ...) goes to the parse,
// which also words the errors.

bool is_json_whitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// A cursor over a line that takes only the plain forms of JSON; every read returns false on
// anything else, and the caller then gives up on the fast path.
class plain_reader {
public:
    explicit plain_reader(std::string_view s) : m_s(s) {}

    // `c` after optional whitespace.
    bool take(char c) {
        while (m_at < m_s.size() && is_json_whitespace(m_s[m_at])) ++m_at;
        if (m_at == m_s.size() || m_s[m_at] != c) return false;
        ++m_at;
        return true;
    }

    // A string without escapes or control characters, in valid UTF-8, after optional whitespace;
    // `text` is its content (no unescaping needed).
    bool string(std::string_view& text) {
        if (!take('"')) return false;
        const std::size_t start = m_at;
        for (;;) {
            m_at = string_stop<true>(m_s, m_at);
            if (m_at == m_s.size()) return false;
            if (m_s[m_at] == '"') break;
            // A backslash, a control character, or UTF-8 that simdjson would refuse: not plain.
            char32_t ignored = 0;
            const std::size_t length =
                static_cast<unsigned char>(m_s[m_at]) >= 0x80 ? text::decode_utf8(m_s, m_at, ignored) : 0;
            if (length == 0) return false;
            m_at += length;
        }
        text = m_s.substr(start, m_at - start);
        ++m_at;
        return true;
    }

    // An integer >= 1 written plainly, after optional whitespace: no sign, no leading zero, and at
    // most 18 digits, so it fits in 64 bits. A fraction or an exponent after it fails the caller's
    // next take().
    bool positive_integer(std::int64_t& n) {
        while (m_at < m_s.size() && is_json_whitespace(m_s[m_at])) ++m_at;
        if (m_at == m_s.size() || m_s[m_at] < '1' || m_s[m_at] > '9') return false;
        const std::size_t start = m_at;
        std::int64_t value = 0;
        for (; m_at < m_s.size() && m_s[m_at] >= '0' && m_s[m_at] <= '9'; ++m_at) {
            if (m_at - start == 18) return false;
            value = value * 10 + (m_s[m_at] - '0');
        }
        n = value;
        return true;
    }

private:
    std::string_view m_s;
    std::size_t m_at = 0;
};

// The three fields as the fast path reads them; the views point into the line.
struct plain_fields {
    std::string_view conversation_id, timestamp;
    std::int64_t turn = 0, time_ms = 0;
};

// Reads the value of a member whose key has field bit `bit` (0 for another member, whose value
// must be a plain string too). A field the parse would report as unusable fails here, so that its
// error is worded by the parse.
bool read_plain_value(plain_reader& in, unsigned bit, plain_fields& fields) {
    switch (bit) {
        case conversation_bit:
            return in.string(fields.conversation_id) && !fields.conversation_id.empty();
        case turn_bit:
            return in.positive_integer(fields.turn) && fields.turn <= max_turn;
        case timestamp_bit: {
            if (!in.string(fields.timestamp)) return false;
            const auto ms = parse_rfc3339(fields.timestamp);
            fields.time_ms = ms.value_or(0);
            return ms.has_value();
        }
        default: {
            std::string_view ignored;
            return in.string(ignored);
        }
    }
}

}  // namespace

namespace detail {

bool peek_plain(std::string_view json, record_key& key, std::string& error) {
    plain_reader in(json);
    if (!in.take('{')) return false;
    plain_fields fields;
    unsigned seen = 0;
    while (seen != all_bits) {
        std::string_view name;
        if (!in.string(name) || !in.take(':')) return false;
        const unsigned bit = field_bit(name);
        if (seen & bit) return false;  // the first occurrence counts; the parse sorts that out
        seen |= bit;
        // The `,` after the last field is what lets the parse stop at the leading members too;
        // a record that ends there is parsed and validated whole.
        if (!read_plain_value(in, bit, fields) || !in.take(',')) return false;
    }
    key.conversation_id.assign(fields.conversation_id);
    key.has_conversation = true;
    key.turn = fields.turn;
    key.has_turn = true;
    key.turn_json.clear();
    key.timestamp_json.clear();
    key.timestamp.assign(fields.timestamp);
    key.time_ms = fields.time_ms;
    key.has_time = true;
    error.clear();
    return true;
}

bool peek_parsed(std::string_view json, record_key& key, std::string& error) {
    peeker& p = thread_peeker();
    clear(key);
    error.clear();
    if (std::all_of(json.begin(), json.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; })) {
        error = "invalid JSON: the line is empty";
        return false;
    }
    od::document doc;
    if (const std::size_t cut = leading_members_end(json); cut != std::string_view::npos) {
        // The leading members closed as an object of their own; anything odd there and the whole
        // record is parsed instead, so the answer and its wording are the whole record's.
        const std::string_view leading = json.substr(0, cut);
        if (!p.load_closed(leading, doc) && read_key(leading, doc, key, error) && key.has_conversation &&
            key.has_turn && key.has_time)
            return true;
        clear(key);
        error.clear();
    }
    if (auto err = p.load(json, doc)) {
        error = invalid(json, err);
        return false;
    }
    return read_key(json, doc, key, error);
}

}  // namespace detail

bool peek(std::string_view json, record_key& key, std::string& error) {
    return detail::peek_plain(json, key, error) || detail::peek_parsed(json, key, error);
}

bool member_json(std::string_view json, std::string_view name, std::string_view& inner, std::string& error) {
    peeker& p = thread_peeker();
    od::document doc;
    od::object outer;
    if (auto err = p.load(json, doc)) {
        error = invalid(json, err);
        return false;
    }
    if (auto err = doc.get_object().get(outer)) {
        error = err == simdjson::INCORRECT_TYPE ? "expected a JSON object" : invalid(json, err);
        return false;
    }
    od::value member;
    if (auto err = outer.find_field_unordered(name).get(member)) {
        error = err == simdjson::NO_SUCH_FIELD ? "no `" + std::string(name) + "` member" : invalid(json, err);
        return false;
    }
    od::object record;
    std::string_view text;
    if (auto err = member.get_object().get(record); err || record.raw_json().get(text)) {
        error = "`" + std::string(name) + "` is not a JSON object";
        return false;
    }
    // The text views into the padded copy; hand back the same bytes of the caller's line.
    inner = json.substr(static_cast<std::size_t>(text.data() - p.buffer.get()), text.size());
    return true;
}

bool has_member(std::string_view json, std::string_view name) {
    peeker& p = thread_peeker();
    od::document doc;
    od::object object;
    od::value member;
    return !p.load(json, doc) && !doc.get_object().get(object) && !object.find_field_unordered(name).get(member);
}

peeked_line peek_line(std::string_view json) {
    peeked_line out;
    out.object = peek(json, out.key, out.error);
    return out;
}

}  // namespace vigil
