#pragma once
// Exact search for many literal needles in one pass over a text: the phrase lists of a policy
// (urgency phrases in seven languages, say) and the literals a regex cannot match without. Every
// 4-byte window of the text is hashed and looked up in a bitmap of the needles' first four bytes;
// only the rare hits are compared with the needles that start there. That costs a few instructions
// per byte, where an RE2 DFA over the same phrases costs several times as many.
//
// Immutable once built, so every evaluator of a compiled set shares one.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::eval {

class needle_search {
public:
    /// Needles shorter than this cannot be searched (a shorter phrase stays with RE2).
    static constexpr std::size_t min_length = 4;

    needle_search() = default;
    /// `needles` are distinct, each at least min_length bytes.
    explicit needle_search(std::vector<std::string> needles);

    /// Calls found(i) for every occurrence of needle i in `text` (so possibly more than once).
    template <typename Found>
    void find(std::string_view text, Found&& found) const {
        if (m_needles.empty() || text.size() < min_length) return;
        // Locals, not members: `found` may store through a byte pointer, which could alias them.
        const std::uint64_t* filter = m_filter.data();
        const char* const begin = text.data();
        const char* const last = begin + (text.size() - min_length);
        for (const char* at = begin; at <= last; ++at) {
            const std::uint32_t window = load4(at);
            const std::uint32_t h = hash(window);
            if (((filter[h >> 6] >> (h & 63)) & 1) == 0) continue;
            compare(window, h >> bucket_shift, at, static_cast<std::size_t>(last - at) + min_length, found);
        }
    }

private:
    static constexpr unsigned hash_bits = 16;     // the bitmap: 8 KiB
    static constexpr unsigned bucket_shift = 4;   // 4,096 buckets of candidates
    static std::uint32_t load4(const char* p) {
        std::uint32_t w;
        std::memcpy(&w, p, 4);
        return w;
    }
    static std::uint32_t hash(std::uint32_t window) { return (window * 0x9E3779B1u) >> (32 - hash_bits); }

    // The needles of `bucket` that start with `window` and occur at `at` (`room` bytes left).
    template <typename Found>
    void compare(std::uint32_t window, std::uint32_t bucket, const char* at, std::size_t room, Found& found) const {
        for (std::uint32_t k = m_bucket_start[bucket]; k < m_bucket_start[bucket + 1]; ++k) {
            const std::uint32_t id = m_by_bucket[k];
            const std::string& n = m_needles[id];
            if (m_prefix[id] == window && n.size() <= room &&
                std::memcmp(n.data() + min_length, at + min_length, n.size() - min_length) == 0)
                found(id);
        }
    }

    std::vector<std::string> m_needles;
    std::vector<std::uint32_t> m_prefix;        // per needle: its first four bytes
    std::vector<std::uint64_t> m_filter;        // bit hash(prefix) set for every needle
    std::vector<std::uint32_t> m_bucket_start;  // needles of bucket b: m_by_bucket[start[b] .. start[b+1])
    std::vector<std::uint32_t> m_by_bucket;
};

}  // namespace vigil::eval
