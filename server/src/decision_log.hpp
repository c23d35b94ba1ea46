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
    /// True from open() to close(); may be asked from any thread.
    [[nodiscard]] bool is_open() const { return m_opened.load(std::memory_order_relaxed); }

    /// Asks the writer to close the file and open its path again, for log rotation (the file was
    /// renamed, and a new one is wanted under the old name): the lines queued before it go to the
    /// old file, later ones to the new. The old file is flushed to disk (`fsync`) before it is
    /// closed. When the path cannot be opened, the writer logs why and goes on with the old file,
    /// so no line is lost. Callable from any thread.
    void reopen();

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
    void switch_files();

    std::shared_ptr<spdlog::logger> m_logger;
    std::string m_path;
    std::FILE* m_file = nullptr;
    std::thread m_writer;

    std::mutex m_lock;
    std::condition_variable m_wake;
    std::string m_pending;  // whole lines, each ending in '\n'
    std::uint64_t m_pending_lines = 0;
    bool m_closing = false;
    bool m_reopening = false;
    bool m_writer_waiting = false;

    std::atomic<bool> m_opened{false};  // set before the writer starts, cleared after it stopped
    std::atomic<std::uint64_t> m_lines{0};
    std::atomic<std::uint64_t> m_bytes{0};
    std::atomic<std::uint64_t> m_queued{0};
    std::atomic<std::uint64_t> m_errors{0};
};

}  // namespace vigil::server
