#pragma once
// The real `vigil serve` as a child process on a loopback port, for the integration tests: its
// standard output and error go to a file, the port is read from its startup line, and every wait
// has a deadline, so a test can fail but never hang. `served` is such a server with a client.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

namespace vigil::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

/// Polls `ready` every 50 ms until it is true or `timeout` has passed; returns the last answer.
inline bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (ready()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
}

/// A temporary directory, removed with everything in it.
class temp_dir {
public:
    temp_dir() {
        static int counter = 0;
        m_path = fs::temp_directory_path() /
                 ("vigil-server-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        fs::remove_all(m_path);
        fs::create_directories(m_path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

/// Runs the vigil binary with `args` in `dir` to the end (at most `timeout`); returns the exit
/// status, or -1 when it had to be killed. Output goes to `output`.
class child {
public:
    child(const std::vector<std::string>& args, const fs::path& dir, const fs::path& output,
          const std::map<std::string, std::string>& env = {})
        : m_output(output) {
        m_pid = ::fork();
        if (m_pid < 0) throw std::runtime_error("fork failed");
        if (m_pid == 0) {
            const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) ::_exit(126);
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            ::close(fd);
            if (::chdir(dir.c_str()) != 0) ::_exit(126);
            ::unsetenv("VIGIL_TOKEN");
            for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
            std::vector<char*> argv;
            argv.push_back(const_cast<char*>(VIGIL_BINARY));
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(VIGIL_BINARY, argv.data());
            ::_exit(127);
        }
    }
    ~child() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    /// Everything the child wrote so far.
    [[nodiscard]] std::string output() const { return read_text(m_output); }

    /// True while the child runs.
    bool running() {
        if (m_pid <= 0) return false;
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            m_pid = -1;
            return false;
        }
        return true;
    }

    /// Waits for the child to end; its exit status, or -1 (and the child killed) after `timeout`.
    int wait(std::chrono::milliseconds timeout) {
        if (eventually([&] { return !running(); }, timeout)) return m_status;
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
        return -1;
    }

    void signal(int sig) {
        if (m_pid > 0) ::kill(m_pid, sig);
    }

    /// The port of the startup line `listening on http://127.0.0.1:PORT` (or https://); 0 when the
    /// server did not come up within `timeout` (or ended).
    int wait_for_port(std::chrono::milliseconds timeout) {
        static const std::regex line(R"(listening on https?://127\.0\.0\.1:(\d+))");
        int port = 0;
        eventually(
            [&] {
                std::smatch m;
                const std::string text = output();
                if (std::regex_search(text, m, line)) {
                    port = std::stoi(m[1].str());
                    return true;
                }
                return !running();
            },
            timeout);
        return port;
    }

private:
    pid_t m_pid = -1;
    int m_status = -1;
    fs::path m_output;
};

/// A client with deadlines on every step.
inline std::unique_ptr<httplib::Client> client_for(int port) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(20, 0);
    c->set_write_timeout(20, 0);
    return c;
}

inline const fs::path source_dir = VIGIL_SOURCE_DIR;

/// `vigil serve` on a free port with a temporary copy of policies/, and a client for it.
struct served {
    temp_dir dir;
    fs::path policies = dir.path() / "policies";
    std::unique_ptr<child> process;
    int port = 0;
    std::unique_ptr<httplib::Client> http;

    explicit served(std::vector<std::string> extra_args = {}, const std::map<std::string, std::string>& env = {}) {
        fs::copy(source_dir / "policies", policies, fs::copy_options::recursive);
        std::vector<std::string> args{"serve", "--policy", "policies", "--listen", "127.0.0.1:0"};
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        process = std::make_unique<child>(args, dir.path(), dir.path() / "server.out", env);
        port = process->wait_for_port(20s);
        BOOST_REQUIRE_MESSAGE(port > 0, "the server did not start:\n" + process->output());
        http = client_for(port);
    }

    httplib::Result post(const std::string& path, const std::string& body,
                         const std::string& type = "application/json") {
        return http->Post(path.c_str(), body, type.c_str());
    }
    httplib::Result get(const std::string& path) { return http->Get(path.c_str()); }

    nlohmann::json get_json(const std::string& path) {
        auto res = get(path);
        BOOST_REQUIRE(res);
        BOOST_REQUIRE_EQUAL(res->status, 200);
        return nlohmann::json::parse(res->body);
    }

    /// The value of one sample of /metrics (0 when absent).
    double metric(const std::string& sample) {
        auto res = get("/metrics");
        BOOST_REQUIRE(res);
        std::istringstream in(res->body);
        for (std::string line; std::getline(in, line);) {
            if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
        }
        return 0;
    }

    /// Stops the server with SIGTERM; its exit status.
    int terminate() {
        process->signal(SIGTERM);
        return process->wait(30s);
    }
};

}  // namespace vigil::test
