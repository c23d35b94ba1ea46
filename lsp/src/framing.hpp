#pragma once
// The base protocol of LSP: every message is a header (`Content-Length: N`, perhaps
// `Content-Type`, each line ended by CR LF) and an empty line, then N bytes of JSON.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace vigil::lsp {

/// The largest body read; a longer one is skipped by its length, and reported.
inline constexpr std::size_t max_message_bytes = 64u << 20;

/// What read_message() found.
struct incoming {
    enum class kind : std::uint8_t {
        message,   // `body` holds the message's bytes
        too_long,  // a message longer than max_message_bytes was skipped; `problem` says so
        end,       // the input ended between two messages
        broken,    // the input cannot be read on: `problem` says why and at which byte
    };
    kind k = kind::end;
    std::string body;
    std::string problem;
};

/// Reads the next message. `offset` counts the bytes read so far, for the problems' positions.
[[nodiscard]] incoming read_message(std::istream& in, std::uint64_t& offset);

/// Writes one message, its header first, and flushes it: an editor waits for each answer.
void write_message(std::ostream& out, const nlohmann::json& message);

}  // namespace vigil::lsp
