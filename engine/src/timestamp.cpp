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
    const auto ms = parse_effective_date(text);
    if (!ms) return std::nullopt;
    return static_cast<double>(*ms) / 1000.0;
}

std::optional<double> parse_duration(std::string_view text) {
    const auto ms = parse_duration_ms(text);
    if (!ms || *ms <= 0) return std::nullopt;
    return static_cast<double>(*ms) / 1000;
}

}  // namespace vigil::timestamp
