#pragma once
// Words for what people read: counts in summaries, reports and messages.

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

/// `n` and the word for that many: "1 rule", "3 rules", "2 policies" (`one` when n is 1, else
/// `many`: English plurals are not all an added `s`).
[[nodiscard]] inline std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace vigil
