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
    for (const std::string* input : {&o.summary, &o.findings, &o.baseline}) {
        if (input->empty()) continue;
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
    cmd->add_option("--baseline", o.baseline,
                    "another replay's summary JSON to compare each rule's rates with: the same logs under other "
                    "policies, or another period under the same ones");
    cmd->add_option("--examples", o.examples, "findings shown for each rule and outcome, and events of each kind")
        ->check(whole_number())
        ->capture_default_str();
    cmd->add_option("--reasons", o.reasons, "the most common reasons rules were undetermined shown")
        ->check(whole_number())
        ->capture_default_str();
    return cmd;
}

namespace {

// Reads the summary JSON at `path` into `out`, and its SHA-256 into `sha256`; false, having said why,
// when it cannot be read or is not a summary.
bool read_summary_file(const std::string& path, replay::summary& out, std::string& sha256_hex) {
    std::string why;
    const std::optional<std::string> text = read_whole_file(path, why);
    if (!text) {
        say_error("cannot read `" + path + "`: " + why);
        return false;
    }
    report::summary_result read = report::read_summary(*text, path);
    if (read.error) {
        say_error(problem_text(*read.error) + "; no report was written");
        return false;
    }
    out = std::move(read.summary);
    sha256 digest;
    digest.update(*text);
    sha256_hex = digest.hex();
    return true;
}

}  // namespace

int run_report(const report_command_options& o) {
    if (const std::string why = cannot_write_report(o); !why.empty()) {
        say_error(why + "; no report was written");
        return exit_bad_input;
    }
    replay::summary summary;
    std::string summary_sha256;
    if (!read_summary_file(o.summary, summary, summary_sha256)) return exit_bad_input;
    std::optional<report::baseline> baseline;
    if (!o.baseline.empty()) {
        baseline.emplace();
        baseline->path = o.baseline;
        if (!read_summary_file(o.baseline, baseline->summary, baseline->sha256)) return exit_bad_input;
    }
    report::options options;
    options.examples = o.examples;
    options.reasons = o.reasons;
    const report::findings_result findings = report::read_findings(o.findings, summary, options);
    if (findings.error) {
        say_error(problem_text(*findings.error) + "; no report was written");
        return exit_bad_input;
    }
    const std::string html = report::render_html(
        summary, findings.tally, {o.summary, summary_sha256, o.findings, baseline ? &*baseline : nullptr}, options);
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
