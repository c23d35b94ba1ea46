#pragma once
// The server's counters, updated by request threads without locks on the hot path, and their
// rendering in the Prometheus text exposition format (version 0.0.4).

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/evaluate.hpp"
#include "vigil/service.hpp"

namespace vigil::server {

/// The routes the server counts requests for; `other` is every unknown path.
enum class endpoint : std::uint8_t { decide, decide_batch, policies, reload, healthz, metrics, other };
inline constexpr std::size_t endpoint_count = 7;

/// The label of an endpoint ("/v1/decide", ..., "other").
[[nodiscard]] std::string_view endpoint_label(endpoint e);
/// The endpoint a request path names.
[[nodiscard]] endpoint endpoint_of(std::string_view path);

/// What the rendering adds from outside the counters (gauges read when scraped).
struct gauges {
    session_counters sessions;
    std::uint64_t generation = 0;
    std::uint64_t log_lines = 0;
    std::uint64_t log_bytes = 0;
    std::uint64_t log_queue_bytes = 0;
    std::uint64_t log_write_errors = 0;
    std::uint64_t log_dropped_lines = 0;
    bool log_failing = false;
    double uptime_seconds = 0;
};

class metrics {
public:
    /// One answered request (any endpoint, any status).
    void request(endpoint e, int status);
    /// The time one decide took inside the server (from the handler's start to the answer built).
    void decide_latency(std::chrono::nanoseconds d);
    /// One decision of a record: counts its kind and its findings.
    void decision(const vigil::decision& d);
    /// The end-of-conversation findings of a closed conversation (not a decision of a record).
    void closing(const vigil::decision& d);
    void reload(bool ok);

    /// The whole exposition.
    [[nodiscard]] std::string render(const gauges& g) const;

private:
    // Status codes the server answers with; anything else counts as "other".
    static constexpr std::array<int, 14> statuses{200, 400, 401, 404, 405, 409, 413, 415, 422, 431, 500, 501, 503, 0};
    static std::size_t status_index(int status);

    void count_findings(const vigil::decision& d);

    std::array<std::array<std::atomic<std::uint64_t>, statuses.size()>, endpoint_count> m_requests{};
    // Upper bounds of the latency histogram, in seconds; the last bucket is +Inf.
    static constexpr std::array<double, 14> bounds{0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                   0.005,    0.01,    0.025,  0.05,    0.1,    0.25,  1.0};
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> m_latency{};
    std::atomic<std::uint64_t> m_latency_ns{0};
    std::array<std::atomic<std::uint64_t>, 3> m_decisions{};
    std::atomic<std::uint64_t> m_reloads_ok{0};
    std::atomic<std::uint64_t> m_reloads_failed{0};

    // Findings by (policy, rule, outcome): a key made of the three joined by '\x1f'. Lookups take
    // the lock shared; a new key takes it exclusively once.
    mutable std::shared_mutex m_findings_lock;
    std::unordered_map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> m_findings;
};

}  // namespace vigil::server
