// A record's JSON text written again as nlohmann::json would parse and dump it, without building
// the nlohmann value: evidence shows objects (an `actions` entry) this way, and parsing each into
// a tree of maps took about 13,000 instructions an object.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "value.hpp"
#include "vigil/json_text.hpp"
#include "vigil/source.hpp"

namespace vigil::eval {

namespace {

const char* skip_blanks(const char* p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
    return p;
}

unsigned hex_value(const char* p) {
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = p[i];
        v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

// The string at `p` (its opening quote), unescaped into `out`; returns the byte after its closing quote.
const char* read_string(const char* p, std::string& out) {
    ++p;
    for (;;) {
        const char* plain = p;
        while (*p != '"' && *p != '\\') ++p;
        out.append(plain, static_cast<std::size_t>(p - plain));
        if (*p == '"') return p + 1;
        const char e = p[1];
        p += 2;
        switch (e) {
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                char32_t cp = hex_value(p);
                p += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && p[0] == '\\' && p[1] == 'u') {  // a surrogate pair
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (hex_value(p + 2) - 0xDC00);
                    p += 6;
                }
                append_utf8(out, cp);
                break;
            }
            default:
                out += e;
                break;  // `"`, `\`, `/`
        }
    }
}

// The number token at `p`, as nlohmann::json reads it: a token without fraction or exponent is an
// integer (signed when negative) if it fits 64 bits; anything else a double.
const char* append_number(const char* p, std::string& out) {
    const char* end = p;
    bool integral = true;
    for (;; ++end) {
        const char c = *end;
        if (c == '.' || c == 'e' || c == 'E')
            integral = false;
        else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9')))
            break;
    }
    if (integral) {
        if (*p == '-') {
            std::int64_t i = 0;
            if (std::from_chars(p, end, i).ec == std::errc{}) {
                append_json_integer(out, i);
                return end;
            }
        } else {
            std::uint64_t u = 0;
            if (std::from_chars(p, end, u).ec == std::errc{}) {
                append_json_integer(out, u);
                return end;
            }
        }
    }
    double d = 0;
    std::from_chars(p, end, d);
    append_json_float(out, d);
    return end;
}

const char* append_value(const char* p, std::string& out);

const char* append_object(const char* p, std::string& out) {
    // Members sorted by key as std::map orders them; of equal keys the last one, as nlohmann keeps.
    std::vector<std::pair<std::string, std::string>> members;
    p = skip_blanks(p + 1);
    while (*p != '}') {
        auto& m = members.emplace_back();
        p = skip_blanks(read_string(skip_blanks(p), m.first));
        p = skip_blanks(append_value(skip_blanks(p + 1), m.second));  // after the colon
        if (*p == ',') p = skip_blanks(p + 1);
    }
    std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    bool first = true;
    for (std::size_t i = 0; i < members.size(); ++i) {
        if (i + 1 < members.size() && members[i + 1].first == members[i].first) continue;  // a later one wins
        if (!first) out += ',';
        first = false;
        append_json_string(out, members[i].first);
        out += ':';
        out += members[i].second;
    }
    out += '}';
    return p + 1;
}

const char* append_array(const char* p, std::string& out) {
    out += '[';
    p = skip_blanks(p + 1);
    bool first = true;
    while (*p != ']') {
        if (!first) out += ',';
        first = false;
        p = skip_blanks(append_value(p, out));
        if (*p == ',') p = skip_blanks(p + 1);
    }
    out += ']';
    return p + 1;
}

const char* append_value(const char* p, std::string& out) {
    switch (*p) {
        case '{':
            return append_object(p, out);
        case '[':
            return append_array(p, out);
        case '"': {
            std::string text;
            p = read_string(p, text);
            append_json_string(out, text);
            return p;
        }
        case 't':
            out += "true";
            return p + 4;
        case 'f':
            out += "false";
            return p + 5;
        case 'n':
            out += "null";
            return p + 4;
        default:
            return append_number(p, out);
    }
}

}  // namespace

const char* append_canonical_json(const char* json, std::string& out) {
    return append_value(skip_blanks(json), out);
}

}  // namespace vigil::eval
