// Which record fields the policies' schemas allow, for a field named outside every rule (`vigil
// replay --group-by`), which the checker never sees. A schema is read as the checker reads it
// (schema_view): a field is unknown only where an object lists its properties and forbids
// others, or where the path goes on from a value of another type.

#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compile.hpp"
#include "schema.hpp"
#include "vigil/evaluate.hpp"

namespace vigil {

namespace {

using json = nlohmann::json;

// record_schema_fields() lists shallow fields first and stops at these: a schema whose `$ref`s
// nest objects without end (a thread of replies) has field paths without end.
constexpr std::size_t max_listed_fields = 10000;
constexpr std::size_t max_listed_depth = 32;

// A value typed as text, number, list... has no fields below it (as the checker types it).
bool typed_other_than_object(const schema_view& schema, const json* node) {
    const type t = schema.type_of(node);
    return t.k != type::kind::object && t.k != type::kind::any;
}

// Whether the schema allows the record field `path`, as record_schemas_allow() says.
bool schema_allows(const schema_view& schema, std::string_view path) {
    const json* node = schema.root();
    for (std::size_t start = 0; start <= path.size();) {
        const std::size_t dot = std::min(path.find('.', start), path.size());
        const std::string step(path.substr(start, dot - start));
        start = dot + 1;
        node = schema.resolve(node);
        // A schema it cannot read (a `$ref` to another file) says nothing, as for the checker.
        if (node == nullptr || !node->is_object()) return true;
        if (typed_other_than_object(schema, node)) return false;
        bool known = true;
        std::vector<std::string> siblings;
        node = schema.field(node, step, known, siblings);
        if (!known) return false;          // the object lists its fields and forbids others
        if (node == nullptr) return true;  // any field goes here
    }
    return true;
}

// The field paths `root` lists, level by level, up to max_listed_fields, each with its schema.
std::vector<std::pair<std::string, const json*>> listed_fields(const schema_view& schema) {
    std::vector<std::pair<std::string, const json*>> out;
    struct pending {
        const json* node;
        std::string path;
        std::size_t depth;
    };
    std::deque<pending> todo{{schema.root(), "", 0}};
    while (!todo.empty() && out.size() < max_listed_fields) {
        pending next = std::move(todo.front());
        todo.pop_front();
        const json* node = schema.resolve(next.node);
        if (next.depth == max_listed_depth || node == nullptr || !node->is_object() ||
            typed_other_than_object(schema, node))
            continue;
        const auto properties = node->find("properties");
        if (properties == node->end() || !properties->is_object()) continue;
        for (auto field = properties->begin(); field != properties->end() && out.size() < max_listed_fields; ++field) {
            std::string path = next.path.empty() ? field.key() : next.path + "." + field.key();
            if (!is_field_path(path)) continue;  // no caller can name it
            out.emplace_back(path, &field.value());
            todo.push_back({&field.value(), std::move(path), next.depth + 1});
        }
    }
    return out;
}

}  // namespace

bool record_schemas_allow(const compiled_set& set, std::string_view path) {
    const auto& schemas = set.checked.schemas;
    return schemas.empty() || std::any_of(schemas.begin(), schemas.end(), [&](const auto& declared) {
               return schema_allows(schema_view(&declared.second), path);
           });
}

std::vector<std::string> record_schema_fields(const compiled_set& set) {
    std::vector<std::string> out;
    for (const auto& [key, schema] : set.checked.schemas) {
        for (auto& [path, node] : listed_fields(schema_view(&schema))) out.push_back(std::move(path));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<schema_field> schema_fields(const checked_set& set) {
    std::vector<schema_field> out;
    std::set<std::string> listed;
    for (const auto& [key, schema] : set.schemas) {
        const schema_view view(&schema);
        for (auto& [path, node] : listed_fields(view)) {
            if (!listed.insert(path).second) continue;
            const json* resolved = view.resolve(node);
            std::string description;
            if (resolved != nullptr && resolved->is_object()) {
                const auto it = resolved->find("description");
                if (it != resolved->end() && it->is_string()) description = it->get<std::string>();
            }
            out.push_back({std::move(path), type_name(view.type_of(resolved)), std::move(description)});
        }
    }
    return out;
}

}  // namespace vigil
