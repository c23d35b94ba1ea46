// The language server as an editor sees it: messages in, answers and diagnostics out, over streams.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "uri.hpp"
#include "vigil/format.hpp"
#include "vigil/lsp.hpp"

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// What an editor sends, framed.
struct client {
    std::string input;

    void send(const json& message) {
        const std::string body = message.dump();
        input += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    void request(int id, const std::string& method, json params = json::object()) {
        send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    }
    void notify(const std::string& method, json params = json::object()) {
        send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
    }
    void initialize(json capabilities = json::object()) {
        request(0, "initialize", {{"capabilities", std::move(capabilities)}});
        notify("initialized");
    }
    void open(const std::string& uri, const std::string& text, int version = 1) {
        notify("textDocument/didOpen",
               {{"textDocument", {{"uri", uri}, {"languageId", "vigil"}, {"version", version}, {"text", text}}}});
    }
    void change(const std::string& uri, const std::string& text, int version) {
        notify("textDocument/didChange",
               {{"textDocument", {{"uri", uri}, {"version", version}}}, {"contentChanges", {{{"text", text}}}}});
    }
    void finish() {
        request(999, "shutdown", nullptr);
        notify("exit", nullptr);
    }
};

// What the server wrote back.
struct session_output {
    std::vector<json> messages;
    std::string log;
    int code = -1;

    [[nodiscard]] const json& answer(int id) const {
        for (const json& m : messages) {
            if (m.contains("id") && m["id"] == id) return m;
        }
        BOOST_FAIL("no answer to request " << id);
        static const json none;
        return none;
    }
    // The diagnostics of the `n`th publication for `uri` (from 0), or of the last one when `n` is -1.
    [[nodiscard]] json diagnostics(const std::string& uri, int n = -1) const {
        std::vector<json> found;
        for (const json& m : messages) {
            if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri) {
                found.push_back(m["params"]);
            }
        }
        if (found.empty()) return nullptr;
        return n < 0 ? found.back() : found.at(static_cast<std::size_t>(n));
    }
};

session_output run(const client& c) {
    std::istringstream in(c.input);
    std::ostringstream out, log;
    session_output result;
    result.code = vigil::lsp::serve(in, out, log);
    result.log = log.str();
    std::string rest = out.str();
    while (!rest.empty()) {
        const auto blank = rest.find("\r\n\r\n");
        BOOST_REQUIRE(blank != std::string::npos);
        const auto length = std::stoul(rest.substr(16, blank - 16));
        result.messages.push_back(json::parse(rest.substr(blank + 4, length)));
        rest.erase(0, blank + 4 + length);
    }
    return result;
}

// A directory of its own for files the documents import or stand beside.
struct scratch {
    fs::path dir;
    scratch() {
        std::string pattern = (fs::temp_directory_path() / "vigil-lsp-XXXXXX").string();
        BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
        dir = pattern;
    }
    ~scratch() { fs::remove_all(dir); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    }
    std::string uri(const std::string& name) const { return vigil::lsp::uri_of_path((dir / name).string()); }
};

const std::string mistaken =
    "policy \"p\" {\n"
    "  let unused = 1\n"
    "  rule r {\n"
    "    severity hihg\n"
    "    # ↯ before the mistake: columns count UTF-16 units\n"
    "    when speaker == \"ai\" and \"é\" == \"é\" and lenght(text) > 0\n"
    "    require ai.disclosed\n"
    "  }\n"
    "}\n";

const std::string rule_text =
    "policy \"p\" {\n"
    "  rule must_disclose {\n"
    "    when speaker == \"ai\"\n"
    "    require ai.disclosed\n"
    "  }\n"
    "}\n";

json position(int line, int character) {
    return {{"line", line}, {"character", character}};
}
json range(int l1, int c1, int l2, int c2) {
    return {{"start", position(l1, c1)}, {"end", position(l2, c2)}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session)

BOOST_AUTO_TEST_CASE(initialize_says_what_the_server_does_and_agrees_on_units) {
    client c;
    c.initialize({{"general", {{"positionEncodings", {"utf-16", "utf-8"}}}}});
    c.finish();
    const auto out = run(c);
    const json& capabilities = out.answer(0)["result"]["capabilities"];
    BOOST_TEST(capabilities["positionEncoding"] == "utf-8");
    BOOST_TEST(capabilities["textDocumentSync"]["change"] == 1);
    BOOST_TEST(capabilities["documentFormattingProvider"] == true);
    BOOST_TEST(capabilities["hoverProvider"] == true);
    BOOST_TEST(out.answer(999)["result"].is_null());
    BOOST_TEST(out.code == 0);
}

BOOST_AUTO_TEST_CASE(an_open_policy_gets_the_diagnostics_of_vigil_check_in_the_agreed_units) {
    for (const bool utf8 : {false, true}) {
        client c;
        c.initialize(utf8 ? json{{"general", {{"positionEncodings", {"utf-8"}}}}} : json::object());
        c.open("untitled:p.vigil", mistaken, 7);
        c.finish();
        const auto out = run(c);
        const json published = out.diagnostics("untitled:p.vigil");
        BOOST_TEST(published["version"] == 7);
        const json& list = published["diagnostics"];
        BOOST_REQUIRE_EQUAL(list.size(), 3u);
        BOOST_TEST(list[0]["code"] == "V0601");  // unused, shown faded
        BOOST_TEST(list[0]["severity"] == 2);
        BOOST_TEST(list[0]["tags"] == json({1}));
        BOOST_TEST(list[0]["range"] == range(1, 6, 1, 12));
        BOOST_TEST(list[1]["code"] == "V0207");
        BOOST_TEST(list[1]["message"] == "unknown severity `hihg`\nhelp: did you mean `high`?");
        BOOST_TEST(list[1]["range"] == range(3, 13, 3, 17));
        BOOST_TEST(list[1]["source"] == "vigil");
        // `lenght` follows two `é`, each 2 bytes and 1 UTF-16 unit.
        BOOST_TEST(list[2]["message"] == "unknown function `lenght`\nhelp: did you mean `length`?");
        BOOST_TEST(list[2]["range"] == (utf8 ? range(5, 46, 5, 52) : range(5, 44, 5, 50)));
    }
}

BOOST_AUTO_TEST_CASE(an_edit_is_checked_again_and_a_fixed_file_clears_its_diagnostics) {
    client c;
    c.initialize();
    c.open("untitled:p.vigil", mistaken);
    c.change("untitled:p.vigil", rule_text, 2);
    c.notify("textDocument/didClose", {{"textDocument", {{"uri", "untitled:p.vigil"}}}});
    c.finish();
    const auto out = run(c);
    BOOST_TEST(out.diagnostics("untitled:p.vigil", 0)["diagnostics"].size() == 3u);
    BOOST_TEST(out.diagnostics("untitled:p.vigil", 1)["diagnostics"].empty());
    BOOST_TEST(out.diagnostics("untitled:p.vigil", 1)["version"] == 2);
    BOOST_TEST(out.diagnostics("untitled:p.vigil", 2)["diagnostics"].empty());  // closed
}

BOOST_AUTO_TEST_CASE(a_change_with_a_range_is_applied_where_it_says) {
    client c;
    c.initialize();
    c.open("untitled:p.vigil", rule_text);
    // `require ai.disclosed` becomes `require lenght(text) > 0`: an unknown function, on line 3.
    c.notify("textDocument/didChange",
             {{"textDocument", {{"uri", "untitled:p.vigil"}, {"version", 2}}},
              {"contentChanges", {{{"range", range(3, 12, 3, 24)}, {"text", "lenght(text) > 0"}}}}});
    c.finish();
    const json list = run(c).diagnostics("untitled:p.vigil")["diagnostics"];
    BOOST_REQUIRE_EQUAL(list.size(), 1u);
    BOOST_TEST(list[0]["message"].get<std::string>().find("unknown function `lenght`") == 0);
    BOOST_TEST(list[0]["range"] == range(3, 12, 3, 18));
}

BOOST_AUTO_TEST_CASE(formatting_lays_the_file_out_as_vigil_fmt_does) {
    const std::string untidy =
        "policy   \"p\" {\n rule must_disclose {\n when speaker==\"ai\"\n"
        "      require ai.disclosed\n  }\n}";
    client c;
    c.initialize();
    c.open("untitled:p.vigil", untidy);
    c.request(1, "textDocument/formatting",
              {{"textDocument", {{"uri", "untitled:p.vigil"}}}, {"options", json::object()}});
    c.open("untitled:q.vigil", rule_text);
    c.request(2, "textDocument/formatting", {{"textDocument", {{"uri", "untitled:q.vigil"}}}});
    c.open("untitled:r.vigil", "policy \"p\" {\n  rule {\n}\n");
    c.request(3, "textDocument/formatting", {{"textDocument", {{"uri", "untitled:r.vigil"}}}});
    c.finish();
    const auto out = run(c);
    const json edits = out.answer(1)["result"];
    BOOST_REQUIRE_EQUAL(edits.size(), 1u);
    BOOST_TEST(edits[0]["range"] == range(0, 0, 5, 1));
    BOOST_TEST(edits[0]["newText"] == rule_text);
    BOOST_TEST(out.answer(2)["result"] == json::array());  // already laid out: nothing to change
    const json& refused = out.answer(3)["error"];
    BOOST_TEST(refused["code"] == -32803);
    BOOST_TEST(refused["message"].get<std::string>().find(
                   "the file does not parse, so it is not laid out: untitled:r.vigil:2:8: ") == 0);
}

BOOST_AUTO_TEST_CASE(hovering_over_a_function_says_what_it_does) {
    client c;
    c.initialize();
    c.open("untitled:p.vigil", mistaken);
    c.request(1, "textDocument/hover",
              {{"textDocument", {{"uri", "untitled:p.vigil"}}}, {"position", position(6, 13)}});
    c.open("untitled:q.vigil",
           "policy \"p\" {\n  rule r {\n    require count_last (3, speaker == \"ai\") < 2\n  }\n}\n");
    c.request(2, "textDocument/hover",
              {{"textDocument", {{"uri", "untitled:q.vigil"}}}, {"position", position(2, 16)}});
    c.finish();
    const auto out = run(c);
    BOOST_TEST(out.answer(1)["result"].is_null());  // `disclosed` is a field, not a function
    const json& hover = out.answer(2)["result"];
    BOOST_TEST(hover["contents"]["value"] ==
               "`count_last` (2 arguments): the number of the last n turns, this one included, where the condition "
               "held");
    BOOST_TEST(hover["range"] == range(2, 12, 2, 22));
}

BOOST_AUTO_TEST_CASE(names_lead_to_their_definitions_even_in_a_file_with_mistakes) {
    scratch dir;
    dir.write("shared.vigil", "let calm = signals.distress < 0.3\n");
    const std::string text =
        "import \"shared.vigil\"\n"
        "\n"
        "policy \"p\" {\n"
        "  let asks = signals.intent == \"ask_if_ai\"\n"
        "  rule r {\n"
        "    severity hihg\n"
        "    when asks and calm\n"
        "    require any t in signals.topics: t == \"x\"\n"
        "  }\n"
        "}\n";
    const std::string uri = dir.uri("p.vigil");
    client c;
    c.initialize();
    c.open(uri, text);
    const auto at = [&](int line, int character) {
        return json{{"textDocument", {{"uri", uri}}}, {"position", position(line, character)}};
    };
    c.request(1, "textDocument/definition", at(6, 10));  // asks
    c.request(2, "textDocument/definition", at(6, 22));  // calm, the cursor just after it
    c.request(3, "textDocument/definition", at(7, 37));  // t, in the quantifier's body
    c.request(4, "textDocument/definition", at(0, 9));   // the import
    c.request(5, "textDocument/definition", at(7, 25));  // signals.topics: a record field
    c.request(6, "textDocument/hover", at(6, 10));
    c.request(7, "textDocument/hover", at(7, 37));
    c.finish();
    const auto out = run(c);
    BOOST_TEST(out.answer(1)["result"] == (json{{"uri", uri}, {"range", range(3, 6, 3, 10)}}));
    BOOST_TEST(out.answer(2)["result"] == (json{{"uri", dir.uri("shared.vigil")}, {"range", range(0, 4, 0, 8)}}));
    BOOST_TEST(out.answer(3)["result"] == (json{{"uri", uri}, {"range", range(7, 16, 7, 17)}}));
    BOOST_TEST(out.answer(4)["result"] == (json{{"uri", dir.uri("shared.vigil")}, {"range", range(0, 0, 0, 0)}}));
    BOOST_TEST(out.answer(5)["result"].is_null());
    BOOST_TEST(out.answer(6)["result"]["contents"]["value"] ==
               "```vigil\nlet asks = signals.intent == \"ask_if_ai\"\n```\ndefined at " +
                   (dir.dir / "p.vigil").string() + ":4:7");
    BOOST_TEST(out.answer(6)["result"]["range"] == range(6, 9, 6, 13));
    BOOST_TEST(out.answer(7)["result"]["contents"]["value"] == "`t`: each element of `signals.topics`");
}

BOOST_AUTO_TEST_CASE(the_uses_of_a_definition_are_found_in_the_file_and_its_imports) {
    scratch dir;
    dir.write("shared.vigil", "let calm = signals.distress < 0.3\nlet calmer = calm and signals.distress < 0.1\n");
    const std::string text =
        "import \"shared.vigil\"\n"
        "\n"
        "policy \"p\" {\n"
        "  rule r {\n"
        "    when calmer and calmer\n"
        "    require true\n"
        "  }\n"
        "}\n";
    const std::string uri = dir.uri("p.vigil");
    client c;
    c.initialize();
    c.open(uri, text);
    c.request(
        1, "textDocument/references",
        {{"textDocument", {{"uri", uri}}}, {"position", position(4, 12)}, {"context", {{"includeDeclaration", true}}}});
    c.request(2, "textDocument/references",
              {{"textDocument", {{"uri", uri}}},
               {"position", position(4, 22)},
               {"context", {{"includeDeclaration", false}}}});
    c.request(3, "textDocument/references", {{"textDocument", {{"uri", uri}}}, {"position", position(5, 12)}});
    c.finish();
    const auto out = run(c);
    const std::string shared = dir.uri("shared.vigil");
    BOOST_TEST(out.answer(1)["result"] == json::array({{{"uri", shared}, {"range", range(1, 4, 1, 10)}},
                                                       {{"uri", uri}, {"range", range(4, 9, 4, 15)}},
                                                       {{"uri", uri}, {"range", range(4, 20, 4, 26)}}}));
    BOOST_TEST(out.answer(2)["result"].size() == 2u);
    BOOST_TEST(out.answer(3)["result"].is_null());  // `true`: no definition
}

BOOST_AUTO_TEST_CASE(the_outline_lists_policies_rules_and_definitions_as_far_as_the_file_parses) {
    const std::string text =
        "let shared = 1\n"
        "policy \"care\" {\n"
        "  version \"2.1\"\n"
        "  let calm = true\n"
        "  rule r {\n"
        "    severity high\n"
        "    require calm\n"
        "  }\n"
        "  rule broken {\n"
        "    when (\n"
        "  }\n"
        "}\n";
    client c;
    c.initialize();
    c.open("untitled:p.vigil", text);
    c.request(1, "textDocument/documentSymbol", {{"textDocument", {{"uri", "untitled:p.vigil"}}}});
    c.finish();
    const json symbols = run(c).answer(1)["result"];
    BOOST_REQUIRE_EQUAL(symbols.size(), 2u);
    BOOST_TEST(symbols[0]["name"] == "shared");
    BOOST_TEST(symbols[0]["kind"] == 13);
    BOOST_TEST(symbols[0]["selectionRange"] == range(0, 4, 0, 10));
    BOOST_TEST(symbols[1]["name"] == "care");
    BOOST_TEST(symbols[1]["detail"] == "version 2.1");
    const json& children = symbols[1]["children"];
    BOOST_REQUIRE_EQUAL(children.size(), 3u);
    BOOST_TEST(children[0]["name"] == "calm");
    BOOST_TEST(children[1]["name"] == "r");
    BOOST_TEST(children[1]["kind"] == 12);
    BOOST_TEST(children[1]["detail"] == "high");
    BOOST_TEST(children[1]["range"]["start"] == position(4, 2));
    BOOST_TEST(children[2]["name"] == "broken");
}

BOOST_AUTO_TEST_CASE(completion_offers_the_fields_below_a_path_or_every_name_the_file_can_use) {
    const std::string schema = std::string(VIGIL_SOURCE_DIR) + "/policies/schema/interaction-record.v1.json";
    const std::string text =
        "policy \"p\" {\n"
        "  schema \"" +
        schema +
        "\"\n"
        "  let calm = signals.distress < 0.3\n"
        "  rule r {\n"
        "    when signals.\n"
        "    require true\n"
        "  }\n"
        "}\n";
    client c;
    c.initialize();
    c.open("untitled:p.vigil", text);
    c.request(1, "textDocument/completion",
              {{"textDocument", {{"uri", "untitled:p.vigil"}}}, {"position", position(4, 17)}});
    c.request(2, "textDocument/completion",
              {{"textDocument", {{"uri", "untitled:p.vigil"}}}, {"position", position(4, 9)}});
    c.finish();
    const auto out = run(c);
    const auto labels = [](const json& items) {
        std::map<std::string, json> by_label;
        for (const json& item : items) by_label.emplace(item["label"].get<std::string>(), item);
        BOOST_TEST(by_label.size() == items.size());  // each once
        return by_label;
    };
    const auto below = labels(out.answer(1)["result"]);
    BOOST_REQUIRE(below.contains("distress"));
    BOOST_TEST(below.at("distress")["kind"] == 5);
    BOOST_TEST(below.at("distress")["detail"] == "number");
    BOOST_TEST(below.contains("emotions"));
    BOOST_TEST(!below.contains("text"));  // a top-level field, not one of `signals`
    BOOST_TEST(!below.contains("calm"));
    const auto anywhere = labels(out.answer(2)["result"]);
    BOOST_TEST(anywhere.at("signals")["kind"] == 5);
    BOOST_TEST(!anywhere.contains("distress"));
    BOOST_TEST(anywhere.at("calm")["kind"] == 6);
    BOOST_TEST(anywhere.at("count_last")["kind"] == 3);
    BOOST_TEST(anywhere.at("require")["kind"] == 14);
    BOOST_TEST(anywhere.at("matches")["kind"] == 14);
    BOOST_TEST(anywhere.at("critical")["kind"] == 12);
    BOOST_TEST(anywhere.at("handoff")["kind"] == 5);  // a field first; the remedy of that name is not added twice
}

BOOST_AUTO_TEST_CASE(a_proposed_word_is_a_quick_fix) {
    client c;
    c.initialize();
    c.open("untitled:p.vigil", mistaken);
    const json diagnostic = {{"range", range(3, 13, 3, 17)},
                             {"source", "vigil"},
                             {"code", "V0205"},
                             {"message", "unknown severity `hihg`\nhelp: did you mean `high`?"}};
    const json other = {{"range", range(1, 6, 1, 12)}, {"source", "vigil"}, {"message", "definition is never used"}};
    c.request(1, "textDocument/codeAction",
              {{"textDocument", {{"uri", "untitled:p.vigil"}}},
               {"range", range(3, 13, 3, 13)},
               {"context", {{"diagnostics", {diagnostic, other}}}}});
    c.finish();
    const json actions = run(c).answer(1)["result"];
    BOOST_REQUIRE_EQUAL(actions.size(), 1u);
    BOOST_TEST(actions[0]["title"] == "Change to `high`");
    BOOST_TEST(actions[0]["kind"] == "quickfix");
    BOOST_TEST(actions[0]["edit"]["changes"]["untitled:p.vigil"] ==
               json::array({{{"range", range(3, 13, 3, 17)}, {"newText", "high"}}}));
}

BOOST_AUTO_TEST_CASE(a_test_file_shows_its_failing_cases_with_the_policy_as_typed) {
    scratch dir;
    dir.write("p.vigil", rule_text);
    const std::string tests =
        "policy \"p\"\n"
        "\n"
        "case \"an AI that says it is one\" {\n"
        "  record {\"speaker\": \"ai\", \"text\": \"I am an AI.\", \"ai\": {\"disclosed\": true}}\n"
        "  expect pass must_disclose\n"
        "}\n"
        "\n"
        "case \"an AI that does not\" {\n"
        "  record {\"speaker\": \"ai\", \"text\": \"Hello.\", \"ai\": {\"disclosed\": false}}\n"
        "  expect violation must_disclose\n"
        "}\n";
    dir.write("p.tests", tests);
    client c;
    c.initialize();
    c.open(dir.uri("p.tests"), tests);
    // The policy, opened and changed in the editor, no longer asks for disclosure: the second case
    // fails with the policy as typed, not as saved.
    c.open(dir.uri("p.vigil"), rule_text);
    std::string changed = rule_text;
    changed.replace(changed.find("require ai.disclosed"), 20, "require true");
    c.change(dir.uri("p.vigil"), changed, 2);
    c.finish();
    const auto out = run(c);
    BOOST_TEST(out.diagnostics(dir.uri("p.tests"), 0)["diagnostics"].empty());
    BOOST_TEST(out.diagnostics(dir.uri("p.tests"), 1)["diagnostics"].empty());
    const json failed = out.diagnostics(dir.uri("p.tests"), 2)["diagnostics"];
    BOOST_REQUIRE_EQUAL(failed.size(), 1u);
    BOOST_TEST(failed[0]["range"] == range(7, 0, 7, 28));
    BOOST_TEST(failed[0]["source"] == "vigil test");
    const std::string message = failed[0]["message"];
    BOOST_TEST(message.find("case `an AI that does not` failed\n- expected violation must_disclose") == 0, message);
}

BOOST_AUTO_TEST_CASE(a_test_file_whose_policy_does_not_check_says_no_case_ran) {
    scratch dir;
    dir.write("p.vigil", mistaken);
    const std::string tests = "case \"c\" {\n  record {\"speaker\": \"ai\"}\n  expect no violations\n}\n";
    client c;
    c.initialize();
    c.open(dir.uri("p.tests"), tests);
    c.finish();
    const json list = run(c).diagnostics(dir.uri("p.tests"))["diagnostics"];
    BOOST_REQUIRE_EQUAL(list.size(), 1u);
    BOOST_TEST(list[0]["message"] == "no case ran: `" + (dir.dir / "p.vigil").string() + "` does not check (2 errors)");
    BOOST_TEST(list[0]["relatedInformation"].size() == 2u);
    BOOST_TEST(list[0]["relatedInformation"][0]["location"]["uri"] == dir.uri("p.vigil"));
}

BOOST_AUTO_TEST_CASE(mistakes_of_an_imported_file_are_published_for_it_until_it_is_open) {
    scratch dir;
    const std::string broken = "let shared = lenght(text)\n";
    dir.write("b.vigil", broken);
    const std::string importer = "import \"b.vigil\"\n\npolicy \"p\" {\n  rule r {\n    require shared > 0\n  }\n}\n";
    dir.write("a.vigil", importer);
    client c;
    c.initialize();
    c.open(dir.uri("a.vigil"), importer);
    c.open(dir.uri("b.vigil"), "let shared = length(text) > \"x\"\n");  // changed in the editor, not on disk
    c.change(dir.uri("a.vigil"), importer + "\n", 2);
    c.notify("textDocument/didClose", {{"textDocument", {{"uri", dir.uri("b.vigil")}}}});
    c.finish();
    const auto out = run(c);
    BOOST_TEST(out.diagnostics(dir.uri("a.vigil"), 0)["diagnostics"].empty());
    const json from_a = out.diagnostics(dir.uri("b.vigil"), 0)["diagnostics"];
    BOOST_REQUIRE_EQUAL(from_a.size(), 1u);
    BOOST_TEST(from_a[0]["range"] == range(0, 13, 0, 19));
    // b's own check, of its text in the editor, replaces them; a's check then leaves b alone.
    // Alone, b has no rule and uses none of its definitions: for a file of shared definitions,
    // that is no mistake.
    const json own = out.diagnostics(dir.uri("b.vigil"), 1)["diagnostics"];
    BOOST_REQUIRE_EQUAL(own.size(), 1u);
    BOOST_TEST(own[0]["code"] == "V0301");
    // Closed, b's diagnostics are cleared, and a's check says again what b holds on disk.
    BOOST_TEST(out.diagnostics(dir.uri("b.vigil"), 2)["diagnostics"].empty());
    BOOST_TEST(out.diagnostics(dir.uri("b.vigil"), 3)["diagnostics"] == from_a);
    BOOST_TEST(out.diagnostics(dir.uri("b.vigil")) == out.diagnostics(dir.uri("b.vigil"), 3));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(protocol_mistakes)

BOOST_AUTO_TEST_CASE(a_request_before_initialize_is_refused_and_notifications_dropped) {
    client c;
    c.open("untitled:p.vigil", mistaken);
    c.request(1, "textDocument/hover", {{"textDocument", {{"uri", "untitled:p.vigil"}}}, {"position", position(0, 0)}});
    c.notify("exit");
    const auto out = run(c);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    BOOST_TEST(out.answer(1)["error"]["code"] == -32002);
    BOOST_TEST(out.code == 1);  // exit without shutdown
}

BOOST_AUTO_TEST_CASE(bad_messages_get_json_rpc_errors_and_the_session_goes_on) {
    client c;
    c.initialize();
    c.input += "Content-Length: 9\r\n\r\n{\"id\": 1,";
    c.send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "textDocument/rename"}, {"params", json::object()}});
    c.request(3, "textDocument/hover", {{"textDocument", {{"uri", "untitled:nothing.vigil"}}}});
    c.request(4, "textDocument/formatting", {{"textDocument", {{"uri", 5}}}});
    c.send(json::array({1, 2}));
    c.request(5, "initialize");
    c.finish();
    c.request(6, "textDocument/hover");
    const auto out = run(c);
    const json& not_json = out.messages.at(1);
    BOOST_TEST(not_json["id"].is_null());
    BOOST_TEST(not_json["error"]["code"] == -32700);
    BOOST_TEST(not_json["error"]["message"].get<std::string>().find("the message is not JSON: invalid JSON at byte") ==
               0);
    BOOST_TEST(out.answer(2)["error"]["code"] == -32601);
    BOOST_TEST(out.answer(2)["error"]["message"] == "unknown method `textDocument/rename`");
    BOOST_TEST(out.answer(3)["error"]["message"] == "`untitled:nothing.vigil` is not open");
    BOOST_TEST(out.answer(4)["error"]["code"] == -32602);
    BOOST_TEST(out.answer(4)["error"]["message"] == "`params.textDocument.uri` must be a string");
    BOOST_TEST(out.messages.at(5)["error"]["message"] == "a message must be a JSON object");
    BOOST_TEST(out.answer(5)["error"]["message"] == "`initialize` was sent twice");
    BOOST_TEST(out.code == 0);
    // Nothing is read after `exit`: request 6 has no answer.
    BOOST_TEST(std::none_of(out.messages.begin(), out.messages.end(),
                            [](const json& m) { return m.value("id", json()) == 6; }));
    BOOST_TEST(out.log.find("unknown method `textDocument/rename`") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(after_shutdown_only_exit_is_taken) {
    client c;
    c.initialize();
    c.request(1, "shutdown");
    c.request(2, "textDocument/hover");
    c.notify("exit");
    const auto out = run(c);
    BOOST_TEST(out.answer(2)["error"]["code"] == -32600);
    BOOST_TEST(out.code == 0);
}

BOOST_AUTO_TEST_CASE(input_that_ends_or_breaks_stops_the_server_with_its_reason) {
    client ended;
    ended.initialize();
    const auto a = run(ended);
    BOOST_TEST(a.code == 1);
    BOOST_TEST(a.log == "vigil lsp: the input ended without `exit`\n");
    client broken;
    broken.initialize();
    broken.input += "Content-Type: x\r\n\r\n{}";
    const auto b = run(broken);
    BOOST_TEST(b.code == 2);
    BOOST_TEST(b.log.find("a message's header has no `Content-Length`, so its end cannot be found; stopping") !=
               std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
