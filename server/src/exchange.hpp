#pragma once
// What the handlers of `vigil serve` see of an HTTP request and give back: plain values and no type
// of an HTTP library, so that the router and the handlers (server.cpp) do not depend on the
// transport (transport.hpp) and the transport knows nothing of the endpoints.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::server {

/// Why the transport could not read a request. The request is answered all the same (with an
/// error), then its connection is closed: what follows it on the connection cannot be trusted.
enum class refusal : std::uint8_t {
    body_too_large,    // the body is over the limit (--max-body)
    header_too_large,  // the request line and headers are over transport::max_header_bytes
    malformed,         // not HTTP/1.0 or HTTP/1.1
    /// Where the body ends cannot be told for sure (RFC 9112 §6.3): Transfer-Encoding does not end
    /// with `chunked`, applies it twice, or comes in an HTTP/1.0 request.
    unframed_body,
    /// Transfer-Encoding and Content-Length both (RFC 9112 §6.3): they may disagree.
    framed_twice,
    /// Transfer-Encoding applies a coding other than `chunked` (RFC 9112 §6.1: 501).
    unknown_transfer_coding,
    /// Plain HTTP on a port that speaks TLS only; the request was not read (and no TLS agreed).
    tls_required,
};

/// One request. The views stay valid while the handler runs, no longer.
struct request {
    std::string_view method;         // as sent: "GET", "POST", ... (a HEAD arrives as a GET)
    std::string_view path;           // the target without its query
    std::string_view query;          // what follows the target's `?`, without it; empty when none
    std::string_view content_type;   // empty when absent
    std::string_view authorization;  // empty when absent
    std::string_view body;
    std::string_view remote;  // the client's address, for the log
    /// Set when the transport could not read the request; then method and path are what it read
    /// before it gave up (possibly nothing) and the body is empty.
    std::optional<refusal> problem;
};

/// One answer.
struct answer {
    int status = 200;
    std::string body;
    std::string_view content_type = "application/json";        // static text
    std::vector<std::pair<std::string, std::string>> headers;  // more headers: Allow, WWW-Authenticate
};

}  // namespace vigil::server
