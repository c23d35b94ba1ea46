#pragma once
// Helpers for the evaluator tests: policy text -> compiled set (through the real loader, checker
// and compiler), records -> decisions, and a way to ask for the three-valued truth of one condition.

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "vigil/check.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/parse.hpp"

namespace vigil {
inline std::ostream& operator<<(std::ostream& os, outcome o) { return os << outcome_name(o); }
inline std::ostream& operator<<(std::ostream& os, decision_kind k) { return os << decision_name(k); }
}  // namespace vigil

namespace eval_test {

using compiled = std::shared_ptr<const vigil::compiled_set>;

/// Loads, checks and compiles policy text. On failure returns null and puts every diagnostic's
/// rendering (or message) in `problems`.
inline compiled try_compile(std::string_view text, std::string& problems, const vigil::compile_options& options = {}) {
    auto loaded = vigil::load({{"<test>", std::string(text)}});
    auto describe = [&problems](const std::vector<vigil::diagnostic>& ds, const vigil::source_map* sources) {
        for (const auto& d : ds) {
            if (d.level != vigil::severity::error) continue;
            problems += sources ? vigil::render_text(d, *sources) : d.message;
            problems += "\n";
        }
    };
    if (!loaded.ok()) {
        describe(loaded.diagnostics, loaded.value ? loaded.value->sources.get() : nullptr);
        return nullptr;
    }
    auto sources = loaded.value->sources;
    auto checked = vigil::check(std::move(*loaded.value));
    if (!checked.ok()) {
        describe(checked.diagnostics, sources.get());
        return nullptr;
    }
    auto result = vigil::compile(std::move(*checked.value), options);
    if (!result.ok()) {
        describe(result.diagnostics, sources.get());
        return nullptr;
    }
    return *result.value;
}

/// Compiles or fails the current test, printing the diagnostics.
inline compiled compile_policy(std::string_view text, const vigil::compile_options& options = {}) {
    std::string problems;
    compiled set = try_compile(text, problems, options);
    BOOST_REQUIRE_MESSAGE(set != nullptr, "policy does not compile:\n" << problems << "\n" << text);
    return set;
}

/// Decides one record, failing the test when the record is refused.
inline vigil::decision decide(const compiled& set, std::string_view record) {
    vigil::evaluator judge(set);
    vigil::decision d;
    std::string error;
    BOOST_REQUIRE_MESSAGE(judge.decide(record, d, error), "record refused: " << error << "\n" << record);
    return d;
}

inline const vigil::finding* find(const vigil::decision& d, std::string_view rule) {
    for (const auto& f : d.findings) {
        if (f.rule == rule) return &f;
    }
    return nullptr;
}

/// The three-valued truth of `condition` for `record`: "true", "false" or "unknown". It is read
/// from the outcome of `rule r { forbid <condition> }`: violation, no finding, undetermined.
/// `finding_out`, when given, receives the finding (for its missing paths and errors).
inline std::string truth(std::string_view condition, std::string_view record, vigil::finding* finding_out = nullptr,
                         std::string_view definitions = {}) {
    std::string text = "policy \"t\" {\n";
    text += definitions;
    text += "\n  rule r {\n    forbid ";
    text += condition;
    text += "\n  }\n}\n";
    compiled set = compile_policy(text);
    vigil::decision d = decide(set, record);
    if (d.findings.empty()) return "false";
    if (finding_out) *finding_out = d.findings.front();
    return d.findings.front().result == vigil::outcome::violation ? "true" : "unknown";
}

}  // namespace eval_test
