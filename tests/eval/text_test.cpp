// The engine's Unicode normalization (engine/src/text.hpp) against ICU's own answers: is_nfc() asks
// ICU only about texts with a character that may change, and must still answer as ICU does.
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "text.hpp"

namespace {

std::string utf8(char32_t cp) {
    std::string out;
    icu::UnicodeString(static_cast<UChar32>(cp)).toUTF8String(out);
    return out;
}

const icu::Normalizer2& icu_nfc() {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
    BOOST_REQUIRE(U_SUCCESS(status));
    return *n;
}

std::string icu_normalized(const std::string& s) {
    UErrorCode status = U_ZERO_ERROR;
    std::string out;
    icu_nfc().normalize(icu::UnicodeString::fromUTF8(s), status).toUTF8String(out);
    BOOST_REQUIRE(U_SUCCESS(status));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(text_normalization)

BOOST_AUTO_TEST_CASE(known_texts) {
    using vigil::text::is_nfc;
    using vigil::text::to_nfc;
    BOOST_TEST(is_nfc(""));
    BOOST_TEST(is_nfc("only today, 50% off"));
    BOOST_TEST(is_nfc("Ưu đãi chỉ hôm nay"));
    BOOST_TEST(is_nfc("מבצע רק היום 😀"));
    BOOST_TEST(!is_nfc("chi\u0309"));
    BOOST_TEST(to_nfc("chi\u0309") == "chỉ");
    BOOST_TEST(!is_nfc("\u2126"));  // Ohm sign: NFC writes Omega
    BOOST_TEST(to_nfc("\u2126") == "\u03a9");
    BOOST_TEST(!is_nfc("o\u0302\u0323"));  // marks out of canonical order
    BOOST_TEST(to_nfc("o\u0302\u0323") == "ộ");
    BOOST_TEST(to_nfc("\u1112\u1161\u11ab") == "한");
    BOOST_TEST(is_nfc("\ufb01"));       // a compatibility character is NFC (NFKC would change it)
    BOOST_TEST(!is_nfc("\U0001d15e"));  // a musical note NFC decomposes, beyond the first plane
    BOOST_TEST(vigil::text::is_ascii("only today, fifteen bytes+"));
    BOOST_TEST(!vigil::text::is_ascii("only today, fifteen bytes\u00e9"));
    BOOST_TEST(!vigil::text::is_ascii("\u00e9"));
    BOOST_TEST(!vigil::text::is_ascii("abc\u00e9"));
    BOOST_TEST(!vigil::text::is_ascii("abcdefgh\u00e9"));
}

// Random texts from characters of every kind NFC treats differently: ASCII, composed letters,
// combining marks of several classes, Vietnamese, Hangul letters and syllables, characters NFC
// replaces, marks that compose with nothing, characters beyond the first plane.
BOOST_AUTO_TEST_CASE(agrees_with_icu_on_random_texts) {
    const std::vector<char32_t> pool = {
        'a',    'e',    'o',    'u',     'A',     'I',     ' ',     '1',     0xE9,    0xF4,   0x1B0,  0x111,  0x300,
        0x301,  0x302,  0x303,  0x309,   0x31B,   0x323,   0x327,   0x340,   0x344,   0x374,  0x387,  0x3A9,  0x3AC,
        0x5B4,  0x5BC,  0x5D0,  0x5E9,   0x93C,   0x915,   0x958,   0x9BE,   0x9C7,   0x1100, 0x1112, 0x1161, 0x1175,
        0x11AB, 0x11A8, 0xAC00, 0xD55C,  0x1EA1,  0x1EC7,  0x1EF9,  0x1F71,  0x2126,  0x212B, 0x2ADC, 0x3099, 0x304B,
        0xF900, 0xFB01, 0xFB1D, 0x1F600, 0x1D15E, 0x1D165, 0x1D16D, 0x2F800, 0x10FFFF};
    std::mt19937 random(2026);
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1), length(0, 12);
    std::size_t composed = 0, not_composed = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        const std::size_t n = length(random);
        for (std::size_t k = 0; k < n; ++k) s += utf8(pool[pick(random)]);
        const std::string expected = icu_normalized(s);
        const bool nfc = vigil::text::is_nfc(s);
        BOOST_TEST_REQUIRE(nfc == (expected == s), "text " << i << ": `" << s << "`");
        BOOST_TEST_REQUIRE(vigil::text::to_nfc(s) == expected, "text " << i << ": `" << s << "`");
        BOOST_TEST_REQUIRE(vigil::text::is_nfc(expected));
        ++(nfc ? composed : not_composed);
    }
    // Both answers were asked for often.
    BOOST_TEST(composed > 2000u);
    BOOST_TEST(not_composed > 2000u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(case_mapping)

namespace {

std::string mapped(const std::string& s, bool lower) {
    std::string out(vigil::text::mapped_capacity(s.size()), '\0');
    out.resize(lower ? vigil::text::lower_utf8(s, out.data()) : vigil::text::upper_utf8(s, out.data()));
    return out;
}

std::string icu_mapped(const std::string& s, bool lower) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(s);
    std::string out;
    (lower ? u.toLower(icu::Locale::getRoot()) : u.toUpper(icu::Locale::getRoot())).toUTF8String(out);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(characters_that_do_not_map_one_for_one) {
    BOOST_TEST(mapped("ΛΗΞΗ ΣΗΜΕΡΑ ΓΙΑ ΌΛΟΥΣ", true) == "ληξη σημερα για όλους");  // final sigma
    BOOST_TEST(mapped("ΣΑΣ", true) == "σας");
    BOOST_TEST(mapped("große Straße", false) == "GROSSE STRASSE");
    BOOST_TEST(mapped("İstanbul", true) == "i\u0307stanbul");
    BOOST_TEST(mapped("\u0390", false) == "\u0399\u0308\u0301");  // one character, three, 2 -> 6 bytes
    BOOST_TEST(mapped("\uFB03x", false) == "FFIX");
    // Texts without one keep the fast path's answer.
    BOOST_TEST(mapped("CHỈ HÔM NAY, Only Today", true) == "chỉ hôm nay, only today");
    BOOST_TEST(mapped("ưu đãi", false) == "ƯU ĐÃI");
}

// Random texts of Latin, Greek (sigma in every position), Cyrillic, Vietnamese, Hebrew, German ß,
// ligatures and ASCII, against ICU's full case mapping in the root locale.
BOOST_AUTO_TEST_CASE(agrees_with_icu_full_case_mapping) {
    const std::vector<char32_t> pool = {'a',    'Z',    ' ',    '.',   '7',    0xDF,   0xC9,   0xE9,   0x130,  0x131,
                                        0x149,  0x178,  0x1F0,  0x390, 0x3A3,  0x3C3,  0x3C2,  0x391,  0x3AC,  0x3B0,
                                        0x410,  0x44F,  0x401,  0x5D0, 0x1E9E, 0x1EA0, 0x1EC7, 0x1EF9, 0xFB00, 0xFB03,
                                        0xFB06, 0x1F80, 0x1FB3, 0x345, 0x301,  0x2126, 0x212A};
    std::mt19937 random(2026);
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1), length(0, 10);
    std::size_t special = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        const std::size_t n = length(random);
        for (std::size_t k = 0; k < n; ++k) s += utf8(pool[pick(random)]);
        for (const bool lower : {true, false}) {
            const std::string expected = icu_mapped(s, lower);
            BOOST_TEST_REQUIRE(mapped(s, lower) == expected, "text " << i << ": `" << s << "` " << lower);
            special += expected.size() != s.size() ? 1 : 0;
        }
    }
    BOOST_TEST(special > 1000u);  // many texts changed length, so the special cases were met
}

BOOST_AUTO_TEST_SUITE_END()
