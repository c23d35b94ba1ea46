// `vigil serve` over TLS and with client tokens (docs/server.md, TLS and client authentication):
// the real binary on a loopback port with the certificates of tests/server/certs/ (README.md
// there), driven by httplib's HTTPS client, by OpenSSL for a client of an old TLS version, and by
// raw sockets for what a good client would not do.

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>
#include <nlohmann/json.hpp>

#include "child.hpp"

using nlohmann::json;
using namespace vigil::test;

namespace {

const fs::path certs = source_dir / "tests" / "server" / "certs";

std::string cert(const std::string& name) {
    return (certs / name).string();
}

const std::string record_1 =
    R"({"id":"t-1","conversation_id":"conv-1","turn":1,"timestamp":"2026-03-02T10:00:00Z","speaker":"ai","text":"Hello, I am an AI assistant.","ai":{"disclosed":true}})";
const std::string record_2 =
    R"({"id":"t-2","conversation_id":"conv-1","turn":2,"timestamp":"2026-03-02T10:00:20Z","speaker":"user","text":"hi"})";

// The first turn of a conversation of its own, so that every request is decided anew.
std::string first_turn(const std::string& conversation) {
    return R"({"id":")" + conversation + R"(-1","conversation_id":")" + conversation +
           R"(","turn":1,"speaker":"user","text":"hi"})";
}

std::vector<std::string> tls_args(std::vector<std::string> more = {}) {
    std::vector<std::string> args{"--tls-cert-file", cert("server.pem"), "--tls-key-file", cert("server.key")};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

/// An HTTPS client that trusts the CA of `trusted` only, and presents `cert_file` when given.
std::unique_ptr<httplib::SSLClient> https_client(int port, const std::string& trusted,
                                                 const std::string& cert_file = {}, const std::string& key_file = {}) {
    auto c = cert_file.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", port)
                               : std::make_unique<httplib::SSLClient>("127.0.0.1", port, cert_file, key_file);
    c->set_ca_cert_path(trusted.c_str());
    c->enable_server_certificate_verification(true);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(10, 0);
    c->set_write_timeout(10, 0);
    return c;
}

httplib::Result decide_over_https(int port, const std::string& record, const std::string& trusted = cert("ca.pem")) {
    return https_client(port, trusted)->Post("/v1/decide", record, "application/json");
}

json error_of(const httplib::Result& res, int status, const std::string& code) {
    BOOST_REQUIRE(res);
    BOOST_TEST_INFO("answer: " << res->status << " " << res->body);
    BOOST_REQUIRE_EQUAL(res->status, status);
    BOOST_TEST(res->get_header_value("Content-Type") == "application/json");
    const json body = json::parse(res->body);
    BOOST_TEST(body["error"]["code"] == code);
    BOOST_TEST(!body["error"]["message"].get<std::string>().empty());
    return body["error"];
}

/// A socket connected to the port on loopback.
int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(static_cast<std::uint16_t>(port));
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0);
    return fd;
}

/// Connects to the port, sends `bytes` (perhaps none) and waits up to `limit` for the server to
/// close the connection: how long it took, or nothing when it stayed open. `received` gets what
/// the server sent.
std::optional<std::chrono::milliseconds> closed_after(int port, const std::string& bytes,
                                                      std::chrono::milliseconds limit, std::string& received) {
    const int fd = connect_to(port);
    const auto start = std::chrono::steady_clock::now();
    if (!bytes.empty()) BOOST_REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size()));
    std::optional<std::chrono::milliseconds> took;
    for (;;) {
        const auto spent = std::chrono::steady_clock::now() - start;
        if (spent >= limit) break;
        pollfd p{fd, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(limit - spent);
        if (::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
        char buffer[4096];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            received.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        break;
    }
    ::close(fd);
    return took;
}

/// Whether a client that speaks TLS `max_version` at most completes a handshake with the server.
/// Its floor is TLS 1.0 and its security level 0, whatever the system's openssl.cnf says, so that
/// OpenSSL lets it offer an old version and only the server can refuse it.
bool handshake_at_most(int port, int max_version) {
    const std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    BOOST_REQUIRE(context);
    SSL_CTX_set_security_level(context.get(), 0);
    BOOST_REQUIRE(SSL_CTX_set_min_proto_version(context.get(), TLS1_VERSION) == 1);
    BOOST_REQUIRE(SSL_CTX_set_max_proto_version(context.get(), max_version) == 1);
    const std::unique_ptr<SSL, void (*)(SSL*)> tls(SSL_new(context.get()), SSL_free);
    const int fd = connect_to(port);
    SSL_set_fd(tls.get(), fd);
    const bool done = SSL_connect(tls.get()) == 1;
    ::close(fd);
    return done;
}

/// One connection kept alive from one request to the next, written and read by hand: httplib
/// would open another without a word when the server had closed it, and these tests must know
/// that every request went on the same one.
class kept_alive {
public:
    explicit kept_alive(int port) : m_fd(connect_to(port)) {}
    ~kept_alive() { ::close(m_fd); }
    kept_alive(const kept_alive&) = delete;
    kept_alive& operator=(const kept_alive&) = delete;

    /// The status of `POST /v1/decide` with `record` and the bearer `token`; the test fails when
    /// the server closed the connection instead of answering.
    int decide(const std::string& token, const std::string& record) {
        const std::string request =
            "POST /v1/decide HTTP/1.1\r\nHost: vigil\r\nAuthorization: Bearer " + token +
            "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(record.size()) + "\r\n\r\n" +
            record;
        BOOST_REQUIRE(::send(m_fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size()));
        std::string answer;
        std::size_t head_end = 0;
        while ((head_end = answer.find("\r\n\r\n")) == std::string::npos) receive_some(answer);
        const std::size_t whole = head_end + 4 + content_length(answer.substr(0, head_end));
        while (answer.size() < whole) receive_some(answer);
        BOOST_REQUIRE_EQUAL(answer.size(), whole);  // one answer to one request
        return std::stoi(answer.substr(std::string_view("HTTP/1.1 ").size(), 3));
    }

private:
    static std::size_t content_length(std::string head) {
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const std::size_t at = head.find("\r\ncontent-length:");
        BOOST_REQUIRE(at != std::string::npos);
        return std::stoul(head.substr(at + std::string_view("\r\ncontent-length:").size()));
    }

    void receive_some(std::string& answer) {
        pollfd ready{m_fd, POLLIN, 0};
        BOOST_REQUIRE_MESSAGE(::poll(&ready, 1, 10'000) == 1, "no answer within 10 s");
        char buffer[4096];
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        BOOST_REQUIRE_MESSAGE(n > 0, "the server closed the kept-alive connection");
        answer.append(buffer, static_cast<std::size_t>(n));
    }

    int m_fd;
};

/// Writes a client tokens file as the server takes it: only its owner may read or write it (git
/// keeps no such mode, so the tests make their files at run time).
void write_secret(const fs::path& path, const std::string& text) {
    write_text(path, text);
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
}

/// Waits until the server's output holds `text` (10 s at most).
void await_log(served& s, const std::string& text) {
    BOOST_REQUIRE_MESSAGE(eventually([&] { return s.process->output().find(text) != std::string::npos; }, 10s),
                          "the server did not log `" << text << "`:\n"
                                                     << s.process->output());
}

/// The message of the first error the server logged (`vigil error: MESSAGE`), or nothing.
std::string error_line(const std::string& out) {
    const std::string_view mark = "vigil error: ";
    const std::size_t at = out.find(mark);
    if (at == std::string::npos) return {};
    const std::size_t from = at + mark.size();
    return out.substr(from, out.find('\n', from) - from);
}

/// How many times the server's output holds `text`.
std::size_t count_in_log(served& s, const std::string& text) {
    const std::string out = s.process->output();
    std::size_t count = 0;
    for (std::size_t at = out.find(text); at != std::string::npos; at = out.find(text, at + 1)) ++count;
    return count;
}

std::vector<json> log_lines(const fs::path& path) {
    std::vector<json> lines;
    std::istringstream in(read_text(path));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
}

// httplib writes with SSL_write, which raises SIGPIPE when the server has closed the connection
// already: under TLS 1.3 a client certificate is refused after the client's side of the handshake
// is done, while the client sends its request. The test must see a failed request, not die.
class sigpipe_ignored {
public:
    sigpipe_ignored() : m_before(::signal(SIGPIPE, SIG_IGN)) {}
    ~sigpipe_ignored() { ::signal(SIGPIPE, m_before); }
    sigpipe_ignored(const sigpipe_ignored&) = delete;
    sigpipe_ignored& operator=(const sigpipe_ignored&) = delete;

private:
    void (*m_before)(int);
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(tls, sigpipe_ignored)

BOOST_AUTO_TEST_CASE(https_decides_and_plain_http_gets_a_clear_refusal) {
    served s(tls_args());
    const std::string started = s.process->output();
    BOOST_TEST(started.find("listening on https://127.0.0.1:") != std::string::npos, started);
    BOOST_TEST(started.find("; tls: on; client tokens: off;") != std::string::npos, started);

    auto res = decide_over_https(s.port, record_1);
    BOOST_REQUIRE_MESSAGE(res, "HTTPS request failed: " << httplib::to_string(res.error()));
    BOOST_TEST(res->status == 200);
    BOOST_TEST(json::parse(res->body)["decision"] == "allow");

    // A client that does not trust the server's CA does not get through.
    BOOST_TEST(!decide_over_https(s.port, record_2, cert("other-ca.pem")));

    // Plain HTTP to the TLS port: an answer in plain HTTP that says why, and the connection closes.
    const json error = error_of(s.post("/v1/decide", record_2), 400, "tls_required");
    BOOST_TEST(error["message"].get<std::string>().find("HTTPS only") != std::string::npos);
    // Counted as the other requests that could not be read.
    const auto metrics = https_client(s.port, cert("ca.pem"))->Get("/metrics");
    BOOST_REQUIRE(metrics);
    BOOST_TEST(
        metrics->body.find("vigil_http_requests_total{endpoint=\"other\",status=\"400\"} 1\n") != std::string::npos,
        metrics->body);

    // The server serves on.
    res = decide_over_https(s.port, record_2);
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(json::parse(res->body)["placement"] == "in_order");
    BOOST_TEST(s.terminate() == 0);
    BOOST_TEST(s.process->output().find("TLS handshake with 127.0.0.1 failed: http request") != std::string::npos,
               s.process->output());
}

// Neither a client that sends nothing nor one that starts a handshake and stalls holds a connection
// past the client timeout; one that speaks plain HTTP is answered and let go at once.
BOOST_AUTO_TEST_CASE(stalled_handshakes_and_plain_http_do_not_hold_a_connection) {
    served s(tls_args({"--client-timeout", "500ms"}));
    for (const std::string& sent : {std::string(), std::string("\x16\x03\x01\x02\x00", 5)}) {
        BOOST_TEST_CONTEXT("sent " << sent.size() << " bytes") {
            std::string received;
            const auto took = closed_after(s.port, sent, 5s, received);
            BOOST_REQUIRE_MESSAGE(took, "the connection was still open after 5 s");
            BOOST_TEST(took->count() >= 450, took->count() << " ms");
            BOOST_TEST(took->count() < 3000, took->count() << " ms");
            BOOST_TEST(received.empty(), received);
        }
    }
    // Plain HTTP that promises a body and never sends it: answered at once, then the server stops
    // sending, and the client sees the end of the connection.
    std::string received;
    const auto took = closed_after(s.port, "POST /v1/decide HTTP/1.1\r\nHost: vigil\r\nContent-Length: 100000\r\n\r\n{",
                                   5s, received);
    BOOST_REQUIRE_MESSAGE(took, "the connection was still open after 5 s");
    BOOST_TEST(took->count() < 450, took->count() << " ms");
    BOOST_TEST(received.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0u, received);
    BOOST_TEST(received.find(R"("code":"tls_required")") != std::string::npos, received);
    auto res = decide_over_https(s.port, record_1);
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(mutual_tls_takes_only_clients_of_the_client_ca) {
    served s(tls_args({"--tls-client-ca-file", cert("ca.pem")}));
    BOOST_TEST(s.process->output().find("; tls: on, client certificates required;") != std::string::npos,
               s.process->output());

    const auto post = [&](const std::string& cert_file, const std::string& key_file, const std::string& record) {
        return https_client(s.port, cert("ca.pem"), cert_file, key_file)
            ->Post("/v1/decide", record, "application/json");
    };
    BOOST_TEST(!post("", "", record_1), "a client without a certificate got through");
    BOOST_TEST(!post(cert("other-client.pem"), cert("other-client.key"), record_1),
               "a client with a certificate of another CA got through");
    auto res = post(cert("client.pem"), cert("client.key"), record_1);
    BOOST_REQUIRE_MESSAGE(res, "the right client was refused: " << httplib::to_string(res.error()));
    BOOST_TEST(res->status == 200);
    BOOST_TEST(json::parse(res->body)["placement"] == "first");  // the refused ones decided nothing

    BOOST_TEST(s.terminate() == 0);
    const std::string log = s.process->output();
    BOOST_TEST(log.find("TLS handshake with 127.0.0.1 failed: peer did not return a certificate") != std::string::npos,
               log);
    BOOST_TEST(log.find("TLS handshake with 127.0.0.1 failed: certificate verify failed") != std::string::npos, log);
}

// One option without its partner, a file that cannot be read or is not what it should be: exit 2,
// a message naming the option, the file and what OpenSSL said, and nothing listening. OpenSSL's
// part is matched by its reason alone: its error codes and library names change between versions.
BOOST_AUTO_TEST_CASE(tls_files_that_cannot_serve_stop_the_start) {
    temp_dir dir;
    write_text(dir.path() / "not-pem.txt", "this is not a certificate\n");
    fs::create_directory(dir.path() / "folder");
    struct bad_start {
        std::vector<std::string> args;
        // The whole message, or, when it ends with `(OpenSSL: `, all of it before OpenSSL's errors.
        std::string message;
        std::string openssl_reason = {};  // a reason OpenSSL gave, among its errors (empty: any)
    };
    const std::vector<bad_start> cases{
        {{"--tls-cert-file", cert("server.pem")},
         "--tls-cert-file needs --tls-key-file, the private key of the certificate"},
        {{"--tls-key-file", cert("server.key")}, "--tls-key-file needs --tls-cert-file, the certificate of the key"},
        {{"--tls-client-ca-file", cert("ca.pem")},
         "--tls-client-ca-file needs --tls-cert-file and --tls-key-file: client certificates are asked for in the "
         "TLS handshake"},
        {{"--tls-cert-file", "missing.pem", "--tls-key-file", cert("server.key")},
         "--tls-cert-file `missing.pem`: cannot read it: No such file or directory"},
        {{"--tls-cert-file", "folder", "--tls-key-file", cert("server.key")},
         "--tls-cert-file `folder`: cannot read it: it is a directory, not a file"},
        {{"--tls-cert-file", "not-pem.txt", "--tls-key-file", cert("server.key")},
         "--tls-cert-file `not-pem.txt`: not a PEM certificate chain (OpenSSL: ",
         "no start line"},
        {{"--tls-cert-file", cert("server.pem"), "--tls-key-file", "missing.key"},
         "--tls-key-file `missing.key`: cannot read it: No such file or directory"},
        {{"--tls-cert-file", cert("server.pem"), "--tls-key-file", cert("server.pem")},
         "--tls-key-file `" + cert("server.pem") + "`: not a PEM private key (unencrypted) (OpenSSL: "},
        // The server has no terminal to ask for a passphrase.
        {{"--tls-cert-file", cert("server.pem"), "--tls-key-file", cert("encrypted-server.key")},
         "--tls-key-file `" + cert("encrypted-server.key") +
             "`: the private key is encrypted, and the server has no terminal to ask for its passphrase: decrypt it "
             "(`openssl pkey -in " +
             cert("encrypted-server.key") + " -out KEY`) into a file only the server may read"},
        {{"--tls-cert-file", cert("server.pem"), "--tls-key-file", cert("client.key")},
         "--tls-key-file `" + cert("client.key") +
             "`: not the private key of the certificate of --tls-cert-file (OpenSSL: ",
         "key values mismatch"},
        {{"--tls-cert-file", cert("server.pem"), "--tls-key-file", cert("server.key"), "--tls-client-ca-file",
          "not-pem.txt"},
         "--tls-client-ca-file `not-pem.txt`: not PEM CA certificates (OpenSSL: ",
         "no certificate or crl found"},
    };
    for (const auto& [tls_options, message, openssl_reason] : cases) {
        std::vector<std::string> args{"serve", "--policy", (source_dir / "policies").string(), "--listen",
                                      "127.0.0.1:0"};
        args.insert(args.end(), tls_options.begin(), tls_options.end());
        BOOST_TEST_CONTEXT(message) {
            child c(args, dir.path(), dir.path() / "out");
            BOOST_TEST(c.wait(20s) == 2);
            const std::string out = c.output();
            const std::string error = error_line(out);
            if (message.ends_with("(OpenSSL: ")) {
                BOOST_TEST(error.rfind(message, 0) == 0u, out);
                BOOST_TEST(error.find(openssl_reason, message.size()) != std::string::npos, out);
                BOOST_TEST(error.ends_with(')'), out);
            } else {
                BOOST_TEST(error == message, out);
            }
            BOOST_TEST(out.find("listening") == std::string::npos, out);
        }
    }
}

// TLS 1.2 at least: a client that offers TLS 1.1 at most is refused in the handshake, and the
// refusal is logged. A TLS 1.2 client of the same making gets through, so the refusal is of the
// version.
BOOST_AUTO_TEST_CASE(a_client_of_tls_1_1_is_refused) {
    served s(tls_args());
    BOOST_TEST(handshake_at_most(s.port, TLS1_2_VERSION));
    BOOST_TEST(!handshake_at_most(s.port, TLS1_1_VERSION), "a TLS 1.1 client completed the handshake");
    BOOST_TEST(s.terminate() == 0);
    BOOST_TEST(
        s.process->output().find("TLS handshake with 127.0.0.1 failed: unsupported protocol") != std::string::npos,
        s.process->output());
}

// With --watch, new connections take a changed certificate; a broken one leaves the running one.
BOOST_AUTO_TEST_CASE(a_rotated_certificate_is_taken_and_a_broken_one_is_not) {
    temp_dir dir;
    const fs::path cert_file = dir.path() / "server.pem";
    const fs::path key_file = dir.path() / "server.key";
    fs::copy_file(cert("server.pem"), cert_file);
    fs::copy_file(cert("server.key"), key_file);
    served s({"--watch", "--tls-cert-file", cert_file.string(), "--tls-key-file", key_file.string()});

    // A certificate of another key, its key not there yet: the pair does not match.
    fs::copy_file(cert("rotated-server.pem"), cert_file, fs::copy_options::overwrite_existing);
    BOOST_REQUIRE_MESSAGE(
        eventually(
            [&] { return s.process->output().find("TLS files changed but cannot be used") != std::string::npos; }, 10s),
        s.process->output());
    BOOST_TEST(s.process->output().find("key values mismatch") != std::string::npos, s.process->output());
    auto res = decide_over_https(s.port, record_1);
    BOOST_REQUIRE_MESSAGE(res, "the running certificate was dropped: " << httplib::to_string(res.error()));
    BOOST_TEST(res->status == 200);

    fs::copy_file(cert("rotated-server.key"), key_file, fs::copy_options::overwrite_existing);
    BOOST_REQUIRE_MESSAGE(
        eventually(
            [&] { return s.process->output().find("new connections take the new certificate") != std::string::npos; },
            10s),
        s.process->output());
    res = decide_over_https(s.port, record_2, cert("other-ca.pem"));
    BOOST_REQUIRE_MESSAGE(res, "the new certificate is not served: " << httplib::to_string(res.error()));
    BOOST_TEST(res->status == 200);
    BOOST_TEST(!decide_over_https(s.port, record_2));
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_tokens)

BOOST_AUTO_TEST_CASE(decide_endpoints_need_a_client_token_and_the_log_names_the_client) {
    temp_dir secrets;
    write_secret(secrets.path() / "clients",
                 "# who may ask for decisions\n\nchat-frontend  f7c1-token-of-the-frontend\n"
                 "   \t\nqa-bot\tq4-token-of-the-bot\r\n");
    served s({"--client-tokens-file", (secrets.path() / "clients").string(), "--decision-log", "decisions.jsonl"});
    BOOST_TEST(s.process->output().find("; client tokens: 2 clients;") != std::string::npos, s.process->output());

    const httplib::Headers none;
    const httplib::Headers wrong{{"Authorization", "Bearer f7c1-token-of-the-frontenD"}};
    const httplib::Headers basic{{"Authorization", "Basic Zjdj"}};
    const httplib::Headers frontend{{"Authorization", "Bearer f7c1-token-of-the-frontend"}};
    const httplib::Headers bot{{"Authorization", "bearer q4-token-of-the-bot"}};
    for (const auto* headers : {&none, &wrong, &basic}) {
        for (const std::string path : {"/v1/decide", "/v1/decide/batch", "/v1/policies/reload"}) {
            BOOST_TEST_CONTEXT(path) {
                auto res = s.http->Post(path.c_str(), *headers, "[" + record_1 + "]", "application/json");
                error_of(res, 401, "unauthorized");
                BOOST_TEST(res->get_header_value("WWW-Authenticate") == R"(Bearer realm="vigil")");
            }
        }
        error_of(s.http->Get("/v1/policies", *headers), 401, "unauthorized");
    }
    const json wrong_error =
        error_of(s.http->Post("/v1/decide", wrong, record_1, "application/json"), 401, "unauthorized");
    BOOST_TEST(wrong_error["message"] == "the bearer token is not that of a client (--client-tokens-file)");
    // Load balancers and scrapers send no token.
    BOOST_TEST(s.get("/healthz")->status == 200);
    BOOST_TEST(s.get("/metrics")->status == 200);
    BOOST_TEST(s.metric(R"(vigil_http_requests_total{endpoint="/v1/decide",status="401"})") == 4.0);

    auto res = s.http->Post("/v1/decide", frontend, record_1, "application/json");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    res = s.http->Post("/v1/decide/batch", bot, "[" + record_2 + "]", "application/json");
    BOOST_REQUIRE(res);
    BOOST_TEST(res->status == 200);
    BOOST_TEST(s.http->Get("/v1/policies", bot)->status == 200);
    BOOST_TEST(s.http->Post("/v1/policies/reload", frontend, "", "application/json")->status == 200);
    BOOST_TEST(s.terminate() == 0);

    const std::string log = s.process->output();
    BOOST_TEST(log.find("refused POST /v1/decide from 127.0.0.1: no bearer token") != std::string::npos, log);
    BOOST_TEST(log.find("refused GET /v1/policies from 127.0.0.1: wrong bearer token") != std::string::npos, log);
    BOOST_TEST(log.find("f7c1-token") == std::string::npos, "a token is in the server's log:\n" << log);
    std::vector<std::string> clients;
    for (const json& line : log_lines(s.dir.path() / "decisions.jsonl")) {
        if (line.contains("record")) clients.push_back(line.value("client", "(none)"));
    }
    BOOST_TEST(clients == (std::vector<std::string>{"chat-frontend", "qa-bot"}), boost::test_tools::per_element());
}

// The reload token, when given, still guards reload alone; and without client tokens nothing asks
// for one and the decision log has no `client` member.
BOOST_AUTO_TEST_CASE(without_client_tokens_nothing_changes) {
    served s({"--decision-log", "decisions.jsonl"});
    BOOST_TEST(s.post("/v1/decide", record_1)->status == 200);
    BOOST_TEST(s.get("/v1/policies")->status == 200);
    BOOST_TEST(s.terminate() == 0);
    const auto lines = log_lines(s.dir.path() / "decisions.jsonl");
    BOOST_REQUIRE(!lines.empty());
    BOOST_TEST(!lines.front().contains("client"), lines.front().dump());

    temp_dir secrets;
    write_secret(secrets.path() / "clients", "frontend client-token\n");
    write_text(secrets.path() / "token", "reload-token\n");
    served both({"--client-tokens-file", (secrets.path() / "clients").string(), "--token-file",
                 (secrets.path() / "token").string()});
    const httplib::Headers client{{"Authorization", "Bearer client-token"}};
    const httplib::Headers reloader{{"Authorization", "Bearer reload-token"}};
    error_of(both.http->Post("/v1/policies/reload", client, "", "application/json"), 401, "unauthorized");
    BOOST_TEST(both.http->Post("/v1/policies/reload", reloader, "", "application/json")->status == 200);
    error_of(both.http->Post("/v1/decide", reloader, record_1, "application/json"), 401, "unauthorized");
    BOOST_TEST(both.http->Post("/v1/decide", client, record_1, "application/json")->status == 200);
    BOOST_TEST(both.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(a_client_tokens_file_that_cannot_be_read_stops_the_start) {
    temp_dir dir;
    const std::vector<std::pair<std::string, std::string>> cases{
        {"a b c\n", "tokens:1: expected `NAME TOKEN`, got 3 words"},
        {"# clients\n\nlonely\n", "tokens:3: expected `NAME TOKEN`, got 1 word"},
        {"a one\nb two\na three\n", "tokens:3: the client `a` is named twice"},
        {"a one\nb one\n", "tokens:2: the client `b` has the token of `a`; each client needs a token of its own"},
        {"caf\xc3\xa9 one\n", "tokens:1: the client name `caf\xc3\xa9` may hold only letters, digits and `-_.@:`"},
        {"# nobody yet\n", "tokens: no client in the file (`NAME TOKEN` a line)"},
    };
    const std::string policies = (source_dir / "policies").string();
    for (const auto& [text, message] : cases) {
        BOOST_TEST_CONTEXT(message) {
            write_secret(dir.path() / "tokens", text);
            child c({"serve", "--policy", policies, "--listen", "127.0.0.1:0", "--client-tokens-file", "tokens"},
                    dir.path(), dir.path() / "out");
            BOOST_TEST(c.wait(20s) == 2);
            BOOST_TEST(c.output().find("vigil error: --client-tokens-file " + message) != std::string::npos,
                       c.output());
            BOOST_TEST(c.output().find("listening") == std::string::npos, c.output());
        }
    }
    child c({"serve", "--policy", policies, "--listen", "127.0.0.1:0", "--client-tokens-file", "nowhere"}, dir.path(),
            dir.path() / "out");
    BOOST_TEST(c.wait(20s) == 2);
    BOOST_TEST(c.output().find("vigil error: --client-tokens-file `nowhere`: cannot read it: ") != std::string::npos,
               c.output());
}

// As OpenSSH refuses a private key that others can read: the tokens are secrets.
BOOST_AUTO_TEST_CASE(a_client_tokens_file_others_may_read_or_write_stops_the_start) {
    temp_dir dir;
    const std::string policies = (source_dir / "policies").string();
    for (const fs::perms mode : {fs::perms(0644), fs::perms(0640), fs::perms(0620), fs::perms(0604), fs::perms(0602)}) {
        const std::string octal = (std::ostringstream() << '0' << std::oct << static_cast<unsigned>(mode)).str();
        BOOST_TEST_CONTEXT("mode " << octal) {
            write_secret(dir.path() / "tokens", "frontend client-token\n");
            fs::permissions(dir.path() / "tokens", mode, fs::perm_options::replace);
            child c({"serve", "--policy", policies, "--listen", "127.0.0.1:0", "--client-tokens-file", "tokens"},
                    dir.path(), dir.path() / "out");
            BOOST_TEST(c.wait(20s) == 2);
            BOOST_TEST(error_line(c.output()) == "--client-tokens-file `tokens`: its mode " + octal +
                                                     " lets group or others read or write it, and its tokens are "
                                                     "secrets: run `chmod 600 tokens`",
                       c.output());
            BOOST_TEST(c.output().find("listening") == std::string::npos, c.output());
        }
    }
    // Its owner alone may read it: the server starts.
    for (const fs::perms mode : {fs::perms(0600), fs::perms(0400)}) {
        fs::permissions(dir.path() / "tokens", mode, fs::perm_options::replace);
        child c({"serve", "--policy", policies, "--listen", "127.0.0.1:0", "--client-tokens-file", "tokens"},
                dir.path(), dir.path() / "out");
        BOOST_TEST(c.wait_for_port(20s) > 0, c.output());
    }
}

// With --watch, a changed tokens file is taken by the next request, also on a connection kept
// alive from before: a token removed is refused, a token added let in.
BOOST_AUTO_TEST_CASE(a_changed_client_tokens_file_is_taken_by_the_next_request) {
    temp_dir secrets;
    const fs::path clients = secrets.path() / "clients";
    write_secret(clients, "frontend first-token\nqa-bot bot-token\n");
    served s({"--watch", "--client-tokens-file", clients.string(), "--client-timeout", "60s"});
    kept_alive connection(s.port);
    BOOST_TEST(connection.decide("first-token", first_turn("a")) == 200);

    write_secret(clients, "frontend second-token-of-the-frontend\nqa-bot bot-token\n");
    await_log(s, "client tokens file changed: 2 clients, taken by the next request of every connection");
    BOOST_TEST(connection.decide("first-token", first_turn("b")) == 401);
    BOOST_TEST(connection.decide("second-token-of-the-frontend", first_turn("c")) == 200);
    BOOST_TEST(connection.decide("bot-token", first_turn("d")) == 200);
    BOOST_TEST(s.terminate() == 0);
}

// With --watch, a tokens file that cannot be used when it changes leaves the running clients, and
// the reason is logged as at start; the next change is tried again.
BOOST_AUTO_TEST_CASE(a_changed_client_tokens_file_that_cannot_be_used_keeps_the_running_clients) {
    temp_dir secrets;
    const fs::path clients = secrets.path() / "clients";
    write_secret(clients, "frontend first-token\n");
    served s({"--watch", "--client-tokens-file", clients.string()});
    const httplib::Headers first{{"Authorization", "Bearer first-token"}};
    const httplib::Headers second{{"Authorization", "Bearer second-token"}};
    const std::string kept = "client tokens file changed but cannot be used, the running clients stay: ";

    write_secret(clients, "frontend first-token\nlonely\n");
    await_log(s, kept + "--client-tokens-file " + clients.string() + ":2: expected `NAME TOKEN`, got 1 word");
    BOOST_TEST(s.http->Post("/v1/decide", first, first_turn("w1"), "application/json")->status == 200);

    write_secret(clients, "frontend second-token\n");
    fs::permissions(clients, fs::perms(0640), fs::perm_options::replace);
    await_log(s, kept + "--client-tokens-file `" + clients.string() + "`: its mode 0640 lets group or others " +
                     "read or write it, and its tokens are secrets: run `chmod 600 " + clients.string() + "`");
    BOOST_TEST(s.http->Post("/v1/decide", first, first_turn("w2"), "application/json")->status == 200);
    error_of(s.http->Post("/v1/decide", second, first_turn("w3"), "application/json"), 401, "unauthorized");

    // A chmod changes no modification time, and is seen all the same.
    fs::permissions(clients, fs::perms(0600), fs::perm_options::replace);
    await_log(s, "client tokens file changed: 1 client, taken by the next request");
    error_of(s.http->Post("/v1/decide", first, first_turn("w4"), "application/json"), 401, "unauthorized");
    BOOST_TEST(s.http->Post("/v1/decide", second, first_turn("w5"), "application/json")->status == 200);

    fs::remove(clients);
    await_log(s, kept + "--client-tokens-file `" + clients.string() + "`: cannot read it: No such file or directory");
    BOOST_TEST(s.http->Post("/v1/decide", second, first_turn("w6"), "application/json")->status == 200);
    BOOST_TEST(count_in_log(s, "client tokens file changed: ") == 1u, s.process->output());
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
