#include "vigil/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace vigil {

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;
    std::size_t i = 0;
    for (;; ++i) {
        // Eight bytes at a time while none needs escaping (the common case: whole messages): a
        // byte below 0x20, `"` or `\\`, found with the has-zero-byte trick (a false alarm only
        // sends one byte through the check below).
#ifdef __SSE2__
        // Sixteen bytes at a time where SSE2 is there (every x86-64): the same test, exactly.
        const __m128i quote16 = _mm_set1_epi8('"'), slash16 = _mm_set1_epi8('\\'), space16 = _mm_set1_epi8(0x1f);
        while (i + 16 <= s.size()) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
            // Bytes below 0x20 are those equal to min(v, 0x1f) as unsigned.
            const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, space16), v);
            const __m128i hit = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, quote16), _mm_cmpeq_epi8(v, slash16)));
            if (_mm_movemask_epi8(hit) != 0) break;
            i += 16;
        }
#endif
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
    out.append(buffer, written.ptr);
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
    append_json_string(out, f.policy_version);
    out.push_back('}');
}

}  // namespace

// Members sorted: conversation_id, decision, findings, policy_hash, record_id.
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
    out.append("],\"policy_hash\":");
    append_json_string(out, d.policy_hash);
    out.append(",\"record_id\":");
    append_json(out, d.record_id);
    out.push_back('}');
}

}  // namespace vigil
