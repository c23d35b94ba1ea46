// `vigil fmt` end to end with the real binary: --check lists and fails, --write rewrites what is
// not laid out and touches nothing else, `-` reads standard input, a file that does not parse is
// shown as `vigil check` shows it and left alone. Test files (`*.tests`) the same way, beside the
// policy files in a directory, their mistakes shown as `vigil test` shows them.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "shell.hpp"
#include "support/golden.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path golden_dir = fs::path(VIGIL_SOURCE_DIR) / "tests" / "golden" / "fmt";

cli_test::run_result run_vigil_in(const fs::path& dir, const std::string& args) {
    return cli_test::run_shell("cd '" + dir.string() + "' && '" + std::string(VIGIL_BINARY) + "' " + args);
}

// A scratch directory with a messy file and one already laid out, each dated an hour ago, so a
// rewrite shows in its time of change.
struct scratch {
    fs::path dir = fs::temp_directory_path() / ("vigil-fmt-" + std::to_string(::getpid()));
    fs::file_time_type an_hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);

    scratch() {
        fs::remove_all(dir);
        fs::create_directories(dir / "policies");
        put("policies/a_messy.vigil", read_file((golden_dir / "messy.vigil").string()));
        put("policies/b_tidy.vigil", read_file((golden_dir / "messy.golden").string()));
    }
    ~scratch() { fs::remove_all(dir); }

    void put(const std::string& name, const std::string& text) {
        std::ofstream(dir / name, std::ios::binary) << text;
        fs::last_write_time(dir / name, an_hour_ago);
    }
    [[nodiscard]] std::string text(const std::string& name) const { return read_file((dir / name).string()); }
    [[nodiscard]] bool untouched(const std::string& name) const {
        return fs::last_write_time(dir / name) == an_hour_ago;
    }
};

// `text` with the hunks of a unified diff applied, as `patch` would apply them, or why they do not
// apply: every kept and removed line must be the text's line at its place.
std::string apply_diff(const std::string& text, const std::string& diff, std::string& problem) {
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t end = std::min(text.find('\n', at), text.size() - 1);
        lines.push_back(text.substr(at, end + 1 - at));
        at = end + 1;
    }
    std::istringstream in(diff);
    std::string line, out;
    std::size_t next = 0;  // the first line of `text` not yet copied
    while (std::getline(in, line)) {
        if (line.rfind("@@ -", 0) == 0) {
            std::size_t start = std::stoul(line.substr(4));
            if (start > 0 && line.find(",0 ") == std::string::npos) --start;  // counted from 1
            while (next < start && next < lines.size()) out += lines[next++];
        } else if (!line.empty() && (line[0] == ' ' || line[0] == '-') && line.rfind("--- ", 0) != 0) {
            if (next >= lines.size() || lines[next] != line.substr(1) + "\n") {
                problem = "the diff does not apply at line " + std::to_string(next + 1) + ": " + line;
                return out;
            }
            if (line[0] == ' ') out += lines[next];
            ++next;
        } else if (!line.empty() && line[0] == '+' && line.rfind("+++ ", 0) != 0) {
            out += line.substr(1) + "\n";
        }
    }
    while (next < lines.size()) out += lines[next++];
    return out;
}

}  // namespace

// --diff shows what --write would do, as a unified diff that turns the file into its layout, and
// fails as --check does; it writes nothing.
BOOST_AUTO_TEST_CASE(fmt_diff_shows_the_layout_as_a_patch) {
    scratch s;
    const auto r = run_vigil_in(s.dir, "fmt --diff policies");
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.output.rfind("--- policies/a_messy.vigil.orig\n+++ policies/a_messy.vigil\n@@ -1,", 0) == 0, r.output);
    BOOST_TEST(r.output.find("b_tidy") == std::string::npos, "a file in layout has no diff");
    BOOST_TEST(s.untouched("policies/a_messy.vigil"));
    std::string problem;
    const std::string patched = apply_diff(s.text("policies/a_messy.vigil"), r.output, problem);
    BOOST_TEST(problem == "");
    BOOST_TEST(patched == s.text("policies/b_tidy.vigil"));
    check_golden("cli/fmt_diff.golden",
                 "$ vigil fmt --diff policies\n" + r.output + "[exit " + std::to_string(r.status) + "]\n");

    // A change in the middle of a long file: a hunk with three lines of context on each side.
    const std::string tidy = s.text("policies/b_tidy.vigil");
    const std::string long_tidy = tidy + "\n" + tidy;
    std::string long_messy = long_tidy;
    long_messy.replace(long_messy.rfind("let "), 4, "let    ");
    s.put("policies/a_messy.vigil", long_messy);
    const auto middle = run_vigil_in(s.dir, "fmt --diff policies/a_messy.vigil");
    BOOST_TEST(middle.status == 1);
    BOOST_TEST(apply_diff(long_messy, middle.output, problem) == long_tidy);
    BOOST_TEST(problem == "");
    std::size_t context = 0, changed = 0;
    std::istringstream in(middle.output);
    for (std::string line; std::getline(in, line);) {
        context += line[0] == ' ';
        changed += (line[0] == '-' || line[0] == '+') && line.rfind("--- ", 0) != 0 && line.rfind("+++ ", 0) != 0;
    }
    BOOST_TEST(changed == 2u, middle.output);
    BOOST_TEST(context == 6u, middle.output);
    BOOST_TEST(run_vigil_in(s.dir, "fmt --diff policies/b_tidy.vigil").output == "");
    BOOST_TEST(run_vigil_in(s.dir, "fmt --diff policies/b_tidy.vigil").status == 0);
}

// A file longer than the LCS table takes (16,384 lines on both sides): a change in the middle is
// still one small hunk, since the lines both texts begin and end with need no table; changes at
// both ends leave all between them to the table, and the diff shows every line of it as changed,
// which still applies.
BOOST_AUTO_TEST_CASE(fmt_diff_of_a_file_longer_than_the_table) {
    scratch s;
    const std::string tidy = s.text("policies/b_tidy.vigil");
    std::string long_tidy;
    while (std::count(long_tidy.begin(), long_tidy.end(), '\n') <= 17000) long_tidy += tidy + "\n";
    long_tidy.pop_back();
    const auto changed_lines = [](const std::string& diff) {
        std::size_t changed = 0;
        std::istringstream in(diff);
        for (std::string line; std::getline(in, line);)
            changed += (line[0] == '-' || line[0] == '+') && line.rfind("--- ", 0) != 0 && line.rfind("+++ ", 0) != 0;
        return changed;
    };
    std::string problem;

    std::string middle = long_tidy;
    middle.replace(middle.find("let ", middle.size() / 2), 4, "let    ");
    s.put("policies/a_messy.vigil", middle);
    const auto one_change = run_vigil_in(s.dir, "fmt --diff policies/a_messy.vigil");
    BOOST_TEST(one_change.status == 1);
    BOOST_TEST(changed_lines(one_change.output) == 2u);
    BOOST_TEST(apply_diff(middle, one_change.output, problem) == long_tidy);
    BOOST_TEST(problem == "");

    std::string both_ends = long_tidy;
    both_ends.replace(both_ends.find("let "), 4, "let    ");
    both_ends.replace(both_ends.rfind("let "), 4, "let    ");
    s.put("policies/a_messy.vigil", both_ends);
    const auto whole = run_vigil_in(s.dir, "fmt --diff policies/a_messy.vigil");
    BOOST_TEST(whole.status == 1);
    BOOST_TEST(changed_lines(whole.output) > 2u * 16384u);
    BOOST_TEST(apply_diff(both_ends, whole.output, problem) == long_tidy);
    BOOST_TEST(problem == "");
}

BOOST_AUTO_TEST_CASE(fmt_check_lists_what_is_not_laid_out_and_changes_nothing) {
    scratch s;
    const auto both = run_vigil_in(s.dir, "fmt --check policies");
    BOOST_TEST(both.status == 1);
    BOOST_TEST(both.output == "policies/a_messy.vigil\n");
    BOOST_TEST(s.untouched("policies/a_messy.vigil"));
    BOOST_TEST(s.untouched("policies/b_tidy.vigil"));

    const auto tidy = run_vigil_in(s.dir, "fmt --check policies/b_tidy.vigil");
    BOOST_TEST(tidy.status == 0);
    BOOST_TEST(tidy.output == "");
}

BOOST_AUTO_TEST_CASE(fmt_write_rewrites_only_what_is_not_laid_out) {
    scratch s;
    fs::permissions(s.dir / "policies/a_messy.vigil",
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    const auto r = run_vigil_in(s.dir, "fmt --write policies");
    BOOST_TEST(r.status == 0, r.output);
    BOOST_TEST(r.output == "");
    BOOST_TEST(s.text("policies/a_messy.vigil") == s.text("policies/b_tidy.vigil"));
    BOOST_TEST(!s.untouched("policies/a_messy.vigil"));
    BOOST_TEST(s.untouched("policies/b_tidy.vigil"), "a file already laid out was written");
    const auto kept = fs::status(s.dir / "policies/a_messy.vigil").permissions() & fs::perms::all;
    BOOST_TEST((kept == (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read)),
               "the rewritten file lost its permissions");
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(s.dir / "policies")) ++files;
    BOOST_TEST(files == 2u, "a temporary file was left behind");
    BOOST_TEST(run_vigil_in(s.dir, "fmt --check policies").status == 0);
}

BOOST_AUTO_TEST_CASE(fmt_prints_one_file_or_standard_input) {
    scratch s;
    const std::string expected = s.text("policies/b_tidy.vigil");
    const auto file = run_vigil_in(s.dir, "fmt policies/a_messy.vigil");
    BOOST_TEST(file.status == 0);
    BOOST_TEST(file.output == expected);
    const auto piped = run_vigil_in(s.dir, "fmt - < policies/a_messy.vigil");
    BOOST_TEST(piped.status == 0);
    BOOST_TEST(piped.output == expected);
    const auto checked = run_vigil_in(s.dir, "fmt --check - < policies/a_messy.vigil");
    BOOST_TEST(checked.status == 1);
    BOOST_TEST(checked.output == "<stdin>\n");
    BOOST_TEST(s.untouched("policies/a_messy.vigil"));
}

BOOST_AUTO_TEST_CASE(fmt_leaves_a_file_that_does_not_parse_alone) {
    scratch s;
    s.put("policies/c_broken.vigil", read_file((golden_dir / "syntax_error.vigil").string()));
    const auto r = run_vigil_in(s.dir, "fmt --write policies");
    BOOST_TEST(r.status == 1);
    BOOST_TEST(s.untouched("policies/c_broken.vigil"));
    BOOST_TEST(s.text("policies/c_broken.vigil") == read_file((golden_dir / "syntax_error.vigil").string()));
    BOOST_TEST(s.text("policies/a_messy.vigil") == s.text("policies/b_tidy.vigil"), "the other files are written");

    const auto shown = run_vigil_in(fs::path(VIGIL_SOURCE_DIR), "fmt --check tests/golden/fmt/syntax_error.vigil");
    check_golden("cli/fmt_syntax_error.golden", "$ vigil fmt --check tests/golden/fmt/syntax_error.vigil\n" +
                                                    shown.output + "[exit " + std::to_string(shown.status) + "]\n");
}

BOOST_AUTO_TEST_CASE(fmt_usage_and_unreadable_input_exit_2) {
    scratch s;
    fs::create_directories(s.dir / "empty");
    for (const std::string args : {"fmt policies", "fmt policies/a_messy.vigil policies/b_tidy.vigil", "fmt --write -",
                                   "fmt --check --write policies", "fmt --diff --write policies", "fmt",
                                   "fmt --check nowhere.vigil", "fmt --check empty"}) {
        const auto r = run_vigil_in(s.dir, args);
        BOOST_TEST(r.status == 2, args << ": " << r.output);
    }
    BOOST_TEST(s.untouched("policies/a_messy.vigil"));
}

// The shipped policies and their tests, and every example in docs/, are laid out already (the
// tutorial's step 2 holds a mistake on purpose).
BOOST_AUTO_TEST_CASE(fmt_check_passes_on_the_shipped_files) {
    const auto r = run_vigil_in(fs::path(VIGIL_SOURCE_DIR),
                                "fmt --check policies/ docs/examples/ docs/cookbook/examples/ docs/tutorial/step1 "
                                "docs/tutorial/step3 docs/tutorial/step5 docs/tutorial/step6 docs/tutorial/step7");
    BOOST_TEST(r.status == 0, r.output);
    BOOST_TEST(r.output == "");
}

// ---------------------------------------------------------------------------------- test files

namespace {

// The scratch directory with a messy test file and a tidy one beside its policy files.
struct scratch_with_tests : scratch {
    scratch_with_tests() {
        put("policies/a_messy.tests", read_file((golden_dir / "cases_messy.tests").string()));
        put("policies/b_tidy.tests", read_file((golden_dir / "cases_messy.golden").string()));
    }
};

}  // namespace

// A directory stands for its policy files and its test files, sorted: --check lists both kinds,
// --diff shows both, --write lays out both and touches nothing already laid out.
BOOST_AUTO_TEST_CASE(fmt_check_diff_and_write_take_test_files_beside_policy_files) {
    scratch_with_tests s;
    const auto check = run_vigil_in(s.dir, "fmt --check policies");
    BOOST_TEST(check.status == 1);
    BOOST_TEST(check.output == "policies/a_messy.tests\npolicies/a_messy.vigil\n");

    const auto diff = run_vigil_in(s.dir, "fmt --diff policies");
    BOOST_TEST(diff.status == 1);
    const std::size_t tests_diff = diff.output.find("--- policies/a_messy.tests.orig\n+++ policies/a_messy.tests\n");
    const std::size_t policy_diff = diff.output.find("--- policies/a_messy.vigil.orig\n+++ policies/a_messy.vigil\n");
    BOOST_TEST(tests_diff == 0u, diff.output);
    BOOST_TEST((policy_diff != std::string::npos && policy_diff > tests_diff), diff.output);
    BOOST_TEST(diff.output.find("b_tidy") == std::string::npos, "a file in layout has no diff");
    std::string problem;
    const auto one = run_vigil_in(s.dir, "fmt --diff policies/a_messy.tests");
    BOOST_TEST(one.output == diff.output.substr(0, policy_diff));
    BOOST_TEST(apply_diff(s.text("policies/a_messy.tests"), one.output, problem) == s.text("policies/b_tidy.tests"));
    BOOST_TEST(problem == "");
    for (const char* name : {"a_messy.tests", "a_messy.vigil", "b_tidy.tests", "b_tidy.vigil"}) {
        BOOST_TEST(s.untouched(std::string("policies/") + name), name << " was written by --check or --diff");
    }

    const auto write = run_vigil_in(s.dir, "fmt --write policies");
    BOOST_TEST(write.status == 0, write.output);
    BOOST_TEST(write.output == "");
    BOOST_TEST(s.text("policies/a_messy.tests") == s.text("policies/b_tidy.tests"));
    BOOST_TEST(s.text("policies/a_messy.vigil") == s.text("policies/b_tidy.vigil"));
    BOOST_TEST(s.untouched("policies/b_tidy.tests"), "a test file already laid out was written");
    BOOST_TEST(run_vigil_in(s.dir, "fmt --check policies").status == 0);
}

// Standard input is a policy file unless --stdin-kind says it is a test file; read as the wrong
// kind, the error says how it was read.
BOOST_AUTO_TEST_CASE(fmt_reads_a_test_file_from_standard_input_when_told) {
    scratch_with_tests s;
    const auto printed = run_vigil_in(s.dir, "fmt --stdin-kind tests - < policies/a_messy.tests");
    BOOST_TEST(printed.status == 0, printed.output);
    BOOST_TEST(printed.output == s.text("policies/b_tidy.tests"));
    const auto checked = run_vigil_in(s.dir, "fmt --check --stdin-kind tests - < policies/a_messy.tests");
    BOOST_TEST(checked.status == 1);
    BOOST_TEST(checked.output == "<stdin>\n");
    BOOST_TEST(run_vigil_in(s.dir, "fmt --stdin-kind policy - < policies/a_messy.vigil").output ==
               s.text("policies/b_tidy.vigil"));

    const auto as_policy = run_vigil_in(s.dir, "fmt - < policies/b_tidy.tests");
    BOOST_TEST(as_policy.status == 1);
    BOOST_TEST(as_policy.output.find("vigil fmt: `<stdin>` has syntax errors; it is left as it is (read as a policy "
                                     "file; --stdin-kind tests reads a test file)\n") != std::string::npos,
               as_policy.output);
}

// A test file that does not parse is never written; its diagnostics are those `vigil test` gives.
BOOST_AUTO_TEST_CASE(fmt_leaves_a_test_file_that_does_not_parse_alone) {
    scratch_with_tests s;
    const std::string broken = read_file((golden_dir / "cases_syntax_error.tests").string());
    s.put("policies/c_broken.tests", broken);
    const auto r = run_vigil_in(s.dir, "fmt --write policies");
    BOOST_TEST(r.status == 1);
    BOOST_TEST(s.untouched("policies/c_broken.tests"));
    BOOST_TEST(s.text("policies/c_broken.tests") == broken);
    BOOST_TEST(s.text("policies/a_messy.tests") == s.text("policies/b_tidy.tests"), "the other files are written");

    const std::string path = "tests/golden/fmt/cases_syntax_error.tests";
    const auto shown = run_vigil_in(fs::path(VIGIL_SOURCE_DIR), "fmt --check " + path);
    check_golden("cli/fmt_tests_syntax_error.golden",
                 "$ vigil fmt --check " + path + "\n" + shown.output + "[exit " + std::to_string(shown.status) + "]\n");
    // Each diagnostic (a blank line ends it) is one `vigil test` shows too.
    const auto tested = run_vigil_in(fs::path(VIGIL_SOURCE_DIR), "test " + path);
    std::size_t diagnostics = 0;
    for (std::size_t at = 0, end; (end = shown.output.find("\n\n", at)) != std::string::npos; at = end + 2) {
        ++diagnostics;
        const std::string diagnostic = shown.output.substr(at, end + 2 - at);
        BOOST_TEST(tested.output.find(diagnostic) != std::string::npos, diagnostic);
    }
    BOOST_TEST(diagnostics == 2u, shown.output);
}

BOOST_AUTO_TEST_CASE(fmt_usage_and_unreadable_test_files_exit_2) {
    scratch_with_tests s;
    for (const std::string args :
         {"fmt --check --stdin-kind tests policies", "fmt --stdin-kind yaml -", "fmt --write --stdin-kind tests -",
          "fmt policies/a_messy.tests policies/b_tidy.tests"}) {
        const auto r = run_vigil_in(s.dir, args);
        BOOST_TEST(r.status == 2, args << ": " << r.output);
    }
    const auto missing = run_vigil_in(s.dir, "fmt --check nowhere.tests");
    BOOST_TEST(missing.status == 2);
    BOOST_TEST(
        missing.output.rfind("nowhere.tests:1:1: error[V0707]: cannot read test file `nowhere.tests`: ", 0) == 0u,
        missing.output);
    BOOST_TEST(s.untouched("policies/a_messy.tests"));
}
