#pragma once
// Files the commands write their results to.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

namespace vigil::cli {

/// Closes a file a command opened, never standard output. A command that must know whether the
/// last bytes reached the file closes it itself (std::fclose(file.release())) and checks.
struct file_closer {
    void operator()(std::FILE* f) const {
        if (f && f != stdout) std::fclose(f);
    }
};

using output_file = std::unique_ptr<std::FILE, file_closer>;

/// Whether two paths name one file: the same path, or the same file under another name (a link,
/// `./`, `..`). A file that is not a regular one (/dev/null, a pipe) is not emptied by writing it.
inline bool same_file(const std::string& a, const std::string& b) {
    if (a == "-" || b == "-") return false;
    struct stat sa {};
    struct stat sb {};
    const bool a_exists = ::stat(a.c_str(), &sa) == 0, b_exists = ::stat(b.c_str(), &sb) == 0;
    if ((a_exists && !S_ISREG(sa.st_mode)) || (b_exists && !S_ISREG(sb.st_mode))) return false;
    if (a_exists && b_exists && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) return true;
    std::error_code ignored;
    return std::filesystem::absolute(a, ignored).lexically_normal() ==
           std::filesystem::absolute(b, ignored).lexically_normal();
}

/// Why `path` cannot be opened for writing, found without creating or emptying it; empty when it
/// can.
inline std::string cannot_write(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return std::strerror(EISDIR);
        return ::access(path.c_str(), W_OK) == 0 ? "" : std::strerror(errno);
    }
    if (errno != ENOENT) return std::strerror(errno);
    const std::string dir =
        std::filesystem::path(path).has_parent_path() ? std::filesystem::path(path).parent_path().string() : ".";
    if (::stat(dir.c_str(), &st) != 0) return std::strerror(errno);
    if (!S_ISDIR(st.st_mode)) return std::strerror(ENOTDIR);
    return ::access(dir.c_str(), W_OK | X_OK) == 0 ? "" : std::strerror(errno);
}

}  // namespace vigil::cli
