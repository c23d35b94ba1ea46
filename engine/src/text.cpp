#include "text.hpp"

#include <locale.h>
#include <array>
#include <atomic>
#include <clocale>
#include <cstdint>
#include <cstring>
#include <cwctype>

#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>

#include "vigil/source.hpp"

namespace vigil::text {

namespace {

// One locale for the whole process, created on first use; glibc's locale_t is safe to share
// between threads for towlower_l/towupper_l.
locale_t utf8_locale() {
    static const locale_t loc = [] {
        locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
        if (l == static_cast<locale_t>(nullptr)) {
            l = newlocale(LC_CTYPE_MASK, "C.utf8", static_cast<locale_t>(nullptr));
        }
        return l;
    }();
    return loc;
}

constexpr std::array<unsigned char, 256> ascii_table(bool to_lower) {
    std::array<unsigned char, 256> t{};
    for (int i = 0; i < 256; ++i) {
        int c = i;
        if (to_lower && c >= 'A' && c <= 'Z') c += 32;
        if (!to_lower && c >= 'a' && c <= 'z') c -= 32;
        t[static_cast<std::size_t>(i)] = static_cast<unsigned char>(c);
    }
    return t;
}
constexpr auto lower_ascii = ascii_table(true);
constexpr auto upper_ascii = ascii_table(false);

// Case mappings of the code points most texts use beyond ASCII, computed once from the locale:
// U+0080..U+07FF (two-byte UTF-8: Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, ...) and
// U+1E00..U+1EFF (Latin Extended Additional, e.g. Vietnamese). Others ask the locale each time.
struct case_tables {
    char32_t lower2[0x800];
    char32_t upper2[0x800];
    char32_t lower_ext[0x100];
    char32_t upper_ext[0x100];
};

const case_tables& tables() {
    static const case_tables t = [] {
        case_tables c{};
        const locale_t loc = utf8_locale();
        auto map = [loc](char32_t cp, bool lower) -> char32_t {
            if (loc == static_cast<locale_t>(nullptr)) return cp;
            return static_cast<char32_t>(lower ? towlower_l(static_cast<wint_t>(cp), loc)
                                               : towupper_l(static_cast<wint_t>(cp), loc));
        };
        for (char32_t cp = 0; cp < 0x800; ++cp) {
            c.lower2[cp] = map(cp, true);
            c.upper2[cp] = map(cp, false);
        }
        for (char32_t cp = 0; cp < 0x100; ++cp) {
            c.lower_ext[cp] = map(0x1E00 + cp, true);
            c.upper_ext[cp] = map(0x1E00 + cp, false);
        }
        return c;
    }();
    return t;
}

// A bit per character of the Basic Multilingual Plane, computed by `Predicate` for a block of 64
// characters when a text first has one of them: a text uses a few blocks (a script,
// punctuation), and computing all 65,536 bits through ICU took about 15 million instructions.
// Threads that compute a block at the same time compute the same bits.
template <bool (*Predicate)(char32_t)>
class bmp_bits {
public:
    bool test(char32_t cp) {
        const std::size_t block = cp / 64;
        if (!m_known[block].load(std::memory_order_acquire)) {
            std::uint64_t bits = 0;
            for (char32_t c = 0; c < 64; ++c) {
                if (Predicate(static_cast<char32_t>(block * 64) + c)) bits |= std::uint64_t{1} << c;
            }
            m_bits[block].store(bits, std::memory_order_relaxed);
            m_known[block].store(true, std::memory_order_release);
        }
        return ((m_bits[block].load(std::memory_order_relaxed) >> (cp % 64)) & 1) != 0;
    }

private:
    std::array<std::atomic<bool>, 0x10000 / 64> m_known{};
    std::array<std::atomic<std::uint64_t>, 0x10000 / 64> m_bits{};
};

// ICU's full case mapping of `in` into `out` (mapped_capacity(in.size()) bytes).
template <bool Lower>
std::size_t icu_map(std::string_view in, char* out) {
    icu::CheckedArrayByteSink sink(out, static_cast<std::int32_t>(mapped_capacity(in.size())));
    UErrorCode status = U_ZERO_ERROR;
    const icu::StringPiece piece(in.data(), static_cast<std::int32_t>(in.size()));
    if (Lower)
        icu::CaseMap::utf8ToLower("", 0, piece, sink, nullptr, status);
    else
        icu::CaseMap::utf8ToUpper("", 0, piece, sink, nullptr, status);
    if (U_FAILURE(status) || sink.Overflowed()) return 0;
    return static_cast<std::size_t>(sink.NumberOfBytesWritten());
}

// A character whose case mapping is not one character for one: its full mapping (SpecialCasing)
// differs from its simple one (ß -> SS, İ -> i̇, ŉ -> ʼN), or depends on the characters around it
// (Σ, final or not).
template <bool Lower>
bool maps_specially(char32_t cp) {
    if (Lower && cp == 0x03A3) return true;
    char in[4];
    const std::size_t n = encode_utf8(cp, in);
    char full[16];
    const std::size_t f = icu_map<Lower>({in, n}, full);
    char simple[4];
    const auto mapped =
        static_cast<char32_t>(Lower ? u_tolower(static_cast<UChar32>(cp)) : u_toupper(static_cast<UChar32>(cp)));
    const std::size_t s = encode_utf8(mapped, simple);
    return std::string_view(full, f) != std::string_view(simple, s);
}

template <bool Lower>
bool maps_specially_at(char32_t cp) {
    static bmp_bits<maps_specially<Lower>> special;
    return cp < 0x10000 && special.test(cp);
}

template <bool Lower>
std::size_t map_utf8(std::string_view in, char* out) {
    const auto& table = Lower ? lower_ascii : upper_ascii;
    const locale_t loc = utf8_locale();
    const case_tables& known = tables();
    std::size_t o = 0;
    std::size_t i = 0;
    while (i < in.size()) {
        // Eight ASCII bytes at a time: flip the case bit of the letters (SWAR).
        if (i + 8 <= in.size()) {
            std::uint64_t w;
            std::memcpy(&w, in.data() + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                constexpr std::uint64_t ones = 0x0101010101010101ull;
                const std::uint64_t first = (Lower ? 'A' : 'a') * ones;
                const std::uint64_t last = (Lower ? 'Z' : 'z') * ones;
                // high bit of each byte: byte >= first, and byte > last
                const std::uint64_t ge_first = w + (0x80 * ones - first);
                const std::uint64_t gt_last = w + (0x7F * ones - last);
                const std::uint64_t letters = ge_first & ~gt_last & 0x8080808080808080ull;
                w ^= letters >> 2;  // 0x80 >> 2 == 0x20, the case bit
                std::memcpy(out + o, &w, 8);
                o += 8;
                i += 8;
                continue;
            }
        }
        auto c = static_cast<unsigned char>(in[i]);
        if (c < 0x80) {
            out[o++] = static_cast<char>(table[c]);
            ++i;
            continue;
        }
        char32_t cp = 0;
        std::size_t n = decode_utf8(in, i, cp);
        if (n == 0 || loc == static_cast<locale_t>(nullptr)) {
            out[o++] = static_cast<char>(c);  // invalid byte, or no locale: pass it through
            ++i;
            continue;
        }
        // Rare characters (none in most texts) need ICU, which maps the whole text again.
        if (maps_specially_at<Lower>(cp)) return icu_map<Lower>(in, out);
        char32_t mapped;
        if (cp < 0x800) {
            mapped = Lower ? known.lower2[cp] : known.upper2[cp];
        } else if (cp >= 0x1E00 && cp < 0x1F00) {
            mapped = Lower ? known.lower_ext[cp - 0x1E00] : known.upper_ext[cp - 0x1E00];
        } else {
            mapped = static_cast<char32_t>(Lower ? towlower_l(static_cast<wint_t>(cp), loc)
                                                 : towupper_l(static_cast<wint_t>(cp), loc));
        }
        // Simple case mapping can change the encoded length (U+023A is 2 bytes, U+2C65 is 3); the
        // output capacity allows for 3/2 of the input.
        o += encode_utf8(mapped, out + o);
        i += n;
    }
    return o;
}

}  // namespace

std::size_t encode_utf8(char32_t cp, char* out) {
    if (cp < 0x80) {
        out[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<char>(0xC0 | (cp >> 6));
        out[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (cp >> 12));
        out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | (cp >> 18));
    out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

std::size_t decode_utf8(std::string_view in, std::size_t i, char32_t& cp) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(in[i + k]); };
    unsigned char lead = b(0);
    std::size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (n == 0 || lead > 0xF4 || i + n > in.size()) return 0;
    cp = lead & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(k) & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void append_hex_byte(std::string& out, unsigned char byte) {
    static constexpr char hex[] = "0123456789ABCDEF";
    out += "\\x";
    out += hex[byte >> 4];
    out += hex[byte & 0xF];
}

std::string printable_utf8(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    while (const auto bad = first_invalid_utf8(in)) {
        out.append(in.substr(0, *bad));
        append_hex_byte(out, static_cast<unsigned char>(in[*bad]));
        in.remove_prefix(*bad + 1);
    }
    out.append(in);
    return out;
}

std::size_t lower_utf8(std::string_view in, char* out) { return map_utf8<true>(in, out); }
std::size_t upper_utf8(std::string_view in, char* out) { return map_utf8<false>(in, out); }

namespace {

// ICU's NFC normalizer: one instance for the process, safe to use from any thread. Null only when
// ICU's data cannot be loaded, which its packages rule out; text is then compared as it is.
const icu::Normalizer2* nfc() {
    static const icu::Normalizer2* const instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
        return U_SUCCESS(status) ? n : nullptr;
    }();
    return instance;
}

icu::StringPiece piece(std::string_view in) {
    return {in.data(), static_cast<std::int32_t>(in.size())};
}

// Whether a character can keep a text from being in NFC: a combining mark (NFC puts marks in
// canonical order), or one whose NFC_Quick_Check is not Yes (it may compose with the character
// before it, or NFC replaces it). A text with none of them is in NFC (UAX #15's quick check), so
// ICU is asked only about the few texts that have one.
bool may_change(char32_t cp) {
    return u_getCombiningClass(static_cast<UChar32>(cp)) != 0 ||
           u_getIntPropertyValue(static_cast<UChar32>(cp), UCHAR_NFC_QUICK_CHECK) != UNORM_YES;
}

bool icu_says_nfc(std::string_view in) {
    const icu::Normalizer2* n = nfc();
    if (n == nullptr || in.size() > static_cast<std::size_t>(INT32_MAX)) return true;
    UErrorCode status = U_ZERO_ERROR;
    const bool yes = n->isNormalizedUTF8(piece(in), status) != 0;
    return U_FAILURE(status) || yes;
}

}  // namespace

bool is_nfc(std::string_view in) {
    static bmp_bits<may_change> bmp;
    for (std::size_t i = 0; i < in.size();) {
        const auto lead = static_cast<unsigned char>(in[i]);
        if (lead < 0x80) {
            // A run of ASCII, eight bytes at a time.
            for (std::uint64_t word; i + 8 <= in.size(); i += 8) {
                std::memcpy(&word, in.data() + i, 8);
                if (word & 0x8080808080808080ull) break;
            }
            while (i < in.size() && static_cast<unsigned char>(in[i]) < 0x80) ++i;
            continue;
        }
        char32_t cp = 0;
        std::size_t length = 0;
        if (lead >= 0xC2 && lead < 0xE0 && i + 1 < in.size() &&
            (static_cast<unsigned char>(in[i + 1]) & 0xC0) == 0x80) {
            // Two bytes (Latin with marks, Greek, Cyrillic, Hebrew, Arabic): the common case here.
            cp = static_cast<char32_t>(((lead & 0x1Fu) << 6) | (static_cast<unsigned char>(in[i + 1]) & 0x3Fu));
            length = 2;
        } else {
            length = decode_utf8(in, i, cp);
        }
        if (length == 0) return icu_says_nfc(in);
        if (cp < 0x10000 ? bmp.test(cp) : may_change(cp)) return icu_says_nfc(in);
        i += length;
    }
    return true;
}

std::string to_nfc(std::string_view in) {
    const icu::Normalizer2* n = nfc();
    if (n == nullptr || in.size() > static_cast<std::size_t>(INT32_MAX)) return std::string(in);
    std::string out;
    out.reserve(in.size());
    icu::StringByteSink<std::string> sink(&out);
    UErrorCode status = U_ZERO_ERROR;
    n->normalizeUTF8(0, piece(in), sink, nullptr, status);
    return U_SUCCESS(status) ? out : std::string(in);
}

std::size_t terminal_columns(char32_t cp) {
    if (cp < 0x300) return 1;  // below the combining marks: no lookup for Latin text
    const auto c = static_cast<UChar32>(cp);
    const auto type = static_cast<UCharCategory>(u_charType(c));
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_FORMAT_CHAR) return 0;
    if (cp >= 0x1160 && cp <= 0x11FF) return 0;  // Hangul jamo that join the syllable before
    const int width = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    return width == U_EA_WIDE || width == U_EA_FULLWIDTH ? 2 : 1;
}

bool full_case_mapping() { return utf8_locale() != static_cast<locale_t>(nullptr); }

}  // namespace vigil::text
