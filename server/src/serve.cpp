// serve(): one server run until SIGTERM or SIGINT; SIGHUP reloads the policies, SIGUSR1 reopens the
// decision log (after logrotate renamed it), as daemons do.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <thread>

#include <spdlog/spdlog.h>

#include "vigil/server.hpp"

namespace vigil::server {

int serve(const options& opts, std::shared_ptr<spdlog::logger> logger) {
    // A client that hangs up while its answer is written must not end the process.
    ::signal(SIGPIPE, SIG_IGN);
    // Every thread started from here on inherits the mask, so only the waiter below sees them.
    sigset_t handled;
    sigemptyset(&handled);
    for (const int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&handled, sig);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &handled, &previous);

    server s(opts, logger);
    int code = s.start();
    if (code == exit_clean) {
        std::atomic<bool> done{false};
        std::thread waiter([&] {
            const timespec tick{0, 100'000'000};
            while (!done.load()) {
                const int sig = ::sigtimedwait(&handled, nullptr, &tick);
                if (sig == SIGHUP) {
                    logger->info("SIGHUP: reloading the policies");
                    s.reload_policies();
                } else if (sig == SIGUSR1) {
                    logger->info("SIGUSR1: reopening the decision log");
                    s.reopen_decision_log();
                } else if (sig == SIGTERM || sig == SIGINT) {
                    logger->info("{}: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
                    // Also when run() has not started yet: it then stops as soon as it starts.
                    s.stop();
                    return;
                }
            }
        });
        code = s.run();
        done.store(true);
        waiter.join();
        logger->info("stopped");
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return code;
}

}  // namespace vigil::server
