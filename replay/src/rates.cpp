// Whether two rates of findings per record differ beyond chance, each conversation one sample:
// for the rules under a value of --group-by, and for a report's rules against its baseline's.

#include <algorithm>
#include <cmath>

#include "vigil/replay.hpp"

namespace vigil::replay {

namespace {

// A rate is a ratio x/n of sums over conversations; its variance, with m conversations each
// giving (f, n), is m/(m-1) * sum((f - r n)^2) / n^2, expanded into the sums kept.
double clustered_variance(const rate_sums& s) {
    const double rate = s.x / s.n;
    const double squares = s.xx - 2 * rate * s.xn + rate * rate * s.nn;
    return s.m / (s.m - 1) * squares / (s.n * s.n);
}

}  // namespace

std::optional<double> rate_difference_z(const rate_sums& a, const rate_sums& b) {
    if (a.m < 2 || b.m < 2 || a.n <= 0 || b.n <= 0) return std::nullopt;
    // Without the floor, a side whose conversations all have no finding would have no variance,
    // and a few records without a finding would stand apart from a rate of 1 in 200.
    const double pooled = std::min(1.0, (a.x + b.x) / (a.n + b.n));
    const auto variance = [pooled](const rate_sums& s) {
        return std::max(clustered_variance(s), pooled * (1 - pooled) / s.n);
    };
    const double error = std::sqrt(variance(a) + variance(b));
    if (!(error > 0)) return std::nullopt;
    return (a.x / a.n - b.x / b.n) / error;
}

}  // namespace vigil::replay
