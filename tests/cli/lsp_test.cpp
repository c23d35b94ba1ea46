// `vigil lsp` as an editor starts it: the real binary, its input a recorded editor session, and
// the editor settings that docs/editors.md shows.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shell.hpp"
#include "support/golden.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path source_dir{VIGIL_SOURCE_DIR};

std::string framed(const json& message) {
    const std::string body = message.dump();
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<json> messages_in(std::string rest) {
    std::vector<json> out;
    while (!rest.empty()) {
        const auto blank = rest.find("\r\n\r\n");
        BOOST_REQUIRE_MESSAGE(blank != std::string::npos, "not a message: " << rest);
        const auto length = std::stoul(rest.substr(16, blank - 16));
        out.push_back(json::parse(rest.substr(blank + 4, length)));
        rest.erase(0, blank + 4 + length);
    }
    return out;
}

struct served {
    std::vector<json> messages;
    std::string errors;
    int status = -1;
};

// Runs `vigil lsp ARGS` with `input` on its standard input, in a directory of its own.
served serve(const std::string& input, const std::string& args = "") {
    std::string pattern = (fs::temp_directory_path() / "vigil-lsp-cli-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    const fs::path dir = pattern;
    std::ofstream(dir / "in", std::ios::binary) << input;
    // In a subshell of its own: run_shell joins standard error to the output after the command.
    const auto run =
        cli_test::run_shell("('" + std::string(VIGIL_BINARY) + "' lsp " + args + " < '" + (dir / "in").string() +
                            "' > '" + (dir / "out").string() + "' 2> '" + (dir / "err").string() + "')");
    served s{messages_in(read_file((dir / "out").string())), read_file((dir / "err").string()), run.status};
    fs::remove_all(dir);
    return s;
}

std::string open(const std::string& uri, const std::string& text) {
    return framed(
        {{"jsonrpc", "2.0"},
         {"method", "textDocument/didOpen"},
         {"params", {{"textDocument", {{"uri", uri}, {"languageId", "vigil"}, {"version", 1}, {"text", text}}}}}});
}

const std::string start =
    framed({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", json::object()}}}});
const std::string stop =
    framed({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "shutdown"}}) + framed({{"jsonrpc", "2.0"}, {"method", "exit"}});

json published_for(const std::vector<json>& messages, const std::string& uri) {
    for (const json& m : messages) {
        if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri) {
            return m["params"]["diagnostics"];
        }
    }
    return nullptr;
}

std::string file_uri(const fs::path& path) {
    return "file://" + path.string();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lsp)

BOOST_AUTO_TEST_CASE(the_binary_checks_a_policy_and_runs_the_shipped_cases_for_an_editor) {
    const fs::path tests = source_dir / "policies" / "disclosure.tests";
    const std::string mistaken = "policy \"p\" {\n  rule r {\n    severity hihg\n    require true\n  }\n}\n";
    const auto s =
        serve(start + open(file_uri(tests), read_file(tests.string())) + open("untitled:p.vigil", mistaken) + stop,
              "--stdio");
    BOOST_TEST(s.status == 0);
    BOOST_TEST(s.errors == "");
    BOOST_REQUIRE_EQUAL(s.messages.size(), 4u);
    BOOST_TEST(s.messages[0]["result"]["capabilities"]["documentFormattingProvider"] == true);
    // Every shipped case passes: nothing to show.
    BOOST_TEST(published_for(s.messages, file_uri(tests)) == json::array());
    const json mistakes = published_for(s.messages, "untitled:p.vigil");
    BOOST_REQUIRE_EQUAL(mistakes.size(), 1u);
    BOOST_TEST(mistakes[0]["message"] == "unknown severity `hihg`\nhelp: did you mean `high`?");
    BOOST_TEST(s.messages[3]["id"] == 2);
}

BOOST_AUTO_TEST_CASE(the_binary_says_why_it_stops_on_a_broken_stream) {
    const auto s = serve(start + "Content-Type: x\r\n\r\n{}");
    BOOST_TEST(s.status == 2);
    BOOST_TEST(s.errors == "vigil lsp: at byte " + std::to_string(start.size()) +
                               " of the input: a message's header has no `Content-Length`, so its end cannot be "
                               "found; stopping, as no later message can be found\n");
}

// docs/editors.md shows each file under docs/examples/editors/ whole, after a `<!-- file: -->`
// line, and each starts `vigil lsp`.
BOOST_AUTO_TEST_CASE(the_editor_settings_in_the_docs_are_the_shipped_files_and_start_vigil_lsp) {
    const std::string page = read_file((source_dir / "docs" / "editors.md").string());
    std::size_t shown = 0;
    for (const auto& entry : fs::directory_iterator(source_dir / "docs" / "examples" / "editors")) {
        const std::string name = "docs/examples/editors/" + entry.path().filename().string();
        const std::string text = read_file(entry.path().string());
        const auto marker = page.find("<!-- file: " + name + " -->\n```");
        BOOST_TEST_CONTEXT(name) {
            BOOST_REQUIRE(marker != std::string::npos);
            const auto body = page.find('\n', page.find("```", marker)) + 1;
            BOOST_TEST(page.substr(body, text.size() + 4) == text + "```\n");
            const std::regex starts_lsp(R"(("vigil"[,\s]+"lsp"|command = "vigil"\nargs = \["lsp"\]))");
            BOOST_TEST(std::regex_search(text, starts_lsp));
        }
        ++shown;
    }
    BOOST_TEST(shown == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
