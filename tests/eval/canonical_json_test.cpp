// append_canonical_json (engine/src/value.hpp) against nlohmann::json itself: evidence shows an
// object from the record as nlohmann parses and dumps it, and must go on doing so byte for byte.
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "value.hpp"
#include "vigil/json_text.hpp"

namespace {

// Random valid JSON with what tells parsers apart: blanks anywhere, every escape, surrogate pairs,
// characters beyond ASCII, integers at and past the 64-bit limits, -0, fractions and exponents,
// repeated keys, nesting.
class json_maker {
public:
    explicit json_maker(unsigned seed) : m_random(seed) {}

    std::string object(int depth) {
        std::string out = "{" + blank();
        const int members = pick(0, 5);
        for (int i = 0; i < members; ++i) {
            if (i) out += "," + blank();
            out += key() + blank() + ":" + blank() + value(depth) + blank();
        }
        return out + "}";
    }

private:
    int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(m_random); }

    std::string blank() {
        static const char* const blanks[] = {"", "", "", " ", "\n", "\t ", "\r\n  "};
        return blanks[pick(0, 6)];
    }

    // Few distinct keys, so that objects repeat some; prefixes of each other, to test the order.
    std::string key() {
        static const char* const keys[] = {"\"a\"",       "\"ab\"",   "\"b\"", "\"B\"",
                                           "\"\\u0061\"", "\"type\"", "\"é\"", "\"\""};
        return keys[pick(0, 7)];
    }

    std::string text() {
        static const char* const pieces[] = {
            "plain",   "\\\"",    "\\\\",           "\\/", "\\b", "\\f", "\\n",  "\\r", "\\t", "\\u0001", "\\u001f",
            "\\u00e9", "\\u20AC", "\\ud83d\\ude00", "é",   "€",   "😀",   "\x7f", " ",   "<>&'"};
        std::string out = "\"";
        for (int i = pick(0, 4); i > 0; --i) out += pieces[pick(0, 19)];
        return out + "\"";
    }

    std::string number() {
        static const char* const numbers[] = {"0",
                                              "-0",
                                              "1",
                                              "-1",
                                              "42",
                                              "9223372036854775807",
                                              "9223372036854775808",
                                              "-9223372036854775808",
                                              "-9223372036854775809",
                                              "18446744073709551615",
                                              "18446744073709551616",
                                              "123456789012345678901234567890",
                                              "1.0",
                                              "-0.0",
                                              "0.5",
                                              "1e2",
                                              "1E2",
                                              "1e-2",
                                              "2.5e+3",
                                              "-1.25E-7",
                                              "3.141592653589793",
                                              "1e300",
                                              "9007199254740993",
                                              "0.1",
                                              "100.000"};
        return numbers[pick(0, 24)];
    }

    std::string value(int depth) {
        const int kind = pick(0, depth > 0 ? 7 : 5);
        switch (kind) {
            case 0:
                return "true";
            case 1:
                return "false";
            case 2:
                return "null";
            case 3:
                return number();
            case 4:
            case 5:
                return text();
            case 6:
                return object(depth - 1);
            default: {
                std::string out = "[" + blank();
                const int items = pick(0, 4);
                for (int i = 0; i < items; ++i) {
                    if (i) out += "," + blank();
                    out += value(depth - 1) + blank();
                }
                return out + "]";
            }
        }
    }

    std::mt19937 m_random;
};

std::string as_nlohmann_writes(const std::string& json) {
    std::string out;
    vigil::append_json(out, nlohmann::json::parse(json));
    return out;
}

std::string canonical(const std::string& json) {
    std::string padded = json + std::string(64, '\0');  // the record buffer's padding
    std::string out;
    const char* end = vigil::eval::append_canonical_json(padded.data(), out);
    BOOST_TEST(static_cast<std::size_t>(end - padded.data()) == json.size(), json);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(canonical_json)

BOOST_AUTO_TEST_CASE(objects_are_written_as_nlohmann_parses_and_dumps_them) {
    json_maker make(2026);
    std::size_t differing = 0;
    for (int i = 0; i < 20000; ++i) {
        const std::string json = make.object(4);
        const std::string expected = as_nlohmann_writes(json);
        const std::string written = canonical(json);
        if (written != expected && ++differing <= 5)
            BOOST_ERROR(json << "\nwritten  " << written << "\nexpected " << expected);
    }
    BOOST_TEST(differing == 0u);
}

BOOST_AUTO_TEST_CASE(the_cases_that_tell_parsers_apart) {
    // A later member of the same key wins, as nlohmann keeps it; keys are compared unescaped.
    BOOST_TEST(canonical(R"({"b":1,"a":2,"\u0062":3})") == R"({"a":2,"b":3})");
    // An integer token that fits 64 bits stays an integer, else it is a double; -0 is the integer 0.
    BOOST_TEST(canonical(R"({"n":[18446744073709551615,18446744073709551616,-0,-0.0,1.0,1e2]})") ==
               R"({"n":[18446744073709551615,1.8446744073709552e+19,0,-0.0,1.0,100.0]})");
    // Escapes are read and written again as JSON writers do.
    BOOST_TEST(canonical(R"({"s":"\/\u00e9\ud83d\ude00\u0007"})") == "{\"s\":\"/é😀\\u0007\"}");
    BOOST_TEST(canonical(" {\n}") == "{}");
}

BOOST_AUTO_TEST_SUITE_END()
