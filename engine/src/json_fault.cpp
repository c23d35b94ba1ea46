#include "vigil/json_fault.hpp"

#include <nlohmann/json.hpp>

#include "text.hpp"

namespace vigil {

namespace {

json_fault nul_fault(std::size_t at) {
    const auto byte = static_cast<std::int64_t>(at + 1);
    return {byte, "invalid JSON at byte " + std::to_string(byte) +
                      ": a NUL byte (U+0000); JSON has it only escaped, as \\u0000 in a string"};
}

}  // namespace

json_fault locate_json_fault(std::string_view text, std::string_view why) {
    // nlohmann's lexer takes a NUL byte for the end of the text: it would report the text as ending
    // there, or accept it when what comes before is whole.
    const std::size_t nul = text.find('\0');
    json_fault fault;
    bool accepted = true;
    try {
        const auto parsed = nlohmann::json::parse(text.begin(), text.end());
        (void)parsed;
    } catch (const nlohmann::json::parse_error& p) {
        if (nul != std::string_view::npos && p.byte > nul) return nul_fault(nul);
        fault.byte = static_cast<std::int64_t>(p.byte);
        // nlohmann quotes the bytes it read last: in a line that is not UTF-8, they are not either.
        fault.message =
            "invalid JSON at byte " + std::to_string(p.byte) + ": " + text::printable_utf8(json_parse_reason(p.what()));
        return fault;
    } catch (const std::exception&) {
        // Refused for a reason with no place (a number out of range): simdjson's reason says as much.
        accepted = false;
    }
    if (accepted && nul != std::string_view::npos) return nul_fault(nul);
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
