#pragma once
// `vigil serve`: live decisions over HTTP/JSON. The server lives in server/ (vigil/server.hpp);
// this file only turns the command line into its options.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace vigil::cli {

struct serve_command_options {
    std::vector<std::string> policies;
    std::string listen = "127.0.0.1:8181";
    std::string token_file;  // empty: the token comes from VIGIL_TOKEN, if set
    std::string client_tokens_file;
    std::string tls_cert_file;
    std::string tls_key_file;
    std::string tls_client_ca_file;
    std::string decision_log;
    bool watch = false;
    std::string idle = "30m";
    std::string max_session_bytes = "256MiB";
    std::string max_clock_skew = "0";
    std::uint64_t max_turn_gap = 1000;  // 0: no limit
    std::string undetermined_as = "pass";
    std::string decision_log_max_waiting = "256MiB";
    std::string decision_log_when_full = "drop";
    std::vector<std::string> decision_log_omit;  // PATH or PATH:unless=FIELD
    std::string max_body = "1MiB";
    std::string client_timeout = "5s";
    std::size_t max_batch = 1000;
    std::size_t threads = 0;  // 0: the server's default
    std::string log_level = "info";
};

/// Adds the `serve` subcommand to `app`, parsing into `options`.
CLI::App* add_serve_command(CLI::App& app, serve_command_options& options);

/// Runs it until SIGTERM or SIGINT; returns the exit code (docs/cli.md).
int run_serve(const serve_command_options& options);

}  // namespace vigil::cli
