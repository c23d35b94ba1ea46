// End-to-end tests of the real `vigil` binary: every output a person reads is a golden file.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/golden.hpp"

namespace fs = std::filesystem;

namespace {

struct run_result {
    std::string output;  // stdout and stderr together, as a person sees them
    int status = -1;
};

// Runs `vigil ARGS` from the source directory, so paths in the output are relative.
run_result run_vigil(const std::string& args, const std::string& stdin_file = "") {
    std::string command = "cd '" + std::string(VIGIL_SOURCE_DIR) + "' && '" + std::string(VIGIL_BINARY) + "' " + args;
    if (!stdin_file.empty()) command += " < " + stdin_file;
    command += " 2>&1";
    run_result r;
    FILE* pipe = popen(command.c_str(), "r");
    BOOST_REQUIRE(pipe);
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
    const int status = pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
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

BOOST_AUTO_TEST_CASE(check_missing_file_is_unreadable_input) {
    golden("check_missing_file", "check tests/golden/cli/no_such_file.vigil");
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
    std::size_t errors = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto answer = nlohmann::json::parse(lines[i]);
        if (answer.contains("error")) {
            ++errors;
            BOOST_TEST(answer["line"] == i + 1);
        } else {
            BOOST_TEST(answer.contains("decision"));
        }
    }
    BOOST_TEST(errors >= 2u);
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
        std::ifstream in(entry.path());
        std::string line, block;
        bool inside = false;
        std::size_t start = 0, number = 0;
        while (std::getline(in, line)) {
            ++number;
            if (!inside && line.rfind("```vigil", 0) == 0) {
                inside = true;
                block.clear();
                start = number;
            } else if (inside && line.rfind("```", 0) == 0) {
                inside = false;
                ++blocks;
                const auto file = scratch / (entry.path().stem().string() + "-" + std::to_string(start) + ".vigil");
                std::ofstream(file) << block;
                const auto r = run_vigil("check '" + file.string() + "'");
                BOOST_TEST(r.status == 0, entry.path().string() << ":" << start << " does not check:\n" << r.output);
            } else if (inside) {
                block += line + "\n";
            }
        }
    }
    BOOST_TEST(blocks > 10u);
}
