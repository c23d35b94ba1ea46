#pragma once
// Source files and positions. Every diagnostic and every compiled node points back into a
// source_map through a span, so a problem found at any stage can be shown in the policy text.

#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

/// Index of a file inside a source_map.
using file_id = std::uint32_t;

/// A half-open byte range [begin, end) in one source file.
struct span {
    file_id file = 0;
    std::uint32_t begin = 0;
    std::uint32_t end = 0;

    /// The smallest span covering both; both must lie in the same file.
    [[nodiscard]] span to(const span& other) const { return {file, begin, other.end}; }
    friend bool operator==(const span&, const span&) = default;
};

/// A 1-based line and column; the column counts UTF-8 code points, not bytes.
struct location {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
};

/// One loaded file: its name as the user gave it (or a pseudo-name such as `<string>`) and its text.
struct source_file {
    std::string name;
    std::string text;
    std::vector<std::uint32_t> line_starts;  // byte offset of each line's first byte
    // The code points before each block of code_point_block bytes, and then before the end: a
    // column on a long line is counted from the nearest block, not from the line's start, which
    // each diagnostic on one generated line of a megabyte did.
    std::vector<std::uint32_t> code_points_before_block;
};

/// The bytes of a source_file::code_points_before_block block.
inline constexpr std::uint32_t code_point_block = 4096;

/// Owns the text of every file of a policy set. Files are never removed, so ids and
/// string_views into the text stay valid for the map's lifetime.
class source_map {
public:
    /// Adds a file and returns its id.
    file_id add(std::string name, std::string text);

    [[nodiscard]] const source_file& file(file_id id) const { return m_files.at(id); }
    [[nodiscard]] std::size_t size() const { return m_files.size(); }

    /// Line and column of a byte offset in a file.
    [[nodiscard]] location locate(file_id id, std::uint32_t offset) const;
    [[nodiscard]] location locate(const span& where) const { return locate(where.file, where.begin); }
    /// `file:line:column` of a span's start.
    [[nodiscard]] std::string position(const span& where) const;

    /// The text a span covers.
    [[nodiscard]] std::string_view text(const span& where) const;

    /// The whole line (without its line break) that holds a byte offset.
    [[nodiscard]] std::string_view line_text(file_id id, std::uint32_t line) const;

private:
    std::deque<source_file> m_files;
};

/// The offset of the first byte of `text` that is not part of a valid UTF-8 character, if any.
[[nodiscard]] std::optional<std::uint32_t> first_invalid_utf8(std::string_view text);

/// Appends a code point (at most U+10FFFF) encoded as UTF-8.
void append_utf8(std::string& out, char32_t cp);

/// Number of UTF-8 code points in a byte string (continuation bytes are not counted).
[[nodiscard]] std::uint32_t count_code_points(std::string_view text);

/// The whole text of an open file, read to its end, or nothing with `error` set to why, as the
/// system says it.
[[nodiscard]] std::optional<std::string> read_to_end(std::FILE* file, std::string& error);

/// The whole text of the file at `path`, or nothing with `error` set to why it cannot be read (a
/// directory opens on Linux, and fails to read: "Is a directory").
[[nodiscard]] std::optional<std::string> read_whole_file(const std::string& path, std::string& error);

}  // namespace vigil
