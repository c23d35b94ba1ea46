#include "needles.hpp"

namespace vigil::eval {

needle_search::needle_search(std::vector<std::string> needles)
    : m_needles(std::move(needles)),
      m_filter((std::size_t{1} << hash_bits) / 64, 0),
      m_bucket_start((std::size_t{1} << (hash_bits - bucket_shift)) + 1, 0) {
    m_prefix.reserve(m_needles.size());
    for (const std::string& n : m_needles) {
        const std::uint32_t prefix = load4(n.data());
        const std::uint32_t h = hash(prefix);
        m_prefix.push_back(prefix);
        m_filter[h >> 6] |= std::uint64_t{1} << (h & 63);
        ++m_bucket_start[(h >> bucket_shift) + 1];
    }
    for (std::size_t b = 1; b < m_bucket_start.size(); ++b) m_bucket_start[b] += m_bucket_start[b - 1];
    m_by_bucket.resize(m_needles.size());
    std::vector<std::uint32_t> next(m_bucket_start.begin(), m_bucket_start.end() - 1);
    for (std::uint32_t id = 0; id < m_needles.size(); ++id) m_by_bucket[next[hash(m_prefix[id]) >> bucket_shift]++] = id;
}

}  // namespace vigil::eval
