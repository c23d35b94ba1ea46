// Entry points of the parser: run the grammar of rules.hpp with the actions of actions.hpp and
// the error control of errors.hpp over one file of a source map.

#include <tao/pegtl.hpp>

#include "actions.hpp"
#include "errors.hpp"
#include "rules.hpp"
#include "utf8.hpp"
#include "vigil/parse.hpp"

namespace vigil {

namespace {

// Runs `Grammar` over the whole file; false when it failed (the builder then holds the reason).
template <typename Grammar>
bool run(const source_map& sources, file_id file, grammar::builder& state) {
    const source_file& source = sources.file(file);
    if (!utf8_or_reported(source, file, state)) return false;
    tao::pegtl::memory_input<tao::pegtl::tracking_mode::lazy> in(source.text.data(), source.text.size(), source.name);
    try {
        return tao::pegtl::parse<Grammar, grammar::action, grammar::control>(in, state);
    } catch (const grammar::syntax_error&) {
        return false;  // already reported: only items recover, so a raise outside them ends the parse
    }
}

// A failed parse always says why: should the grammar ever fail without reporting, this says so.
std::vector<diagnostic> ensure_reported(bool ok, std::vector<diagnostic> diagnostics, const source_map& sources,
                                        file_id file) {
    if (!ok && !has_errors(diagnostics)) {
        diagnostics.push_back(make_diagnostic(code::syntax_expected, {file, 0, 0},
                                              "cannot parse `" + sources.file(file).name + "`"));
    }
    sort_diagnostics(diagnostics);
    return diagnostics;
}

// A policy file that starts like a JSON object or array is most likely a log or a record given
// to `--policy` by mistake: its first error says so.
void hint_at_json(const source_map& sources, file_id file, std::vector<diagnostic>& diagnostics) {
    const std::string& text = sources.file(file).text;
    const std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || (text[first] != '{' && text[first] != '[')) return;
    for (diagnostic& d : diagnostics) {
        if (d.level != severity::error || d.where.begin != first || !d.help.empty()) continue;
        d.help = "`" + sources.file(file).name +
                 "` looks like JSON data, not a policy: was it given as a policy by mistake?";
        return;
    }
}

}  // namespace

std::span<const std::string_view> item_words(item_level level) {
    // rules.hpp's file_item, policy_item and rule_item.
    static constexpr std::string_view file_items[] = {"import", "let", "policy"};
    static constexpr std::string_view policy_items[] = {"version", "owner",     "description", "reference",
                                                        "schema",  "effective", "let",         "rule"};
    static constexpr std::string_view rule_items[] = {"severity", "description", "tags",   "reference",
                                                      "when",     "require",     "forbid", "unless",
                                                      "message",  "remedy",      "then"};
    switch (level) {
        case item_level::file:
            return file_items;
        case item_level::policy:
            return policy_items;
        case item_level::rule:
            return rule_items;
    }
    return {};
}

std::span<const std::string_view> operator_words() {
    static constexpr std::string_view words[] = {"and",  "or",      "not",     "in",  "contains", "starts", "ends",
                                                 "with", "matches", "default", "any", "all",      "none",   "count"};
    return words;
}

result<ast::module> parse(const source_map& sources, file_id file, ast::node_id& next_id) {
    grammar::builder state(sources, file, next_id);
    const bool ok = run<grammar::rules::file>(sources, file, state);
    result<ast::module> out;
    out.value = state.take_module();
    out.diagnostics = ensure_reported(ok, state.take_diagnostics(), sources, file);
    if (has_errors(out.diagnostics)) hint_at_json(sources, file, out.diagnostics);
    return out;
}

result<ast::expr_ptr> parse_expression(const source_map& sources, file_id file, ast::node_id& next_id) {
    grammar::builder state(sources, file, next_id);
    const bool ok = run<grammar::rules::whole_expression>(sources, file, state);
    result<ast::expr_ptr> out;
    if (ok) {
        if (ast::expr_ptr e = state.take_expression()) out.value = std::move(e);
    }
    out.diagnostics = ensure_reported(out.value.has_value(), state.take_diagnostics(), sources, file);
    return out;
}

}  // namespace vigil
