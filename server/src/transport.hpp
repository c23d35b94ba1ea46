#pragma once
// The HTTP/1.1 transport of `vigil serve`, on Boost.Beast (header-only, Debian's libboost-dev): one
// listening socket and a few event-loop threads, each running an asio::io_context of its own and
// serving many keep-alive connections. The listening socket hands new connections to the threads in
// turn, and a connection stays on its thread, so that a request takes no strand and no lock.
// Beast's parser reads every request; the transport hands it to one handler as a `request` and
// writes the handler's `answer`, headers and body together (one write when the socket takes it
// whole). With a TLS context (use_tls), every connection first takes the TLS handshake, within the
// client timeout. A client that stops sending is cut off by an inactivity timeout, and one slower
// than a floor rate by a deadline per request body and per answer. Only transport.cpp includes
// Beast.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "exchange.hpp"

namespace spdlog {
class logger;
}

namespace boost::asio::ssl {
class context;
}

namespace vigil::server {

class transport {
public:
    /// The most bytes of a request line and headers; more gets refusal::header_too_large.
    static constexpr std::uint32_t max_header_bytes = 8192;
    /// The slowest a client may send a request's body, or take its answer, on average: each of
    /// the two must be done within the client timeout plus its bytes at this rate plus a second,
    /// however steadily bytes come. So a client that sends a byte now and then to dodge the client
    /// timeout (slowloris) holds a connection no longer than that (70 s for a body of the default
    /// 1 MiB --max-body), while a slow but steady one (128 kbit/s or more) is never cut off.
    static constexpr std::size_t min_client_bytes_per_second = 16 * 1024;

    /// Called on an event-loop thread for every request, the refused ones included
    /// (request::problem); it fills `out` and must not throw. The requests of one connection are
    /// handled one after the other, in the order they came; those of different connections may be
    /// handled at once on different threads. A handler that takes long holds up the other
    /// connections of its thread.
    using handler = std::function<void(const request& req, answer& out)>;

    /// A transport that gives every request to `handle`, refuses bodies over `max_body` bytes and
    /// runs `threads` event-loop threads (at least one). `client_timeout` is an inactivity timeout:
    /// a connection whose client sends no byte of a request's body for that long is closed. It is
    /// also how long a kept-alive connection waits for its next request, the deadline of the
    /// request line and headers, which must all have come by then, and part of the deadlines of a
    /// body and an answer (min_client_bytes_per_second).
    transport(handler handle, std::size_t max_body, std::chrono::milliseconds client_timeout, std::size_t threads,
              std::shared_ptr<spdlog::logger> log);
    ~transport();
    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    /// Makes new connections speak TLS with `context` (make_tls_context), HTTPS only; nothing:
    /// plain HTTP. Callable from any thread, before listen() or while the transport runs (a
    /// certificate rotation): connections open already keep the context they started with.
    void use_tls(std::shared_ptr<boost::asio::ssl::context> context);
    /// Whether new connections speak TLS.
    [[nodiscard]] bool uses_tls() const;

    /// Binds `host:port` (a name, an IPv4 or IPv6 address; port 0: any free port) and listens.
    /// SO_REUSEADDR only, never SO_REUSEPORT: a second server cannot bind the same port. False,
    /// with the reason in `error`, when it cannot.
    [[nodiscard]] bool listen(const std::string& host, int port, std::string& error);
    /// The port listen() bound.
    [[nodiscard]] int port() const;
    /// Serves on the calling thread and threads - 1 more until stop() has taken effect and every
    /// connection has closed.
    void run();
    /// Stops accepting connections, closes the idle ones (waiting for a request) at once, and lets
    /// every request in progress get its answer before its connection closes. Callable from any
    /// thread, any number of times, before or during run() (before, it takes effect when run()
    /// starts).
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

}  // namespace vigil::server
