// What a run of `vigil test` shows: the text report for people and JUnit XML for CI systems.

#include <algorithm>
#include <cstdint>

#include "vigil/policytest.hpp"
#include "vigil/wording.hpp"

namespace vigil::policytest {

namespace {

std::string render_all(const std::vector<diagnostic>& diagnostics, const source_map& sources) {
    std::string out;
    // As `vigil check` prints them: a blank line after each.
    for (const diagnostic& d : diagnostics) out += render_text(d, sources) + "\n";
    return out;
}

std::size_t count_errors(const std::vector<diagnostic>& diagnostics) {
    std::size_t n = 0;
    for (const diagnostic& d : diagnostics) n += d.level == severity::error ? 1 : 0;
    return n;
}

/// Why the cases of a file did not run, for the ERROR line and JUnit.
std::string not_run_reason(const file_result& f) {
    switch (f.status) {
        case file_status::ran:
            return {};
        case file_status::malformed:
            return "the test file has " + plural(count_errors(f.diagnostics), "error", "errors") +
                   (has_errors(f.policy_diagnostics) ? " and the policies in `" + f.policy_path + "` do not check"
                                                     : "") +
                   "; no case was run";
        case file_status::policy_unreadable:
            return "`" + f.policy_path + "` or a file it imports cannot be read; no case was run";
        case file_status::policy_invalid:
            return "the policies in `" + f.policy_path + "` do not check; no case was run";
    }
    return {};
}

/// The diagnostics that explain why the cases of a file did not run.
std::string not_run_diagnostics(const file_result& f) {
    std::string out;
    if (f.status == file_status::malformed) out += render_all(f.diagnostics, *f.sources);
    if (f.policy_sources && has_errors(f.policy_diagnostics))
        out += render_all(f.policy_diagnostics, *f.policy_sources);
    return out;
}

// "policy/rule", or "policy version/rule" when the coverage holds several versions of the policy.
std::string coverage_name(const rule_coverage& r, const std::vector<rule_coverage>& all) {
    const bool versions = std::any_of(
        all.begin(), all.end(), [&](const rule_coverage& o) { return o.policy == r.policy && o.version != r.version; });
    return versions ? r.policy + " " + r.version + "/" + r.rule : r.policy + "/" + r.rule;
}

std::string missing_reason(const rule_coverage& r) {
    if (!r.violating && !r.passing) return "no violating and no passing case";
    return !r.violating ? "no violating case" : "no passing case";
}

std::string case_failure_summary(const case_result& c) {
    std::size_t expected = 0, unexpected = 0, other = 0;
    for (const difference& d : c.differences) {
        if (d.k == difference::kind::expected)
            ++expected;
        else if (d.k == difference::kind::unexpected)
            ++unexpected;
        else if (d.k == difference::kind::actual && d.text.find("could not be evaluated") != std::string::npos)
            ++other;
    }
    std::string out;
    auto part = [&](std::string text) { out += (out.empty() ? "" : ", ") + text; };
    if (expected) part(plural(expected, "expectation", "expectations") + " not met");
    if (unexpected) part(plural(unexpected, "unexpected violation", "unexpected violations"));
    if (other) part(plural(other, "turn", "turns") + " not evaluated");
    return out;
}

}  // namespace

std::string coverage_line(const std::vector<rule_coverage>& coverage) {
    if (coverage.empty()) return {};
    std::size_t complete = 0;
    std::string missing;
    for (const rule_coverage& r : coverage) {
        if (r.complete()) {
            ++complete;
            continue;
        }
        missing += (missing.empty() ? "" : ", ") + coverage_name(r, coverage) + " (" + missing_reason(r) + ")";
    }
    std::string out = "coverage: " + std::to_string(complete) + "/" + std::to_string(coverage.size()) +
                      (coverage.size() == 1 ? " rule has" : " rules have") + " a violating and a passing case";
    if (!missing.empty()) out += "; missing: " + missing;
    return out;
}

std::string report_text(const run_result& run) {
    std::string out;
    if (run.sources) out += render_all(run.diagnostics, *run.sources);
    for (const file_result& f : run.files) {
        if (f.status != file_status::ran) {
            out += not_run_diagnostics(f);
            out += "ERROR " + f.path + ": " + not_run_reason(f) + "\n";
            continue;
        }
        for (const case_result& c : f.cases) {
            if (c.skipped) continue;
            out += render_all(c.warnings, *f.sources);
            out += (c.passed ? "PASS " : "FAIL ") + f.path + ": " + c.name + "\n";
            for (const difference& d : c.differences) out += "  " + d.line() + "\n";
        }
    }
    if (selected_nothing(run)) out += "ERROR no case name matches `" + run.case_pattern + "`\n";
    if (const std::string coverage = coverage_line(run.coverage()); !coverage.empty()) out += coverage + "\n";
    out += std::to_string(run.passed()) + " passed, " + std::to_string(run.failed()) + " failed";
    if (!run.case_pattern.empty()) out += ", " + std::to_string(run.skipped()) + " skipped";
    out += "\n";
    return out;
}

std::string report_junit(const run_result& run, const options& opts) {
    struct suite {
        std::string name;
        std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
        std::string body;
    };
    std::vector<suite> suites;
    auto testcase = [](const std::string& classname, const std::string& name, const std::string& file,
                       std::uint32_t line, const std::string& inner) {
        std::string out = "    <testcase classname=\"" + xml_escape(classname, true) + "\" name=\"" +
                          xml_escape(name, true) + "\" file=\"" + xml_escape(file, true) + "\"";
        if (line) out += " line=\"" + std::to_string(line) + "\"";
        if (inner.empty()) return out + "/>\n";
        return out + ">\n" + inner + "    </testcase>\n";
    };

    if (!run.diagnostics.empty() && run.sources) {
        suite s{"vigil test", 1, 0, 1, 0, {}};
        std::string detail;
        for (const diagnostic& d : run.diagnostics) detail += render_text(d, *run.sources);
        s.body = testcase("vigil test", "paths", "", 0,
                          "      <error message=\"" + xml_escape("some paths name no test file", true) +
                              "\" type=\"V0707\">" + xml_escape(detail, false) + "</error>\n");
        suites.push_back(std::move(s));
    }
    for (const file_result& f : run.files) {
        suite s{f.path, 0, 0, 0, 0, {}};
        std::string classname;
        for (const std::string& p : f.policies) classname += (classname.empty() ? "" : ",") + p;
        if (classname.empty()) classname = f.path;
        if (f.status != file_status::ran) {
            s.tests = 1;
            s.errors = 1;
            const diagnostic* first = nullptr;
            const auto& list = f.status == file_status::malformed ? f.diagnostics : f.policy_diagnostics;
            for (const diagnostic& d : list) {
                if (d.level == severity::error) {
                    first = &d;
                    break;
                }
            }
            const std::string type = first ? std::string(info(first->value).id) : "error";
            s.body = testcase(classname, "(test file)", f.path, 0,
                              "      <error message=\"" + xml_escape(not_run_reason(f), true) + "\" type=\"" + type +
                                  "\">" + xml_escape(not_run_diagnostics(f), false) + "</error>\n");
        } else {
            for (const case_result& c : f.cases) {
                ++s.tests;
                std::string inner;
                if (c.skipped) {
                    ++s.skipped;
                    inner = "      <skipped message=\"" +
                            xml_escape("its name does not match `" + run.case_pattern + "`", true) + "\"/>\n";
                } else if (!c.passed) {
                    ++s.failures;
                    std::string diff;
                    for (const difference& d : c.differences) diff += d.line() + "\n";
                    inner = "      <failure message=\"" + xml_escape(case_failure_summary(c), true) +
                            "\" type=\"expectation\">" + xml_escape(diff, false) + "</failure>\n";
                }
                if (!c.warnings.empty())
                    inner += "      <system-out>" + xml_escape(render_all(c.warnings, *f.sources), false) +
                             "</system-out>\n";
                s.body += testcase(classname, c.name, f.path, f.sources->locate(c.where).line, inner);
            }
        }
        suites.push_back(std::move(s));
    }
    if (opts.coverage_strict) {
        suite s{"coverage", 0, 0, 0, 0, {}};
        const std::vector<rule_coverage> coverage = run.coverage();
        for (const rule_coverage& r : coverage) {
            ++s.tests;
            std::string inner;
            if (!r.complete()) {
                ++s.failures;
                inner = "      <failure message=\"" + xml_escape(missing_reason(r), true) + "\" type=\"coverage\"/>\n";
            }
            s.body += testcase("coverage", coverage_name(r, coverage), "", 0, inner);
        }
        suites.push_back(std::move(s));
    }

    std::size_t tests = 0, failures = 0, errors = 0;
    for (const suite& s : suites) {
        tests += s.tests;
        failures += s.failures;
        errors += s.errors;
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"vigil test\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
           std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\">\n";
    for (const suite& s : suites) {
        out += "  <testsuite name=\"" + xml_escape(s.name, true) + "\" tests=\"" + std::to_string(s.tests) +
               "\" failures=\"" + std::to_string(s.failures) + "\" errors=\"" + std::to_string(s.errors) +
               "\" skipped=\"" + std::to_string(s.skipped) + "\">\n";
        out += s.body;
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    return out;
}

}  // namespace vigil::policytest
