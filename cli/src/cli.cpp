#include "vigil/cli.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "fmt_command.hpp"
#include "replay_command.hpp"
#include "report_command.hpp"
#include "serve_command.hpp"
#include "test_command.hpp"
#include "validators.hpp"
#include "vigil/check.hpp"
#include "vigil/datagen.hpp"
#include "vigil/json_text.hpp"
#include "vigil/line_reader.hpp"
#include "vigil/lsp.hpp"
#include "vigil/parse.hpp"
#include "vigil/profile.hpp"
#include "vigil/sarif.hpp"
#include "vigil/server.hpp"
#include "vigil/service.hpp"
#include "vigil/wording.hpp"

namespace vigil::cli {

namespace {

std::size_t count_level(const std::vector<diagnostic>& diagnostics, severity level) {
    return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                                  [&](const diagnostic& d) { return d.level == level; }));
}

void print_diagnostics(std::FILE* out, const compiled_policies& policies, const std::string& format) {
    if (format == "json") {
        auto list = nlohmann::json::array();
        for (const auto& d : policies.diagnostics) list.push_back(render_json(d, *policies.sources));
        const nlohmann::json doc{{"diagnostics", list},
                                 {"errors", count_level(policies.diagnostics, severity::error)},
                                 {"warnings", count_level(policies.diagnostics, severity::warning)}};
        std::fprintf(out, "%s\n", json_text(doc, 2).c_str());
        return;
    }
    if (format == "sarif") {
        std::fprintf(out, "%s\n",
                     json_text(render_sarif(policies.diagnostics, *policies.sources, VIGIL_VERSION), 2).c_str());
        return;
    }
    for (const auto& d : policies.diagnostics) {
        std::fprintf(out, "%s\n", render_text(d, *policies.sources).c_str());
    }
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& level) {
    auto logger = spdlog::stderr_color_mt("vigil");
    logger->set_pattern("vigil: %v");
    logger->set_level(spdlog::level::from_str(level));
    return logger;
}

// ---- vigil check ------------------------------------------------------------------------------

struct check_options {
    std::vector<std::string> paths;
    std::string format = "text";
    bool deny_warnings = false;
};

int run_check(const check_options& options) {
    const auto policies = compile_policies(options.paths);
    print_diagnostics(stdout, policies, options.format);
    const std::size_t errors = count_level(policies.diagnostics, severity::error);
    const std::size_t warnings = count_level(policies.diagnostics, severity::warning);
    if (options.format == "text") {
        if (policies.set) {
            std::size_t rules = 0;
            const auto summary = summarize(*policies.set);
            for (const auto& p : summary) rules += p.rules;
            std::fprintf(stdout, "checked %s in %s: %s, %s\n", plural(summary.size(), "policy", "policies").c_str(),
                         plural(policies.sources->size(), "file", "files").c_str(),
                         plural(rules, "rule", "rules").c_str(), plural(warnings, "warning", "warnings").c_str());
        } else {
            std::fprintf(stdout, "%s, %s\n", plural(errors, "error", "errors").c_str(),
                         plural(warnings, "warning", "warnings").c_str());
        }
    }
    if (policies.unreadable) return exit_bad_input;
    if (errors > 0 || (options.deny_warnings && warnings > 0)) return exit_findings;
    return exit_clean;
}

// ---- vigil eval -------------------------------------------------------------------------------

struct eval_options {
    std::vector<std::string> policies;
    std::string input = "-";
    std::string output = "-";
    std::string log_level = "info";
    std::string max_line = "16MiB";
    bool fail_on_undetermined = false;
    bool explain = false;  // each answer also says how every rule came out and why
    bool profile = false;  // the summary also says where the time went
};

struct eval_tally {
    std::size_t lines = 0;
    std::size_t by_kind[3] = {0, 0, 0};
    std::size_t violations = 0;
    std::size_t undetermined = 0;
    std::vector<std::size_t> malformed;
    std::size_t blank = 0;  // lines without a record (replay::is_blank_line), answered but not malformed
};

// `vigil eval --profile`: the evaluator's measurements, the writing of answers, and the time of
// every line from reading it to writing its answer, which the parts are shares of.
struct eval_profile {
    tick_rate rate;
    evaluation_profile evaluation;
    std::uint64_t at_work = 0;

    // A line read at `began` was answered now; `decided_at` is when its decision was made (0 for
    // a malformed line), after which its answer was written.
    void took(std::uint64_t began, std::uint64_t decided_at) {
        const std::uint64_t now = profile_ticks();
        at_work += now - began;
        if (decided_at == 0) return;
        ++evaluation.output.times;
        evaluation.output.ticks += now - decided_at;
    }

    [[nodiscard]] std::vector<std::string> lines(const compiled_set& set) const {
        const double per_second = rate.per_second();
        profile_wording wording;
        wording.output = "an answer";
        wording.rest = "reading lines, malformed ones";
        return render_profile(profile_report(evaluation, set, per_second, "write answers"),
                              static_cast<double>(at_work) / per_second, wording);
    }
};

// Whether `file` took everything written to it, closed unless it is standard output; false with
// errno set when it did not (a full disk, a closed pipe).
bool flushed(std::FILE* file) {
    const bool failed_before = std::ferror(file) != 0;
    const int closed = file == stdout ? std::fflush(file) : std::fclose(file);
    return !failed_before && closed == 0;
}

// Adds `"explain": [...]` to the decision object that ends `answer`.
void append_explanation(std::string& answer, const std::vector<rule_explanation>& why) {
    auto rules = nlohmann::json::array();
    for (const rule_explanation& e : why) rules.push_back(to_json(e));
    answer.pop_back();  // the decision's closing brace
    answer += ",\"explain\":";
    answer += json_text(rules);
    answer += '}';
}

// A command whose standard output could not be written (`> /dev/full`) has lost what it wrote
// there: it fails with exit 2 whatever it would have returned, rather than look successful.
int standard_output_written(int status) {
    if (flushed(stdout)) return status;
    std::fprintf(stderr, "vigil: cannot write to standard output: %s\n", std::strerror(errno ? errno : EIO));
    return exit_bad_input;
}

std::string malformed_line(std::size_t line, const std::string& reason) {
    return json_text(nlohmann::json{{"line", line}, {"error", reason}});
}

// The answer to a line without a record: there is one all the same, so that answer N is line N's.
std::string blank_line(std::size_t line) {
    return json_text(nlohmann::json{{"line", line}, {"blank", true}});
}

void tally_decision(eval_tally& tally, const decision& d) {
    ++tally.by_kind[static_cast<int>(d.kind)];
    for (const auto& f : d.findings) {
        if (f.result == outcome::violation) ++tally.violations;
        else ++tally.undetermined;
    }
}

std::string malformed_summary(const std::vector<std::size_t>& lines) {
    std::string text;
    const std::size_t shown = std::min<std::size_t>(lines.size(), 20);
    for (std::size_t i = 0; i < shown; ++i) text += (i ? ", " : "") + std::to_string(lines[i]);
    if (lines.size() > shown) text += ", ... (" + std::to_string(lines.size() - shown) + " more)";
    return text;
}

int run_eval(const eval_options& options) {
    auto logger = make_logger(options.log_level);
    const auto policies = compile_policies(options.policies);
    if (!policies.set) {
        print_diagnostics(stderr, policies, "text");
        if (policies.unreadable) {
            logger->error("cannot read the policies; nothing was evaluated");
            return exit_bad_input;
        }
        logger->error("the policies do not check; nothing was evaluated");
        return exit_bad_policy;
    }
    for (const auto& d : policies.diagnostics) std::fprintf(stderr, "%s\n", render_text(d, *policies.sources).c_str());

    replay::line_reader in;
    in.set_max_line(*server::parse_size(options.max_line));
    if (std::string why; !in.open(options.input, why)) {
        logger->error("cannot read input `{}`: {}", options.input, why);
        return exit_bad_input;
    }
    std::FILE* out = stdout;
    if (options.output != "-") {
        out = std::fopen(options.output.c_str(), "wb");
        if (!out) {
            logger->error("cannot write `{}`: {}", options.output, std::strerror(errno));
            return exit_bad_input;
        }
    }

    evaluator judge(policies.set);
    decision d;
    std::vector<rule_explanation> why;
    std::string error;
    std::string_view line;
    std::string answer;
    eval_tally tally;
    std::optional<eval_profile> profiling;
    if (options.profile) judge.profile(&profiling.emplace().evaluation);
    while (in.next(line)) {
        const std::uint64_t line_began = profiling ? profile_ticks() : 0;
        std::uint64_t decided_at = 0;
        ++tally.lines;
        answer.clear();
        if (in.too_long()) {
            tally.malformed.push_back(tally.lines);
            answer = malformed_line(tally.lines, replay::long_line_reason(in.long_line_length(), in.max_line()));
        } else if (replay::is_blank_line(line)) {
            ++tally.blank;
            answer = blank_line(tally.lines);
        } else if (options.explain
                       ? judge.explain(line, d, why, error)
                       : judge.decide(record_text{line, true}, d, error)) {  // parsed where the reader put it
            if (profiling) decided_at = profile_ticks();
            tally_decision(tally, d);
            append_json(answer, d);
            if (options.explain) append_explanation(answer, why);
        } else {
            tally.malformed.push_back(tally.lines);
            answer = malformed_line(tally.lines, error);
        }
        answer.push_back('\n');
        std::fwrite(answer.data(), 1, answer.size(), out);
        if (profiling) profiling->took(line_began, decided_at);
    }
    if (out == stdout) {
        std::fflush(out);  // before the summary on standard error; checked as every command's is
    } else if (!flushed(out)) {
        logger->error("cannot write `{}`: {}", options.output, std::strerror(errno ? errno : EIO));
        return exit_bad_input;
    }
    if (in.failed()) {
        if (tally.lines == 0)
            logger->error("cannot read input `{}`: {}", options.input, in.error());
        else
            logger->error("cannot read input `{}` after line {}: {}", options.input, tally.lines, in.error());
        return exit_bad_input;
    }

    const std::size_t records = tally.lines - tally.malformed.size() - tally.blank;
    const std::string blank = tally.blank > 0 ? " (" + std::to_string(tally.blank) + " blank)" : "";
    logger->info("{} in{}, {} decided: {} allow, {} allow_with_remedies, {} deny; {}, {} undetermined",
                 plural(tally.lines, "line", "lines"), blank, plural(records, "record", "records"), tally.by_kind[0],
                 tally.by_kind[1], tally.by_kind[2], plural(tally.violations, "violation", "violations"),
                 tally.undetermined);
    if (profiling) {
        for (const std::string& text : profiling->lines(*policies.set)) logger->info("{}", text);
    }
    if (!tally.malformed.empty()) {
        logger->warn("{} malformed (line {})", plural(tally.malformed.size(), "line", "lines"),
                     malformed_summary(tally.malformed));
        return exit_bad_input;
    }
    if (tally.violations > 0 || (options.fail_on_undetermined && tally.undetermined > 0)) return exit_findings;
    return exit_clean;
}

// ---- vigil generate ---------------------------------------------------------------------------

struct generate_options {
    datagen::options data;
    std::string output = "-";
};

int run_generate(const generate_options& options) {
    try {
        if (options.output == "-") {
            datagen::generate(options.data, [](std::string_view line) {
                std::fwrite(line.data(), 1, line.size(), stdout);
                std::fputc('\n', stdout);
            });
            std::fflush(stdout);
        } else {
            datagen::write_file(options.data, options.output);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vigil: %s\n", e.what());
        return exit_bad_input;
    }
    return exit_clean;
}

// What a command needs that was not given, said as usage: CLI11 names the option by its internal
// name ("paths is required"), which means nothing to a person at the prompt.
std::string missing_input(const std::string& command, const std::string& option) {
    static const std::map<std::pair<std::string, std::string>, std::string> wording = {
        {{"check", "paths"}, "give at least one policy file or directory"},
        {{"eval", "--policy"}, "give the policies to run with --policy FILE_OR_DIRECTORY"},
        {{"test", "paths"}, "give at least one test file, policy file or directory"},
        {{"replay", "--policy"}, "give the policies to run with --policy FILE_OR_DIRECTORY"},
        {{"replay", "logs"}, "give at least one log to replay"},
        {{"report", "--summary"}, "give the summary of the replay with --summary FILE (its --summary-json)"},
        {{"report", "--findings"}, "give the findings of the replay with --findings FILE (its --findings)"},
        {{"fmt", "paths"}, "give at least one policy file, test file or directory, or - for standard input"},
    };
    const auto it = wording.find({command, option});
    return it != wording.end() ? it->second : option + " is required";
}

// CLI11's failure message, but for a missing required option: `vigil check: give at least one ...`.
std::string failure_message(const CLI::App* app, const CLI::Error& e) {
    if (dynamic_cast<const CLI::RequiredError*>(&e) == nullptr) return CLI::FailureMessage::simple(app, e);
    const auto commands = app->get_subcommands();
    if (commands.empty())
        return "vigil: give a command, such as `vigil check POLICY`\nRun `vigil --help` for the commands.\n";
    const CLI::App& command = *commands.front();
    for (const CLI::Option* option : command.get_options()) {
        if (!option->get_required() || option->count() > 0) continue;
        return "vigil " + command.get_name() + ": " + missing_input(command.get_name(), option->get_name()) +
               "\nRun `vigil " + command.get_name() + " --help` for more information.\n";
    }
    return CLI::FailureMessage::simple(app, e);
}

}  // namespace

compiled_policies compile_policies(const std::vector<std::string>& paths, const compile_options& options) {
    std::vector<policy_input> inputs;
    inputs.reserve(paths.size());
    for (const auto& p : paths) inputs.push_back({p, std::nullopt});
    policy_bundle bundle = load_policies(inputs, options);
    return {std::move(bundle.set), std::move(bundle.sources), std::move(bundle.diagnostics), bundle.unreadable};
}

int run(int argc, char** argv) {
    CLI::App app{"vigil: policies for the ethical oversight of AI conversations"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "vigil " VIGIL_VERSION);
    app.failure_message(failure_message);

    check_options check_opts;
    auto* check_cmd = app.add_subcommand("check", "check policy files for mistakes without running them");
    check_cmd->add_option("paths", check_opts.paths, "policy files or directories")->required();
    check_cmd
        ->add_option("--format", check_opts.format,
                     "output format: text, json, or sarif (SARIF 2.1.0, for code scanning services)")
        ->check(CLI::IsMember({"text", "json", "sarif"}))
        ->capture_default_str();
    check_cmd->add_flag("--deny-warnings", check_opts.deny_warnings, "treat warnings as errors (exit 1)");

    eval_options eval_opts;
    auto* eval_cmd = app.add_subcommand("eval", "decide every record of a JSON Lines file, one answer per line");
    eval_cmd->add_option("--policy,-p", eval_opts.policies, "policy files or directories")->required();
    eval_cmd->add_option("--input,-i", eval_opts.input, "JSON Lines records, plain or .gz, or - for standard input")
        ->capture_default_str();
    eval_cmd->add_option("--output,-o", eval_opts.output, "where decisions go, or - for standard output")
        ->capture_default_str();
    add_max_line_option(*eval_cmd, eval_opts.max_line);
    eval_cmd->add_option("--log-level", eval_opts.log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    eval_cmd->add_flag("--fail-on-undetermined", eval_opts.fail_on_undetermined,
                       "exit 1 when some rule could not be decided, as for violations");
    eval_cmd->add_flag("--explain", eval_opts.explain,
                       "also say how every rule came out on each record and why: the value of each clause, and what "
                       "left it unknown");
    eval_cmd->add_flag("--profile", eval_opts.profile,
                       "the summary also says where the time went: reading records, each rule and definition, "
                       "writing answers");

    generate_options gen_opts;
    auto* gen_cmd = app.add_subcommand("generate", "write a deterministic log of realistic interaction records");
    gen_cmd->add_option("--records,-n", gen_opts.data.records, "how many lines")
        ->check(whole_number())
        ->capture_default_str();
    gen_cmd->add_option("--seed", gen_opts.data.seed, "the same seed gives the same log")
        ->check(whole_number())
        ->capture_default_str();
    gen_cmd->add_option("--concurrent", gen_opts.data.concurrent, "conversations open at once")
        ->check(whole_number(1))
        ->capture_default_str();
    gen_cmd->add_option("--start", gen_opts.data.start, "log time of the first record (YYYY-MM-DDTHH:MM:SSZ)")
        ->capture_default_str();
    gen_cmd->add_option("--out-of-order", gen_opts.data.out_of_order, "share of records that arrive a little late");
    gen_cmd->add_option("--duplicates", gen_opts.data.duplicates, "share of records written twice");
    gen_cmd->add_option("--gaps", gen_opts.data.gaps, "share of turns skipped");
    gen_cmd->add_option("--malformed", gen_opts.data.malformed, "share of lines that are not valid JSON");
    gen_cmd->add_option("--output,-o", gen_opts.output, "file to write (.gz compresses), or - for standard output")
        ->capture_default_str();

    replay_command_options replay_opts;
    auto* replay_cmd = add_replay_command(app, replay_opts);
    report_command_options report_opts;
    auto* report_cmd = add_report_command(app, report_opts);
    test_command_options test_opts;
    auto* test_cmd = add_test_command(app, test_opts);
    serve_command_options serve_opts;
    auto* serve_cmd = add_serve_command(app, serve_opts);
    fmt_command_options fmt_opts;
    auto* fmt_cmd = add_fmt_command(app, fmt_opts);
    auto* lsp_cmd = app.add_subcommand(
        "lsp", "serve the Language Server Protocol on standard input and output, for editors (docs/editors.md)");
    // Editors' language clients add `--stdio` when they talk over standard input and output.
    bool lsp_stdio = true;
    lsp_cmd->add_flag("--stdio", lsp_stdio, "talk over standard input and output, the only way it talks");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_clean : exit_bad_input;
    }
    int status = exit_clean;
    if (check_cmd->parsed())
        status = run_check(check_opts);
    else if (gen_cmd->parsed())
        status = run_generate(gen_opts);
    else if (replay_cmd->parsed())
        status = run_replay(replay_opts);
    else if (report_cmd->parsed())
        status = run_report(report_opts);
    else if (test_cmd->parsed())
        status = run_test(test_opts);
    else if (serve_cmd->parsed())
        status = run_serve(serve_opts);
    else if (fmt_cmd->parsed())
        status = run_fmt(fmt_opts);
    else if (lsp_cmd->parsed())
        status = lsp::serve(std::cin, std::cout, std::cerr);
    else
        status = run_eval(eval_opts);
    return standard_output_written(status);
}

}  // namespace vigil::cli
