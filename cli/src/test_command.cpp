#include "test_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <CLI/CLI.hpp>

#include "vigil/cli.hpp"
#include "vigil/policytest.hpp"

namespace vigil::cli {

CLI::App* add_test_command(CLI::App& app, test_command_options& o) {
    auto* cmd = app.add_subcommand("test", "run the cases of policy test files (`x.tests` beside `x.vigil`)");
    cmd->add_option("paths", o.paths, "test files, policy files (their `.tests` file) or directories")->required();
    cmd->add_option("--junit", o.junit, "also write the results as JUnit XML to this file");
    cmd->add_flag("--coverage-strict", o.coverage_strict,
                  "fail (exit 1) when some rule lacks a violating or a passing case");
    return cmd;
}

int run_test(const test_command_options& o) {
    const policytest::options opts{o.coverage_strict};
    const policytest::run_result run = policytest::run(o.paths);
    const std::string report = policytest::report_text(run);
    std::fwrite(report.data(), 1, report.size(), stdout);
    std::fflush(stdout);
    if (!o.junit.empty()) {
        const std::string xml = policytest::report_junit(run, opts);
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(o.junit.c_str(), "wb"), &std::fclose);
        if (!file || std::fwrite(xml.data(), 1, xml.size(), file.get()) != xml.size()) {
            std::fprintf(stderr, "vigil: cannot write `%s`: %s\n", o.junit.c_str(), std::strerror(errno));
            return exit_bad_input;
        }
    }
    return policytest::exit_status(run, opts);
}

}  // namespace vigil::cli
