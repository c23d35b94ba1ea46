#pragma once
// `vigil fmt`: policy files and test files in their canonical layout (vigil/format.hpp), printed,
// checked or written back in place.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace vigil::cli {

struct fmt_command_options {
    std::vector<std::string> paths;  // files, directories (every `*.vigil` and `*.tests` below), or `-`
    bool check = false;              // list the files not in canonical layout; write nothing
    bool write = false;              // rewrite the files not in canonical layout
    bool diff = false;               // show how the files not in canonical layout would change
    std::string stdin_kind;          // what `-` holds: "policy" (when empty) or "tests"
};

/// Adds the `fmt` subcommand to `app`, parsing into `options`.
CLI::App* add_fmt_command(CLI::App& app, fmt_command_options& options);

/// Runs it; returns the exit code (docs/cli.md).
int run_fmt(const fmt_command_options& options);

}  // namespace vigil::cli
