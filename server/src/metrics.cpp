#include "metrics.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <mutex>

namespace vigil::server {

namespace {

constexpr std::array<std::string_view, endpoint_count> endpoint_labels{
    "/v1/decide", "/v1/decide/batch", "/v1/policies", "/v1/policies/reload", "/healthz", "/metrics", "other"};

// A label value with `\`, `"` and line feeds escaped, as the exposition format requires.
std::string label_value(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out.push_back(c);
    }
    return out;
}

std::string number(double v) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.9g", v);
    return buffer;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
    out.append(name);
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(std::to_string(value)).append("\n");
}

void findings_key(std::string& key, const finding& f) {
    key.assign(f.policy);
    key.push_back('\x1f');
    key.append(f.policy_version);
    key.push_back('\x1f');
    key.append(f.rule);
    key.push_back('\x1f');
    key.append(outcome_name(f.result));
}

}  // namespace

std::string_view endpoint_label(endpoint e) {
    return endpoint_labels[static_cast<std::size_t>(e)];
}

endpoint endpoint_of(std::string_view path) {
    for (std::size_t i = 0; i + 1 < endpoint_count; ++i) {
        if (endpoint_labels[i] == path) return static_cast<endpoint>(i);
    }
    return endpoint::other;
}

std::size_t metrics::status_index(int status) {
    for (std::size_t i = 0; i + 1 < statuses.size(); ++i) {
        if (statuses[i] == status) return i;
    }
    return statuses.size() - 1;
}

void metrics::request(endpoint e, int status) {
    m_requests[static_cast<std::size_t>(e)][status_index(status)].fetch_add(1, std::memory_order_relaxed);
}

void metrics::decide_latency(std::chrono::nanoseconds d) {
    const double seconds = std::chrono::duration<double>(d).count();
    const auto bucket =
        static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
    m_latency[bucket].fetch_add(1, std::memory_order_relaxed);
    m_latency_ns.fetch_add(static_cast<std::uint64_t>(d.count()), std::memory_order_relaxed);
}

void metrics::count_findings(const vigil::decision& d) {
    if (d.findings.empty()) return;
    thread_local std::string key;
    for (const auto& f : d.findings) {
        findings_key(key, f);
        {
            std::shared_lock lock(m_findings_lock);
            if (auto it = m_findings.find(key); it != m_findings.end()) {
                it->second->fetch_add(1, std::memory_order_relaxed);
                continue;
            }
        }
        std::unique_lock lock(m_findings_lock);
        auto& slot = m_findings[key];
        if (!slot) slot = std::make_unique<std::atomic<std::uint64_t>>(0);
        slot->fetch_add(1, std::memory_order_relaxed);
    }
}

void metrics::decision(const vigil::decision& d) {
    m_decisions[static_cast<std::size_t>(d.kind)].fetch_add(1, std::memory_order_relaxed);
    count_findings(d);
}

void metrics::closing(const vigil::decision& d) {
    count_findings(d);
}

void metrics::reload(bool ok) {
    (ok ? m_reloads_ok : m_reloads_failed).fetch_add(1, std::memory_order_relaxed);
}

std::string metrics::render(const gauges& g) const {
    std::string out;
    out.reserve(8192);

    header(out, "vigil_http_requests_total", "counter", "HTTP requests answered, by endpoint and status.");
    for (std::size_t e = 0; e < endpoint_count; ++e) {
        for (std::size_t s = 0; s < statuses.size(); ++s) {
            const auto n = m_requests[e][s].load(std::memory_order_relaxed);
            if (n == 0) continue;
            const std::string status = statuses[s] == 0 ? "other" : std::to_string(statuses[s]);
            sample(out, "vigil_http_requests_total",
                   "endpoint=\"" + std::string(endpoint_labels[e]) + "\",status=\"" + status + "\"", n);
        }
    }

    header(out, "vigil_decide_duration_seconds", "histogram",
           "Time to decide one record inside the server (JSON validation, placement, evaluation, answer), "
           "for POST /v1/decide and each record of a batch.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < m_latency.size(); ++i) {
        cumulative += m_latency[i].load(std::memory_order_relaxed);
        const std::string le = i < bounds.size() ? number(bounds[i]) : "+Inf";
        sample(out, "vigil_decide_duration_seconds_bucket", "le=\"" + le + "\"", cumulative);
    }
    out.append("vigil_decide_duration_seconds_sum ")
        .append(number(static_cast<double>(m_latency_ns.load(std::memory_order_relaxed)) / 1e9))
        .append("\n");
    sample(out, "vigil_decide_duration_seconds_count", "", cumulative);

    header(out, "vigil_decisions_total", "counter", "Decisions of records, by kind.");
    for (std::size_t k = 0; k < m_decisions.size(); ++k) {
        sample(out, "vigil_decisions_total",
               "decision=\"" + std::string(decision_name(static_cast<decision_kind>(k))) + "\"",
               m_decisions[k].load(std::memory_order_relaxed));
    }

    header(out, "vigil_findings_total", "counter",
           "Findings (violated or undetermined rules), by policy, policy version, rule and outcome; "
           "end-of-conversation findings included.");
    {
        std::map<std::array<std::string, 4>, std::uint64_t> sorted;  // policy, version, rule, outcome
        {
            std::shared_lock lock(m_findings_lock);
            for (const auto& [key, count] : m_findings) {
                std::array<std::string, 4> parts;
                std::size_t from = 0;
                for (std::size_t i = 0; i < parts.size(); ++i) {
                    const std::size_t to = i + 1 < parts.size() ? key.find('\x1f', from) : key.size();
                    parts[i] = key.substr(from, to - from);
                    from = to + 1;
                }
                sorted[parts] = count->load(std::memory_order_relaxed);
            }
        }
        for (const auto& [parts, count] : sorted) {
            sample(out, "vigil_findings_total",
                   "policy=\"" + label_value(parts[0]) + "\",version=\"" + label_value(parts[1]) + "\",rule=\"" +
                       label_value(parts[2]) + "\",outcome=\"" + parts[3] + "\"",
                   count);
        }
    }

    header(out, "vigil_policy_reloads_total", "counter",
           "Policy reloads (HTTP or file watcher); a failed one left the running set in place.");
    sample(out, "vigil_policy_reloads_total", "result=\"ok\"", m_reloads_ok.load(std::memory_order_relaxed));
    sample(out, "vigil_policy_reloads_total", "result=\"failed\"", m_reloads_failed.load(std::memory_order_relaxed));
    header(out, "vigil_policy_generation", "gauge", "The generation of the running policy set (1 at start).");
    sample(out, "vigil_policy_generation", "", g.generation);

    header(out, "vigil_sessions_open", "gauge", "Conversations open now.");
    sample(out, "vigil_sessions_open", "", g.sessions.open);
    header(out, "vigil_session_bytes", "gauge", "Bytes held by the state of the open conversations.");
    sample(out, "vigil_session_bytes", "", g.sessions.bytes);
    header(out, "vigil_sessions_expired_total", "counter", "Conversations closed for idleness.");
    sample(out, "vigil_sessions_expired_total", "", g.sessions.expired);
    header(out, "vigil_sessions_evicted_total", "counter",
           "Conversations closed early to keep under --max-session-bytes (least recently fed first).");
    sample(out, "vigil_sessions_evicted_total", "", g.sessions.evicted);
    header(out, "vigil_sessions_reset_by_reload_total", "counter",
           "Conversations whose state restarted because a reload replaced the policy set.");
    sample(out, "vigil_sessions_reset_by_reload_total", "", g.sessions.reset_by_reload);

    header(out, "vigil_decision_log_lines_total", "counter", "Lines written to the decision log.");
    sample(out, "vigil_decision_log_lines_total", "", g.log_lines);
    header(out, "vigil_decision_log_bytes_total", "counter", "Bytes written to the decision log.");
    sample(out, "vigil_decision_log_bytes_total", "", g.log_bytes);
    header(out, "vigil_decision_log_queue_bytes", "gauge",
           "Bytes waiting for the decision log's writer thread, or held back by failed writes.");
    sample(out, "vigil_decision_log_queue_bytes", "", g.log_queue_bytes);
    header(out, "vigil_decision_log_write_errors_total", "counter",
           "Failed attempts to write the decision log (each is tried again).");
    sample(out, "vigil_decision_log_write_errors_total", "", g.log_write_errors);
    header(out, "vigil_decision_log_failing", "gauge", "1 while the last write to the decision log failed.");
    sample(out, "vigil_decision_log_failing", "", g.log_failing ? 1 : 0);
    header(out, "vigil_decision_log_dropped_lines_total", "counter",
           "Lines not logged because too many bytes were already waiting to be written.");
    sample(out, "vigil_decision_log_dropped_lines_total", "", g.log_dropped_lines);

    header(out, "vigil_uptime_seconds", "gauge", "Seconds since the server started.");
    out.append("vigil_uptime_seconds ").append(number(g.uptime_seconds)).append("\n");
    return out;
}

}  // namespace vigil::server
