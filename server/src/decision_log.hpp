#pragma once
// The decision log: JSON lines appended by request threads to an in-memory queue and written to
// the file by one writer thread, so no request waits for the disk.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace spdlog {
class logger;
}

namespace vigil::server {

class decision_log {
public:
    explicit decision_log(std::shared_ptr<spdlog::logger> logger);
    ~decision_log();
    decision_log(const decision_log&) = delete;
    decision_log& operator=(const decision_log&) = delete;

    /// Opens `path` for appending and starts the writer. Returns false with `error` set when the
    /// file cannot be opened.
    [[nodiscard]] bool open(const std::string& path, std::string& error);
    [[nodiscard]] bool is_open() const { return m_file != nullptr; }

    /// Queues one line (without its line feed). Lines queued by one thread are written in the
    /// order queued; lines of different threads in the order they took the queue's lock.
    void append(std::string_view line);

    /// Writes everything queued, stops the writer, flushes the file to disk and closes it.
    /// Returns false when some write failed during the log's life.
    bool close();

    [[nodiscard]] std::uint64_t lines() const { return m_lines.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t bytes() const { return m_bytes.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t queued_bytes() const { return m_queued.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t write_errors() const { return m_errors.load(std::memory_order_relaxed); }

private:
    void write_loop();

    std::shared_ptr<spdlog::logger> m_logger;
    std::string m_path;
    std::FILE* m_file = nullptr;
    std::thread m_writer;

    std::mutex m_lock;
    std::condition_variable m_wake;
    std::string m_pending;  // whole lines, each ending in '\n'
    std::uint64_t m_pending_lines = 0;
    bool m_closing = false;
    bool m_writer_waiting = false;

    std::atomic<std::uint64_t> m_lines{0};
    std::atomic<std::uint64_t> m_bytes{0};
    std::atomic<std::uint64_t> m_queued{0};
    std::atomic<std::uint64_t> m_errors{0};
};

}  // namespace vigil::server
