#pragma once
// Files the commands write their results to.

#include <cstdio>
#include <memory>

namespace vigil::cli {

/// Closes a file a command opened, never standard output. A command that must know whether the
/// last bytes reached the file closes it itself (std::fclose(file.release())) and checks.
struct file_closer {
    void operator()(std::FILE* f) const {
        if (f && f != stdout) std::fclose(f);
    }
};

using output_file = std::unique_ptr<std::FILE, file_closer>;

}  // namespace vigil::cli
