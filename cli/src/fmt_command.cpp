#include "fmt_command.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "unified_diff.hpp"
#include "vigil/cli.hpp"
#include "vigil/format.hpp"

namespace vigil::cli {

namespace {

namespace fs = std::filesystem;

const std::string standard_input = "-";

// The two languages `vigil fmt` lays out.
enum class file_kind : std::uint8_t { policy, tests };

// A `.tests` file is a test file; any other file a policy file, as `vigil check` reads it.
file_kind kind_of(const fs::path& path) {
    return path.extension() == ".tests" ? file_kind::tests : file_kind::policy;
}

// One file to format: a path, or standard input.
struct fmt_input {
    std::string name;  // as the user gave it or as found under a directory; `<stdin>` for `-`
    file_kind kind = file_kind::policy;
    bool stdin_ = false;
};

// Reports a path that cannot be read on standard error, as the command that reads such files
// reports it: `vigil check` for a policy file or a directory (V0501), `vigil test` for a test file
// (V0707).
void report_unreadable(const std::string& name, file_kind kind, const std::string& reason) {
    source_map sources;
    const span where{sources.add(name, ""), 0, 0};
    const diagnostic d =
        kind == file_kind::tests
            ? make_diagnostic(code::test_file_unreadable, where, "cannot read test file `" + name + "`: " + reason)
            : make_diagnostic(code::file_unreadable, where, "cannot read `" + name + "`: " + reason);
    std::fprintf(stderr, "%s\n", render_text(d, sources).c_str());
}

// The files to format below a directory: every `*.vigil` and `*.tests`, sorted.
std::vector<fs::path> files_below(const std::string& directory, std::error_code& ec) {
    std::vector<fs::path> found;
    for (fs::recursive_directory_iterator it(directory, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        const fs::path extension = it->path().extension();
        std::error_code type_ec;
        if ((extension == ".vigil" || extension == ".tests") && it->is_regular_file(type_ec)) {
            found.push_back(it->path());
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

// The files the paths name: a directory stands for every policy file and test file below it,
// sorted. False when a path names nothing to format (reported).
bool expand(const std::vector<std::string>& paths, file_kind stdin_kind, std::vector<fmt_input>& inputs) {
    bool ok = true;
    for (const std::string& path : paths) {
        if (path == standard_input) {
            inputs.push_back({"<stdin>", stdin_kind, true});
            continue;
        }
        std::error_code ec;
        if (!fs::is_directory(path, ec)) {
            inputs.push_back({path, kind_of(path), false});  // read later; a missing file is reported then
            continue;
        }
        const std::vector<fs::path> found = files_below(path, ec);
        if (ec || found.empty()) {
            report_unreadable(
                path, file_kind::policy,
                ec ? ec.message() : "the directory holds no policy file (*.vigil) or test file (*.tests)");
            ok = false;
            continue;
        }
        for (const fs::path& file : found) inputs.push_back({file.string(), kind_of(file), false});
    }
    return ok;
}

std::optional<std::string> read_input(const fmt_input& input, std::string& error) {
    if (input.stdin_) return read_to_end(stdin, error);
    std::error_code ec;
    if (fs::is_directory(input.name, ec)) {
        error = "it is a directory";
        return std::nullopt;
    }
    return read_whole_file(input.name, error);
}

// Replaces the file at `path` with `text` so that a reader sees the old file or the new one, never
// half of it: a temporary file beside it (the same file system), then a rename. The file keeps its
// permissions; a symbolic link keeps pointing at the file, which is the one replaced.
bool replace_file(const std::string& path, const std::string& text, std::string& error) {
    std::error_code ec;
    const fs::path target = fs::canonical(path, ec);
    if (ec) {
        error = ec.message();
        return false;
    }
    std::string temporary = (target.parent_path() / ("." + target.filename().string() + ".fmt-XXXXXX")).string();
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0) {
        error = std::strerror(errno);
        return false;
    }
    auto fail = [&](const std::string& why) {
        error = why;
        ::close(fd);
        std::error_code ignored;
        fs::remove(temporary, ignored);
        return false;
    };
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) return fail(std::strerror(errno));
    fs::permissions(temporary, fs::status(target, ec).permissions(), ec);
    if (ec) return fail(ec.message());
    if (::close(fd) != 0) {
        error = std::strerror(errno);
        fs::remove(temporary, ec);
        return false;
    }
    fs::rename(temporary, target, ec);
    if (ec) {
        error = ec.message();
        std::error_code ignored;
        fs::remove(temporary, ignored);
        return false;
    }
    return true;
}

// The layout of the file `file` of `sources`, in the language of its kind.
result<std::string> format_text(file_kind kind, const source_map& sources, file_id file) {
    return kind == file_kind::tests ? format_test_file(sources, file) : format_policy(sources, file);
}

// How standard input was read, said after its syntax errors, since it has no extension that says
// what it holds: a test file read as a policy file fails on its first line.
const char* read_as(const fmt_input& input) {
    if (!input.stdin_) return "";
    return input.kind == file_kind::policy ? " (read as a policy file; --stdin-kind tests reads a test file)"
                                           : " (read as a test file)";
}

// Formats one input as the options say; returns its exit code.
int format_one(const fmt_input& input, const fmt_command_options& o) {
    std::string error;
    std::optional<std::string> text = read_input(input, error);
    if (!text) {
        report_unreadable(input.name, input.kind, error);
        return exit_bad_input;
    }
    source_map sources;
    const file_id file = sources.add(input.name, std::move(*text));
    result<std::string> formatted;
    try {
        formatted = format_text(input.kind, sources, file);
    } catch (const std::logic_error& e) {
        std::fprintf(stderr, "vigil fmt: %s; `%s` is left as it is (this is a bug in vigil fmt: please report it)\n",
                     e.what(), input.name.c_str());
        return exit_bad_input;
    }
    if (!formatted.value) {
        for (const diagnostic& d : formatted.diagnostics) {
            std::fprintf(stderr, "%s\n", render_text(d, sources).c_str());
        }
        std::fprintf(stderr, "vigil fmt: `%s` has syntax errors; it is left as it is%s\n", input.name.c_str(),
                     read_as(input));
        return exit_findings;
    }
    const std::string& original = sources.file(file).text;
    const bool canonical = *formatted.value == original;
    if (o.diff) {
        if (canonical) return exit_clean;
        const std::string shown = unified_diff(original, *formatted.value, input.name + ".orig", input.name);
        std::fwrite(shown.data(), 1, shown.size(), stdout);
        return exit_findings;
    }
    if (o.check) {
        if (canonical) return exit_clean;
        std::fprintf(stdout, "%s\n", input.name.c_str());
        return exit_findings;
    }
    if (o.write) {
        if (canonical) return exit_clean;  // untouched, its time of change too
        if (!replace_file(input.name, *formatted.value, error)) {
            std::fprintf(stderr, "vigil fmt: cannot write `%s`: %s\n", input.name.c_str(), error.c_str());
            return exit_bad_input;
        }
        return exit_clean;
    }
    std::fwrite(formatted.value->data(), 1, formatted.value->size(), stdout);
    return exit_clean;
}

}  // namespace

CLI::App* add_fmt_command(CLI::App& app, fmt_command_options& o) {
    auto* cmd =
        app.add_subcommand("fmt", "lay out policy files and test files in the canonical layout, keeping every comment");
    cmd->add_option("paths", o.paths,
                    "policy files (*.vigil), test files (*.tests) or directories (every *.vigil and *.tests below), "
                    "or - for standard input")
        ->required();
    cmd->add_option("--stdin-kind", o.stdin_kind, "what - holds: a policy file (the default) or a test file")
        ->check(CLI::IsMember({"policy", "tests"}));
    auto* check = cmd->add_flag("--check", o.check,
                                "write nothing; list the files not in canonical layout, and exit 1 if there are any");
    auto* write = cmd->add_flag("--write,-w", o.write, "rewrite the files not in canonical layout, in place");
    auto* diff = cmd->add_flag("--diff,-d", o.diff,
                               "write nothing; show how each file not in canonical layout would change, as a "
                               "unified diff, and exit 1 if there are any");
    check->excludes(write);
    diff->excludes(write);
    return cmd;
}

int run_fmt(const fmt_command_options& o) {
    const bool reads_stdin = std::find(o.paths.begin(), o.paths.end(), standard_input) != o.paths.end();
    if (!o.stdin_kind.empty() && !reads_stdin) {
        std::fprintf(stderr, "vigil fmt: --stdin-kind says what `-` holds, and no `-` is given\n");
        return exit_bad_input;
    }
    std::vector<fmt_input> inputs;
    const file_kind stdin_kind = o.stdin_kind == "tests" ? file_kind::tests : file_kind::policy;
    int status = expand(o.paths, stdin_kind, inputs) ? exit_clean : exit_bad_input;
    if (o.write && reads_stdin) {
        std::fprintf(stderr, "vigil fmt: --write cannot rewrite standard input; without it, `-` is printed\n");
        return exit_bad_input;
    }
    if (!o.check && !o.write && !o.diff && (o.paths.size() > 1 || inputs.size() > 1)) {
        std::fprintf(stderr, "vigil fmt: give one file to print, or --check, --diff or --write for several\n");
        return exit_bad_input;
    }
    for (const fmt_input& input : inputs) status = std::max(status, format_one(input, o));
    return status;
}

}  // namespace vigil::cli
