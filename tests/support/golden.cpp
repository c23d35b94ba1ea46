#include "support/golden.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/test/unit_test.hpp>

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A line diff from the longest common subsequence: `-` lines only in the golden file, `+`
// lines only in the actual text, two lines of context around each change, at most `limit`
// lines in all.
std::string short_diff(const std::string& expected, const std::string& actual, std::size_t limit = 60) {
    const auto a = split_lines(expected);
    const auto b = split_lines(actual);
    std::vector<std::vector<std::size_t>> common(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
    for (std::size_t i = a.size(); i-- > 0;) {
        for (std::size_t j = b.size(); j-- > 0;) {
            common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
        }
    }
    struct line {
        char kind;
        std::string text;
    };
    std::vector<line> script;
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (i < a.size() && j < b.size() && a[i] == b[j]) {
            script.push_back({' ', a[i++]});
            ++j;
        } else if (i < a.size() && (j == b.size() || common[i + 1][j] >= common[i][j + 1])) {
            script.push_back({'-', a[i++]});
        } else {
            script.push_back({'+', b[j++]});
        }
    }
    std::vector<bool> shown(script.size(), false);
    for (std::size_t k = 0; k < script.size(); ++k) {
        if (script[k].kind == ' ') continue;
        for (std::size_t c = (k >= 2 ? k - 2 : 0); c < std::min(script.size(), k + 3); ++c) shown[c] = true;
    }
    std::string out;
    std::size_t written = 0;
    bool gap = false;
    for (std::size_t k = 0; k < script.size(); ++k) {
        if (!shown[k]) {
            gap = true;
            continue;
        }
        if (gap && written > 0) out += "  ...\n";
        gap = false;
        if (++written > limit) {
            out += "  ... (diff truncated)\n";
            break;
        }
        out += script[k].kind;
        out += ' ';
        out += script[k].text;
        out += '\n';
    }
    return out;
}

}  // namespace

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void check_golden(const std::string& relative_golden_path, const std::string& actual) {
    const std::filesystem::path path = std::filesystem::path(VIGIL_GOLDEN_DIR) / relative_golden_path;
    const char* update = std::getenv("UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << actual;
        BOOST_TEST_MESSAGE("updated golden file " << path.string());
        return;
    }
    std::string expected;
    try {
        expected = read_file(path.string());
    } catch (const std::exception&) {
        BOOST_ERROR("golden file " << path.string() << " is missing (run with UPDATE_GOLDEN=1 to create it); actual:\n"
                                   << actual);
        return;
    }
    if (expected != actual) {
        BOOST_ERROR("output differs from golden file " << relative_golden_path << "\n--- actual ---\n"
                                                        << actual << "--- diff (- golden, + actual) ---\n"
                                                        << short_diff(expected, actual)
                                                        << "(run with UPDATE_GOLDEN=1 to accept the actual output)");
    }
}

std::string render_all(const std::vector<vigil::diagnostic>& diagnostics, const vigil::source_map& sources) {
    std::vector<vigil::diagnostic> sorted = diagnostics;
    vigil::sort_diagnostics(sorted);
    std::string out;
    for (const auto& d : sorted) out += vigil::render_text(d, sources);
    return out;
}

std::string replace_all(const std::string& text, const std::string& from, const std::string& to) {
    std::string out;
    std::size_t done = 0;
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, done)) {
        out.append(text, done, at - done);
        out += to;
        done = at + from.size();
    }
    out.append(text, done);
    return out;
}
