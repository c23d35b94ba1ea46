// meaning_hash: a hash of what a compiled set was compiled from, or of what one parsed file (a
// policy file or a test file) says, whatever its layout. The syntax trees are written out member
// by member, without their places (spans) and node ids, so that comments, blank space and line
// breaks, which leave no other trace in them, change nothing. A reload (`vigil serve`) and
// `vigil fmt`'s promise to change layout only are both judged by this one writer.
//
// Every struct is taken apart with a structured binding and every variant with an overloaded
// visitor: a member or an alternative added to the AST fails to compile here until this file
// writes it (or says why it need not), since a member left out would let a reload that changes
// it go unnoticed.

#include <bit>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "compile.hpp"
#include "vigil/ast.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/meaning.hpp"
#include "vigil/sha256.hpp"
#include "vigil/test_file.hpp"

namespace vigil {

namespace {

// Writes values into a hash so that two different sequences never write the same bytes: every
// text and list is preceded by its length, every alternative and optional by a tag.
class canonical_writer {
public:
    void number(std::uint64_t n) {
        char bytes[8];
        for (char& b : bytes) {
            b = static_cast<char>(n & 0xff);
            n >>= 8;
        }
        m_hash.update(std::string_view(bytes, sizeof bytes));
    }
    void real(double d) { number(std::bit_cast<std::uint64_t>(d)); }
    void text(std::string_view s) {
        number(s.size());
        m_hash.update(s);
    }

    template <typename T, typename Write>
    void optional(const std::optional<T>& value, Write write) {
        number(value.has_value());
        if (value) write(*value);
    }
    template <typename T, typename Write>
    void list(const std::vector<T>& values, Write write) {
        number(values.size());
        for (const T& v : values) write(v);
    }

    [[nodiscard]] std::string digest() { return "sha256:" + m_hash.hex(); }

private:
    sha256 m_hash;
};

class tree_writer {
public:
    explicit tree_writer(canonical_writer& out) : m_out(out) {}

    void module(const ast::module& m) {
        m_out.number(m.file);
        module_contents(m);
    }

    // What the file says, not which file of a set it is.
    void module_contents(const ast::module& m) {
        [[maybe_unused]] const auto& [file, imports, definitions, policies] = m;
        m_out.list(imports, [&](const ast::import_decl& i) { import(i); });
        m_out.list(definitions, [&](const ast::definition& d) { definition(d); });
        m_out.list(policies, [&](const ast::policy& p) { policy(p); });
    }

private:
    void import(const ast::import_decl& i) {
        const auto& [path, resolved, closes_cycle_to] = i;
        string_item(path);
        m_out.optional(resolved, [&](file_id f) { m_out.number(f); });
        m_out.optional(closes_cycle_to, [&](file_id f) { m_out.number(f); });
    }

    void string_item(const ast::string_item& s) {
        [[maybe_unused]] const auto& [value, where] = s;
        m_out.text(value);
    }

    void word_item(const ast::word_item& w) {
        [[maybe_unused]] const auto& [value, where] = w;
        m_out.text(value);
    }

    void definition(const ast::definition& d) {
        [[maybe_unused]] const auto& [name, name_where, value, where] = d;
        m_out.text(name);
        expr(value);
    }

    void policy(const ast::policy& p) {
        [[maybe_unused]] const auto& [name, name_where, where, version, owner, description, schema, schema_key,
                                      effective, references, definitions, rules] = p;
        m_out.text(name);
        for (const auto* item : {&version, &owner, &description, &schema})
            m_out.optional(*item, [&](const ast::string_item& s) { string_item(s); });
        m_out.text(schema_key);
        m_out.optional(effective, [&](const ast::effective_period& e) { period(e); });
        m_out.list(references, [&](const ast::string_item& s) { string_item(s); });
        m_out.list(definitions, [&](const ast::definition& d) { definition(d); });
        m_out.list(rules, [&](const ast::rule& r) { rule(r); });
    }

    void period(const ast::effective_period& e) {
        [[maybe_unused]] const auto& [from, until, where] = e;
        for (const auto* bound : {&from, &until})
            m_out.optional(*bound, [&](const ast::string_item& s) { string_item(s); });
    }

    // has_syntax_errors is false in every set that compiled.
    void rule(const ast::rule& r) {
        [[maybe_unused]] const auto& [name, name_where, where, severity, description, tags, references, clauses, then,
                                      message, remedies, has_syntax_errors] = r;
        m_out.text(name);
        m_out.optional(severity, [&](const ast::word_item& w) { word_item(w); });
        m_out.optional(description, [&](const ast::string_item& s) { string_item(s); });
        m_out.list(tags, [&](const ast::string_item& s) { string_item(s); });
        m_out.list(references, [&](const ast::string_item& s) { string_item(s); });
        m_out.list(clauses, [&](const ast::clause& c) { clause(c); });
        m_out.optional(then, [&](const ast::deferred& d) { deferred(d); });
        m_out.optional(message, [&](const ast::message_template& t) { message_template(t); });
        m_out.list(remedies, [&](const ast::remedy& x) { remedy(x); });
    }

    void clause(const ast::clause& c) {
        [[maybe_unused]] const auto& [kind, condition, where] = c;
        m_out.number(static_cast<std::uint64_t>(kind));
        expr(condition);
    }

    void deferred(const ast::deferred& d) {
        [[maybe_unused]] const auto& [turns, turns_where, filter, kind, condition, where] = d;
        m_out.number(turns);
        expr(filter);
        m_out.number(static_cast<std::uint64_t>(kind));
        expr(condition);
    }

    void message_template(const ast::message_template& t) {
        [[maybe_unused]] const auto& [parts, where] = t;
        m_out.list(parts, [&](const ast::template_part& part) {
            const auto& [text, value] = part;
            m_out.text(text);
            expr(value);
        });
    }

    void remedy(const ast::remedy& r) {
        [[maybe_unused]] const auto& [kind, kind_where, argument] = r;
        m_out.text(kind);
        m_out.optional(argument, [&](const ast::string_item& s) { string_item(s); });
    }

    // A null expression (an absent filter, a count without a body) is written as such.
    void expr(const ast::expr_ptr& e) {
        m_out.number(e != nullptr);
        if (!e) return;
        [[maybe_unused]] const auto& [id, where, kind] = *e;
        m_out.number(kind.index());
        std::visit(ast::overloaded{
                       [&](const ast::literal& x) { literal(x); },
                       [&](const ast::ident& x) { m_out.text(x.name); },
                       [&](const ast::select& x) {
                           [[maybe_unused]] const auto& [operand, field, field_where] = x;
                           expr(operand);
                           m_out.text(field);
                       },
                       [&](const ast::index& x) {
                           const auto& [operand, subscript] = x;
                           expr(operand);
                           expr(subscript);
                       },
                       [&](const ast::list& x) { m_out.list(x.items, [&](const ast::expr_ptr& item) { expr(item); }); },
                       [&](const ast::unary& x) {
                           const auto& [op, operand] = x;
                           m_out.number(static_cast<std::uint64_t>(op));
                           expr(operand);
                       },
                       [&](const ast::binary& x) {
                           const auto& [op, lhs, rhs] = x;
                           m_out.number(static_cast<std::uint64_t>(op));
                           expr(lhs);
                           expr(rhs);
                       },
                       [&](const ast::call& x) {
                           [[maybe_unused]] const auto& [function, function_where, args] = x;
                           m_out.text(function);
                           m_out.list(args, [&](const ast::expr_ptr& arg) { expr(arg); });
                       },
                       [&](const ast::quantifier& x) {
                           [[maybe_unused]] const auto& [kind_, variable, variable_where, range, body] = x;
                           m_out.number(static_cast<std::uint64_t>(kind_));
                           m_out.text(variable);
                           expr(range);
                           expr(body);
                       },
                   },
                   kind);
    }

    void literal(const ast::literal& x) {
        m_out.number(x.value.index());
        std::visit(ast::overloaded{
                       [](std::monostate) {},
                       [&](bool b) { m_out.number(b); },
                       [&](double d) { m_out.real(d); },
                       [&](const std::string& s) { m_out.text(s); },
                   },
                   x.value);
    }

    canonical_writer& m_out;
};

// A test file, as test_file.hpp holds it. A JSON object is written as its value (nlohmann::json's
// dump: keys sorted, numbers as parsed, `1` and `1.0` apart), which the text of the object decides.
class test_file_writer {
public:
    explicit test_file_writer(canonical_writer& out) : m_out(out) {}

    void file(const test_file& f) {
        [[maybe_unused]] const auto& [file, policies, policy_where, start, defaults, cases] = f;
        m_out.list(policies, [&](const ast::string_item& s) { m_out.text(s.value); });
        m_out.optional(start, [&](const ast::string_item& s) { m_out.text(s.value); });
        m_out.optional(defaults, [&](const test_json& j) { json(j); });
        m_out.list(cases, [&](const test_case& c) { test(c); });
    }

private:
    void json(const test_json& j) {
        [[maybe_unused]] const auto& [value, where] = j;
        m_out.text(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }

    void test(const test_case& c) {
        [[maybe_unused]] const auto& [name, name_where, where, defaults, turns, expectations, incomplete] = c;
        m_out.text(name);
        m_out.optional(defaults, [&](const test_json& j) { json(j); });
        m_out.list(turns, [&](const test_turn& t) {
            [[maybe_unused]] const auto& [record, keyword, object] = t;
            m_out.number(record);
            json(object);
        });
        m_out.list(expectations, [&](const expectation& e) { expect(e); });
        m_out.number(incomplete);
    }

    void expect(const expectation& e) {
        [[maybe_unused]] const auto& [kind, target, rules, message, decision, where] = e;
        m_out.number(static_cast<std::uint64_t>(kind));
        [[maybe_unused]] const auto& [target_kind, number, target_where] = target;
        m_out.number(static_cast<std::uint64_t>(target_kind));
        m_out.number(number);
        m_out.list(rules, [&](const ast::word_item& w) { m_out.text(w.value); });
        m_out.optional(message, [&](const test_message& m) {
            [[maybe_unused]] const auto& [text, message_where] = m;
            m_out.text(text);
        });
        m_out.number(static_cast<std::uint64_t>(decision));
    }

    canonical_writer& m_out;
};

}  // namespace

std::string meaning_hash(const compiled_set& set) {
    canonical_writer out;
    // A later way of writing the trees must not meet this one's hashes.
    out.text("vigil meaning 1");
    tree_writer trees(out);
    out.list(set.checked.modules, [&](const ast::module& m) { trees.module(m); });
    out.number(set.checked.schemas.size());
    for (const auto& [key, schema] : set.checked.schemas) {
        out.text(key);
        out.text(schema.dump());
    }
    out.list(set.carried_fields, [&](const std::string& path) { out.text(path); });
    return out.digest();
}

std::string meaning_hash(const ast::module& module) {
    canonical_writer out;
    out.text("vigil module meaning 1");
    tree_writer(out).module_contents(module);
    return out.digest();
}

std::string meaning_hash(const test_file& file) {
    canonical_writer out;
    out.text("vigil test file meaning 1");
    test_file_writer(out).file(file);
    return out.digest();
}

}  // namespace vigil
