// The server's life in-process, through the library API (the other suites start the binary): stop()
// may come from any thread, any number of times, before run() or while it serves.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <sstream>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "vigil/server.hpp"

namespace {

using namespace std::chrono_literals;

vigil::server::options quiet_options() {
    vigil::server::options o;
    o.policies = {std::string(VIGIL_SOURCE_DIR) + "/policies"};
    o.port = 0;
    o.threads = 2;
    return o;
}

std::shared_ptr<spdlog::logger> null_logger() {
    return std::make_shared<spdlog::logger>("lifecycle", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// run() on a thread of its own, so that a server that does not stop fails the test instead of hanging it.
std::future<int> run_async(vigil::server::server& s) {
    return std::async(std::launch::async, [&s] { return s.run(); });
}

// run()'s exit code once it has returned. When it does not return, the suite ends here: the future
// would wait for it forever, and the thread still uses the server.
int returned(std::future<int>& ran) {
    if (ran.wait_for(10s) != std::future_status::ready) {
        BOOST_ERROR("run() did not return within 10 s of stop()");
        std::abort();
    }
    return ran.get();
}

}  // namespace

BOOST_AUTO_TEST_CASE(more_threads_than_the_limit_are_refused_by_start) {
    std::ostringstream said;
    auto log = std::make_shared<spdlog::logger>("lifecycle", std::make_shared<spdlog::sinks::ostream_sink_mt>(said));
    vigil::server::options o = quiet_options();
    o.threads = 40000;
    vigil::server::server s(o, log);
    BOOST_TEST(s.start() == vigil::server::exit_bad_input);
    BOOST_TEST(said.str().find("`threads` must be at most 1024 (0: one per core), not 40000") != std::string::npos,
               said.str());
}

BOOST_AUTO_TEST_CASE(stop_before_run_makes_run_return) {
    vigil::server::server s(quiet_options(), null_logger());
    BOOST_REQUIRE(s.start() == vigil::server::exit_clean);
    BOOST_TEST(s.port() > 0);
    s.stop();
    s.stop();
    auto ran = run_async(s);
    BOOST_TEST(returned(ran) == vigil::server::exit_clean);
}

BOOST_AUTO_TEST_CASE(stop_from_another_thread_ends_a_running_server) {
    vigil::server::server s(quiet_options(), null_logger());
    BOOST_REQUIRE(s.start() == vigil::server::exit_clean);
    auto ran = run_async(s);
    BOOST_TEST((ran.wait_for(200ms) == std::future_status::timeout));  // serving
    s.stop();
    BOOST_TEST(returned(ran) == vigil::server::exit_clean);
}
