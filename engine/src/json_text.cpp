#include "vigil/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace vigil {

namespace {

bool needs_escape(char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == '"' || b == '\\';
}

#ifdef __SSE2__
// A bit for each of the sixteen bytes at `p` that needs escaping (SSE2 is on every x86-64).
unsigned escape_mask16(const char* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Bytes below 0x20 are those equal to min(v, 0x1f) as unsigned.
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
    const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), slash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, slash))));
}
#endif

// Whether one of the eight bytes at `p` needs escaping, by the has-zero-byte trick: exact as a
// yes or no (a borrow can only add flags above a byte that is flagged anyway).
bool any_escape8(const char* p) {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    const std::uint64_t quote = v ^ (ones * '"'), slash = v ^ (ones * '\\');
    return (((v - ones * 0x20) | (quote - ones) | (slash - ones)) & ~v & highs) != 0;
}

// The offset of the first byte at or after `i` that needs escaping, or s.size(). Most strings
// need none: blocks of bytes are tested at once, and the last block is the one that ends the
// string, overlapping bytes already seen, so that no string ends with a byte-by-byte tail.
std::size_t next_to_escape(std::string_view s, std::size_t i) {
    const std::size_t n = s.size();
#ifdef __SSE2__
    if (n >= 16) {
        for (; i + 16 <= n; i += 16)
            if (const unsigned mask = escape_mask16(s.data() + i))
                return i + static_cast<std::size_t>(__builtin_ctz(mask));
        if (i >= n) return n;
        const unsigned mask = escape_mask16(s.data() + n - 16) >> (i - (n - 16));  // the bytes from `i` on
        return mask != 0 ? i + static_cast<std::size_t>(__builtin_ctz(mask)) : n;
    }
#endif
    for (; i + 8 <= n; i += 8)
        if (any_escape8(s.data() + i)) break;
    if (i + 8 > n && n >= 8 && !any_escape8(s.data() + n - 8)) return n;
    while (i < n && !needs_escape(s[i])) ++i;
    return i;
}

void append_escaped(std::string& out, char c) {
    static constexpr char hex[] = "0123456789abcdef";
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
            out += hex[static_cast<unsigned char>(c) >> 4];
            out += hex[static_cast<unsigned char>(c) & 15];
    }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    std::size_t plain = 0;
    for (std::size_t i = next_to_escape(s, 0); i < s.size(); i = next_to_escape(s, plain)) {
        out.append(s.data() + plain, i - plain);
        append_escaped(out, s[i]);
        plain = i + 1;
    }
    out.append(s.data() + plain, s.size() - plain);
    out += '"';
}

void append_json_float(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    char buffer[64];
    // The digits nlohmann::json's serializer writes for a float (Grisu2, shortest round trip).
    const char* end = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, static_cast<std::size_t>(end - buffer));
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
    char buffer[24];
    const auto written = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, static_cast<std::size_t>(written.ptr - buffer));
}

void append_json_integer(std::string& out, std::int64_t value) {
    append_integer(out, value);
}

void append_json_integer(std::string& out, std::uint64_t value) {
    append_integer(out, value);
}

void append_json(std::string& out, const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::string: append_json_string(out, j.get_ref<const std::string&>()); return;
        case nlohmann::json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
        case nlohmann::json::value_t::null: out += "null"; return;
        case nlohmann::json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [key, value] : j.items()) {
                if (!first) out += ',';
                first = false;
                append_json_string(out, key);
                out += ':';
                append_json(out, value);
            }
            out += '}';
            return;
        }
        case nlohmann::json::value_t::array: {
            out += '[';
            for (std::size_t i = 0; i < j.size(); ++i) {
                if (i) out += ',';
                append_json(out, j[i]);
            }
            out += ']';
            return;
        }
        case nlohmann::json::value_t::number_integer: append_integer(out, j.get<std::int64_t>()); return;
        case nlohmann::json::value_t::number_unsigned: append_integer(out, j.get<std::uint64_t>()); return;
        case nlohmann::json::value_t::number_float: append_json_float(out, j.get<double>()); return;
        default: out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); return;  // binary, discarded
    }
}

void append_json_version(std::string& out, std::string_view version) {
    if (version.empty())
        out += "null";
    else
        append_json_string(out, version);
}

nlohmann::json version_json(const std::string& version) {
    return version.empty() ? nlohmann::json(nullptr) : nlohmann::json(version);
}

void append_json_strings(std::string& out, const std::vector<std::string>& items) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, items[i]);
    }
    out += ']';
}

namespace {

// Members in the order nlohmann::json (a std::map) keeps them: errors, evidence, message, missing,
// outcome, policy, remedies, rule, severity, version.
void append_finding(std::string& out, const finding& f) {
    out.append("{\"errors\":");
    append_json_strings(out, f.errors);
    out.append(",\"evidence\":");
    out.append(f.evidence.empty() ? std::string_view("{}") : std::string_view(f.evidence));
    out.append(",\"message\":");
    append_json_string(out, f.message);
    out.append(",\"missing\":");
    append_json_strings(out, f.missing);
    out.append(",\"outcome\":");
    append_json_string(out, outcome_name(f.result));
    out.append(",\"policy\":");
    append_json_string(out, f.policy);
    out.append(",\"remedies\":[");
    for (std::size_t i = 0; i < f.remedies.size(); ++i) {
        if (i) out.push_back(',');
        out.push_back('{');
        if (!f.remedies[i].argument.empty()) {
            out.append("\"argument\":");
            append_json_string(out, f.remedies[i].argument);
            out.push_back(',');
        }
        out.append("\"type\":");
        append_json_string(out, f.remedies[i].kind);
        out.push_back('}');
    }
    out.append("],\"rule\":");
    append_json_string(out, f.rule);
    out.append(",\"severity\":");
    append_json_string(out, f.severity);
    out.append(",\"version\":");
    append_json_version(out, f.policy_version);
    out.push_back('}');
}

}  // namespace

// Members sorted: conversation_id, decision, findings, meta, policy_hash, record_id.
void append_json(std::string& out, const decision& d) {
    out.append("{\"conversation_id\":");
    append_json(out, d.conversation_id);
    out.append(",\"decision\":");
    append_json_string(out, decision_name(d.kind));
    out.append(",\"findings\":[");
    for (std::size_t i = 0; i < d.findings.size(); ++i) {
        if (i) out.push_back(',');
        append_finding(out, d.findings[i]);
    }
    out.append("],\"meta\":");
    out.append(d.meta.empty() ? std::string_view("null") : std::string_view(d.meta));
    out.append(",\"policy_hash\":");
    append_json_string(out, d.policy_hash);
    out.append(",\"record_id\":");
    append_json(out, d.record_id);
    out.push_back('}');
}

}  // namespace vigil
