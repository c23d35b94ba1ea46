#include "fmt_command.hpp"

#include <algorithm>
#include <cerrno>
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

// One file to format: a path, or standard input.
struct fmt_input {
    std::string name;  // as the user gave it or as found under a directory; `<stdin>` for `-`
    bool stdin_ = false;
};

// Reports a file that cannot be read as `vigil check` does (V0501), on standard error.
void report_unreadable(const std::string& name, const std::string& reason) {
    source_map sources;
    const span where{sources.add(name, ""), 0, 0};
    const diagnostic d = make_diagnostic(code::file_unreadable, where, "cannot read `" + name + "`: " + reason);
    std::fprintf(stderr, "%s\n", render_text(d, sources).c_str());
}

// The files the paths name: a directory stands for every `*.vigil` file below it, sorted, as in
// every other command. False when a path names nothing to format (reported).
bool expand(const std::vector<std::string>& paths, std::vector<fmt_input>& inputs) {
    bool ok = true;
    for (const std::string& path : paths) {
        if (path == standard_input) {
            inputs.push_back({"<stdin>", true});
            continue;
        }
        std::error_code ec;
        if (!fs::is_directory(path, ec)) {
            inputs.push_back({path, false});  // read later; a missing file is reported then
            continue;
        }
        std::vector<fs::path> found;
        for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
             !ec && it != end; it.increment(ec)) {
            std::error_code type_ec;
            if (it->path().extension() == ".vigil" && it->is_regular_file(type_ec)) found.push_back(it->path());
        }
        if (ec || found.empty()) {
            report_unreadable(path, ec ? ec.message() : "the directory holds no policy file (*.vigil)");
            ok = false;
            continue;
        }
        std::sort(found.begin(), found.end());
        for (const fs::path& file : found) inputs.push_back({file.string(), false});
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

// Formats one input as the options say; returns its exit code.
int format_one(const fmt_input& input, const fmt_command_options& o) {
    std::string error;
    std::optional<std::string> text = read_input(input, error);
    if (!text) {
        report_unreadable(input.name, error);
        return exit_bad_input;
    }
    source_map sources;
    const file_id file = sources.add(input.name, std::move(*text));
    result<std::string> formatted;
    try {
        formatted = format_policy(sources, file);
    } catch (const std::logic_error& e) {
        std::fprintf(stderr, "vigil fmt: %s; `%s` is left as it is (this is a bug in vigil fmt: please report it)\n",
                     e.what(), input.name.c_str());
        return exit_bad_input;
    }
    if (!formatted.value) {
        for (const diagnostic& d : formatted.diagnostics) {
            std::fprintf(stderr, "%s\n", render_text(d, sources).c_str());
        }
        std::fprintf(stderr, "vigil fmt: `%s` has syntax errors; it is left as it is\n", input.name.c_str());
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
    auto* cmd = app.add_subcommand("fmt", "lay out policy files in the canonical layout, keeping every comment");
    cmd->add_option("paths", o.paths, "policy files or directories (every *.vigil below), or - for standard input")
        ->required();
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
    std::vector<fmt_input> inputs;
    int status = expand(o.paths, inputs) ? exit_clean : exit_bad_input;
    const bool reads_stdin = std::any_of(inputs.begin(), inputs.end(), [](const fmt_input& i) { return i.stdin_; });
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
