#pragma once
// The generator's own random numbers. std::*_distribution is not used anywhere: its
// output differs between standard libraries, and the generator promises byte-identical
// output on every machine. Everything here is integer arithmetic, except `unit`, whose
// result is exact (53 random bits times a power of two).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vigil::datagen::detail {

/// SplitMix64 finaliser: a stateless 64-bit mix, used to derive independent seeds.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64.
class rng {
public:
    /// Seeds from two numbers, so that (seed, stream) pairs give independent sequences.
    explicit rng(std::uint64_t seed, std::uint64_t stream = 0) noexcept {
        std::uint64_t s = mix64(seed) ^ mix64(stream ^ 0x5851f42d4c957f2dULL);
        for (auto& word : m_state) {
            s += 0x9e3779b97f4a7c15ULL;
            word = mix64(s);
        }
    }

    /// The next 64 random bits.
    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(m_state[1] * 5, 7) * 9;
        const std::uint64_t t = m_state[1] << 17;
        m_state[2] ^= m_state[0];
        m_state[3] ^= m_state[1];
        m_state[1] ^= m_state[2];
        m_state[0] ^= m_state[3];
        m_state[2] ^= t;
        m_state[3] = rotl(m_state[3], 45);
        return result;
    }

    /// A number in [0, n) for 0 < n < 2^32 (multiply-shift on the top 32 bits).
    std::uint32_t below(std::uint32_t n) noexcept { return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32); }

    /// A number in [lo, hi], both inclusive; lo <= hi.
    int between(int lo, int hi) noexcept {
        return lo + static_cast<int>(below(static_cast<std::uint32_t>(hi - lo + 1)));
    }

    /// A double in [0, 1) with 53 random bits.
    double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    /// True with probability p (p <= 0 never, p >= 1 always).
    bool chance(double p) noexcept { return unit() < p; }

    /// True with probability percent / 100.
    bool percent(unsigned percent) noexcept { return below(100) < percent; }

    /// An index into `weights`, chosen with probability proportional to its weight.
    std::size_t weighted(std::span<const unsigned> weights) noexcept {
        unsigned total = 0;
        for (unsigned w : weights) total += w;
        unsigned roll = below(total);
        for (std::size_t i = 0; i < weights.size(); ++i) {
            if (roll < weights[i]) return i;
            roll -= weights[i];
        }
        return weights.size() - 1;
    }

    /// One element of a non-empty array.
    template <class T, std::size_t N>
    const T& pick(const std::array<T, N>& items) noexcept {
        static_assert(N > 0);
        return items[below(static_cast<std::uint32_t>(N))];
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

    std::array<std::uint64_t, 4> m_state{};
};

}  // namespace vigil::datagen::detail
