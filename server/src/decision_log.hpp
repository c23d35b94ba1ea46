#pragma once
// The decision log: JSON lines appended by request threads to an in-memory queue and written to
// the file by one writer thread, so no request waits for the disk. A write that fails (a full
// disk) is tried again, from the byte where it stopped, until it succeeds: lines wait in memory
// meanwhile, up to a limit past which new ones are dropped and counted.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
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
    /// `max_waiting`: the most bytes of lines that may wait to be written (queued, or held back by
    /// a failing disk); a line that would go over it is dropped and counted, unless `keep_all`:
    /// then every line is kept, and the caller stops appending while full() (the server refuses
    /// to decide).
    explicit decision_log(std::shared_ptr<spdlog::logger> logger, std::size_t max_waiting = std::size_t{256} << 20,
                          bool keep_all = false);
    ~decision_log();
    decision_log(const decision_log&) = delete;
    decision_log& operator=(const decision_log&) = delete;

    /// Opens `path` for appending and starts the writer. Returns false with `error` set when the
    /// file cannot be opened.
    [[nodiscard]] bool open(const std::string& path, std::string& error);
    /// True from open() to close(); may be asked from any thread.
    [[nodiscard]] bool is_open() const { return m_opened.load(std::memory_order_relaxed); }

    /// Queues one line (without its line feed). Lines queued by one thread are written in the
    /// order queued; lines of different threads in the order they took the queue's lock.
    void append(std::string_view line);

    /// Asks the writer to close the file and open its path again, for log rotation (the file was
    /// renamed, and a new one is wanted under the old name): the lines queued before it go to the
    /// old file, later ones to the new (and lines a failing old file held back, too). The old file
    /// is flushed to disk (`fsync`) before it is closed. When the path cannot be opened, the writer
    /// logs why and goes on with the old file, so no line is lost. Callable from any thread.
    void reopen();

    /// Writes everything queued (one more try for lines a failing disk held back), stops the
    /// writer, flushes the file to disk and closes it. Returns false when a line was lost (dropped,
    /// or still not written at the end) or the file could not be closed; failed writes that were
    /// tried again and went through lose nothing.
    bool close();

    [[nodiscard]] std::uint64_t lines() const { return m_lines.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t bytes() const { return m_bytes.load(std::memory_order_relaxed); }
    /// Bytes waiting: queued, or held back by failed writes.
    [[nodiscard]] std::uint64_t queued_bytes() const { return m_queued.load(std::memory_order_relaxed); }
    /// Failed attempts to write (each failing batch counts once per try).
    [[nodiscard]] std::uint64_t write_errors() const { return m_errors.load(std::memory_order_relaxed); }
    /// Lines dropped because max_waiting bytes were already waiting.
    [[nodiscard]] std::uint64_t dropped_lines() const { return m_dropped.load(std::memory_order_relaxed); }
    /// True when max_waiting bytes or more wait to be written.
    [[nodiscard]] bool full() const { return queued_bytes() >= m_max_waiting; }
    /// True while lines are held back because the last write failed; false again once one succeeds.
    [[nodiscard]] bool failing() const { return m_failing.load(std::memory_order_relaxed); }

private:
    void write_loop();
    // Writes `batch` from its start; removes what was written and counts it. False on failure.
    bool write_out(std::string& batch);
    void switch_files();

    std::shared_ptr<spdlog::logger> m_logger;
    std::size_t m_max_waiting;
    bool m_keep_all;
    std::string m_path;
    int m_fd = -1;
    std::thread m_writer;

    std::mutex m_lock;
    std::condition_variable m_wake;
    std::string m_pending;  // whole lines, each ending in '\n'
    bool m_closing = false;
    bool m_reopening = false;
    bool m_writer_waiting = false;

    std::atomic<bool> m_opened{false};  // set before the writer starts, cleared after it stopped
    std::atomic<bool> m_failing{false};
    std::atomic<bool> m_complete{true};  // no line lost, every close succeeded
    std::atomic<std::uint64_t> m_lines{0};
    std::atomic<std::uint64_t> m_bytes{0};
    std::atomic<std::uint64_t> m_queued{0};
    std::atomic<std::uint64_t> m_errors{0};
    std::atomic<std::uint64_t> m_dropped{0};
};

}  // namespace vigil::server
