// The lsp harness: untrusted bytes as what an editor sends `vigil lsp`, either the raw stream after
// `initialize` (framing and messages) or the text of a document that the harness opens, edits,
// formats, hovers over and asks quick fixes for, as an editor would.

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "vigil/lsp.hpp"

namespace vigil {

namespace {

using fuzz_support::require;
using json = nlohmann::json;

std::string framed(const json& message) {
    const std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

json request(int id, const char* method, json params) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json notification(const char* method, json params) {
    return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

const std::string initialize = framed(request(0, "initialize", {{"capabilities", json::object()}}));
const std::string stop = framed(request(1000, "shutdown", nullptr)) + framed(notification("exit", nullptr));

// Everything the server wrote is a sequence of whole messages, each a JSON-RPC 2.0 object.
std::vector<json> written_messages(std::string rest) {
    std::vector<json> out;
    while (!rest.empty()) {
        require(rest.rfind("Content-Length: ", 0) == 0, "an output message does not start with its length");
        const auto blank = rest.find("\r\n\r\n");
        require(blank != std::string::npos, "an output message has no end of header");
        const std::size_t length = std::stoul(rest.substr(16, blank - 16));
        require(blank + 4 + length <= rest.size(), "an output message is shorter than its length");
        json message = json::parse(rest.substr(blank + 4, length), nullptr, false);
        require(message.is_object() && message.value("jsonrpc", "") == "2.0", "an output message is not JSON-RPC");
        out.push_back(std::move(message));
        rest.erase(0, blank + 4 + length);
    }
    return out;
}

struct served {
    std::vector<json> messages;
    int code = -1;
};

served serve(const std::string& input) {
    std::istringstream in(input);
    std::ostringstream out, log;
    served s;
    s.code = lsp::serve(in, out, log);
    s.messages = written_messages(out.str());
    return s;
}

// The bytes as the stream after `initialize`: whatever it holds, the server answers in whole
// messages and stops with one of its three codes.
void raw_stream(const std::string& bytes) {
    const served s = serve(initialize + bytes);
    require(s.code == 0 || s.code == 1 || s.code == 2, "the server stopped with an unknown code");
    require(!s.messages.empty() && s.messages[0].value("id", json()) == 0, "initialize was not answered first");
}

// A position inside or just past `text`, picked by `seed`.
json position_in(const std::string& text, std::size_t seed) {
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    return {{"line", seed % (lines + 1)}, {"character", (seed / 7) % 200}};
}

// Every range the server gives for the document lies in it: its lines exist and it does not end
// before it starts. (Characters are at most the line's bytes in any unit.)
void require_inside(const json& range, const std::string& text, const char* what) {
    std::vector<std::size_t> line_bytes;
    std::size_t start = 0;
    for (std::size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
        line_bytes.push_back(nl - start);
        start = nl + 1;
    }
    line_bytes.push_back(text.size() - start);
    const auto at = [&](const json& p) {
        const std::size_t line = p.at("line").get<std::size_t>();
        const std::size_t character = p.at("character").get<std::size_t>();
        require(line < line_bytes.size() && character <= line_bytes[line], what);
        return std::pair(line, character);
    };
    require(at(range.at("start")) <= at(range.at("end")), what);
}

// The bytes as a document: opened, edited by a range, formatted, hovered over and asked for quick
// fixes for what was published. Every request is answered once, every range lies in the text.
void as_document(const std::string& text, bool tests) {
    const std::string uri = tests ? "untitled:fuzz.tests" : "untitled:fuzz.vigil";
    const std::size_t seed = std::hash<std::string>{}(text);
    std::string input = initialize;
    input += framed(
        notification("textDocument/didOpen",
                     {{"textDocument", {{"uri", uri}, {"languageId", "vigil"}, {"version", 1}, {"text", text}}}}));
    input += framed(request(1, "textDocument/formatting", {{"textDocument", {{"uri", uri}}}}));
    input += framed(request(7, "textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}}));
    input += framed(request(8, "textDocument/completion",
                            {{"textDocument", {{"uri", uri}}}, {"position", position_in(text, seed / 13)}}));
    input += framed(
        request(2, "textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", position_in(text, seed)}}));
    const served opened = serve(input + stop);
    json published = json::array();
    for (const json& m : opened.messages) {
        if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri) {
            published = m["params"]["diagnostics"];
        }
    }
    for (const json& d : published) require_inside(d.at("range"), text, "a diagnostic's range is outside the text");
    for (const json& m : opened.messages) {
        if (!m.contains("id") || m["id"] != 7 || !m.contains("result")) continue;
        for (const json& symbol : m["result"]) {
            require_inside(symbol.at("range"), text, "a symbol's range is outside the text");
            for (const json& child : symbol.value("children", json::array())) {
                require_inside(child.at("range"), text, "a symbol's range is outside the text");
            }
        }
    }
    require(opened.code == 0, "a session that shut down did not exit with 0");
    input += framed(request(3, "textDocument/codeAction",
                            {{"textDocument", {{"uri", uri}}},
                             {"range", {{"start", position_in(text, 0)}, {"end", position_in(text, seed)}}},
                             {"context", {{"diagnostics", published}}}}));
    // An edit that deletes from one picked place to another, then whatever comes next again.
    input += framed(notification(
        "textDocument/didChange",
        {{"textDocument", {{"uri", uri}, {"version", 2}}},
         {"contentChanges",
          {{{"range", {{"start", position_in(text, seed / 3)}, {"end", position_in(text, seed)}}}, {"text", ""}}}}}));
    input += framed(request(4, "textDocument/formatting", {{"textDocument", {{"uri", uri}}}}));
    input += framed(request(5, "textDocument/definition",
                            {{"textDocument", {{"uri", uri}}}, {"position", position_in(text, seed / 5)}}));
    input += framed(request(6, "textDocument/references",
                            {{"textDocument", {{"uri", uri}}},
                             {"position", position_in(text, seed / 11)},
                             {"context", {{"includeDeclaration", true}}}}));
    const served edited = serve(input + stop);
    require(edited.code == 0, "a session that shut down did not exit with 0");
    for (const int id : {0, 1, 2, 3, 4, 5, 6, 7, 8, 1000}) {
        const auto answers = std::count_if(edited.messages.begin(), edited.messages.end(),
                                           [&](const json& m) { return m.contains("id") && m["id"] == id; });
        require(answers == 1, "a request was not answered exactly once");
    }
    for (const json& m : edited.messages) {
        if (!m.contains("id") || m["id"] != 1 || !m.contains("result")) continue;
        for (const json& edit : m["result"])
            require_inside(edit.at("range"), text, "an edit's range is outside the text");
    }
}

}  // namespace

int fuzz_lsp(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
        case 0:
            raw_stream(rest);
            break;
        case 1:
            as_document(rest, false);
            break;
        default:
            as_document(rest, true);
            break;
    }
    return 0;
}

}  // namespace vigil
