// The language server's session: the documents the editor has open, and the answers to its
// messages. It works on one thread, in the order the messages come: an editor waits for the
// diagnostics of what it sent, and checking a policy file or running its cases takes milliseconds.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framing.hpp"
#include "navigate.hpp"
#include "positions.hpp"
#include "uri.hpp"
#include "vigil/check.hpp"
#include "vigil/format.hpp"
#include "vigil/json_fault.hpp"
#include "vigil/lsp.hpp"
#include "vigil/parse.hpp"
#include "vigil/policytest.hpp"
#include "vigil/service.hpp"
#include "vigil/test_parse.hpp"

namespace vigil::lsp {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// JSON-RPC's error codes, and LSP's.
constexpr int parse_error = -32700;
constexpr int invalid_request = -32600;
constexpr int method_not_found = -32601;
constexpr int invalid_params = -32602;
constexpr int internal_error = -32603;
constexpr int server_not_initialized = -32002;
constexpr int request_failed = -32803;

// LSP's DiagnosticSeverity and DiagnosticTag.
constexpr int severity_error = 1;
constexpr int severity_warning = 2;
constexpr int severity_information = 3;
constexpr int tag_unnecessary = 1;

// LSP's SymbolKind.
constexpr int symbol_module = 2;
constexpr int symbol_function = 12;
constexpr int symbol_variable = 13;

// LSP's CompletionItemKind.
constexpr int item_function = 3;
constexpr int item_field = 5;
constexpr int item_variable = 6;
constexpr int item_value = 12;
constexpr int item_keyword = 14;

// A request that cannot be answered: its error answer.
struct failure {
    int code;
    std::string message;
};

enum class file_kind : std::uint8_t { policy, tests };

class document {
public:
    document(std::string uri, std::string text) : m_uri(std::move(uri)), m_path(path_of_uri(m_uri)) {
        set_text(std::move(text));
    }

    [[nodiscard]] const std::string& uri() const { return m_uri; }
    /// The path of a `file:` URI.
    [[nodiscard]] const std::optional<std::string>& path() const { return m_path; }
    /// The path, or the URI for a document that has none.
    [[nodiscard]] std::string name() const { return m_path ? *m_path : m_uri; }
    [[nodiscard]] file_kind kind() const {
        return fs::path(name()).extension() == ".tests" ? file_kind::tests : file_kind::policy;
    }
    /// The text, with its line starts: what places in it are counted against.
    [[nodiscard]] const source_file& file() const { return m_lines.file(m_id); }
    /// The text alone in a source_map, for the parsers.
    [[nodiscard]] const source_map& sources() const { return m_lines; }
    [[nodiscard]] file_id id() const { return m_id; }
    [[nodiscard]] const std::string& text() const { return file().text; }
    void set_text(std::string text) {
        m_lines = source_map();
        m_id = m_lines.add(name(), std::move(text));
    }

    json version;  // as the editor numbers it

private:
    std::string m_uri;
    std::optional<std::string> m_path;
    source_map m_lines;
    file_id m_id = 0;
};

// The member `key` of `object`, of the type `is` accepts; `where` names the object in the error.
template <typename Is>
const json& member(const json& object, const char* key, Is is, const std::string& where, const char* expected) {
    if (!object.is_object()) throw failure{invalid_params, "`" + where + "` must be an object"};
    const auto it = object.find(key);
    if (it == object.end() || !is(*it)) {
        throw failure{invalid_params, "`" + where + "." + key + "` must be " + expected};
    }
    return *it;
}

const json& object_member(const json& object, const char* key, const std::string& where) {
    return member(
        object, key, [](const json& j) { return j.is_object(); }, where, "an object");
}

std::string string_member(const json& object, const char* key, const std::string& where) {
    return member(
               object, key, [](const json& j) { return j.is_string(); }, where, "a string")
        .get<std::string>();
}

// The path a file is known by, for comparing: two names of one file compare equal.
std::string same_file_key(const std::string& path) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(fs::absolute(path, ec), ec);
    return ec ? fs::path(path).lexically_normal().string() : canonical.string();
}

int lsp_severity(severity s) {
    switch (s) {
        case severity::error:
            return severity_error;
        case severity::warning:
            return severity_warning;
        case severity::note:
            return severity_information;
    }
    return severity_error;
}

// "did you mean `x`?": the `x` of a help that proposes a replacement.
std::optional<std::string> proposed_word(std::string_view message) {
    constexpr std::string_view ask = "did you mean `";
    const auto at = message.rfind(ask);
    if (at == std::string_view::npos) return std::nullopt;
    const auto end = message.find("`?", at + ask.size());
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(message.substr(at + ask.size(), end - at - ask.size()));
}

bool is_word_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

class session {
public:
    session(std::ostream& out, std::ostream& log) : m_out(out), m_log(log) {}

    // Handles one message; false once the client has said `exit`.
    bool handle(const std::string& body) {
        json message;
        try {
            message = json::parse(body);
        } catch (const json::parse_error&) {
            const auto fault = locate_json_fault(body, "not JSON");
            m_log << "vigil lsp: a message is not JSON: " << fault.message << '\n';
            answer_error(nullptr, parse_error, "the message is not JSON: " + fault.message);
            return true;
        }
        if (!message.is_object()) {
            answer_error(nullptr, invalid_request, "a message must be a JSON object");
            return true;
        }
        const auto method = message.find("method");
        const auto id = message.find("id");
        if (method == message.end()) {
            // An answer to a request of ours: this server sends none.
            if (id == message.end()) answer_error(nullptr, invalid_request, "a message needs a `method` or an `id`");
            return true;
        }
        if (!method->is_string()) {
            answer_error(id == message.end() ? json() : *id, invalid_request, "`method` must be a string");
            return true;
        }
        const auto params = message.find("params");
        const json no_params = json::object();
        const json& given = params == message.end() ? no_params : *params;
        if (id == message.end()) {
            notified(method->get<std::string>(), given);
        } else {
            requested(*id, method->get<std::string>(), given);
        }
        return !m_exited;
    }

    [[nodiscard]] int exit_code() const { return m_shut_down ? 0 : 1; }

private:
    std::ostream& m_out;
    std::ostream& m_log;
    bool m_initialized = false;
    bool m_shut_down = false;
    bool m_exited = false;
    encoding m_encoding = encoding::utf16;
    std::map<std::string, document> m_documents;  // by URI
    // The URIs other than its own that a document's check published diagnostics for (the files
    // it imports), so that they are cleared when they no longer have any.
    std::map<std::string, std::set<std::string>> m_published_for;

    // ---- messages ----------------------------------------------------------------------------

    void send(json message) {
        message["jsonrpc"] = "2.0";
        write_message(m_out, message);
    }
    void answer(const json& id, json result) { send({{"id", id}, {"result", std::move(result)}}); }
    void answer_error(const json& id, int code, const std::string& message) {
        send({{"id", id}, {"error", {{"code", code}, {"message", message}}}});
    }
    void notify(const char* method, json params) { send({{"method", method}, {"params", std::move(params)}}); }

    void requested(const json& id, const std::string& method, const json& params) {
        if (!m_initialized && method != "initialize") {
            answer_error(id, server_not_initialized, "the server is not initialized: send `initialize` first");
            return;
        }
        if (m_shut_down) {
            answer_error(id, invalid_request, "the server is shut down: only `exit` is taken now");
            return;
        }
        try {
            answer(id, result_of(method, params));
        } catch (const failure& f) {
            if (f.code != request_failed) m_log << "vigil lsp: " << method << ": " << f.message << '\n';
            answer_error(id, f.code, f.message);
        } catch (const std::exception& e) {
            // A bug, such as the layout changing what a file says: said, not hidden.
            m_log << "vigil lsp: " << method << " failed: " << e.what() << '\n';
            answer_error(id, internal_error, std::string("vigil failed: ") + e.what());
        }
    }

    json result_of(const std::string& method, const json& params) {
        if (method == "initialize") return initialize(params);
        if (method == "shutdown") {
            m_shut_down = true;
            return nullptr;
        }
        if (method == "textDocument/formatting") return formatting(params);
        if (method == "textDocument/hover") return hover(params);
        if (method == "textDocument/definition") return definition(params);
        if (method == "textDocument/references") return references(params);
        if (method == "textDocument/documentSymbol") return symbols(params);
        if (method == "textDocument/completion") return completion(params);
        if (method == "textDocument/codeAction") return code_actions(params);
        throw failure{method_not_found, "unknown method `" + method + "`"};
    }

    void notified(const std::string& method, const json& params) {
        if (method == "exit") {
            m_exited = true;
            return;
        }
        // Before `initialize`, and after `shutdown`, notifications are dropped, as LSP says.
        if (!m_initialized || m_shut_down) return;
        try {
            if (method == "textDocument/didOpen") {
                opened(params);
            } else if (method == "textDocument/didChange") {
                changed(params);
            } else if (method == "textDocument/didClose") {
                closed(params);
            } else if (method == "textDocument/didSave" || method == "workspace/didChangeWatchedFiles") {
                // A file on disk changed: the files that import it may read differently now.
                check_all();
            }
            // Others (`initialized`, `$/cancelRequest`, `$/setTrace`, settings) need nothing.
        } catch (const failure& f) {
            // A notification has no answer: its mistake can only be logged.
            m_log << "vigil lsp: " << method << ": " << f.message << '\n';
        } catch (const std::exception& e) {
            m_log << "vigil lsp: " << method << " failed: " << e.what() << '\n';
        }
    }

    json initialize(const json& params) {
        if (m_initialized) throw failure{invalid_request, "`initialize` was sent twice"};
        m_initialized = true;
        const json* offered = nullptr;
        if (params.is_object() && params.contains("capabilities") && params["capabilities"].is_object()) {
            const json& capabilities = params["capabilities"];
            if (capabilities.contains("general") && capabilities["general"].is_object()) {
                const json& general = capabilities["general"];
                if (general.contains("positionEncodings")) offered = &general["positionEncodings"];
            }
        }
        m_encoding = choose_encoding(offered ? *offered : json());
        return {{"capabilities",
                 {{"positionEncoding", encoding_name(m_encoding)},
                  {"textDocumentSync", {{"openClose", true}, {"change", 1}, {"save", {{"includeText", false}}}}},
                  {"documentFormattingProvider", true},
                  {"hoverProvider", true},
                  {"definitionProvider", true},
                  {"referencesProvider", true},
                  {"documentSymbolProvider", true},
                  {"completionProvider", {{"triggerCharacters", {"."}}}},
                  {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}}}},
                {"serverInfo", {{"name", "vigil"}}}};
    }

    // ---- documents -----------------------------------------------------------------------------

    document& open_document(const json& params, std::string& uri) {
        const json& text_document = object_member(params, "textDocument", "params");
        uri = string_member(text_document, "uri", "params.textDocument");
        const auto it = m_documents.find(uri);
        if (it == m_documents.end()) throw failure{invalid_params, "`" + uri + "` is not open"};
        return it->second;
    }

    void opened(const json& params) {
        const json& text_document = object_member(params, "textDocument", "params");
        const std::string uri = string_member(text_document, "uri", "params.textDocument");
        document doc(uri, string_member(text_document, "text", "params.textDocument"));
        doc.version = text_document.value("version", json());
        m_documents.insert_or_assign(uri, std::move(doc));
        check_with_neighbour(m_documents.at(uri));
    }

    void changed(const json& params) {
        std::string uri;
        document& doc = open_document(params, uri);
        const json& changes = member(
            params, "contentChanges", [](const json& j) { return j.is_array(); }, "params", "an array");
        for (const json& change : changes) {
            std::string text = string_member(change, "text", "params.contentChanges[]");
            if (!change.contains("range")) {
                doc.set_text(std::move(text));
                continue;
            }
            // The server asks for whole texts; a client that sends ranges anyway is understood.
            const auto [begin, end] = byte_range(doc, change["range"]);
            std::string edited = doc.text();
            edited.replace(begin, end - begin, text);
            doc.set_text(std::move(edited));
        }
        doc.version = params["textDocument"].value("version", json());
        check_with_neighbour(doc);
    }

    void closed(const json& params) {
        std::string uri;
        open_document(params, uri);
        m_documents.erase(uri);
        publish(uri, json::array(), json());
        for (const auto& other : m_published_for[uri]) {
            if (!m_documents.contains(other)) publish(other, json::array(), json());
        }
        m_published_for.erase(uri);
        // The files that import it read it from disk again, as it may not have been saved.
        check_all();
    }

    std::pair<std::uint32_t, std::uint32_t> byte_range(const document& doc, const json& range) const {
        position begin, end;
        if (!range.is_object() || !read_position(range.value("start", json()), begin) ||
            !read_position(range.value("end", json()), end)) {
            throw failure{invalid_params, "a range must have a `start` and an `end` position"};
        }
        const std::uint32_t from = offset_of(doc.file(), begin, m_encoding);
        const std::uint32_t to = offset_of(doc.file(), end, m_encoding);
        return {from, std::max(from, to)};
    }

    const document* open_at_path(const std::string& path) const {
        const std::string key = same_file_key(path);
        for (const auto& [uri, doc] : m_documents) {
            if (doc.path() && same_file_key(*doc.path()) == key) return &doc;
        }
        return nullptr;
    }

    // ---- diagnostics ---------------------------------------------------------------------------

    // Diagnostics by the URI of the file they are in.
    using placed = std::map<std::string, json>;

    void check_all() {
        for (auto& [uri, doc] : m_documents) check(doc);
    }

    // A policy file's cases are in the test file beside it: when one changes, both are checked.
    void check_with_neighbour(document& doc) {
        check(doc);
        if (!doc.path()) return;
        fs::path other(*doc.path());
        other.replace_extension(doc.kind() == file_kind::policy ? ".tests" : ".vigil");
        for (auto& [uri, neighbour] : m_documents) {
            if (&neighbour != &doc && neighbour.path() && fs::path(*neighbour.path()) == other) check(neighbour);
        }
    }

    void check(const document& doc) {
        placed by_uri;
        by_uri[doc.uri()] = json::array();
        if (doc.kind() == file_kind::policy) {
            check_policy(doc, by_uri);
        } else {
            check_tests(doc, by_uri);
        }
        std::set<std::string>& before = m_published_for[doc.uri()];
        for (const auto& uri : before) {
            // An open file's diagnostics are those of its own check since it was opened.
            if (!by_uri.contains(uri) && !m_documents.contains(uri)) publish(uri, json::array(), json());
        }
        before.clear();
        for (auto& [uri, diagnostics] : by_uri) {
            publish(uri, std::move(diagnostics), uri == doc.uri() ? doc.version : json());
            if (uri != doc.uri()) before.insert(uri);
        }
    }

    void publish(const std::string& uri, json diagnostics, const json& version) {
        json params{{"uri", uri}, {"diagnostics", std::move(diagnostics)}};
        if (!version.is_null()) params["version"] = version;
        notify("textDocument/publishDiagnostics", std::move(params));
    }

    void check_policy(const document& doc, placed& by_uri) {
        const policy_bundle bundle = load_policies({{doc.name(), doc.text()}});
        const bool shared = is_shared_definitions(doc);
        for (const diagnostic& d : bundle.diagnostics) {
            // A file of shared definitions is checked alone here, not with the files that import
            // it: that it has no rule, and that they use its definitions, is no news.
            if (shared && (d.value == code::empty_policy_set || d.value == code::unused_definition)) continue;
            place(d, bundle.sources.get(), doc, by_uri);
        }
    }

    // A policy file without a `policy`: definitions for others to import.
    static bool is_shared_definitions(const document& doc) {
        ast::node_id next_id = 1;
        const auto parsed = parse(doc.sources(), doc.id(), next_id);
        return parsed.value && parsed.value->policies.empty() && !parsed.value->definitions.empty();
    }

    void check_tests(const document& doc, placed& by_uri) {
        if (!doc.path()) {
            // Without a path there is no policy file beside it to run the cases with.
            check_test_syntax(doc, by_uri);
            return;
        }
        fs::path policy(*doc.path());
        policy.replace_extension(".vigil");
        std::optional<std::string> policy_text;
        if (const document* open = open_at_path(policy.string())) policy_text = open->text();
        const auto result = policytest::run_text(*doc.path(), doc.text(), {{policy.string(), policy_text}});
        for (const diagnostic& d : result.diagnostics) place(d, result.sources.get(), doc, by_uri);
        if (result.status == policytest::file_status::policy_invalid ||
            result.status == policytest::file_status::policy_unreadable) {
            by_uri[doc.uri()].push_back(policy_unusable(doc, policy.string(), result));
        }
        for (const auto& c : result.cases) {
            for (const diagnostic& d : c.warnings) place(d, result.sources.get(), doc, by_uri);
            if (!c.passed && !c.skipped) by_uri[doc.uri()].push_back(failed_case(doc, c, *result.sources));
        }
    }

    void check_test_syntax(const document& doc, placed& by_uri) {
        const source_map& sources = doc.sources();
        auto parsed = parse_test_file(sources, doc.id());
        std::vector<diagnostic> found = std::move(parsed.diagnostics);
        if (parsed.value) {
            auto more = policytest::validate(*parsed.value);
            found.insert(found.end(), more.begin(), more.end());
        }
        for (const diagnostic& d : found) place(d, &sources, doc, by_uri);
    }

    // The URI of the file a diagnostic is in: the document's, that of a file on disk, or nothing
    // for a name that is no file (a pseudo-file for what could not be read).
    std::optional<std::string> uri_of_file(const std::string& name, const document& doc) const {
        if (name == doc.name()) return doc.uri();
        std::error_code ec;
        const fs::path absolute = fs::absolute(name, ec);
        if (ec || !fs::is_regular_file(absolute, ec)) return std::nullopt;
        if (const document* open = open_at_path(absolute.string())) return open->uri();
        return uri_of_path(absolute.lexically_normal().string());
    }

    void place(const diagnostic& d, const source_map* sources, const document& doc, placed& by_uri) {
        if (sources == nullptr) {
            by_uri[doc.uri()].push_back(at_start(doc, d, d.message));
            return;
        }
        const std::string& file = sources->file(d.where.file).name;
        const auto uri = uri_of_file(file, doc);
        if (!uri) {
            by_uri[doc.uri()].push_back(at_start(doc, d, file + ": " + message_with_notes(d)));
            return;
        }
        // An open file's own check speaks for it, from its text in the editor rather than on disk.
        if (*uri != doc.uri() && m_documents.contains(*uri)) return;
        json& list = by_uri[*uri];
        if (!list.is_array()) list = json::array();
        list.push_back(lsp_diagnostic(d, *sources, doc));
    }

    json lsp_diagnostic(const diagnostic& d, const source_map& sources, const document& doc) const {
        std::string message = message_with_notes(d);
        json related = json::array();
        for (const note& n : d.notes) {
            if (!n.where) continue;
            json place = location(sources, *n.where, doc);
            if (place.is_null()) {
                message += "\nnote: " + n.message;
                continue;
            }
            related.push_back({{"location", std::move(place)}, {"message", n.message}});
        }
        json out{{"range", range_json(sources.file(d.where.file), d.where.begin, d.where.end, m_encoding)},
                 {"severity", lsp_severity(d.level)},
                 {"code", info(d.value).id},
                 {"source", "vigil"},
                 {"message", message}};
        if (!related.empty()) out["relatedInformation"] = std::move(related);
        if (d.value == code::unused_definition) out["tags"] = {tag_unnecessary};
        return out;
    }

    // A diagnostic about the document as a whole, on its first line.
    json at_start(const document& doc, const diagnostic& d, const std::string& message) const {
        return {{"range", line_range(doc, 0)},
                {"severity", lsp_severity(d.level)},
                {"code", info(d.value).id},
                {"source", "vigil"},
                {"message", message}};
    }

    // The range from byte `offset` of the document to the end of its line.
    json line_range(const document& doc, std::uint32_t offset) const {
        const std::string& text = doc.text();
        offset = std::min(offset, static_cast<std::uint32_t>(text.size()));
        auto end = static_cast<std::uint32_t>(std::min(text.find('\n', offset), text.size()));
        if (end > offset && text[end - 1] == '\r') --end;
        return range_json(doc.file(), offset, end, m_encoding);
    }

    json failed_case(const document& doc, const policytest::case_result& c, const source_map& sources) const {
        std::string message = "case `" + c.name + "` failed";
        for (const auto& difference : c.differences) message += "\n" + difference.line();
        // The case's first line, which names it.
        const std::uint32_t begin = sources.file(c.where.file).name == doc.name() ? c.where.begin : 0;
        return {{"range", line_range(doc, begin)},
                {"severity", severity_error},
                {"code", "failed-case"},
                {"source", "vigil test"},
                {"message", message}};
    }

    json policy_unusable(const document& doc, const std::string& policy, const policytest::file_result& result) const {
        std::size_t errors = 0;
        json related = json::array();
        for (const diagnostic& d : result.policy_diagnostics) {
            if (d.level != severity::error) continue;
            ++errors;
            if (!result.policy_sources) continue;
            json place = location(*result.policy_sources, d.where, doc);
            if (!place.is_null()) related.push_back({{"location", std::move(place)}, {"message", d.message}});
        }
        const bool unreadable = result.status == policytest::file_status::policy_unreadable;
        json out{{"range", line_range(doc, 0)},
                 {"severity", severity_error},
                 {"code", "policy-unusable"},
                 {"source", "vigil test"},
                 {"message", "no case ran: `" + policy + "`" +
                                 (unreadable ? " or a file it imports cannot be read"
                                             : " does not check (" + std::to_string(errors) +
                                                   (errors == 1 ? " error)" : " errors)"))}};
        if (!related.empty()) out["relatedInformation"] = std::move(related);
        return out;
    }

    // ---- requests on a document --------------------------------------------------------------

    json formatting(const json& params) {
        std::string uri;
        const document& doc = open_document(params, uri);
        const source_map& sources = doc.sources();
        const auto laid_out =
            doc.kind() == file_kind::tests ? format_test_file(sources, doc.id()) : format_policy(sources, doc.id());
        if (!laid_out.value) {
            std::string why = "the file does not parse, so it is not laid out";
            for (const diagnostic& d : laid_out.diagnostics) {
                if (d.level != severity::error) continue;
                why += ": " + sources.position(d.where) + ": " + d.message;
                break;
            }
            throw failure{request_failed, why};
        }
        if (*laid_out.value == doc.text()) return json::array();
        return json::array(
            {{{"range", range_json(doc.file(), 0, static_cast<std::uint32_t>(doc.text().size()), m_encoding)},
              {"newText", *laid_out.value}}});
    }

    // The byte of the document that `params.position` names.
    std::uint32_t offset_at(const document& doc, const json& params) const {
        position at;
        if (!read_position(params.value("position", json()), at)) {
            throw failure{invalid_params, "`params.position` must be a position"};
        }
        return offset_of(doc.file(), at, m_encoding);
    }

    json hover(const json& params) {
        std::string uri;
        const document& doc = open_document(params, uri);
        const std::uint32_t offset = offset_at(doc, params);
        if (doc.kind() != file_kind::policy) return nullptr;
        if (json about = function_hover(doc, offset); !about.is_null()) return about;
        return name_hover(doc, offset);
    }

    // A built-in function's name, followed by its `(`: what the function does.
    json function_hover(const document& doc, std::uint32_t offset) const {
        const std::string& text = doc.text();
        std::uint32_t begin = offset;
        std::uint32_t end = offset;
        while (begin > 0 && is_word_byte(text[begin - 1])) --begin;
        while (end < text.size() && is_word_byte(text[end])) ++end;
        const std::string_view word = std::string_view(text).substr(begin, end - begin);
        std::size_t after = end;
        while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
        if (word.empty() || after >= text.size() || text[after] != '(') return nullptr;
        for (const function_info& f : builtin_functions()) {
            if (f.name != word) continue;
            const std::string arguments = f.arity == 1 ? "1 argument" : std::to_string(f.arity) + " arguments";
            return markdown("`" + std::string(f.name) + "` (" + arguments + "): " + std::string(f.summary),
                            range_json(doc.file(), begin, end, m_encoding));
        }
        return nullptr;
    }

    // A name that a definition or a quantifier gives a meaning: that definition, or the variable's range.
    json name_hover(const document& doc, std::uint32_t offset) const {
        const auto a = analyse(doc);
        if (!a) return nullptr;
        const ast::expr* name = name_at(*a->module, offset);
        if (name == nullptr) return nullptr;
        const source_map& sources = *a->set.sources;
        const json range = range_json(sources.file(name->where.file), name->where.begin, name->where.end, m_encoding);
        const meaning m = meaning_of(a->set, *name);
        if (m.definition != nullptr) {
            std::string_view written = sources.text(m.definition->where);
            while (!written.empty() && std::isspace(static_cast<unsigned char>(written.back())))
                written.remove_suffix(1);
            return markdown("```vigil\n" + std::string(written) + "\n```\n" + "defined at " +
                                sources.position(m.definition->name_where),
                            range);
        }
        if (m.quantifier != nullptr && m.quantifier->range) {
            return markdown("`" + m.quantifier->variable + "`: each element of `" +
                                std::string(sources.text(m.quantifier->range->where)) + "`",
                            range);
        }
        return nullptr;
    }

    static json markdown(const std::string& text, json range) {
        return {{"contents", {{"kind", "markdown"}, {"value", text}}}, {"range", std::move(range)}};
    }

    // Where the name or import under `params.position` is defined: a definition's name, a
    // quantifier's variable, the start of an imported file. Nothing for a record field.
    json definition(const json& params) {
        const auto at = policy_place(params);
        if (!at) return nullptr;
        const checked_set& set = at->analysed.set;
        const ast::module& module = *at->analysed.module;
        if (const ast::import_decl* i = import_at(module, at->offset); i != nullptr && i->resolved) {
            return location(*set.sources, span{*i->resolved, 0, 0}, *at->doc);
        }
        const ast::expr* name = name_at(module, at->offset);
        if (name == nullptr) return nullptr;
        const meaning m = meaning_of(set, *name);
        if (m.definition != nullptr) return location(*set.sources, m.definition->name_where, *at->doc);
        if (m.quantifier != nullptr) return location(*set.sources, m.quantifier->variable_where, *at->doc);
        return nullptr;
    }

    // Every use of the definition under `params.position` (on its name after `let`, or on a use),
    // in the document and the files it imports, after its own name when the client asks for it.
    json references(const json& params) {
        const auto at = policy_place(params);
        if (!at) return nullptr;
        const checked_set& set = at->analysed.set;
        const document& doc = *at->doc;
        const ast::definition* definition = definition_named_at(*at->analysed.module, at->offset);
        if (definition == nullptr) {
            const ast::expr* name = name_at(*at->analysed.module, at->offset);
            if (name != nullptr) definition = meaning_of(set, *name).definition;
        }
        if (definition == nullptr) return nullptr;
        const json* context = params.contains("context") ? &params["context"] : nullptr;
        const bool with_declaration =
            context != nullptr && context->is_object() && context->value("includeDeclaration", false) == true;
        json out = json::array();
        if (with_declaration) out.push_back(location(*set.sources, definition->name_where, doc));
        for (const span& use : uses_of(set, *definition)) out.push_back(location(*set.sources, use, doc));
        // A place in a file the editor cannot open has no location.
        out.erase(std::remove(out.begin(), out.end(), json()), out.end());
        return out;
    }

    // The outline of a policy file: its definitions, and its policies with their definitions and
    // rules, as far as the file parses.
    json symbols(const json& params) {
        std::string uri;
        const document& doc = open_document(params, uri);
        if (doc.kind() != file_kind::policy) return json::array();
        ast::node_id next_id = 1;
        const auto parsed = parse(doc.sources(), doc.id(), next_id);
        json out = json::array();
        if (!parsed.value) return out;
        for (const auto& d : parsed.value->definitions) out.push_back(definition_symbol(doc, d));
        for (const auto& p : parsed.value->policies) {
            json children = json::array();
            for (const auto& d : p.definitions) children.push_back(definition_symbol(doc, d));
            for (const auto& r : p.rules) {
                json rule = symbol(doc, r.name, symbol_function, r.where, r.name_where);
                if (r.severity) rule["detail"] = r.severity->value;
                children.push_back(std::move(rule));
            }
            json policy = symbol(doc, p.name, symbol_module, p.where, p.name_where);
            if (p.version) policy["detail"] = "version " + p.version->value;
            policy["children"] = std::move(children);
            out.push_back(std::move(policy));
        }
        return out;
    }

    json definition_symbol(const document& doc, const ast::definition& d) const {
        return symbol(doc, d.name, symbol_variable, d.where, d.name_where);
    }

    json symbol(const document& doc, const std::string& name, int kind, span where, span name_where) const {
        // The name's range must lie inside the whole's, which an item cut short by a syntax error
        // may not keep.
        where.begin = std::min(where.begin, name_where.begin);
        where.end = std::max(where.end, name_where.end);
        return {{"name", name.empty() ? std::string("(unnamed)") : name},
                {"kind", kind},
                {"range", range_json(doc.file(), where.begin, where.end, m_encoding)},
                {"selectionRange", range_json(doc.file(), name_where.begin, name_where.end, m_encoding)}};
    }

    // What may be written at `params.position`. After `a.b.`, the fields that the record schemas
    // list below `a.b`; elsewhere the record's top-level fields, the definitions the file sees,
    // the built-in functions, the words that start items and the operators, the severities and
    // the remedies. The editor keeps those that begin with what is typed.
    json completion(const json& params) {
        std::string uri;
        const document& doc = open_document(params, uri);
        const std::uint32_t offset = offset_at(doc, params);
        json items = json::array();
        if (doc.kind() != file_kind::policy) return items;
        const std::string& text = doc.text();
        std::uint32_t begin = offset;
        while (begin > 0 && (is_word_byte(text[begin - 1]) || text[begin - 1] == '.')) --begin;
        const std::string typed = text.substr(begin, offset - begin);
        const auto a = analyse(doc);
        const std::vector<schema_field> fields = a ? schema_fields(a->set) : std::vector<schema_field>();
        if (const auto dot = typed.rfind('.'); dot != std::string::npos) {
            const std::string parent = typed.substr(0, dot + 1);
            for (const schema_field& f : fields) {
                if (f.path.starts_with(parent) && f.path.find('.', parent.size()) == std::string::npos) {
                    items.push_back(field_item(f, f.path.substr(parent.size())));
                }
            }
            return items;
        }
        for (const schema_field& f : fields) {
            if (f.path.find('.') == std::string::npos) items.push_back(field_item(f, f.path));
        }
        if (a) {
            for (const ast::definition* d : visible_definitions(a->set, *a->module, offset)) {
                items.push_back({{"label", d->name},
                                 {"kind", item_variable},
                                 {"detail", std::string(a->set.sources->text(d->where).substr(0, 80))}});
            }
        }
        for (const function_info& f : builtin_functions()) {
            items.push_back({{"label", f.name}, {"kind", item_function}, {"detail", f.summary}});
        }
        for (const auto level : {item_level::file, item_level::policy, item_level::rule}) {
            for (const std::string_view word : item_words(level)) items.push_back(word_item(word, item_keyword));
        }
        for (const std::string_view word : operator_words()) items.push_back(word_item(word, item_keyword));
        for (const std::string& word : severity_levels()) items.push_back(word_item(word, item_value));
        for (const std::string& word : remedy_kinds()) items.push_back(word_item(word, item_value));
        // `description` and `reference` start items at two levels, `let` at two.
        std::set<std::string> seen;
        items.erase(
            std::remove_if(items.begin(), items.end(),
                           [&](const json& item) { return !seen.insert(item["label"].get<std::string>()).second; }),
            items.end());
        return items;
    }

    static json field_item(const schema_field& f, const std::string& label) {
        json item{{"label", label}, {"kind", item_field}, {"detail", f.type}};
        if (!f.description.empty()) item["documentation"] = f.description;
        return item;
    }

    static json word_item(std::string_view word, int kind) { return {{"label", word}, {"kind", kind}}; }

    // The definitions a name at `offset` may stand for: those of every file of the set, and those
    // of the policy of the document that holds `offset`.
    static std::vector<const ast::definition*> visible_definitions(const checked_set& set, const ast::module& mine,
                                                                   std::uint32_t offset) {
        std::vector<const ast::definition*> out;
        for (const auto& m : set.modules) {
            for (const auto& d : m.definitions) out.push_back(&d);
        }
        for (const auto& p : mine.policies) {
            if (offset < p.where.begin || offset > p.where.end) continue;
            for (const auto& d : p.definitions) out.push_back(&d);
        }
        return out;
    }

    // `where` as an LSP location; null when its file is no file the editor can open.
    json location(const source_map& sources, const span& where, const document& doc) const {
        const auto uri = uri_of_file(sources.file(where.file).name, doc);
        if (!uri) return nullptr;
        return {{"uri", *uri}, {"range", range_json(sources.file(where.file), where.begin, where.end, m_encoding)}};
    }

    // The policy file with its imports as the checker binds them, mistakes or not.
    struct analysis {
        checked_set set;
        const ast::module* module = nullptr;  // the document's
    };

    // The policy file a request names, analysed, and the byte its `params.position` names; nothing
    // for a test file, or a file whose set cannot be loaded.
    struct place_in_policy {
        const document* doc = nullptr;
        std::uint32_t offset = 0;
        analysis analysed;
    };

    std::optional<place_in_policy> policy_place(const json& params) {
        std::string uri;
        const document& doc = open_document(params, uri);
        const std::uint32_t offset = offset_at(doc, params);
        if (doc.kind() != file_kind::policy) return std::nullopt;
        auto a = analyse(doc);
        if (!a) return std::nullopt;
        return place_in_policy{&doc, offset, std::move(*a)};
    }

    std::optional<analysis> analyse(const document& doc) const {
        auto loaded = load({{doc.name(), doc.text()}});
        if (!loaded.value) return std::nullopt;
        std::vector<diagnostic> ignored;
        std::optional<analysis> a(analysis{check_for_tools(std::move(*loaded.value), ignored), nullptr});
        a->module = module_named(a->set, doc.name());
        if (a->module == nullptr) return std::nullopt;
        return a;
    }

    // Quick fixes for the diagnostics that propose a word ("did you mean `x`?"): the word the
    // diagnostic underlines, the last of a path such as `signals.distres`, replaced by it.
    json code_actions(const json& params) {
        std::string uri;
        const document& doc = open_document(params, uri);
        const json& context = object_member(params, "context", "params");
        const json& diagnostics = member(
            context, "diagnostics", [](const json& j) { return j.is_array(); }, "params.context", "an array");
        json actions = json::array();
        for (const json& d : diagnostics) {
            if (!d.is_object() || d.value("source", "") != "vigil" || !d.contains("message") ||
                !d["message"].is_string()) {
                continue;
            }
            const auto word = proposed_word(d["message"].get<std::string>());
            if (!word || !d.contains("range")) continue;
            auto [begin, end] = byte_range(doc, d["range"]);
            std::uint32_t from = end;
            while (from > begin && is_word_byte(doc.text()[from - 1])) --from;
            if (from == end || doc.text().compare(from, end - from, *word) == 0) continue;
            json edit{{"range", range_json(doc.file(), from, end, m_encoding)}, {"newText", *word}};
            actions.push_back({{"title", "Change to `" + *word + "`"},
                               {"kind", "quickfix"},
                               {"diagnostics", json::array({d})},
                               {"isPreferred", true},
                               {"edit", {{"changes", {{uri, json::array({std::move(edit)})}}}}}});
        }
        return actions;
    }
};

}  // namespace

int serve(std::istream& in, std::ostream& out, std::ostream& log) {
    session s(out, log);
    std::uint64_t offset = 0;
    while (true) {
        incoming next = read_message(in, offset);
        switch (next.k) {
            case incoming::kind::message:
                if (!s.handle(next.body)) return s.exit_code();
                break;
            case incoming::kind::too_long:
                log << "vigil lsp: " << next.problem << '\n';
                break;
            case incoming::kind::end:
                log << "vigil lsp: the input ended without `exit`\n";
                return 1;
            case incoming::kind::broken:
                log << "vigil lsp: " << next.problem << "; stopping, as no later message can be found\n";
                return 2;
        }
    }
}

}  // namespace vigil::lsp
