#include "file_watch.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace vigil::server {

namespace {

namespace fs = std::filesystem;

file_stamp stamp(const std::string& path) {
    file_stamp s;
    s.path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        s.size = static_cast<std::int64_t>(st.st_size);
        s.mode = static_cast<std::uint32_t>(st.st_mode);
    }
    return s;
}

}  // namespace

std::vector<file_stamp> stamp_files(const std::vector<std::string>& paths, const std::vector<std::string>& extra) {
    std::vector<file_stamp> out;
    for (const auto& p : paths) {
        out.push_back(stamp(p));
        std::error_code ec;
        if (!fs::is_directory(p, ec)) continue;
        for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
             !ec && it != end; it.increment(ec)) {
            std::error_code kind;
            if (it->is_directory(kind) || it->is_regular_file(kind)) out.push_back(stamp(it->path().string()));
        }
    }
    for (const auto& p : extra) out.push_back(stamp(p));
    std::sort(out.begin(), out.end(), [](const file_stamp& a, const file_stamp& b) { return a.path < b.path; });
    out.erase(
        std::unique(out.begin(), out.end(), [](const file_stamp& a, const file_stamp& b) { return a.path == b.path; }),
        out.end());
    return out;
}

void change_detector::reset(std::vector<file_stamp> stamps) {
    m_baseline = std::move(stamps);
    m_pending.clear();
    m_changed = false;
}

bool change_detector::look(std::vector<file_stamp> stamps) {
    if (!m_changed) {
        if (stamps == m_baseline) return false;
        m_changed = true;
        m_pending = std::move(stamps);
        return false;
    }
    if (stamps != m_pending) {
        // Still being written: wait for one quiet look.
        m_pending = std::move(stamps);
        return false;
    }
    reset(std::move(stamps));
    return true;
}

}  // namespace vigil::server
