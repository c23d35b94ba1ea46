// The tutorial, docs/tutorial.md, is tested like code, so it cannot go stale: every file it has
// the reader create is a real file under docs/tutorial/, and every command it shows is run with
// the real `vigil` binary and must print what the tutorial says it prints.
//
// Conventions the tutorial follows (docs/tutorial.md is the only input; nothing is configured here):
//
// - `<!-- step: NAME -->` starts a step. Its files are under docs/tutorial/NAME/, laid out as
//   in the reader's working directory (docs/tutorial/step1/my-policies/discounts.vigil is the
//   reader's my-policies/discounts.vigil). The reader's directory at a step holds the files of
//   that step and of every step before it, a later step's file replacing an earlier one of the
//   same path (the reader edits files in place; nobody deletes one).
// - `<!-- file: PATH -->` on the line just before a fenced block says the block is the whole
//   file PATH of the current step: it must be byte for byte docs/tutorial/NAME/PATH. Every file
//   under docs/tutorial/NAME/ must be shown this way in step NAME, and every ```vigil block of
//   the tutorial must name its file.
// - A ```console block is a terminal session: a line `$ COMMAND` is typed, the lines after it
//   up to the next `$ ` line (or the end of the block) are what it prints, standard output and
//   standard error together. `$ echo $?` prints the exit status of the command before it. A
//   command that is not followed by `$ echo $?` must exit with 0. The commands run in a fresh
//   temporary directory laid out as the reader's is at that step, with `vigil` the binary just
//   built; only `vigil` and `mkdir` may be used. ```sh blocks (installing and building) are not
//   run.
// - `<!-- json: output line N -->` before a ```json block says the block is line N of what the
//   last command before it printed, laid out for reading: both must be the same JSON value.
//
// On a mismatch the test names the tutorial line and shows both texts. With UPDATE_GOLDEN=1 it
// rewrites docs/tutorial.md instead: file blocks from the files, outputs and exit statuses from
// the actual run, JSON blocks that no longer match from the output (as with the golden files;
// JSON comes out one value a line, and may be laid out by hand again: only the value counts).
// Outputs must not depend on the machine: no absolute paths, no timings.

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "shell.hpp"
#include "support/golden.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path source_dir{VIGIL_SOURCE_DIR};
const fs::path tutorial_path = source_dir / "docs" / "tutorial.md";
const fs::path steps_dir = source_dir / "docs" / "tutorial";

// One `$ ` line of a console block and the output the tutorial shows below it.
struct command {
    std::size_t line = 0;  // 1-based line of the `$ ` line in the tutorial
    std::string text;      // without the `$ `
    std::string expected;  // every shown output line, each ending in "\n"
};

// A fenced block; `open` and `close` are the 0-based indexes of its fence lines.
struct block {
    std::size_t open = 0;
    std::size_t close = 0;
    std::string info;                      // what follows the opening ```
    std::string content;                   // the lines between the fences, each ending in "\n"
    std::string step;                      // the step it belongs to, empty before the first step
    std::string file;                      // from `<!-- file: PATH -->`
    std::optional<std::size_t> json_line;  // from `<!-- json: output line N -->`
    std::vector<command> commands;         // of a console block
};

struct tutorial_page {
    std::vector<std::string> lines;
    std::vector<std::string> steps;  // in the order the tutorial takes them
    std::vector<block> blocks;
    std::vector<std::string> problems;  // mistakes in following the conventions
};

std::string where(std::size_t index) {
    return "docs/tutorial.md:" + std::to_string(index + 1);
}

std::vector<command> parse_console(const block& b, std::vector<std::string>& problems) {
    std::vector<command> commands;
    std::istringstream in(b.content);
    std::size_t index = b.open + 1;
    for (std::string line; std::getline(in, line); ++index) {
        if (line.rfind("$ ", 0) == 0) {
            commands.push_back({index + 1, line.substr(2), ""});
        } else if (commands.empty()) {
            problems.push_back(where(index) + ": a console block must start with a `$ ` line");
        } else {
            commands.back().expected += line + "\n";
        }
    }
    return commands;
}

tutorial_page parse_tutorial() {
    tutorial_page t;
    {
        std::ifstream in(tutorial_path, std::ios::binary);
        BOOST_REQUIRE_MESSAGE(in, "cannot read " << tutorial_path.string());
        for (std::string line; std::getline(in, line);) t.lines.push_back(line);
    }
    const std::regex step_marker(R"(<!-- step: ([A-Za-z0-9_-]+) -->)");
    const std::regex file_marker(R"(<!-- file: ([^ ]+) -->)");
    const std::regex json_marker(R"(<!-- json: output line ([0-9]+) -->)");
    std::string step, pending_file;
    std::optional<std::size_t> pending_json;
    std::size_t pending_at = 0;
    std::optional<block> open;
    for (std::size_t i = 0; i < t.lines.size(); ++i) {
        const std::string& line = t.lines[i];
        std::smatch m;
        if (open) {
            if (line.rfind("```", 0) == 0) {
                open->close = i;
                if (open->info == "console") open->commands = parse_console(*open, t.problems);
                t.blocks.push_back(*open);
                open.reset();
            } else {
                open->content += line + "\n";
            }
            continue;
        }
        const bool marker_waits = !pending_file.empty() || pending_json;
        if (marker_waits && line.rfind("```", 0) != 0) {
            t.problems.push_back(where(pending_at) + ": a file or json marker must stand just before a fenced block");
            pending_file.clear();
            pending_json.reset();
        }
        if (std::regex_match(line, m, step_marker)) {
            step = m[1];
            for (const auto& s : t.steps) {
                if (s == step) t.problems.push_back(where(i) + ": step `" + step + "` starts twice");
            }
            t.steps.push_back(step);
        } else if (std::regex_match(line, m, file_marker)) {
            pending_file = m[1];
            pending_at = i;
        } else if (std::regex_match(line, m, json_marker)) {
            pending_json = std::stoul(m[1]);
            pending_at = i;
        } else if (line.rfind("```", 0) == 0) {
            open = block{};
            open->open = i;
            open->info = line.substr(3);
            open->step = step;
            open->file = pending_file;
            open->json_line = pending_json;
            pending_file.clear();
            pending_json.reset();
        } else if (line.find("<!-- ") != std::string::npos &&
                   (line.find("step:") != std::string::npos || line.find("file:") != std::string::npos ||
                    line.find("json:") != std::string::npos)) {
            t.problems.push_back(where(i) + ": a marker that does not follow the conventions: " + line);
        }
    }
    if (open) t.problems.push_back(where(open->open) + ": a fenced block is not closed");
    return t;
}

// With UPDATE_GOLDEN=1: writes the tutorial with the content of some blocks replaced.
bool updating() {
    const char* update = std::getenv("UPDATE_GOLDEN");
    return update && std::string(update) == "1";
}

void rewrite(const tutorial_page& t, const std::map<std::size_t, std::string>& new_content_by_open) {
    if (new_content_by_open.empty()) return;
    std::string text;
    for (std::size_t i = 0; i < t.lines.size(); ++i) {
        text += t.lines[i] + "\n";
        const auto found = new_content_by_open.find(i);
        if (found == new_content_by_open.end()) continue;
        text += found->second;
        for (const auto& b : t.blocks) {
            if (b.open == i) i = b.close - 1;  // skip the old content, keep the closing fence
        }
    }
    std::ofstream(tutorial_path, std::ios::binary) << text;
    BOOST_TEST_MESSAGE("updated " << tutorial_path.string() << " (" << new_content_by_open.size() << " blocks)");
}

std::string shell_quote(const std::string& s) {
    std::string quoted = "'";
    for (const char c : s) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

using cli_test::run_result;

// Runs one command line in `dir` as the reader's shell would, with the built vigil first on PATH.
run_result run_in(const fs::path& dir, const std::string& command_line) {
    const std::string bin = fs::path(VIGIL_BINARY).parent_path().string();
    return cli_test::run_shell("cd " + shell_quote(dir.string()) + " && PATH=" + shell_quote(bin) +
                               ":\"$PATH\" && export PATH && ( " + command_line + " )");
}

// The files of a step, as paths relative to its folder.
std::set<std::string> files_of_step(const std::string& step) {
    std::set<std::string> files;
    const fs::path dir = steps_dir / step;
    if (!fs::is_directory(dir)) return files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file()) files.insert(fs::relative(entry.path(), dir).generic_string());
    }
    return files;
}

bool is_safe_relative(const std::string& path) {
    const fs::path p(path);
    if (p.is_absolute()) return false;
    for (const auto& part : p) {
        if (part == "..") return false;
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tutorial)

// Every file block is the file under docs/tutorial/STEP/, and every such file is shown.
BOOST_AUTO_TEST_CASE(shown_files_are_the_files_under_docs_tutorial) {
    const tutorial_page t = parse_tutorial();
    for (const auto& problem : t.problems) BOOST_ERROR(problem);
    BOOST_TEST(t.steps.size() >= 5u);

    std::map<std::string, std::set<std::string>> shown;  // step -> files
    std::map<std::size_t, std::string> updates;
    std::size_t file_blocks = 0;
    for (const auto& b : t.blocks) {
        if (b.file.empty()) {
            BOOST_TEST(b.info != "vigil", where(b.open)
                                              << ": a ```vigil block must name its file with <!-- file: PATH -->");
            continue;
        }
        ++file_blocks;
        if (b.step.empty() || !is_safe_relative(b.file)) {
            BOOST_ERROR(where(b.open) << ": file `" << b.file << "` must be a relative path inside a step");
            continue;
        }
        shown[b.step].insert(b.file);
        const fs::path real = steps_dir / b.step / b.file;
        std::string content;
        try {
            content = read_file(real.string());
        } catch (const std::exception&) {
            BOOST_ERROR(where(b.open) << ": the tutorial shows `" << b.file << "` but " << real.string()
                                      << " does not exist; shown:\n"
                                      << b.content);
            continue;
        }
        if (content == b.content) continue;
        if (updating()) {
            updates[b.open] = content;
        } else {
            BOOST_ERROR(where(b.open) << ": the block differs from docs/tutorial/" << b.step << "/" << b.file
                                      << "\n--- the tutorial shows ---\n"
                                      << b.content << "--- the file holds ---\n"
                                      << content << "(run with UPDATE_GOLDEN=1 to copy the files into the tutorial)");
        }
    }
    BOOST_TEST(file_blocks >= 5u);

    // No file the reader is not told about, no folder the tutorial does not name.
    const std::set<std::string> steps(t.steps.begin(), t.steps.end());
    for (const auto& entry : fs::directory_iterator(steps_dir)) {
        const std::string name = entry.path().filename().string();
        BOOST_TEST(steps.count(name) == 1u, "docs/tutorial/" << name << " is not a step of the tutorial");
    }
    for (const auto& step : t.steps) {
        for (const auto& file : files_of_step(step)) {
            BOOST_TEST(shown[step].count(file) == 1u,
                       "docs/tutorial/" << step << "/" << file << " is not shown in step `" << step << "`");
        }
    }
    rewrite(t, updates);
}

// Every command prints what the tutorial shows and exits as it shows, in the reader's directory.
BOOST_AUTO_TEST_CASE(commands_print_what_the_tutorial_shows) {
    const tutorial_page t = parse_tutorial();
    for (const auto& problem : t.problems) BOOST_ERROR(problem);

    const fs::path root = fs::temp_directory_path() / ("vigil-tutorial-" + std::to_string(getpid()));
    fs::remove_all(root);
    fs::create_directories(root);
    const std::regex timing(R"([0-9] s\b|records/s|MB/s)");

    std::map<std::size_t, std::string> updates;
    std::string prepared_step = "-";  // the step the directory was laid out for
    fs::path dir;
    std::string last_output_shown;  // what the tutorial shows for the last command, for json blocks
    std::size_t commands_run = 0;
    for (const auto& b : t.blocks) {
        if (b.info == "json" && b.json_line) {
            std::istringstream lines(last_output_shown);
            std::string line;
            for (std::size_t n = 0; n < *b.json_line && std::getline(lines, line); ++n) {
            }
            try {
                const auto shown = nlohmann::json::parse(b.content);
                const auto output = nlohmann::json::parse(line);
                if (shown == output) continue;
                if (updating()) {
                    updates[b.open] = output.dump(2) + "\n";
                } else {
                    BOOST_ERROR(where(b.open)
                                << ": the JSON is not line " << *b.json_line << " of the output above it:\n"
                                << line);
                }
            } catch (const nlohmann::json::exception& e) {
                BOOST_ERROR(where(b.open) << ": " << e.what());
            }
            continue;
        }
        if (b.info != "console") continue;

        // Lay out the reader's directory: every step's files up to this one, later ones winning.
        if (b.step != prepared_step) {
            prepared_step = b.step;
            dir = root / (b.step.empty() ? std::string("start") : b.step);
            fs::create_directories(dir);
            for (const auto& step : t.steps) {
                if (fs::is_directory(steps_dir / step)) {
                    fs::copy(steps_dir / step, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
                }
                if (step == b.step) break;
            }
        }

        std::string rewritten;
        int last_status = 0;
        for (std::size_t k = 0; k < b.commands.size(); ++k) {
            const command& c = b.commands[k];
            run_result r;
            if (c.text == "echo $?") {
                r.output = std::to_string(last_status) + "\n";
                r.status = 0;
            } else {
                const std::string program = c.text.substr(0, c.text.find(' '));
                if (program != "vigil" && program != "mkdir") {
                    BOOST_ERROR("docs/tutorial.md:" << c.line << ": `" << program
                                                    << "` is not run by the test; use vigil or mkdir");
                    continue;
                }
                r = run_in(dir, c.text);
                ++commands_run;
                const bool status_shown = k + 1 < b.commands.size() && b.commands[k + 1].text == "echo $?";
                if (r.status != 0 && !status_shown) {
                    BOOST_ERROR("docs/tutorial.md:" << c.line << ": `" << c.text << "` exits with " << r.status
                                                    << "; show it with a `$ echo $?` line after it\n"
                                                    << r.output);
                }
                last_status = r.status;
            }
            BOOST_TEST(r.output.find(root.string()) == std::string::npos,
                       "docs/tutorial.md:" << c.line << ": the output names a temporary path:\n"
                                           << r.output);
            BOOST_TEST(r.output.find(source_dir.string()) == std::string::npos,
                       "docs/tutorial.md:" << c.line << ": the output names the source path:\n"
                                           << r.output);
            BOOST_TEST(!std::regex_search(r.output, timing), "docs/tutorial.md:" << c.line
                                                                                 << ": the output holds a timing:\n"
                                                                                 << r.output);
            rewritten += "$ " + c.text + "\n" + r.output;
            if (c.text != "echo $?") last_output_shown = updating() ? r.output : c.expected;
            if (r.output != c.expected && !updating()) {
                BOOST_ERROR("docs/tutorial.md:" << c.line << ": `" << c.text << "` prints something else\n"
                                                << "--- the tutorial shows ---\n"
                                                << c.expected << "--- vigil printed ---\n"
                                                << r.output
                                                << "(run with UPDATE_GOLDEN=1 to accept the actual output)");
            }
        }
        if (rewritten != b.content && updating()) updates[b.open] = rewritten;
    }
    BOOST_TEST(commands_run >= 10u);
    fs::remove_all(root);
    rewrite(t, updates);
}

BOOST_AUTO_TEST_SUITE_END()
