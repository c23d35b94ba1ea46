// policy_store: the running compiled set behind one std::atomic<std::shared_ptr>. A reader copies
// the pointer (one reference count increment) and keeps its set alive for as long as it holds the
// copy, so replace() never waits for readers and never frees a set under one.

#include <atomic>
#include <mutex>
#include <stdexcept>

#include "vigil/service.hpp"

namespace vigil {

struct policy_store::impl {
    std::atomic<std::shared_ptr<const compiled_set>> set;
    std::atomic<std::uint64_t> generation{1};
    std::mutex replacing;  // replace() against replace(): set and generation move together
};

policy_store::policy_store(std::shared_ptr<const compiled_set> initial) : m_impl(std::make_shared<impl>()) {
    if (!initial) throw std::invalid_argument("policy_store: the initial set is null");
    m_impl->set.store(std::move(initial));
}

std::shared_ptr<const compiled_set> policy_store::current() const {
    return m_impl->set.load(std::memory_order_acquire);
}

std::uint64_t policy_store::replace(std::shared_ptr<const compiled_set> next) {
    if (!next) throw std::invalid_argument("policy_store::replace: the new set is null");
    // The set is stored before the generation moves: a reader that has seen generation n gets set n
    // or a later one from current(); one that got the new set may read the old generation for an
    // instant.
    const std::lock_guard<std::mutex> lock(m_impl->replacing);
    m_impl->set.store(std::move(next), std::memory_order_release);
    return m_impl->generation.fetch_add(1, std::memory_order_acq_rel) + 1;
}

std::uint64_t policy_store::generation() const {
    return m_impl->generation.load(std::memory_order_acquire);
}

}  // namespace vigil
