#include "decision_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

namespace vigil::server {

namespace {

// How long the writer lets lines gather before it writes them, unless this many bytes are waiting.
constexpr auto gather_time = std::chrono::milliseconds(2);
constexpr std::size_t gather_bytes = std::size_t{1} << 20;
// How long the writer waits before it tries a failed write again.
constexpr auto retry_time = std::chrono::milliseconds(200);

int open_for_appending(const std::string& path) {
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

// Flushes `fd` to disk and closes it; false (errno set) when either fails.
bool sync_and_close(int fd) {
    bool ok = ::fsync(fd) == 0 || errno == EINVAL;  // a file that cannot be synced (a device) has nothing to sync
    const int sync_errno = errno;
    if (::close(fd) != 0) return false;
    errno = sync_errno;
    return ok;
}

}  // namespace

decision_log::decision_log(std::shared_ptr<spdlog::logger> logger, std::size_t max_waiting, bool keep_all)
    : m_logger(std::move(logger)), m_max_waiting(max_waiting), m_keep_all(keep_all) {}

decision_log::~decision_log() {
    close();
}

bool decision_log::open(const std::string& path, std::string& error) {
    m_fd = open_for_appending(path);
    if (m_fd < 0) {
        error = std::strerror(errno);
        return false;
    }
    m_path = path;
    m_opened = true;
    m_writer = std::thread([this] { write_loop(); });
    return true;
}

void decision_log::append(std::string_view line) {
    if (!m_keep_all && m_queued.load(std::memory_order_relaxed) + line.size() + 1 > m_max_waiting) {
        // Memory is the limit while the disk refuses: the newest lines go first.
        if (m_dropped.fetch_add(1, std::memory_order_relaxed) == 0) {
            m_logger->error(
                "the decision log `{}` has {} bytes waiting to be written; dropping new lines (counted in "
                "vigil_decision_log_dropped_lines_total)",
                m_path, m_queued.load(std::memory_order_relaxed));
        }
        return;
    }
    bool wake = false;
    {
        std::lock_guard lock(m_lock);
        m_pending.append(line);
        m_pending.push_back('\n');
        wake = m_writer_waiting;
        m_writer_waiting = false;
    }
    m_queued.fetch_add(line.size() + 1, std::memory_order_relaxed);
    if (wake) m_wake.notify_one();
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

bool decision_log::write_out(std::string& batch) {
    std::size_t done = 0;
    while (done < batch.size()) {
        const ssize_t n = ::write(m_fd, batch.data() + done, batch.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    const int write_errno = errno;
    const auto lines = static_cast<std::uint64_t>(std::count(batch.begin(), batch.begin() + done, '\n'));
    m_lines.fetch_add(lines, std::memory_order_relaxed);
    m_bytes.fetch_add(done, std::memory_order_relaxed);
    m_queued.fetch_sub(done, std::memory_order_relaxed);
    const bool ok = done == batch.size();
    batch.erase(0, done);
    errno = write_errno;
    return ok;
}

// On the writer's thread, between two batches.
void decision_log::switch_files() {
    const int next = open_for_appending(m_path);
    if (next < 0) {
        m_logger->error("cannot reopen the decision log `{}`: {}; going on with the file open before", m_path,
                        std::strerror(errno));
        return;
    }
    if (!sync_and_close(m_fd)) {
        m_errors.fetch_add(1, std::memory_order_relaxed);
        m_logger->error("cannot close the decision log before reopening `{}`: {}", m_path, std::strerror(errno));
    }
    m_fd = next;
    m_logger->info("decision log `{}` reopened", m_path);
}

void decision_log::write_loop() {
    std::string batch;  // lines taken from the queue and not yet written: a failed write keeps its rest
    for (;;) {
        bool closing = false;
        bool reopening = false;
        {
            std::unique_lock lock(m_lock);
            if (batch.empty()) {
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
            } else {
                // The last write failed: try again after a pause, sooner when asked to reopen or close.
                m_writer_waiting = true;
                m_wake.wait_for(lock, retry_time, [&] { return m_closing || m_reopening; });
                m_writer_waiting = false;
            }
            batch.append(m_pending);
            m_pending.clear();
            closing = m_closing;
            reopening = m_reopening;
            m_reopening = false;
        }
        if (reopening) {
            // What was queued before the signal goes to the old file first.
            if (!batch.empty()) write_out(batch);
            switch_files();
        }
        if (!batch.empty()) {
            if (write_out(batch)) {
                if (m_failing.exchange(false)) m_logger->info("the decision log `{}` is written again", m_path);
            } else {
                m_errors.fetch_add(1, std::memory_order_relaxed);
                // One message per run of failures, not one per try.
                if (!m_failing.exchange(true)) {
                    m_logger->error(
                        "cannot write the decision log `{}`: {}; its lines wait in memory and are tried "
                        "again",
                        m_path, std::strerror(errno));
                }
            }
        }
        if (closing) {
            std::lock_guard lock(m_lock);
            if (m_pending.empty()) {
                if (!batch.empty()) {
                    m_complete = false;
                    const auto lost = std::count(batch.begin(), batch.end(), '\n');
                    m_logger->error("the decision log `{}` could not be written at shutdown: {} lines lost", m_path,
                                    lost);
                }
                return;
            }
        }
    }
}

bool decision_log::close() {
    if (!is_open()) return m_complete && m_dropped.load() == 0;
    {
        std::lock_guard lock(m_lock);
        m_closing = true;
    }
    m_wake.notify_one();
    if (m_writer.joinable()) m_writer.join();
    if (!sync_and_close(m_fd)) {
        m_complete = false;
        m_errors.fetch_add(1, std::memory_order_relaxed);
        m_logger->error("cannot close the decision log `{}`: {}", m_path, std::strerror(errno));
    }
    m_fd = -1;
    m_opened = false;
    return m_complete && m_dropped.load() == 0;
}

}  // namespace vigil::server
