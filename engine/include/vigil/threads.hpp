#pragma once
// How many threads the parts of Vigil that start them may start (replay's workers and the
// server's event loops), and the CPU time a thread has used (replay's summary, the benchmarks).

#include <time.h>

#include <algorithm>
#include <cstddef>
#include <thread>

namespace vigil {

/// The most threads one of them starts: more than any machine has cores, fewer than a process can
/// start (40,000 made the thread library give up, and the process abort).
inline constexpr std::size_t max_threads = 1024;

/// The threads to start for a `threads` setting: the setting itself, or for 0 one per core (at
/// most max_threads). The caller refuses a setting over max_threads first.
[[nodiscard]] inline std::size_t threads_for(std::size_t setting) {
    if (setting != 0) return setting;
    return std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), max_threads);
}

/// The CPU time the calling thread has used so far, in seconds (0 where the clock is missing).
[[nodiscard]] inline double thread_cpu_seconds() {
    timespec t{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0) return 0;
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

}  // namespace vigil
