#pragma once
// What a parsed policy file says, as a hash: two texts that differ only in layout and comments
// hash the same. (meaning_hash() of a compiled set, in evaluate.hpp, is the same writer over every
// file of a set; `vigil serve` compares it on a reload.)

#include <string>

#include "vigil/ast.hpp"

namespace vigil {

/// A hash of what one parsed file says: its syntax tree without spans, node ids and the file's id,
/// so that two texts that differ only in layout and comments hash the same, and two that say
/// different things do not. For modules as parse() returns them (the loader's resolutions of
/// imports and schemas are hashed too, and are empty then).
[[nodiscard]] std::string meaning_hash(const ast::module& module);

}  // namespace vigil
