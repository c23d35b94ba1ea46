// The parser of policy test files: the state of tests_actions.hpp (building the tree, parsing the
// JSON of records with nlohmann::json, turning a grammar failure into a diagnostic that points at
// the right token) and the entry point parse_test_file().

#include <algorithm>
#include <cassert>
#include <charconv>

#include <tao/pegtl.hpp>

#include "scan.hpp"
#include "tests_actions.hpp"
#include "tests_errors.hpp"
#include "tests_rules.hpp"
#include "utf8.hpp"
#include "vigil/json_fault.hpp"
#include "vigil/test_parse.hpp"

namespace vigil::grammar::tests {

using scan::is_continuation;
using scan::is_space;
using scan::is_word_char;
using scan::substitute;
using scan::words;

builder::builder(const source_map& sources, file_id file)
    : m_sources(sources), m_file(file), m_text(sources.file(file).text) {
    m_file_ast.file = file;
}

bool builder::starts_line(std::uint32_t at) const { return scan::starts_line(m_text, at); }

// ------------------------------------------------------------------------ strings and objects

void builder::string(span where) {
    m_string_where = where;
    const std::string_view text = m_sources.text(where);
    try {
        const auto value = nlohmann::json::parse(text);
        m_string = value.get<std::string>();
    } catch (const nlohmann::json::parse_error& e) {
        // Keep the text between the quotes, so later checks can still name the item.
        m_string = std::string(text.substr(1, text.size() >= 2 ? text.size() - 2 : 0));
        const std::uint32_t at =
            where.begin + static_cast<std::uint32_t>(std::min<std::size_t>(e.byte ? e.byte - 1 : 0, text.size() - 1));
        report(make_diagnostic(code::test_syntax, token_at(at), "invalid string: " + json_parse_reason(e.what()),
                               "a string is written as in JSON: the escapes are `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, "
                               "`\\n`, `\\r`, `\\t` and `\\u` with four hex digits"));
    }
}

void builder::object_open(span brace) {
    m_object_open = brace;
    m_object_closed = false;
}

namespace {

constexpr const char* record_help =
    "a record is one JSON object: keys in double quotes, no trailing commas, no comments inside the braces";

// Records are nested at most as deeply as the evaluator takes them (simdjson's limit): where the
// text opens one level more, if it does. nlohmann::json would parse deeper, but writing such an
// object out again recurses per level and overflows the stack.
constexpr std::size_t max_depth = 1024;

std::optional<std::size_t> nested_too_deeply(std::string_view text) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) return i;
        } else if (c == '}' || c == ']') {
            if (depth > 0) --depth;
        }
    }
    return std::nullopt;
}

}  // namespace

void builder::object(span where) {
    m_object = test_json{nlohmann::json::object(), where};
    if (!m_object_closed) {
        report(make_diagnostic(code::test_syntax, m_object_open, unclosed_object.message, unclosed_object.help));
        return;
    }
    const std::string_view text = m_sources.text(where);
    if (const auto at = nested_too_deeply(text)) {
        report(make_diagnostic(
            code::test_invalid_json, token_at(where.begin + static_cast<std::uint32_t>(*at)),
            "invalid JSON: objects and arrays nested more than " + std::to_string(max_depth) + " levels deep",
            record_help));
        return;
    }
    try {
        m_object->value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        const std::size_t byte = std::min<std::size_t>(e.byte ? e.byte - 1 : 0, text.size() - 1);
        report(make_diagnostic(code::test_invalid_json, token_at(where.begin + static_cast<std::uint32_t>(byte)),
                               "invalid JSON: " + json_parse_reason(e.what()), record_help));
    } catch (const nlohmann::json::out_of_range& e) {
        // A number too large for a double (`1e400`): nlohmann names it, not where it is.
        const std::string reason = json_parse_reason(e.what());
        const auto quoted = reason.find('\'');
        const std::size_t token = quoted == std::string::npos
                                      ? std::string::npos
                                      : text.find(reason.substr(quoted + 1, reason.size() - quoted - 2));
        const std::uint32_t at = where.begin + static_cast<std::uint32_t>(token == std::string::npos ? 0 : token);
        report(make_diagnostic(code::test_invalid_json, token_at(at), "invalid JSON: " + reason, record_help));
    }
}

std::optional<test_json> builder::take_object() {
    std::optional<test_json> out = std::move(m_object);
    m_object.reset();
    return out;
}

// ---------------------------------------------------------------------------------- items

template <typename T>
void builder::set_once(std::optional<T>& slot, T value, std::string_view setting, span where) {
    if (!slot) {
        slot = std::move(value);
        return;
    }
    const span keyword{where.file, where.begin, where.begin + static_cast<std::uint32_t>(setting.size())};
    diagnostic d = make_diagnostic(code::test_invalid_case, keyword, "`" + std::string(setting) + "` is set twice",
                                   "keep one; the first one counts");
    d.notes.push_back({"first set here", slot->where});
    report(std::move(d));
}

void builder::policy_name() {
    m_policy_names.push_back({m_string, m_string_where});
}

void builder::policy(span where) {
    std::vector<ast::string_item> names = std::move(m_policy_names);
    m_policy_names.clear();
    if (m_file_ast.policies.empty()) {
        m_file_ast.policies = std::move(names);
        m_file_ast.policy_where = where;
        return;
    }
    diagnostic d =
        make_diagnostic(code::test_invalid_case, {where.file, where.begin, where.begin + 6}, "`policy` is set twice",
                        "name every policy under test on one line: `policy \"a\", \"b\"`");
    d.notes.push_back({"first set here", m_file_ast.policy_where});
    report(std::move(d));
}

void builder::start(span where) {
    set_once(m_file_ast.start, ast::string_item{m_string, m_string_where}, "start", where);
}

void builder::defaults(span where) {
    auto object = take_object();
    assert(object);
    if (!object) return;
    if (m_case) {
        set_once(m_case->defaults, std::move(*object), "defaults", where);
    } else {
        set_once(m_file_ast.defaults, std::move(*object), "defaults", where);
    }
}

void builder::open_case(span keyword) {
    m_case.emplace();
    m_case->name = m_string;
    m_case->name_where = m_string_where;
    m_case->where = keyword;
}

void builder::close_case(span where) {
    assert(m_case);
    if (!m_case) return;
    m_case->where = where;
    m_file_ast.cases.push_back(std::move(*m_case));
    m_case.reset();
}

void builder::turn(bool record, span keyword) {
    auto object = take_object();
    assert(m_case && object);
    if (!m_case || !object) return;
    m_case->turns.push_back({record, keyword, std::move(*object)});
}

void builder::turn_number(std::string_view digits) {
    std::uint32_t n = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    const bool fits = error == std::errc{} && end == digits.data() + digits.size();
    m_expect.target.number = fits ? n : 0;
    if (!fits) m_turn_too_large = digits;
}

void builder::target_turn(span where) {
    m_expect.target.k = turn_target::kind::number;
    m_expect.target.where = where;
    // A number too large for 32 bits names no turn any case could have. Said here, where its digits
    // are at hand: the checks of the parsed file see only numbers.
    if (m_turn_too_large) {
        report(make_diagnostic(
            code::test_no_such_turn, where,
            "case `" + (m_case ? m_case->name : std::string()) + "` has no turn " + std::string(*m_turn_too_large),
            "the turns of a case count from 1 in the order written; no case has this many"));
    }
}

void builder::target_end(span where) {
    m_expect.target.k = turn_target::kind::end;
    m_expect.target.where = where;
}

void builder::outcome(std::string_view word, span) {
    m_last_word = word;
    if (word == "violation")
        m_expect.kind = expectation_kind::violation;
    else if (word == "undetermined")
        m_expect.kind = expectation_kind::undetermined;
    else
        m_expect.kind = expectation_kind::pass;
}

void builder::rule_name(std::string_view name, span where) {
    m_expect.rules.push_back({std::string(name), where});
}

void builder::expected_message() {
    m_expect.message = test_message{m_string, m_string_where};
}

void builder::decision(std::string_view word) {
    m_expect.kind = expectation_kind::decision;
    if (word == "deny")
        m_expect.decision = decision_kind::deny;
    else if (word == "allow")
        m_expect.decision = decision_kind::allow;
    else
        m_expect.decision = decision_kind::allow_with_remedies;
}

void builder::no_violations() {
    m_expect.kind = expectation_kind::no_violations;
}

void builder::expect(span where) {
    assert(m_case);
    if (!m_case) return;
    if (m_turn_too_large) {  // reported: it names no turn to check
        m_turn_too_large.reset();
        m_expect = expectation{};
        return;
    }
    m_expect.where = where;
    m_case->expectations.push_back(std::move(m_expect));
    m_expect = expectation{};
}

// ------------------------------------------------------------------- errors and recovery

std::uint32_t builder::skip_trivia(std::uint32_t at) const { return scan::skip_trivia(m_text, at); }

span builder::token_at(std::uint32_t at) const { return scan::token_at(m_text, m_file, at); }

void builder::raise(const error_info& error, std::uint32_t at, std::string_view op) {
    const span where = error.at == anchor::string_open ? m_string_open : token_at(skip_trivia(at));
    const std::string_view pattern = error.message;
    std::string message(pattern);
    substitute(message, "{op}", op);
    if (m_case) substitute(message, "{case}", m_case->name);

    diagnostic d = make_diagnostic(code::test_syntax, where, std::move(message), error.help ? error.help : "");
    if (error.suggest) {
        const std::string_view found = m_sources.text(where);
        if (!found.empty() && is_word_char(found.front())) {
            if (auto match = closest_match(found, words(error.suggest))) d.help = "did you mean `" + *match + "`?";
        }
    }
    if (m_case && pattern.find("{case}") != std::string_view::npos) {
        d.notes.push_back({"case `" + m_case->name + "` starts here", m_case->name_where});
    }
    report(std::move(d));
    throw syntax_error(where.begin);
}

void builder::report(diagnostic d) {
    const bool seen = std::any_of(m_diagnostics.begin(), m_diagnostics.end(), [&](const diagnostic& other) {
        return other.where.file == d.where.file && other.where.begin == d.where.begin;
    });
    if (!seen) m_diagnostics.push_back(std::move(d));
}

void builder::restore(const checkpoint& saved) {
    if (!saved.case_open) m_case.reset();
    if (m_case) m_case->incomplete = true;
    m_object.reset();
    m_object_closed = false;
    m_expect = expectation{};
    m_turn_too_large.reset();
    m_policy_names.clear();
}

}  // namespace vigil::grammar::tests

namespace vigil {

result<test_file> parse_test_file(const source_map& sources, file_id file) {
    grammar::tests::builder state(sources, file);
    const source_file& source = sources.file(file);
    tao::pegtl::memory_input<tao::pegtl::tracking_mode::lazy> in(source.text.data(), source.text.size(), source.name);
    bool ok = false;
    if (grammar::utf8_or_reported(source, file, state)) {
        try {
            ok = tao::pegtl::parse<grammar::tests::rules::grammar, grammar::tests::action, grammar::tests::control>(
                in, state);
        } catch (const grammar::syntax_error&) {
            ok = false;  // already reported: only items recover, so a raise outside them ends the parse
        }
    }
    result<test_file> out;
    out.value = state.take_file();
    out.diagnostics = state.take_diagnostics();
    // A failed parse always says why: should the grammar ever fail without reporting, this says so.
    if (!ok && !has_errors(out.diagnostics)) {
        out.diagnostics.push_back(
            make_diagnostic(code::test_syntax, {file, 0, 0}, "cannot parse `" + source.name + "`"));
    }
    sort_diagnostics(out.diagnostics);
    return out;
}

}  // namespace vigil
