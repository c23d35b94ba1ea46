#pragma once
// Option checks more than one command uses.

#include <string>

#include <CLI/CLI.hpp>

#include "vigil/server.hpp"

namespace vigil::cli {

/// A size in bytes as server::parse_size reads it: 1048576, 512KiB, 1MiB.
inline CLI::Validator size_validator() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return server::parse_size(text) ? "" : "expected a size such as 1048576, 512KiB or 1MiB";
        },
        "SIZE");
}

}  // namespace vigil::cli
