#include "vigil/diagnostic.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <nlohmann/json.hpp>
#include <tuple>

#include "text.hpp"

namespace vigil {

namespace {
constexpr auto E = severity::error;
constexpr auto W = severity::warning;
}  // namespace

namespace {
constexpr std::array<code_info, static_cast<std::size_t>(code::count_)> rows{{
    {code::syntax_expected, "V0101", "syntax-expected", E, "the text does not follow the grammar; the message says what was expected"},
    {code::syntax_unterminated_string, "V0102", "unterminated-string", E, "a string literal has no closing quote on its line"},
    {code::syntax_invalid_escape, "V0103", "invalid-escape", E, "a backslash in a string is followed by a character that is not an escape"},
    {code::syntax_invalid_number, "V0104", "invalid-number", E, "a number literal cannot be represented"},
    {code::syntax_duplicate_setting, "V0105", "duplicate-setting", E, "a setting that may appear once (severity, message, version, ...) appears twice"},
    {code::syntax_invalid_template, "V0106", "invalid-template", E, "a `{...}` placeholder in a message template is not a valid expression or is not closed"},
    {code::syntax_not_utf8, "V0107", "not-utf8", E, "a policy or test file holds bytes that are not UTF-8 text"},
    {code::syntax_control_character, "V0108", "control-character", E, "a string or message holds a control character (below U+0020) written as it is, not as an escape"},
    {code::unknown_name, "V0201", "unknown-name", E, "a name is neither a definition, a quantifier variable nor a record field"},
    {code::duplicate_rule, "V0202", "duplicate-rule", E, "two rules of one policy have the same name"},
    {code::duplicate_definition, "V0203", "duplicate-definition", E, "two definitions visible in the same scope have the same name"},
    {code::duplicate_policy, "V0204", "duplicate-policy", E, "two policies of one policy set have the same name and overlapping effective periods"},
    {code::unknown_function, "V0205", "unknown-function", E, "a call names a function the language does not have"},
    {code::wrong_argument_count, "V0206", "wrong-argument-count", E, "a function is called with the wrong number of arguments"},
    {code::unknown_severity, "V0207", "unknown-severity", E, "a severity is not one of info, low, medium, high, critical"},
    {code::unknown_remedy, "V0208", "unknown-remedy", E, "a remedy is not one of block, disclose, handoff, review, notify, custom"},
    {code::definition_cycle, "V0209", "definition-cycle", E, "definitions refer to each other in a cycle, which could never be evaluated"},
    {code::rule_without_obligation, "V0210", "rule-without-obligation", E, "a rule has neither `require`, `forbid` nor `then`"},
    {code::missing_remedy_argument, "V0211", "remedy-argument", E, "`notify` and `custom` need a string argument; other remedies take none"},
    {code::then_with_obligation, "V0212", "then-with-require", E, "a rule with a deferred obligation (`then`) also has `require` or `forbid`"},
    {code::variable_across_turns, "V0213", "variable-across-turns", E, "the argument of a conversation function uses a quantifier variable bound outside it"},
    {code::indistinct_versions, "V0214", "indistinct-versions", E, "versions of one policy share its name but not each with a `version` of its own, so a finding could not say which applied"},
    {code::definitions_too_deep, "V0215", "definitions-too-deep", E, "definitions use one another more than 256 levels deep, or more than 2048 operators deep written out"},
    {code::type_mismatch, "V0301", "type-mismatch", E, "an operator or function is applied to values of types it cannot take"},
    {code::invalid_regex, "V0302", "invalid-regex", E, "a `matches` pattern is not a valid RE2 regular expression"},
    {code::expected_path, "V0303", "expected-path", E, "`exists` and `missing` take a field path"},
    {code::not_a_list, "V0304", "not-a-list", E, "a quantifier or `in` ranges over something that is not a list"},
    {code::not_a_condition, "V0305", "not-a-condition", E, "a `when`, `require`, `forbid` or `unless` clause is not a condition"},
    {code::invalid_window, "V0306", "invalid-window", E, "a turn count or a duration (`count_last`, `count_within`, `then within`) is not a valid constant within its limits"},
    {code::invalid_date, "V0307", "invalid-date", E, "an `effective` date is not a valid date, or the period it gives is empty"},
    {code::unknown_field, "V0401", "unknown-field", E, "a field path is not in the record schema the policy declares"},
    {code::schema_invalid, "V0402", "schema-invalid", E, "a declared record schema cannot be read or is not a JSON Schema object"},
    {code::value_not_in_schema, "V0403", "value-not-in-schema", W, "a field is compared with a value its schema never allows"},
    {code::file_unreadable, "V0501", "file-unreadable", E, "a policy file cannot be read, or a directory given as policies holds none"},
    {code::import_not_found, "V0502", "import-not-found", E, "an `import` names a file that does not exist, a directory, or a pipe or device"},
    {code::import_cycle, "V0503", "import-cycle", E, "files import each other in a cycle"},
    {code::empty_policy_set, "V0504", "empty-policy-set", E, "the files given as policies define no rule, so every record would be allowed"},
    {code::unused_definition, "V0601", "unused-definition", W, "a definition is never used"},
    {code::rule_never_applies, "V0602", "rule-never-applies", W, "a rule's `when` can never be true, so the rule never applies"},
    {code::empty_file, "V0603", "empty-file", W, "a policy file defines nothing: no policy, no definition, no import"},
    {code::shadowed_name, "V0604", "shadowed-name", W, "a definition or quantifier variable has the name of a record field, a definition or an enclosing variable, which it hides"},
    {code::pattern_matches_everything, "V0605", "pattern-matches-everything", W, "a `matches` pattern matches every text (it matches the empty text, as `\"\"`, `a*` or `(refund|)` do), so the test is always true"},
    {code::test_syntax, "V0701", "test-syntax", E, "a test file does not follow the grammar of test files; the message says what was expected"},
    {code::test_invalid_json, "V0702", "test-invalid-json", E, "a `record`, `turn` or `defaults` object is not valid JSON"},
    {code::test_unknown_policy, "V0703", "test-unknown-policy", E, "a test file has no policy file beside it, or names a policy that file does not define"},
    {code::test_unknown_rule, "V0704", "test-unknown-rule", E, "an expectation names a rule the policy under test does not have"},
    {code::test_no_such_turn, "V0705", "test-no-such-turn", E, "an expectation names a turn the case does not have"},
    {code::test_invalid_case, "V0706", "test-invalid-case", E, "a test file has no case, a case has no record, mixes `record` and `turn`, repeats a name or contradicts itself, an expectation gives a `message` after `pass` or after several rules, or a setting is repeated or invalid"},
    {code::test_file_unreadable, "V0707", "test-file-unreadable", E, "a test file cannot be read, or a path given to `vigil test` names no test file"},
    {code::test_record_breaks_schema, "V0708", "test-record-breaks-schema", W, "a record of a case gives a field a value its policy's schema does not allow, so the rules that read it are undetermined on that turn"},
}};

constexpr bool table_in_enum_order() {
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (static_cast<std::size_t>(rows[i].value) != i) return false;
    }
    return true;
}
static_assert(table_in_enum_order(), "code_table rows must follow the order of enum class code");
}  // namespace

const std::array<code_info, static_cast<std::size_t>(code::count_)> code_table = rows;

const code_info& info(code c) { return code_table[static_cast<std::size_t>(c)]; }

diagnostic make_diagnostic(code c, span where, std::string message, std::string help) {
    return diagnostic{c, info(c).default_severity, where, std::move(message), {}, std::move(help)};
}

bool has_errors(const std::vector<diagnostic>& diagnostics) {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const diagnostic& d) { return d.level == severity::error; });
}

namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring characters each cost one, so `hihg` is one step from `high`. Past `limit` the exact
// distance does not matter: it returns limit + 1 as soon as the lengths or two rows in a row
// (a swap reaches back two) show that it is larger. closest_match measures every candidate
// against a word, and the checker asks for every name a policy reads: a policy with thousands of
// definitions took seconds with the whole table computed (and allocated) for each pair. The three
// rows it works in are the caller's, so that they are allocated once for all candidates.
struct distance_rows {
    std::vector<std::size_t> before, previous, current;
};

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit, distance_rows& work) {
    const std::size_t gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
    if (gap > limit) return limit + 1;
    auto& [before, previous, current] = work;
    before.assign(b.size() + 1, 0);
    current.assign(b.size() + 1, 0);
    previous.resize(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    std::size_t previous_least = 0;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        std::size_t least = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                current[j] = std::min(current[j], before[j - 2] + 1);
            }
            least = std::min(least, current[j]);
        }
        if (least > limit && previous_least > limit) return limit + 1;
        previous_least = least;
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return previous[b.size()];
}

// The kinds of byte in `s`, folded onto 64 bits. Every byte of a word whose kind a candidate lacks
// must be deleted or replaced, one edit each: more of them than the limit rule the candidate out
// without measuring it (a policy with thousands of definitions and as many unknown names
// measured every pair).
std::uint64_t byte_kinds(std::string_view s) {
    std::uint64_t kinds = 0;
    for (const char c : s) kinds |= std::uint64_t{1} << (static_cast<unsigned char>(c) & 63u);
    return kinds;
}

// Without -mpopcnt, __builtin_popcountll is a call into libgcc, which cost more than the rest of
// closest_match's test of a candidate; shown_columns_mod4 counts with it too.
std::size_t bits_set(std::uint64_t x) {
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return static_cast<std::size_t>((x * 0x0101010101010101ull) >> 56);
}

const char* severity_name(severity s) {
    switch (s) {
        case severity::error: return "error";
        case severity::warning: return "warning";
        case severity::note: return "note";
    }
    return "error";
}

// The code point at text[i] (UTF-8): its length in bytes, and in `columns` the columns it takes
// on a terminal (text::terminal_columns). A byte that is not UTF-8 counts as one of each.
std::size_t code_point_at(std::string_view text, std::size_t i, std::size_t& columns) {
    const auto byte = static_cast<unsigned char>(text[i]);
    columns = 1;
    if (byte < 0x80) return 1;
    char32_t cp = 0;
    const std::size_t length = text::decode_utf8(text, i, cp);
    if (length == 0) return 1;
    columns = text::terminal_columns(cp);
    return length;
}

// Display width of a line prefix, in terminal columns (wide characters take two, combining marks
// none), with tabs expanded to the next multiple of 4. `phase`: the columns (modulo 4) before the
// text on its line, where its tab stops fall.
std::size_t display_width(std::string_view text, std::size_t phase = 0) {
    std::size_t width = phase;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t columns = 0;
        if (text[i] == '\t') {
            width += 4 - width % 4;
            ++i;
            continue;
        }
        i += code_point_at(text, i, columns);
        width += columns;
    }
    return width - phase;
}

std::string expand_tabs(std::string_view text, std::size_t phase = 0) {
    std::string out;
    std::size_t width = phase;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '\t') {
            const std::size_t n = 4 - width % 4;
            out.append(n, ' ');
            width += n;
            ++i;
            continue;
        }
        std::size_t columns = 0;
        const std::size_t length = code_point_at(text, i, columns);
        out.append(text.substr(i, length));
        width += columns;
        i += length;
    }
    return out;
}

// `text` with every control character but a tab written as \xHH.
std::string visible_controls(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 || c == '\t')
            out += c;
        else
            text::append_hex_byte(out, byte);
    }
    return out;
}

// The widest source line a snippet shows whole. A longer one is cut to this many columns around
// the start of the underline, with `...` where it was cut: every diagnostic repeats its line, so
// a thousand mistakes on one line of 10 kB rendered 10 MB (found with the test file fuzz
// harness).
constexpr std::size_t max_snippet_columns = 160;
constexpr std::size_t snippet_context_columns = 40;  // shown before the underline when cut

// The part of `text` (tabs expanded) from terminal column `from` to `to`: the characters that
// start in it.
std::string_view columns(std::string_view text, std::size_t from, std::size_t to) {
    std::size_t column = 0, begin = text.size(), end = text.size();
    for (std::size_t i = 0; i < text.size();) {
        std::size_t width = 0;
        const std::size_t length = code_point_at(text, i, width);
        if (column >= from && begin == text.size()) begin = i;
        if (column + width > to) {
            end = i;
            break;
        }
        column += width;
        i += length;
    }
    return text.substr(std::min(begin, end), end - std::min(begin, end));
}

// A line longer than this many bytes is cut to a window of bytes around the underline before it is
// measured: each diagnostic measured its whole line, and 20,000 mistakes on one generated line of
// 1.2 MB took two minutes to print. A column takes at most four bytes, so the window holds at
// least the columns a cut snippet shows. Its tabs stop where they stop in the whole line
// (tab_phase).
constexpr std::size_t max_measured_line_bytes = 4096;
constexpr std::size_t window_bytes_before = 4 * snippet_context_columns;
constexpr std::size_t window_bytes_after = 4 * max_snippet_columns;

// Where a window of the line may start or end: not inside a UTF-8 sequence (at most three bytes on).
std::size_t at_code_point(std::string_view line, std::size_t at) {
    for (int step = 0; step < 3 && at < line.size() && (static_cast<unsigned char>(line[at]) & 0xC0) == 0x80; ++step)
        ++at;
    return at;
}

// The part of a line the snippet measures, and whether text was left out before or after it.
struct line_window {
    std::string_view text;
    std::size_t begin = 0;  // of the window in the line, in bytes
    bool cut_before = false, cut_after = false;
};

line_window window_of(std::string_view line, std::size_t col_bytes) {
    if (line.size() <= max_measured_line_bytes) return {line};
    const std::size_t first = col_bytes > window_bytes_before ? col_bytes - window_bytes_before : 0;
    const std::size_t begin = first == 0 ? 0 : at_code_point(line, first);  // a line starts where it starts
    const std::size_t end = at_code_point(line, std::min(line.size(), col_bytes + window_bytes_after));
    return {line.substr(begin, end - begin), begin, begin > 0, end < line.size()};
}

// A byte that is not UTF-8 is shown as \xHH, and so is a control character but a tab (a NUL would
// end the text where it is printed); each is underlined as four columns.
std::string shown(std::string_view part) {
    return visible_controls(text::printable_utf8(part));
}

// The columns a terminal gives the characters that start in text[from, to), less one each: what
// counting one column per code point leaves out (wide characters take two, combining marks none).
std::size_t extra_columns_mod4(std::string_view text, std::size_t from, std::size_t to) {
    std::size_t extra = 0;  // modulo 4: -1 is 3
    for (std::size_t i = from; i < to; ++i) {
        if (static_cast<unsigned char>(text[i]) < 0xC0) continue;  // only a lead byte starts one
        std::size_t columns = 1;
        code_point_at(text, i, columns);
        extra += columns + 3;
    }
    return extra % 4;
}

// The columns, modulo 4, that `text` takes as shown, when it holds no tab and is UTF-8: those a
// terminal gives a character, and four (\xHH) a control character. Counted without building what
// is shown: the text can be most of a line of a megabyte, for each of thousands of diagnostics.
std::size_t shown_columns_mod4(std::string_view text) {
    std::size_t n = 0, i = 0;
#ifdef __SSE2__
    for (; i + 16 <= text.size(); i += 16) {  // SSE2 is on every x86-64
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
        const __m128i high_bits = _mm_and_si128(v, _mm_set1_epi8(static_cast<char>(0xC0)));
        const __m128i continuation = _mm_cmpeq_epi8(high_bits, _mm_set1_epi8(static_cast<char>(0x80)));
        const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);  // below 0x20
        n += 16 - bits_set(static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(continuation, control))));
        if (_mm_movemask_epi8(v) != 0) n += extra_columns_mod4(text, i, i + 16);  // a byte beyond ASCII
    }
#endif
    for (; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        n += static_cast<std::size_t>((byte & 0xC0) != 0x80 && byte >= 0x20);
    }
#ifdef __SSE2__
    const std::size_t tail = text.size() - text.size() % 16;
#else
    const std::size_t tail = 0;
#endif
    return (n + extra_columns_mod4(text, tail, text.size())) % 4;
}

// Where the tab stops fall in a window that starts `begin` bytes into its line: the columns, modulo
// 4, from the line's last tab before the window (or its start) to the window. Only a window with a
// tab needs it, and only its first tab: the stops of the others follow from that one's. The text
// before a window is UTF-8: a file that is not gets one diagnostic, at its first byte that is not.
std::size_t tab_phase(std::string_view line, std::size_t begin, std::string_view window) {
    if (begin == 0 || window.find('\t') == std::string_view::npos) return 0;
    const void* tab = memrchr(line.data(), '\t', begin);
    const std::size_t from =
        tab == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(tab) - line.data()) + 1;
    return shown_columns_mod4(line.substr(from, begin - from));
}

// Writes the line and its underline (`pad` columns in, `width` wide), cut to max_snippet_columns;
// `cut_before` and `cut_after` say that the line given is already a part of a longer one.
void render_line(std::string& out, const std::string& number, const std::string& line, std::size_t pad,
                 std::size_t width, bool cut_before, bool cut_after) {
    const std::string gutter(number.size(), ' ');
    const std::size_t total = display_width(line);
    if (total <= max_snippet_columns && !cut_before && !cut_after) {
        out += number + " | " + line + "\n";
        out += gutter + " | " + std::string(pad, ' ') + std::string(width, '^') + "\n";
        return;
    }
    std::size_t from = 0, to = total;
    if (total > max_snippet_columns) {
        from = std::min(pad > snippet_context_columns ? pad - snippet_context_columns : 0, total - max_snippet_columns);
        to = from + max_snippet_columns;
    }
    const std::string before = from > 0 || cut_before ? "..." : "";
    const std::string_view after = to < total || cut_after ? "..." : "";
    out += number + " | " + before + std::string(columns(line, from, to)) + std::string(after) + "\n";
    // An underline that goes on past the cut stops there; one at the end of the line stays there.
    const std::size_t first = std::min(pad, to);
    const std::size_t shown_width = std::max<std::size_t>(1, std::min(pad + width, to) - first);
    out += gutter + " | " + std::string(before.size() + first - from, ' ') + std::string(shown_width, '^') + "\n";
}

void render_snippet(std::string& out, const span& where, const source_map& sources) {
    const auto& file = sources.file(where.file);
    const auto start = sources.locate(where);
    const std::string_view whole = sources.line_text(where.file, start.line);
    const std::uint32_t line_begin = file.line_starts[start.line - 1];
    const line_window window = window_of(whole, std::min<std::size_t>(where.begin - line_begin, whole.size()));
    const std::string_view line = window.text;
    const std::size_t col_bytes = std::min<std::size_t>(where.begin - line_begin - window.begin, line.size());
    const std::size_t end_bytes = std::clamp<std::size_t>(
        where.end > line_begin + window.begin ? where.end - line_begin - window.begin : 0, col_bytes, line.size());
    const std::string number = std::to_string(start.line);
    const std::string gutter(number.size(), ' ');
    out += gutter + " |\n";
    const std::size_t phase = tab_phase(whole, window.begin, line);
    const std::size_t pad = display_width(shown(line.substr(0, col_bytes)), phase);
    // Measured from the start of the line: a tab is as wide as the columns it takes there.
    const std::size_t width = std::max<std::size_t>(1, display_width(shown(line.substr(0, end_bytes)), phase) - pad);
    render_line(out, number, expand_tabs(shown(line), phase), pad, width, window.cut_before, window.cut_after);
}

}  // namespace

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    distance_rows work;
    const std::uint64_t kinds = byte_kinds(word);
    for (const auto& candidate : candidates) {
        const std::uint64_t other = byte_kinds(candidate);
        if (std::max(bits_set(kinds & ~other), bits_set(other & ~kinds)) > limit) continue;
        const std::size_t d = edit_distance(word, candidate, limit, work);
        if (d == 0 || d > limit) continue;
        if (!best || d < best_distance || (d == best_distance && candidate < *best)) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

std::string render_text(const diagnostic& d, const source_map& sources) {
    std::string out;
    const auto& file = sources.file(d.where.file);
    const auto at = sources.locate(d.where);
    out += file.name + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
           severity_name(d.level) + "[" + std::string(info(d.value).id) + "]: " + d.message + "\n";
    if (!file.text.empty()) render_snippet(out, d.where, sources);
    for (const auto& n : d.notes) {
        if (n.where) {
            const auto nat = sources.locate(*n.where);
            out += "note: " + n.message + " (" + sources.file(n.where->file).name + ":" + std::to_string(nat.line) +
                   ":" + std::to_string(nat.column) + ")\n";
        } else {
            out += "note: " + n.message + "\n";
        }
    }
    if (!d.help.empty()) out += "help: " + d.help + "\n";
    return out;
}

std::string message_with_notes(const diagnostic& d) {
    std::string out = d.message;
    for (const note& n : d.notes) {
        if (!n.where) out += "\nnote: " + n.message;
    }
    if (!d.help.empty()) out += "\nhelp: " + d.help;
    return out;
}

nlohmann::json render_json(const diagnostic& d, const source_map& sources) {
    auto position = [&](const span& s) {
        const auto b = sources.locate(s.file, s.begin);
        const auto e = sources.locate(s.file, s.end);
        return nlohmann::json{{"file", sources.file(s.file).name},
                              {"line", b.line},
                              {"column", b.column},
                              {"end_line", e.line},
                              {"end_column", e.column}};
    };
    nlohmann::json j{{"code", info(d.value).id},
                     {"slug", info(d.value).slug},
                     {"severity", severity_name(d.level)},
                     {"message", d.message},
                     {"location", position(d.where)},
                     {"text", text::printable_utf8(sources.text(d.where))}};
    auto notes = nlohmann::json::array();
    for (const auto& n : d.notes) {
        nlohmann::json jn{{"message", n.message}};
        if (n.where) jn["location"] = position(*n.where);
        notes.push_back(std::move(jn));
    }
    j["notes"] = std::move(notes);
    if (!d.help.empty()) j["help"] = d.help;
    return j;
}

void sort_diagnostics(std::vector<diagnostic>& diagnostics) {
    std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const diagnostic& a, const diagnostic& b) {
        return std::tie(a.where.file, a.where.begin, a.value) < std::tie(b.where.file, b.where.begin, b.value);
    });
}

}  // namespace vigil
