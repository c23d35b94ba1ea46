#include "navigate.hpp"

namespace vigil::lsp {

namespace {

bool holds(const span& where, std::uint32_t offset) {
    return where.begin <= offset && offset <= where.end;
}

const ast::expr* name_in(const ast::expr* e, std::uint32_t offset);

const ast::expr* first_name_in(std::initializer_list<const ast::expr*> exprs, std::uint32_t offset) {
    for (const ast::expr* e : exprs) {
        if (const ast::expr* found = name_in(e, offset)) return found;
    }
    return nullptr;
}

const ast::expr* name_in(const ast::expr* e, std::uint32_t offset) {
    if (e == nullptr || !holds(e->where, offset)) return nullptr;
    return std::visit(ast::overloaded{
                          [&](const ast::literal&) -> const ast::expr* { return nullptr; },
                          [&](const ast::ident&) -> const ast::expr* { return e; },
                          [&](const ast::select& s) { return name_in(s.operand.get(), offset); },
                          [&](const ast::index& i) {
                              return first_name_in({i.operand.get(), i.subscript.get()}, offset);
                          },
                          [&](const ast::list& l) -> const ast::expr* {
                              for (const auto& item : l.items) {
                                  if (const ast::expr* found = name_in(item.get(), offset)) return found;
                              }
                              return nullptr;
                          },
                          [&](const ast::unary& u) { return name_in(u.operand.get(), offset); },
                          [&](const ast::binary& b) {
                              return first_name_in({b.lhs.get(), b.rhs.get()}, offset);
                          },
                          [&](const ast::call& c) -> const ast::expr* {
                              for (const auto& arg : c.args) {
                                  if (const ast::expr* found = name_in(arg.get(), offset)) return found;
                              }
                              return nullptr;
                          },
                          [&](const ast::quantifier& q) {
                              return first_name_in({q.range.get(), q.body.get()}, offset);
                          },
                      },
                      e->kind);
}

const ast::expr* name_in_definitions(const std::vector<ast::definition>& definitions, std::uint32_t offset) {
    for (const auto& d : definitions) {
        if (const ast::expr* found = name_in(d.value.get(), offset)) return found;
    }
    return nullptr;
}

const ast::expr* name_in_rule(const ast::rule& r, std::uint32_t offset) {
    if (!holds(r.where, offset)) return nullptr;
    for (const auto& c : r.clauses) {
        if (const ast::expr* found = name_in(c.condition.get(), offset)) return found;
    }
    if (r.then) {
        if (const ast::expr* found = first_name_in({r.then->filter.get(), r.then->condition.get()}, offset)) {
            return found;
        }
    }
    if (r.message) {
        for (const auto& part : r.message->parts) {
            if (const ast::expr* found = name_in(part.value.get(), offset)) return found;
        }
    }
    return nullptr;
}

}  // namespace

const ast::expr* name_at(const ast::module& m, std::uint32_t offset) {
    if (const ast::expr* found = name_in_definitions(m.definitions, offset)) return found;
    for (const auto& p : m.policies) {
        if (!holds(p.where, offset)) continue;
        if (const ast::expr* found = name_in_definitions(p.definitions, offset)) return found;
        for (const auto& r : p.rules) {
            if (const ast::expr* found = name_in_rule(r, offset)) return found;
        }
    }
    return nullptr;
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

}  // namespace vigil::lsp
