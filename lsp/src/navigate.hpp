#pragma once
// What a place in a policy file names: the definition a name stands for, the variable of a
// quantifier, the file an import reads. For "go to definition" and hover.

#include <cstdint>
#include <optional>
#include <vector>

#include "vigil/ast.hpp"
#include "vigil/check.hpp"

namespace vigil::lsp {

/// The innermost name (an `ident` expression) of `m` whose text holds byte `offset` (its end
/// included, where an editor's cursor stands after typing it), or null.
[[nodiscard]] const ast::expr* name_at(const ast::module& m, std::uint32_t offset);

/// The import of `m` whose path holds byte `offset`, or null.
[[nodiscard]] const ast::import_decl* import_at(const ast::module& m, std::uint32_t offset);

/// The module of `set` read from the file named `name`, or null.
[[nodiscard]] const ast::module* module_named(const checked_set& set, const std::string& name);

/// Where `name` gets its meaning: the definition it stands for (`let`), or the quantifier that
/// binds it (`any t in ...`); nothing for a record field or a name the checker could not bind.
struct meaning {
    const ast::definition* definition = nullptr;
    const ast::quantifier* quantifier = nullptr;
};
[[nodiscard]] meaning meaning_of(const checked_set& set, const ast::expr& name);

/// The definition of `m` whose own name (after `let`) holds byte `offset`, or null.
[[nodiscard]] const ast::definition* definition_named_at(const ast::module& m, std::uint32_t offset);

/// Every name of the set's files that stands for `definition`, file by file in load order, each in
/// the order written: the uses a rename would change.
[[nodiscard]] std::vector<span> uses_of(const checked_set& set, const ast::definition& definition);

}  // namespace vigil::lsp
