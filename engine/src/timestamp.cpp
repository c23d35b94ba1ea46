#include "timestamp.hpp"

#include "vigil/calendar.hpp"

#include <string>

namespace vigil::timestamp {

std::optional<double> parse_rfc3339(std::string_view text) {
    const auto ms = vigil::parse_rfc3339(text);
    if (!ms) return std::nullopt;
    return static_cast<double>(*ms) / 1000.0;
}

std::optional<double> parse_date(std::string_view text) {
    // A bare date is its first instant in UTC.
    if (text.size() == 10) return parse_rfc3339(std::string(text) + "T00:00:00Z");
    return parse_rfc3339(text);
}

std::optional<double> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double total = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t start = at;
        double n = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            n = n * 10 + (text[at] - '0');
            ++at;
        }
        if (at == start || at >= text.size() || at - start > 9) return std::nullopt;
        switch (text[at]) {
            case 's':
                total += n;
                break;
            case 'm':
                total += n * 60;
                break;
            case 'h':
                total += n * 3600;
                break;
            case 'd':
                total += n * 86400;
                break;
            default:
                return std::nullopt;
        }
        ++at;
    }
    if (total <= 0) return std::nullopt;
    return total;
}

}  // namespace vigil::timestamp
