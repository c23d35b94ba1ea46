#include "decision_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

namespace vigil::server {

namespace {

// How long the writer lets lines gather before it writes them, unless this many bytes are waiting.
constexpr auto gather_time = std::chrono::milliseconds(2);
constexpr std::size_t gather_bytes = std::size_t{1} << 20;

}  // namespace

decision_log::decision_log(std::shared_ptr<spdlog::logger> logger) : m_logger(std::move(logger)) {}

decision_log::~decision_log() {
    close();
}

bool decision_log::open(const std::string& path, std::string& error) {
    m_file = std::fopen(path.c_str(), "ab");
    if (!m_file) {
        error = std::strerror(errno);
        return false;
    }
    m_path = path;
    m_opened = true;
    m_writer = std::thread([this] { write_loop(); });
    return true;
}

void decision_log::reopen() {
    if (!is_open()) return;
    {
        std::lock_guard lock(m_lock);
        m_reopening = true;
        m_writer_waiting = false;
    }
    m_wake.notify_one();
}

// On the writer's thread, between two batches.
void decision_log::switch_files() {
    std::FILE* next = std::fopen(m_path.c_str(), "ab");
    if (next == nullptr) {
        m_logger->error("cannot reopen the decision log `{}`: {}; going on with the file open before", m_path,
                        std::strerror(errno));
        return;
    }
    bool ok = std::fflush(m_file) == 0;
    ok = ::fsync(fileno(m_file)) == 0 && ok;
    ok = std::fclose(m_file) == 0 && ok;
    if (!ok) {
        m_errors.fetch_add(1, std::memory_order_relaxed);
        m_logger->error("cannot close the decision log before reopening `{}`: {}", m_path, std::strerror(errno));
    }
    m_file = next;
    m_logger->info("decision log `{}` reopened", m_path);
}

void decision_log::append(std::string_view line) {
    bool wake = false;
    {
        std::lock_guard lock(m_lock);
        m_pending.append(line);
        m_pending.push_back('\n');
        ++m_pending_lines;
        wake = m_writer_waiting;
        m_writer_waiting = false;
    }
    m_queued.fetch_add(line.size() + 1, std::memory_order_relaxed);
    if (wake) m_wake.notify_one();
}

void decision_log::write_loop() {
    std::string batch;
    bool reported = false;
    for (;;) {
        std::uint64_t lines = 0;
        bool closing = false;
        bool reopening = false;
        {
            std::unique_lock lock(m_lock);
            while (m_pending.empty() && !m_closing && !m_reopening) {
                m_writer_waiting = true;
                m_wake.wait(lock);
            }
            // Let a batch gather for a moment: at tens of thousands of decisions a second, waking
            // up and writing for every few lines cost the server more than deciding them.
            if (!m_closing && !m_reopening && m_pending.size() < gather_bytes) {
                lock.unlock();
                std::this_thread::sleep_for(gather_time);
                lock.lock();
            }
            batch.swap(m_pending);
            m_pending.clear();
            lines = m_pending_lines;
            m_pending_lines = 0;
            closing = m_closing;
            reopening = m_reopening;
            m_reopening = false;
        }
        if (!batch.empty()) {
            const std::size_t written = std::fwrite(batch.data(), 1, batch.size(), m_file);
            const bool ok = written == batch.size() && std::fflush(m_file) == 0;
            m_queued.fetch_sub(batch.size(), std::memory_order_relaxed);
            if (ok) {
                m_lines.fetch_add(lines, std::memory_order_relaxed);
                m_bytes.fetch_add(batch.size(), std::memory_order_relaxed);
                reported = false;
            } else {
                m_errors.fetch_add(1, std::memory_order_relaxed);
                // One message per run of failures, not one per batch.
                if (!reported) m_logger->error("cannot write the decision log `{}`: {}", m_path, std::strerror(errno));
                reported = true;
                std::clearerr(m_file);
            }
            batch.clear();
        }
        if (reopening) switch_files();
        if (closing) {
            std::lock_guard lock(m_lock);
            if (m_pending.empty()) return;
        }
    }
}

bool decision_log::close() {
    if (!is_open()) return m_errors.load() == 0;
    {
        std::lock_guard lock(m_lock);
        m_closing = true;
    }
    m_wake.notify_one();
    if (m_writer.joinable()) m_writer.join();
    bool ok = std::fflush(m_file) == 0;
    ok = ::fsync(fileno(m_file)) == 0 && ok;
    ok = std::fclose(m_file) == 0 && ok;
    m_file = nullptr;
    m_opened = false;
    if (!ok) {
        m_errors.fetch_add(1, std::memory_order_relaxed);
        m_logger->error("cannot close the decision log `{}`: {}", m_path, std::strerror(errno));
    }
    return m_errors.load() == 0;
}

}  // namespace vigil::server
