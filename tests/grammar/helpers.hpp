#pragma once
// Helpers for the grammar tests: parse a text, print an expression as an s-expression so a test
// can state the shape it expects, and describe diagnostics by the text they underline.

#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "vigil/ast.hpp"
#include "vigil/diagnostic.hpp"
#include "vigil/parse.hpp"

namespace grammar_test {

/// A text parsed as a whole file, with the source map its spans point into.
struct parsed_file {
    vigil::source_map sources;
    vigil::ast::node_id next_id = 1;
    vigil::result<vigil::ast::module> result;

    [[nodiscard]] const vigil::ast::module& module() const { return *result.value; }
    [[nodiscard]] std::string_view text(const vigil::span& where) const { return sources.text(where); }
};

inline std::unique_ptr<parsed_file> parse_file(std::string text, std::string name = "<test>") {
    auto out = std::make_unique<parsed_file>();
    const vigil::file_id id = out->sources.add(std::move(name), std::move(text));
    out->result = vigil::parse(out->sources, id, out->next_id);
    BOOST_REQUIRE(out->result.value.has_value());
    return out;
}

/// A text parsed as one expression.
struct parsed_expression {
    vigil::source_map sources;
    vigil::ast::node_id next_id = 1;
    vigil::result<vigil::ast::expr_ptr> result;
};

inline std::unique_ptr<parsed_expression> parse_expr(std::string text) {
    auto out = std::make_unique<parsed_expression>();
    const vigil::file_id id = out->sources.add("<expr>", std::move(text));
    out->result = vigil::parse_expression(out->sources, id, out->next_id);
    return out;
}

inline std::string quote(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

inline std::string op_name(vigil::ast::binary_op op) {
    using vigil::ast::binary_op;
    switch (op) {
        case binary_op::or_: return "or";
        case binary_op::and_: return "and";
        case binary_op::eq: return "==";
        case binary_op::ne: return "!=";
        case binary_op::lt: return "<";
        case binary_op::le: return "<=";
        case binary_op::gt: return ">";
        case binary_op::ge: return ">=";
        case binary_op::in: return "in";
        case binary_op::not_in: return "not_in";
        case binary_op::add: return "+";
        case binary_op::sub: return "-";
        case binary_op::mul: return "*";
        case binary_op::div: return "/";
        case binary_op::mod: return "%";
        case binary_op::contains: return "contains";
        case binary_op::starts_with: return "starts_with";
        case binary_op::ends_with: return "ends_with";
        case binary_op::matches: return "matches";
        case binary_op::default_: return "default";
    }
    return "?";
}

/// The expression as an s-expression: operators as `(op lhs rhs)`, paths as `a.b[0]`, calls as
/// `f(x, y)`, lists as `[x, y]`, quantifiers as `(any x range body)`.
inline std::string show(const vigil::ast::expr& e) {
    namespace ast = vigil::ast;
    struct printer {
        std::string operator()(const ast::literal& l) const {
            if (std::holds_alternative<std::monostate>(l.value)) return "null";
            if (const bool* b = std::get_if<bool>(&l.value)) return *b ? "true" : "false";
            if (const double* d = std::get_if<double>(&l.value)) {
                char buffer[32];
                std::snprintf(buffer, sizeof buffer, "%g", *d);
                return buffer;
            }
            return quote(std::get<std::string>(l.value));
        }
        std::string operator()(const ast::ident& i) const { return i.name; }
        std::string operator()(const ast::select& s) const { return show(*s.operand) + "." + s.field; }
        std::string operator()(const ast::index& i) const { return show(*i.operand) + "[" + show(*i.subscript) + "]"; }
        std::string operator()(const ast::list& l) const {
            std::string out = "[";
            for (std::size_t k = 0; k < l.items.size(); ++k) out += (k ? ", " : "") + show(*l.items[k]);
            return out + "]";
        }
        std::string operator()(const ast::unary& u) const {
            return std::string(u.op == ast::unary_op::not_ ? "(not " : "(- ") + show(*u.operand) + ")";
        }
        std::string operator()(const ast::binary& b) const {
            return "(" + op_name(b.op) + " " + show(*b.lhs) + " " + show(*b.rhs) + ")";
        }
        std::string operator()(const ast::call& c) const {
            std::string out = c.function + "(";
            for (std::size_t k = 0; k < c.args.size(); ++k) out += (k ? ", " : "") + show(*c.args[k]);
            return out + ")";
        }
        std::string operator()(const ast::quantifier& q) const {
            static const char* const names[] = {"any", "all", "none", "count"};
            std::string out = std::string("(") + names[static_cast<int>(q.kind)] + " " + q.variable + " " + show(*q.range);
            if (q.body) out += " " + show(*q.body);
            return out + ")";
        }
    };
    return std::visit(printer{}, e.kind);
}

/// One line per diagnostic: `V0101 `underlined text` message`.
inline std::vector<std::string> problems(const std::vector<vigil::diagnostic>& diagnostics,
                                         const vigil::source_map& sources) {
    std::vector<std::string> out;
    for (const auto& d : diagnostics) {
        out.push_back(std::string(vigil::info(d.value).id) + " `" + std::string(sources.text(d.where)) + "` " + d.message);
    }
    return out;
}

/// The expression's shape, or its diagnostics when it does not parse.
inline std::string shape(const std::string& text) {
    auto parsed = parse_expr(text);
    if (!parsed->result.value) {
        std::string out = "error:";
        for (const auto& p : problems(parsed->result.diagnostics, parsed->sources)) out += " " + p;
        return out;
    }
    BOOST_TEST(parsed->result.diagnostics.empty(), "diagnostics for " << text);
    return show(**parsed->result.value);
}

/// The diagnostics of an expression, as `problems` describes them.
inline std::vector<std::string> expression_problems(const std::string& text) {
    auto parsed = parse_expr(text);
    return problems(parsed->result.diagnostics, parsed->sources);
}

/// Visits every expression node under `e`, parents first.
template <typename F>
void each_node(const vigil::ast::expr& e, F&& f) {
    namespace ast = vigil::ast;
    f(e);
    std::visit(
        [&](const auto& k) {
            using K = std::decay_t<decltype(k)>;
            if constexpr (std::is_same_v<K, ast::select>) each_node(*k.operand, f);
            if constexpr (std::is_same_v<K, ast::index>) {
                each_node(*k.operand, f);
                each_node(*k.subscript, f);
            }
            if constexpr (std::is_same_v<K, ast::list>)
                for (const auto& item : k.items) each_node(*item, f);
            if constexpr (std::is_same_v<K, ast::unary>) each_node(*k.operand, f);
            if constexpr (std::is_same_v<K, ast::binary>) {
                each_node(*k.lhs, f);
                each_node(*k.rhs, f);
            }
            if constexpr (std::is_same_v<K, ast::call>)
                for (const auto& arg : k.args) each_node(*arg, f);
            if constexpr (std::is_same_v<K, ast::quantifier>) {
                each_node(*k.range, f);
                if (k.body) each_node(*k.body, f);
            }
        },
        e.kind);
}

}  // namespace grammar_test
