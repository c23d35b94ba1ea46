// The loader: reads the given files and directories, follows imports (each file once, by its
// canonical path), reports import cycles, and reads the record schemas that policies declare.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/parse.hpp"

namespace vigil {

namespace {

namespace fs = std::filesystem;

std::string canonical_key(const fs::path& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    if (ec) canonical = fs::absolute(path, ec).lexically_normal();
    return canonical.string();
}

// `relative` as seen from the file named `from` (a display name), lexically normalized.
fs::path beside(const std::string& from, const std::string& relative) {
    return (fs::path(from).parent_path() / relative).lexically_normal();
}

class loader {
public:
    explicit loader(loaded_set& set) : m_set(set) {}

    void input(const policy_input& given) {
        if (given.text) {
            add(given.name, *given.text);
            return;
        }
        std::error_code ec;
        if (fs::is_directory(given.name, ec)) {
            directory(given.name);
        } else {
            file(given.name, std::nullopt);
        }
    }

    // Follows the imports of every module, including modules added while doing so.
    void follow_imports() {
        for (std::size_t i = 0; i < m_set.modules.size(); ++i) {
            const std::string from = m_set.sources->file(m_set.modules[i].file).name;
            for (std::size_t k = 0; k < m_set.modules[i].imports.size(); ++k) {
                // Reading another file appends to modules, so index again after each step.
                const ast::string_item path = m_set.modules[i].imports[k].path;
                const fs::path target = beside(from, path.value);
                std::error_code ec;
                if (!fs::is_regular_file(target, ec)) {
                    not_importable(path, target);
                    continue;
                }
                const std::optional<file_id> id = file(target.generic_string(), path.where);
                m_set.modules[i].imports[k].resolved = id;
            }
        }
    }

    // Reports every import that closes a cycle and unresolves it, so following `resolved`
    // imports always ends; `closes_cycle_to` keeps where it led.
    void break_cycles() {
        std::map<file_id, std::size_t> module_of;
        for (std::size_t i = 0; i < m_set.modules.size(); ++i) module_of[m_set.modules[i].file] = i;
        std::vector<int> state(m_set.modules.size(), 0);  // 0 unseen, 1 on the path, 2 done
        std::vector<std::size_t> path;
        for (std::size_t i = 0; i < m_set.modules.size(); ++i) {
            if (state[i] == 0) visit(i, module_of, state, path);
        }
    }

    void load_schemas() {
        for (auto& module : m_set.modules) {
            const std::string from = m_set.sources->file(module.file).name;
            for (auto& policy : module.policies) {
                if (policy.schema) schema(from, policy);
            }
        }
    }

    std::vector<diagnostic> take_diagnostics() { return std::move(m_diagnostics); }

private:
    void directory(const std::string& root) {
        std::vector<fs::path> found;
        std::error_code ec;
        for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
             !ec && it != end; it.increment(ec)) {
            std::error_code type_ec;
            if (it->path().extension() == ".vigil" && it->is_regular_file(type_ec)) found.push_back(it->path());
        }
        if (ec) {
            unreadable(root, ec.message(), std::nullopt);
            return;
        }
        // A wrong directory would otherwise be an empty policy set that allows every record.
        if (found.empty()) {
            unreadable(root, "the directory holds no policy file (*.vigil)", std::nullopt);
            return;
        }
        std::sort(found.begin(), found.end());
        for (const auto& path : found) file(path.string(), std::nullopt);
    }

    // Reads and parses one file unless it was loaded already; returns its file id. `site` is the
    // import that names it, where a failure to read it is reported.
    std::optional<file_id> file(const std::string& name, std::optional<span> site) {
        const std::string key = canonical_key(name);
        if (const auto it = m_loaded.find(key); it != m_loaded.end()) return it->second;
        std::string error;
        std::optional<std::string> text = read_whole_file(name, error);
        if (!text) {
            unreadable(name, error, site);
            return std::nullopt;
        }
        const file_id id = add(name, std::move(*text));
        m_loaded.emplace(key, id);
        return id;
    }

    file_id add(const std::string& name, std::string text) {
        const file_id id = m_set.sources->add(name, std::move(text));
        result<ast::module> parsed = parse(*m_set.sources, id, m_set.next_id);
        m_diagnostics.insert(m_diagnostics.end(), std::make_move_iterator(parsed.diagnostics.begin()),
                             std::make_move_iterator(parsed.diagnostics.end()));
        if (parsed.value) m_set.modules.push_back(std::move(*parsed.value));
        return id;
    }

    // An import of `target`, which is not a file.
    void not_importable(const ast::string_item& path, const fs::path& target) {
        std::error_code ec;
        const std::string shown = "`" + target.generic_string() + "`";
        if (const std::string kind(not_a_file_kind(fs::status(target, ec).type())); !kind.empty()) {
            m_diagnostics.push_back(make_diagnostic(code::import_not_found, path.where,
                                                    "imported `" + path.value + "` is " + kind + ", not a policy file",
                                                    shown + " is " + kind + "; an import names one policy file"));
            return;
        }
        m_diagnostics.push_back(make_diagnostic(code::import_not_found, path.where,
                                                "cannot find imported file `" + path.value + "`",
                                                "looked for " + shown));
    }

    // What a path that exists but is not a regular file is, in words; empty otherwise (and for a
    // path that does not exist). Reading a named pipe would wait for a writer that may never come.
    static std::string_view not_a_file_kind(fs::file_type type) {
        switch (type) {
            case fs::file_type::directory:
                return "a directory";
            case fs::file_type::fifo:
                return "a named pipe (FIFO)";
            case fs::file_type::socket:
                return "a socket";
            case fs::file_type::block:
            case fs::file_type::character:
                return "a device";
            default:
                return {};
        }
    }

    void unreadable(const std::string& name, const std::string& reason, std::optional<span> site) {
        const std::string message = "cannot read `" + name + "`: " + reason;
        // A file given directly has no place in any text to point at: it gets an empty one.
        const span where = site ? *site : span{m_set.sources->add(name, ""), 0, 0};
        m_diagnostics.push_back(make_diagnostic(code::file_unreadable, where, message));
    }

    void visit(std::size_t i, const std::map<file_id, std::size_t>& module_of, std::vector<int>& state,
               std::vector<std::size_t>& path) {
        state[i] = 1;
        path.push_back(i);
        for (auto& import : m_set.modules[i].imports) {
            if (!import.resolved) continue;
            const auto target = module_of.find(*import.resolved);
            if (target == module_of.end()) continue;
            const std::size_t j = target->second;
            if (state[j] == 1) {
                cycle(import, path, j);
                import.closes_cycle_to = import.resolved;
                import.resolved.reset();
            } else if (state[j] == 0) {
                visit(j, module_of, state, path);
            }
        }
        path.pop_back();
        state[i] = 2;
    }

    void cycle(const ast::import_decl& import, const std::vector<std::size_t>& path, std::size_t back_to) {
        auto name = [&](std::size_t i) { return "`" + m_set.sources->file(m_set.modules[i].file).name + "`"; };
        std::string chain;
        const auto start = std::find(path.begin(), path.end(), back_to);
        for (auto it = start; it != path.end(); ++it) chain += name(*it) + " → ";
        chain += name(back_to);
        diagnostic d = make_diagnostic(code::import_cycle, import.path.where,
                                       "importing `" + import.path.value + "` closes an import cycle",
                                       "move the shared definitions into a file that both can import");
        d.notes.push_back({"the cycle is " + chain, std::nullopt});
        m_diagnostics.push_back(std::move(d));
    }

    void schema(const std::string& from, ast::policy& policy) {
        const ast::string_item& declared = *policy.schema;
        const fs::path path = beside(from, declared.value);
        const std::string shown = path.generic_string();
        const std::string key = canonical_key(path);
        if (m_set.schemas.count(key)) {
            policy.schema_key = key;
            return;
        }
        auto invalid = [&](std::string message, std::optional<std::string> detail) {
            diagnostic d = make_diagnostic(code::schema_invalid, declared.where, std::move(message));
            if (detail) d.notes.push_back({std::move(*detail), std::nullopt});
            m_diagnostics.push_back(std::move(d));
        };
        // A device or a pipe (`schema "/dev/zero"`) would be read until memory ran out, as an import
        // of one is refused: a schema is a file.
        std::error_code ec;
        if (const std::string kind(not_a_file_kind(fs::status(path, ec).type())); !kind.empty()) {
            invalid("cannot read schema `" + shown + "`: it is " + kind + ", not a file", std::nullopt);
            return;
        }
        std::string error;
        std::optional<std::string> text = read_whole_file(path.string(), error);
        if (!text) {
            invalid("cannot read schema `" + shown + "`: " + error, std::nullopt);
            return;
        }
        nlohmann::json document;
        try {
            document = nlohmann::json::parse(*text);
        } catch (const nlohmann::json::parse_error& e) {
            std::string detail = e.what();
            if (const auto close = detail.find("] "); close != std::string::npos) detail.erase(0, close + 2);
            invalid("schema `" + shown + "` is not valid JSON", detail);
            return;
        }
        if (!document.is_object()) {
            invalid("schema `" + shown + "` is not a JSON object", "a JSON Schema is an object such as {\"type\": \"object\"}");
            return;
        }
        m_set.schemas.emplace(key, std::move(document));
        m_set.schema_files.push_back({shown, std::move(*text)});
        policy.schema_key = key;
    }

    loaded_set& m_set;
    std::vector<diagnostic> m_diagnostics;
    std::map<std::string, file_id> m_loaded;  // canonical path -> file
};

}  // namespace

result<loaded_set> load(const std::vector<policy_input>& inputs) {
    loaded_set set;
    loader reader(set);
    for (const auto& given : inputs) reader.input(given);
    reader.follow_imports();
    reader.break_cycles();
    reader.load_schemas();
    result<loaded_set> out;
    out.diagnostics = reader.take_diagnostics();
    sort_diagnostics(out.diagnostics);
    set.complete = !has_errors(out.diagnostics);
    out.value = std::move(set);
    return out;
}

}  // namespace vigil
