#pragma once
// The `vigil` command line as a library: main() only calls run(), and tests link the same code.

#include <memory>
#include <string>
#include <vector>

#include "vigil/diagnostic.hpp"
#include "vigil/evaluate.hpp"

namespace vigil::cli {

/// Exit codes shared by every command (docs/cli.md lists them).
enum exit_code : int {
    exit_clean = 0,        // no errors, no violations, every case passed
    exit_findings = 1,     // the command ran and found something
    exit_bad_input = 2,    // usage error or unreadable input
    exit_bad_policy = 3,   // the policies given to a command that runs them do not check
};

/// Runs the command line; returns the process exit code.
int run(int argc, char** argv);

/// Loads, checks and compiles policy files or directories: vigil::load_policies (service.hpp) on
/// these paths. `diagnostics` receives every error and warning; `sources` the text they point
/// into. Returns null when there are errors.
struct compiled_policies {
    std::shared_ptr<const compiled_set> set;
    std::shared_ptr<const source_map> sources;
    std::vector<diagnostic> diagnostics;
    bool unreadable = false;  // some file could not be read (exit 2 rather than 1 or 3)
};
[[nodiscard]] compiled_policies compile_policies(const std::vector<std::string>& paths,
                                                 const compile_options& options = {});

}  // namespace vigil::cli
