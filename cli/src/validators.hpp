#pragma once
// Options and option checks more than one command uses.

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

#include "vigil/server.hpp"
#include "vigil/threads.hpp"

namespace vigil::cli {

/// A size in bytes as server::parse_size reads it: 1048576, 512KiB, 1MiB.
inline CLI::Validator size_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return server::parse_size(text) ? "" : "expected a size such as 1048576, 512KiB or 1MiB";
        },
        "SIZE");
}

/// `--threads N` of replay and serve: 0 for one per core, up to the most the libraries start.
inline void add_threads_option(CLI::App& command, const std::string& name, std::size_t& threads,
                               const std::string& what) {
    command.add_option(name, threads, what + " (0: one per core)")
        ->check(CLI::Range(std::size_t{0}, max_threads))
        ->capture_default_str();
}

/// `--max-line SIZE` of the commands that read JSON Lines (eval, replay).
inline void add_max_line_option(CLI::App& command, std::string& max_line) {
    command
        .add_option("--max-line", max_line,
                    "a longer line is malformed and stepped over without being kept (16MiB, 1GiB)")
        ->check(size_validator())
        ->capture_default_str();
}

}  // namespace vigil::cli
