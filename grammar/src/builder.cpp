// The parser state of actions.hpp: building nodes, checking singular settings, and turning a
// grammar failure into a diagnostic that points at the right token.

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdio>

#include "scan.hpp"
#include "actions.hpp"

namespace vigil::grammar {

using scan::is_continuation;
using scan::is_space;
using scan::is_word_char;
using scan::substitute;
using scan::words;

namespace {

// Strict form of a number: digits ('.' digits)? ([eE] [+-]? digits)?
bool well_formed_number(std::string_view text) {
    std::size_t i = 0;
    auto digits = [&] {
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        return i > start;
    };
    if (!digits()) return false;
    if (i < text.size() && text[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == text.size();
}

// Whether `a op b op c` is written as a chain (a comparison is not: `0 < x < 1` is reported).
bool chains(ast::binary_op op) {
    switch (op) {
        case ast::binary_op::or_:
        case ast::binary_op::and_:
        case ast::binary_op::add:
        case ast::binary_op::sub:
        case ast::binary_op::mul:
        case ast::binary_op::div:
        case ast::binary_op::mod:
        case ast::binary_op::default_:
            return true;
        default:
            return false;
    }
}

// Whether `op` applied to `lhs` goes on a chain of it: `lhs` is `x op y` itself.
bool continues_chain(const ast::expr& lhs, ast::binary_op op) {
    const auto* binary = std::get_if<ast::binary>(&lhs.kind);
    return binary != nullptr && binary->op == op && chains(op);
}

// `U+0009` for a tab: how a character that shows nothing is named.
std::string code_point_name(char c) {
    char name[8];
    std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(static_cast<unsigned char>(c)));
    return name;
}

}  // namespace

builder::builder(const source_map& sources, file_id file, ast::node_id& next_id)
    : m_sources(sources), m_file(file), m_text(sources.file(file).text), m_next_id(next_id) {
    m_module.file = file;
}

// ------------------------------------------------------------------------------ positions

span builder::word_at(std::uint32_t begin) const {
    std::uint32_t end = begin;
    while (end < m_text.size() && is_word_char(m_text[end])) ++end;
    return {m_file, begin, end};
}

bool builder::starts_line(std::uint32_t at) const { return scan::starts_line(m_text, at); }

// -------------------------------------------------------------------------------- strings

void builder::open_string(span quote) {
    m_buffer.clear();
    m_string_open = quote;
    m_in_string = true;
}

void builder::open_embedded_string(span quote) {
    if (!m_in_placeholder) raise(embedded_outside_message, quote.begin, {});
    open_string(quote);
}

void builder::simple_escape(char code) {
    switch (code) {
        case 'n': m_buffer += '\n'; break;
        case 't': m_buffer += '\t'; break;
        case 'r': m_buffer += '\r'; break;
        default: m_buffer += code; break;  // `"`, `\` and `/` stand for themselves
    }
}

void builder::unicode_escape(std::string_view code) {
    auto unit = [](std::string_view hex) {
        unsigned value = 0;
        std::from_chars(hex.data(), hex.data() + 4, value, 16);
        return static_cast<char32_t>(value);
    };
    const char32_t first = unit(code.substr(1, 4));
    if (code.size() > 5) {  // a high and a low surrogate, as the grammar guarantees
        append_code_point(0x10000 + ((first - 0xD800) << 10) + (unit(code.substr(7, 4)) - 0xDC00));
    } else if (first >= 0xD800 && first <= 0xDFFF) {
        raise(lone_surrogate, m_escape_at, {});
    } else {
        append_code_point(first);
    }
}

void builder::append_code_point(char32_t c) {
    append_utf8(m_buffer, c);
}

void builder::close_string(std::uint32_t end) {
    m_last_string = {std::move(m_buffer), {m_file, m_string_open.begin, end}};
    m_buffer.clear();
    m_in_string = false;
}

void builder::push_string() { m_strings.push_back(m_last_string); }

ast::string_item builder::pop_string() {
    assert(!m_strings.empty());
    ast::string_item item = std::move(m_strings.back());
    m_strings.pop_back();
    return item;
}

// ---------------------------------------------------------------------- message templates

void builder::open_template(span quote) {
    m_buffer.clear();
    m_parts.clear();
    m_template_open = quote;
    m_in_template = true;
}

void builder::flush_text() {
    if (!m_buffer.empty()) m_parts.push_back({std::move(m_buffer), nullptr});
    m_buffer.clear();
}

void builder::open_placeholder(span brace) {
    flush_text();
    m_placeholder_open = brace;
    m_in_placeholder = true;
}

void builder::close_placeholder() {
    m_parts.push_back({std::string(), take()});
    m_buffer.clear();  // a string inside the placeholder may have used it
    m_in_placeholder = false;
}

void builder::close_template() {
    flush_text();
    m_in_template = false;
}

void builder::message_text(span where) {
    m_message = ast::message_template{std::move(m_parts), where};
    m_parts.clear();
}

// ---------------------------------------------------------------------------- expressions

template <typename Kind>
void builder::push(span where, Kind kind) {
    // Checking, compiling and destroying a tree recurse on its height, so keep it bounded.
    const std::uint32_t height = m_children_height + 1;
    m_children_height = 0;
    if (height > max_expression_height) raise(too_deep, where.begin, {});
    m_operands.push_back(std::make_unique<ast::expr>(ast::expr{m_next_id++, where, std::move(kind)}));
    m_heights.push_back(height);
}

ast::expr_ptr builder::pop() {
    assert(!m_operands.empty());
    m_children_height = std::max(m_children_height, m_heights.back());
    ast::expr_ptr e = std::move(m_operands.back());
    m_operands.pop_back();
    m_heights.pop_back();
    return e;
}

ast::expr_ptr builder::take() {
    ast::expr_ptr e = pop();
    m_children_height = 0;
    return e;
}

void builder::number(std::string_view text, span where) {
    double value = 0;
    if (!well_formed_number(text)) {
        report(make_diagnostic(code::syntax_invalid_number, where, "invalid number `" + std::string(text) + "`",
                               "write numbers like `42`, `0.5` or `1e3`"));
    } else if (const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
               ec != std::errc() || end != text.data() + text.size()) {
        report(make_diagnostic(code::syntax_invalid_number, where,
                               "the number `" + std::string(text) + "` is out of range",
                               "numbers are 64-bit floating point, about 1.8e308 at most"));
        value = 0;
    }
    push(where, ast::literal{value});
}

void builder::string_literal(span where) { push(where, ast::literal{m_last_string.value}); }

void builder::literal(ast::literal value, span where) { push(where, std::move(value)); }

void builder::variable(std::string name, span where) { push(where, ast::ident{std::move(name)}); }

void builder::binary(ast::binary_op op) {
    const bool chained = m_operands.size() >= 2 && m_heights[m_heights.size() - 2] >= max_expression_height &&
                         continues_chain(*m_operands[m_operands.size() - 2], op);
    ast::expr_ptr rhs = pop();
    ast::expr_ptr lhs = pop();
    const span where = lhs->where.to(rhs->where);
    // A flat chain reaches the bound one operator at a time: "nested too deeply" would puzzle.
    if (chained) raise(too_long_chain, where.begin, ast::spelling(op));
    push(where, ast::binary{op, std::move(lhs), std::move(rhs)});
}

void builder::prefix(ast::unary_op op, std::uint32_t begin) {
    ast::expr_ptr operand = pop();
    const span where{m_file, begin, operand->where.end};
    push(where, ast::unary{op, std::move(operand)});
}

void builder::select(std::string field, span field_where) {
    ast::expr_ptr operand = pop();
    const span where = operand->where.to(field_where);
    push(where, ast::select{std::move(operand), std::move(field), field_where});
}

void builder::index(std::uint32_t end) {
    ast::expr_ptr subscript = pop();
    ast::expr_ptr operand = pop();
    const span where{m_file, operand->where.begin, end};
    push(where, ast::index{std::move(operand), std::move(subscript)});
}

void builder::parenthesized(span where) {
    assert(!m_frames.empty() && m_operands.size() == m_frames.back().height + 1);
    m_frames.pop_back();
    m_operands.back()->where = where;  // the parentheses belong to the expression they enclose
}

void builder::open_frame(std::string name, span name_where, span opened) {
    m_frames.push_back({m_operands.size(), std::move(name), name_where, opened});
}

std::vector<ast::expr_ptr> builder::pop_frame(frame& opened) {
    assert(!m_frames.empty());
    opened = std::move(m_frames.back());
    m_frames.pop_back();
    std::vector<ast::expr_ptr> items(m_operands.size() - opened.height);
    for (auto item = items.rbegin(); item != items.rend(); ++item) *item = pop();
    return items;
}

void builder::close_list(span where) {
    frame opened;
    push(where, ast::list{pop_frame(opened)});
}

void builder::close_call(span where) {
    frame opened;
    std::vector<ast::expr_ptr> args = pop_frame(opened);
    push(where, ast::call{std::move(opened.name), opened.name_where, std::move(args)});
}

void builder::close_quantifier(ast::quantifier_kind kind, span where) {
    frame opened;
    std::vector<ast::expr_ptr> parts = pop_frame(opened);  // the range, then the body if any
    assert(parts.size() == 1 || parts.size() == 2);
    ast::expr_ptr body = parts.size() > 1 ? std::move(parts[1]) : nullptr;
    push(where, ast::quantifier{kind, std::move(opened.name), opened.name_where, std::move(parts[0]), std::move(body)});
}

// ---------------------------------------------------------------------------------- items

void builder::push_name(std::string name, span where) { m_names.push_back({std::move(name), where}); }

ast::word_item builder::pop_name() {
    assert(!m_names.empty());
    ast::word_item item = std::move(m_names.back());
    m_names.pop_back();
    return item;
}

void builder::import_declaration() {
    m_module.imports.push_back({pop_string(), std::nullopt, std::nullopt});
}

void builder::definition(span where) {
    ast::word_item name = pop_name();
    ast::definition d{std::move(name.value), name.where, take(), where};
    (m_policy ? m_policy->definitions : m_module.definitions).push_back(std::move(d));
}

void builder::open_policy() {
    m_policy.emplace();
    m_policy->name = m_last_string.value;
    m_policy->name_where = m_last_string.where;
}

void builder::close_policy(span where) {
    assert(m_policy);
    m_policy->where = where;
    m_module.policies.push_back(std::move(*m_policy));
    m_policy.reset();
}

void builder::open_rule(std::string name, span name_where) {
    m_rule.emplace();
    m_rule->name = std::move(name);
    m_rule->name_where = name_where;
}

void builder::close_rule(span where) {
    assert(m_policy && m_rule);
    m_rule->where = where;
    m_policy->rules.push_back(std::move(*m_rule));
    m_rule.reset();
}

std::string builder::owner() const {
    if (m_rule) return "rule `" + m_rule->name + "`";
    if (m_policy) return "policy `" + m_policy->name + "`";
    return "this file";
}

template <typename T>
void builder::set_once(std::optional<T>& slot, T value, std::string_view setting, span where) {
    if (!slot) {
        slot = std::move(value);
        return;
    }
    diagnostic d = make_diagnostic(code::syntax_duplicate_setting, where,
                                   "duplicate `" + std::string(setting) + "` in " + owner(),
                                   "a " + owner().substr(0, owner().find(' ')) + " takes one `" + std::string(setting) +
                                       "`; the first one is kept");
    d.notes.push_back({"the first `" + std::string(setting) + "` is here", slot->where});
    report(std::move(d));
}

void builder::policy_setting(std::optional<ast::string_item> ast::policy::*slot, std::string_view setting,
                             span where) {
    assert(m_policy);
    set_once((*m_policy).*slot, pop_string(), setting, where);
}

void builder::description(span where) {
    ast::string_item value = pop_string();
    if (m_rule) {
        set_once(m_rule->description, std::move(value), "description", where);
    } else {
        assert(m_policy);
        set_once(m_policy->description, std::move(value), "description", where);
    }
}

void builder::reference() {
    ast::string_item value = pop_string();
    if (m_rule) {
        m_rule->references.push_back(std::move(value));
    } else {
        assert(m_policy);
        m_policy->references.push_back(std::move(value));
    }
}

void builder::effective_bound(bool until) {
    if (!m_effective) m_effective.emplace();
    (until ? m_effective->until : m_effective->from) = pop_string();
}

void builder::effective(span where) {
    assert(m_policy && m_effective);
    m_effective->where = where;
    set_once(m_policy->effective, std::move(*m_effective), "effective", where);
    m_effective.reset();
}

void builder::severity(span where) {
    assert(m_rule);
    set_once(m_rule->severity, pop_name(), "severity", where);
}

void builder::tags() {
    assert(m_rule);
    // The strings of this item are the only ones on the stack: every item takes what it pushed.
    std::move(m_strings.begin(), m_strings.end(), std::back_inserter(m_rule->tags));
    m_strings.clear();
}

void builder::clause(ast::clause_kind kind, std::uint32_t keyword_begin) {
    assert(m_rule);
    m_rule->clauses.push_back({kind, take(), word_at(keyword_begin)});
}

void builder::message(span where) {
    assert(m_rule && m_message);
    set_once(m_rule->message, std::move(*m_message), "message", where);
    m_message.reset();
}

void builder::remedy_kind(std::string kind, span where) { m_remedies.push_back({std::move(kind), where, std::nullopt}); }

void builder::remedy_argument() {
    assert(!m_remedies.empty());
    m_remedies.back().argument = m_last_string;
}

void builder::remedies() {
    assert(m_rule);
    std::move(m_remedies.begin(), m_remedies.end(), std::back_inserter(m_rule->remedies));
    m_remedies.clear();
}

void builder::then_count(std::string_view digits, span where) {
    // The grammar allows digits only; a count too large for 32 bits is clamped (the checker bounds it).
    std::uint64_t value = 0;
    for (char c : digits) {
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
        if (value > 0xFFFFFFFFull) {
            value = 0xFFFFFFFFull;
            break;
        }
    }
    m_then.emplace();
    m_then->turns = static_cast<std::uint32_t>(value);
    m_then->turns_where = where;
}

void builder::then_filter() {
    assert(m_then);
    m_then->filter = take();
}

void builder::then_obligation(ast::clause_kind kind) {
    assert(m_then);
    m_then->kind = kind;
    m_then->condition = take();
}

void builder::then_setting(span where) {
    assert(m_rule && m_then);
    m_then->where = where;
    set_once(m_rule->then, std::move(*m_then), "then", where);
    m_then.reset();
}

// ------------------------------------------------------------------- errors and recovery

std::uint32_t builder::skip_trivia(std::uint32_t at) const { return scan::skip_trivia(m_text, at); }

span builder::token_at(std::uint32_t at) const { return scan::token_at(m_text, m_file, at); }

span builder::after_previous_token(std::uint32_t at) const {
    const std::uint32_t next = skip_trivia(at);
    const std::uint32_t after = scan::after_previous_token(m_text, next);
    return after == next ? token_at(next) : span{m_file, after, after};
}

span builder::escape_at(std::uint32_t backslash) const {
    const auto size = static_cast<std::uint32_t>(m_text.size());
    std::uint32_t end = backslash + 1;
    if (end < size && m_text[end] != '\n' && m_text[end] != '\r') {
        if (m_text[end] == 'u') {
            ++end;
            for (int i = 0; i < 4 && end < size && is_word_char(m_text[end]); ++i) ++end;
        } else {
            ++end;
            while (end < size && is_continuation(m_text[end])) ++end;
        }
    }
    return {m_file, backslash, end};
}

const error_info& builder::reported_as(const error_info& error) const {
    // `message "{"`: the quote that was to close the message opened a string in the placeholder.
    const bool quoted_in_placeholder = m_in_placeholder && m_in_string && m_text[m_string_open.begin] != '\\';
    return error.value == code::syntax_unterminated_string && quoted_in_placeholder ? unclosed_placeholder : error;
}

void builder::raise(const error_info& raised, std::uint32_t at, std::string_view op, std::uint32_t end) {
    const error_info& error = reported_as(raised);
    span where;
    switch (error.at) {
        case anchor::token: where = token_at(skip_trivia(at)); break;
        case anchor::string_open: where = m_string_open; break;
        case anchor::template_open: where = m_template_open; break;
        case anchor::escape: where = escape_at(m_escape_at); break;
        case anchor::byte: where = token_at(at); break;
        case anchor::placeholder: where = m_placeholder_open; break;
        case anchor::matched:
            where = {m_file, at, std::max(at, end)};
            break;
        case anchor::after:
            where = after_previous_token(at);
            break;
    }

    const std::string_view message_pattern = error.message;
    std::string message(message_pattern);
    substitute(message, "{op}", op);
    substitute(message, "{text}", m_sources.text(where));
    if (where.end > where.begin) substitute(message, "{code}", code_point_name(m_text[where.begin]));
    if (m_rule) substitute(message, "{rule}", m_rule->name);
    if (m_policy) substitute(message, "{policy}", m_policy->name);

    // Inside a `{...}` placeholder every mistake is a mistake in the message template.
    const code value = m_in_placeholder && error.value == code::syntax_expected ? code::syntax_invalid_template : error.value;
    std::string help = error.help ? error.help : "";
    substitute(help, "{op}", op);
    diagnostic d = make_diagnostic(value, where, std::move(message), std::move(help));
    if (error.suggest) {
        const std::string_view found = m_sources.text(where);
        if (!found.empty() && is_word_char(found.front())) {
            if (auto match = closest_match(found, words(error.suggest))) d.help = "did you mean `" + *match + "`?";
        }
    }
    if (m_rule && message_pattern.find("{rule}") != std::string_view::npos) {
        d.notes.push_back({"rule `" + m_rule->name + "` starts here", m_rule->name_where});
    }
    if (m_policy && message_pattern.find("{policy}") != std::string_view::npos) {
        d.notes.push_back({"policy `" + m_policy->name + "` starts here", m_policy->name_where});
    }
    if (error.opened && !m_frames.empty() && m_frames.back().opened.end > m_frames.back().opened.begin) {
        d.notes.push_back({error.opened, m_frames.back().opened});
    }
    report(std::move(d));

    // Inside a string, recovery starts at its opening quote so the string is skipped whole.
    const std::uint32_t resume = m_in_template ? m_template_open.begin : m_in_string ? m_string_open.begin : where.begin;
    throw syntax_error(resume);
}

void builder::report(diagnostic d) {
    const bool seen = std::any_of(m_diagnostics.begin(), m_diagnostics.end(), [&](const diagnostic& other) {
        return other.where.file == d.where.file && other.where.begin == d.where.begin;
    });
    if (!seen) m_diagnostics.push_back(std::move(d));
}

checkpoint builder::save() const {
    return {m_operands.size(), m_frames.size(), m_names.size(), m_strings.size(), m_remedies.size(),
            m_policy.has_value(), m_rule.has_value()};
}

void builder::restore(const checkpoint& saved) {
    m_operands.resize(saved.operands);
    m_heights.resize(saved.operands);
    m_children_height = 0;
    m_frames.resize(saved.frames);
    m_names.resize(saved.names);
    m_strings.resize(saved.strings);
    m_remedies.resize(saved.remedies);
    if (!saved.policy_open) m_policy.reset();
    if (!saved.rule_open) m_rule.reset();
    if (saved.rule_open && m_rule) m_rule->has_syntax_errors = true;  // an item of the rule failed
    m_effective.reset();
    m_then.reset();
    m_message.reset();
    m_parts.clear();
    m_buffer.clear();
    m_in_string = false;
    m_in_template = false;
    m_in_placeholder = false;
}

ast::expr_ptr builder::take_expression() { return m_operands.size() == 1 ? take() : nullptr; }

}  // namespace vigil::grammar
