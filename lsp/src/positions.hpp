#pragma once
// Places in a file as LSP counts them: a line from 0, and a character offset in the line counted in
// the units of the encoding agreed with the client (UTF-16 code units unless it offers another).
// Vigil's spans are byte offsets; columns in messages count code points.

#include <cstdint>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "vigil/source.hpp"

namespace vigil::lsp {

enum class encoding : std::uint8_t { utf8, utf16, utf32 };

/// The name LSP gives it: "utf-8", "utf-16", "utf-32".
[[nodiscard]] std::string_view encoding_name(encoding e);

/// The encoding for a client that offers `offered` (its `general.positionEncodings`, perhaps
/// absent): UTF-8 when offered, since spans are bytes; else UTF-32; else UTF-16, which every
/// client must understand.
[[nodiscard]] encoding choose_encoding(const nlohmann::json& offered);

struct position {
    std::uint32_t line = 0;       // from 0
    std::uint32_t character = 0;  // from 0, in the encoding's units
};

/// The position of byte `offset` of `file` (at most its size).
[[nodiscard]] position position_of(const source_file& file, std::uint32_t offset, encoding e);

/// The byte offset of `p` in `file`. A position past the end of its line stands for the line's
/// end (before its line break), and one past the last line for the end of the file, as LSP asks;
/// one inside a character stands for the character's start.
[[nodiscard]] std::uint32_t offset_of(const source_file& file, position p, encoding e);

/// `{"start": {...}, "end": {...}}` for the bytes [begin, end) of `file`.
[[nodiscard]] nlohmann::json range_json(const source_file& file, std::uint32_t begin, std::uint32_t end, encoding e);

/// A position read from a request (`{"line": 0, "character": 4}`); nothing when it is not one.
[[nodiscard]] bool read_position(const nlohmann::json& j, position& out);

}  // namespace vigil::lsp
