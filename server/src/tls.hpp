#pragma once
// The TLS settings of `vigil serve` as an OpenSSL server context (Boost.Asio's ssl::context):
// HTTPS only, TLS 1.2 at least, and with a client CA, a client certificate signed by it required
// of every connection (mutual TLS). Every file is checked when the context is made, so that a
// mistake stops the start (or a certificate rotation) instead of failing every handshake later.

#include <memory>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace vigil::server {

/// The PEM files of a TLS context; `client_ca` empty: no client certificate asked for.
struct tls_files {
    std::string cert;       // the server's certificate, then its intermediates
    std::string key;        // the private key of the first certificate, not encrypted
    std::string client_ca;  // the CA certificates that sign the clients' certificates
};

/// A server context for `files`; nothing, with `error` naming the option, the file and what went
/// wrong (OpenSSL's own words when it refused the file), when a file cannot be read, does not
/// parse, or the key is not the certificate's.
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_tls_context(const tls_files& files, std::string& error);

/// The files of `files` that are set, for the watcher that rotates certificates.
[[nodiscard]] std::vector<std::string> tls_paths(const tls_files& files);

}  // namespace vigil::server
