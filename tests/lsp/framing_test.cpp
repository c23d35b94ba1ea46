// The base protocol: messages found by their Content-Length, and a broken stream said to be broken.
#define BOOST_TEST_MODULE lsp
#include <sstream>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "framing.hpp"
#include "positions.hpp"
#include "uri.hpp"

using namespace vigil::lsp;

namespace {

std::vector<incoming> read_all(const std::string& input) {
    std::istringstream in(input);
    std::uint64_t offset = 0;
    std::vector<incoming> out;
    while (true) {
        out.push_back(read_message(in, offset));
        if (out.back().k == incoming::kind::end || out.back().k == incoming::kind::broken) return out;
    }
}

vigil::source_file file_of(const std::string& text) {
    static vigil::source_map sources;  // files are never removed: the reference stays valid
    return sources.file(sources.add("x.vigil", text));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(framing)

BOOST_AUTO_TEST_CASE(messages_are_read_by_their_length_whatever_the_header_looks_like) {
    const auto found = read_all(
        "Content-Length: 2\r\n\r\n{}"
        "content-type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH:  7 \r\n\r\n[1,2,3]"
        "Content-Length: 4\n\nnull"
        "\r\n");
    BOOST_REQUIRE_EQUAL(found.size(), 4u);
    BOOST_TEST(found[0].body == "{}");
    BOOST_TEST(found[1].body == "[1,2,3]");
    BOOST_TEST(found[2].body == "null");
    BOOST_TEST((found[3].k == incoming::kind::end));
}

BOOST_AUTO_TEST_CASE(a_header_without_a_length_breaks_the_stream_and_says_where) {
    const auto found = read_all("Content-Length: 2\r\n\r\n{}Content-Type: x\r\n\r\n{}");
    BOOST_REQUIRE_EQUAL(found.size(), 2u);
    BOOST_TEST((found[1].k == incoming::kind::broken));
    BOOST_TEST(found[1].problem ==
               "at byte 23 of the input: a message's header has no `Content-Length`, so its end cannot be found");
}

BOOST_AUTO_TEST_CASE(a_length_that_is_not_a_number_or_a_line_without_a_colon_breaks_it) {
    BOOST_TEST(read_all("Content-Length: -3\r\n\r\n").back().problem ==
               "at byte 0 of the input: `Content-Length` is not a number of bytes: `-3`");
    BOOST_TEST(read_all("Content-Length 3\r\n\r\n").back().problem ==
               "at byte 0 of the input: a header line without `:`, `Content-Length 3`");
}

BOOST_AUTO_TEST_CASE(a_header_line_too_long_to_be_one_is_not_read_whole) {
    const std::string noise(100000, 'x');
    BOOST_TEST(read_all(noise).back().problem == "at byte 0 of the input: a header line longer than 8192 bytes");
}

BOOST_AUTO_TEST_CASE(input_that_ends_inside_a_message_is_broken_not_a_clean_end) {
    BOOST_TEST(read_all("Content-Length: 10\r\n\r\n{\"a\":").back().problem ==
               "at byte 27 of the input: the input ended inside a message's body (5 of 10 bytes)");
    BOOST_TEST(read_all("Content-Length: 10\r\n").back().problem ==
               "at byte 20 of the input: the input ended inside a message's header");
}

BOOST_AUTO_TEST_CASE(a_message_too_long_to_read_is_skipped_and_the_next_one_read) {
    const std::string big(max_message_bytes + 1, ' ');
    const auto found =
        read_all("Content-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big + "Content-Length: 2\r\n\r\n{}");
    BOOST_REQUIRE_EQUAL(found.size(), 3u);
    BOOST_TEST((found[0].k == incoming::kind::too_long));
    BOOST_TEST(found[0].problem.find("a message of 67108865 bytes") != std::string::npos);
    BOOST_TEST(found[1].body == "{}");
}

BOOST_AUTO_TEST_CASE(a_written_message_has_its_length_in_bytes) {
    std::ostringstream out;
    write_message(out, nlohmann::json{{"text", "é"}});
    BOOST_TEST(out.str() == "Content-Length: 13\r\n\r\n{\"text\":\"é\"}");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(positions)

BOOST_AUTO_TEST_CASE(characters_are_counted_in_the_agreed_units) {
    // `é` is 2 bytes and 1 UTF-16 unit; `𝔸` is 4 bytes and 2 UTF-16 units (a surrogate pair).
    const auto file = file_of("let a = 1\nlet é𝔸 = x\n");
    const std::uint32_t x = static_cast<std::uint32_t>(file.text.find('x'));
    BOOST_TEST(position_of(file, x, encoding::utf8).character == 13u);
    BOOST_TEST(position_of(file, x, encoding::utf16).character == 10u);
    BOOST_TEST(position_of(file, x, encoding::utf32).character == 9u);
    BOOST_TEST(position_of(file, x, encoding::utf16).line == 1u);
    for (const auto e : {encoding::utf8, encoding::utf16, encoding::utf32}) {
        BOOST_TEST(offset_of(file, position_of(file, x, e), e) == x);
    }
}

BOOST_AUTO_TEST_CASE(positions_past_a_line_or_inside_a_character_are_clamped) {
    const auto file = file_of("ab\r\n𝔸c\nlast");
    BOOST_TEST(offset_of(file, {0, 99}, encoding::utf16) == 2u);  // before the CR LF
    BOOST_TEST(offset_of(file, {1, 1}, encoding::utf16) == 4u);   // inside the pair: its start
    BOOST_TEST(offset_of(file, {1, 2}, encoding::utf16) == 8u);   // after it: `c`
    BOOST_TEST(offset_of(file, {9, 0}, encoding::utf16) == 14u);  // past the last line: the end
    BOOST_TEST(position_of(file, 14, encoding::utf16).line == 2u);
    BOOST_TEST(position_of(file, 14, encoding::utf16).character == 4u);
}

BOOST_AUTO_TEST_CASE(a_position_beyond_any_file_stands_for_its_end_not_a_wrapped_place) {
    position p;
    BOOST_REQUIRE(read_position(nlohmann::json{{"line", 4294967297ull}, {"character", 4294967298ull}}, p));
    BOOST_TEST(p.line == 4294967295u);
    BOOST_TEST(p.character == 4294967295u);
    BOOST_TEST(!read_position(nlohmann::json{{"line", -1}, {"character", 0}}, p));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_counts_one_unit_a_byte_as_an_editor_shows_it) {
    const auto file = file_of("a\xff\xc3z");
    BOOST_TEST(position_of(file, 4, encoding::utf16).character == 4u);
    BOOST_TEST(position_of(file, 4, encoding::utf8).character == 4u);
}

BOOST_AUTO_TEST_CASE(utf8_is_chosen_when_offered_then_utf32_else_utf16) {
    BOOST_TEST((choose_encoding(nlohmann::json{"utf-16", "utf-8"}) == encoding::utf8));
    BOOST_TEST((choose_encoding(nlohmann::json{"utf-32", "utf-16"}) == encoding::utf32));
    BOOST_TEST((choose_encoding(nlohmann::json{"utf-16"}) == encoding::utf16));
    BOOST_TEST((choose_encoding(nlohmann::json()) == encoding::utf16));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(uris)

BOOST_AUTO_TEST_CASE(file_uris_name_paths_and_others_do_not) {
    BOOST_TEST(path_of_uri("file:///home/ana/policies/a%20b%23.vigil").value() == "/home/ana/policies/a b#.vigil");
    BOOST_TEST(path_of_uri("file://localhost/x.vigil").value() == "/x.vigil");
    BOOST_TEST(path_of_uri("file:///x.vigil?query#frag").value() == "/x.vigil");
    BOOST_TEST(!path_of_uri("untitled:Untitled-1"));
    BOOST_TEST(!path_of_uri("file://server/share/x.vigil"));
    BOOST_TEST(!path_of_uri("file:///x%2"));
    BOOST_TEST(!path_of_uri("file:///x%zz"));
    BOOST_TEST(!path_of_uri("file:///x%00y"));
}

BOOST_AUTO_TEST_CASE(a_path_becomes_a_uri_that_names_it_again) {
    const std::string path = "/tmp/dir with space/ü#1.vigil";
    BOOST_TEST(uri_of_path(path) == "file:///tmp/dir%20with%20space/%C3%BC%231.vigil");
    BOOST_TEST(path_of_uri(uri_of_path(path)).value() == path);
}

BOOST_AUTO_TEST_SUITE_END()
