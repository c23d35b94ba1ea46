#pragma once
// Text to AST. This is the only module that includes PEGTL.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/ast.hpp"
#include "vigil/check.hpp"
#include "vigil/diagnostic.hpp"

namespace vigil {

/// Parses the text of one file already in `sources`. Node ids are taken from `next_id`, which is
/// advanced, so ids stay unique across all files of a load. On a syntax error the parser
/// recovers at the next item boundary (`rule`, `let`, `policy`, `import`, a rule setting, or a
/// closing brace) and reports every independent mistake; the module holds what did parse.
[[nodiscard]] result<ast::module> parse(const source_map& sources, file_id file, ast::node_id& next_id);

/// Parses a single expression (the whole text must be one expression); used by tests and tools.
[[nodiscard]] result<ast::expr_ptr> parse_expression(const source_map& sources, file_id file,
                                                     ast::node_id& next_id);

/// Where an item stands: in a file, in a policy's block or in a rule's.
enum class item_level : std::uint8_t { file, policy, rule };

/// The words that start an item at `level`, as the grammar reads them: `import`, `let`, `policy`
/// in a file; `version` ... `rule` in a policy; `severity` ... `then` in a rule.
[[nodiscard]] std::span<const std::string_view> item_words(item_level level);

/// The reserved words of expressions that are operators: `and`, `or`, `not`, `in`, ... `count`
/// (`true`, `false` and `null` are values).
[[nodiscard]] std::span<const std::string_view> operator_words();

/// A file given on the command line (or through the API): a path, or a name plus text.
struct policy_input {
    std::string name;                  // the path, or a display name such as `<request>`
    std::optional<std::string> text;   // when set, `name` is not read from disk
};

/// Reads and parses the given files, every `.vigil` file under given directories (sorted), and
/// every file they import (relative to the importing file; each file is loaded once, by its
/// canonical path). Reports unreadable files (V0501), imports that do not resolve (V0502) and
/// import cycles (V0503), and reads each declared schema (V0402 when unreadable or not JSON).
[[nodiscard]] result<loaded_set> load(const std::vector<policy_input>& inputs);

}  // namespace vigil
