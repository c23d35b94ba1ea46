#pragma once
// The static checker: names, types, schemas, lints. It takes parsed modules (never text) and
// produces a checked_set: the same modules plus side tables keyed by node id.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/ast.hpp"
#include "vigil/diagnostic.hpp"

namespace vigil {

/// The static type of an expression. `any` is a value whose type is only known at run time
/// (a record field without a schema); it is compatible with everything.
struct type {
    enum class kind : std::uint8_t { any, null, boolean, number, string, list, object };
    kind k = kind::any;
    std::shared_ptr<const type> element;  // for lists, when known

    static type any() { return {}; }
    static type of(kind k) { return {k, nullptr}; }
    static type list_of(type element) { return {kind::list, std::make_shared<const type>(std::move(element))}; }
};

/// Name of a type kind as shown in messages: "text", "number", "condition", "list", ...
[[nodiscard]] std::string type_name(const type& t);

/// What an identifier refers to.
struct binding {
    enum class kind : std::uint8_t { record_field, definition, variable };
    kind k = kind::record_field;
    const ast::definition* definition = nullptr;  // for kind::definition
    const ast::quantifier* quantifier = nullptr;  // for kind::variable: the quantifier that binds it
};

/// The built-in functions: name, argument count. The checker and the compiler share this list.
struct function_info {
    std::string_view name;
    std::size_t arity;
    std::string_view summary;
};
[[nodiscard]] const std::vector<function_info>& builtin_functions();

/// Limits of the conversation functions and deferred obligations, enforced by the checker so the
/// state a conversation keeps stays small: `count_last(n, c)` and `then within n turns` take n from
/// 1 to max_window_turns; `count_within(d, c)` takes a duration of at most max_window_seconds and
/// remembers at most max_window_entries turns (see docs/language.md, Conversations).
inline constexpr std::uint32_t max_window_turns = 1000;
inline constexpr double max_window_seconds = 366.0 * 86400.0;
inline constexpr std::uint32_t max_window_entries = 1024;

/// The remedy kinds the language knows; `notify` and `custom` take a string argument.
[[nodiscard]] const std::vector<std::string>& remedy_kinds();
/// Severity words in increasing order: info, low, medium, high, critical.
[[nodiscard]] const std::vector<std::string>& severity_levels();

/// A record schema file a policy declares, as the loader read it.
struct schema_file {
    std::string path;  // as shown in diagnostics: beside the policy that names it
    std::string text;  // its bytes
};

/// A checked policy set. It owns the modules; the side tables point into them, so it is never
/// copied, only moved.
struct checked_set {
    std::shared_ptr<const source_map> sources;
    std::vector<ast::module> modules;
    std::unordered_map<ast::node_id, binding> bindings;  // every ident expression
    std::unordered_map<ast::node_id, type> types;        // every expression
    std::map<std::string, nlohmann::json> schemas;
    std::vector<schema_file> schema_files;  // each once, in the order first declared
    /// "sha256:<hex>" of every policy file's text, in load order, then of every schema file's:
    /// a schema decides which values rules may take (language.md, "Values the schema does not
    /// allow"), so it is part of what judges.
    std::string hash;

    checked_set() = default;
    checked_set(checked_set&&) = default;
    checked_set& operator=(checked_set&&) = default;
    checked_set(const checked_set&) = delete;
    checked_set& operator=(const checked_set&) = delete;
};

/// Everything read for a policy set, before checking: every file once (given files first, in
/// order, then the files they import), and the record schemas the policies declare. Built by
/// the loader in grammar/.
struct loaded_set {
    std::shared_ptr<source_map> sources = std::make_shared<source_map>();
    std::vector<ast::module> modules;
    std::map<std::string, nlohmann::json> schemas;  // keyed by ast::policy::schema_key
    std::vector<schema_file> schema_files;          // the texts of `schemas`, in the order first declared
    ast::node_id next_id = 1;
    /// Every file was read and parsed. When one was not, the set is judged file by file only: its
    /// error says what is wrong, and an empty set is no news.
    bool complete = true;
};

/// Checks everything and returns all errors and warnings of the run, sorted by position.
/// The value is present only when there are no errors.
[[nodiscard]] result<checked_set> check(loaded_set&& loaded);

/// A record field that a declared schema lists, for tools (the language server's completion).
struct schema_field {
    std::string path;         // `signals.distress`
    std::string type;         // as messages name it: "number", "text", "list", ...; "any" where unsaid
    std::string description;  // the schema's `description`, when it has one
};

/// Every field path the set's record schemas list, shallow ones first, each once.
[[nodiscard]] std::vector<schema_field> schema_fields(const checked_set& set);

/// Checks as check() does, for tools that look names up in a file being edited (the language
/// server): the set comes back even when there are errors, with every name the checker could
/// bind, and the errors and warnings go to `diagnostics`. A set with errors is never compiled.
[[nodiscard]] checked_set check_for_tools(loaded_set&& loaded, std::vector<diagnostic>& diagnostics);

}  // namespace vigil
