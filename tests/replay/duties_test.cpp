// Every duty of the shipped policy library shows up in the generator's sample log: replaying
// `vigil generate -n 5000` (seed 1) under policies/ gives at least one violation of every policy
// file, so the library is exercised by realistic turns and not only by its hand-written cases.

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "helpers.hpp"
#include "vigil/datagen.hpp"
#include "vigil/replay.hpp"

namespace fs = std::filesystem;
using namespace replay_test;

namespace {

// The policies each file under policies/ defines, by file name. Files without a policy
// (common.vigil, which only holds shared definitions) are left out.
std::map<std::string, std::set<std::string>> policies_by_file() {
    auto loaded = vigil::load({{std::string(VIGIL_SOURCE_DIR) + "/policies", {}}});
    BOOST_REQUIRE(loaded.value);
    std::map<std::string, std::set<std::string>> out;
    for (const auto& module : loaded.value->modules) {
        if (module.policies.empty()) continue;
        const std::string file = fs::path(loaded.value->sources->file(module.file).name).filename().string();
        for (const auto& policy : module.policies) out[file].insert(policy.name);
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_sample_log_breaks_every_duty) {
    const auto dir = scratch_dir("duties");
    const std::string log = (dir / "sample.jsonl").string();
    vigil::datagen::options gen;  // as `vigil generate -n 5000`: seed 1, no faults
    gen.records = 5000;
    vigil::datagen::write_file(gen, log);

    vigil::replay::options opts;
    opts.logs = {log};
    opts.threads = 2;
    const auto s = vigil::replay::run(shipped_policies(), opts, [](std::string_view) {});
    BOOST_REQUIRE(s.decided == 5000u);

    std::map<std::string, std::size_t> violations;  // by policy
    for (const auto& r : s.by_rule) violations[r.policy] += r.violations;

    const auto files = policies_by_file();
    BOOST_TEST(files.size() >= 6u, "policies/ holds " << files.size() << " policy files");
    for (const auto& [file, policies] : files) {
        std::size_t found = 0;
        for (const auto& policy : policies) found += violations[policy];
        BOOST_TEST(found > 0u, "policies/" << file << ": no violation in the sample log");
    }
}
