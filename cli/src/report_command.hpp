#pragma once
// `vigil report`: the audit report of a replay (report/), one HTML file made from the replay's
// summary JSON and findings file.

#include <cstddef>
#include <string>

namespace CLI {
class App;
}

namespace vigil::cli {

struct report_command_options {
    std::string summary;   // --summary-json of the replay
    std::string findings;  // --findings of the replay, or - for standard input
    std::string output = "-";
    std::string baseline;  // another replay's summary to compare the rules' rates with (empty: none)
    std::size_t examples = 5;
    std::size_t reasons = 20;
};

/// Adds the `report` subcommand to `app`, parsing into `options`.
CLI::App* add_report_command(CLI::App& app, report_command_options& options);

/// Runs it; returns the exit code (docs/cli.md): 0 when the report was written, 2 when an input
/// cannot be read, is malformed or does not match the other, or the report cannot be written.
int run_report(const report_command_options& options);

}  // namespace vigil::cli
