#include "unified_diff.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil::cli {

namespace {

constexpr std::size_t context = 3;
constexpr std::size_t max_lines_for_table = 16384;

// The lines of a text, each with its line break; a last line without one is marked as `diff` marks it.
std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            lines.push_back(std::string(text.substr(start)) + "\n\\ No newline at end of file\n");
            break;
        }
        lines.emplace_back(text.substr(start, end + 1 - start));
        start = end + 1;
    }
    return lines;
}

// One line of the edit script: kept (' '), removed ('-') or added ('+').
struct edit {
    char op;
    std::size_t a;  // its index in `before` (for ' ' and '-'), or where it stands there
    std::size_t b;  // its index in `after` (for ' ' and '+'), or where it stands there
};

// The edit script of a[a0, a1) against b[b0, b1) by their longest common subsequence: a table of
// the suffixes' LCS lengths, one row at a time from the end, keeping one bit per cell (whether to
// drop a line of `a` rather than of `b` when the lines differ), then a walk from the start. Past
// max_lines_for_table lines on both sides, every line of the range is one change.
void lcs_script(const std::vector<std::string>& a, std::size_t a0, std::size_t a1, const std::vector<std::string>& b,
                std::size_t b0, std::size_t b1, std::vector<edit>& script) {
    const std::size_t n = a1 - a0, m = b1 - b0;
    if (n > max_lines_for_table && m > max_lines_for_table) {
        for (std::size_t i = a0; i < a1; ++i) script.push_back({'-', i, b0});
        for (std::size_t j = b0; j < b1; ++j) script.push_back({'+', a1, j});
        return;
    }
    std::vector<bool> drop_a(n * m);
    std::vector<std::uint32_t> below(m + 1, 0), row(m + 1, 0);
    for (std::size_t i = n; i-- > 0;) {
        row[m] = 0;
        for (std::size_t j = m; j-- > 0;) {
            if (a[a0 + i] == b[b0 + j]) {
                row[j] = below[j + 1] + 1;
            } else {
                drop_a[i * m + j] = below[j] >= row[j + 1];
                row[j] = std::max(below[j], row[j + 1]);
            }
        }
        std::swap(below, row);
    }
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[a0 + i] == b[b0 + j]) {
            script.push_back({' ', a0 + i++, b0 + j++});
        } else if (j == m || (i < n && drop_a[i * m + j])) {
            script.push_back({'-', a0 + i++, b0 + j});
        } else {
            script.push_back({'+', a0 + i, b0 + j++});
        }
    }
}

// The edit script from `a` to `b`. The lines both texts begin and end with are kept without a
// table, so that a long file with a few changes close together needs only a small one.
std::vector<edit> edit_script(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    const std::size_t n = a.size(), m = b.size();
    std::size_t prefix = 0, suffix = 0;
    while (prefix < n && prefix < m && a[prefix] == b[prefix]) ++prefix;
    while (suffix < n - prefix && suffix < m - prefix && a[n - 1 - suffix] == b[m - 1 - suffix]) ++suffix;
    std::vector<edit> script;
    for (std::size_t k = 0; k < prefix; ++k) script.push_back({' ', k, k});
    lcs_script(a, prefix, n - suffix, b, prefix, m - suffix, script);
    for (std::size_t k = suffix; k > 0; --k) script.push_back({' ', n - k, m - k});
    return script;
}

// `@@ -start,count +start,count @@` for the edits [from, to) of a hunk: lines count from 1, and
// an empty side names the line before it.
std::string hunk_header(const std::vector<edit>& script, std::size_t from, std::size_t to) {
    std::size_t a_count = 0, b_count = 0;
    for (std::size_t k = from; k < to; ++k) {
        a_count += script[k].op != '+';
        b_count += script[k].op != '-';
    }
    const auto range = [](std::size_t start, std::size_t count) {
        return std::to_string(count == 0 ? start : start + 1) + (count == 1 ? "" : "," + std::to_string(count));
    };
    return "@@ -" + range(script[from].a, a_count) + " +" + range(script[from].b, b_count) + " @@\n";
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after, const std::string& before_name,
                         const std::string& after_name) {
    if (before == after) return {};
    const std::vector<std::string> a = lines_of(before), b = lines_of(after);
    const std::vector<edit> script = edit_script(a, b);
    std::string out = "--- " + before_name + "\n+++ " + after_name + "\n";
    std::size_t k = 0;
    while (k < script.size()) {
        while (k < script.size() && script[k].op == ' ') ++k;
        if (k == script.size()) break;
        // A hunk: from `context` kept lines before the first change to `context` after the last
        // change that is followed by no other within twice the context.
        const std::size_t from = k >= context ? k - context : 0;
        std::size_t last_change = k;
        for (std::size_t next = k; next < script.size() && next <= last_change + 2 * context; ++next) {
            if (script[next].op != ' ') last_change = next;
        }
        const std::size_t to = std::min(script.size(), last_change + 1 + context);
        out += hunk_header(script, from, to);
        for (std::size_t e = from; e < to; ++e) {
            out += script[e].op;
            out += script[e].op == '+' ? b[script[e].b] : a[script[e].a];
        }
        k = to;
    }
    return out;
}

}  // namespace vigil::cli
