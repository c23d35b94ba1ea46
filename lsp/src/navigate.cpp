#include "navigate.hpp"

#include <functional>

namespace vigil::lsp {

namespace {

using name_visitor = std::function<void(const ast::expr&)>;

bool holds(const span& where, std::uint32_t offset) {
    return where.begin <= offset && offset <= where.end;
}

void visit_names(const ast::expr* e, const name_visitor& visit) {
    if (e == nullptr) return;
    std::visit(ast::overloaded{
                   [](const ast::literal&) {},
                   [&](const ast::ident&) { visit(*e); },
                   [&](const ast::select& s) { visit_names(s.operand.get(), visit); },
                   [&](const ast::index& i) {
                       visit_names(i.operand.get(), visit);
                       visit_names(i.subscript.get(), visit);
                   },
                   [&](const ast::list& l) {
                       for (const auto& item : l.items) visit_names(item.get(), visit);
                   },
                   [&](const ast::unary& u) { visit_names(u.operand.get(), visit); },
                   [&](const ast::binary& b) {
                       visit_names(b.lhs.get(), visit);
                       visit_names(b.rhs.get(), visit);
                   },
                   [&](const ast::call& c) {
                       for (const auto& arg : c.args) visit_names(arg.get(), visit);
                   },
                   [&](const ast::quantifier& q) {
                       visit_names(q.range.get(), visit);
                       visit_names(q.body.get(), visit);
                   },
               },
               e->kind);
}

void visit_names(const std::vector<ast::definition>& definitions, const name_visitor& visit) {
    for (const auto& d : definitions) visit_names(d.value.get(), visit);
}

void visit_names(const ast::rule& r, const name_visitor& visit) {
    for (const auto& c : r.clauses) visit_names(c.condition.get(), visit);
    if (r.then) {
        visit_names(r.then->filter.get(), visit);
        visit_names(r.then->condition.get(), visit);
    }
    if (r.message) {
        for (const auto& part : r.message->parts) visit_names(part.value.get(), visit);
    }
}

// Every name of `m`, in the order written.
void visit_names(const ast::module& m, const name_visitor& visit) {
    visit_names(m.definitions, visit);
    for (const auto& p : m.policies) {
        visit_names(p.definitions, visit);
        for (const auto& r : p.rules) visit_names(r, visit);
    }
}

}  // namespace

const ast::expr* name_at(const ast::module& m, std::uint32_t offset) {
    // Names are leaves of the tree: at most one holds a byte, or two that touch at the cursor
    // (`a+b` with the cursor after `a`), of which the first is the one just typed.
    const ast::expr* found = nullptr;
    visit_names(m, [&](const ast::expr& name) {
        if (found == nullptr && holds(name.where, offset)) found = &name;
    });
    return found;
}

const ast::import_decl* import_at(const ast::module& m, std::uint32_t offset) {
    for (const auto& i : m.imports) {
        if (holds(i.path.where, offset)) return &i;
    }
    return nullptr;
}

const ast::module* module_named(const checked_set& set, const std::string& name) {
    for (const auto& m : set.modules) {
        if (set.sources->file(m.file).name == name) return &m;
    }
    return nullptr;
}

meaning meaning_of(const checked_set& set, const ast::expr& name) {
    const auto it = set.bindings.find(name.id);
    if (it == set.bindings.end()) return {};
    return {it->second.definition, it->second.quantifier};
}

const ast::definition* definition_named_at(const ast::module& m, std::uint32_t offset) {
    for (const auto& d : m.definitions) {
        if (holds(d.name_where, offset)) return &d;
    }
    for (const auto& p : m.policies) {
        for (const auto& d : p.definitions) {
            if (holds(d.name_where, offset)) return &d;
        }
    }
    return nullptr;
}

std::vector<span> uses_of(const checked_set& set, const ast::definition& definition) {
    std::vector<span> out;
    for (const auto& m : set.modules) {
        visit_names(m, [&](const ast::expr& name) {
            if (meaning_of(set, name).definition == &definition) out.push_back(name.where);
        });
    }
    return out;
}

}  // namespace vigil::lsp
