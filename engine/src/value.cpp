#include "value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "text.hpp"
#include "vigil/json_text.hpp"

namespace vigil::eval {

std::string_view kind_name(kind k) {
    switch (k) {
        case kind::unknown: return "unknown";
        case kind::null: return "null";
        case kind::boolean: return "condition";
        case kind::number: return "number";
        case kind::text: return "text";
        case kind::list: return "list";
        case kind::object: return "object";
    }
    return "?";
}

std::string_view kind_name_a(kind k) {
    switch (k) {
        case kind::unknown: return "an unknown value";
        case kind::null: return "null";
        case kind::boolean: return "a condition";
        case kind::number: return "a number";
        case kind::text: return "a text";
        case kind::list: return "a list";
        case kind::object: return "an object";
    }
    return "?";
}

std::string_view composed_non_ascii(std::string_view s, arena& mem) {
    if (text::is_nfc(s)) return s;
    const std::string composed = text::to_nfc(s);
    char* at = mem.allocate_array<char>(composed.size());
    std::memcpy(at, composed.data(), composed.size());
    return {at, composed.size()};
}

void* arena::allocate_slow(std::size_t bytes) {
    // Move on to the next kept block that is big enough, or add one. Blocks grow geometrically so a
    // record with a lot of computed data settles after a handful of blocks.
    for (std::size_t i = m_current + 1; i < m_blocks.size(); ++i) {
        if (bytes <= m_blocks[i].size) {
            m_current = i;
            m_offset = bytes;
            return m_blocks[i].data.get();
        }
    }
    std::size_t size = m_blocks.empty() ? 16384 : m_blocks.back().size * 2;
    while (size < bytes) size *= 2;
    block b;
    b.data.reset(new char[size]);
    b.size = size;
    m_blocks.push_back(std::move(b));
    m_current = m_blocks.size() - 1;
    m_offset = bytes;
    return m_blocks.back().data.get();
}

std::string_view json_extent(const char* json) {
    const char* p = json;
    auto skip_string = [&p] {
        ++p;  // opening quote
        while (*p != '"') {
            if (*p == '\\') ++p;
            ++p;
        }
        ++p;
    };
    if (*p == '"') {
        skip_string();
        return {json, static_cast<std::size_t>(p - json)};
    }
    if (*p != '{' && *p != '[') {
        while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\n' &&
               *p != '\r')
            ++p;
        return {json, static_cast<std::size_t>(p - json)};
    }
    int depth = 0;
    do {
        if (*p == '"') {
            skip_string();
            continue;
        }
        if (*p == '{' || *p == '[') ++depth;
        else if (*p == '}' || *p == ']') --depth;
        ++p;
    } while (depth > 0 && *p);
    return {json, static_cast<std::size_t>(p - json)};
}

namespace {

nlohmann::json object_json(const value& v) {
    if (v.raw() == nullptr) return nlohmann::json::object();
    return nlohmann::json::parse(json_extent(v.raw()), nullptr, false);
}

}  // namespace

bool equal(const value& a, const value& b) {
    if (a.k != b.k) return false;
    switch (a.k) {
        case kind::unknown:
        case kind::null: return true;
        case kind::boolean: return a.flag == b.flag;
        case kind::number: return a.number == b.number;
        case kind::text: return a.size == b.size && std::memcmp(a.text, b.text, a.size) == 0;
        case kind::list:
            if (a.size != b.size) return false;
            for (std::uint32_t i = 0; i < a.size; ++i) {
                if (!equal(a.items[i], b.items[i])) return false;
            }
            return true;
        case kind::object: return object_json(a) == object_json(b);
    }
    return false;
}

nlohmann::json to_json(const value& v) {
    switch (v.k) {
        case kind::unknown:
        case kind::null: return nullptr;
        case kind::boolean: return v.flag;
        case kind::number:
            if (std::nearbyint(v.number) == v.number && std::fabs(v.number) < 9.0e15) {
                return static_cast<std::int64_t>(v.number);
            }
            return v.number;
        case kind::text: return std::string(v.sv());
        case kind::list: {
            auto out = nlohmann::json::array();
            for (std::uint32_t i = 0; i < v.size; ++i) out.push_back(to_json(v.items[i]));
            return out;
        }
        case kind::object: return object_json(v);
    }
    return nullptr;
}

void append_json(const value& v, std::string& out) {
    switch (v.k) {
        case kind::unknown:
        case kind::null: out += "null"; return;
        case kind::boolean: out += v.flag ? "true" : "false"; return;
        case kind::number:
            if (std::nearbyint(v.number) == v.number && std::fabs(v.number) < 9.0e15) {
                render_number(v.number, out);  // as an integer, as to_json makes it
            } else {
                append_json_float(out, v.number);
            }
            return;
        case kind::text: append_json_string(out, v.sv()); return;
        case kind::list:
            out += '[';
            for (std::uint32_t i = 0; i < v.size; ++i) {
                if (i) out += ',';
                append_json(v.items[i], out);
            }
            out += ']';
            return;
        case kind::object:
            if (v.raw() == nullptr)
                out += "{}";
            else
                append_canonical_json(v.raw(), out);
            return;
    }
}

void render_number(double d, std::string& out) {
    if (std::nearbyint(d) == d && std::fabs(d) < 9.0e15) {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(d));
        out.append(buf, r.ptr);
        return;
    }
    if (!std::isfinite(d)) {
        out += std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf");
        return;
    }
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    out.append(buf, r.ptr);
}

void render(const value& v, std::string& out) {
    switch (v.k) {
        case kind::unknown: out += "unknown"; return;
        case kind::null: out += "null"; return;
        case kind::boolean: out += v.flag ? "true" : "false"; return;
        case kind::number: render_number(v.number, out); return;
        case kind::text: out.append(v.text, v.size); return;
        case kind::list:
        case kind::object: append_json(v, out); return;
    }
}

}  // namespace vigil::eval
