// The line reader: lines of a file larger than its buffer, each followed by a zero, staying where
// they are while their buffer is held; gzip files read as their plain text, damage reported.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "helpers.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/line_reader.hpp"

using namespace replay_test;
namespace fs = std::filesystem;

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

// Every line of a file as next() gave it: copied at once, and where it lies. With `hold`, every
// buffer a line lies in is held to the end, as replay's batches hold theirs, so the views stay valid.
struct read_back {
    std::vector<std::string> copies;
    std::vector<std::string_view> views;  // valid after the reading only when held
    std::vector<std::shared_ptr<const void>> held;
    std::size_t unpadded = 0;  // lines next() returned without a zero after them
    bool failed = false;
};

read_back read_all(const std::string& path, bool hold) {
    read_back out;
    vigil::replay::line_reader reader;
    std::string error;
    BOOST_REQUIRE(reader.open(path, error));
    std::string_view line;
    while (reader.next(line)) {
        out.unpadded += !padded(line);
        if (hold && (out.held.empty() || out.held.back().get() != reader.buffer())) out.held.push_back(reader.hold());
        out.copies.emplace_back(line);
        out.views.push_back(line);
    }
    out.failed = reader.failed();
    return out;
}

// Lines whose text differs from `expected`, by position (a missing or extra line counts too).
template <typename Lines>
std::size_t wrong_lines(const Lines& lines, const std::vector<std::string>& expected) {
    std::size_t wrong =
        lines.size() > expected.size() ? lines.size() - expected.size() : expected.size() - lines.size();
    for (std::size_t i = 0; i < std::min(lines.size(), expected.size()); ++i) wrong += lines[i] != expected[i];
    return wrong;
}

// Writes lines [first, last) of the test files as one gzip member appended to `path`.
void append_gzip_member(const std::string& path, std::size_t first, std::size_t last) {
    gzFile out = gzopen(path.c_str(), "ab");
    BOOST_REQUIRE(out != nullptr);
    for (std::size_t i = first; i < last; ++i) {
        const std::string line = line_text(i) + "\n";
        BOOST_REQUIRE(gzwrite(out, line.data(), static_cast<unsigned>(line.size())) == static_cast<int>(line.size()));
    }
    BOOST_REQUIRE(gzclose(out) == Z_OK);
}

std::string gzip_lines(const std::string& name, std::size_t count) {
    const auto path = (scratch_dir("line-reader-" + name) / "log.jsonl.gz").string();
    append_gzip_member(path, 0, count);
    return path;
}

std::string read_error(const std::string& path) {
    vigil::replay::line_reader reader;
    std::string error;
    BOOST_REQUIRE(reader.open(path, error));
    std::string_view line;
    while (reader.next(line)) {
    }
    return reader.error();
}

std::vector<std::string> expected_lines(std::size_t count) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < count; ++i) lines.push_back(line_text(i));
    return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(line_reader)

BOOST_AUTO_TEST_CASE(held_lines_stay_valid_after_the_reader_moves_on) {
    // About 13 MB: many buffers of the reader, every one held until the end, as replay's batches do.
    constexpr std::size_t count = 40000;
    const read_back read = read_all(write_lines("held", count, "\n", true), true);
    BOOST_TEST(!read.failed);
    BOOST_TEST(read.held.size() >= 3u);
    BOOST_TEST(read.unpadded == 0u);
    BOOST_TEST(wrong_lines(read.copies, expected_lines(count)) == 0u);
    BOOST_TEST(wrong_lines(read.views, expected_lines(count)) == 0u);  // still where they were read
    std::size_t unpadded_now = 0;
    for (const std::string_view line : read.views) unpadded_now += !padded(line);
    BOOST_TEST(unpadded_now == 0u);
}

// A held line is parsed on another thread with the record_padding bytes after it, which may be
// the next lines: reading on must not write into them (a data race, which ThreadSanitizer saw when
// each line's end was replaced by its zero only as next() reached it). Short lines, `\r\n` ends
// and a last line ending in `\r` without a newline, each read after the line before was held.
BOOST_AUTO_TEST_CASE(reading_on_does_not_write_after_a_held_line) {
    const auto path = scratch_dir("line-reader-after-held") / "log.jsonl";
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 200; ++i)
            out << "{\"n\":" << i << "}" << (i % 3 == 0 ? "\r\n" : "\n") << (i % 5 ? "" : "\n");
        out << "{}\r";
    }
    vigil::replay::line_reader reader;
    std::string error;
    BOOST_REQUIRE(reader.open(path.string(), error));
    std::vector<std::shared_ptr<const void>> held;
    std::vector<std::pair<const char*, std::string>> after;  // each line's end, and the bytes there
    std::string_view line;
    std::vector<std::string> lines;
    while (reader.next(line)) {
        for (const auto& [at, bytes] : after) BOOST_TEST(std::string(at, vigil::record_padding) == bytes);
        held.push_back(reader.hold());
        after.emplace_back(line.data() + line.size(), std::string(line.data() + line.size(), vigil::record_padding));
        lines.emplace_back(line);
    }
    BOOST_TEST(!reader.failed());
    BOOST_REQUIRE(lines.size() == 241u);
    BOOST_TEST(lines.back() == "{}");
    BOOST_TEST(after.back().second.front() == '\0');
    BOOST_TEST(lines[1] == "");  // the blank line after line 0's \r\n
}

BOOST_AUTO_TEST_CASE(lines_read_without_holding_are_the_same) {
    constexpr std::size_t count = 40000;
    const read_back read = read_all(write_lines("unheld", count, "\r\n", false), false);
    BOOST_TEST(!read.failed);
    BOOST_TEST(read.unpadded == 0u);
    BOOST_TEST(wrong_lines(read.copies, expected_lines(count)) == 0u);
}

BOOST_AUTO_TEST_CASE(a_line_longer_than_the_buffer_moves_to_a_larger_one) {
    const auto path = scratch_dir("line-reader-long") / "log.jsonl";
    const std::string huge = "{\"text\":\"" + std::string(9u << 20, 'y') + "\"}";  // several times a buffer
    {
        std::ofstream out(path, std::ios::binary);
        out << line_text(1) << "\n" << huge << "\n" << line_text(2);
    }
    const read_back read = read_all(path.string(), true);
    BOOST_TEST(read.unpadded == 0u);
    BOOST_TEST(wrong_lines(read.views, {line_text(1), huge, line_text(2)}) == 0u);
}

// The byte-order mark some Windows tools write first is not part of the first line; its bytes still
// count. Anywhere else it is part of its line (and that line is not JSON).
BOOST_AUTO_TEST_CASE(a_byte_order_mark_is_not_part_of_the_first_line) {
    const auto path = scratch_dir("line-reader-bom") / "log.jsonl";
    std::ofstream(path, std::ios::binary) << "\xEF\xBB\xBF{\"n\":1}\n\xEF\xBB\xBF{\"n\":2}\n";
    vigil::replay::line_reader reader;
    std::string error;
    BOOST_REQUIRE(reader.open(path.string(), error));
    std::string_view line;
    BOOST_REQUIRE(reader.next(line));
    BOOST_TEST(line == "{\"n\":1}");
    BOOST_TEST(padded(line));
    BOOST_TEST(reader.line_bytes() == 11u);
    BOOST_REQUIRE(reader.next(line));
    BOOST_TEST(line == "\xEF\xBB\xBF{\"n\":2}");
}

BOOST_AUTO_TEST_CASE(gzip_members_read_as_one_stream) {
    // Three members, as `cat a.gz b.gz c.gz` makes them; the reader's buffers end inside them.
    constexpr std::size_t count = 30000;
    const auto path = (scratch_dir("line-reader-members") / "log.jsonl.gz").string();
    append_gzip_member(path, 0, 10000);
    append_gzip_member(path, 10000, 10001);
    append_gzip_member(path, 10001, count);
    const read_back read = read_all(path, true);
    BOOST_TEST(!read.failed);
    BOOST_TEST(read.unpadded == 0u);
    BOOST_TEST(wrong_lines(read.views, expected_lines(count)) == 0u);
}

BOOST_AUTO_TEST_CASE(bytes_after_the_gzip_data_are_reported_not_skipped) {
    constexpr std::size_t count = 1000;
    const std::string path = gzip_lines("trailing", count);
    std::ofstream(path, std::ios::binary | std::ios::app) << "{\"not\":\"gzip\"}\n";
    const read_back read = read_all(path, false);
    BOOST_TEST(read.failed);
    BOOST_TEST(wrong_lines(read.copies, expected_lines(count)) == 0u);
    BOOST_TEST(read_error(path) == "the file goes on after its gzip data with bytes that are not gzip: not read");
}

BOOST_AUTO_TEST_CASE(damaged_gzip_data_is_reported_after_the_lines_before_it) {
    constexpr std::size_t count = 40000;
    const std::string path = gzip_lines("damaged", count);
    {
        std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
        file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
        file << std::string(64, '\xff');  // no valid deflate data looks like this
    }
    const read_back read = read_all(path, false);
    BOOST_TEST(read.failed);
    BOOST_TEST(read.copies.size() > 100u);
    BOOST_TEST(read.copies.size() < count);
    BOOST_TEST(wrong_lines(std::vector<std::string>(read.copies.begin(), read.copies.begin() + 100),
                           expected_lines(100)) == 0u);
    BOOST_TEST(read_error(path).find("gzip") != std::string::npos);

    fs::resize_file(path, fs::file_size(path) / 4);  // cut short before the damage
    BOOST_TEST(read_error(path) == "unexpected end of file: the gzip data is cut short");
}

BOOST_AUTO_TEST_CASE(files_too_short_to_tell_their_format_are_plain) {
    const auto dir = scratch_dir("line-reader-short");
    std::ofstream(dir / "empty.jsonl", std::ios::binary);
    std::ofstream(dir / "one.jsonl", std::ios::binary) << "x";
    std::ofstream(dir / "magic.jsonl", std::ios::binary) << "\x1f";
    BOOST_TEST(read_all((dir / "empty.jsonl").string(), false).copies.empty());
    BOOST_TEST(wrong_lines(read_all((dir / "one.jsonl").string(), false).copies, {"x"}) == 0u);
    BOOST_TEST(wrong_lines(read_all((dir / "magic.jsonl").string(), false).copies, {"\x1f"}) == 0u);
}

// JSON's whitespace only: a form feed or a no-break space is text, and such a line is malformed.
BOOST_AUTO_TEST_CASE(blank_lines_hold_only_json_whitespace) {
    for (const std::string_view blank : {"", " ", "\t", " \t\r", "\r"}) BOOST_TEST(vigil::replay::is_blank_line(blank));
    using namespace std::string_view_literals;
    for (const std::string_view text : {"{}"sv, " x "sv, "\f"sv, "\xC2\xA0"sv, "\xEF\xBB\xBF"sv, "\0"sv})
        BOOST_TEST(!vigil::replay::is_blank_line(text));
}

BOOST_AUTO_TEST_SUITE_END()
