#pragma once
// UTF-8 case mapping for `lower()` and `upper()`: Unicode simple case mapping per code point, taken
// from the C library's C.UTF-8 locale. Bytes that are not valid UTF-8 pass through unchanged.

#include <cstddef>
#include <string>
#include <string_view>

namespace vigil::text {

/// Largest number of bytes lower_utf8/upper_utf8 write for an input of `n` bytes.
[[nodiscard]] constexpr std::size_t mapped_capacity(std::size_t n) { return n * 3 / 2 + 4; }

/// The code point of the multi-byte UTF-8 sequence at in[i] (a byte >= 0x80) and its length in
/// bytes; 0 when the bytes there are not a valid, shortest-form sequence.
std::size_t decode_utf8(std::string_view in, std::size_t i, char32_t& cp);

/// Appends `\xHH`, the way a byte that cannot be shown as it is gets written.
void append_hex_byte(std::string& out, unsigned char byte);

/// `in` with every byte that is not part of a valid UTF-8 character written as `\xHH`: text from a
/// file or a line that is not UTF-8, made fit for a JSON string and a terminal.
[[nodiscard]] std::string printable_utf8(std::string_view in);

/// Writes the lowercase form of `in` to `out`, which has room for mapped_capacity(in.size())
/// bytes; returns the number of bytes written.
std::size_t lower_utf8(std::string_view in, char* out);
/// The same for uppercase.
std::size_t upper_utf8(std::string_view in, char* out);

/// True when the C.UTF-8 locale was available; otherwise only ASCII letters are mapped.
[[nodiscard]] bool full_case_mapping();

}  // namespace vigil::text
