#include "query.hpp"

namespace vigil::server {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decoded(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out.push_back(' ');
            continue;
        }
        if (c == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2])));
            i += 2;
            continue;
        }
        out.push_back(c);
    }
    return out;
}

}  // namespace

std::optional<std::string> query_parameter(std::string_view query, std::string_view name) {
    std::optional<std::string> value;
    while (!query.empty()) {
        const std::size_t end = query.find('&');
        const std::string_view pair = query.substr(0, end);
        query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
        const std::size_t equals = pair.find('=');
        if (decoded(pair.substr(0, equals)) != name) continue;
        value = equals == std::string_view::npos ? std::string() : decoded(pair.substr(equals + 1));
    }
    return value;
}

std::optional<bool> query_switch(std::string_view query, std::string_view name) {
    const std::optional<std::string> value = query_parameter(query, name);
    if (!value) return false;
    if (value->empty() || *value == "true" || *value == "1") return true;
    if (*value == "false" || *value == "0") return false;
    return std::nullopt;
}

}  // namespace vigil::server
