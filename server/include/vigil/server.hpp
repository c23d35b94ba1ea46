#pragma once
// `vigil serve`: live decisions over HTTP/JSON for chat services, on Boost.Beast (header-only,
// Debian's libboost-dev); docs/server.md describes the endpoints, errors, metrics and the decision
// log for the people who run it.
//
// The server owns a policy_store and a session_table (service/): every POST /v1/decide is one turn
// of a live conversation, judged as `vigil replay --reorder-window 0` judges the same turn in a log,
// and every decision is appended to an optional decision log by one writer thread. Reloads (HTTP or
// the file watcher) swap the compiled set atomically; a set that does not check never replaces the
// running one.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
}

namespace vigil::server {

/// A record member the decision log leaves out, for data it should not keep (a person's words,
/// emotion signals kept without consent): removed from the logged record and from the evidence
/// of its findings (the answer to the client keeps it). `path` is a record field as rules name
/// it (`signals`, `user.profile.age`), looked up through objects and through lists into each of
/// their objects (`actions.product`). With `unless`, another field,
/// the member is kept in the records where that field is `true` (`user.consent.emotion_analysis`).
struct log_omission {
    std::string path;
    std::string unless;  // empty: always left out
};

/// Parses `PATH` or `PATH:unless=FIELD`; nothing, with `error` saying why, when the text is not
/// one, or when PATH is a field replay needs to put the log back in order (`conversation_id`,
/// `turn`, `timestamp`).
[[nodiscard]] std::optional<log_omission> parse_log_omission(std::string_view text, std::string& error);

/// How to run a server. The defaults are those of `vigil serve`.
struct options {
    /// Policy files or directories, loaded as `vigil check` loads them; reloads read them again.
    std::vector<std::string> policies;
    /// Where to listen (see parse_listen); port 0 takes any free port (port() tells which).
    std::string host = "127.0.0.1";
    int port = 8181;
    /// When not empty, POST /v1/policies/reload requires `Authorization: Bearer <token>`.
    std::string token;
    /// When not empty, a file of clients, `NAME TOKEN` a line, read by start(): every endpoint that
    /// tells decisions or state (decide, batch, policies; reload when `token` is empty) requires
    /// `Authorization: Bearer <token>` of one of them, and the decision log names the client of
    /// each decision. /healthz and /metrics stay open (docs/server.md says why).
    std::string client_tokens_file;
    /// Both or neither: the server speaks HTTPS only, with this PEM certificate chain (the server's
    /// certificate first) and this PEM private key (not encrypted). Read by start().
    std::string tls_cert_file;
    std::string tls_key_file;
    /// With TLS: every client must present a certificate signed by a CA of this PEM file.
    std::string tls_client_ca_file;
    /// When not empty, every decision is appended to this file as one JSON line.
    std::string decision_log;
    /// The most bytes of decision-log lines that may wait in memory to be written (queued, or held
    /// back while writes to the file fail); past it new lines are dropped and counted.
    std::size_t decision_log_max_waiting = std::size_t{256} << 20;
    /// When decision_log_max_waiting bytes wait: false drops new lines (and counts them); true
    /// keeps every line and answers decide requests with 503 `decision_log_full`, deciding nothing,
    /// until the log is written again (fail closed: nothing decided goes unlogged).
    bool refuse_when_log_full = false;
    /// Record members the decision log leaves out (`--decision-log-omit`), in order.
    std::vector<log_omission> decision_log_omit;
    /// Reload when a policy file (or a file under a policy directory) changes; and read the TLS
    /// files again when one of them changes, keeping the running certificate when the new files
    /// fail.
    bool watch = false;
    /// How often the watcher looks at the files; a change is reloaded once the files have stayed
    /// the same for one more interval (so an editor's several writes make one reload).
    std::chrono::milliseconds watch_interval{1000};
    /// A conversation not fed for this long is closed (session_options::idle).
    std::chrono::milliseconds idle{30 * 60 * 1000};
    /// The most bytes the state of all open conversations may hold (session_options::max_bytes).
    std::size_t max_session_bytes = std::size_t{256} << 20;
    /// The most turns a gap may give up (session_options::max_turn_gap): a turn further ahead of
    /// the turn its conversation waits for gets a 409 `turn_too_far_ahead`. 0: no limit.
    std::uint64_t max_turn_gap = 1000;
    /// A record whose `timestamp` is further than this from the server's clock gets a 422
    /// `timestamp_out_of_range` and is not decided: the timestamp picks the policy versions in
    /// force, and a client's clock must not pick an older one. 0: no limit.
    std::chrono::milliseconds max_clock_skew{0};
    /// Fail closed: an undetermined finding counts as a violation of its rule in the decision, its
    /// rule's remedies applying (undetermined_as::violation, session_options::undetermined).
    bool undetermined_as_violation = false;
    /// The largest request body accepted; a larger one gets a 413.
    std::size_t max_body = std::size_t{1} << 20;
    /// A connection whose client sends nothing of a request's body for this long is closed; so is a
    /// kept-alive connection that waits this long for its next request, whose request line and
    /// headers must all have come by then. A body or an answer of n bytes must be done within this
    /// plus n bytes at 16 KiB/s plus a second, however steadily it comes (docs/server.md, Errors).
    /// More than 0, at most a day.
    std::chrono::milliseconds client_timeout{5000};
    /// The most elements a POST /v1/decide/batch may have; more get a 413 and nothing is decided.
    /// Each answer is a decision of a few KiB, so this, not max_body, bounds a batch answer's size.
    std::size_t max_batch = 1000;
    /// Event-loop threads. Each serves many connections (a connection stays on one thread), so
    /// this is not a limit on the clients served at once. 0: one per core; more than
    /// vigil::max_threads (threads.hpp) is refused by start().
    std::size_t threads = 0;
};

/// Parses `host:port` (`127.0.0.1:8181`, `[::1]:8181`, `localhost:0`); nothing when malformed.
[[nodiscard]] std::optional<std::pair<std::string, int>> parse_listen(std::string_view text);

/// Parses a size in bytes: `1048576`, `512KiB`, `1MiB`, `2GiB` (also KB/MB/GB as powers of 1000);
/// nothing when the text is not one.
[[nodiscard]] std::optional<std::size_t> parse_size(std::string_view text);

/// Exit codes of serve() (the same as every `vigil` command: docs/cli.md).
enum exit_code : int {
    exit_clean = 0,       // served until SIGTERM/SIGINT and shut down cleanly
    exit_bad_input = 2,   // bad settings, an unreadable policy file, a port or log that cannot be opened
    exit_bad_policy = 3,  // the policies do not check
};

/// One server. start() loads the policies, opens the decision log and binds the socket; run()
/// serves until stop(); then run() closes every conversation (their end-of-conversation decisions
/// go to the decision log) and flushes and closes the decision log.
class server {
public:
    server(options opts, std::shared_ptr<spdlog::logger> logger);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Returns exit_clean when the server is ready to run(), or the exit code of the reason it is
    /// not (already logged, with the policy diagnostics).
    [[nodiscard]] int start();
    /// The port bound by start() (useful with port 0).
    [[nodiscard]] int port() const;
    /// Serves until stop(), then shuts down: no new connection is accepted, idle connections are
    /// closed, requests in flight get their answers, conversations are closed, the decision log is
    /// flushed and closed. Returns exit_clean, or exit_bad_input when the decision log lost lines
    /// (dropped while a failing disk held too many back, or still unwritten at the end).
    int run();
    /// Asks run() to return; callable from any thread, any number of times, before or during run().
    void stop();
    /// Loads the policies again, as POST /v1/policies/reload does (trigger `signal`: SIGHUP).
    /// Callable from any thread while the server runs.
    void reload_policies();
    /// Closes the decision log and opens its path again, after a log rotation renamed it
    /// (SIGUSR1); nothing is lost (decision_log::reopen). Callable from any thread.
    void reopen_decision_log();

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

/// `vigil serve`: start(), run() until SIGTERM or SIGINT, shut down; returns the exit code. Blocks
/// SIGTERM and SIGINT in every thread it starts and waits for them on one thread of its own;
/// ignores SIGPIPE (a client that hangs up mid-answer must not end the process).
[[nodiscard]] int serve(const options& opts, std::shared_ptr<spdlog::logger> logger);

}  // namespace vigil::server
