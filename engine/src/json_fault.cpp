#include "vigil/json_fault.hpp"

#include <nlohmann/json.hpp>

#include "text.hpp"

namespace vigil {

namespace {

// nlohmann's message quotes the bytes it read last, which in a line that is not UTF-8 are not
// UTF-8 either: each such byte is written as \xHH, so the message can go into JSON as text.
std::string printable_utf8(std::string_view in) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        const auto byte = static_cast<unsigned char>(in[i]);
        char32_t cp = 0;
        const std::size_t n = byte < 0x80 ? 1 : text::decode_utf8(in, i, cp);
        if (n > 0) {
            out.append(in.substr(i, n));
            i += n;
            continue;
        }
        out += "\\x";
        out += hex[byte >> 4];
        out += hex[byte & 0xF];
        ++i;
    }
    return out;
}

}  // namespace

json_fault locate_json_fault(std::string_view text, std::string_view why) {
    json_fault fault;
    try {
        const auto parsed = nlohmann::json::parse(text.begin(), text.end());
        (void)parsed;
    } catch (const nlohmann::json::parse_error& p) {
        fault.byte = static_cast<std::int64_t>(p.byte);
        fault.message =
            "invalid JSON at byte " + std::to_string(p.byte) + ": " + printable_utf8(json_parse_reason(p.what()));
        return fault;
    } catch (const std::exception&) {
        // Refused for a reason with no place (a number out of range): simdjson's reason says as much.
    }
    fault.message = "invalid JSON: " + std::string(why);
    return fault;
}

std::string json_parse_reason(std::string_view what) {
    if (const auto column = what.find(", column "); column != std::string_view::npos) {
        if (const auto colon = what.find(": ", column); colon != std::string_view::npos) {
            return std::string(what.substr(colon + 2));
        }
    }
    if (const auto bracket = what.find("] "); bracket != std::string_view::npos) {
        return std::string(what.substr(bracket + 2));
    }
    return std::string(what);
}

}  // namespace vigil
