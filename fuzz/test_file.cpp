// The test_file harness: untrusted bytes as a policy test file (`*.tests`), parsed, laid out as
// `vigil fmt` lays it out, validated and run against a shipped policy file as `vigil test` runs it,
// both reports written.

#include <array>
#include <string>
#include <string_view>

#include "harness.hpp"
#include "vigil/format.hpp"
#include "vigil/meaning.hpp"
#include "vigil/policytest.hpp"
#include "vigil/test_parse.hpp"

namespace vigil {

namespace {

using fuzz_support::require;

// The shipped policy files a test file may name by their policy (each file holds one policy of
// its own name).
constexpr std::array<std::string_view, 6> shipped_policies = {"disclosure",   "emotional-data", "human-oversight",
                                                              "human-review", "manipulation",   "workplace-wellbeing"};

// The policy file the test file speaks of: the first shipped policy it names, else human-oversight,
// whose rules look across turns and so make the runner feed whole conversations.
std::string policy_file(const test_file& file) {
    std::string_view chosen = "human-oversight";
    for (const auto& named : file.policies) {
        for (std::string_view shipped : shipped_policies) {
            if (named.value == shipped) {
                chosen = shipped;
                break;
            }
        }
        if (chosen != "human-oversight") break;
    }
    return std::string(VIGIL_SOURCE_DIR) + "/policies/" + std::string(chosen) + ".vigil";
}

void run_and_report(const std::string& name, const std::string& text, const test_file& parsed) {
    policytest::run_result run;
    run.files.push_back(policytest::run_text(name, text, {{policy_file(parsed), std::nullopt}}));
    const policytest::file_result& ran = run.files.back();
    if (ran.sources) fuzz_support::render_every(ran.diagnostics, *ran.sources);
    require(ran.status != policytest::file_status::malformed || !ran.diagnostics.empty(),
            "a test file was refused without a diagnostic");
    require(!policytest::report_text(run).empty(), "the text report is empty");
    require(!policytest::report_junit(run, policytest::options{true}).empty(), "the JUnit report is empty");
}

// `vigil fmt` on a test file that parses: its layout parses without errors, says the same (the same
// meaning_hash), and is its own layout. (format_test_file checks the first two itself and throws
// when they fail, which ends the run as a crash does; they are stated here as the harness's
// contract, as fuzz/policy.cpp states them for policy files.) A file that does not parse is refused
// with an error.
void format_alone(const std::string& name, const std::string& text, const result<test_file>& parsed) {
    source_map sources;
    const file_id id = sources.add(name, text);
    const result<std::string> formatted = format_test_file(sources, id);
    if (!formatted.value) {
        require(has_errors(formatted.diagnostics), "fmt refused a test file without an error");
        require(has_errors(parsed.diagnostics), "fmt refused a test file that parses");
        return;
    }
    require(!has_errors(parsed.diagnostics), "fmt laid out a test file that does not parse");
    source_map again;
    const file_id again_id = again.add(name, *formatted.value);
    const result<test_file> reparsed = parse_test_file(again, again_id);
    require(reparsed.value && !has_errors(reparsed.diagnostics),
            "the layout of a test file that parses does not parse");
    require(meaning_hash(*reparsed.value) == meaning_hash(*parsed.value), "the layout says something else");
    const result<std::string> twice = format_test_file(again, again_id);
    require(twice.value && *twice.value == *formatted.value, "the layout of the layout differs");
}

}  // namespace

int fuzz_test_file(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string name = "fuzz-input.tests";
    source_map sources;
    const file_id id = sources.add(name, text);
    const result<test_file> parsed = parse_test_file(sources, id);
    require(parsed.value.has_value() || has_errors(parsed.diagnostics), "a test file failed to parse without an error");
    fuzz_support::render_every(parsed.diagnostics, sources);
    format_alone(name, text, parsed);
    if (!parsed.value) return 0;
    fuzz_support::render_every(policytest::validate(*parsed.value), sources);
    run_and_report(name, text, *parsed.value);
    return 0;
}

}  // namespace vigil
