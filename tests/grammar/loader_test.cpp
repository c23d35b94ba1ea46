// The loader: files, directories, imports (each file once), import cycles, missing files and
// record schemas, on real files in a temporary directory.

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <sys/stat.h>

#include "helpers.hpp"
#include "support/golden.hpp"

namespace fs = std::filesystem;
using namespace vigil;

namespace {

/// A temporary directory, removed with everything in it at the end of the test.
class temp_dir {
public:
    temp_dir() {
        std::random_device seed;
        m_root = fs::temp_directory_path() / ("vigil-grammar-" + std::to_string(seed()) + std::to_string(seed()));
        fs::create_directories(m_root);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(m_root, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    /// Writes `text` to `relative` (creating directories) and returns the full path.
    std::string write(const std::string& relative, const std::string& text) const {
        const fs::path path = m_root / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path.string();
    }
    [[nodiscard]] std::string path(const std::string& relative) const { return (m_root / relative).string(); }

private:
    fs::path m_root;
};

std::vector<std::string> module_names(const loaded_set& set) {
    std::vector<std::string> names;
    for (const auto& m : set.modules) names.push_back(set.sources->file(m.file).name);
    return names;
}

std::vector<std::string> problems(const result<loaded_set>& loaded) {
    return grammar_test::problems(loaded.diagnostics, *loaded.value->sources);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loader)

BOOST_AUTO_TEST_CASE(a_single_file) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "policy \"a\" { rule r { forbid x } }\n");
    auto loaded = load({{a, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(loaded.ok());
    BOOST_TEST(module_names(*loaded.value) == std::vector<std::string>{a});
    BOOST_TEST(loaded.value->modules[0].policies[0].name == "a");
    BOOST_TEST(loaded.value->next_id > 1u);
}

BOOST_AUTO_TEST_CASE(text_inputs) {
    auto loaded = load({{"<request>", std::string("policy \"r\" {}")}, {"<other>", std::string("let x = 1")}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(loaded.ok());
    BOOST_TEST(module_names(*loaded.value) == (std::vector<std::string>{"<request>", "<other>"}));
}

BOOST_AUTO_TEST_CASE(imports_are_read_relative_to_the_importing_file) {
    temp_dir dir;
    const std::string main = dir.write("policies/main.vigil", "import \"lib/lists.vigil\"\npolicy \"m\" {}\n");
    dir.write("policies/lib/lists.vigil", "import \"../shared/common.vigil\"\nlet lists = 1\n");
    dir.write("policies/shared/common.vigil", "let common = 2\n");
    auto loaded = load({{main, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded).empty());
    const auto& set = *loaded.value;
    BOOST_TEST(module_names(set) == (std::vector<std::string>{main, dir.path("policies/lib/lists.vigil"),
                                                               dir.path("policies/shared/common.vigil")}));
    // `resolved` points at the imported file.
    BOOST_REQUIRE(set.modules[0].imports[0].resolved.has_value());
    BOOST_TEST(*set.modules[0].imports[0].resolved == set.modules[1].file);
    BOOST_TEST(*set.modules[1].imports[0].resolved == set.modules[2].file);
}

BOOST_AUTO_TEST_CASE(each_file_is_loaded_once) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \"common.vigil\"\nimport \"./common.vigil\"\n");
    const std::string b = dir.write("sub/b.vigil", "import \"../common.vigil\"\n");
    dir.write("common.vigil", "let c = 1\n");
    auto loaded = load({{a, std::nullopt}, {b, std::nullopt}, {a, std::nullopt}, {dir.path("sub/../a.vigil"), std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded).empty());
    const auto& set = *loaded.value;
    BOOST_TEST(module_names(set) == (std::vector<std::string>{a, b, dir.path("common.vigil")}));
    const file_id common = set.modules[2].file;
    BOOST_TEST(*set.modules[0].imports[0].resolved == common);
    BOOST_TEST(*set.modules[0].imports[1].resolved == common);
    BOOST_TEST(*set.modules[1].imports[0].resolved == common);
}

BOOST_AUTO_TEST_CASE(node_ids_are_unique_across_files) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \"b.vigil\"\nlet x = 1 + 2\n");
    dir.write("b.vigil", "let y = [3, 4]\n");
    auto loaded = load({{a, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    std::set<ast::node_id> ids;
    std::size_t nodes = 0;
    for (const auto& m : loaded.value->modules) {
        for (const auto& d : m.definitions) {
            grammar_test::each_node(*d.value, [&](const ast::expr& e) {
                ids.insert(e.id);
                ++nodes;
            });
        }
    }
    BOOST_TEST(nodes == 6u);
    BOOST_TEST(ids.size() == nodes);
    BOOST_TEST(loaded.value->next_id == nodes + 1);
}

BOOST_AUTO_TEST_CASE(directories_are_read_recursively_in_path_order) {
    temp_dir dir;
    dir.write("set/b.vigil", "let b = 1\n");
    dir.write("set/a.vigil", "let a = 1\n");
    dir.write("set/z/c.vigil", "let c = 1\n");
    dir.write("set/a/d.vigil", "let d = 1\n");
    dir.write("set/notes.txt", "not a policy\n");
    dir.write("set/schema.json", "{}\n");
    auto loaded = load({{dir.path("set"), std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded).empty());
    // Paths compare component by component, so the folder `a` comes before the file `a.vigil`.
    BOOST_TEST(module_names(*loaded.value) == (std::vector<std::string>{dir.path("set/a/d.vigil"), dir.path("set/a.vigil"),
                                                                       dir.path("set/b.vigil"), dir.path("set/z/c.vigil")}));
}

BOOST_AUTO_TEST_CASE(given_inputs_come_before_imported_files) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \"lib.vigil\"\n");
    const std::string b = dir.write("b.vigil", "let b = 1\n");
    dir.write("lib.vigil", "let lib = 1\n");
    auto loaded = load({{a, std::nullopt}, {b, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(module_names(*loaded.value) == (std::vector<std::string>{a, b, dir.path("lib.vigil")}));
}

BOOST_AUTO_TEST_CASE(a_missing_import_is_reported_at_the_import) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \"missing/lists.vigil\"\nlet x = 1\n");
    auto loaded = load({{a, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded) ==
               std::vector<std::string>{"V0502 `\"missing/lists.vigil\"` cannot find imported file `missing/lists.vigil`"});
    BOOST_TEST(loaded.diagnostics[0].help == "looked for `" + fs::path(dir.path("missing/lists.vigil")).generic_string() + "`");
    BOOST_TEST(!loaded.value->modules[0].imports[0].resolved.has_value());
    BOOST_TEST(loaded.value->modules[0].definitions.size() == 1u);  // the rest is still there
}

BOOST_AUTO_TEST_CASE(an_import_of_a_directory_says_it_is_one) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \".\"\nimport \"lists\"\nlet x = 1\n");
    dir.write("lists/b.vigil", "let b = 1\n");
    auto loaded = load({{a, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded) ==
                   (std::vector<std::string>{"V0502 `\".\"` imported `.` is a directory, not a policy file",
                                             "V0502 `\"lists\"` imported `lists` is a directory, not a policy file"}),
               boost::test_tools::per_element());
    BOOST_TEST(loaded.diagnostics[1].help == "`" + fs::path(dir.path("lists")).generic_string() +
                                                 "` is a directory; an import names one policy file");
    BOOST_TEST(!loaded.value->modules[0].imports[0].resolved.has_value());
    BOOST_TEST(loaded.value->modules.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_import_of_a_pipe_or_a_device_says_what_it_is) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \"pipe\"\nimport \"/dev/null\"\nlet x = 1\n");
    BOOST_REQUIRE(::mkfifo(dir.path("pipe").c_str(), 0600) == 0);
    auto loaded = load({{a, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded) == (std::vector<std::string>{
                                       "V0502 `\"pipe\"` imported `pipe` is a named pipe (FIFO), not a policy file",
                                       "V0502 `\"/dev/null\"` imported `/dev/null` is a device, not a policy file"}),
               boost::test_tools::per_element());
    BOOST_TEST(loaded.diagnostics[0].help == "`" + fs::path(dir.path("pipe")).generic_string() +
                                                 "` is a named pipe (FIFO); an import names one policy file");
    BOOST_TEST(loaded.value->modules.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_import_cycle_is_reported_where_it_closes) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \"b.vigil\"\n");
    dir.write("b.vigil", "import \"c.vigil\"\n");
    dir.write("c.vigil", "let c = 1\nimport \"a.vigil\"\n");
    auto loaded = load({{a, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded) == std::vector<std::string>{"V0503 `\"a.vigil\"` importing `a.vigil` closes an import cycle"});
    const auto& d = loaded.diagnostics[0];
    BOOST_TEST(loaded.value->sources->file(d.where.file).name == dir.path("c.vigil"));
    BOOST_REQUIRE(d.notes.size() == 1u);
    BOOST_TEST(d.notes[0].message == "the cycle is `" + a + "` → `" + dir.path("b.vigil") + "` → `" + dir.path("c.vigil") +
                                         "` → `" + a + "`");
    // The import that closes the cycle is left unresolved, so following imports always ends.
    const auto& set = *loaded.value;
    BOOST_TEST(set.modules.size() == 3u);
    BOOST_TEST(set.modules[0].imports[0].resolved.has_value());
    BOOST_TEST(set.modules[1].imports[0].resolved.has_value());
    BOOST_TEST(!set.modules[2].imports[0].resolved.has_value());
    // Where it led is kept apart, so the checker still finds the names it brings.
    BOOST_REQUIRE(set.modules[2].imports[0].closes_cycle_to.has_value());
    BOOST_TEST(*set.modules[2].imports[0].closes_cycle_to == set.modules[0].file);
    BOOST_TEST(!set.modules[0].imports[0].closes_cycle_to.has_value());
}

BOOST_AUTO_TEST_CASE(a_file_that_imports_itself) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \"a.vigil\"\n");
    auto loaded = load({{a, std::nullopt}});
    BOOST_TEST(problems(loaded) == std::vector<std::string>{"V0503 `\"a.vigil\"` importing `a.vigil` closes an import cycle"});
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_is_reported_with_its_name) {
    auto loaded = load({{"no/such/file.vigil", std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(!loaded.ok());
    BOOST_TEST(loaded.value->modules.empty());
    BOOST_TEST(render_all(loaded.diagnostics, *loaded.value->sources) ==
               "no/such/file.vigil:1:1: error[V0501]: cannot read `no/such/file.vigil`: No such file or directory\n");
}

BOOST_AUTO_TEST_CASE(errors_in_several_files_are_all_reported) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", "import \"b.vigil\"\nlet x =\n");
    dir.write("b.vigil", "policy p {}\n");
    auto loaded = load({{a, std::nullopt}, {"missing.vigil", std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded) == (std::vector<std::string>{
                                       "V0101 `` expected an expression after `=`",
                                       "V0501 `` cannot read `missing.vigil`: No such file or directory",
                                       "V0101 `p` expected the policy name in double quotes after `policy`",
                                   }));
}

BOOST_AUTO_TEST_CASE(schemas_are_read_relative_to_the_policy) {
    temp_dir dir;
    const std::string a = dir.write("policies/a.vigil", R"(
policy "one" { schema "schema/record.json" }
policy "two" { schema "./schema/../schema/record.json" }
policy "three" {}
)");
    dir.write("policies/schema/record.json", R"({"type": "object", "properties": {"text": {"type": "string"}}})");
    auto loaded = load({{a, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(problems(loaded).empty());
    const auto& set = *loaded.value;
    BOOST_TEST(set.schemas.size() == 1u);
    const auto& policies = set.modules[0].policies;
    BOOST_TEST(!policies[0].schema_key.empty());
    BOOST_TEST(policies[0].schema_key == policies[1].schema_key);
    BOOST_TEST(policies[2].schema_key.empty());
    BOOST_TEST(set.schemas.at(policies[0].schema_key)["type"] == "object");
    BOOST_TEST(fs::equivalent(policies[0].schema_key, dir.path("policies/schema/record.json")));
}

BOOST_AUTO_TEST_CASE(bad_schemas_are_reported_at_the_schema_setting) {
    temp_dir dir;
    const std::string a = dir.write("a.vigil", R"(policy "missing" { schema "none.json" }
policy "broken" { schema "broken.json" }
policy "array" { schema "array.json" }
)");
    dir.write("broken.json", "{\"type\": ");
    dir.write("array.json", "[1, 2]");
    auto loaded = load({{a, std::nullopt}});
    BOOST_REQUIRE(loaded.value);
    const auto shown = [&](const std::string& name) { return fs::path(dir.path(name)).generic_string(); };
    BOOST_TEST(problems(loaded) ==
               (std::vector<std::string>{
                   "V0402 `\"none.json\"` cannot read schema `" + shown("none.json") + "`: No such file or directory",
                   "V0402 `\"broken.json\"` schema `" + shown("broken.json") + "` is not valid JSON",
                   "V0402 `\"array.json\"` schema `" + shown("array.json") + "` is not a JSON object",
               }),
               boost::test_tools::per_element());
    BOOST_TEST(loaded.value->schemas.empty());
    for (const auto& p : loaded.value->modules[0].policies) BOOST_TEST(p.schema_key.empty());
    BOOST_REQUIRE(loaded.diagnostics[1].notes.size() == 1u);
    BOOST_TEST(loaded.diagnostics[1].notes[0].message.find("parse error") != std::string::npos);
}

// A schema that is a device is refused without reading it: `/dev/zero` was read until memory ran
// out (noticed while writing the policy fuzz harness, whose schemas resolve against real files).
BOOST_AUTO_TEST_CASE(a_schema_that_is_not_a_file_is_not_read) {
    auto loaded = load({{"<test>", std::string(R"(policy "p" { schema "/dev/zero" } policy "q" { schema "/" })")}});
    BOOST_REQUIRE(loaded.value);
    BOOST_TEST(
        problems(loaded) == (std::vector<std::string>{
                                "V0402 `\"/dev/zero\"` cannot read schema `/dev/zero`: it is a device, not a file",
                                "V0402 `\"/\"` cannot read schema `/`: it is a directory, not a file"}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
