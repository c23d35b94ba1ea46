#include "serve_command.hpp"
#include "vigil/calendar.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "vigil/cli.hpp"
#include "vigil/replay.hpp"
#include "vigil/server.hpp"
#include "validators.hpp"

namespace vigil::cli {

namespace {

// The token is a secret: the file's first line, without surrounding white space.
bool read_token(const std::string& path, std::string& token, std::string& error) {
    // A directory opens as a file that holds nothing: its first line would be called empty.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        error = "it is a directory, not a file";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = std::strerror(errno);
        return false;
    }
    std::getline(in, token);
    const auto first = token.find_first_not_of(" \t\r");
    const auto last = token.find_last_not_of(" \t\r");
    token = first == std::string::npos ? std::string() : token.substr(first, last - first + 1);
    if (token.empty()) {
        error = "the file's first line is empty";
        return false;
    }
    return true;
}

// A duration as parse_duration_ms reads it, more than 0; `examples` for the message.
CLI::Validator positive_duration(const std::string& examples) {
    return CLI::Validator(
        [examples](std::string& text) -> std::string {
            const auto ms = parse_duration_ms(text);
            return ms && *ms > 0 ? "" : "expected a duration such as " + examples;
        },
        "DURATION");
}

}  // namespace

CLI::App* add_serve_command(CLI::App& app, serve_command_options& o) {
    auto* cmd = app.add_subcommand("serve", "decide live turns over HTTP/JSON (docs/server.md)");
    cmd->add_option("--policy,-p", o.policies, "a policy file or directory (repeat for several)")
        ->required()
        ->allow_extra_args(false);
    cmd->add_option("--listen", o.listen, "HOST:PORT to listen on (port 0: any free port, printed at start)")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                return server::parse_listen(text) ? "" : "expected HOST:PORT such as 127.0.0.1:8181";
            },
            "HOST:PORT"))
        ->capture_default_str();
    cmd->add_option("--token-file", o.token_file,
                    "a file whose first line is the bearer token POST /v1/policies/reload requires "
                    "(default: the VIGIL_TOKEN environment variable; none: no token)");
    cmd->add_option("--client-tokens-file", o.client_tokens_file,
                    "a file of clients, `NAME TOKEN` a line, that only its owner may read (mode 600): decide, "
                    "batch and policies then require one's bearer token, and the decision log names the client of "
                    "each decision");
    // The partners are checked by the server, which names both options, not by CLI11's needs().
    cmd->add_option("--tls-cert-file", o.tls_cert_file,
                    "speak HTTPS only, with this PEM certificate chain (the server's certificate first)");
    cmd->add_option("--tls-key-file", o.tls_key_file, "the PEM private key of --tls-cert-file (not encrypted)");
    cmd->add_option("--tls-client-ca-file", o.tls_client_ca_file,
                    "require of every client a certificate signed by a CA of this PEM file (mutual TLS)");
    auto* decision_log = cmd->add_option("--decision-log", o.decision_log,
                                         "append every decision to this file as JSON Lines (replay it with "
                                         "--record-member record)");
    cmd->add_option("--decision-log-max-waiting", o.decision_log_max_waiting,
                    "the most decision-log lines, in bytes, that may wait in memory while the disk refuses "
                    "writes; past it new lines are dropped and counted")
        ->check(size_validator())
        ->capture_default_str();
    cmd->add_option("--decision-log-when-full", o.decision_log_when_full,
                    "once that much waits: drop new lines (and count them), or refuse to decide (503) until the "
                    "log is written again")
        ->check(CLI::IsMember({"drop", "refuse"}))
        ->capture_default_str();
    cmd->add_option("--decision-log-omit", o.decision_log_omit,
                    "leave this record member out of the decision log, record and evidence (text, signals); "
                    "PATH:unless=FIELD keeps it where the record's FIELD is true; repeat for several")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                std::string error;
                return server::parse_log_omission(text, error) ? "" : error;
            },
            "PATH[:unless=FIELD]"))
        ->allow_extra_args(false)
        ->needs(decision_log);
    cmd->add_flag("--watch", o.watch, "reload the policies, the TLS files and the client tokens file when they change");
    cmd->add_option("--idle", o.idle, "close a conversation fed nothing for this long (90s, 30m, 2h)")
        ->check(positive_duration("90s, 30m, 2h or 1d"))
        ->capture_default_str();
    cmd->add_option("--max-session-bytes", o.max_session_bytes,
                    "the most memory the state of open conversations may hold; the least recently fed are "
                    "closed first")
        ->check(size_validator())
        ->capture_default_str();
    cmd->add_option("--max-turn-gap", o.max_turn_gap,
                    "the most turns one turn may skip ahead of the turn its conversation waits for; a turn "
                    "further ahead gets a 409 and is not decided (0: no limit)")
        ->check(whole_number())
        ->capture_default_str();
    cmd->add_option("--max-clock-skew", o.max_clock_skew,
                    "refuse (422) a record whose timestamp is further than this from the server's clock, since "
                    "the timestamp picks the policy versions in force (5m, 1h; 0: no limit)")
        ->check(duration_or_zero())
        ->capture_default_str();
    cmd->add_option("--undetermined-as", o.undetermined_as,
                    "what a rule that cannot be judged (a field it needs is missing) counts as in the decision: "
                    "pass, or violation, its remedies applying (a `block` denies: fail closed)")
        ->check(CLI::IsMember({"pass", "violation"}))
        ->capture_default_str();
    cmd->add_option("--max-body", o.max_body, "the largest request body accepted (413 above)")
        ->check(size_validator())
        ->capture_default_str();
    cmd->add_option("--client-timeout", o.client_timeout,
                    "close a connection whose client sends nothing of a body for this long, or that waits this "
                    "long for its next request and its headers (500ms, 5s, 1m)")
        ->check(positive_duration("500ms, 5s or 1m"))
        ->capture_default_str();
    cmd->add_option("--max-batch", o.max_batch, "the most records one POST /v1/decide/batch may hold (413 above)")
        ->check(whole_number(1))
        ->capture_default_str();
    add_threads_option(*cmd, "--threads", o.threads, "event-loop threads, each serving many connections");
    cmd->add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    return cmd;
}

int run_serve(const serve_command_options& o) {
    auto logger = std::make_shared<spdlog::logger>("vigil", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z vigil %l: %v");
    logger->set_level(spdlog::level::from_str(o.log_level));

    server::options opts;
    opts.policies = o.policies;
    const auto listen = server::parse_listen(o.listen);
    opts.host = listen->first;
    opts.port = listen->second;
    opts.decision_log = o.decision_log;
    opts.client_tokens_file = o.client_tokens_file;
    opts.tls_cert_file = o.tls_cert_file;
    opts.tls_key_file = o.tls_key_file;
    opts.tls_client_ca_file = o.tls_client_ca_file;
    for (const auto& text : o.decision_log_omit) {
        std::string error;
        opts.decision_log_omit.push_back(*server::parse_log_omission(text, error));
    }
    opts.watch = o.watch;
    opts.idle = std::chrono::milliseconds(*parse_duration_ms(o.idle));
    opts.max_session_bytes = *server::parse_size(o.max_session_bytes);
    opts.max_turn_gap = o.max_turn_gap;
    opts.max_clock_skew = std::chrono::milliseconds(*duration_or_zero_ms(o.max_clock_skew));
    opts.undetermined_as_violation = o.undetermined_as == "violation";
    opts.decision_log_max_waiting = *server::parse_size(o.decision_log_max_waiting);
    opts.refuse_when_log_full = o.decision_log_when_full == "refuse";
    opts.max_body = *server::parse_size(o.max_body);
    opts.client_timeout = std::chrono::milliseconds(*parse_duration_ms(o.client_timeout));
    opts.max_batch = o.max_batch;
    opts.threads = o.threads;
    if (!o.token_file.empty()) {
        std::string error;
        if (!read_token(o.token_file, opts.token, error)) {
            logger->error("cannot read the token file `{}`: {}", o.token_file, error);
            return exit_bad_input;
        }
    } else if (const char* env = std::getenv("VIGIL_TOKEN"); env && *env) {
        opts.token = env;
    }
    return server::serve(opts, logger);
}

}  // namespace vigil::cli
