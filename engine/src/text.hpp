#pragma once
// UTF-8 case mapping for `lower()` and `upper()`: Unicode simple case mapping per code point, taken
// from the C library's C.UTF-8 locale. Bytes that are not valid UTF-8 pass through unchanged.
// And Unicode normalization form C (ICU), in which every string of a policy and of a record is
// compared: "chỉ" typed as "i", a combining hook and a combining dot below is the same text as "chỉ"
// typed as one character, as it is to the person reading it.

#include <emmintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vigil::text {

/// Largest number of bytes lower_utf8/upper_utf8 write for an input of `n` bytes: full case
/// mapping can triple a character's bytes (U+0390 upper-cases to three characters).
[[nodiscard]] constexpr std::size_t mapped_capacity(std::size_t n) {
    return n * 3 + 4;
}

/// The code point of the multi-byte UTF-8 sequence at in[i] (a byte >= 0x80) and its length in
/// bytes; 0 when the bytes there are not a valid, shortest-form sequence.
std::size_t decode_utf8(std::string_view in, std::size_t i, char32_t& cp);

/// Writes a code point as UTF-8 at `out` (room for 4 bytes); returns its length in bytes.
std::size_t encode_utf8(char32_t cp, char* out);

/// The columns a code point takes on a terminal, as a caret under it must count them: 2 for an
/// East Asian wide or fullwidth character (CJK, most emoji), 0 for a combining mark or another
/// character drawn on the one before (a format character, a Hangul vowel or final consonant),
/// else 1.
[[nodiscard]] std::size_t terminal_columns(char32_t cp);

/// Appends `\xHH`, the way a byte that cannot be shown as it is gets written.
void append_hex_byte(std::string& out, unsigned char byte);

/// `in` with every byte that is not part of a valid UTF-8 character written as `\xHH`: text from a
/// file or a line that is not UTF-8, made fit for a JSON string and a terminal.
[[nodiscard]] std::string printable_utf8(std::string_view in);

/// Writes the lowercase form of `in` to `out`, which has room for mapped_capacity(in.size())
/// bytes; returns the number of bytes written. Full Unicode case mapping (ICU's root locale): a
/// final sigma lower-cases to ς, ß upper-cases to SS, one character may become several.
std::size_t lower_utf8(std::string_view in, char* out);
/// The same for uppercase.
std::size_t upper_utf8(std::string_view in, char* out);

/// True when every byte of `in` is below 0x80; sixteen bytes at a time, as every string of a record
/// is asked this.
[[nodiscard]] inline bool is_ascii(std::string_view in) {
    const char* p = in.data();
    std::size_t n = in.size();
    for (; n >= 16; p += 16, n -= 16) {
        if (_mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))) != 0) return false;
    }
    // The rest, 0 to 15 bytes, as two loads that may overlap.
    if (n >= 8) {
        std::uint64_t head, tail;
        std::memcpy(&head, p, 8);
        std::memcpy(&tail, p + n - 8, 8);
        return ((head | tail) & 0x8080808080808080ull) == 0;
    }
    if (n >= 4) {
        std::uint32_t head, tail;
        std::memcpy(&head, p, 4);
        std::memcpy(&tail, p + n - 4, 4);
        return ((head | tail) & 0x80808080u) == 0;
    }
    unsigned high = 0;
    for (; n > 0; ++p, --n) high |= static_cast<unsigned char>(*p);
    return (high & 0x80u) == 0;
}

/// True when `in` (valid UTF-8) is in Unicode normalization form C, as text from most keyboards and
/// web forms is. Told by a table for most characters; ICU decides where a combining mark or a
/// character that NFC replaces occurs.
[[nodiscard]] bool is_nfc(std::string_view in);
/// `in` (valid UTF-8) in normalization form C: a letter and the combining marks after it become the
/// one character Unicode has for them, where it has one, and marks are put in canonical order.
[[nodiscard]] std::string to_nfc(std::string_view in);

/// True when the C.UTF-8 locale was available; otherwise only ASCII letters are mapped.
[[nodiscard]] bool full_case_mapping();

}  // namespace vigil::text
