#include "replay_command.hpp"
#include "vigil/calendar.hpp"

#include <stdio_ext.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "output_file.hpp"
#include "validators.hpp"
#include "vigil/cli.hpp"
#include "vigil/json_text.hpp"
#include "vigil/replay.hpp"
#include "vigil/server.hpp"

namespace vigil::cli {

namespace {

// Not registered with spdlog: several commands may make their own in one process (tests).
std::shared_ptr<spdlog::logger> make_replay_logger(const std::string& level) {
    auto logger = std::make_shared<spdlog::logger>("vigil", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_pattern("vigil: %v");
    logger->set_level(spdlog::level::from_str(level));
    return logger;
}

void print_policy_diagnostics(const compiled_policies& policies) {
    for (const auto& d : policies.diagnostics) {
        const std::string text = policies.sources ? render_text(d, *policies.sources) : d.message;
        std::fprintf(stderr, "%s\n", text.c_str());
    }
}

// The kinds --fail-on takes: the turn-order problems, named as the findings file names their
// events, and undetermined findings (as `vigil eval --fail-on-undetermined` counts them); with the
// summary's count of each and its words for one and for several. Violations are not among them:
// they fail the run without being named.
struct fail_on_kind {
    std::string_view name;
    std::uint64_t replay::summary::*count;
    std::string_view one;
    std::string_view many;
};
constexpr fail_on_kind fail_on_kinds[] = {
    {"gap", &replay::summary::gaps, "gap", "gaps"},
    {"duplicate", &replay::summary::duplicates, "duplicate", "duplicates"},
    {"out_of_order", &replay::summary::out_of_order, "record out of order", "records out of order"},
    {"undetermined", &replay::summary::undetermined, "undetermined finding", "undetermined findings"},
};

std::vector<std::string> fail_on_names() {
    std::vector<std::string> names;
    for (const auto& k : fail_on_kinds) names.emplace_back(k.name);
    return names;
}

// What may help with a kind --fail-on does not take: the kind it may stand for, or why violations
// need no naming; empty when nothing does.
std::string fail_on_hint(const std::string& kind, const std::vector<std::string>& names) {
    if (kind == "violation" || kind == "violations") return "violations fail the run without --fail-on";
    if (const auto guess = closest_match(kind, names)) return "did you mean `" + *guess + "`?";
    return "";
}

// Why --fail-on refuses `given`, naming every kind it does not take, each once, with a hint where
// one helps; empty when it takes them all. Checked on the whole list: a check of each value would
// stop at the first bad one, and `--fail-on gapp,dupe` would be corrected one run at a time.
std::string refused_fail_on_kinds(const std::vector<std::string>& given) {
    const std::vector<std::string> names = fail_on_names();
    std::vector<std::string> refused;
    for (const auto& kind : given) {
        if (std::find(names.begin(), names.end(), kind) != names.end()) continue;
        if (std::find(refused.begin(), refused.end(), kind) == refused.end()) refused.push_back(kind);
    }
    if (refused.empty()) return "";
    std::string listed;
    for (const auto& name : names) listed += (listed.empty() ? "" : ", ") + name;
    const auto shown = [](const std::string& kind) {
        return kind.empty() ? std::string("an empty name") : "`" + kind + "`";
    };
    if (refused.size() == 1) {
        const std::string hint = fail_on_hint(refused[0], names);
        return shown(refused[0]) + " is not a kind it takes (" + listed + ")" + (hint.empty() ? "" : "; " + hint);
    }
    std::string why;
    for (std::size_t i = 0; i < refused.size(); ++i) {
        why += i == 0 ? "" : i + 1 == refused.size() ? " and " : ", ";
        why += shown(refused[i]);
        if (const std::string hint = fail_on_hint(refused[i], names); !hint.empty()) why += " (" + hint + ")";
    }
    return why + " are not kinds it takes (" + listed + ")";
}

// What the replay met of the kinds `fail_on` names, counted in words ("2 gaps, 1 duplicate");
// empty when it met none of them.
std::string fail_on_failures(const replay::summary& s, const std::vector<std::string>& fail_on) {
    std::string text;
    for (const auto& k : fail_on_kinds) {
        const std::uint64_t count = s.*k.count;
        if (count == 0 || std::find(fail_on.begin(), fail_on.end(), k.name) == fail_on.end()) continue;
        text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + std::string(count == 1 ? k.one : k.many);
    }
    return text;
}

// Whether the policies' record schemas allow every --group-by field (record_schemas_allow): a
// misspelt one would count every record under `null`, as if no record had the field. Logs each
// one they do not, with the schema's field it may stand for.
bool group_by_fields_declared(const compiled_set& set, spdlog::logger& logger) {
    bool declared = true;
    std::vector<std::string> known;  // listed for the first field refused
    for (const auto& field : carried_fields(set)) {
        if (record_schemas_allow(set, field)) continue;
        if (known.empty()) known = record_schema_fields(set);
        std::string message = "--group-by: `" + field + "` is not a field of any record schema the policies declare";
        if (const auto guess = closest_match(field, known)) message += "; did you mean `" + *guess + "`?";
        logger.error("{}", message);
        declared = false;
    }
    if (!declared) logger.error("nothing was evaluated");
    return declared;
}

// Why the outputs would destroy what the replay reads, or each other; empty when they would not.
// Opening an output empties it, so this is known before anything is opened.
std::string outputs_overwrite_inputs(const replay_command_options& o) {
    const std::pair<const std::string*, const char*> outputs[] = {{&o.findings, "--findings"},
                                                                  {&o.summary_json, "--summary-json"}};
    for (const auto& [output, option] : outputs) {
        if (output->empty()) continue;
        for (const auto& log : o.logs) {
            if (same_file(*output, log))
                return "`" + *output + "` is both a log to replay and the " + option +
                       " file: writing it would destroy the log";
        }
    }
    if (!o.summary_json.empty() && same_file(o.findings, o.summary_json))
        return "--findings and --summary-json name the same file `" + o.summary_json + "`";
    return "";
}

// Everything a replay needs before it starts, checked before an output is opened (and emptied): a
// replay that cannot start leaves the files it would have written as they were. False, with the
// reasons logged, when something is missing.
bool ready_to_replay(const replay_command_options& o, spdlog::logger& logger) {
    if (const std::string clash = outputs_overwrite_inputs(o); !clash.empty()) {
        logger.error("{}; nothing was evaluated", clash);
        return false;
    }
    bool ready = true;
    for (const auto& p : replay::unopenable_logs(o.logs)) {
        logger.error("cannot read `{}`: {}", p.file, p.error);
        ready = false;
    }
    for (const std::string* output : {&o.findings, &o.summary_json}) {
        if (output->empty() || *output == "-") continue;
        if (const std::string why = cannot_write(*output); !why.empty()) {
            logger.error("cannot write `{}`: {}", *output, why);
            ready = false;
        }
    }
    if (!ready) logger.error("nothing was evaluated");
    return ready;
}

}  // namespace

CLI::App* add_replay_command(CLI::App& app, replay_command_options& o) {
    auto* cmd = app.add_subcommand("replay",
                                   "judge historical logs (plain or .gz) conversation by conversation, in turn order");
    cmd->add_option("--policy,-p", o.policies, "a policy file or directory (repeat for several)")
        ->required()
        ->allow_extra_args(false);
    cmd->add_option("logs", o.logs, "JSON Lines logs, plain or .gz, read in this order as one stream")->required();
    add_threads_option(*cmd, "--threads,-j", o.threads, "worker threads; the output does not depend on it");
    cmd->add_option("--idle", o.idle,
                    "a conversation closes after this much log time without a record (90s, 30m, 2h, 1d)")
        ->check(duration_or_zero())
        ->capture_default_str();
    cmd->add_option("--resume-within", o.resume_within,
                    "a conversation that went idle and comes back within this much log time of its last record "
                    "goes on from its next turn instead of turn 1 (0: never)")
        ->check(duration_or_zero())
        ->capture_default_str();
    cmd->add_option("--reorder-window", o.reorder_window,
                    "records a conversation holds back while it waits for a missing turn")
        ->check(whole_number())
        ->capture_default_str();
    add_max_line_option(*cmd, o.max_line);
    cmd->add_option("--record-member", o.record_member,
                    "each line wraps its record in this member (`record` for a decision log of vigil serve)");
    cmd->add_option("--findings,-o", o.findings, "where the findings go (JSON Lines), or - for standard output")
        ->capture_default_str();
    cmd->add_option("--summary-json", o.summary_json, "also write the summary as JSON to this file");
    cmd->add_option("--from", o.from,
                    "report only records timed on or after this date or time (2026-01-01, 2026-01-01T09:00:00Z); "
                    "earlier ones are still evaluated for their conversations")
        ->check(date_validator());
    cmd->add_option("--until", o.until,
                    "report only records timed before this date or time; later ones are still evaluated, so that "
                    "an obligation can be met after the period")
        ->check(date_validator());
    cmd->add_option("--group-by", o.group_by,
                    "also count records and findings by the values of this record field (language, channel, "
                    "meta.tenant; repeat for several)")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                return is_field_path(text) ? ""
                                           : "`" + text +
                                                 "` is not a record field (names joined by dots, such as "
                                                 "language or meta.tenant)";
            },
            "FIELD"))
        ->allow_extra_args(false);
    cmd->add_option("--fail-on", o.fail_on,
                    "also exit with 1 when the replay met these: gap, duplicate, out_of_order (turn-order "
                    "problems), undetermined (rules that could not be decided); comma-separated, or repeat the "
                    "option")
        ->delimiter(',')
        ->type_name("KIND")
        ->allow_extra_args(false);
    cmd->add_flag("--explain", o.explain,
                  "each finding of a record also says how every part of its rule came out on it (as vigil eval "
                  "--explain); slower");
    cmd->add_flag("--no-hash", o.no_hash,
                  "do not hash the logs as they are read (their SHA-256 in the summary): the reader thread "
                  "spends about 0.8 s a GB on it, four times that on a CPU without SHA instructions");
    cmd->add_flag("--profile", o.profile,
                  "the summary also says where the time went: reading records, the conversation state, each rule "
                  "and the costliest definitions (all of them in --summary-json)");
    cmd->add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    cmd->callback([&o] {
        if (const std::string why = refused_fail_on_kinds(o.fail_on); !why.empty())
            throw CLI::ValidationError("--fail-on", why);
        if (!o.from.empty() && !o.until.empty() && *parse_effective_date(o.from) >= *parse_effective_date(o.until))
            throw CLI::ValidationError("--until", "the period must end after it starts (--from " + o.from + ")");
    });
    return cmd;
}

int run_replay(const replay_command_options& o) {
    auto logger = make_replay_logger(o.log_level);
    compile_options compiling;
    for (const auto& field : o.group_by) {  // a field given twice is counted once
        if (std::find(compiling.carried_fields.begin(), compiling.carried_fields.end(), field) ==
            compiling.carried_fields.end())
            compiling.carried_fields.push_back(field);
    }
    const auto policies = compile_policies(o.policies, compiling);
    if (!policies.set) {
        print_policy_diagnostics(policies);
        if (policies.unreadable) {
            logger->error("cannot read the policies; nothing was evaluated");
            return exit_bad_input;
        }
        logger->error("the policies do not check; nothing was evaluated");
        return exit_bad_policy;
    }
    print_policy_diagnostics(policies);  // warnings
    if (!group_by_fields_declared(*policies.set, *logger)) return exit_bad_input;
    if (!ready_to_replay(o, *logger)) return exit_bad_input;

    output_file out(stdout);
    if (o.findings != "-") {
        out.reset(std::fopen(o.findings.c_str(), "wb"));
        if (!out) {
            logger->error("cannot write `{}`: {}", o.findings, std::strerror(errno));
            return exit_bad_input;
        }
    }

    // Opened before the replay, as the findings file is: a replay of months of logs should not fail
    // at its end for a path it could have refused at once (ready_to_replay checked it could).
    output_file summary_file;
    if (!o.summary_json.empty()) {
        summary_file.reset(std::fopen(o.summary_json.c_str(), "wb"));
        if (!summary_file) {
            logger->error("cannot write `{}`: {}", o.summary_json, std::strerror(errno));
            return exit_bad_input;
        }
    }

    replay::options options;
    options.logs = o.logs;
    options.threads = o.threads;
    options.tracking.reorder_window = o.reorder_window;
    options.record_member = o.record_member;
    options.max_line = *server::parse_size(o.max_line);
    options.tracking.idle_gap_ms = *duration_or_zero_ms(o.idle);
    options.tracking.resume_within_ms = *duration_or_zero_ms(o.resume_within);
    options.tracking.explain = o.explain;
    options.profile = o.profile;
    options.hash_logs = !o.no_hash;
    options.progress = isatty(STDERR_FILENO) && logger->level() <= spdlog::level::info;
    if (!o.from.empty()) options.audited.from = parse_effective_date(o.from);
    if (!o.until.empty()) options.audited.until = parse_effective_date(o.until);

    replay::summary summary;
    const std::string findings_name = o.findings == "-" ? "standard output" : "`" + o.findings + "`";
    try {
        summary = replay::run(policies.set, options, [&](std::string_view chunk) {
            if (std::fwrite(chunk.data(), 1, chunk.size(), out.get()) != chunk.size())
                throw std::runtime_error("cannot write " + findings_name + ": " + std::strerror(errno));
        });
        if (std::fflush(out.get()) != 0)
            throw std::runtime_error("cannot write " + findings_name + ": " + std::strerror(errno));
        if (out.get() != stdout && std::fclose(out.release()) != 0)
            throw std::runtime_error("cannot write " + findings_name + ": " + std::strerror(errno));
    } catch (const std::exception& e) {
        logger->error("{}", e.what());
        // Said once: what standard output still holds is dropped, so that the check every command
        // makes of it afterwards does not say it again (with an errno that no longer tells why).
        if (out.get() == stdout) {
            __fpurge(stdout);
            std::clearerr(stdout);
        }
        return exit_bad_input;
    }

    if (!summary.unreadable.empty() && summary.lines == 0 && summary.files.empty()) {
        for (const auto& p : summary.unreadable) logger->error("cannot read `{}`: {}", p.file, p.error);
        logger->error("nothing was evaluated");
        return exit_bad_input;
    }
    for (const auto& line : replay::render_text(summary)) {
        if (line.problem)
            logger->warn("{}", line.text);
        else
            logger->info("{}", line.text);
    }

    if (summary_file) {
        const std::string text = json_text(replay::to_json(summary), 2) + "\n";
        if (std::fwrite(text.data(), 1, text.size(), summary_file.get()) != text.size() ||
            std::fclose(summary_file.release()) != 0) {
            logger->error("cannot write `{}`: {}", o.summary_json, std::strerror(errno));
            return exit_bad_input;
        }
    }

    // Asked for by the auditor, turn-order problems and undetermined rules are something found, as
    // violations are: the log was read, and what it lacks is known (bad input, exit 2, is what
    // could not be read).
    const std::string named = fail_on_failures(summary, o.fail_on);
    if (!named.empty()) logger->warn("the run fails on what --fail-on names: {}", named);
    if (!summary.unreadable.empty() || summary.malformed > 0) return exit_bad_input;
    if (summary.decided > 0 && summary.outside_effect == summary.decided) {
        // Allowed without a finding, the records would pass for clean: as if nothing was evaluated.
        logger->error("no policy was in effect at the time of any record; nothing was judged");
        return exit_bad_input;
    }
    if (summary.audited.bounded() && summary.decided == 0 && summary.before_period + summary.after_period > 0) {
        // Logs of other months than the period given: a clean exit would pass for a clean period.
        logger->error("no record of the logs is timed in the audited period; nothing was reported");
        return exit_bad_input;
    }
    if (summary.violations > 0 || !named.empty()) return exit_findings;
    return exit_clean;
}

}  // namespace vigil::cli
