#include "transport.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace vigil::server {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
// Each event-loop thread runs an io_context of its own, and a connection stays on one: its
// handlers never run on two threads at once, with no strand. The executor type is spelled out, not
// type-erased (asio::any_io_executor), which would cost an indirection at every step.
using executor = net::io_context::executor_type;
using socket_type = tcp::socket::rebind_executor<executor>::other;
using tcp_stream = beast::basic_stream<tcp, executor>;
using tls_stream = beast::ssl_stream<tcp_stream>;

using clock_type = std::chrono::steady_clock;
// How long a connection whose request was refused is drained before it is closed (see linger()).
constexpr auto linger_timeout = std::chrono::seconds(2);
constexpr std::size_t drain_chunk = 4096;
// The read buffer's room from the start: Beast reads as much as the buffer has room for (but at
// least 512 bytes), so a buffer made as it goes would take a request of 1 KB in three reads.
constexpr std::size_t read_room = 16384;
// How long to wait before accepting again after accept() failed (out of file descriptors, mostly),
// and how often to say so at most.
constexpr auto accept_pause = std::chrono::milliseconds(100);
constexpr auto accept_report_interval = std::chrono::seconds(1);
// The HTTP version of an answer to a request that could not be read: Beast's number for 1.1.
constexpr unsigned http_1_1 = 11;

// The parser's errors, the ones answered with a refusal: the client sent something that is not
// HTTP, or too much of it. An end of stream or a partial message (the client went away), a reset
// or a timeout leave nobody to answer.
bool is_protocol_error(beast::error_code ec) {
    return ec.category() == http::make_error_code(http::error::bad_method).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

using request_message = http::request<http::string_body>;

// `message` is what the parser read before it gave up.
refusal refusal_of(beast::error_code ec, const request_message& message) {
    if (ec == http::error::body_limit) return refusal::body_too_large;
    if (ec == http::error::header_limit) return refusal::header_too_large;
    // Beast refuses Transfer-Encoding after Content-Length or `chunked`, and Content-Length after
    // Transfer-Encoding; the field it refused is not in `message`.
    if (ec == http::error::bad_transfer_encoding)
        return message.count(http::field::content_length) > 0 ? refusal::framed_twice : refusal::unframed_body;
    if (ec == http::error::bad_content_length && message.count(http::field::transfer_encoding) > 0)
        return refusal::framed_twice;
    return refusal::malformed;
}

// The transfer codings of a request in the order they were applied: those of all its
// Transfer-Encoding fields, each a comma-separated list, without their parameters. Not Beast's
// ext_list: it stops at the first malformed element without a word, and a coding left unseen
// after `chunked` would let the body through.
std::vector<std::string_view> transfer_codings(const request_message& message) {
    constexpr std::string_view blanks = " \t";
    std::vector<std::string_view> codings;
    const auto [first, last] = message.equal_range(http::field::transfer_encoding);
    for (auto field = first; field != last; ++field) {
        std::string_view list = field->value();
        while (!list.empty()) {
            const auto comma = list.find(',');
            std::string_view coding = list.substr(0, std::min(comma, list.find(';')));
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
            coding.remove_prefix(std::min(coding.find_first_not_of(blanks), coding.size()));
            coding.remove_suffix(coding.size() - (coding.find_last_not_of(blanks) + 1));
            if (!coding.empty()) codings.push_back(coding);
        }
    }
    return codings;
}

// Why the body of a request cannot be read safely, if it cannot (RFC 9112 §6). Beast reads a body
// by Content-Length or by `chunked` applied last, and takes any other Transfer-Encoding for no body
// at all: the body's bytes would then be read as the next request, while a proxy in front may have
// framed them otherwise (request smuggling).
std::optional<refusal> framing_problem(const request_message& message) {
    if (message.count(http::field::transfer_encoding) == 0) return std::nullopt;
    const std::vector<std::string_view> codings = transfer_codings(message);
    const auto chunked = [](std::string_view coding) { return beast::iequals(coding, "chunked"); };
    // HTTP/1.0 has no transfer codings: a client that sends one frames faultily (§6.1); Content-Length
    // beside it may disagree with it (§6.3).
    if (message.count(http::field::content_length) > 0) return refusal::framed_twice;
    if (message.version() < http_1_1) return refusal::unframed_body;
    if (codings.empty() || !chunked(codings.back())) return refusal::unframed_body;
    if (std::any_of(codings.begin(), codings.end() - 1, chunked)) return refusal::unframed_body;
    if (codings.size() > 1) return refusal::unknown_transfer_coding;
    return std::nullopt;
}

// How long `bytes` take at the slowest rate a client may send or take them, in whole seconds, plus
// one for a short transfer's round trips; at most a day, so that a --max-body near the largest size
// cannot overflow the clock.
std::chrono::seconds transfer_allowance(std::uint64_t bytes) {
    constexpr std::uint64_t day = 86400;
    return std::chrono::seconds(std::min(day, bytes / transport::min_client_bytes_per_second + 1));
}

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

std::string_view query_of(std::string_view target) {
    const std::size_t mark = target.find('?');
    return mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
}

// A client that sent plain HTTP to the TLS port: OpenSSL saw a request line where a handshake
// should begin, and sent nothing back.
bool is_plain_http(beast::error_code ec) {
    return ec.category() == net::error::get_ssl_category() && ERR_GET_REASON(ec.value()) == SSL_R_HTTP_REQUEST;
}

// What stop() does to every connection, whatever its stream.
class connection_base {
public:
    virtual ~connection_base() = default;
    [[nodiscard]] virtual executor get_executor() = 0;
    // On the connection's thread, after stop(): a connection waiting for a request closes now; one
    // busy with a request sees hub::stopping once it has answered.
    virtual void stop_if_idle() = 0;
};

// What the connections of one transport share.
struct hub {
    hub(transport::handler h, std::size_t limit, std::chrono::milliseconds timeout,
        std::shared_ptr<spdlog::logger> logger)
        : handle(std::move(h)), max_body(limit), client_timeout(timeout), log(std::move(logger)) {}

    transport::handler handle;
    std::size_t max_body;
    std::chrono::milliseconds client_timeout;
    std::shared_ptr<spdlog::logger> log;
    // Set once by stop(); a connection that sees it closes after its answer instead of reading on.
    std::atomic<bool> stopping{false};
    // The open connections, for stop() to close the idle ones.
    std::mutex lock;
    std::unordered_map<const connection_base*, std::weak_ptr<connection_base>> open;
    // The TLS context new connections take (nothing: plain HTTP); replaced whole by a rotation,
    // under `lock`, while the connections already open keep theirs.
    std::shared_ptr<net::ssl::context> tls;
};

// One client connection: reads a request, has the hub's handler answer it, writes the answer, and
// again while the client keeps the connection alive. The connection lives as long as an operation of
// its own is pending (each holds a shared_ptr to it); when none is, the socket closes. `Stream` is
// tcp_stream (plain HTTP) or tls_stream, which first takes the TLS handshake.
template <class Stream>
class connection final : public connection_base, public std::enable_shared_from_this<connection<Stream>> {
    static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

public:
    connection(socket_type socket, std::string remote, hub& shared)
        : m_stream(std::move(socket)), m_remote(std::move(remote)), m_hub(shared) {
        m_buffer.reserve(read_room);
    }

    // `tls` stays with the connection: a rotation does not pull it from under the handshake.
    connection(socket_type socket, std::shared_ptr<net::ssl::context> tls, std::string remote, hub& shared)
        : m_tls(std::move(tls)), m_stream(std::move(socket), *m_tls), m_remote(std::move(remote)), m_hub(shared) {
        m_buffer.reserve(read_room);
    }

    ~connection() {
        std::lock_guard lock(m_hub.lock);
        m_hub.open.erase(this);
    }

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void start() {
        {
            std::lock_guard lock(m_hub.lock);
            m_hub.open.emplace(this, this->weak_from_this());
        }
        if constexpr (is_tls)
            handshake();
        else
            read_header();
    }

    [[nodiscard]] executor get_executor() override { return m_stream.get_executor(); }

    void stop_if_idle() override {
        if (m_idle) close();
    }

private:
    tcp_stream& layer() { return beast::get_lowest_layer(m_stream); }

    void close() { layer().close(); }

    // Bounded as the headers of a request are, by the client timeout: a client that connects and
    // sends nothing, or not a handshake, does not hold the connection.
    void handshake() {
        m_idle = true;  // nothing asked yet: stop() need not wait for it
        layer().expires_after(m_hub.client_timeout);
        m_stream.async_handshake(net::ssl::stream_base::server,
                                 beast::bind_front_handler(&connection::on_handshake, this->shared_from_this()));
    }

    void on_handshake(beast::error_code ec) {
        if (!ec) return read_header();
        // A client of the plain port, or one without the certificate the server asks for, is a
        // mistake someone should see; one that came and went without a word is not.
        if (ec == beast::error::timeout)
            m_hub.log->debug("TLS handshake with {}: no handshake within the client timeout", m_remote);
        else if (ec != net::error::eof && ec != net::ssl::error::stream_truncated)
            m_hub.log->warn("TLS handshake with {} failed: {}", m_remote, ec.message());
        if (is_plain_http(ec)) return refuse_plain_http();
        close();
    }

    // OpenSSL sent nothing yet: a plain HTTP answer tells the client what is wrong (as Go's servers
    // do), instead of a connection closed without a word.
    void refuse_plain_http() {
        request req;
        req.remote = m_remote;
        req.problem = refusal::tls_required;
        prepare_answer(req, http_1_1, false, false);
        layer().expires_at(m_deadline);
        http::async_write(layer(), m_response,
                          [self = this->shared_from_this()](beast::error_code, std::size_t) { self->linger_plain(); });
    }

    void read_header() {
        if (m_hub.stopping) return finish();
        // Beast's parser reads one message: a new one for every request.
        m_parser.emplace();
        m_parser->body_limit(m_hub.max_body);
        m_parser->header_limit(transport::max_header_bytes);
        // Parses the body that came with the header at once: a request read whole in one go then
        // needs no second read operation.
        m_parser->eager(true);
        m_idle = true;
        // A deadline, not re-armed as bytes come: the request line and headers are small
        // (max_header_bytes), and a client sending them a byte at a time must not hold the
        // connection.
        layer().expires_after(m_hub.client_timeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                beast::bind_front_handler(&connection::on_header, this->shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        m_idle = false;
        if (ec) return fail(ec);
        // Before the body is read, or taken for the next request.
        if (const auto problem = framing_problem(m_parser->get())) return refuse(*problem, m_parser->get().version());
        if (m_parser->is_done()) return respond();
        if (beast::iequals(m_parser->get()[http::field::expect], "100-continue")) return send_continue();
        read_body();
    }

    // A client that asks before sending its body (curl does for bodies over 1 KiB) would otherwise
    // wait a second for the go-ahead before it sends the body anyway.
    void send_continue() {
        auto go_ahead =
            std::make_shared<http::response<http::empty_body>>(http::status::continue_, m_parser->get().version());
        layer().expires_after(m_hub.client_timeout);
        http::async_write(m_stream, *go_ahead,
                          [self = this->shared_from_this(), go_ahead](beast::error_code ec, std::size_t) {
                              if (!ec) self->read_body();
                          });
    }

    // Read a piece at a time, so that a body still coming keeps the connection: the client
    // timeout is re-armed after every piece, within the deadline of the whole body.
    void read_body() {
        // No Content-Length: chunked, as long as --max-body allows.
        const std::uint64_t expected = m_parser->content_length().value_or(m_hub.max_body);
        start_transfer(std::min<std::uint64_t>(expected, m_hub.max_body));
        read_some_body();
    }

    void read_some_body() {
        arm_read();
        http::async_read_some(m_stream, m_buffer, *m_parser,
                              beast::bind_front_handler(&connection::on_body, this->shared_from_this()));
    }

    void on_body(beast::error_code ec, std::size_t) {
        if (ec) return fail(ec);
        if (!m_parser->is_done()) return read_some_body();
        respond();
    }

    // A body or an answer of `bytes` starts: it must be done within the client timeout plus the
    // time those bytes take at the slowest rate allowed, however steadily they come.
    void start_transfer(std::uint64_t bytes) {
        m_deadline = clock_type::now() + m_hub.client_timeout + transfer_allowance(bytes);
    }

    // Before each read of a body: the client timeout from now, unless the body's deadline comes
    // sooner.
    void arm_read() { layer().expires_at(std::min(clock_type::now() + m_hub.client_timeout, m_deadline)); }

    void fail(beast::error_code ec) {
        if (!is_protocol_error(ec)) return close();
        refuse(refusal_of(ec, m_parser->get()), http_1_1);
    }

    // Answers a request that could not be read, then closes the connection (on_write()).
    void refuse(refusal why, unsigned version) {
        // What the parser read before it gave up: the path of a body too large, for the metrics.
        const auto& message = m_parser->get();
        request req;
        req.method = message.method_string();
        req.path = path_of(message.target());
        req.remote = m_remote;
        req.problem = why;
        answer_with(req, version, false, false);
    }

    void respond() {
        const auto& message = m_parser->get();
        const bool head = message.method() == http::verb::head;
        request req;
        // A HEAD is answered as its GET, without the body.
        req.method = head ? std::string_view("GET") : message.method_string();
        req.path = path_of(message.target());
        req.query = query_of(message.target());
        req.content_type = message[http::field::content_type];
        req.authorization = message[http::field::authorization];
        req.body = message.body();
        req.remote = m_remote;
        answer_with(req, message.version(), message.keep_alive() && !m_hub.stopping, head);
    }

    void answer_with(const request& req, unsigned version, bool keep_alive, bool head) {
        prepare_answer(req, version, keep_alive, head);
        layer().expires_at(m_deadline);
        http::async_write(
            m_stream, m_response,
            beast::bind_front_handler(&connection::on_write, this->shared_from_this(), req.problem.has_value()));
    }

    // Has the handler answer `req` into m_response, and sets the deadline of writing it.
    void prepare_answer(const request& req, unsigned version, bool keep_alive, bool head) {
        m_answer = answer{};
        m_hub.handle(req, m_answer);
        m_response = {};
        m_response.version(version);
        m_response.result(static_cast<unsigned>(m_answer.status));
        m_response.set(http::field::content_type, m_answer.content_type);
        for (const auto& [name, value] : m_answer.headers) m_response.set(name, value);
        m_response.keep_alive(keep_alive);
        m_response.body() = std::move(m_answer.body);
        m_response.prepare_payload();
        if (head) m_response.body().clear();
        // A deadline only, not re-armed as the client takes bytes: the kernel takes a large answer
        // into its send buffer (up to megabytes) and wakes a writer only once a good part of that
        // is gone, so a client taking it slowly but steadily could make no visible progress for
        // longer than the client timeout.
        start_transfer(m_response.body().size());
    }

    void on_write(bool refused, beast::error_code ec, std::size_t) {
        if (ec) return close();
        if (refused) return linger();
        if (m_response.need_eof()) return finish();
        read_header();
    }

    // The last answer is written: a TLS connection ends with its close_notify (a client may take
    // an end without one for a truncation attack), waited for no longer than linger_timeout.
    void finish() {
        if constexpr (!is_tls) {
            close();
        } else {
            m_idle = true;
            layer().expires_after(linger_timeout);
            m_stream.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close(); });
        }
    }

    // Closing a socket that still has unread bytes makes the kernel send a reset, which can destroy
    // the answer before the client has read it; and the rest of a refused request (a body too large)
    // may still be arriving. So stop sending, then read and drop what comes until the client closes
    // or linger_timeout has passed.
    // Over TLS, the close_notify exchange stands in for it, bounded by linger_timeout too.
    void linger() {
        if constexpr (is_tls) return finish();
        linger_plain();
    }

    void linger_plain() {
        beast::error_code ignored;
        layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
        layer().expires_after(linger_timeout);
        m_idle = true;  // answered already: stop() need not wait for the client
        drain();
    }

    // Raw bytes, thrown away (after plain HTTP on the TLS port too, where no TLS was agreed).
    void drain() {
        layer().async_read_some(m_buffer.prepare(drain_chunk),
                                [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (!ec) self->drain();
                                });
    }

    std::shared_ptr<net::ssl::context> m_tls;  // before m_stream, which is made with it
    Stream m_stream;
    std::string m_remote;
    hub& m_hub;
    // Kept from one request to the next: it keeps its memory, and the bytes read past a request
    // (the next ones, pipelined).
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    // Members because the answer being written must outlive answer_with().
    answer m_answer;
    http::response<http::string_body> m_response;
    clock_type::time_point m_deadline;  // of the body being read or the answer being written
    bool m_idle = false;  // waiting for a request (or draining after a refusal)
};

}  // namespace

struct transport::impl {
    hub shared;
    std::shared_ptr<spdlog::logger> log;
    // After `shared`: destroying an io_context destroys the connections its handlers still hold,
    // and they unregister from `shared`.
    std::vector<std::unique_ptr<net::io_context>> loops;
    // Keep every loop running while there is no connection on it, until stop().
    std::vector<net::executor_work_guard<executor>> keep_running;
    // The acceptor and its handlers, and stop(), are on the first loop.
    tcp::acceptor acceptor;
    net::steady_timer pause;
    std::uint64_t accept_failures = 0;  // since the last line that reported them
    std::chrono::steady_clock::time_point accept_reported{};
    std::size_t next_loop = 0;
    int bound_port = 0;

    impl(handler handle, std::size_t max_body, std::chrono::milliseconds client_timeout, std::size_t threads,
         std::shared_ptr<spdlog::logger> logger)
        : shared(std::move(handle), max_body, client_timeout, logger),
          log(std::move(logger)),
          loops(make_loops(std::max<std::size_t>(threads, 1))),
          keep_running(guards(loops)),
          acceptor(*loops.front()),
          pause(*loops.front()) {}

    static std::vector<std::unique_ptr<net::io_context>> make_loops(std::size_t count) {
        std::vector<std::unique_ptr<net::io_context>> made;
        // Concurrency hint 1: each io_context is run by one thread.
        for (std::size_t i = 0; i < count; ++i) made.push_back(std::make_unique<net::io_context>(1));
        return made;
    }

    static std::vector<net::executor_work_guard<executor>> guards(
        const std::vector<std::unique_ptr<net::io_context>>& of) {
        std::vector<net::executor_work_guard<executor>> made;
        for (const auto& loop : of) made.push_back(net::make_work_guard(loop->get_executor()));
        return made;
    }

    bool bind(const tcp::endpoint& at, beast::error_code& ec) {
        acceptor.open(at.protocol(), ec);
        if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
        if (!ec) acceptor.bind(at, ec);
        if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
        if (!ec) return true;
        beast::error_code ignored;
        acceptor.close(ignored);
        return false;
    }

    void accept() {
        // The loops take the new connections in turn.
        net::io_context& loop = *loops[next_loop++ % loops.size()];
        acceptor.async_accept(loop,
                              [this](beast::error_code ec, socket_type socket) { on_accept(ec, std::move(socket)); });
    }

    void on_accept(beast::error_code ec, socket_type socket) {
        if (shared.stopping) return;
        if (ec) {
            report_accept_failure(ec);
            // Accepting again at once would fail again at once, in a busy loop.
            pause.expires_after(accept_pause);
            pause.async_wait([this](beast::error_code cancelled) {
                if (!cancelled && !shared.stopping) accept();
            });
            return;
        }
        open(std::move(socket));
        accept();
    }

    // Out of file descriptors, accept() fails again after every pause: one line a second at most,
    // counting the failures since the last one, so the log does not take the disk too.
    void report_accept_failure(beast::error_code ec) {
        ++accept_failures;
        const auto now = std::chrono::steady_clock::now();
        if (now - accept_reported < accept_report_interval) return;
        log->warn("accepting a connection failed: {} ({} {} since the last such line); trying again every {} ms",
                  ec.message(), accept_failures, accept_failures == 1 ? "time" : "times", accept_pause.count());
        accept_reported = now;
        accept_failures = 0;
    }

    void open(socket_type socket) {
        beast::error_code ec;
        // Every answer is written whole in one go: Nagle's algorithm could only delay it.
        socket.set_option(tcp::no_delay(true), ec);
        const tcp::endpoint peer = socket.remote_endpoint(ec);
        std::string remote = ec ? std::string("unknown") : peer.address().to_string();
        std::shared_ptr<net::ssl::context> tls;
        {
            std::lock_guard lock(shared.lock);
            tls = shared.tls;
        }
        if (tls)
            return start(
                std::make_shared<connection<tls_stream>>(std::move(socket), std::move(tls), std::move(remote), shared));
        start(std::make_shared<connection<tcp_stream>>(std::move(socket), std::move(remote), shared));
    }

    template <class Connection>
    static void start(std::shared_ptr<Connection> c) {
        net::post(c->get_executor(), [c] { c->start(); });
    }

    // On the first loop.
    void shut_down() {
        if (shared.stopping.exchange(true)) return;
        beast::error_code ignored;
        acceptor.close(ignored);
        pause.cancel();
        for (auto& guard : keep_running) guard.reset();
        // Copied out first: the last reference to a connection may be one of these, and its
        // destructor takes the lock.
        std::vector<std::shared_ptr<connection_base>> open_now;
        {
            std::lock_guard lock(shared.lock);
            for (const auto& entry : shared.open) {
                if (auto c = entry.second.lock()) open_now.push_back(std::move(c));
            }
        }
        for (auto& c : open_now) net::post(c->get_executor(), [c] { c->stop_if_idle(); });
    }
};

transport::transport(handler handle, std::size_t max_body, std::chrono::milliseconds client_timeout,
                     std::size_t threads, std::shared_ptr<spdlog::logger> log)
    : m_impl(std::make_unique<impl>(std::move(handle), max_body, client_timeout, threads, std::move(log))) {}

transport::~transport() = default;

bool transport::listen(const std::string& host, int port, std::string& error) {
    auto& m = *m_impl;
    beast::error_code ec;
    // No AI_ADDRCONFIG (asio's default): it would refuse ::1 on a machine without another IPv6 address.
    const auto endpoints =
        tcp::resolver(*m.loops.front())
            .resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    for (const auto& entry : endpoints) {
        if (m.bind(entry.endpoint(), ec)) {
            m.bound_port = m.acceptor.local_endpoint().port();
            m.accept();
            return true;
        }
    }
    error = ec ? ec.message() : "no address to listen on";
    return false;
}

void transport::use_tls(std::shared_ptr<boost::asio::ssl::context> context) {
    std::lock_guard lock(m_impl->shared.lock);
    m_impl->shared.tls = std::move(context);
}

bool transport::uses_tls() const {
    std::lock_guard lock(m_impl->shared.lock);
    return m_impl->shared.tls != nullptr;
}

int transport::port() const {
    return m_impl->bound_port;
}

void transport::run() {
    auto& m = *m_impl;
    std::vector<std::thread> more;
    for (std::size_t i = 1; i < m.loops.size(); ++i) more.emplace_back([&loop = *m.loops[i]] { loop.run(); });
    m.loops.front()->run();
    for (auto& t : more) t.join();
}

void transport::stop() {
    auto& m = *m_impl;
    net::post(*m.loops.front(), [&m] { m.shut_down(); });
}

}  // namespace vigil::server
