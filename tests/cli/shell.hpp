#pragma once
// Runs a shell command for the CLI tests, as a person at a terminal would see it.

#include <array>
#include <cstdio>
#include <string>

#include <sys/wait.h>

#include <boost/test/unit_test.hpp>

namespace cli_test {

struct run_result {
    std::string output;  // stdout and stderr together, as a person sees them
    int status = -1;     // the exit status, or -1 when the command did not exit normally
};

/// Runs `command` with `sh -c`, its standard error joined to its output.
inline run_result run_shell(const std::string& command) {
    run_result r;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    BOOST_REQUIRE(pipe);
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
    const int status = pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace cli_test
