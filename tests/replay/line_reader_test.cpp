// The line reader: lines of a file larger than its buffer, each followed by a zero, staying where
// they are while their buffer is held.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "helpers.hpp"
#include "vigil/line_reader.hpp"

using namespace replay_test;

namespace {

// Line `i` of the test files: lengths vary, so lines straddle the reader's buffer ends.
std::string line_text(std::size_t i) {
    return "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 700, 'x') + "\"}";
}

// Writes `count` lines (the last without a newline when `last_newline` is false) and returns the
// file's path.
std::string write_lines(const std::string& name, std::size_t count, const char* end, bool last_newline) {
    const auto path = scratch_dir("line-reader-" + name) / "log.jsonl";
    std::ofstream out(path, std::ios::binary);
    for (std::size_t i = 0; i < count; ++i) {
        out << line_text(i);
        if (i + 1 < count || last_newline) out << end;
    }
    return path.string();
}

// The line's text is followed by a zero, where its line end was.
bool padded(std::string_view line) {
    return line.data()[line.size()] == '\0';
}

}  // namespace

BOOST_AUTO_TEST_SUITE(line_reader)

BOOST_AUTO_TEST_CASE(held_lines_stay_valid_after_the_reader_moves_on) {
    // About 13 MB: many buffers of the reader, every one held until the end, as replay's batches do.
    constexpr std::size_t count = 40000;
    const std::string path = write_lines("held", count, "\n", true);
    vigil::replay::line_reader reader;
    std::string error;
    BOOST_REQUIRE(reader.open(path, error));
    std::vector<std::shared_ptr<const void>> held;
    std::vector<std::string_view> lines;
    std::string_view line;
    while (reader.next(line)) {
        BOOST_REQUIRE(padded(line));
        if (held.empty() || held.back().get() != reader.buffer()) held.push_back(reader.hold());
        lines.push_back(line);
    }
    BOOST_TEST(!reader.failed());
    BOOST_TEST(held.size() >= 3u);
    BOOST_REQUIRE(lines.size() == count);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < count; ++i) wrong += lines[i] != line_text(i) || !padded(lines[i]);
    BOOST_TEST(wrong == 0u);
}

BOOST_AUTO_TEST_CASE(lines_read_without_holding_are_the_same) {
    constexpr std::size_t count = 40000;
    const std::string path = write_lines("unheld", count, "\r\n", false);
    vigil::replay::line_reader reader;
    std::string error;
    BOOST_REQUIRE(reader.open(path, error));
    std::string_view line;
    std::size_t n = 0;
    std::size_t wrong = 0;
    while (reader.next(line)) {
        wrong += line != line_text(n) || !padded(line);
        ++n;
    }
    BOOST_TEST(n == count);
    BOOST_TEST(wrong == 0u);
}

BOOST_AUTO_TEST_CASE(a_line_longer_than_the_buffer_moves_to_a_larger_one) {
    const auto path = scratch_dir("line-reader-long") / "log.jsonl";
    const std::string huge = "{\"text\":\"" + std::string(9u << 20, 'y') + "\"}";  // several times a buffer
    {
        std::ofstream out(path, std::ios::binary);
        out << line_text(1) << "\n" << huge << "\n" << line_text(2);
    }
    vigil::replay::line_reader reader;
    std::string error;
    BOOST_REQUIRE(reader.open(path.string(), error));
    std::vector<std::shared_ptr<const void>> held;
    std::vector<std::string_view> lines;
    std::string_view line;
    while (reader.next(line)) {
        held.push_back(reader.hold());
        lines.push_back(line);
    }
    BOOST_REQUIRE(lines.size() == 3u);
    BOOST_TEST(lines[0] == line_text(1));
    BOOST_TEST((lines[1] == huge));
    BOOST_TEST(lines[2] == line_text(2));
    for (const std::string_view l : lines) BOOST_TEST(padded(l));
}

BOOST_AUTO_TEST_SUITE_END()
