#include "vigil/json_fault.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "text.hpp"

namespace vigil {

namespace {

json_fault nul_fault(std::size_t at) {
    const auto byte = static_cast<std::int64_t>(at + 1);
    return {byte, "invalid JSON at byte " + std::to_string(byte) +
                      ": a NUL byte (U+0000); JSON has it only escaped, as \\u0000 in a string"};
}

// nlohmann quotes the whole token it was reading: for a string left open, the rest of the line.
// Keeps the quote's last bytes (whole UTF-8 characters), which end where the fault is.
std::string shorten_last_read(std::string reason) {
    constexpr std::string_view marker = "; last read: '";
    constexpr std::size_t kept = 40;
    const auto at = reason.find(marker);
    if (at == std::string::npos) return reason;
    const std::size_t begin = at + marker.size();
    // The closing quote ends the message, or comes before what the parser expected instead.
    std::size_t end = reason.rfind("'; expected ");
    if (end == std::string::npos || end < begin) end = reason.size() - 1;
    if (end < begin || reason[end] != '\'' || end - begin <= kept + 20) return reason;
    std::size_t cut = end - kept;
    while (cut < end && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) ++cut;
    return reason.substr(0, begin) + "..." + reason.substr(cut);
}

// The first number token of `text` (outside strings) that is beyond a double's range, as
// [begin, end) in bytes; end == 0 when there is none. nlohmann refuses such a number without a
// place, and simdjson says only "Problem while parsing a number".
std::pair<std::size_t, std::size_t> number_out_of_range(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') {
            for (++i; i < text.size() && text[i] != '"'; ++i) {
                if (text[i] == '\\') ++i;
            }
            continue;
        }
        if (c != '-' && (c < '0' || c > '9')) continue;
        std::size_t end = i;
        while (end < text.size() && std::string_view("+-.0123456789eE").find(text[end]) != std::string_view::npos)
            ++end;
        const std::string token(text.substr(i, end - i));
        errno = 0;
        const double d = std::strtod(token.c_str(), nullptr);
        if (errno == ERANGE && std::isinf(d)) return {i, end};
        i = end - 1;
    }
    return {0, 0};
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
        fault.message = "invalid JSON at byte " + std::to_string(p.byte) + ": " +
                        text::printable_utf8(shorten_last_read(json_parse_reason(p.what())));
        return fault;
    } catch (const std::exception&) {
        // Refused for a reason with no place (a number out of range): simdjson's reason says as much.
        accepted = false;
    }
    if (accepted && nul != std::string_view::npos) return nul_fault(nul);
    if (const auto [begin, end] = number_out_of_range(text); end != 0) {
        fault.byte = static_cast<std::int64_t>(begin + 1);
        fault.message = "invalid JSON at byte " + std::to_string(fault.byte) + ": the number " +
                        std::string(text.substr(begin, std::min<std::size_t>(end - begin, 40))) +
                        " is beyond the range of a double (about 1.8e308)";
        return fault;
    }
    fault.message = "invalid JSON: " + std::string(why);
    return fault;
}

std::string too_deep_reason() {
    return "invalid JSON: objects and arrays nested more than " + std::to_string(max_record_depth) + " levels deep";
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
