// policy_store: the running compiled set behind a small mutex. A reader copies the pointer under
// it (one reference count increment) and keeps its set alive for as long as it holds the copy, so
// replace() never waits for a reader to finish with a set and never frees a set under one.
// Not std::atomic<std::shared_ptr>: GCC 12's libstdc++ guards it with a lock bit that
// ThreadSanitizer does not see, which then reports a race on every reload. Readers are rare
// anyway: a session_table takes the set again only when the generation moves.

#include <atomic>
#include <mutex>
#include <stdexcept>

#include "vigil/service.hpp"

namespace vigil {

struct policy_store::impl {
    mutable std::mutex lock;  // guards `set`, and keeps set and generation moving together
    std::shared_ptr<const compiled_set> set;
    std::atomic<std::uint64_t> generation{1};
};

policy_store::policy_store(std::shared_ptr<const compiled_set> initial) : m_impl(std::make_shared<impl>()) {
    if (!initial) throw std::invalid_argument("policy_store: the initial set is null");
    m_impl->set = std::move(initial);
}

std::shared_ptr<const compiled_set> policy_store::current() const {
    const std::lock_guard<std::mutex> lock(m_impl->lock);
    return m_impl->set;
}

std::uint64_t policy_store::replace(std::shared_ptr<const compiled_set> next) {
    if (!next) throw std::invalid_argument("policy_store::replace: the new set is null");
    std::uint64_t generation = 0;
    {
        // The set is stored before the generation moves: a reader that has seen generation n gets
        // set n or a later one from current(); one that got the new set may read the old
        // generation for an instant.
        const std::lock_guard<std::mutex> lock(m_impl->lock);
        m_impl->set.swap(next);
        generation = m_impl->generation.fetch_add(1, std::memory_order_acq_rel) + 1;
    }
    // `next` now holds the set replaced, freed here, outside the lock, unless a reader holds it.
    return generation;
}

std::uint64_t policy_store::generation() const {
    return m_impl->generation.load(std::memory_order_acquire);
}

}  // namespace vigil
