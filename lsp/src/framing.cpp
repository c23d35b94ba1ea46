#include "framing.hpp"

#include <algorithm>
#include <cctype>
#include <istream>
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>

namespace vigil::lsp {

namespace {

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// A header holds two short fields; a longer line is not a header (binary data, a lost frame), and
// is not read into memory whole.
constexpr std::size_t max_header_line = 8192;

// A header line without its line end; nothing at the end of the input. Clients end lines with
// CR LF; a bare LF is taken too. A line longer than max_header_line is cut there.
std::optional<std::string> header_line(std::istream& in, std::uint64_t& offset) {
    std::string line;
    for (int c = in.get(); c != std::char_traits<char>::eof(); c = in.get()) {
        ++offset;
        if (c == '\n') {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        }
        line += static_cast<char>(c);
        if (line.size() > max_header_line) return line;
    }
    if (line.empty()) return std::nullopt;
    return line;  // the input ends inside it: the next read finds nothing
}

std::optional<std::size_t> content_length(std::string_view value) {
    if (value.empty() || value.size() > 19) return std::nullopt;
    std::size_t n = 0;
    for (const char c : value) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
}

incoming broken(std::uint64_t at, const std::string& why) {
    return {incoming::kind::broken, {}, "at byte " + std::to_string(at) + " of the input: " + why};
}

}  // namespace

incoming read_message(std::istream& in, std::uint64_t& offset) {
    const std::uint64_t start = offset;
    std::optional<std::size_t> length;
    bool any_line = false;
    while (true) {
        const std::uint64_t line_start = offset;
        auto line = header_line(in, offset);
        if (!line) {
            if (!any_line) return {};
            return broken(line_start, "the input ended inside a message's header");
        }
        if (line->empty()) {
            // Blank lines between messages are not a header yet.
            if (!any_line) continue;
            break;
        }
        any_line = true;
        if (line->size() > max_header_line) {
            return broken(line_start, "a header line longer than " + std::to_string(max_header_line) + " bytes");
        }
        const auto colon = line->find(':');
        if (colon == std::string::npos) {
            return broken(line_start, "a header line without `:`, `" + line->substr(0, 80) + "`");
        }
        const std::string_view name = trimmed(std::string_view(*line).substr(0, colon));
        const std::string_view value = trimmed(std::string_view(*line).substr(colon + 1));
        if (!same_name(name, "Content-Length")) continue;  // Content-Type: utf-8 JSON is all there is
        length = content_length(value);
        if (!length)
            return broken(line_start, "`Content-Length` is not a number of bytes: `" + std::string(value) + "`");
    }
    if (!length) return broken(start, "a message's header has no `Content-Length`, so its end cannot be found");
    if (*length > max_message_bytes) {
        in.ignore(static_cast<std::streamsize>(*length));
        offset += static_cast<std::uint64_t>(in.gcount());
        if (static_cast<std::size_t>(in.gcount()) != *length) {
            return broken(offset, "the input ended inside a message's body");
        }
        return {incoming::kind::too_long,
                {},
                "at byte " + std::to_string(start) + " of the input: a message of " + std::to_string(*length) +
                    " bytes, more than the " + std::to_string(max_message_bytes) + " read, was skipped"};
    }
    incoming out{incoming::kind::message, std::string(*length, '\0'), {}};
    in.read(out.body.data(), static_cast<std::streamsize>(*length));
    offset += static_cast<std::uint64_t>(in.gcount());
    if (static_cast<std::size_t>(in.gcount()) != *length) {
        return broken(offset, "the input ended inside a message's body (" + std::to_string(in.gcount()) + " of " +
                                  std::to_string(*length) + " bytes)");
    }
    return out;
}

void write_message(std::ostream& out, const nlohmann::json& message) {
    // Invalid UTF-8 in a file's text is shown replaced rather than stopping the server.
    const std::string body = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
    out.flush();
}

}  // namespace vigil::lsp
