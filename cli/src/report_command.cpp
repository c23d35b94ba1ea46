#include "report_command.hpp"

#include <stdio_ext.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "output_file.hpp"
#include "validators.hpp"
#include "vigil/cli.hpp"
#include "vigil/report.hpp"
#include "vigil/sha256.hpp"

namespace vigil::cli {

namespace {

void say_error(const std::string& text) {
    std::fprintf(stderr, "vigil: %s\n", text.c_str());
}

// `file:line: what`, or `file: what` for a problem of the whole file.
std::string problem_text(const report::problem& p) {
    return p.file + (p.line > 0 ? ":" + std::to_string(p.line) : "") + ": " + p.error;
}

// Why the report would destroy one of its inputs, or not be written at all; empty when it can be
// written. Checked before the findings are read: they may take minutes.
std::string cannot_write_report(const report_command_options& o) {
    for (const std::string* input : {&o.summary, &o.findings}) {
        if (same_file(o.output, *input))
            return "`" + o.output + "` is both an input of the report and its output: writing it would destroy it";
    }
    if (o.output == "-") return "";
    if (const std::string why = cannot_write(o.output); !why.empty()) return "cannot write `" + o.output + "`: " + why;
    return "";
}

bool write_report(const std::string& path, const std::string& html) {
    output_file out(stdout);
    if (path != "-") out.reset(std::fopen(path.c_str(), "wb"));
    if (!out || std::fwrite(html.data(), 1, html.size(), out.get()) != html.size()) return false;
    if (out.get() == stdout) return std::fflush(stdout) == 0;
    return std::fclose(out.release()) == 0;
}

}  // namespace

CLI::App* add_report_command(CLI::App& app, report_command_options& o) {
    auto* cmd = app.add_subcommand(
        "report", "write the audit report of a replay, one HTML file, from its summary JSON and findings file");
    cmd->add_option("--summary", o.summary, "the summary JSON the replay wrote (--summary-json)")->required();
    cmd->add_option("--findings", o.findings,
                    "the findings file the replay wrote (plain or .gz), or - for standard input")
        ->required();
    cmd->add_option("--output,-o", o.output, "where the HTML goes, or - for standard output")->capture_default_str();
    cmd->add_option("--examples", o.examples, "findings shown for each rule and outcome, and events of each kind")
        ->check(whole_number())
        ->capture_default_str();
    cmd->add_option("--reasons", o.reasons, "the most common reasons rules were undetermined shown")
        ->check(whole_number())
        ->capture_default_str();
    return cmd;
}

int run_report(const report_command_options& o) {
    if (const std::string why = cannot_write_report(o); !why.empty()) {
        say_error(why + "; no report was written");
        return exit_bad_input;
    }
    std::string why;
    const std::optional<std::string> read = read_whole_file(o.summary, why);
    if (!read) {
        say_error("cannot read `" + o.summary + "`: " + why);
        return exit_bad_input;
    }
    const std::string& text = *read;
    const report::summary_result summary = report::read_summary(text, o.summary);
    if (summary.error) {
        say_error(problem_text(*summary.error) + "; no report was written");
        return exit_bad_input;
    }
    report::options options;
    options.examples = o.examples;
    options.reasons = o.reasons;
    const report::findings_result findings = report::read_findings(o.findings, summary.summary, options);
    if (findings.error) {
        say_error(problem_text(*findings.error) + "; no report was written");
        return exit_bad_input;
    }
    sha256 digest;
    digest.update(text);
    const std::string html =
        report::render_html(summary.summary, findings.tally, {o.summary, digest.hex(), o.findings}, options);
    if (!write_report(o.output, html)) {
        say_error("cannot write " + (o.output == "-" ? std::string("standard output") : "`" + o.output + "`") + ": " +
                  std::strerror(errno ? errno : EIO));
        // Said once: what standard output still holds is dropped, so that the check every command
        // makes of it afterwards does not say it again.
        if (o.output == "-") {
            __fpurge(stdout);
            std::clearerr(stdout);
        }
        return exit_bad_input;
    }
    return exit_clean;
}

}  // namespace vigil::cli
