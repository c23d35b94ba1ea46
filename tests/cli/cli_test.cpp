// End-to-end tests of the real `vigil` binary: every output a person reads is a golden file.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "shell.hpp"
#include "support/golden.hpp"

namespace fs = std::filesystem;

namespace {

using cli_test::run_result;

// Runs `vigil ARGS` from the source directory, so paths in the output are relative.
run_result run_vigil(const std::string& args, const std::string& stdin_file = "") {
    std::string command = "cd '" + std::string(VIGIL_SOURCE_DIR) + "' && '" + std::string(VIGIL_BINARY) + "' " + args;
    if (!stdin_file.empty()) command += " < " + stdin_file;
    return cli_test::run_shell(command);
}

// The golden holds the command, its output and its exit status.
void golden(const std::string& name, const std::string& args, const std::string& stdin_file = "") {
    const auto r = run_vigil(args, stdin_file);
    check_golden("cli/" + name + ".golden",
                 "$ vigil " + args + (stdin_file.empty() ? "" : " < " + stdin_file) + "\n" + r.output +
                     "[exit " + std::to_string(r.status) + "]\n");
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The lines of a Markdown document from `at` to the end of the code block it is in.
std::vector<std::string> block_lines_from(const std::string& markdown, std::size_t at) {
    return lines_of(markdown.substr(at, markdown.find("```", at) - at));
}

// A block of a Markdown file fenced as ```LANG, and the line of its opening fence.
struct fenced_block {
    std::size_t line = 0;
    std::string text;
};

std::vector<fenced_block> fenced_blocks(const fs::path& markdown, const std::string& lang) {
    std::vector<fenced_block> blocks;
    std::ifstream in(markdown);
    std::string line;
    bool inside = false;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (!inside && line == "```" + lang) {
            inside = true;
            blocks.push_back({number, ""});
        } else if (inside && line.rfind("```", 0) == 0) {
            inside = false;
        } else if (inside) {
            blocks.back().text += line + "\n";
        }
    }
    return blocks;
}

}  // namespace

BOOST_AUTO_TEST_CASE(check_shipped_policies_is_clean) {
    golden("check_policies", "check policies/");
}

BOOST_AUTO_TEST_CASE(check_reports_every_independent_mistake) {
    golden("check_three_mistakes", "check tests/golden/cli/three_mistakes.vigil");
}

BOOST_AUTO_TEST_CASE(check_reports_semantic_errors) {
    golden("check_semantic", "check tests/golden/cli/semantic_errors.vigil");
}

BOOST_AUTO_TEST_CASE(check_json_format) {
    golden("check_json", "check --format json tests/golden/cli/three_mistakes.vigil");
}

// SARIF for code scanning services: a golden, and what a service relies on: every result names
// the rule at its ruleIndex, one result per diagnostic, and file names as URI references.
BOOST_AUTO_TEST_CASE(check_sarif_format) {
    golden("check_sarif", "check --format sarif tests/golden/cli/semantic_errors.vigil");
    const auto sarif =
        nlohmann::json::parse(run_vigil("check --format sarif tests/golden/cli/semantic_errors.vigil").output);
    const auto json =
        nlohmann::json::parse(run_vigil("check --format json tests/golden/cli/semantic_errors.vigil").output);
    BOOST_TEST(sarif["version"] == "2.1.0");
    const auto& run = sarif["runs"][0];
    const auto& rules = run["tool"]["driver"]["rules"];
    BOOST_TEST(run["results"].size() == json["diagnostics"].size());
    for (std::size_t i = 0; i < run["results"].size(); ++i) {
        const auto& result = run["results"][i];
        const auto& diagnostic = json["diagnostics"][i];
        BOOST_TEST(rules[result["ruleIndex"].get<std::size_t>()]["id"] == result["ruleId"]);
        BOOST_TEST(result["ruleId"] == diagnostic["code"]);
        BOOST_TEST(result["level"] == diagnostic["severity"]);
        const auto& region = result["locations"][0]["physicalLocation"]["region"];
        BOOST_TEST(region["startLine"] == diagnostic["location"]["line"]);
        BOOST_TEST(region["startColumn"] == diagnostic["location"]["column"]);
        BOOST_TEST(region["endColumn"] == diagnostic["location"]["end_column"]);
    }

    const fs::path dir = fs::temp_directory_path() / "vigil sarif ü";
    fs::create_directories(dir);
    std::ofstream(dir / "größe #1.vigil") << "policy \"p\" {\n  rule r {\n    require 1 + \"x\" == 2\n  }\n}\n";
    const auto absolute =
        nlohmann::json::parse(run_vigil("check --format sarif '" + (dir / "größe #1.vigil").string() + "'").output);
    BOOST_REQUIRE(absolute["runs"][0]["results"].size() == 1u);
    const auto& location = absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    BOOST_TEST(location["artifactLocation"]["uri"] ==
               "file://" + fs::temp_directory_path().string() + "/vigil%20sarif%20%C3%BC/gr%C3%B6%C3%9Fe%20%231.vigil");
    BOOST_TEST(location["region"]["snippet"]["text"] == "1 + \"x\"");
    const auto relative = cli_test::run_shell("cd '" + dir.string() + "' && '" + std::string(VIGIL_BINARY) +
                                              "' check --format sarif 'größe #1.vigil'");
    BOOST_TEST(
        nlohmann::json::parse(
            relative.output)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "gr%C3%B6%C3%9Fe%20%231.vigil");
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(check_missing_file_is_unreadable_input) {
    golden("check_missing_file", "check tests/golden/cli/no_such_file.vigil");
}

// A command run without what it needs says so in words (CLI11 said "paths is required"), as a
// usage error.
BOOST_AUTO_TEST_CASE(a_command_without_its_inputs_says_what_to_give) {
    golden("check_no_path", "check");
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"", "vigil: give a command, such as `vigil check POLICY`"},
        {"eval", "vigil eval: give the policies to run with --policy FILE_OR_DIRECTORY"},
        {"test", "vigil test: give at least one test file, policy file or directory"},
        {"replay", "vigil replay: give the policies to run with --policy FILE_OR_DIRECTORY"},
        {"replay --policy policies/", "vigil replay: give at least one log to replay"},
    };
    for (const auto& [args, first_line] : expected) {
        BOOST_TEST_CONTEXT("vigil " << args) {
            const auto r = run_vigil(args);
            BOOST_TEST(r.status == 2);
            BOOST_TEST(lines_of(r.output).at(0) == first_line);
        }
    }
}

BOOST_AUTO_TEST_CASE(eval_examples) {
    golden("eval_examples", "eval --policy policies/ --input examples/records.jsonl");
}

BOOST_AUTO_TEST_CASE(eval_answers_every_line_around_a_malformed_one) {
    golden("eval_malformed", "eval --policy policies/ --input tests/golden/cli/malformed.jsonl");
    const auto r = run_vigil("eval --policy policies/ --input tests/golden/cli/malformed.jsonl --log-level off");
    const auto lines = lines_of(r.output);
    std::ifstream input(std::string(VIGIL_SOURCE_DIR) + "/tests/golden/cli/malformed.jsonl");
    std::size_t input_lines = 0;
    for (std::string line; std::getline(input, line);) ++input_lines;
    BOOST_TEST(lines.size() == input_lines);
    BOOST_TEST(r.status == 2);
    std::size_t errors = 0, blank = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto answer = nlohmann::json::parse(lines[i]);
        if (answer.contains("error")) {
            ++errors;
            BOOST_TEST(answer["line"] == i + 1);
        } else if (answer.contains("blank")) {  // answered, not malformed
            ++blank;
            BOOST_TEST(answer == nlohmann::json({{"line", i + 1}, {"blank", true}}));
        } else {
            BOOST_TEST(answer.contains("decision"));
        }
    }
    BOOST_TEST(errors >= 2u);
    BOOST_TEST(blank == 1u);
}

// A blank line holds no record, and is not a malformed one: a log that ends in one (or has some
// inside) exits as it does without them, in eval and in replay, and both count them apart.
BOOST_AUTO_TEST_CASE(blank_lines_do_not_change_the_exit_status) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-blank";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string policy = (dir / "p.vigil").string(), clean = (dir / "clean.jsonl").string(),
                      summary = (dir / "summary.json").string();
    std::ofstream(policy) << "policy \"p\" {\n  rule r {\n    forbid text == \"never said\"\n  }\n}\n";
    const std::string examples = read_file(std::string(VIGIL_SOURCE_DIR) + "/examples/records.jsonl");
    std::ofstream(clean) << examples;
    const std::string blanks = (dir / "blanks.jsonl").string();
    std::ofstream(blanks) << "\n"
                          << examples.substr(0, examples.find('\n') + 1) << " \t\n"
                          << examples.substr(examples.find('\n') + 1) << "\n";
    for (const auto& policies : {std::string("policies/"), policy}) {
        const auto without =
            run_vigil("replay --policy '" + policies + "' '" + clean + "' -o /dev/null --log-level off");
        const auto with = run_vigil("replay --policy '" + policies + "' '" + blanks +
                                    "' -o /dev/null --summary-json '" + summary + "'");
        BOOST_TEST(without.status == (policies == policy ? 0 : 1));  // the shipped policies find violations
        BOOST_TEST(with.status == without.status, policies << ": " << with.output);
        BOOST_TEST(
            with.output.find("vigil: 3 blank lines (empty or only whitespace), not evaluated\n") != std::string::npos,
            with.output);
        const auto j = nlohmann::json::parse(read_file(summary));
        BOOST_TEST(j["blank_lines"] == 3);
        BOOST_TEST(j["malformed"]["count"] == 0);
        BOOST_TEST(j["lines"] == j["decided"].get<int>() + 3);

        const auto eval_without = run_vigil("eval --policy '" + policies + "' --input '" + clean + "' --log-level off");
        const auto eval_with = run_vigil("eval --policy '" + policies + "' --input '" + blanks + "'");
        BOOST_TEST(eval_with.status == eval_without.status, policies << ": " << eval_with.output);
        BOOST_TEST(eval_with.output.find("{\"blank\":true,\"line\":3}\n") != std::string::npos, eval_with.output);
        BOOST_TEST(eval_with.output.find("malformed") == std::string::npos, eval_with.output);
        BOOST_TEST(eval_with.output.find(" lines in (3 blank), ") != std::string::npos, eval_with.output);
    }
}

// Lines over --max-line (two of this input) get an answer like any malformed line, with their length; the others are
// decided as without the limit. A gzip input reads as the plain one, from a file or a pipe.
BOOST_AUTO_TEST_CASE(eval_answers_lines_over_the_limit_and_reads_gzip) {
    const std::string input = "tests/golden/cli/malformed.jsonl";
    const auto whole = lines_of(run_vigil("eval --policy policies/ --input " + input + " --log-level off").output);
    const auto limited =
        lines_of(run_vigil("eval --policy policies/ --input " + input + " --max-line 150 --log-level off").output);
    std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/" + input);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    BOOST_REQUIRE(limited.size() == lines.size());
    BOOST_REQUIRE(whole.size() == lines.size());
    std::size_t over = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].size() <= 150) {
            BOOST_TEST(limited[i] == whole[i]);
            continue;
        }
        ++over;
        const auto answer = nlohmann::json::parse(limited[i]);
        BOOST_TEST(answer["line"] == i + 1);
        BOOST_TEST(answer["error"] == "the line is " + std::to_string(lines[i].size()) +
                                          " bytes long, over the limit of 150 (--max-line): not read");
    }
    BOOST_TEST(over >= 2u);

    const fs::path dir = fs::temp_directory_path() / "vigil-cli-eval-gzip";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string plain = (dir / "records.jsonl").string(), gz = (dir / "records.jsonl.gz").string();
    BOOST_REQUIRE(run_vigil("generate -n 300 --seed 5 -o '" + plain + "'").status == 0);
    BOOST_REQUIRE(run_vigil("generate -n 300 --seed 5 -o '" + gz + "'").status == 0);
    const auto from_plain = run_vigil("eval --policy policies/ --input '" + plain + "' --log-level off");
    const auto from_gz = run_vigil("eval --policy policies/ --input '" + gz + "' --log-level off");
    BOOST_TEST(lines_of(from_plain.output).size() == 300u);
    BOOST_TEST(from_gz.output == from_plain.output);
    BOOST_TEST(from_gz.status == from_plain.status);

    // Through a pipe that delivers gzip's first byte alone: the format is told by two bytes.
    const auto from_pipe = cli_test::run_shell("(head -c 1 '" + gz + "'; sleep 0.2; tail -c +2 '" + gz + "') | '" +
                                               std::string(VIGIL_BINARY) + "' eval --policy '" +
                                               std::string(VIGIL_SOURCE_DIR) + "/policies/' --log-level off");
    BOOST_TEST(from_pipe.output == from_plain.output);
}

// Lines that are not UTF-8 are malformed like any other: eval answers each, replay counts them, and
// both reasons quote the broken bytes as \xHH (the answers are JSON, which is UTF-8). A file name
// that is not UTF-8 goes into JSON with U+FFFD for its broken byte.
BOOST_AUTO_TEST_CASE(lines_that_are_not_utf8_are_answered) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-not-utf8";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string log = (dir / "log\xFE.jsonl").string(), summary = (dir / "summary.json").string();
    {
        std::ofstream out(log, std::ios::binary);
        out << "{\"id\":\"a\xFF\",\"turn\":1}\n\xFE\xFE garbage\n";
        std::ifstream records(std::string(VIGIL_SOURCE_DIR) + "/examples/records.jsonl");
        std::string first;
        std::getline(records, first);
        out << first << "\n";
    }
    const auto eval = run_vigil("eval --policy policies/ --input '" + log + "' --log-level off");
    const auto answers = lines_of(eval.output);
    BOOST_REQUIRE(answers.size() == 3u);
    BOOST_TEST(nlohmann::json::parse(answers[0])["error"].get<std::string>().find("'\"a\\xFF'") != std::string::npos);
    BOOST_TEST(nlohmann::json::parse(answers[1])["error"].get<std::string>().find("'\\xFE'") != std::string::npos);
    BOOST_TEST(nlohmann::json::parse(answers[2]).contains("decision"));
    BOOST_TEST(eval.status == 2);

    const auto replay = run_vigil("replay --policy policies/ '" + log + "' --findings /dev/null --summary-json '" +
                                  summary + "' --log-level off");
    BOOST_TEST(replay.status == 2);
    std::ifstream in(summary);
    const auto j = nlohmann::json::parse(in);
    BOOST_TEST(j["malformed"]["count"] == 2);
    BOOST_TEST(j["files"][0]["path"] == (dir / "log\xEF\xBF\xBD.jsonl").string());
}

// A directory of policies that holds none is an error: as an empty policy set it allowed every record.
BOOST_AUTO_TEST_CASE(a_policy_directory_without_policies_is_refused) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-no-policies";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto r = run_vigil("eval --policy '" + dir.string() + "' --input examples/records.jsonl");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("error[V0501]: cannot read `" + dir.string() +
                             "`: the directory holds no policy file (*.vigil)") != std::string::npos,
               r.output);
}

BOOST_AUTO_TEST_CASE(eval_says_why_it_cannot_read_its_input) {
    const auto r = run_vigil("eval --policy policies/ --input examples/");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("cannot read input `examples/`: Is a directory") != std::string::npos, r.output);
}

// A directory opens like a file and fails at its first read: replay refuses it with the files that
// do not open, before it evaluates anything.
BOOST_AUTO_TEST_CASE(replay_refuses_a_directory_before_evaluating_anything) {
    const auto r = run_vigil("replay --policy policies/ examples/records.jsonl examples/");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("cannot read `examples/`: Is a directory") != std::string::npos, r.output);
    BOOST_TEST(r.output.find("nothing was evaluated") != std::string::npos, r.output);
    BOOST_TEST(r.output.find("records decided") == std::string::npos, r.output);
}

// The summary's file is opened before the replay, as the findings file is: a path that cannot be
// written is refused at once, not after hours of replay.
BOOST_AUTO_TEST_CASE(replay_refuses_a_summary_file_it_cannot_write_before_it_starts) {
    const auto r =
        run_vigil("replay --policy policies/ examples/records.jsonl --summary-json /nonexistent/summary.json");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(
        r.output.find("cannot write `/nonexistent/summary.json`: No such file or directory") != std::string::npos,
        r.output);
    BOOST_TEST(r.output.find("records decided") == std::string::npos, r.output);
}

// An output that names a log would empty it before it is read: refused, whatever the name it goes
// by, before anything is opened for writing.
BOOST_AUTO_TEST_CASE(replay_refuses_to_write_over_a_log) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-victim";
    fs::remove_all(dir);
    fs::create_directories(dir / "sub");
    const std::string victim = (dir / "victim.jsonl").string();
    fs::copy_file(fs::path(VIGIL_SOURCE_DIR) / "examples/records.jsonl", victim);
    fs::create_hard_link(victim, dir / "linked.jsonl");
    const std::string before = read_file(victim);
    const std::string summary = (dir / "summary.json").string();
    for (const std::string& outputs :
         {"-o '" + victim + "'", "--findings '" + (dir / "sub/../victim.jsonl").string() + "'",
          "-o '" + (dir / "linked.jsonl").string() + "'", "-o /dev/null --summary-json '" + victim + "'",
          "-o '" + summary + "' --summary-json '" + summary + "'"}) {
        const auto r = run_vigil("replay --policy policies/ '" + victim + "' " + outputs);
        BOOST_TEST(r.status == 2, outputs);
        const bool refused =
            r.output.find("writing it would destroy the log; nothing was evaluated") != std::string::npos ||
            r.output.find("name the same file") != std::string::npos;
        BOOST_TEST(refused, outputs << ": " << r.output);
        BOOST_TEST(r.output.find("records decided") == std::string::npos, r.output);
        BOOST_TEST(read_file(victim) == before, outputs);
    }
    BOOST_TEST(!fs::exists(summary));
    const auto r = run_vigil("replay --policy policies/ '" + victim + "' -o '" + victim + "'");
    BOOST_TEST(
        r.output.find("vigil: `" + victim + "` is both a log to replay and the --findings file") != std::string::npos,
        r.output);
    // /dev/null is not emptied by writing it.
    BOOST_TEST(run_vigil("replay --policy policies/ /dev/null -o /dev/null --log-level off").status == 0);
}

// A replay that cannot start (a log that does not open, an output that cannot be written) leaves
// the files it would have written as they were: it checks everything before it opens one.
BOOST_AUTO_TEST_CASE(a_replay_that_cannot_start_leaves_its_outputs_as_they_were) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-keep";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string keep = (dir / "keep.jsonl").string(), fresh = (dir / "fresh.jsonl").string();
    std::ofstream(keep) << "last month's findings\n";
    auto r = run_vigil("replay --policy policies/ '" + (dir / "nope.jsonl").string() + "' -o '" + keep + "'");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("nope.jsonl`: No such file or directory") != std::string::npos, r.output);
    BOOST_TEST(read_file(keep) == "last month's findings\n");
    r = run_vigil("replay --policy policies/ examples/records.jsonl -o '" + fresh + "' --summary-json '" +
                  (dir / "nodir/s.json").string() + "'");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("nodir/s.json`: No such file or directory") != std::string::npos, r.output);
    BOOST_TEST(!fs::exists(fresh));
    r = run_vigil("replay --policy policies/ examples/records.jsonl -o '" + keep + "' --summary-json '" + dir.string() +
                  "'");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("cannot write `" + dir.string() + "`: Is a directory") != std::string::npos, r.output);
    BOOST_TEST(read_file(keep) == "last month's findings\n");
}

// Policies that cannot be read are unreadable input (exit 2), as `vigil eval` has it, and said so:
// not "do not check", which exits with 3.
BOOST_AUTO_TEST_CASE(policies_that_cannot_be_read_exit_2_and_say_so) {
    for (const std::string command : {"replay --policy nowhere.vigil examples/records.jsonl",
                                      "eval --policy nowhere.vigil --input examples/records.jsonl"}) {
        const auto r = run_vigil(command);
        BOOST_TEST(r.status == 2, command);
        BOOST_TEST(r.output.find("vigil: cannot read the policies; nothing was evaluated") != std::string::npos,
                   command << ": " << r.output);
        BOOST_TEST(r.output.find("do not check") == std::string::npos, command << ": " << r.output);
    }
}

// Logs of months no policy version covers would replay as clean: the summary says how many records
// no rule judged, and a replay that judged none exits with 2, as if nothing was evaluated.
BOOST_AUTO_TEST_CASE(replay_says_when_no_policy_was_in_effect) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-effective";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string policy = (dir / "p.vigil").string(), log = (dir / "2025.jsonl").string(),
                      summary = (dir / "summary.json").string();
    std::ofstream(policy) << "policy \"p\" {\n  effective from \"2026-01-01\"\n  rule disclosed {\n"
                             "    when speaker == \"ai\"\n    require ai.disclosed\n  }\n}\n";
    BOOST_REQUIRE(run_vigil("generate -n 200 --start 2025-06-01T00:00:00Z -o '" + log + "'").status == 0);
    auto r = run_vigil("replay --policy '" + policy + "' '" + log + "' -o /dev/null --summary-json '" + summary + "'");
    BOOST_TEST(r.status == 2, r.output);
    const std::string warning =
        "vigil: all 200 records decided outside every effective period of the policies, judged by no rule: ";
    BOOST_TEST(r.output.find(warning + log + ":1, " + log + ":2, ") != std::string::npos, r.output);
    BOOST_TEST(r.output.find("vigil: no policy was in effect at the time of any record; nothing was judged") !=
                   std::string::npos,
               r.output);
    auto j = nlohmann::json::parse(read_file(summary));
    BOOST_TEST(j["records_outside_effective_periods"]["count"] == 200);
    BOOST_TEST(j["records_outside_effective_periods"]["first"].size() == 10u);
    // A warning, still shown when the log level keeps only warnings.
    r = run_vigil("replay --policy '" + policy + "' '" + log + "' -o /dev/null --log-level warn");
    BOOST_TEST(r.output.find("all 200 records decided outside every effective period") != std::string::npos, r.output);
    // The summary names the settings that change the results, and the version that replayed.
    const auto version = run_vigil("--version").output;
    BOOST_TEST(version == "vigil " + j["run"]["vigil_version"].get<std::string>() + "\n");
    BOOST_TEST(j["settings"]["record_member"].is_null());
}

// Output that cannot be written is an error (exit 2), not a run that looks successful.
BOOST_AUTO_TEST_CASE(output_that_cannot_be_written_fails) {
    const std::string cd = "cd '" + std::string(VIGIL_SOURCE_DIR) + "' && '" + std::string(VIGIL_BINARY) + "' ";
    auto r = run_vigil("eval --policy policies/ --input examples/records.jsonl -o /dev/full");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("cannot write `/dev/full`: No space left on device") != std::string::npos, r.output);
    for (const std::string command : {"eval --policy policies/ --input examples/records.jsonl", "check policies/",
                                      "test policies/", "generate -n 10"}) {
        r = cli_test::run_shell("(" + cd + command + " > /dev/full)");
        BOOST_TEST(r.status == 2, command);
        BOOST_TEST(r.output.find("cannot write to standard output") != std::string::npos, command << ": " << r.output);
    }
    // Replay says why its findings could not be written to standard output, once: the check made
    // for every command afterwards had said it again, with a stale errno ("Inappropriate ioctl").
    r = cli_test::run_shell("(" + cd + "replay --policy policies/ examples/records.jsonl > /dev/full)");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("cannot write standard output: No space left on device") != std::string::npos, r.output);
    BOOST_TEST(r.output.find("cannot write to standard output") == std::string::npos, r.output);
    // A command that fails for another reason (malformed lines) still says that its output was lost.
    r = cli_test::run_shell("(" + cd + "eval --policy policies/ --input tests/golden/cli/malformed.jsonl > /dev/full)");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("cannot write to standard output: No space left on device") != std::string::npos,
               r.output);
}

// --profile: the same answers, and a summary that ends with where the time went (docs/cli.md).
BOOST_AUTO_TEST_CASE(eval_profiles_on_request) {
    const auto plain = run_vigil("eval --policy policies/ --input examples/records.jsonl --log-level off");
    const auto profiled = run_vigil("eval --policy policies/ --input examples/records.jsonl --log-level off --profile");
    BOOST_TEST(profiled.status == plain.status);
    BOOST_TEST(profiled.output == plain.output);
    const auto r = run_vigil("eval --policy policies/ --input examples/records.jsonl --output /dev/null --profile");
    BOOST_TEST(r.status == plain.status);
    for (const char* line : {"\nvigil: profile: ", "\nvigil:   read records: ", "\nvigil:   write answers: ",
                             "\nvigil:   rule manipulation/no_sales_to_distressed (policies/manipulation.vigil:",
                             "\nvigil:   definition distressed (policies/common.vigil:12:18): ",
                             "\nvigil:   the rest (reading lines, malformed ones): "}) {
        BOOST_TEST(r.output.find(line) != std::string::npos, line << " not in\n" << r.output);
    }
}

// --explain: the same decisions, each with how every rule came out (docs/cli.md).
BOOST_AUTO_TEST_CASE(eval_explains_every_rule_on_request) {
    const auto plain = run_vigil("eval --policy policies/ --input examples/records.jsonl --log-level off");
    const auto explained =
        run_vigil("eval --policy policies/ --input examples/records.jsonl --log-level off --explain");
    BOOST_TEST(explained.status == plain.status);
    std::istringstream plain_lines(plain.output), explained_lines(explained.output);
    std::string a, b;
    std::size_t lines = 0;
    while (std::getline(plain_lines, a) && std::getline(explained_lines, b)) {
        ++lines;
        nlohmann::json with = nlohmann::json::parse(b);
        if (!with.contains("explain")) {  // a malformed line is answered as without --explain
            BOOST_TEST(a == b);
            continue;
        }
        BOOST_TEST(with["explain"].size() == 15u);  // the shipped rules
        with.erase("explain");
        BOOST_TEST(with == nlohmann::json::parse(a));
    }
    BOOST_TEST(lines > 5u);
    BOOST_TEST(!std::getline(explained_lines, b));
    // The third record: an upsell to a person in distress.
    std::istringstream again(explained.output);
    for (int i = 0; i < 3; ++i) std::getline(again, b);
    bool seen = false;
    const nlohmann::json third = nlohmann::json::parse(b);  // the loop below must not read a temporary
    for (const auto& rule : third["explain"]) {
        if (rule["rule"] != "no_sales_to_distressed") continue;
        seen = true;
        BOOST_TEST(rule["result"] == "violation");
        // The part names a definition: what it stands for comes with it.
        nlohmann::json expected = nlohmann::json::parse(
            R"({"clause":"forbid","text":"distressed","value":true,"missing":[],"errors":[],"definitions":[
                {"name":"distressed","value":true,"missing":[],"errors":[],"definitions":[]}]})");
        expected["definitions"][0]["text"] =
            "signals.distress >= 0.6 or (any e in signals.emotions: e in [\"anxiety\", \"fear\", \"sadness\", "
            "\"anger\", \"frustration\"]) or signals.sentiment <= -0.5";
        BOOST_TEST(rule["clauses"][2] == expected, rule["clauses"][2].dump());
    }
    BOOST_TEST(seen);
}

BOOST_AUTO_TEST_CASE(eval_reads_standard_input) {
    const auto from_file = run_vigil("eval --policy policies/ --input examples/records.jsonl --log-level off");
    const auto from_stdin = run_vigil("eval --policy policies/ --log-level off", "examples/records.jsonl");
    BOOST_TEST(from_file.output == from_stdin.output);
    BOOST_TEST(from_file.status == from_stdin.status);
}

BOOST_AUTO_TEST_CASE(eval_refuses_policies_that_do_not_check) {
    golden("eval_bad_policy", "eval --policy tests/golden/cli/semantic_errors.vigil --input examples/records.jsonl");
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
    BOOST_TEST(run_vigil("").status == 2);
    BOOST_TEST(run_vigil("frobnicate").status == 2);
    BOOST_TEST(run_vigil("eval --input examples/records.jsonl").status == 2);
    BOOST_TEST(run_vigil("check --format yaml policies/").status == 2);
    // More threads than a process can start made the thread library give up, and the command abort.
    BOOST_TEST(run_vigil("replay --policy policies/ examples/records.jsonl -j 40000").status == 2);
    BOOST_TEST(run_vigil("serve --policy policies/ --threads 40000").status == 2);
}

// CLI11 reads a negative number into an unsigned option as its wrapped value, and a number beyond
// 64 bits as the largest: `--reorder-window -1` held back every record of a conversation without a
// bound, and `generate -n -5` asked for 18446744073709551611 records.
BOOST_AUTO_TEST_CASE(counts_must_be_whole_numbers_in_range) {
    const std::pair<std::string, std::string> refused[] = {
        {"replay --policy policies/ examples/records.jsonl --reorder-window -1",
         "--reorder-window: expected a whole number (0, 1, 2, ...)"},
        {"generate -n -5", "--records: expected a whole number (0, 1, 2, ...)"},
        {"generate -n 1.5", "--records: expected a whole number (0, 1, 2, ...)"},
        {"generate --seed 18446744073709551616", "--seed: expected a whole number of at most 18446744073709551615"},
        {"generate --concurrent 0", "--concurrent: expected a whole number of at least 1"},
        {"serve --policy policies/ --max-batch -1", "--max-batch: expected a whole number of at least 1"},
    };
    for (const auto& [args, message] : refused) {
        const auto r = run_vigil(args);
        BOOST_TEST(r.status == 2, args);
        BOOST_TEST(r.output.find(message) != std::string::npos, args << ": " << r.output);
    }
    const auto r = run_vigil("generate -n 3 --seed 18446744073709551615 --concurrent 1");
    BOOST_TEST(r.status == 0, r.output);
}

// Every ```vigil block in docs/ is a complete policy file that checks without errors, so the
// documentation cannot drift from the language.
BOOST_AUTO_TEST_CASE(every_docs_example_checks) {
    const fs::path docs = fs::path(VIGIL_SOURCE_DIR) / "docs";
    const fs::path scratch = fs::temp_directory_path() / "vigil-docs-examples";
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    std::size_t blocks = 0;
    for (const auto& entry : fs::recursive_directory_iterator(docs)) {
        if (entry.path().extension() != ".md") continue;
        for (const fenced_block& block : fenced_blocks(entry.path(), "vigil")) {
            ++blocks;
            const auto file = scratch / (entry.path().stem().string() + "-" + std::to_string(block.line) + ".vigil");
            std::ofstream(file) << block.text;
            const auto r = run_vigil("check '" + file.string() + "'");
            BOOST_TEST(r.status == 0, entry.path().string() << ":" << block.line << " does not check:\n" << r.output);
        }
    }
    BOOST_TEST(blocks > 10u);
}

// docs/integration-guide.md quotes the embedding example: each ```cpp block is a piece of
// examples/embed/main.cpp, and each ```text block a piece of what it prints (the golden file the
// embed_example test compares its output with), so neither can drift from the guide.
BOOST_AUTO_TEST_CASE(the_integration_guide_quotes_the_embedding_example_and_its_output) {
    const fs::path source(VIGIL_SOURCE_DIR);
    const fs::path guide = source / "docs" / "integration-guide.md";
    const std::string code = read_file(source / "examples" / "embed" / "main.cpp");
    const std::string printed = read_file(source / "tests" / "golden" / "embed" / "embed.golden");
    const auto code_blocks = fenced_blocks(guide, "cpp");
    const auto text_blocks = fenced_blocks(guide, "text");
    BOOST_TEST(code_blocks.size() >= 8u);
    BOOST_TEST(text_blocks.size() >= 3u);
    for (const fenced_block& block : code_blocks) {
        BOOST_TEST(code.find(block.text) != std::string::npos,
                   "docs/integration-guide.md:" << block.line << " is not in examples/embed/main.cpp:\n"
                                                << block.text);
    }
    for (const fenced_block& block : text_blocks) {
        BOOST_TEST(printed.find(block.text) != std::string::npos,
                   "docs/integration-guide.md:" << block.line << " is not what examples/embed prints:\n"
                                                << block.text);
    }
}

// docs/cli.md, `vigil replay --explain`: each finding of a record says how its rule came out.
BOOST_AUTO_TEST_CASE(replay_explains_findings_on_request) {
    const auto r = run_vigil("replay --policy policies/ examples/records.jsonl --explain --log-level off");
    BOOST_TEST(r.status == 1, r.output);
    std::istringstream lines(r.output);
    std::size_t explained = 0;
    for (std::string line; std::getline(lines, line);) {
        const nlohmann::json j = nlohmann::json::parse(line);
        if (j.contains("event")) continue;
        if (!j.contains("explain")) {  // a finding at the end of a conversation has no record to explain
            BOOST_TEST(j["rule"] == "handoff_after_repeated_frustration", line);
            continue;
        }
        BOOST_TEST(j["explain"]["rule"] == j["rule"]);
        BOOST_TEST(j["explain"]["result"] == j["outcome"]);
        ++explained;
    }
    BOOST_TEST(explained > 10u);
}

// docs/cli.md, `vigil replay --profile`: the summary ends with where the time went, in the lines
// the page shows (their figures aside), and the findings are those of a replay without it.
BOOST_AUTO_TEST_CASE(replay_profiles_on_request) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-profile";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string log = (dir / "log.jsonl").string();
    BOOST_REQUIRE(run_vigil("generate -n 5000 -o '" + log + "'").status == 0);
    const std::string command =
        "$ vigil replay --policy policies/ --threads 1 --findings /dev/null --profile log.jsonl";
    const std::string page = read_file(fs::path(VIGIL_SOURCE_DIR) / "docs" / "cli.md");
    const std::size_t start = page.find(command);
    BOOST_REQUIRE(start != std::string::npos);
    const auto r = run_vigil(replace_all(command.substr(8), "log.jsonl", "'" + log + "'"));
    BOOST_TEST(r.status == 1, r.output);  // violations found
    // Figures vary from run to run: compared with every number masked.
    const auto masked = [](const std::string& text) {
        std::string out;
        for (std::size_t i = 0; i < text.size();) {
            const auto digit = [&](std::size_t at) { return at < text.size() && std::isdigit(text[at]) != 0; };
            if (!digit(i)) {
                out += text[i++];
                continue;
            }
            while (digit(i) || (text[i] == '.' && digit(i + 1))) ++i;
            out += 'N';
        }
        return out;
    };
    const std::string printed = masked(r.output);
    const auto shown = block_lines_from(page, start);
    BOOST_REQUIRE(shown.size() > 5u);
    for (std::size_t i = 1; i < shown.size(); ++i) {
        if (shown[i] == "...") continue;
        BOOST_TEST(printed.find(masked(shown[i]) + "\n") != std::string::npos, "docs/cli.md shows `"
                                                                                   << shown[i] << "`; replay printed\n"
                                                                                   << r.output);
    }
    const auto plain = run_vigil("replay --policy policies/ examples/records.jsonl --log-level off");
    const auto profiled = run_vigil("replay --policy policies/ examples/records.jsonl --profile --log-level off");
    BOOST_TEST(profiled.output == plain.output);
}

// `vigil replay` end to end: a generated gzip log, 1 and 2 threads give the same findings file
// and summary, and the exit codes mean what docs/cli.md says.
BOOST_AUTO_TEST_CASE(replay_is_the_same_on_one_and_two_threads) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-replay";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string log = (dir / "log.jsonl.gz").string();
    const std::string broken = (dir / "broken.jsonl").string();
    BOOST_REQUIRE(run_vigil("generate -n 5000 --seed 3 --out-of-order 0.02 --duplicates 0.01 --gaps 0.01 -o '" + log +
                            "'")
                      .status == 0);
    BOOST_REQUIRE(run_vigil("generate -n 500 --malformed 0.02 -o '" + broken + "'").status == 0);

    const auto replay = [&](int threads) {
        const std::string findings = (dir / ("findings-" + std::to_string(threads) + ".jsonl")).string();
        const std::string summary = (dir / ("summary-" + std::to_string(threads) + ".json")).string();
        const auto r = run_vigil("replay --policy policies/ '" + log + "' --threads " + std::to_string(threads) +
                                 " --findings '" + findings + "' --summary-json '" + summary +
                                 "' --group-by language --group-by meta.tenant --group-by language");
        BOOST_TEST(r.status == 1, r.output);  // violations, nothing malformed
        BOOST_TEST(r.output.find("vigil: replayed 5000 lines") != std::string::npos, r.output);
        auto summary_json = nlohmann::json::parse(read_file(summary));
        BOOST_TEST(summary_json["run"]["threads"] == threads);
        summary_json.erase("run");
        return std::make_pair(read_file(findings), summary_json);
    };
    const auto one = replay(1);
    const auto two = replay(2);
    BOOST_TEST(!one.first.empty());
    BOOST_TEST((one.first == two.first), "1 and 2 threads give different findings files");
    BOOST_TEST(one.second == two.second);
    BOOST_TEST(one.second["lines"] == 5000);
    // --group-by counts by each field once, and gives each finding its record's values.
    BOOST_REQUIRE(one.second["groups"].size() == 2u);
    BOOST_TEST(one.second["groups"][1]["field"] == "meta.tenant");
    const auto first_finding = nlohmann::json::parse(one.first.substr(0, one.first.find('\n')));
    BOOST_TEST(first_finding["groups"].size() == 2u);
    BOOST_TEST(first_finding["groups"]["language"].is_string());
    BOOST_TEST(first_finding["groups"]["meta.tenant"] == first_finding["meta"]["tenant"]);
    const auto bad_field = run_vigil("replay --policy policies/ '" + log + "' --group-by 'meta..tenant'");
    BOOST_TEST(bad_field.status == 2);
    BOOST_TEST(bad_field.output.find("`meta..tenant` is not a record field") != std::string::npos, bad_field.output);

    // Findings go to standard output by default.
    const auto to_stdout = run_vigil("replay --policy policies/ '" + log +
                                     "' --threads 2 --log-level off --group-by language --group-by meta.tenant");
    BOOST_TEST((to_stdout.output == one.first));

    BOOST_TEST(run_vigil("replay --policy policies/ '" + broken + "' --log-level off").status == 2);
    BOOST_TEST(run_vigil("replay --policy policies/ " + (dir / "missing.jsonl").string() + " --log-level off").status ==
               2);
    BOOST_TEST(run_vigil("replay --policy policies/ '" + log + "' --idle 30 --log-level off").status == 2);
    // A bare 0 is a duration where one of zero means something, as `--resume-within 0` is.
    const auto idle_zero = run_vigil("replay --policy policies/ '" + log + "' --idle 0 --log-level off");
    BOOST_TEST(idle_zero.status == 1, idle_zero.output);
    BOOST_TEST(
        (idle_zero.output == run_vigil("replay --policy policies/ '" + log + "' --idle 0s --log-level off").output));
    BOOST_TEST(run_vigil("replay --policy policies/ '" + log + "' --resume-within 30 --log-level off").status == 2);
    BOOST_TEST(run_vigil("replay --policy tests/golden/cli/semantic_errors.vigil '" + log + "' --log-level off")
                   .status == 3);
}

// docs/cli.md: the summary names each log and each policy file by the SHA-256 that sha256sum gives
// it (a gzip log by its compressed bytes, as stored), in sha256sum's own lines in the text.
BOOST_AUTO_TEST_CASE(replay_names_every_file_by_the_hash_sha256sum_gives_it) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-sha256";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string gz = (dir / "log.jsonl.gz").string();
    const std::string summary = (dir / "summary.json").string();
    BOOST_REQUIRE(run_vigil("generate -n 300 -o '" + gz + "'").status == 0);
    const auto r = run_vigil("replay --policy policies/ examples/records.jsonl '" + gz +
                             "' -o /dev/null --summary-json '" + summary + "'");
    BOOST_TEST(r.status == 1, r.output);  // the examples' violations

    const auto listed =
        cli_test::run_shell("cd '" + std::string(VIGIL_SOURCE_DIR) + "' && sha256sum examples/records.jsonl '" + gz +
                            "' $(find policies -name '*.vigil' | sort) policies/schema/interaction-record.v1.json");
    BOOST_REQUIRE(listed.status == 0);
    std::map<std::string, std::string> expected;  // by path, as sha256sum prints it
    for (const std::string& line : lines_of(listed.output)) {
        expected[line.substr(66)] = line.substr(0, 64);
        BOOST_TEST(r.output.find("vigil:   " + line + "\n") != std::string::npos, line << " not in\n" << r.output);
    }
    BOOST_REQUIRE_EQUAL(expected.size(), 10u);
    const auto j = nlohmann::json::parse(read_file(summary));
    std::size_t compared = 0;
    for (const auto& list : {j["files"], j["policy_files"]}) {
        for (const auto& file : list) {
            const std::string path = file["path"];
            BOOST_TEST(file["sha256"] == expected[path], path);
            ++compared;
        }
    }
    BOOST_TEST(compared == expected.size());

    // --no-hash: the logs are named without a hash, the policy files still with theirs.
    const auto unhashed = run_vigil(
        "replay --policy policies/ examples/records.jsonl -o /dev/null --no-hash "
        "--summary-json '" +
        (dir / "unhashed.json").string() + "'");
    BOOST_TEST(unhashed.output.find("vigil:   examples/records.jsonl: not hashed (--no-hash)\n") != std::string::npos,
               unhashed.output);
    const auto without = nlohmann::json::parse(read_file((dir / "unhashed.json").string()));
    BOOST_TEST(without["files"][0]["sha256"].is_null());
    BOOST_TEST(without["policy_files"][0]["sha256"] == expected[without["policy_files"][0]["path"]]);

    // docs/auditors-guide.md checks them all with jq and sha256sum -c; where jq is, so does this.
    if (cli_test::run_shell("command -v jq").status != 0) return;
    const std::string guide = read_file(fs::path(VIGIL_SOURCE_DIR) / "docs" / "auditors-guide.md");
    const std::size_t at = guide.find("jq -r '(.files[], .policy_files[])");
    BOOST_REQUIRE(at != std::string::npos);
    const std::string command = guide.substr(at, guide.find('\n', at) - at);
    const auto checked = cli_test::run_shell("cd '" + std::string(VIGIL_SOURCE_DIR) + "' && " +
                                             replace_all(command, "summary.json", "'" + summary + "'"));
    BOOST_TEST(checked.status == 0, command << "\n" << checked.output);
    BOOST_TEST(lines_of(checked.output).size() == expected.size(), checked.output);
}

// A --group-by field that the policies' record schemas do not allow is refused before anything is
// read, with the schema's field it may stand for: misspelt, it counted every record under `null`.
// A field below a free-form object (`meta`) goes, and without a schema any field does.
BOOST_AUTO_TEST_CASE(replay_refuses_a_group_by_field_outside_the_record_schema) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-group-by";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string findings = (dir / "findings.jsonl").string();
    const auto r = run_vigil("replay --policy policies/ examples/records.jsonl -o '" + findings +
                             "' --group-by lnaguage --group-by meta.tenant --group-by singals.distress "
                             "--group-by language.code --group-by lnaguage");
    BOOST_TEST(r.status == 2);
    const std::string refused = "` is not a field of any record schema the policies declare";
    for (const std::string& line :
         {"vigil: --group-by: `lnaguage" + refused + "; did you mean `language`?\n",
          "vigil: --group-by: `singals.distress" + refused + "; did you mean `signals.distress`?\n",
          "vigil: --group-by: `language.code" + refused + "\n", std::string("vigil: nothing was evaluated\n")})
        BOOST_TEST(r.output.find(line) != std::string::npos, line << " not in\n" << r.output);
    BOOST_TEST(r.output.find("`lnaguage") == r.output.rfind("`lnaguage"), r.output);  // said once
    BOOST_TEST(r.output.find("meta.tenant") == std::string::npos, r.output);
    BOOST_TEST(r.output.find("records decided") == std::string::npos, r.output);
    BOOST_TEST(!fs::exists(findings));

    const auto declared = run_vigil(
        "replay --policy policies/ examples/records.jsonl -o /dev/null --group-by language "
        "--group-by meta.tenant --group-by signals.distress --log-level off");
    BOOST_TEST(declared.status == 1, declared.output);  // the violations of the examples
    const std::string policy = (dir / "p.vigil").string();
    std::ofstream(policy) << "policy \"p\" {\n  rule r {\n    forbid text == \"never said\"\n  }\n}\n";
    const auto schemaless = run_vigil("replay --policy '" + policy +
                                      "' examples/records.jsonl -o /dev/null --group-by lnaguage --log-level off");
    BOOST_TEST(schemaless.status == 0, schemaless.output);
}

// docs/cli.md, `vigil replay --fail-on`: a turn-order problem or an undetermined finding of a kind
// named fails the run with 1, as a violation does, whatever kinds the log has besides; without it
// the exit status ignores them. `undetermined` fails a run where `vigil eval
// --fail-on-undetermined` fails one.
BOOST_AUTO_TEST_CASE(replay_fails_on_the_kinds_named) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-fail-on";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string policy = (dir / "p.vigil").string();
    std::ofstream(policy) << "policy \"p\" {\n  rule r {\n    forbid text == \"never said\"\n  }\n}\n";
    const auto record = [](int turn) {
        return R"({"id":"r-)" + std::to_string(turn) + R"(","conversation_id":"c-1","turn":)" + std::to_string(turn) +
               R"(,"text":"hello"})" + "\n";
    };
    const std::string without_text = std::string(R"({"id":"r-2","conversation_id":"c-1","turn":2})") + "\n";
    // With no reorder window, turn 3 gives up turn 2 (a gap), which then comes late (out of order).
    const std::map<std::string, std::pair<std::string, std::set<std::string>>> logs = {
        {"clean", {record(1) + record(2), {}}},
        {"gap", {record(1) + record(3), {"gap"}}},
        {"duplicate", {record(1) + record(2) + record(2), {"duplicate"}}},
        {"late", {record(1) + record(3) + record(2), {"gap", "out_of_order"}}},
        {"undetermined", {record(1) + without_text, {"undetermined"}}},
    };
    const auto replay = [&](const std::string& log, const std::string& options) {
        return run_vigil("replay --policy '" + policy + "' '" + (dir / (log + ".jsonl")).string() +
                         "' --reorder-window 0 -o /dev/null " + options);
    };
    for (const auto& [name, log] : logs) {
        std::ofstream(dir / (name + ".jsonl")) << log.first;
        BOOST_TEST(replay(name, "--log-level off").status == 0, name);
        for (const std::string kind : {"gap", "duplicate", "out_of_order", "undetermined"}) {
            const int expected = log.second.count(kind) != 0 ? 1 : 0;
            BOOST_TEST(replay(name, "--fail-on " + kind + " --log-level off").status == expected, name << ", " << kind);
        }
        const int any = log.second.empty() ? 0 : 1;
        BOOST_TEST(replay(name, "--fail-on gap,duplicate,out_of_order,undetermined --log-level off").status == any,
                   name);
        BOOST_TEST(replay(name,
                          "--fail-on out_of_order --fail-on duplicate --fail-on gap --fail-on undetermined "
                          "--log-level off")
                           .status == any,
                   name);
    }
    for (const std::string name : {"clean", "undetermined"}) {
        const auto eval = run_vigil("eval --policy '" + policy + "' --input '" + (dir / (name + ".jsonl")).string() +
                                    "' -o /dev/null --fail-on-undetermined --log-level off");
        BOOST_TEST(replay(name, "--fail-on undetermined --log-level off").status == eval.status, name);
    }
    // The run says why it failed, naming the kinds asked for that it met.
    const auto late = replay("late", "--fail-on duplicate,out_of_order");
    BOOST_TEST(late.status == 1);
    BOOST_TEST(
        late.output.find("vigil: the run fails on what --fail-on names: 1 record out of order\n") != std::string::npos,
        late.output);
    const auto undetermined = replay("undetermined", "--fail-on undetermined,gap");
    BOOST_TEST(undetermined.output.find("vigil: the run fails on what --fail-on names: 1 undetermined finding\n") !=
                   std::string::npos,
               undetermined.output);
    // A malformed line is bad input whatever --fail-on says.
    std::ofstream(dir / "broken.jsonl") << record(1) << "{broken\n" << record(3);
    BOOST_TEST(replay("broken", "--fail-on gap --log-level off").status == 2);
    BOOST_TEST(replay("broken", "--fail-on undetermined --log-level off").status == 2);

    // A kind it does not take is a usage error that names it, and the kind it may stand for; every
    // one of them at once, however they were given.
    const std::string kinds = "(gap, duplicate, out_of_order, undetermined)";
    for (const auto& [option, message] : std::vector<std::pair<std::string, std::string>>{
             {"--fail-on gaps", "--fail-on: `gaps` is not a kind it takes " + kinds + "; did you mean `gap`?\n"},
             {"--fail-on gap,late", "--fail-on: `late` is not a kind it takes " + kinds + "\n"},
             {"--fail-on ''", "--fail-on: an empty name is not a kind it takes " + kinds + "\n"},
             {"--fail-on violation", "--fail-on: `violation` is not a kind it takes " + kinds +
                                         "; violations fail the run without --fail-on\n"},
             {"--fail-on gapp,dupe",
              "--fail-on: `gapp` (did you mean `gap`?) and `dupe` are not kinds it takes " + kinds + "\n"},
             {"--fail-on gapp --fail-on undetermind,gap,dupe --fail-on gapp",
              "--fail-on: `gapp` (did you mean `gap`?), `undetermind` (did you mean `undetermined`?) and `dupe` are "
              "not kinds it takes " +
                  kinds + "\n"},
             {"--from 2026-02-31", "--from: expected a date such as 2026-01-01 or 2026-01-01T09:00:00Z\n"},
             {"--from 2026-02-01 --until 2026-01-01",
              "--until: the period must end after it starts (--from 2026-02-01)\n"}}) {
        const auto r = replay("clean", option);
        BOOST_TEST(r.status == 2, option);
        BOOST_TEST(r.output.find(message) != std::string::npos, option << ": " << r.output);
        BOOST_TEST(r.output.find("records decided") == std::string::npos, r.output);
    }
}

// A period the logs have no record of is bad input, as logs of other months than the policies':
// a clean exit would pass for a clean period. A record without a timestamp is reported in any
// period, as it cannot be placed.
BOOST_AUTO_TEST_CASE(replay_of_a_period_the_logs_do_not_reach_exits_2) {
    const fs::path dir = fs::temp_directory_path() / "vigil-replay-period";
    fs::create_directories(dir);
    const std::string log = (dir / "log.jsonl").string();
    std::ofstream(log)
        << R"({"conversation_id":"c","turn":1,"timestamp":"2026-01-05T10:00:00Z","speaker":"user","text":"hi"})"
        << "\n";
    const auto run = [&](const std::string& period) {
        return run_vigil("replay --policy policies/ '" + log + "' -o /dev/null " + period);
    };
    const auto later = run("--from 2026-02-01");
    BOOST_TEST(later.status == 2, later.output);
    BOOST_TEST(
        later.output.find("vigil: no record of the logs is timed in the audited period; nothing was reported\n") !=
            std::string::npos,
        later.output);
    BOOST_TEST(later.output.find("0 records before it and 1 after it") == std::string::npos, later.output);
    BOOST_TEST(later.output.find("1 record before it and 0 after it") != std::string::npos, later.output);
    BOOST_TEST(run("--until 2026-01-05T10:00:01Z").status == 0);
    std::ofstream(log, std::ios::app) << R"({"conversation_id":"d","turn":1,"speaker":"user","text":"hi"})"
                                      << "\n";
    BOOST_TEST(run("--from 2026-02-01").status == 0);
    fs::remove_all(dir);
}

// docs/auditors-guide.md shows what replay prints for a generated log, and the same log replayed
// with two idle times and with resumption: those are the lines the documented commands print, so
// they cannot go stale.
BOOST_AUTO_TEST_CASE(the_auditors_guide_shows_what_replay_prints) {
    const std::string guide = read_file(fs::path(VIGIL_SOURCE_DIR) / "docs" / "auditors-guide.md");
    const fs::path dir = fs::temp_directory_path() / "vigil-auditors-guide";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string log = (dir / "2026-01.jsonl.gz").string();
    const std::string generate =
        "generate -n 50000 --out-of-order 0.01 --duplicates 0.002 --gaps 0.002 --malformed 0.0001";
    std::string flat = guide;  // the command may be wrapped across lines
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    BOOST_REQUIRE_MESSAGE(flat.find("`vigil " + generate + "`") != std::string::npos, "the guide's command changed");
    BOOST_REQUIRE(run_vigil(generate + " -o '" + log + "'").status == 0);
    const auto replace_path = [&](const std::string& text) {  // as the guide names the log
        return replace_all(text, log, "logs/2026-01.jsonl.gz");
    };
    const auto replay = [&](const std::string& settings) {
        const std::string findings = (dir / "findings.jsonl").string();
        const auto r = run_vigil("replay --policy policies/ '" + log + "' --findings '" + findings +
                                 "' --threads 2 --idle " + settings);
        BOOST_TEST(r.status == 2, r.output);  // one malformed line
        return std::make_pair(replace_path(r.output), replace_path(read_file(findings)));
    };

    // The example run: every line after the first (which has the timing) but the elided ones.
    const auto [thirty, thirty_findings] = replay("30m");
    const std::size_t start = guide.find("$ vigil replay --policy policies/ logs/2026-01.jsonl.gz");
    BOOST_REQUIRE(start != std::string::npos);
    const auto shown = block_lines_from(guide, start);
    BOOST_REQUIRE(shown.size() > 4u);
    for (std::size_t i = 2; i < shown.size(); ++i) {
        if (shown[i] == "...") continue;
        BOOST_TEST(thirty.find(shown[i] + "\n") != std::string::npos, "the guide shows `" << shown[i]
                                                                                          << "`; replay printed\n"
                                                                                          << thirty);
    }

    // The run by language: every line it shows (the first is the command).
    const std::size_t by_language = guide.find(
        "$ vigil replay --policy policies/ logs/2026-01.jsonl.gz --findings "
        "findings.jsonl --group-by language");
    BOOST_REQUIRE(by_language != std::string::npos);
    const std::string grouped_findings = (dir / "grouped.jsonl").string();
    const std::string grouped_summary = (dir / "grouped.json").string();
    const auto grouped = run_vigil("replay --policy policies/ '" + log + "' --findings '" + grouped_findings +
                                   "' --summary-json '" + grouped_summary + "' --group-by language");
    BOOST_TEST(grouped.status == 2, grouped.output);
    // The findings picked out by the value in their `groups`, as the guide's jq picks them, are
    // those the summary counts under that value.
    {
        std::map<std::string, std::size_t> picked;  // by "language rule outcome"
        std::istringstream lines(read_file(grouped_findings));
        for (std::string line; std::getline(lines, line);) {
            const auto f = nlohmann::json::parse(line);
            if (!f.contains("rule")) continue;
            ++picked[f["groups"]["language"].get<std::string>() + " " + f["rule"].get<std::string>() + " " +
                     f["outcome"].get<std::string>()];
        }
        std::size_t compared = 0;
        const auto summary = nlohmann::json::parse(read_file(grouped_summary));
        for (const auto& value : summary["groups"][0]["groups"]) {
            for (const auto& rule : value["by_rule"]) {
                for (const std::string outcome : {"violation", "undetermined"}) {
                    const std::string key =
                        value["value"].get<std::string>() + " " + rule["rule"].get<std::string>() + " " + outcome;
                    BOOST_TEST(picked[key] == rule[outcome].get<std::size_t>(), key);
                    ++compared;
                }
            }
        }
        BOOST_TEST(compared >= 7u * 15u * 2u);
        BOOST_TEST(picked["de disclose_in_first_ai_turn violation"] > 0u);  // the guide's example
    }
    const auto shown_groups = block_lines_from(guide, by_language);
    BOOST_REQUIRE(shown_groups.size() > 4u);
    for (std::size_t i = 1; i < shown_groups.size(); ++i) {
        if (shown_groups[i] == "...") continue;
        BOOST_TEST(grouped.output.find(shown_groups[i] + "\n") != std::string::npos,
                   "the guide shows `" << shown_groups[i] << "`; replay printed\n"
                                       << grouped.output);
    }

    // The audited period: every line it shows after the timing, and its exit status.
    const std::size_t period_at = guide.find(
        "$ vigil replay --policy policies/ logs/2026-01.jsonl.gz --findings "
        "findings.jsonl --from 2026-01-05T10:00:00Z");
    BOOST_REQUIRE(period_at != std::string::npos);
    const auto period =
        run_vigil("replay --policy policies/ '" + log + "' --findings '" + (dir / "period.jsonl").string() +
                  "' --from 2026-01-05T10:00:00Z --until 2026-01-05T12:00:00Z");
    BOOST_TEST(period.status == 2, period.output);  // the malformed line, wherever it is
    const auto shown_period = block_lines_from(guide, period_at);
    BOOST_REQUIRE(shown_period.size() > 4u);
    for (std::size_t i = 2; i < shown_period.size(); ++i) {
        if (shown_period[i] == "...") continue;
        BOOST_TEST(replace_path(period.output).find(shown_period[i] + "\n") != std::string::npos,
                   "the guide shows `" << shown_period[i] << "`; replay printed\n"
                                       << period.output);
    }

    // The two idle times, each as "N conversations (...); turn order".
    const auto comparison = [](const std::string& output) {
        std::smatch conversations, order;
        BOOST_REQUIRE(
            std::regex_search(output, conversations, std::regex(R"(decided in (\d+ conversations[^(]*\([^)]*\)))")));
        BOOST_REQUIRE(std::regex_search(output, order, std::regex(R"(turn order: (\d+ gaps \([^)]*\)))")));
        return conversations[1].str() + "; " + order[1].str();
    };
    BOOST_TEST(guide.find("--idle 30m   " + comparison(thirty) + "\n") != std::string::npos, comparison(thirty));
    const std::string day = replay("1d").first;
    BOOST_TEST(guide.find("--idle 1d    " + comparison(day) + "\n") != std::string::npos, comparison(day));
    const std::string resumed = replay("30m --resume-within 1d").first;
    BOOST_TEST(guide.find("--idle 30m --resume-within 1d   " + comparison(resumed) + "\n") != std::string::npos,
               comparison(resumed));

    // The finding it shows, joined into its one line, is a line of the findings file (with the
    // policy hash shortened), the record's meta included.
    const std::size_t finding = guide.find("{\"file\":\"logs/2026-01.jsonl.gz\"");
    BOOST_REQUIRE(finding != std::string::npos);
    std::string example;
    for (const auto& line : block_lines_from(guide, finding)) example += line.substr(line.find_first_not_of(' '));
    const std::size_t elided = example.find("...\",");
    BOOST_REQUIRE(elided != std::string::npos);
    const std::size_t at = thirty_findings.find("\n" + example.substr(0, elided));
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, example);
    const std::string line = thirty_findings.substr(at + 1, thirty_findings.find('\n', at + 1) - at - 1);
    const std::string after_hash = example.substr(elided + 4);
    BOOST_TEST(line.substr(line.size() - std::min(line.size(), after_hash.size())) == after_hash);
}

// ---- vigil report -----------------------------------------------------------------------------

namespace {

// A generated log with every kind of fault, replayed grouped by language into dir/findings.jsonl
// and dir/summary.json, as docs/auditors-guide.md shows it.
void replay_for_a_report(const fs::path& dir) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string log = (dir / "log.jsonl").string();
    BOOST_REQUIRE(run_vigil("generate -n 4000 --seed 7 --out-of-order 0.01 --duplicates 0.01 --gaps 0.01 "
                            "--malformed 0.001 -o '" +
                            log + "'")
                      .status == 0);
    const auto r =
        run_vigil("replay --policy policies/ '" + log + "' --findings '" + (dir / "findings.jsonl").string() +
                  "' --summary-json '" + (dir / "summary.json").string() + "' --group-by language --log-level off");
    BOOST_REQUIRE_MESSAGE(r.status == 2, r.output);  // malformed lines
    // Another period's summary, for --baseline.
    const std::string earlier = (dir / "earlier.jsonl").string();
    BOOST_REQUIRE(run_vigil("generate -n 2000 --seed 8 -o '" + earlier + "'").status == 0);
    const auto base = run_vigil("replay --policy policies/ '" + earlier + "' --findings /dev/null --summary-json '" +
                                (dir / "last-quarter.json").string() + "' --log-level off");
    BOOST_REQUIRE_MESSAGE(base.status <= 1, base.output);
}

// `vigil report ARGS` run in `dir`, where the replay's outputs are.
run_result report_in(const fs::path& dir, const std::string& args) {
    return cli_test::run_shell("cd '" + dir.string() + "' && '" + std::string(VIGIL_BINARY) + "' report " + args);
}

// The count in the cell after the one that ends with `label`, in a report's table row.
std::uint64_t number_after(const std::string& html, const std::string& label) {
    const std::string next = label + "</td><td class=\"n\">";
    const std::size_t at = html.find(next);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, label << " is not in the report");
    return std::stoull(html.substr(at + next.size()));
}

}  // namespace

// The report of a real replay says what its summary says: each rule's counts in the rules table,
// the turn-order problems, the values of --group-by; and the same inputs give the same bytes.
BOOST_AUTO_TEST_CASE(report_figures_agree_with_the_summary_of_a_real_replay) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-report";
    replay_for_a_report(dir);
    const auto r = report_in(dir, "--summary summary.json --findings findings.jsonl -o report.html");
    BOOST_TEST(r.status == 0, r.output);
    BOOST_TEST(r.output.empty(), r.output);
    const std::string html = read_file((dir / "report.html").string());
    const auto summary = nlohmann::json::parse(read_file((dir / "summary.json").string()));

    std::size_t rules = 0;
    for (const auto& rule : summary["findings"]["by_rule"]) {
        const std::string name =
            "<code>" + rule["policy"].get<std::string>() + "/" + rule["rule"].get<std::string>() + "</code></a>";
        BOOST_TEST(number_after(html, name) == rule["violation"].get<std::uint64_t>(), name);
        const std::size_t at = html.find(name + "</td><td class=\"n\">");
        const std::size_t second = html.find("<td class=\"n\">", at + name.size() + 19);
        BOOST_TEST(std::stoull(html.substr(second + 14)) == rule["undetermined"].get<std::uint64_t>(), name);
        ++rules;
    }
    BOOST_TEST(rules == 15u);
    BOOST_TEST(html.find("<strong>" + std::to_string(summary["findings"]["by_outcome"]["violation"].get<int>()) +
                         " violations</strong>") != std::string::npos);
    for (const auto& [label, member] : std::vector<std::pair<std::string, std::string>>{
             {"<td>gaps", "gaps"},
             {"<td>missing turns", "missing_turns"},
             {"<td>duplicates", "duplicates"},
             {"<td>out of order", "out_of_order"},
             {"<td>blank lines", "blank_lines"},
             {"<td>records decided", "decided"},
             {"<td>conversations (one cut by --idle counts twice)", "conversations"}})
        BOOST_TEST(number_after(html, label) == summary[member].get<std::uint64_t>(), member);
    BOOST_TEST(number_after(html, "<td>malformed lines") == summary["malformed"]["count"].get<std::uint64_t>());
    for (const auto& value : summary["groups"][0]["groups"]) {
        const std::string cell = "<td><code>" + replace_all(value["value"].dump(), "\"", "&quot;") + "</code>";
        BOOST_TEST(number_after(html, cell) == value["records"].get<std::uint64_t>(), cell);
    }
    // Self-contained: nothing fetched, no script.
    for (const char* outside : {"<script", "<link", "src=", "http://", "https://", "@import", "url("})
        BOOST_TEST(html.find(outside) == std::string::npos, outside);

    const auto again = report_in(dir, "--summary summary.json --findings findings.jsonl");
    BOOST_TEST(again.status == 0);
    BOOST_TEST((again.output == html), "a second report differs from the first");

    // A gzip findings file reads as the plain one.
    if (cli_test::run_shell("gzip -c '" + (dir / "findings.jsonl").string() + "' > '" +
                            (dir / "findings.jsonl.gz").string() + "'")
            .status == 0) {
        const auto gz = report_in(dir, "--summary summary.json --findings findings.jsonl.gz -o gz.html");
        BOOST_TEST(gz.status == 0, gz.output);
    }
}

// What the report cannot use stops it with exit 2, naming the file, the line or the member, and
// leaves no report; an output that names an input is refused before anything is read.
BOOST_AUTO_TEST_CASE(report_refuses_inputs_it_cannot_use) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-report-refused";
    replay_for_a_report(dir);
    const std::string findings = read_file((dir / "findings.jsonl").string());

    auto r = report_in(dir, "--summary nowhere.json --findings findings.jsonl -o out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output == "vigil: cannot read `nowhere.json`: No such file or directory\n", r.output);
    r = report_in(dir, "--summary . --findings findings.jsonl -o out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output == "vigil: cannot read `.`: Is a directory\n", r.output);
    r = report_in(dir, "--summary summary.json --findings findings.jsonl -o findings.jsonl");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("`findings.jsonl` is both an input of the report and its output") != std::string::npos,
               r.output);
    BOOST_TEST(read_file((dir / "findings.jsonl").string()) == findings);
    r = cli_test::run_shell("(cd '" + dir.string() + "' && '" + std::string(VIGIL_BINARY) +
                            "' report --summary summary.json --findings findings.jsonl > /dev/full)");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output == "vigil: cannot write standard output: No space left on device\n", r.output);
    r = report_in(dir, "--summary summary.json --findings findings.jsonl -o nodir/out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("cannot write `nodir/out.html`: No such file or directory") != std::string::npos,
               r.output);

    // A broken third line.
    std::string broken = findings;
    const std::size_t third = broken.find('\n', broken.find('\n') + 1) + 1;
    broken.insert(third, "{\"file\": ");
    std::ofstream(dir / "broken.jsonl") << broken;
    r = report_in(dir, "--summary summary.json --findings broken.jsonl -o out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.rfind("vigil: broken.jsonl:3: not valid JSON: ", 0) == 0u, r.output);
    BOOST_TEST(r.output.find("; no report was written\n") != std::string::npos, r.output);
    // A lost line: the counts differ from the summary's.
    std::ofstream(dir / "short.jsonl") << findings.substr(findings.find('\n') + 1);
    r = report_in(dir, "--summary summary.json --findings short.jsonl -o out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("they are not the outputs of one replay; no report was written") != std::string::npos,
               r.output);
    // A summary without a member.
    auto summary = nlohmann::ordered_json::parse(read_file((dir / "summary.json").string()));
    summary["findings"].erase("by_rule");
    std::ofstream(dir / "bad.json") << summary.dump(2);
    r = report_in(dir, "--summary bad.json --findings findings.jsonl -o out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output == "vigil: bad.json: member `findings.by_rule` is missing; no report was written\n", r.output);
    BOOST_TEST(!fs::exists(dir / "out.html"));

    // A baseline that cannot be read, or is not a summary, or is the output.
    r = report_in(dir, "--summary summary.json --findings findings.jsonl --baseline nowhere.json -o out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output == "vigil: cannot read `nowhere.json`: No such file or directory\n", r.output);
    r = report_in(dir, "--summary summary.json --findings findings.jsonl --baseline bad.json -o out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output == "vigil: bad.json: member `findings.by_rule` is missing; no report was written\n", r.output);
    r = report_in(dir, "--summary summary.json --findings findings.jsonl --baseline out.html -o out.html");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.output.find("`out.html` is both an input of the report and its output") != std::string::npos,
               r.output);
    BOOST_TEST(!fs::exists(dir / "out.html"));

    r = report_in(dir, "--findings findings.jsonl");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(lines_of(r.output).at(0) ==
               "vigil report: give the summary of the replay with --summary FILE (its --summary-json)");
}

// Every `vigil report` command the docs show runs, on the outputs of a replay, and writes a report.
BOOST_AUTO_TEST_CASE(the_docs_report_commands_run) {
    const fs::path dir = fs::temp_directory_path() / "vigil-cli-report-docs";
    replay_for_a_report(dir);
    std::size_t commands = 0;
    for (const std::string page : {"auditors-guide.md", "cli.md"}) {
        for (const std::string& line : lines_of(read_file(fs::path(VIGIL_SOURCE_DIR) / "docs" / page))) {
            const std::size_t at = line.find("$ vigil report ");
            if (at == std::string::npos) continue;
            ++commands;
            fs::remove(dir / "report.html");
            const auto r = report_in(dir, line.substr(at + 15));
            BOOST_TEST(r.status == 0, page << ": " << line << "\n" << r.output);
            BOOST_TEST(read_file((dir / "report.html").string()).rfind("<!DOCTYPE html>", 0) == 0u, line);
        }
    }
    BOOST_TEST(commands >= 2u);
}

// ---- vigil test -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(test_passing_run) {
    golden("test_pass", "test tests/golden/policytest/cli/pass/");
}

BOOST_AUTO_TEST_CASE(test_failing_run_shows_the_differences) {
    golden("test_fail", "test tests/golden/policytest/cli/fail/care.tests");
}

BOOST_AUTO_TEST_CASE(test_broken_test_file) {
    golden("test_broken", "test tests/golden/policytest/cli/broken/care.vigil");
}

// A case whose records break the policy's schema passes, with a V0708 warning per value; the
// warning docs/testing-policies.md shows is one of them.
BOOST_AUTO_TEST_CASE(test_records_that_break_the_schema_are_warned_of) {
    const std::string folder = "tests/golden/policytest/cli/schema/";
    golden("test_schema", "test " + folder + "care.tests");
    const auto r = run_vigil("test " + folder + "care.tests");
    const std::string page = read_file(std::string(VIGIL_SOURCE_DIR) + "/docs/testing-policies.md");
    const std::size_t start = page.find("care.tests:7:8: warning[V0708]");
    BOOST_REQUIRE(start != std::string::npos);
    const auto shown = block_lines_from(page, start);
    BOOST_REQUIRE(shown.size() == 5u);
    std::string printed;
    for (std::size_t i = 0; i < shown.size(); ++i) printed += (i == 0 ? folder : "") + shown[i] + "\n";
    BOOST_TEST(r.output.find(printed) != std::string::npos, "docs show\n" << printed << "vigil printed\n" << r.output);
}

BOOST_AUTO_TEST_CASE(test_paths_without_test_files) {
    golden("test_no_tests", "test tests/golden/policytest/no_such_folder policies/common.vigil");
}

BOOST_AUTO_TEST_CASE(test_policies_that_do_not_check_exit_3) {
    const auto r = run_vigil("test tests/golden/policytest/names/bad_policy.tests");
    BOOST_TEST(r.status == 3, r.output);
}

// The shipped policies come with test files, and every case passes with every rule covered.
BOOST_AUTO_TEST_CASE(test_shipped_policies_pass) {
    const auto r = run_vigil("test --coverage-strict policies/");
    BOOST_TEST(r.status == 0, r.output);
    const auto lines = lines_of(r.output);
    BOOST_REQUIRE(!lines.empty());
    BOOST_TEST(std::regex_match(lines.back(), std::regex("[1-9][0-9]* passed, 0 failed")), lines.back());
    for (const auto& policy : {"disclosure", "manipulation", "human-oversight", "human-review", "emotional-data",
                               "workplace-wellbeing"}) {
        BOOST_TEST(r.output.find(std::string("PASS policies/") + policy + ".tests: ") != std::string::npos, policy);
    }
    BOOST_TEST(r.output.find("coverage: ") != std::string::npos);
    BOOST_TEST(r.output.find("missing:") == std::string::npos, r.output);
}

// The adapted policies of the cookbook (docs/cookbook/examples/) check clean and come with test
// files whose cases pass, with every rule covered.
BOOST_AUTO_TEST_CASE(cookbook_examples_check_and_pass) {
    const auto checked = run_vigil("check --deny-warnings docs/cookbook/examples/");
    BOOST_TEST(checked.status == 0, checked.output);
    const auto r = run_vigil("test --coverage-strict docs/cookbook/examples/");
    BOOST_TEST(r.status == 0, r.output);
    const auto lines = lines_of(r.output);
    BOOST_REQUIRE(!lines.empty());
    BOOST_TEST(std::regex_match(lines.back(), std::regex("[1-9][0-9]* passed, 0 failed")), lines.back());
}

BOOST_AUTO_TEST_CASE(test_writes_junit) {
    const fs::path xml = fs::temp_directory_path() / "vigil-test-junit.xml";
    fs::remove(xml);
    const auto r = run_vigil("test --junit '" + xml.string() + "' tests/golden/policytest/cli/fail/");
    BOOST_TEST(r.status == 1, r.output);
    const std::string text = read_file(xml.string());
    BOOST_TEST(text.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0) == 0u, text);
    BOOST_TEST(text.find("<testsuites name=\"vigil test\" tests=\"5\" failures=\"4\" errors=\"0\">") != std::string::npos,
               text);
    BOOST_TEST(text.find("<failure message=\"1 expectation not met\" type=\"expectation\">") != std::string::npos, text);
}

// docs/testing-policies.md, "Running some cases".
BOOST_AUTO_TEST_CASE(test_runs_the_cases_a_pattern_selects) {
    auto r = run_vigil("test policies/ --run frustrat");
    BOOST_TEST(r.status == 0, r.output);
    BOOST_TEST(r.output.find("\n3 passed, 0 failed, 104 skipped\n") != std::string::npos, r.output);
    r = run_vigil("test policies/ --run 'no such case'");
    BOOST_TEST(r.status == 2, r.output);
    BOOST_TEST(r.output.find("ERROR no case name matches `no such case`") != std::string::npos, r.output);
    r = run_vigil("test policies/ --run 'frustrat('");
    BOOST_TEST(r.status == 2, r.output);
    BOOST_TEST(
        r.output.find("--run: invalid regular expression `frustrat(`: missing ): frustrat(") != std::string::npos,
        r.output);
}

BOOST_AUTO_TEST_CASE(test_exit_codes) {
    BOOST_TEST(run_vigil("test").status == 2);
    BOOST_TEST(run_vigil("test --frobnicate policies/").status == 2);
    BOOST_TEST(run_vigil("test tests/golden/policytest/cli/pass/").status == 0);
    // The passing fixture leaves a rule without a violating case.
    BOOST_TEST(run_vigil("test --coverage-strict tests/golden/policytest/cli/pass/").status == 1);
    BOOST_TEST(run_vigil("test tests/golden/policytest/cli/fail/").status == 1);
    BOOST_TEST(run_vigil("test tests/golden/policytest/cli/broken/").status == 2);
    BOOST_TEST(run_vigil("test tests/golden/policytest/names/no_policy_file.tests").status == 2);
}
