// peek()'s fast path for plainly written lines, held against the simdjson reading it stands in
// for: the same answer to the byte (return value, every field of the key, the error text) on every
// line of a generated log, on damaged copies of such lines, and on edge cases written by hand.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../../engine/src/peek_internal.hpp"
#include "vigil/conversation.hpp"
#include "vigil/datagen.hpp"

namespace {

using reader = bool (*)(std::string_view, vigil::record_key&, std::string&);

// Everything peek() answers for one line.
struct answer {
    bool object = false;
    vigil::record_key key;
    std::string error;
};

bool same(const answer& a, const answer& b) {
    return a.object == b.object && a.error == b.error && a.key.conversation_id == b.key.conversation_id &&
           a.key.has_conversation == b.key.has_conversation && a.key.turn == b.key.turn &&
           a.key.has_turn == b.key.has_turn && a.key.turn_json == b.key.turn_json &&
           a.key.timestamp == b.key.timestamp && a.key.timestamp_json == b.key.timestamp_json &&
           a.key.time_ms == b.key.time_ms && a.key.has_time == b.key.has_time;
}

// Bytes as C would write them, so that a control character or broken UTF-8 shows in a message.
std::string shown(std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        if (b == '\\') {
            out += "\\\\";
        } else if (b >= 0x20 && b < 0x7f) {
            out += c;
        } else {
            out += "\\x";
            out += hex[b >> 4];
            out += hex[b & 15];
        }
    }
    return out;
}

std::string described(const answer& a) {
    std::ostringstream out;
    out << "returns " << a.object << ", conversation_id " << a.key.has_conversation << " `"
        << shown(a.key.conversation_id) << "`, turn " << a.key.has_turn << " " << a.key.turn << " `"
        << shown(a.key.turn_json) << "`, timestamp " << a.key.has_time << " `" << shown(a.key.timestamp) << "` `"
        << shown(a.key.timestamp_json) << "` " << a.key.time_ms << ", error `" << a.error << "`";
    return out.str();
}

answer read_with(reader read, const std::string& line) {
    answer a;
    // What a previous line left: every reader must replace all of it.
    a.key.conversation_id = "stale";
    a.key.has_conversation = a.key.has_turn = a.key.has_time = true;
    a.key.turn = a.key.time_ms = 99;
    a.key.timestamp = "stale";
    a.key.turn_json = "stale";
    a.key.timestamp_json = "stale";
    a.error = "stale";
    a.object = read(line, a.key, a.error);
    return a;
}

// Holds peek() against its simdjson reading line after line, and counts the lines its fast path
// answered, so that a test can tell both paths were taken.
class differential {
public:
    void check(const std::string& line) {
        ++m_lines;
        vigil::record_key key;
        std::string error;
        if (vigil::detail::peek_plain(line, key, error)) ++m_plain;
        const answer fast = read_with(vigil::peek, line);
        const answer parsed = read_with(vigil::detail::peek_parsed, line);
        if (same(fast, parsed)) return;
        // Thousands of lines may go wrong at once; the first few tell the story.
        if (++m_differences <= 10)
            BOOST_ERROR("peek() differs from its simdjson reading on `" << shown(line)
                                                                        << "`\n  peek():        " << described(fast)
                                                                        << "\n  peek_parsed(): " << described(parsed));
    }

    // Checks the line with each byte string of `inserts` inserted at `at`.
    void check_inserted(const std::string& line, std::size_t at, const std::vector<std::string>& inserts) {
        for (const auto& insert : inserts) check(std::string(line).insert(at, insert));
    }

    // The counts, in the test log, and no difference.
    void expect_no_difference() const {
        BOOST_TEST_MESSAGE(m_lines << " lines, " << m_plain << " of them taken by the fast path");
        BOOST_TEST(m_differences == 0u);
    }

    std::size_t lines() const { return m_lines; }
    std::size_t plain() const { return m_plain; }

private:
    std::size_t m_lines = 0, m_plain = 0, m_differences = 0;
};

// The lines of a generated log with every kind of fault the generator makes.
const std::vector<std::string>& generated_lines() {
    static const std::vector<std::string> lines = [] {
        vigil::datagen::options opts;
        opts.records = 3000;
        opts.seed = 11;
        opts.out_of_order = 0.02;
        opts.duplicates = 0.02;
        opts.gaps = 0.02;
        opts.malformed = 0.05;
        std::vector<std::string> out;
        vigil::datagen::generate(opts, [&](std::string_view line) { out.emplace_back(line); });
        return out;
    }();
    return lines;
}

// Lines to damage: generated ones and a few other layouts, plain or not.
std::vector<std::string> mutation_bases() {
    std::vector<std::string> bases(generated_lines().begin(), generated_lines().begin() + 24);
    const std::string tail = R"(,"text":"hello","meta":{"a":[1,2]}})";
    for (const std::string& start : {
             std::string(
                 R"( { "conversation_id" : "c-1" , "turn" : 12 , "timestamp" : "2026-01-05T08:00:00.250+01:00" )"),
             std::string("{\"turn\":3,\t\"timestamp\":\"2026-01-05t08:00:00z\",\r\n\"conversation_id\":\"c-"
                         "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""),
             std::string(R"({"id":"r-1","conversation_id":7,"turn":1,"timestamp":"2026-01-05T08:00:00Z")"),
             std::string(R"({"id":"r-1","conversation_id":"c","turn":1,"timestamp":"2026-01-05T08:00:00Z"})"),
             std::string(R"({"seq":1,"conversation_id":"c","turn":1,"timestamp":"2026-01-05T08:00:00Z")"),
             std::string(R"({"id":"r-\"1","conversation_id":"c\u0031","turn":1,"timestamp":"2026-01-05T08:00:00Z")"),
         })
        bases.push_back(start + tail);
    return bases;
}

// The bytes the mutations put in: JSON's structural characters, whitespace and not quite
// whitespace, escapes, control characters, broken and valid UTF-8 lead bytes, and what numbers
// and times are made of.
const std::vector<std::string>& mutation_bytes() {
    static const std::vector<std::string> bytes = {
        "\"",   "\\",   "}",    "{",    "[",    "]",    ",",
        ":",    " ",    "\t",   "\n",   "\r",   "\v",   std::string(1, '\0'),
        "\x01", "\x1f", "\x7f", "\x80", "\xc3", "\xe2", "\xf0",
        "\xff", "0",    "1",    "9",    "-",    "+",    ".",
        "e",    "E",    "a",    "Z",    "T",    "n",    "t",
    };
    return bytes;
}

constexpr std::size_t mutated_span = 150;

}  // namespace

BOOST_AUTO_TEST_SUITE(peek_fast_path)

BOOST_AUTO_TEST_CASE(answers_as_the_parse_on_every_generated_line) {
    differential d;
    for (const auto& line : generated_lines()) d.check(line);
    d.expect_no_difference();
    // The generator writes the common layout: the fast path must take nearly every line.
    BOOST_TEST(d.plain() * 100 >= d.lines() * 90, d.plain() << " of " << d.lines() << " lines");
}

BOOST_AUTO_TEST_CASE(answers_as_the_parse_on_damaged_lines) {
    differential d;
    for (const auto& base : mutation_bases()) {
        const std::size_t span = std::min(mutated_span, base.size());
        for (std::size_t n = 0; n <= span; ++n) d.check(base.substr(0, n));
        for (std::size_t at = 0; at < span; ++at) {
            for (const auto& b : mutation_bytes()) {
                std::string replaced = base;
                replaced.replace(at, 1, b);
                d.check(replaced);
            }
            d.check_inserted(base, at, {" ", "\t", "\v", "0", ".", "\\", "\"", ",", "\xc3", "\xc3\xa9"});
            d.check(std::string(base).erase(at, 1));
        }
    }
    d.expect_no_difference();
    BOOST_TEST(d.plain() > 0u);
    BOOST_TEST(d.plain() < d.lines());
}

BOOST_AUTO_TEST_CASE(answers_as_the_parse_for_every_byte_anywhere_in_the_leading_members) {
    differential d;
    const auto bases = mutation_bases();
    for (const auto& base : {bases[0], bases[1], bases[bases.size() - 5]}) {
        for (std::size_t at = 0; at < std::min(mutated_span, base.size()); ++at) {
            for (int b = 0; b < 256; ++b) {
                std::string replaced = base;
                replaced[at] = static_cast<char>(b);
                d.check(replaced);
            }
        }
    }
    d.expect_no_difference();
    BOOST_TEST(d.plain() > 0u);
}

BOOST_AUTO_TEST_CASE(judges_utf8_as_the_parse_does) {
    // Every two-byte string, and three- and four-byte strings around the edges of the valid
    // ranges, in a key, in a value peek() skips and in the conversation id.
    const std::string line =
        R"({"id":"r-1","conversation_id":"c-1","turn":1,"timestamp":"2026-01-05T08:00:00Z","text":"x"})";
    std::vector<std::string> sequences;
    for (int b1 = 0x80; b1 < 0x100; ++b1)
        for (int b2 = 0; b2 < 0x100; ++b2) sequences.push_back({static_cast<char>(b1), static_cast<char>(b2)});
    for (int b1 = 0xe0; b1 < 0xf0; ++b1)
        for (int b2 = 0; b2 < 0x100; ++b2)
            for (int b3 : {0x7f, 0x80, 0xbf, 0xc0})
                sequences.push_back({static_cast<char>(b1), static_cast<char>(b2), static_cast<char>(b3)});
    for (int b1 = 0xf0; b1 < 0xf8; ++b1)
        for (int b2 = 0; b2 < 0x100; ++b2)
            for (int b3 : {0x7f, 0x80, 0xbf})
                for (int b4 : {0x80, 0xbf, 0xc0})
                    sequences.push_back(
                        {static_cast<char>(b1), static_cast<char>(b2), static_cast<char>(b3), static_cast<char>(b4)});
    differential d;
    for (const std::string_view after : {R"({"i)", R"({"id":"r-)", R"("conversation_id":"c-)"}) {
        const std::size_t at = line.find(after) + after.size();
        d.check_inserted(line, at, sequences);
        // At the end of the string too, where a sequence may be cut short by the closing quote.
        d.check_inserted(line, line.find('"', at), sequences);
    }
    d.expect_no_difference();
    BOOST_TEST(d.plain() > 0u);
    BOOST_TEST(d.plain() < d.lines());
}

BOOST_AUTO_TEST_CASE(answers_as_the_parse_on_edge_cases) {
    const std::string time = R"("timestamp":"2026-01-05T08:00:00Z")";
    // Lines the fast path must take itself.
    const std::vector<std::string> plain = {
        R"({"conversation_id":"c","turn":1,)" + time + ",",
        R"({"conversation_id":"c","turn":1,)" + time + R"(,"text":)",
        R"({"conversation_id":"c","turn":1,)" + time + R"(,"text":"x"})",
        R"({"conversation_id":"c","turn":1,)" + time + R"(,"text":"x",})",
        R"({"conversation_id":"c","turn":1,)" + time + ",\xff\xfe}",
        " \t\r\n{ \t\r\n\"conversation_id\" \t\r\n: \t\r\n\"c\" \t\r\n, \"turn\" \n: 1 \r\n, " + time + " \t,",
        R"({"":"","conversation_id":"c","turn":9007199254740992,)" + time + ",",  // 2^53, the largest turn
        R"({"Turn":"x","conversation_id":"c","turn":1,)" + time + ",",
        R"({"conversation_id":"c","turn":1,)" + time + R"(,"conversation_id":"\u0000","turn":1.5)",
        R"({"conversation_id":"c/d","turn":1,"timestamp":"2026-01-05T08:00:00.123456+05:30",)",
        "{\"conversation_id\":\"\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf"
        "\xbf\",\"turn\":1," +
            time + ",",
    };
    // Lines it must leave to the parse, or may: the answers must agree either way.
    const std::vector<std::string> others = {
        "",
        " ",
        "{",
        "{}",
        "[]",
        R"("conversation_id")",
        R"({"conversation_id":"c","turn":1,)" + time + "}",
        R"({"conversation_id":"c","turn":1,)" + time + " }",
        R"({"conversation_id":"c","turn":1,)" + time,
        R"({"conversation_id":"c","turn":1,)" + time + " ",
        R"({"conversation_id":"","turn":1,)" + time + ",",
        R"({"conversation_id":7,"turn":1,)" + time + ",",
        R"({"conversation_id":-7.5e3,"turn":1,)" + time + ",",
        R"({"conversation_id":null,"turn":1,)" + time + ",",
        R"({"conversation_id":["c"],"turn":1,)" + time + ",",
        R"({"conversation_id":{"c":1},"turn":1,)" + time + ",",
        R"({"conversation_id":"c\"d","turn":1,)" + time + ",",
        R"({"conversation_id":"c\\","turn":1,)" + time + ",",
        R"({"conversation_id":"c\u0064","turn":1,)" + time + ",",
        R"({"conversation_id":"c\x","turn":1,)" + time + ",",
        "{\"conversation_id\":\"c\td\",\"turn\":1," + time + ",",
        "{\"conversation_id\":\"c\x01\",\"turn\":1," + time + ",",
        "{\"conversation_id\":\"c" + std::string(1, '\0') + "\",\"turn\":1," + time + ",",
        "{\"conversation_id\":\"c\xc3\",\"turn\":1," + time + ",",
        "{\"conversation_id\":\"c\xc0\xaf\",\"turn\":1," + time + ",",
        "{\"conversation_id\":\"c\xed\xa0\x80\",\"turn\":1," + time + ",",
        "{\"conversation_id\":\"c\xf4\x90\x80\x80\",\"turn\":1," + time + ",",
        "{\"id\":\"\xff\",\"conversation_id\":\"c\",\"turn\":1," + time + ",",
        R"({"conversation_\u0069d":"c","turn":1,)" + time + ",",
        R"({"conversation_id":"c","conversation_id":"d","turn":1,)" + time + ",",
        R"({"conversation_id":"c","turn":1,"turn":2,)" + time + ",",
        R"({"conversation_id":"c","turn":1,)" + time + "," + time + ",",
        R"({"turn":0,"conversation_id":"c",)" + time + ",",
        R"({"turn":-1,"conversation_id":"c",)" + time + ",",
        R"({"turn":01,"conversation_id":"c",)" + time + ",",
        R"({"turn":1.0,"conversation_id":"c",)" + time + ",",
        R"({"turn":1e2,"conversation_id":"c",)" + time + ",",
        R"({"turn":1E2,"conversation_id":"c",)" + time + ",",
        R"({"turn":1x,"conversation_id":"c",)" + time + ",",
        R"({"turn":"1","conversation_id":"c",)" + time + ",",
        R"({"turn":9007199254740993,"conversation_id":"c",)" + time + ",",
        R"({"turn":999999999999999999,"conversation_id":"c",)" + time + ",",
        R"({"turn":1000000000000000000,"conversation_id":"c",)" + time + ",",
        R"({"turn":9223372036854775807,"conversation_id":"c",)" + time + ",",
        R"({"turn":9223372036854775808,"conversation_id":"c",)" + time + ",",
        R"({"turn":99999999999999999999,"conversation_id":"c",)" + time + ",",
        R"({"turn":true,"conversation_id":"c",)" + time + ",",
        R"({"conversation_id":"c","turn":1,"timestamp":"yesterday",)",
        R"({"conversation_id":"c","turn":1,"timestamp":"2026-02-30T08:00:00Z",)",
        R"({"conversation_id":"c","turn":1,"timestamp":"2026-01-05T08:00:00Z ",)",
        R"({"conversation_id":"c","turn":1,"timestamp":1767600000,)",
        R"({"conversation_id":"c","turn":1,"timestamp":"2026-01-05T08:00:00\u005a",)",
        R"({"id":1,"conversation_id":"c","turn":1,)" + time + ",",
        R"({"id":true,"conversation_id":"c","turn":1,)" + time + ",",
        R"({"id":null,"conversation_id":"c","turn":1,)" + time + ",",
        R"({"id":[],"conversation_id":"c","turn":1,)" + time + ",",
        R"({"id":{},"conversation_id":"c","turn":1,)" + time + ",",
        R"({"meta":{"conversation_id":"x","turn":9},"conversation_id":"c","turn":1,)" + time + ",",
        R"({"id":"r" "conversation_id":"c","turn":1,)" + time + ",",
        R"({"id":"r",,"conversation_id":"c","turn":1,)" + time + ",",
        R"({"id""r","conversation_id":"c","turn":1,)" + time + ",",
        R"({"id":"r"],"conversation_id":"c","turn":1,)" + time + ",",
        R"({"conversation_id":"c","turn":1 2,)" + time + ",",
        "\xef\xbb\xbf{\"conversation_id\":\"c\",\"turn\":1," + time + ",",
        "\v{\"conversation_id\":\"c\",\"turn\":1," + time + ",",
        "\f{\"conversation_id\":\"c\",\"turn\":1," + time + ",",
        R"({"text":"x"})",
        R"({"conversation_id":"c"})",
        R"({"conversation_id":"c","turn":1})",
        R"({"conversation_id":"c","turn":1,"text":"x"})",
        R"(WARN {"conversation_id":"c","turn":1,)" + time + ",",
    };
    differential d;
    for (const auto& line : plain) {
        vigil::record_key key;
        std::string error;
        BOOST_TEST(vigil::detail::peek_plain(line, key, error), shown(line));
        d.check(line);
    }
    for (const auto& line : others) d.check(line);
    d.expect_no_difference();
}

BOOST_AUTO_TEST_CASE(leaves_the_key_alone_when_it_declines) {
    vigil::record_key key;
    key.conversation_id = "kept";
    key.turn = 5;
    std::string error = "kept";
    BOOST_TEST(!vigil::detail::peek_plain(R"({"conversation_id":"c","turn":1,"timestamp":"x",)", key, error));
    BOOST_TEST(key.conversation_id == "kept");
    BOOST_TEST(key.turn == 5);
    BOOST_TEST(error == "kept");
}

BOOST_AUTO_TEST_SUITE_END()
