#pragma once
// `vigil replay`: historical logs through conversation trackers (replay/), findings to a file,
// a summary to standard error.

#include <cstddef>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace vigil::cli {

struct replay_command_options {
    std::vector<std::string> policies;
    std::vector<std::string> logs;
    std::size_t threads = 0;  // 0: one per core
    std::string idle = "30m";
    std::string resume_within = "0";
    std::size_t reorder_window = 16;
    std::string record_member;  // empty: the lines are the records
    std::string max_line = "16MiB";
    std::string findings = "-";
    std::string summary_json;
    std::vector<std::string> group_by;  // record fields the summary counts findings by
    std::vector<std::string> fail_on;   // what fails the run besides violations (--fail-on)
    bool explain = false;               // each finding carries how its rule came out, and why
    bool profile = false;               // the summary says where the workers' time went
    bool no_hash = false;               // the summary names no SHA-256 of the logs
    std::string from;                   // the audited period's first instant (empty: open), as `effective from`
    std::string until;                  // ... and the instant after it
    std::string log_level = "info";
};

/// Adds the `replay` subcommand to `app`, parsing into `options`.
CLI::App* add_replay_command(CLI::App& app, replay_command_options& options);

/// Runs it; returns the exit code (docs/cli.md).
int run_replay(const replay_command_options& options);

}  // namespace vigil::cli
