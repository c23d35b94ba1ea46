#pragma once
// What a parsed policy file or test file says, as a hash: two texts that differ only in layout and
// comments hash the same. (meaning_hash() of a compiled set, in evaluate.hpp, is the same writer
// over every file of a set; `vigil serve` compares it on a reload.)

#include <string>

#include "vigil/ast.hpp"

namespace vigil {

struct test_file;

/// A hash of what one parsed file says: its syntax tree without spans, node ids and the file's id,
/// so that two texts that differ only in layout and comments hash the same, and two that say
/// different things do not. For modules as parse() returns them (the loader's resolutions of
/// imports and schemas are hashed too, and are empty then).
[[nodiscard]] std::string meaning_hash(const ast::module& module);

/// A hash of what one parsed test file says: its settings, then its cases in order with their
/// names, records (each JSON object as its value) and expectations, without spans and the file's
/// id. `vigil fmt` checks with it that its layout of a test file says what the file says.
[[nodiscard]] std::string meaning_hash(const test_file& file);

}  // namespace vigil
