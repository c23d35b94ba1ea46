#include "vigil/source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "text.hpp"

namespace vigil {

namespace {

// The code points of f.text from byte `from` to byte `to`: across whole blocks by their counts.
std::uint32_t code_points_between(const source_file& f, std::uint32_t from, std::uint32_t to) {
    const std::string_view text(f.text);
    const std::uint32_t first_block = from / code_point_block + 1, last_block = to / code_point_block;
    if (first_block >= last_block) return count_code_points(text.substr(from, to - from));
    const std::uint32_t head = first_block * code_point_block, tail = last_block * code_point_block;
    return count_code_points(text.substr(from, head - from)) +
           (f.code_points_before_block[last_block] - f.code_points_before_block[first_block]) +
           count_code_points(text.substr(tail, to - tail));
}

}  // namespace

file_id source_map::add(std::string name, std::string text) {
    source_file file{std::move(name), std::move(text), {0}, {}};
    for (std::uint32_t i = 0; i < file.text.size(); ++i) {
        if (file.text[i] == '\n') file.line_starts.push_back(i + 1);
    }
    std::uint32_t before = 0;
    for (std::size_t block = 0; block < file.text.size(); block += code_point_block) {
        file.code_points_before_block.push_back(before);
        before += count_code_points(std::string_view(file.text).substr(block, code_point_block));
    }
    file.code_points_before_block.push_back(before);  // before the end: a column at the very end
    m_files.push_back(std::move(file));
    return static_cast<file_id>(m_files.size() - 1);
}

location source_map::locate(file_id id, std::uint32_t offset) const {
    const auto& f = file(id);
    offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(f.text.size()));
    auto it = std::upper_bound(f.line_starts.begin(), f.line_starts.end(), offset);
    const auto line = static_cast<std::uint32_t>(it - f.line_starts.begin());
    const std::uint32_t start = f.line_starts[line - 1];
    return {line, code_points_between(f, start, offset) + 1};
}

void append_utf8(std::string& out, char32_t cp) {
    char bytes[4];
    out.append(bytes, text::encode_utf8(cp, bytes));
}

std::string source_map::position(const span& where) const {
    const location at = locate(where);
    return file(where.file).name + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

std::string_view source_map::text(const span& where) const {
    const auto& t = file(where.file).text;
    const auto begin = std::min<std::size_t>(where.begin, t.size());
    const auto end = std::clamp<std::size_t>(where.end, begin, t.size());
    return std::string_view(t).substr(begin, end - begin);
}

std::string_view source_map::line_text(file_id id, std::uint32_t line) const {
    const auto& f = file(id);
    if (line == 0 || line > f.line_starts.size()) return {};
    const std::uint32_t start = f.line_starts[line - 1];
    std::uint32_t end = line < f.line_starts.size() ? f.line_starts[line] - 1
                                                    : static_cast<std::uint32_t>(f.text.size());
    if (end > start && f.text[end - 1] == '\r') --end;
    return std::string_view(f.text).substr(start, end - start);
}

std::optional<std::uint32_t> first_invalid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t n = static_cast<unsigned char>(text[i]) < 0x80 ? 1 : text::decode_utf8(text, i, cp);
        if (n == 0) return static_cast<std::uint32_t>(i);
        i += n;
    }
    return std::nullopt;
}

std::uint32_t count_code_points(std::string_view text) {
    std::uint32_t n = 0;
    for (unsigned char c : text) {
        if ((c & 0xC0) != 0x80) ++n;
    }
    return n;
}

std::optional<std::string> read_to_end(std::FILE* file, std::string& error) {
    std::string text;
    char chunk[1 << 14];
    std::size_t n = 0;
    while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) text.append(chunk, n);
    if (std::ferror(file)) {
        error = std::strerror(errno ? errno : EIO);
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_whole_file(const std::string& path, std::string& error) {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    return read_to_end(file.get(), error);
}

}  // namespace vigil
