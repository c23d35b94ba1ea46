// How `vigil serve` treats connections (server/src/transport.cpp): many at once on one thread,
// pipelined requests, clients that go away or send too much, Expect: 100-continue, and shutdown with
// requests in flight. The client writes the bytes of each test itself, so that it can send half a
// request or three at once, and reads the answers with Beast's parser.

// As vigil_server is built, so that the program has one definition of Beast's inline functions.
#define BOOST_BEAST_USE_STD_STRING_VIEW
#include <boost/test/unit_test.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "child.hpp"

using nlohmann::json;
using namespace vigil::test;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using response = http::response<http::string_body>;

// One connection that sends exactly the bytes it is given and reads answers, each step with a
// deadline, so that a server that does not answer fails the test instead of hanging it.
class raw_connection {
public:
    /// With `receive_buffer`, the socket's receive buffer is that small, so that the server can
    /// send no more than a little ahead of what the test reads.
    explicit raw_connection(int port, int receive_buffer = 0) {
        if (receive_buffer > 0) {
            m_stream.socket().open(tcp::v4());
            m_stream.socket().set_option(net::socket_base::receive_buffer_size(receive_buffer));
        }
        m_stream.expires_after(10s);
        m_stream.async_connect(tcp::endpoint(net::ip::address_v4::loopback(), static_cast<std::uint16_t>(port)),
                               [this](beast::error_code ec) { m_error = ec; });
        drive();
        BOOST_REQUIRE_MESSAGE(!m_error, "connect: " << m_error.message());
    }

    void send(const std::string& bytes) {
        m_stream.expires_after(10s);
        net::async_write(m_stream, net::buffer(bytes), [this](beast::error_code ec, std::size_t) { m_error = ec; });
        drive();
        BOOST_REQUIRE_MESSAGE(!m_error, "send: " << m_error.message());
    }

    response receive() {
        response res;
        m_stream.expires_after(10s);
        http::async_read(m_stream, m_buffer, res, [this](beast::error_code ec, std::size_t) { m_error = ec; });
        drive();
        BOOST_REQUIRE_MESSAGE(!m_error, "receive: " << m_error.message());
        return res;
    }

    /// Reads an answer `piece` bytes at a time, `pause` apart: a client on a slow link.
    response receive_slowly(std::size_t piece, std::chrono::milliseconds pause) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        std::size_t since_pause = 0;
        while (!parser.is_done()) {
            if (since_pause >= piece) {
                std::this_thread::sleep_for(pause);
                since_pause = 0;
            }
            beast::error_code ec;
            since_pause += http::read_some(m_stream, m_buffer, parser, ec);
            BOOST_REQUIRE_MESSAGE(
                !ec, "receive: " << ec.message() << " after " << parser.get().body().size() << " bytes of the body");
        }
        return parser.release();
    }

    /// True when the server closes the connection within `deadline` without sending anything.
    bool closed_by_server(std::chrono::seconds deadline) {
        char byte = 0;
        std::size_t got = 0;
        m_stream.expires_after(deadline);
        m_stream.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, std::size_t n) {
            m_error = ec;
            got = n;
        });
        drive();
        return got == 0 && m_buffer.size() == 0 && m_error == net::error::eof;
    }

    /// True when the server closes the connection (an end of stream or a reset) within `deadline`
    /// without sending anything; false when it is still open then.
    /// Waits on the socket itself: the stream's own timeout would close it.
    bool closes_within(std::chrono::milliseconds deadline) {
        pollfd ready{m_stream.socket().native_handle(), POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(deadline.count())) <= 0) return false;
        char byte = 0;
        const ssize_t got = ::recv(ready.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return got == 0 || (got < 0 && errno == ECONNRESET);
    }

    /// Sends `bytes` one at a time, `pause` apart, until the server closes the connection; how long
    /// that took from the first byte, or nothing when it is still open after 10 s or after `bytes`.
    std::optional<std::chrono::milliseconds> trickle_until_closed(const std::string& bytes,
                                                                  std::chrono::milliseconds pause) {
        const auto began = std::chrono::steady_clock::now();
        for (const char byte : bytes) {
            if (std::chrono::steady_clock::now() - began > 10s) break;
            m_stream.expires_after(10s);
            net::async_write(m_stream, net::buffer(&byte, 1),
                             [this](beast::error_code ec, std::size_t) { m_error = ec; });
            drive();
            if (m_error || closes_within(pause))
                return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
        }
        return std::nullopt;
    }

    void close() { m_stream.close(); }

private:
    void drive() {
        m_io.restart();
        m_io.run();
    }

    net::io_context m_io;
    beast::tcp_stream m_stream{m_io};
    beast::flat_buffer m_buffer;
    beast::error_code m_error;
};

std::string head_of_post(const std::string& path, std::size_t length, const std::string& more_headers = "") {
    return "POST " + path +
           " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) +
           "\r\n" + more_headers + "\r\n";
}

std::string post(const std::string& path, const std::string& body) {
    return head_of_post(path, body.size()) + body;
}

std::string get(const std::string& path) {
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

// `body` as one chunk and the last chunk.
std::string chunked_of(const std::string& body) {
    std::ostringstream size;
    size << std::hex << body.size();
    return size.str() + "\r\n" + body + "\r\n0\r\n\r\n";
}

std::string record(const std::string& conversation, int turn) {
    return R"({"id":")" + conversation + "-" + std::to_string(turn) + R"(","conversation_id":")" + conversation +
           R"(","turn":)" + std::to_string(turn) + R"(,"speaker":"user","text":"hello"})";
}

json json_of(const response& res, int status) {
    BOOST_TEST_CONTEXT("answer: " << res.result_int() << " " << res.body()) {
        BOOST_REQUIRE_EQUAL(res.result_int(), static_cast<unsigned>(status));
        BOOST_TEST(res[http::field::content_type] == "application/json");
    }
    return json::parse(res.body());
}

std::string error_code_of(const response& res, int status) {
    return json_of(res, status)["error"]["code"].get<std::string>();
}

}  // namespace

BOOST_AUTO_TEST_CASE(many_connections_are_served_at_once_by_one_thread) {
    served s({"--threads", "1"});
    constexpr int count = 64;
    std::vector<std::unique_ptr<raw_connection>> clients;
    // Every connection has a request half sent before any is complete: one thread serves them all.
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<raw_connection>(s.port));
        clients.back()->send(head_of_post("/v1/decide", record("many-" + std::to_string(i), 1).size()));
    }
    for (int i = count - 1; i >= 0; --i) clients[i]->send(record("many-" + std::to_string(i), 1));
    for (int i = 0; i < count; ++i) {
        const json decision = json_of(clients[i]->receive(), 200);
        BOOST_TEST(decision["record_id"] == "many-" + std::to_string(i) + "-1");
    }
    // Each stays open for its next request.
    for (int i = 0; i < count; ++i) {
        clients[i]->send(post("/v1/decide", record("many-" + std::to_string(i), 2)));
        BOOST_TEST(json_of(clients[i]->receive(), 200)["placement"] == "in_order");
    }
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"200\"}") == 2 * count);
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
    served s;
    raw_connection c(s.port);
    c.send(post("/v1/decide", record("piped", 1)) + get("/healthz") + post("/v1/decide", record("piped", 2)) +
           get("/nowhere"));
    BOOST_TEST(json_of(c.receive(), 200)["placement"] == "first");
    BOOST_TEST(json_of(c.receive(), 200)["status"] == "ok");
    BOOST_TEST(json_of(c.receive(), 200)["placement"] == "in_order");
    BOOST_TEST(error_code_of(c.receive(), 404) == "not_found");
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(clients_that_go_away_do_not_hurt_the_server) {
    served s;
    {
        raw_connection mid_body(s.port);
        mid_body.send(head_of_post("/v1/decide", 1000) + R"({"id":"gone")");
    }
    {
        raw_connection mid_header(s.port);
        mid_header.send("POST /v1/decide HTTP/1.1\r\nContent-Ty");
    }
    {
        // Sends a request and leaves without reading the answer.
        raw_connection deaf(s.port);
        deaf.send(post("/v1/decide", record("deaf", 1)));
    }
    // The deaf client's request was decided all the same, and its conversation goes on.
    const std::string decided = "vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"200\"}";
    BOOST_REQUIRE(eventually([&] { return s.metric(decided) == 1; }, 10s));
    raw_connection c(s.port);
    c.send(post("/v1/decide", record("deaf", 2)));
    BOOST_TEST(json_of(c.receive(), 200)["placement"] == "in_order");
    // The incomplete requests got no answer (none is counted).
    BOOST_TEST(s.metric(decided) == 2);
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"400\"}") == 0);
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(refused_requests_get_a_json_answer_then_the_connection_closes) {
    served s({"--max-body", "4KiB"});

    // The body over the limit keeps coming after the answer: the answer arrives all the same.
    raw_connection too_long(s.port);
    too_long.send(head_of_post("/v1/decide", 200'000));
    too_long.send(std::string(200'000, ' '));
    BOOST_TEST(error_code_of(too_long.receive(), 413) == "body_too_large");
    BOOST_TEST(too_long.closed_by_server(5s));

    raw_connection chunked(s.port);
    chunked.send(
        "POST /v1/decide/batch HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
        "1000\r\n" +
        std::string(0x1000, ' ') + "\r\n1000\r\n" + std::string(0x1000, ' ') + "\r\n0\r\n\r\n");
    BOOST_TEST(error_code_of(chunked.receive(), 413) == "body_too_large");

    raw_connection big_header(s.port);
    big_header.send("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Filler: " + std::string(9000, 'x') + "\r\n\r\n");
    BOOST_TEST(error_code_of(big_header.receive(), 431) == "header_too_large");
    BOOST_TEST(big_header.closed_by_server(5s));

    raw_connection bad_version(s.port);
    bad_version.send("GET /healthz HTTP/2.5\r\nHost: test\r\n\r\n");
    const response refused = bad_version.receive();
    BOOST_TEST(error_code_of(refused, 400) == "bad_request");
    BOOST_TEST(!refused.keep_alive());
    BOOST_TEST(bad_version.closed_by_server(5s));

    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"413\"}") == 1);
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide/batch\",status=\"413\"}") == 1);
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/healthz\",status=\"431\"}") == 1);
    BOOST_TEST(s.terminate() == 0);
}

// A request whose body the server cannot delimit as a proxy in front of it might (RFC 9112 §6) is
// refused and its connection closed: its body must never be read as the next request. Each body
// here is a whole request of its own, which a server that smuggled it would answer with a 404.
BOOST_AUTO_TEST_CASE(requests_framed_other_than_by_length_or_chunked_are_refused_and_closed) {
    served s;
    const std::string smuggled = get("/smuggled");
    const std::string chunked_body = chunked_of(smuggled);
    const std::string head = "POST /v1/decide HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n";
    struct framing {
        std::string headers;
        std::string body;
        int status;
        std::string code;
    };
    const std::vector<framing> refused{
        {"Transfer-Encoding: gzip\r\n", smuggled, 400, "bad_request"},
        {"Transfer-Encoding: chunked, gzip\r\n", smuggled, 400, "bad_request"},
        {"Transfer-Encoding: chunked, chunked\r\n", smuggled, 400, "bad_request"},
        {"Transfer-Encoding: gzip, chunked\r\n", chunked_body, 501, "unsupported_transfer_coding"},
        {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", chunked_body, 501, "unsupported_transfer_coding"},
        {"Transfer-Encoding: gzip\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n", smuggled, 400,
         "bad_request"},
        {"Transfer-Encoding: chunked\r\nContent-Length: " + std::to_string(chunked_body.size()) + "\r\n", chunked_body,
         400, "bad_request"},
        {"Content-Length: " + std::to_string(chunked_body.size()) + "\r\nTransfer-Encoding: chunked\r\n", chunked_body,
         400, "bad_request"},
    };
    for (const framing& f : refused) {
        BOOST_TEST_CONTEXT(f.headers) {
            raw_connection c(s.port);
            c.send(head + f.headers + "\r\n" + f.body);
            const response answer = c.receive();
            BOOST_TEST(error_code_of(answer, f.status) == f.code);
            // The message names what was sent: both framings only when both came.
            const bool both = f.headers.find("Content-Length") != std::string::npos;
            const std::string message = json_of(answer, f.status)["error"]["message"];
            if (f.status == 400)
                BOOST_TEST((message.find("both Content-Length and") != std::string::npos) == both, message);
            BOOST_TEST(!answer.keep_alive());
            BOOST_TEST(c.closed_by_server(5s));
        }
    }
    // HTTP/1.0 has no transfer codings at all.
    raw_connection old(s.port);
    old.send("POST /v1/decide HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
             chunked_body);
    BOOST_TEST(error_code_of(old.receive(), 400) == "bad_request");
    BOOST_TEST(old.closed_by_server(5s));

    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"501\"}") == 2);
    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"other\",status=\"404\"}") == 0);

    // `chunked` alone, in any case, is read as before.
    raw_connection chunked(s.port);
    const std::string body = record("chunked", 1);
    chunked.send(head + "Transfer-Encoding: Chunked\r\n\r\n" + chunked_of(body));
    BOOST_TEST(json_of(chunked.receive(), 200)["record_id"] == "chunked-1");
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(http_details_clients_rely_on) {
    served s;

    // Expect: 100-continue (curl sends it with bodies over 1 KiB) gets the go-ahead at once.
    raw_connection asks_first(s.port);
    const std::string body = record("expecting", 1);
    asks_first.send(head_of_post("/v1/decide", body.size(), "Expect: 100-continue\r\n"));
    BOOST_TEST(asks_first.receive().result_int() == 100u);
    asks_first.send(body);
    BOOST_TEST(json_of(asks_first.receive(), 200)["record_id"] == "expecting-1");

    // A POST without Content-Length has no body (RFC 9112): a reload needs none, a decision does.
    raw_connection no_length(s.port);
    no_length.send("POST /v1/policies/reload HTTP/1.1\r\nHost: test\r\n\r\n");
    BOOST_TEST(json_of(no_length.receive(), 200)["reloaded"] == true);
    no_length.send("POST /v1/decide HTTP/1.1\r\nHost: test\r\n\r\n");
    BOOST_TEST(error_code_of(no_length.receive(), 400) == "empty_body");

    // HEAD is GET without the body; a query string does not change the route.
    auto head = s.http->Head("/healthz");
    BOOST_REQUIRE(head);
    BOOST_TEST(head->status == 200);
    BOOST_TEST(head->body.empty());
    BOOST_TEST(std::stoul(head->get_header_value("Content-Length")) > 0u);
    BOOST_TEST(s.get_json("/healthz?verbose=1")["status"] == "ok");

    // HTTP/1.0 closes after the answer unless asked to keep the connection.
    raw_connection old(s.port);
    old.send("GET /healthz HTTP/1.0\r\n\r\n");
    BOOST_TEST(json_of(old.receive(), 200)["status"] == "ok");
    BOOST_TEST(old.closed_by_server(5s));
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(shutdown_answers_requests_in_flight_and_closes_idle_connections) {
    served s;
    raw_connection idle(s.port);
    idle.send(get("/healthz"));
    BOOST_TEST(json_of(idle.receive(), 200)["status"] == "ok");

    // The go-ahead proves the server has read the request's header: the request is in flight.
    raw_connection busy(s.port);
    const std::string body = record("in-flight", 1);
    busy.send(head_of_post("/v1/decide", body.size(), "Expect: 100-continue\r\n"));
    BOOST_REQUIRE_EQUAL(busy.receive().result_int(), 100u);

    s.process->signal(SIGTERM);
    // Well before the 5 s idle timeout.
    BOOST_TEST(idle.closed_by_server(3s));
    busy.send(body);
    const response last = busy.receive();
    BOOST_TEST(json_of(last, 200)["record_id"] == "in-flight-1");
    BOOST_TEST(!last.keep_alive());
    BOOST_TEST(busy.closed_by_server(5s));
    BOOST_TEST(s.process->wait(20s) == 0);
}

// --client-timeout is a timeout of inactivity: a body that keeps coming is read whole, however
// long it takes, as long as it comes at 16 KiB/s or more on average.
BOOST_AUTO_TEST_CASE(a_body_sent_slowly_but_steadily_is_read_whole) {
    served s({"--client-timeout", "1s"});
    raw_connection c(s.port);
    std::string body = record("slow", 1);
    body.insert(body.find("hello"), std::string(64 * 1024, 'x'));
    c.send(head_of_post("/v1/decide", body.size()));
    const auto began = std::chrono::steady_clock::now();
    constexpr std::size_t piece = 4096;  // ten a second: 40 KiB/s
    for (std::size_t at = 0; at < body.size(); at += piece) {
        std::this_thread::sleep_for(100ms);
        c.send(body.substr(at, piece));
    }
    BOOST_TEST((std::chrono::steady_clock::now() - began > 1500ms));  // past the client timeout
    BOOST_TEST(json_of(c.receive(), 200)["record_id"] == "slow-1");
    BOOST_TEST(s.terminate() == 0);
}

// A client that takes a large answer slowly but steadily gets it whole, however long that takes
// past the client timeout: an answer has a deadline by its length, not the client timeout.
BOOST_AUTO_TEST_CASE(an_answer_taken_slowly_but_steadily_is_written_whole) {
    served s({"--client-timeout", "300ms"});
    std::string batch = "[";
    for (int i = 0; i < 400; ++i) {
        std::string one = record("taken-slowly-" + std::to_string(i), 1);
        one.insert(one.find("hello"), std::string(900, 'x'));
        batch += (i == 0 ? "" : ",") + one;
    }
    batch += "]";
    // With the rules explained, about 6 MB: more than the kernel's buffers take (a send buffer
    // grows to 4 MB; the small receive buffer keeps the client's side from taking much).
    raw_connection c(s.port, 4096);
    c.send(post("/v1/decide/batch?explain", batch));
    const auto began = std::chrono::steady_clock::now();
    const response answer = c.receive_slowly(128 * 1024, 50ms);   // at most 2.6 MB/s
    BOOST_TEST((std::chrono::steady_clock::now() - began > 1s));  // well past the client timeout
    const json decisions = json_of(answer, 200);
    BOOST_TEST(answer.body().size() > 5'000'000u);
    BOOST_REQUIRE(decisions.is_array());
    BOOST_TEST(decisions.size() == 400u);
    BOOST_TEST(s.terminate() == 0);
}

// A client that sends a byte now and then to dodge the client timeout (slowloris) is cut off all
// the same: its request line and headers must come whole within the client timeout, its body
// within the client timeout plus its length at 16 KiB/s. One that sends nothing more is cut off
// by the client timeout.
BOOST_AUTO_TEST_CASE(clients_that_trickle_or_stall_are_cut_off) {
    served s({"--client-timeout", "1s"});

    raw_connection slow_headers(s.port);
    const auto headers = slow_headers.trickle_until_closed(get("/healthz"), 200ms);
    BOOST_REQUIRE(headers.has_value());
    BOOST_TEST(headers->count() < 4000);

    // 1 s, and 1 s for its 8000 bytes (rounded up): cut off at 2 s, not at the client timeout.
    raw_connection slow_body(s.port);
    slow_body.send(head_of_post("/v1/decide", 8000));
    const auto body = slow_body.trickle_until_closed(std::string(8000, ' '), 200ms);
    BOOST_REQUIRE(body.has_value());
    BOOST_TEST(body->count() > 1500);
    BOOST_TEST(body->count() < 6000);

    raw_connection stalled(s.port);
    stalled.send(head_of_post("/v1/decide", 100'000) + R"({"id":"stalled")");
    BOOST_TEST(stalled.closes_within(4s));  // long before its 100 kB would be due at 16 KiB/s

    BOOST_TEST(s.metric("vigil_http_requests_total{endpoint=\"/v1/decide\",status=\"200\"}") == 0);
    BOOST_TEST(s.terminate() == 0);
}

BOOST_AUTO_TEST_CASE(the_client_timeout_is_more_than_0_and_at_most_a_day) {
    const std::pair<std::string, std::string> refused[] = {
        {"0s", "--client-timeout: expected a duration such as 500ms, 5s or 1m"},
        {"5", "--client-timeout: expected a duration such as 500ms, 5s or 1m"},
        {"25h", "`client timeout` must be more than 0 and at most a day"},
    };
    for (const auto& [value, message] : refused) {
        temp_dir dir;
        child server({"serve", "--policy", (source_dir / "policies").string(), "--client-timeout", value}, dir.path(),
                     dir.path() / "out");
        BOOST_TEST(server.wait(20s) == 2, value);
        BOOST_TEST(server.output().find(message) != std::string::npos, server.output());
    }
}

BOOST_AUTO_TEST_CASE(a_second_server_cannot_take_the_port) {
    served first;
    temp_dir dir;
    child second({"serve", "--policy", (source_dir / "policies").string(), "--listen",
                  "127.0.0.1:" + std::to_string(first.port)},
                 dir.path(), dir.path() / "out");
    BOOST_TEST(second.wait(20s) == 2);
    BOOST_TEST(second.output().find("cannot listen") != std::string::npos);
    BOOST_TEST(first.get_json("/healthz")["status"] == "ok");
    BOOST_TEST(first.terminate() == 0);
}
