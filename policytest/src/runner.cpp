// Finding test files, loading the policy file each one tests, and running its cases: every case is
// a conversation fed turn by turn through the evaluator with a rule state of its own, then ended.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <type_traits>

#include <re2/re2.h>

#include "vigil/calendar.hpp"
#include "vigil/check.hpp"
#include "vigil/json_text.hpp"
#include "vigil/policytest.hpp"
#include "vigil/test_parse.hpp"

namespace vigil::policytest {

namespace {

namespace fs = std::filesystem;

/// `customer-care.vigil` for `customer-care.tests`, in the same folder.
std::string policy_beside(const std::string& test_path) {
    const fs::path p(test_path);
    return (p.parent_path() / (p.stem().string() + ".vigil")).generic_string();
}

/// A policy of the loaded set: its name and its rules, in the order written.
struct policy_info {
    std::string name;
    span name_where;
    std::vector<std::string> rules;
    bool in_tested_file = false;
    std::string version;                      // empty when it declares none
    std::optional<std::int64_t> from, until;  // its `effective` period, in ms; absent: open
    [[nodiscard]] bool limited() const { return from || until; }
    /// Whether the policy judges a record of time `t` (a limited one needs a time).
    [[nodiscard]] bool in_force(const std::optional<std::int64_t>& t) const {
        if (!limited()) return true;
        return t && (!from || *t >= *from) && (!until || *t < *until);
    }
};

std::vector<policy_info> policies_of(const loaded_set& loaded, const std::string& tested_file) {
    std::vector<policy_info> out;
    for (const ast::module& m : loaded.modules) {
        const bool tested = loaded.sources->file(m.file).name == tested_file;
        for (const ast::policy& p : m.policies) {
            policy_info info{p.name, p.name_where, {}, tested, p.version ? p.version->value : std::string(), {}, {}};
            for (const ast::rule& r : p.rules) info.rules.push_back(r.name);
            if (p.effective && p.effective->from) info.from = parse_effective_date(p.effective->from->value);
            if (p.effective && p.effective->until) info.until = parse_effective_date(p.effective->until->value);
            out.push_back(std::move(info));
        }
    }
    return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += separator;
        out += items[i];
    }
    return out;
}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`".
std::string listing(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out += i + 1 == names.size() ? " and " : ", ";
        out += "`" + names[i] + "`";
    }
    return out;
}

// ---- resolving names against the policies -----------------------------------------------------

/// The policies under test: those the `policy` line names (every version of each), or else every
/// policy of the policy file. Reports V0703 for a name no loaded policy has, or a policy file
/// without policies.
std::vector<const policy_info*> resolve_policies(const test_file& tf, const std::vector<policy_info>& policies,
                                                 const std::string& policy_path, std::vector<diagnostic>& out) {
    std::vector<const policy_info*> tested;
    std::vector<std::string> in_file;
    for (const policy_info& p : policies) {
        if (p.in_tested_file) in_file.push_back(p.name);
    }
    if (!tf.policies.empty()) {
        std::vector<std::string> all;
        for (const policy_info& p : policies) all.push_back(p.name);
        for (const ast::string_item& name : tf.policies) {
            bool found = false;
            for (const policy_info& p : policies) {
                if (p.name != name.value) continue;
                found = true;
                if (std::find(tested.begin(), tested.end(), &p) == tested.end()) tested.push_back(&p);
            }
            if (found) continue;
            diagnostic d = make_diagnostic(code::test_unknown_policy, name.where,
                                           "`" + policy_path + "` defines no policy `" + name.value + "`");
            if (auto match = closest_match(name.value, all)) {
                d.help = "did you mean `" + *match + "`?";
            } else if (!in_file.empty()) {
                d.help = "it defines " + listing(in_file);
            }
            out.push_back(std::move(d));
        }
        return tested;
    }
    for (const policy_info& p : policies) {
        if (p.in_tested_file) tested.push_back(&p);
    }
    if (tested.empty()) {
        out.push_back(make_diagnostic(code::test_unknown_policy, {tf.file, 0, 0},
                                      "`" + policy_path + "` defines no policy",
                                      "a test file tests the policies of the policy file beside it"));
    }
    return tested;
}

/// Reports rule names that no policy under test has, or that more than one has (V0704). The
/// versions of one policy (`effective` periods) are one policy here: a case's time picks the one
/// that judges it.
void resolve_rules(const test_file& tf, const std::vector<const policy_info*>& tested,
                   const std::vector<policy_info>& policies, std::vector<diagnostic>& out) {
    std::map<std::string, std::vector<std::string>> owners;  // rule -> the tested policies that have it
    std::vector<std::string> known;
    for (const policy_info* p : tested) {
        for (const std::string& rule : p->rules) {
            auto& list = owners[rule];
            if (list.empty()) known.push_back(rule);
            if (std::find(list.begin(), list.end(), p->name) == list.end()) list.push_back(p->name);
        }
    }
    std::vector<std::string> names;
    for (const policy_info* p : tested) {
        if (std::find(names.begin(), names.end(), p->name) == names.end()) names.push_back(p->name);
    }
    const std::string under_test =
        names.size() == 1 ? "policy `" + names.front() + "` has" : "no policy under test (" + listing(names) + ") has";
    for (const test_case& c : tf.cases) {
        for (const expectation& e : c.expectations) {
            for (const ast::word_item& rule : e.rules) {
                const auto found = owners.find(rule.value);
                if (found != owners.end() && found->second.size() == 1) continue;
                if (found != owners.end()) {
                    out.push_back(make_diagnostic(
                        code::test_unknown_rule, rule.where,
                        "rule `" + rule.value + "` is ambiguous: policies " + listing(found->second) +
                            (found->second.size() == 2 ? " both" : " all") + " have it",
                        "name only one of them on the `policy` line, or give the rules distinct names"));
                    continue;
                }
                diagnostic d = make_diagnostic(
                    code::test_unknown_rule, rule.where,
                    (names.size() == 1 ? under_test + " no rule `" : under_test + " a rule `") + rule.value + "`");
                if (auto match = closest_match(rule.value, known)) d.help = "did you mean `" + *match + "`?";
                for (const policy_info& other : policies) {
                    if (std::find(tested.begin(), tested.end(), &other) != tested.end()) continue;
                    if (std::find(other.rules.begin(), other.rules.end(), rule.value) == other.rules.end()) continue;
                    d.notes.push_back(
                        {"`" + rule.value + "` is a rule of policy `" + other.name + "`, which is not under test",
                         std::nullopt});
                    if (d.help.empty()) {
                        d.help = "name every policy under test on the `policy` line: `policy \"" +
                                 join(names, "\", \"") + "\", \"" + other.name + "\"`";
                    }
                    break;
                }
                out.push_back(std::move(d));
            }
        }
    }
}

// ---- judging a case ---------------------------------------------------------------------------

std::string on_turn(std::uint32_t turn) {
    return turn == 0 ? "at the end" : "on turn " + std::to_string(turn);
}

std::string describe(const finding* f, const std::string& rule, std::uint32_t turn) {
    if (!f) return "pass " + rule + " " + on_turn(turn);
    std::string text = std::string(outcome_name(f->result)) + " " + rule + " " + on_turn(turn);
    if (f->result == outcome::violation) return text + ": " + f->message;
    if (!f->missing.empty()) text += " (absent: " + join(f->missing, ", ") + ")";
    if (!f->errors.empty()) text += " (error: " + join(f->errors, "; ") + ")";
    return text;
}

// `when speaker == "ai": true`, `require ai.disclosed == true: unknown (absent: ai.disclosed)`.
std::string with_unknowns(std::string line, const std::vector<std::string>& missing,
                          const std::vector<std::string>& errors) {
    if (!missing.empty()) line += " (absent: " + join(missing, ", ") + ")";
    if (!errors.empty()) line += " (error: " + join(errors, "; ") + ")";
    return line;
}

std::string clause_line(const clause_explanation& c) {
    return with_unknowns(c.clause + " " + c.text + ": " + (c.value ? (*c.value ? "true" : "false") : "unknown"),
                         c.missing, c.errors);
}

// A definition's value as a why line shows it: conditions as true, false or unknown, other values
// as JSON, cut short (a definition may hold a whole lowered text).
std::string shown_value(const nlohmann::json& value) {
    if (value.is_null()) return "unknown";
    std::string text = value.dump();
    constexpr std::size_t longest = 60;
    if (text.size() > longest) {
        std::size_t cut = longest;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
        text.resize(cut);
        text += "...";
    }
    return text;
}

// The definitions under a part, one line each, indented by how deep they are named.
void definition_lines(const std::vector<definition_explanation>& definitions, const std::string& indent,
                      std::vector<std::string>& out) {
    for (const definition_explanation& d : definitions) {
        out.push_back(with_unknowns(indent + d.name + ": " + shown_value(d.value), d.missing, d.errors));
        definition_lines(d.definitions, indent + "  ", out);
    }
}

// A part's line, then the definitions it names; a part that is one definition's name alone
// (`forbid distressed`) is not repeated by that definition's line, only the definitions under it.
std::vector<std::string> clause_lines(const clause_explanation& c) {
    std::vector<std::string> lines{clause_line(c)};
    if (c.definitions.size() == 1 && c.definitions.front().name == c.text) {
        definition_lines(c.definitions.front().definitions, "  ", lines);
    } else {
        definition_lines(c.definitions, "  ", lines);
    }
    return lines;
}

class judge {
public:
    judge(const test_case& c, const source_map& sources, case_result& result)
        : m_case(c), m_sources(sources), m_result(result) {}

    /// Compares every expectation of the case with the outcomes in m_result.turns.
    void run() {
        for (const expectation& e : m_case.expectations) expectation_met(e);
        // Every violation that no expectation named or already showed.
        for (const turn_outcome& t : m_result.turns) {
            for (const finding& f : t.findings) {
                if (f.result != outcome::violation || m_explained.count({t.number, f.rule})) continue;
                add(difference::kind::unexpected,
                    "unexpected violation " + f.rule + " " + on_turn(t.number) + ": " + f.message);
                add_why(t, f.rule);
            }
        }
        m_result.passed = m_result.differences.empty();
    }

private:
    [[nodiscard]] std::uint32_t turn_of(const expectation& e) const {
        switch (e.target.k) {
            case turn_target::kind::last:
                return static_cast<std::uint32_t>(m_case.turns.size());
            case turn_target::kind::number:
                return e.target.number;
            case turn_target::kind::end:
                return 0;
        }
        return 0;
    }

    [[nodiscard]] const turn_outcome& outcome_of(std::uint32_t turn) const {
        // turns holds turns 1..n, then the end.
        return turn == 0 ? m_result.turns.back() : m_result.turns[turn - 1];
    }

    [[nodiscard]] std::string line_of(const expectation& e) const {
        return " (line " + std::to_string(m_sources.locate(e.where).line) + ")";
    }

    void add(difference::kind k, std::string text) { m_result.differences.push_back({k, std::move(text)}); }

    // How each part of `rule` came out on the turn, under the line that reported its outcome.
    void add_why(const turn_outcome& turn, const std::string& rule) {
        for (const rule_explanation& e : turn.explanations) {
            if (e.rule != rule) continue;
            for (const clause_explanation& c : e.clauses) {
                for (std::string& line : clause_lines(c)) add(difference::kind::why, std::move(line));
            }
            return;
        }
    }

    void expectation_met(const expectation& e) {
        const std::uint32_t turn = turn_of(e);
        const turn_outcome& actual = outcome_of(turn);
        switch (e.kind) {
            case expectation_kind::violation:
            case expectation_kind::undetermined:
            case expectation_kind::pass:
                for (const ast::word_item& rule : e.rules) {
                    const finding* found = nullptr;
                    for (const finding& f : actual.findings) {
                        if (f.rule == rule.value) {
                            found = &f;
                            break;
                        }
                    }
                    const bool met = e.kind == expectation_kind::pass
                                         ? found == nullptr
                                         : found != nullptr && (found->result == outcome::violation) ==
                                                                   (e.kind == expectation_kind::violation);
                    // A violation that was expected, or shown as the outcome of another
                    // expectation, is not reported again as unexpected.
                    if (found && found->result == outcome::violation) m_explained.insert({turn, rule.value});
                    if (met && e.message && found->message != e.message->text) {
                        add(difference::kind::expected, "expected message of " + rule.value + " " + on_turn(turn) +
                                                            line_of(e) + ": " + e.message->text);
                        add(difference::kind::actual, "actual message: " + found->message);
                        continue;
                    }
                    if (met) continue;
                    add(difference::kind::expected, "expected " + std::string(expectation_name(e.kind)) + " " +
                                                        rule.value + " " + on_turn(turn) + line_of(e));
                    add(difference::kind::actual, "actual " + describe(found, rule.value, turn));
                    add_why(actual, rule.value);
                }
                break;
            case expectation_kind::decision:
                if (actual.decision != e.decision) {
                    add(difference::kind::expected, "expected decision " + std::string(decision_name(e.decision)) +
                                                        " " + on_turn(turn) + line_of(e));
                    add(difference::kind::actual,
                        "actual decision " + std::string(decision_name(actual.decision)) + " " + on_turn(turn));
                }
                break;
            case expectation_kind::no_violations: {
                bool shown = false;
                for (const finding& f : actual.findings) {
                    if (f.result != outcome::violation) continue;
                    if (!shown) add(difference::kind::expected, "expected no violations " + on_turn(turn) + line_of(e));
                    shown = true;
                    m_explained.insert({turn, f.rule});
                    add(difference::kind::actual, "actual " + describe(&f, f.rule, turn));
                    add_why(actual, f.rule);
                }
                break;
            }
        }
    }

    const test_case& m_case;
    const source_map& m_sources;
    case_result& m_result;
    std::set<std::pair<std::uint32_t, std::string>> m_explained;  // (turn, rule) of violations shown
};

// A case whose record breaks the schema leaves the rules that read the value undetermined: it may
// pass while it tests something else than its author meant (`"speaker":"AI"` is not an AI turn).
void warn_of_breaches(const test_case& c, std::size_t turn, const std::vector<std::string>& breaches,
                      std::vector<diagnostic>& out) {
    if (breaches.empty()) return;
    const test_turn& t = c.turns[turn];
    const std::string which = t.record ? "the record of case `" + c.name + "`"
                                       : "turn " + std::to_string(turn + 1) + " of case `" + c.name + "`";
    for (const std::string& breach : breaches) {
        out.push_back(make_diagnostic(code::test_record_breaks_schema, t.json.where, which + ": " + breach,
                                      "the rules that read it are undetermined on this turn; give a value the "
                                      "schema allows, unless that is what the case tests"));
    }
}

case_result run_case(const test_file& tf, const test_case& c, const std::set<std::string>& policies, evaluator& ev,
                     const source_map& sources) {
    case_result result;
    result.name = c.name;
    result.where = c.where;
    auto relevant = [&](auto& all) {
        std::remove_reference_t<decltype(all)> kept;
        for (auto& item : all) {
            if (policies.count(item.policy)) kept.push_back(std::move(item));
        }
        return kept;
    };

    // The conversation: every turn with the state of the earlier ones, then its end.
    rule_state state = ev.new_state();
    const std::vector<nlohmann::json> records = case_records(tf, c);
    std::vector<difference> refused;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const std::string text = json_text(records[i]);
        decision d;
        std::vector<rule_explanation> why;
        std::string error;
        turn_outcome turn;
        turn.number = static_cast<std::uint32_t>(i + 1);
        if (ev.explain(text, state, d, why, error)) {
            turn.findings = relevant(d.findings);
            turn.decision = combined_decision(turn.findings);
            turn.explanations = relevant(why);
            warn_of_breaches(c, i, ev.schema_breaches(), result.warnings);
        } else {
            refused.push_back(
                {difference::kind::actual, "turn " + std::to_string(i + 1) + " could not be evaluated: " + error});
        }
        result.turns.push_back(std::move(turn));
    }
    std::vector<finding> end;
    ev.finish(state, end);
    turn_outcome last;
    last.number = 0;
    last.findings = relevant(end);
    last.decision = combined_decision(last.findings);
    result.turns.push_back(std::move(last));

    judge(c, sources, result).run();
    if (!refused.empty()) {
        result.differences.insert(result.differences.begin(), refused.begin(), refused.end());
        result.passed = false;
    }
    return result;
}

// The time of the record an expectation is about (the last record for `end`), when it has one.
std::optional<std::int64_t> time_of(const std::vector<nlohmann::json>& records, const turn_target& target) {
    if (records.empty()) return std::nullopt;
    std::size_t at = records.size() - 1;
    if (target.k == turn_target::kind::number && target.number >= 1 && target.number <= records.size())
        at = target.number - 1;
    const auto found = records[at].find("timestamp");
    if (found == records[at].end() || !found->is_string()) return std::nullopt;
    return parse_rfc3339(found->get<std::string>());
}

// Which rules, of which version of their policy, have a case expecting them violated and one
// expecting them to pass: an expectation counts for the versions in force at its record's time.
std::vector<rule_coverage> coverage_of(const test_file& tf, const std::vector<const policy_info*>& tested) {
    std::vector<rule_coverage> out;
    std::vector<const policy_info*> owner;  // per entry of out
    for (const policy_info* p : tested) {
        for (const std::string& rule : p->rules) {
            out.push_back({p->name, p->version, rule, false, false});
            owner.push_back(p);
        }
    }
    for (const test_case& c : tf.cases) {
        const std::vector<nlohmann::json> records = case_records(tf, c);
        for (const expectation& e : c.expectations) {
            if (e.kind != expectation_kind::violation && e.kind != expectation_kind::pass) continue;
            const std::optional<std::int64_t> time = time_of(records, e.target);
            for (const ast::word_item& rule : e.rules) {
                for (std::size_t i = 0; i < out.size(); ++i) {
                    if (out[i].rule != rule.value || !owner[i]->in_force(time)) continue;
                    if (e.kind == expectation_kind::violation)
                        out[i].violating = true;
                    else
                        out[i].passing = true;
                }
            }
        }
    }
    return out;
}

// ---- one test file ----------------------------------------------------------------------------

file_result run_one(const std::string& test_name, const std::optional<std::string>& given_text,
                    const std::vector<policy_input>& policies, bool policy_on_disk, const case_selection& selection) {
    file_result r;
    r.path = test_name;
    r.policy_path = policies.empty() ? std::string() : policies.front().name;
    auto sources = std::make_shared<source_map>();
    r.sources = sources;

    std::string error;
    std::optional<std::string> text = given_text ? given_text : read_whole_file(test_name, error);
    if (!text) {
        const file_id id = sources->add(test_name, "");
        r.diagnostics.push_back(make_diagnostic(code::test_file_unreadable, {id, 0, 0},
                                                "cannot read test file `" + test_name + "`: " + error));
        return r;
    }
    const file_id id = sources->add(test_name, std::move(*text));
    auto parsed = parse_test_file(*sources, id);
    r.diagnostics = std::move(parsed.diagnostics);
    const test_file tf = std::move(*parsed.value);
    const auto problems = validate(tf);
    r.diagnostics.insert(r.diagnostics.end(), problems.begin(), problems.end());
    if (tf.cases.empty() && !has_errors(r.diagnostics)) {
        // A file emptied or cut short would otherwise pass, testing nothing.
        r.diagnostics.push_back(make_diagnostic(code::test_invalid_case, {id, 0, 0}, "the test file has no case",
                                                "add `case \"name\" { record {...} expect ... }`"));
    }

    std::error_code ec;
    const bool policy_missing = policy_on_disk && !fs::is_regular_file(r.policy_path, ec);
    if (policy_missing) {
        const span at = tf.policies.empty() ? span{id, 0, 0} : tf.policy_where;
        r.diagnostics.push_back(make_diagnostic(
            code::test_unknown_policy, at, "no policy file `" + r.policy_path + "` beside this test file",
            "a test file tests the policy file with the same name in the same folder: `customer-care.tests` tests "
            "`customer-care.vigil`"));
    }
    sort_diagnostics(r.diagnostics);
    if (policy_missing) return r;

    // Load, check and compile the policy file and what it imports.
    auto loaded = load(policies);
    r.policy_diagnostics = std::move(loaded.diagnostics);
    r.policy_sources = loaded.value->sources;
    const std::vector<policy_info> infos = policies_of(*loaded.value, r.policy_path);
    const bool unreadable = std::any_of(r.policy_diagnostics.begin(), r.policy_diagnostics.end(),
                                        [](const diagnostic& d) { return d.value == code::file_unreadable; });
    std::shared_ptr<const compiled_set> set;
    auto checked = check(std::move(*loaded.value));
    r.policy_diagnostics.insert(r.policy_diagnostics.end(), checked.diagnostics.begin(), checked.diagnostics.end());
    if (checked.value && !has_errors(r.policy_diagnostics)) {
        auto compiled = compile(std::move(*checked.value));
        r.policy_diagnostics.insert(r.policy_diagnostics.end(), compiled.diagnostics.begin(),
                                    compiled.diagnostics.end());
        if (compiled.value && !has_errors(r.policy_diagnostics)) set = *compiled.value;
    }
    sort_diagnostics(r.policy_diagnostics);
    if (!set) {
        // Mistakes in the test file count first: they are the test author's to fix.
        r.status = has_errors(r.diagnostics) ? file_status::malformed
                   : unreadable              ? file_status::policy_unreadable
                                             : file_status::policy_invalid;
        return r;
    }

    // The names the expectations use (also when the test file has other mistakes: one run
    // reports every independent mistake).
    const std::vector<const policy_info*> tested = resolve_policies(tf, infos, r.policy_path, r.diagnostics);
    if (!tested.empty()) resolve_rules(tf, tested, infos, r.diagnostics);
    sort_diagnostics(r.diagnostics);
    if (tested.empty() || has_errors(r.diagnostics)) return r;
    std::set<std::string> names;
    for (const policy_info* p : tested) {
        if (names.insert(p->name).second) r.policies.push_back(p->name);  // versions share a name
    }

    evaluator ev(set);
    for (const test_case& c : tf.cases) {
        if (selection.selects(c.name)) {
            r.cases.push_back(run_case(tf, c, names, ev, *sources));
        } else {
            case_result& left_out = r.cases.emplace_back();
            left_out.name = c.name;
            left_out.where = c.where;
            left_out.skipped = true;
        }
    }
    r.coverage = coverage_of(tf, tested);
    r.status = file_status::ran;
    return r;
}

}  // namespace

// ---- public entry points ----------------------------------------------------------------------

std::string difference::line() const {
    if (k == kind::why) return "    " + text;
    return (k == kind::expected ? "- " : "+ ") + text;
}

std::size_t file_result::passed() const {
    return static_cast<std::size_t>(
        std::count_if(cases.begin(), cases.end(), [](const case_result& c) { return c.passed; }));
}

std::size_t file_result::failed() const {
    return static_cast<std::size_t>(
        std::count_if(cases.begin(), cases.end(), [](const case_result& c) { return !c.passed && !c.skipped; }));
}

std::size_t file_result::skipped() const {
    return static_cast<std::size_t>(
        std::count_if(cases.begin(), cases.end(), [](const case_result& c) { return c.skipped; }));
}

std::size_t run_result::passed() const {
    std::size_t n = 0;
    for (const file_result& f : files) n += f.passed();
    return n;
}

std::size_t run_result::failed() const {
    std::size_t n = 0;
    for (const file_result& f : files) n += f.failed();
    return n;
}

std::size_t run_result::skipped() const {
    std::size_t n = 0;
    for (const file_result& f : files) n += f.skipped();
    return n;
}

struct case_selection::impl {
    std::string pattern;
    std::unique_ptr<RE2> regex;  // none: every case
};

case_selection::case_selection(const std::string& pattern) : m(std::make_unique<impl>()) {
    m->pattern = pattern;
    if (pattern.empty()) return;
    RE2::Options options;
    options.set_log_errors(false);
    m->regex = std::make_unique<RE2>(pattern, options);
    if (!m->regex->ok())
        throw std::invalid_argument("invalid regular expression `" + pattern + "`: " + m->regex->error());
}

case_selection::~case_selection() = default;
case_selection::case_selection(case_selection&&) noexcept = default;
case_selection& case_selection::operator=(case_selection&&) noexcept = default;

bool case_selection::selects(const std::string& case_name) const {
    return !m->regex || RE2::PartialMatch(case_name, *m->regex);
}

const std::string& case_selection::pattern() const {
    return m->pattern;
}

std::vector<rule_coverage> run_result::coverage() const {
    std::vector<rule_coverage> out;
    for (const file_result& f : files) {
        for (const rule_coverage& r : f.coverage) {
            auto same = [&](const rule_coverage& o) {
                return o.policy == r.policy && o.version == r.version && o.rule == r.rule;
            };
            if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end()) {
                it->violating = it->violating || r.violating;
                it->passing = it->passing || r.passing;
            } else {
                out.push_back(r);
            }
        }
    }
    return out;
}

std::vector<std::string> discover(const std::vector<std::string>& paths, source_map& sources,
                                  std::vector<diagnostic>& problems) {
    std::vector<std::string> found;
    std::set<std::string> seen;
    auto problem = [&](const std::string& path, std::string message, std::string help = {}) {
        const file_id id = sources.add(path, "");
        problems.push_back(
            make_diagnostic(code::test_file_unreadable, {id, 0, 0}, std::move(message), std::move(help)));
    };
    auto add = [&](const fs::path& path) {
        std::error_code ec;
        fs::path key = fs::weakly_canonical(path, ec);
        if (ec) key = fs::absolute(path, ec).lexically_normal();
        if (seen.insert(key.string()).second) found.push_back(path.generic_string());
    };
    for (const std::string& given : paths) {
        std::error_code ec;
        const fs::path path(given);
        if (fs::is_directory(path, ec)) {
            std::vector<fs::path> below;
            for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
                if (it->path().extension() == ".tests" && it->is_regular_file(ec)) below.push_back(it->path());
            }
            if (ec) {
                problem(given, "cannot read folder `" + given + "`: " + ec.message());
                continue;
            }
            std::sort(below.begin(), below.end());
            if (below.empty()) {
                problem(given, "no test files (`*.tests`) under `" + given + "`",
                        "a policy file's cases go in the file beside it with the same name and the extension `.tests`");
            }
            for (const fs::path& p : below) add(p);
        } else if (!fs::exists(path, ec)) {
            problem(given, "cannot read `" + given + "`: " + std::strerror(ENOENT));
        } else if (path.extension() == ".vigil") {
            const fs::path tests = path.parent_path() / (path.stem().string() + ".tests");
            if (!fs::exists(tests, ec)) {
                problem(given, "no test file `" + tests.generic_string() + "` for `" + given + "`",
                        "a policy file's cases go in the file beside it with the same name and the extension `.tests`");
                continue;
            }
            add(tests);
        } else {
            add(path);
        }
    }
    return found;
}

file_result run_file(const std::string& test_path, const case_selection& selection) {
    return run_one(test_path, std::nullopt, {{policy_beside(test_path), std::nullopt}}, true, selection);
}

file_result run_text(const std::string& test_name, const std::string& test_text,
                     const std::vector<policy_input>& policies, const case_selection& selection) {
    return run_one(test_name, test_text, policies, false, selection);
}

run_result run(const std::vector<std::string>& paths, const case_selection& selection) {
    run_result out;
    auto sources = std::make_shared<source_map>();
    const std::vector<std::string> files = discover(paths, *sources, out.diagnostics);
    out.sources = sources;
    out.case_pattern = selection.pattern();
    for (const std::string& f : files) out.files.push_back(run_file(f, selection));
    return out;
}

bool selected_nothing(const run_result& run) {
    const bool some_ran = std::any_of(run.files.begin(), run.files.end(),
                                      [](const file_result& f) { return f.status == file_status::ran; });
    return !run.case_pattern.empty() && some_ran && run.passed() + run.failed() == 0;
}

int exit_status(const run_result& run, const options& opts) {
    bool bad_input = has_errors(run.diagnostics);
    bool bad_policy = false;
    for (const file_result& f : run.files) {
        if (f.status == file_status::malformed || f.status == file_status::policy_unreadable) bad_input = true;
        if (f.status == file_status::policy_invalid) bad_policy = true;
    }
    if (bad_input || selected_nothing(run)) return 2;
    if (bad_policy) return 3;
    if (run.failed() > 0) return 1;
    if (opts.coverage_strict) {
        for (const rule_coverage& r : run.coverage()) {
            if (!r.complete()) return 1;
        }
    }
    return 0;
}

}  // namespace vigil::policytest
