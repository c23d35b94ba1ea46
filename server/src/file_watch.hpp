#pragma once
// What the watcher compares from one look to the next: every file a policy set is read from (or
// the TLS files, or the client tokens file), with its modification time, size and mode.

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::server {

struct file_stamp {
    std::string path;
    std::int64_t mtime_ns = -1;  // -1: the file is missing
    std::int64_t size = -1;
    // A chmod changes no mtime: the mode shows a client tokens file that was refused for its mode
    // and then made private.
    std::uint32_t mode = 0;
    friend bool operator==(const file_stamp&, const file_stamp&) = default;
};

/// The stamps of `paths` (files, and every regular file below a directory, recursively, with the
/// directories themselves so that an added or removed file shows) and of `extra` (the files a load
/// read, such as imports from elsewhere), sorted by path, without duplicates. Never throws: an
/// unreadable entry gets the stamp of a missing file.
[[nodiscard]] std::vector<file_stamp> stamp_files(const std::vector<std::string>& paths,
                                                  const std::vector<std::string>& extra);

/// Polls stamp_files() and says when to reload: after a change, once the stamps have stayed the
/// same for one more look (a debounce, so that a save made of several writes reloads once).
class change_detector {
public:
    /// The stamps of the set now running.
    void reset(std::vector<file_stamp> stamps);
    /// One look; true when the caller should reload now (the stamps it saw become the baseline).
    [[nodiscard]] bool look(std::vector<file_stamp> stamps);

private:
    std::vector<file_stamp> m_baseline;
    std::vector<file_stamp> m_pending;
    bool m_changed = false;
};

}  // namespace vigil::server
