#pragma once
// `vigil test`: the cases of policy test files (policytest/), a report on standard output,
// JUnit XML on request.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace vigil::cli {

struct test_command_options {
    std::vector<std::string> paths;
    std::string junit;  // where to write JUnit XML; empty: nowhere
    std::string run;    // an RE2 regular expression: only the cases whose name it matches run; empty: all
    bool coverage_strict = false;
};

/// Adds the `test` subcommand to `app`, parsing into `options`.
CLI::App* add_test_command(CLI::App& app, test_command_options& options);

/// Runs it; returns the exit code (docs/cli.md).
int run_test(const test_command_options& options);

}  // namespace vigil::cli
