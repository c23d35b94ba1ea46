// The test_file harness: untrusted bytes as a policy test file (`*.tests`), parsed, validated and
// run against a shipped policy file as `vigil test` runs it, both reports written.

#include <array>
#include <string>
#include <string_view>

#include "harness.hpp"
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

}  // namespace

int fuzz_test_file(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string name = "fuzz-input.tests";
    source_map sources;
    const file_id id = sources.add(name, text);
    const result<test_file> parsed = parse_test_file(sources, id);
    require(parsed.value.has_value() || has_errors(parsed.diagnostics), "a test file failed to parse without an error");
    fuzz_support::render_every(parsed.diagnostics, sources);
    if (!parsed.value) return 0;
    fuzz_support::render_every(policytest::validate(*parsed.value), sources);
    run_and_report(name, text, *parsed.value);
    return 0;
}

}  // namespace vigil
