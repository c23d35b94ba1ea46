#include "test_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "output_file.hpp"
#include "vigil/cli.hpp"
#include "vigil/policytest.hpp"

namespace vigil::cli {

CLI::App* add_test_command(CLI::App& app, test_command_options& o) {
    auto* cmd = app.add_subcommand("test", "run the cases of policy test files (`x.tests` beside `x.vigil`)");
    cmd->add_option("paths", o.paths, "test files, policy files (their `.tests` file) or directories")->required();
    cmd->add_option("--run", o.run,
                    "run only the cases whose name this regular expression (RE2) matches, in whole or in part")
        ->check(CLI::Validator(
            [](std::string& pattern) -> std::string {
                try {
                    (void)policytest::case_selection(pattern);
                    return "";
                } catch (const std::invalid_argument& e) {
                    return e.what();
                }
            },
            "PATTERN"));
    cmd->add_option("--junit", o.junit, "also write the results as JUnit XML to this file");
    cmd->add_flag("--coverage-strict", o.coverage_strict,
                  "fail (exit 1) when some rule lacks a violating or a passing case");
    return cmd;
}

int run_test(const test_command_options& o) {
    const policytest::options opts{o.coverage_strict};
    // Opened before the cases run, as replay opens its outputs: a path it cannot write is refused at once.
    output_file junit;
    if (!o.junit.empty()) {
        junit.reset(std::fopen(o.junit.c_str(), "wb"));
        if (!junit) {
            std::fprintf(stderr, "vigil: cannot write `%s`: %s\n", o.junit.c_str(), std::strerror(errno));
            return exit_bad_input;
        }
    }
    const policytest::run_result run = policytest::run(o.paths, policytest::case_selection(o.run));
    const std::string report = policytest::report_text(run);
    std::fwrite(report.data(), 1, report.size(), stdout);
    std::fflush(stdout);
    if (junit) {
        const std::string xml = policytest::report_junit(run, opts);
        // A write error may show only when the buffer is flushed: fclose's answer counts too.
        if (std::fwrite(xml.data(), 1, xml.size(), junit.get()) != xml.size() || std::fclose(junit.release()) != 0) {
            std::fprintf(stderr, "vigil: cannot write `%s`: %s\n", o.junit.c_str(), std::strerror(errno));
            return exit_bad_input;
        }
    }
    return policytest::exit_status(run, opts);
}

}  // namespace vigil::cli
