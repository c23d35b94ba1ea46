#include "vigil/check.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <re2/re2.h>

#include "schema.hpp"
#include "timestamp.hpp"
#include "vigil/sha256.hpp"

namespace vigil {

namespace {

using ast::overloaded;

using json = nlohmann::json;

bool same_kind(const type& a, const type& b) { return a.k == b.k; }
bool is(const type& t, type::kind k) { return t.k == type::kind::any || t.k == k; }

std::string backticked(std::string_view s) { return "`" + std::string(s) + "`"; }

std::string with_article(const type& t) {
    const std::string name = type_name(t);
    if (t.k == type::kind::list || t.k == type::kind::object || t.k == type::kind::null) return "a " + name;
    if (t.k == type::kind::any) return "a value";
    return name == "text" ? "a text" : (name == "condition" ? "a condition" : "a " + name);
}

// What the checker knows about an expression beyond its type: the schema node of a record path.
struct info {
    type t;
    const json* schema = nullptr;  // when the expression is a record path and a schema is declared
    bool is_path = false;          // a record path (field, variable, select/index chain on one)
};

// ---------------------------------------------------------------------------------------------

// How deep definitions may use one another: the checker and the compiler recurse per level.
constexpr std::size_t max_definition_depth = 256;
// How deep an expression may be with the definitions it uses written out, as the compiler and the
// evaluator see it: they recurse per operator. The parser bounds each expression (512), but
// definitions add up: 60 definitions of 500 operators, each using the one before, overflowed the
// stack of the checker or of the compiler (depending on the order they were written in).
constexpr std::size_t max_written_height = 2048;

struct scope {
    // name -> definition, for file-level (own and imported) and policy-level definitions
    std::map<std::string, const ast::definition*> definitions;
    std::optional<schema_view> schema;

    // The names of `definitions`, for "did you mean": every name a policy reads is measured against
    // them, so they are listed once (again when a definition was added since) instead of once per
    // name read, which took seconds for a policy with thousands of definitions.
    const std::vector<std::string>& definition_names() const {
        if (m_names.size() != definitions.size()) {
            m_names.clear();
            for (const auto& entry : definitions) m_names.push_back(entry.first);
        }
        return m_names;
    }

    // The definition a name not defined is likely a typo of. A policy without a schema reads its
    // fields by such names, the same few of them in every rule: each is measured once.
    const std::optional<std::string>& closest_definition(const std::string& name) const {
        const auto& names = definition_names();
        if (m_guessed_among != names.size()) {
            m_guesses.clear();
            m_guessed_among = names.size();
        }
        auto [it, added] = m_guesses.try_emplace(name);
        if (added) it->second = closest_match(name, names);
        return it->second;
    }

private:
    mutable std::vector<std::string> m_names;  // definitions are only ever added, so the size tells
    mutable std::unordered_map<std::string, std::optional<std::string>> m_guesses;
    mutable std::size_t m_guessed_among = 0;  // the definitions m_guesses were measured against
};

class checker {
public:
    checker(checked_set& set, bool complete) : m_set(set), m_complete(complete) {}

    std::vector<diagnostic> run() {
        collect_file_scopes();
        check_policy_names();
        for (const auto& module : m_set.modules) {
            const scope& file_scope = m_file_scopes.at(module.file);
            for (const auto& def : module.definitions) check_definition(def, file_scope);
            for (const auto& policy : module.policies) check_policy(policy, file_scope);
        }
        report_unused();
        report_empty_files();
        if (m_complete && !has_errors(m_diagnostics)) refuse_empty_set();
        deduplicate();
        sort_diagnostics(m_diagnostics);
        return std::move(m_diagnostics);
    }

private:
    // ---- scopes --------------------------------------------------------------------------

    void collect_file_scopes() {
        std::map<file_id, const ast::module*> by_file;
        for (const auto& module : m_set.modules) by_file[module.file] = &module;
        for (const auto& module : m_set.modules) {
            scope s;
            add_definitions(s, module.definitions);
            for (const auto& imp : module.imports) {
                // An import that closes a cycle is an error already; its names still resolve.
                const std::optional<file_id> target = imp.resolved ? imp.resolved : imp.closes_cycle_to;
                if (!target) continue;
                auto it = by_file.find(*target);
                if (it != by_file.end()) add_definitions(s, it->second->definitions);
            }
            for (const auto& def : module.definitions) m_definition_file[&def] = module.file;
            m_file_scopes.emplace(module.file, std::move(s));
        }
    }

    void add_definitions(scope& s, const std::vector<ast::definition>& definitions) {
        for (const auto& def : definitions) {
            auto [it, inserted] = s.definitions.emplace(def.name, &def);
            if (!inserted && it->second != &def) duplicate_definition(def, *it->second);
        }
    }

    void duplicate_definition(const ast::definition& def, const ast::definition& first) {
        auto d = make_diagnostic(code::duplicate_definition, def.name_where,
                                 "definition " + backticked(def.name) + " is defined twice");
        d.notes.push_back({"first defined here", first.name_where});
        report(std::move(d));
        // Joined as sets are (union-find), so files importing each other make no loop.
        const ast::definition* root = first_namesake(&def);
        const ast::definition* first_root = first_namesake(&first);
        if (root != first_root) m_namesake[root] = first_root;
    }

    // The one that stands for all the definitions sharing `def`'s name in a scope (V0203): a use
    // of any of them resolves to one, so they count as used together.
    const ast::definition* first_namesake(const ast::definition* def) const {
        for (auto it = m_namesake.find(def); it != m_namesake.end(); it = m_namesake.find(def)) def = it->second;
        return def;
    }

    // Names are unique in a policy set, except that versions of one policy may share it when their
    // effective periods do not overlap. Dates are validated here, once per policy.
    void check_policy_names() {
        struct version_seen {
            const ast::policy* policy;
            period p;
            bool reported;  // as overlapping another
        };
        std::map<std::string, std::vector<version_seen>> seen;
        for (const auto& module : m_set.modules) {
            for (const auto& policy : module.policies) {
                period p = policy_period(policy);
                auto& versions = seen[policy.name];
                bool reported = false;
                for (const auto& other : versions) {
                    const bool both_limited = policy.effective && other.policy->effective;
                    if (both_limited && (!p.valid || !other.p.valid)) continue;  // already reported
                    if (both_limited && !(p.from < other.p.until && other.p.from < p.until)) continue;
                    auto d = make_diagnostic(code::duplicate_policy, policy.name_where,
                                             "policy " + backticked(policy.name) + " is defined twice in this policy set",
                                             "policies may share a name only when their `effective` periods do not overlap");
                    d.notes.push_back({both_limited ? "its effective period overlaps this one" : "first defined here",
                                       both_limited ? other.policy->effective->where : other.policy->name_where});
                    report(std::move(d));
                    reported = true;
                    break;
                }
                versions.push_back({&policy, p, reported});
            }
        }
        for (const auto& [name, versions] : seen) {
            std::vector<const ast::policy*> apart;
            for (const auto& v : versions) {
                if (!v.reported) apart.push_back(v.policy);
            }
            if (apart.size() > 1) check_versions_distinct(apart);
        }
    }

    // Each finding names the version of the policy that judged the record: versions that share a
    // name must each say which they are.
    void check_versions_distinct(const std::vector<const ast::policy*>& policies) {
        std::map<std::string, const ast::string_item*> declared;
        for (const ast::policy* policy : policies) {
            if (!policy->version) {
                report(make_diagnostic(code::indistinct_versions, policy->name_where,
                                       "policy " + backticked(policy->name) +
                                           " has other versions in this policy set but no `version` of its own",
                                       "add `version \"...\"`: each finding names the version that judged the record"));
                continue;
            }
            const auto [first, fresh] = declared.emplace(policy->version->value, &*policy->version);
            if (fresh) continue;
            auto d = make_diagnostic(code::indistinct_versions, policy->version->where,
                                     "version " + backticked(policy->version->value) + " of policy " +
                                         backticked(policy->name) + " is declared twice",
                                     "give each version of a policy its own `version`");
            d.notes.push_back({"first declared here", first->second->where});
            report(std::move(d));
        }
    }

    // An effective period, [from, until); `valid` is false when a date was reported.
    struct period {
        double from = -std::numeric_limits<double>::infinity();
        double until = std::numeric_limits<double>::infinity();
        bool valid = true;
    };

    // The period of a policy, reporting dates that are not dates and periods that are empty.
    period policy_period(const ast::policy& policy) {
        period p;
        if (!policy.effective) return p;
        auto bound = [&](const std::optional<ast::string_item>& item, double& out) {
            if (!item) return;
            if (auto t = timestamp::parse_date(item->value)) {
                out = *t;
                return;
            }
            p.valid = false;
            report(make_diagnostic(code::invalid_date, item->where, "invalid date " + backticked(item->value),
                                   "write a date as `2025-01-01`, or a time as `2025-01-01T09:00:00Z`"));
        };
        bound(policy.effective->from, p.from);
        bound(policy.effective->until, p.until);
        if (p.valid && policy.effective->from && policy.effective->until && !(p.from < p.until)) {
            p.valid = false;
            report(make_diagnostic(code::invalid_date, policy.effective->where,
                                   "the effective period of policy " + backticked(policy.name) + " is empty",
                                   "`from` must come before `until`"));
        }
        return p;
    }

    // ---- policies and rules ------------------------------------------------------------

    void check_policy(const ast::policy& policy, const scope& file_scope) {
        scope s = file_scope;
        if (!policy.schema_key.empty()) {
            auto it = m_set.schemas.find(policy.schema_key);
            if (it != m_set.schemas.end()) s.schema.emplace(&it->second);
        }
        for (const auto& def : policy.definitions) {
            auto [it, inserted] = s.definitions.emplace(def.name, &def);
            if (!inserted) {
                duplicate_definition(def, *it->second);
                it->second = &def;
            }
            m_policy_definitions.insert(&def);
        }
        const scope* previous = m_scope;
        m_scope = &s;
        for (const auto& def : policy.definitions) {
            if (schema_knows(def.name)) warn_shadowed(def.name_where, "definition", def.name, "the record field");
            check_definition(def, s);
        }
        std::map<std::string, const ast::rule*> rules;
        for (const auto& rule : policy.rules) {
            auto [it, inserted] = rules.emplace(rule.name, &rule);
            if (!inserted) {
                auto d = make_diagnostic(code::duplicate_rule, rule.name_where,
                                         "rule " + backticked(rule.name) + " is defined twice in policy " +
                                             backticked(policy.name));
                d.notes.push_back({"first defined here", it->second->name_where});
                report(std::move(d));
            }
            check_rule(rule);
        }
        m_scope = previous;
    }

    void check_rule(const ast::rule& rule) {
        if (rule.severity) {
            const auto& levels = severity_levels();
            if (std::find(levels.begin(), levels.end(), rule.severity->value) == levels.end()) {
                report(unknown_word(code::unknown_severity, "severity", *rule.severity, levels,
                                    "severities are info, low, medium, high, critical"));
            }
        }
        for (const auto& remedy : rule.remedies) check_remedy(remedy);
        bool has_obligation = false;
        for (const auto& clause : rule.clauses) {
            has_obligation |= clause.kind == ast::clause_kind::require || clause.kind == ast::clause_kind::forbid;
            const info i = infer(*clause.condition);
            if (!is(i.t, type::kind::boolean)) {
                report(make_diagnostic(code::not_a_condition, clause.condition->where,
                                       "expected a condition here, found " + with_article(i.t),
                                       "a condition is a comparison, a test such as `exists(x)`, or `and`/`or`/`not` of them"));
            }
            if (clause.kind == ast::clause_kind::when) check_can_apply(rule, *clause.condition);
        }
        if (rule.then) check_then(rule, has_obligation);
        // A rule with a broken setting may have lost its clause to the syntax error already reported.
        if (!has_obligation && !rule.then && !rule.has_syntax_errors) {
            report(make_diagnostic(code::rule_without_obligation, rule.name_where,
                                   "rule " + backticked(rule.name) + " has no `require`, `forbid` or `then`",
                                   "add `require <condition>` (what must hold), `forbid <condition>` (what must not), "
                                   "or `then within <n> turns require <condition>` (what must follow)"));
        }
        if (rule.message) {
            for (const auto& part : rule.message->parts) {
                if (part.value) infer(*part.value);
            }
        }
    }

    void check_then(const ast::rule& rule, bool has_obligation) {
        const ast::deferred& then = *rule.then;
        if (then.turns < 1 || then.turns > max_window_turns) {
            report(make_diagnostic(code::invalid_window, then.turns_where,
                                   "a deferred obligation spans 1 to " + std::to_string(max_window_turns) +
                                       " turns, found " + std::to_string(then.turns)));
        }
        auto condition = [&](const ast::expr& e, std::string_view what) {
            const info i = infer(e);
            if (!is(i.t, type::kind::boolean)) {
                report(make_diagnostic(code::not_a_condition, e.where,
                                       "expected a condition " + std::string(what) + ", found " + with_article(i.t)));
            }
        };
        if (then.filter) condition(*then.filter, "after `where`");
        condition(*then.condition, then.kind == ast::clause_kind::forbid ? "after `forbid`" : "after `require`");
        if (!has_obligation) return;
        for (const auto& clause : rule.clauses) {
            if (clause.kind != ast::clause_kind::require && clause.kind != ast::clause_kind::forbid) continue;
            auto d = make_diagnostic(code::then_with_obligation, clause.where,
                                     "rule " + backticked(rule.name) + " has both `then` and " +
                                         backticked(clause.kind == ast::clause_kind::require ? "require" : "forbid"),
                                     "a rule states what must hold on the turn itself (`require`, `forbid`) or what "
                                     "must follow it (`then`); split it into two rules");
            d.notes.push_back({"the deferred obligation is here", then.where});
            report(std::move(d));
            break;
        }
    }

    diagnostic unknown_word(code c, std::string_view what, const ast::word_item& word,
                            const std::vector<std::string>& choices, std::string help) {
        auto d = make_diagnostic(c, word.where, "unknown " + std::string(what) + " " + backticked(word.value), std::move(help));
        if (auto guess = closest_match(word.value, choices)) d.help = "did you mean " + backticked(*guess) + "?";
        return d;
    }

    void check_remedy(const ast::remedy& remedy) {
        const auto& kinds = remedy_kinds();
        if (std::find(kinds.begin(), kinds.end(), remedy.kind) == kinds.end()) {
            report(unknown_word(code::unknown_remedy, "remedy", ast::word_item{remedy.kind, remedy.kind_where}, kinds,
                                "remedies are block, disclose, handoff, review, notify \"team\", custom \"name\""));
            return;
        }
        const bool takes_argument = remedy.kind == "notify" || remedy.kind == "custom";
        if (takes_argument && !remedy.argument) {
            report(make_diagnostic(code::missing_remedy_argument, remedy.kind_where,
                                   "remedy " + backticked(remedy.kind) + " needs a name in quotes",
                                   remedy.kind == "notify" ? "for example `notify \"trust-and-safety\"`"
                                                           : "for example `custom \"escalate-legal\"`"));
        } else if (!takes_argument && remedy.argument) {
            report(make_diagnostic(code::missing_remedy_argument, remedy.argument->where,
                                   "remedy " + backticked(remedy.kind) + " takes no argument"));
        }
    }

    // ---- rules that can never apply -------------------------------------------------------

    // The conjuncts of `a and b and c`.
    static void conjuncts(const ast::expr& e, std::vector<const ast::expr*>& out) {
        if (auto b = std::get_if<ast::binary>(&e.kind); b && b->op == ast::binary_op::and_) {
            conjuncts(*b->lhs, out);
            conjuncts(*b->rhs, out);
        } else {
            out.push_back(&e);
        }
    }

    // `path == "literal"` as (path text, literal), else nullopt.
    std::optional<std::pair<std::string, json>> equality_with_literal(const ast::expr& e) const {
        auto b = std::get_if<ast::binary>(&e.kind);
        if (!b || b->op != ast::binary_op::eq) return std::nullopt;
        auto lit = std::get_if<ast::literal>(&b->rhs->kind);
        if (!lit || !is_record_path(*b->lhs)) return std::nullopt;
        json value = std::visit(overloaded{[](std::monostate) { return json(); }, [](bool v) { return json(v); },
                                           [](double v) { return json(v); },
                                           [](const std::string& v) { return json(v); }},
                                lit->value);
        return std::make_pair(std::string(m_set.sources->text(b->lhs->where)), std::move(value));
    }

    bool is_record_path(const ast::expr& e) const {
        return std::visit(overloaded{[&](const ast::ident&) {
                                         auto it = m_set.bindings.find(e.id);
                                         return it != m_set.bindings.end() &&
                                                it->second.k == binding::kind::record_field;
                                     },
                                     [&](const ast::select& s) { return is_record_path(*s.operand); },
                                     [](const auto&) { return false; }},
                          e.kind);
    }

    void check_can_apply(const ast::rule& rule, const ast::expr& when) {
        if (auto lit = std::get_if<ast::literal>(&when.kind); lit && std::holds_alternative<bool>(lit->value) &&
                                                               !std::get<bool>(lit->value)) {
            report(make_diagnostic(code::rule_never_applies, when.where,
                                   "rule " + backticked(rule.name) + " never applies: its `when` is always false"));
            return;
        }
        std::vector<const ast::expr*> parts;
        conjuncts(when, parts);
        std::map<std::string, std::pair<json, const ast::expr*>> required;
        for (const ast::expr* part : parts) {
            auto eq = equality_with_literal(*part);
            if (!eq) continue;
            auto [it, inserted] = required.emplace(eq->first, std::make_pair(eq->second, part));
            if (!inserted && it->second.first != eq->second) {
                auto d = make_diagnostic(code::rule_never_applies, part->where,
                                         "rule " + backticked(rule.name) + " never applies: " + backticked(eq->first) +
                                             " cannot equal both " + it->second.first.dump() + " and " +
                                             eq->second.dump());
                d.notes.push_back({"the other comparison is here", it->second.second->where});
                report(std::move(d));
            }
        }
    }

    // ---- definitions -------------------------------------------------------------------------

    void check_definition(const ast::definition& def, const scope& s) {
        const scope* previous = m_scope;
        m_scope = &s;
        definition_type(def);
        m_scope = previous;
    }

    // The longest chain of definitions from a definition down (itself included), its last one, and
    // the definition's height with every definition it uses written out.
    struct chain {
        std::size_t levels = 0;
        std::size_t height = 0;
        const ast::definition* bottom = nullptr;
    };

    // Per definition in progress: the longest chain it uses so far, the depth of infer() where it
    // started and the deepest it reached (definitions it uses written out).
    struct progress {
        chain longest;
        std::size_t entry = 0;
        std::size_t reach = 0;
    };

    // The type of a definition in the current scope's schema; reports cycles.
    info definition_type(const ast::definition& def) {
        const auto key = std::make_pair(&def, m_scope->schema ? m_scope->schema->root() : nullptr);
        if (auto it = m_definition_types.find(key); it != m_definition_types.end()) {
            return within_depth(def) ? it->second : info{};
        }
        if (std::find(m_in_progress.begin(), m_in_progress.end(), &def) != m_in_progress.end()) {
            if (m_reported_cycles.insert(&def).second) {
                auto d = make_diagnostic(code::definition_cycle, def.name_where,
                                         "definition " + backticked(def.name) + " refers to itself");
                for (auto it = std::find(m_in_progress.begin(), m_in_progress.end(), &def); it != m_in_progress.end();
                     ++it) {
                    d.notes.push_back({"through " + backticked((*it)->name), (*it)->name_where});
                }
                d.help = "a definition may use other definitions, but not in a circle";
                report(std::move(d));
            }
            return {};
        }
        if (m_in_progress.size() >= max_definition_depth || m_infer_depth > max_written_height) {
            too_deep(def, def, m_in_progress.size() >= max_definition_depth);
            return {};
        }
        // File-level definitions are checked in the scope of their own file (plus the schema of
        // whichever policy uses them), so names inside them resolve where they were written.
        // The file's scope lends its definitions and takes the schema for the time being (a copy of
        // its definitions per level made a chain of 2,000 definitions take 320 MB).
        const scope* previous = m_scope;
        scope* file = nullptr;
        std::optional<schema_view> file_schema;
        if (auto it = m_definition_file.find(&def); it != m_definition_file.end()) {
            file = &m_file_scopes.at(it->second);
            file_schema = std::exchange(file->schema, m_scope->schema);
            m_scope = file;
        }
        std::vector<std::vector<std::pair<std::string, info>>> saved_variables;
        std::swap(saved_variables, m_variables);
        const std::size_t saved_barrier = std::exchange(m_history_barrier, 0);
        m_in_progress.push_back(&def);
        m_below.push_back({{}, m_infer_depth, m_infer_depth});
        info result = infer(*def.value);
        m_in_progress.pop_back();
        const progress below = m_below.back();
        m_below.pop_back();
        m_chains[&def] = {below.longest.levels + 1, below.reach - below.entry,
                          below.longest.bottom ? below.longest.bottom : &def};
        uses(m_chains[&def], below.reach);
        m_history_barrier = saved_barrier;
        std::swap(saved_variables, m_variables);
        if (file != nullptr) file->schema = std::move(file_schema);
        m_scope = previous;
        m_definition_types[key] = result;
        return result;
    }

    // Whether `def`, checked already, may be used where the definitions in progress use it: its own
    // chain of definitions below it counts too, so the limit holds whichever definition of a chain
    // was checked first. Counted in levels only, a chain written in order (each definition after
    // those it uses) was checked one level at a time and never reported, and a chain of 20,000
    // then overflowed the compiler's stack. The same holds for its height with the definitions it
    // uses written out (max_written_height). The definition's chain becomes one below the one in
    // progress.
    bool within_depth(const ast::definition& def) {
        const auto it = m_chains.find(&def);
        if (it == m_chains.end()) return true;  // not reached: a type is remembered with its chain
        const chain& c = it->second;
        const bool levels = m_in_progress.size() + c.levels > max_definition_depth;
        if (levels || m_infer_depth + c.height > max_written_height) {
            too_deep(def, *c.bottom, levels);
            return false;
        }
        uses(c, m_infer_depth + c.height);
        return true;
    }

    // The definition in progress uses a definition with chain `c`, which reaches depth `reach`.
    void uses(const chain& c, std::size_t reach) {
        if (m_below.empty()) return;
        progress& user = m_below.back();
        if (c.levels > user.longest.levels) user.longest = c;
        user.reach = std::max(user.reach, reach);
    }

    // Reports the definitions in progress (or `used`, when none is), down to `bottom`, as one chain
    // too deep (V0215): too many `levels`, or else too many operators once written out.
    void too_deep(const ast::definition& used, const ast::definition& bottom, bool levels) {
        const ast::definition& top = m_in_progress.empty() ? used : *m_in_progress.front();
        if (!m_reported_depth.insert(&top).second) return;
        const std::string how =
            levels ? " uses definitions more than " + std::to_string(max_definition_depth) + " levels deep, down to "
                   : " is more than " + std::to_string(max_written_height) +
                         " operators deep with the definitions it uses written out, down to ";
        report(make_diagnostic(code::definitions_too_deep, top.name_where,
                               "definition " + backticked(top.name) + how + backticked(bottom.name),
                               "write the condition out, or use fewer definitions in a row"));
    }

    // ---- expressions ---------------------------------------------------------------------------

    info infer(const ast::expr& e) {
        ++m_infer_depth;
        if (!m_below.empty()) m_below.back().reach = std::max(m_below.back().reach, m_infer_depth);
        info i = std::visit([&](const auto& node) { return infer_node(e, node); }, e.kind);
        --m_infer_depth;
        m_set.types[e.id] = i.t;
        return i;
    }

    info infer_node(const ast::expr&, const ast::literal& lit) {
        return std::visit(overloaded{[](std::monostate) { return info{type::of(type::kind::null)}; },
                                     [](bool) { return info{type::of(type::kind::boolean)}; },
                                     [](double) { return info{type::of(type::kind::number)}; },
                                     [](const std::string&) { return info{type::of(type::kind::string)}; }},
                          lit.value);
    }

    info infer_node(const ast::expr& e, const ast::ident& id) {
        for (std::size_t frame = m_variables.size(); frame-- > 0;) {
            for (const auto& [name, variable] : m_variables[frame]) {
                if (name == id.name) {
                    m_set.bindings[e.id] = binding{binding::kind::variable, nullptr, m_variable_owner.at(name)};
                    if (frame < m_history_barrier) {
                        auto d = make_diagnostic(code::variable_across_turns, e.where,
                                                 backticked(id.name) + " is bound outside " +
                                                     backticked(std::string(m_history_function) + "(...)") +
                                                     ", which looks at other turns of the conversation",
                                                 "the argument of a conversation function is evaluated on every turn, "
                                                 "where the variable has no value; move the quantifier inside the call");
                        report(std::move(d));
                    }
                    return variable;
                }
            }
        }
        if (auto it = m_scope->definitions.find(id.name); it != m_scope->definitions.end()) {
            m_set.bindings[e.id] = binding{binding::kind::definition, it->second, nullptr};
            m_used.insert(it->second);
            info i = definition_type(*it->second);
            return i;
        }
        m_set.bindings[e.id] = binding{binding::kind::record_field, nullptr, nullptr};
        if (m_scope->schema) {
            bool known = true;
            std::vector<std::string> fields;
            const json* node = m_scope->schema->field(m_scope->schema->root(), id.name, known, fields);
            if (!known) {
                report(unknown_name(e.where, id.name, fields, true));
                return {};
            }
            return {m_scope->schema->type_of(node), node, true};
        }
        // Short names (`n`, `id`) are too often one letter from another name to call it a typo.
        auto guess = id.name.size() >= 4 ? m_scope->closest_definition(id.name) : std::nullopt;
        if (guess) {
            auto d = make_diagnostic(code::unknown_name, e.where, "unknown name " + backticked(id.name),
                                     "did you mean " + backticked(*guess) + "?");
            d.notes.push_back(
                {"without a declared schema, names that are not definitions are read as record fields; "
                 "this one is too close to a definition to be a field by intent",
                 std::nullopt});
            report(std::move(d));
        }
        return {type::any(), nullptr, true};
    }

    std::vector<std::string> names_in_scope() const {
        std::vector<std::string> names;
        for (const auto& [name, def] : m_scope->definitions) names.push_back(name);
        for (const auto& frame : m_variables) {
            for (const auto& variable : frame) names.push_back(variable.first);
        }
        return names;
    }

    diagnostic unknown_name(span where, const std::string& name, std::vector<std::string> candidates, bool top) {
        if (top) {
            auto extra = names_in_scope();
            candidates.insert(candidates.end(), extra.begin(), extra.end());
        }
        auto d = make_diagnostic(top ? code::unknown_name : code::unknown_field, where,
                                 top ? "unknown name " + backticked(name) : "unknown field " + backticked(name));
        if (auto guess = closest_match(name, candidates)) {
            d.help = "did you mean " + backticked(*guess) + "?";
        } else if (top) {
            d.help = "it is not a definition, a quantifier variable, or a field of the declared record schema";
        }
        return d;
    }

    info infer_node(const ast::expr&, const ast::select& s) {
        const info operand = infer(*s.operand);
        if (operand.t.k != type::kind::any && operand.t.k != type::kind::object) {
            report(make_diagnostic(code::type_mismatch, s.field_where,
                                   "cannot read field " + backticked(s.field) + " of " + with_article(operand.t)));
            return {};
        }
        if (operand.schema && m_scope->schema) {
            bool known = true;
            std::vector<std::string> siblings;
            const json* node = m_scope->schema->field(operand.schema, s.field, known, siblings);
            if (!known) {
                auto d = unknown_name(s.field_where, s.field, siblings, false);
                d.message += " in " + backticked(std::string(m_set.sources->text(s.operand->where)));
                report(std::move(d));
                return {};
            }
            return {m_scope->schema->type_of(node), node, operand.is_path};
        }
        return {type::any(), nullptr, operand.is_path};
    }

    info infer_node(const ast::expr&, const ast::index& ix) {
        const info operand = infer(*ix.operand);
        const info subscript = infer(*ix.subscript);
        if (!is(subscript.t, type::kind::number)) {
            report(make_diagnostic(code::type_mismatch, ix.subscript->where,
                                   "a list index must be a number, found " + with_article(subscript.t)));
        }
        if (!is(operand.t, type::kind::list)) {
            report(make_diagnostic(code::not_a_list, ix.operand->where,
                                   "only lists can be indexed, found " + with_article(operand.t)));
            return {};
        }
        const json* element = operand.schema && m_scope->schema ? m_scope->schema->items(operand.schema) : nullptr;
        return {operand.t.element ? *operand.t.element : type::any(), element, operand.is_path};
    }

    info infer_node(const ast::expr&, const ast::list& l) {
        std::optional<type> element;
        bool mixed = false;
        for (const auto& item : l.items) {
            const info i = infer(*item);
            if (!element) element = i.t;
            else if (!same_kind(*element, i.t)) mixed = true;
        }
        return {type::list_of(element && !mixed ? *element : type::any())};
    }

    info infer_node(const ast::expr&, const ast::unary& u) {
        const info operand = infer(*u.operand);
        if (u.op == ast::unary_op::not_) {
            if (!is(operand.t, type::kind::boolean)) {
                report(make_diagnostic(code::type_mismatch, u.operand->where,
                                       "`not` needs a condition, found " + with_article(operand.t)));
            }
            return {type::of(type::kind::boolean)};
        }
        if (!is(operand.t, type::kind::number)) {
            report(make_diagnostic(code::type_mismatch, u.operand->where,
                                   "`-` needs a number, found " + with_article(operand.t)));
        }
        return {type::of(type::kind::number)};
    }

    void mismatch(const ast::expr& e, ast::binary_op op, const type& lhs, const type& rhs, std::string help = {}) {
        report(make_diagnostic(
            code::type_mismatch, e.where,
            backticked(ast::spelling(op)) + " cannot combine " + with_article(lhs) + " with " + with_article(rhs),
            std::move(help)));
    }

    info infer_node(const ast::expr& e, const ast::binary& b) {
        using op = ast::binary_op;
        const info lhs = infer(*b.lhs);
        const info rhs = b.op == op::matches ? info{} : infer(*b.rhs);
        const type boolean = type::of(type::kind::boolean);
        const auto known = [](const type& t) { return t.k != type::kind::any; };
        switch (b.op) {
            case op::or_:
            case op::and_:
                if (!is(lhs.t, type::kind::boolean) || !is(rhs.t, type::kind::boolean)) {
                    mismatch(e, b.op, lhs.t, rhs.t, "both sides of `and` and `or` must be conditions");
                }
                return {boolean};
            case op::eq:
            case op::ne:
                if (known(lhs.t) && known(rhs.t) && !same_kind(lhs.t, rhs.t) && lhs.t.k != type::kind::null &&
                    rhs.t.k != type::kind::null) {
                    mismatch(e, b.op, lhs.t, rhs.t, "values of different types are never equal");
                } else if (b.op == op::eq) {
                    check_enum(lhs, *b.rhs);
                }
                return {boolean};
            case op::lt:
            case op::le:
            case op::gt:
            case op::ge: {
                const bool ok = (is(lhs.t, type::kind::number) && is(rhs.t, type::kind::number)) ||
                                (is(lhs.t, type::kind::string) && is(rhs.t, type::kind::string));
                if (!ok) mismatch(e, b.op, lhs.t, rhs.t, "only two numbers or two texts can be ordered");
                return {boolean};
            }
            case op::in:
            case op::not_in:
                if (rhs.t.k == type::kind::string) {
                    if (!is(lhs.t, type::kind::string)) mismatch(e, b.op, lhs.t, rhs.t, "`in` a text looks for a text inside it");
                } else if (rhs.t.k == type::kind::list) {
                    if (rhs.t.element && known(*rhs.t.element) && known(lhs.t) && !same_kind(*rhs.t.element, lhs.t)) {
                        mismatch(e, b.op, lhs.t, rhs.t, "the list holds " + with_article(*rhs.t.element) + " values");
                    } else {
                        check_enum_list(lhs, *b.rhs);
                    }
                } else if (known(rhs.t)) {
                    report(make_diagnostic(code::not_a_list, b.rhs->where,
                                           backticked(ast::spelling(b.op)) +
                                               " needs a list or a text on its right, found " + with_article(rhs.t)));
                }
                return {boolean};
            case op::contains:
                if (lhs.t.k == type::kind::list) {
                    if (lhs.t.element && known(*lhs.t.element) && known(rhs.t) && !same_kind(*lhs.t.element, rhs.t)) {
                        mismatch(e, b.op, lhs.t, rhs.t, "the list holds " + with_article(*lhs.t.element) + " values");
                    }
                } else if (lhs.t.k == type::kind::string && !is(rhs.t, type::kind::string)) {
                    mismatch(e, b.op, lhs.t, rhs.t, "`contains` looks for a text in a text, or a value in a list");
                } else if (known(lhs.t) && lhs.t.k != type::kind::string) {
                    mismatch(e, b.op, lhs.t, rhs.t, "`contains` looks for a text in a text, or a value in a list");
                }
                return {boolean};
            case op::starts_with:
            case op::ends_with:
                if (!is(lhs.t, type::kind::string) || !is(rhs.t, type::kind::string)) {
                    mismatch(e, b.op, lhs.t, rhs.t, "both sides must be texts");
                }
                return {boolean};
            case op::matches:
                check_pattern(lhs, *b.rhs);
                return {boolean};
            case op::add:
                if (!((is(lhs.t, type::kind::number) && is(rhs.t, type::kind::number)) ||
                      (is(lhs.t, type::kind::string) && is(rhs.t, type::kind::string)) ||
                      (is(lhs.t, type::kind::list) && is(rhs.t, type::kind::list)))) {
                    mismatch(e, b.op, lhs.t, rhs.t, "`+` adds two numbers, or joins two texts or two lists");
                    return {};
                }
                if (lhs.t.k == type::kind::list && rhs.t.k == type::kind::list) return {joined_list(lhs.t, rhs.t)};
                return {known(lhs.t) ? lhs.t : rhs.t};
            case op::sub:
            case op::mul:
            case op::div:
            case op::mod:
                if (!is(lhs.t, type::kind::number) || !is(rhs.t, type::kind::number)) {
                    mismatch(e, b.op, lhs.t, rhs.t, "arithmetic works on numbers");
                }
                return {type::of(type::kind::number)};
            case op::default_:
                if (known(lhs.t) && known(rhs.t) && !same_kind(lhs.t, rhs.t)) {
                    mismatch(e, b.op, lhs.t, rhs.t, "the default must have the type of the value it stands in for");
                }
                return {known(lhs.t) ? lhs.t : rhs.t, lhs.schema, false};
        }
        return {};
    }

    void check_pattern(const info& subject, const ast::expr& pattern) {
        if (!is(subject.t, type::kind::string)) {
            report(make_diagnostic(code::type_mismatch, pattern.where,
                                   "`matches` tests a text, found " + with_article(subject.t)));
        }
        auto lit = std::get_if<ast::literal>(&pattern.kind);
        if (!lit || !std::holds_alternative<std::string>(lit->value)) {
            infer(pattern);
            report(make_diagnostic(code::invalid_regex, pattern.where,
                                   "the pattern after `matches` must be a text in quotes",
                                   "patterns are compiled once, when the policy is loaded"));
            return;
        }
        m_set.types[pattern.id] = type::of(type::kind::string);
        RE2::Options options;
        options.set_log_errors(false);
        RE2 re(std::get<std::string>(lit->value), options);
        if (!re.ok()) {
            report(make_diagnostic(code::invalid_regex, pattern.where, "invalid regular expression: " + re.error(),
                                   "the syntax is RE2's: https://github.com/google/re2/wiki/Syntax"));
        } else if (matches_every_text(re)) {
            report(make_diagnostic(code::pattern_matches_everything, pattern.where,
                                   "this pattern matches every text: it matches the empty text, which every text holds",
                                   "an empty alternative (`(refund|)`) or a `*` on everything (`a*`) does this; "
                                   "require at least one character of what you look for"));
        }
    }

    // Whether a pattern finds a match in every text. A pattern that finds one in the empty text
    // and in texts that begin and end with a word character, a blank or a line break does: only
    // anchors and word boundaries make an empty match depend on where it is tried.
    static bool matches_every_text(const RE2& re) {
        for (const char* probe : {"", "x", " ", "\n", "x y\nz"}) {
            if (!RE2::PartialMatch(probe, re)) return false;
        }
        return true;
    }

    // `speaker == "bot"` where the schema's enum for speaker has no "bot".
    void check_enum(const info& subject, const ast::expr& value) {
        if (!subject.schema || !m_scope->schema) return;
        const json* allowed = m_scope->schema->enumeration(subject.schema);
        if (!allowed) return;
        auto lit = std::get_if<ast::literal>(&value.kind);
        if (!lit || !std::holds_alternative<std::string>(lit->value)) return;
        const auto& word = std::get<std::string>(lit->value);
        std::vector<std::string> choices;
        for (const auto& v : *allowed) {
            if (v.is_string()) choices.push_back(v.get<std::string>());
        }
        if (std::find(choices.begin(), choices.end(), word) != choices.end()) return;
        auto d = make_diagnostic(code::value_not_in_schema, value.where,
                                 backticked(word) + " is never a value of this field, so this is always false");
        std::string all;
        for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
        d.notes.push_back({"the schema allows: " + all, std::nullopt});
        if (auto guess = closest_match(word, choices)) d.help = "did you mean " + backticked(*guess) + "?";
        report(std::move(d));
    }

    // The elements written in a list literal, or in the lists a `+` joins (`shared + ["extra"]`).
    void check_enum_list(const info& subject, const ast::expr& list) {
        if (auto l = std::get_if<ast::list>(&list.kind)) {
            for (const auto& item : l->items) check_enum(subject, *item);
        } else if (auto b = std::get_if<ast::binary>(&list.kind); b && b->op == ast::binary_op::add) {
            check_enum_list(subject, *b->lhs);
            check_enum_list(subject, *b->rhs);
        }
    }

    // The type of two lists joined: their element type when both hold values of one kind, as a
    // list literal's (an empty literal's element is unknown and takes the other's).
    static type joined_list(const type& lhs, const type& rhs) {
        const auto unknown_element = [](const type& list) {
            return !list.element || list.element->k == type::kind::any;
        };
        if (unknown_element(lhs)) return rhs;
        if (unknown_element(rhs)) return lhs;
        return same_kind(*lhs.element, *rhs.element) ? lhs : type::list_of(type::any());
    }

    bool is_path_argument(const ast::expr& e) const {
        return std::visit(overloaded{[&](const ast::ident&) {
                                         auto it = m_set.bindings.find(e.id);
                                         return it != m_set.bindings.end() &&
                                                it->second.k != binding::kind::definition;
                                     },
                                     [&](const ast::select& s) { return is_path_argument(*s.operand); },
                                     [&](const ast::index& i) { return is_path_argument(*i.operand); },
                                     [](const auto&) { return false; }},
                          e.kind);
    }

    static bool is_conversation_function(std::string_view name) {
        return name == "earlier" || name == "first" || name == "previous" || name == "turns_since" ||
               name == "count_last" || name == "count_within" || name == "streak";
    }

    info infer_node(const ast::expr& e, const ast::call& c) {
        const auto& functions = builtin_functions();
        auto fn = std::find_if(functions.begin(), functions.end(), [&](const auto& f) { return f.name == c.function; });
        std::vector<info> args;
        if (fn != functions.end() && is_conversation_function(fn->name)) {
            // The arguments are evaluated on every turn: variables bound outside have no value there.
            const std::size_t saved_barrier = std::exchange(m_history_barrier, m_variables.size());
            const std::string_view saved_function = std::exchange(m_history_function, fn->name);
            for (const auto& arg : c.args) args.push_back(infer(*arg));
            m_history_barrier = saved_barrier;
            m_history_function = saved_function;
        } else {
            for (const auto& arg : c.args) args.push_back(infer(*arg));
        }
        if (fn == functions.end()) {
            std::vector<std::string> names;
            for (const auto& f : functions) names.emplace_back(f.name);
            auto d = make_diagnostic(code::unknown_function, c.function_where, "unknown function " + backticked(c.function));
            if (auto guess = closest_match(c.function, names)) d.help = "did you mean " + backticked(*guess) + "?";
            else d.help = "the functions are lower, upper, length, exists, missing, earlier, first, previous, "
                          "turns_since, count_last, count_within, streak";
            report(std::move(d));
            return {};
        }
        if (args.size() != fn->arity) {
            report(make_diagnostic(code::wrong_argument_count, e.where,
                                   backticked(c.function) + " takes " + std::to_string(fn->arity) + " argument" +
                                       (fn->arity == 1 ? "" : "s") + ", found " + std::to_string(args.size())));
            return {};
        }
        const std::string_view name = fn->name;
        if (is_conversation_function(name)) return infer_conversation_call(c, name, args);
        if (name == "exists" || name == "missing") {
            if (!is_path_argument(*c.args[0])) {
                report(make_diagnostic(code::expected_path, c.args[0]->where,
                                       backticked(name) + " takes a field path such as `signals.distress`"));
            }
            return {type::of(type::kind::boolean)};
        }
        if (name == "length") {
            if (!is(args[0].t, type::kind::string) && !is(args[0].t, type::kind::list)) {
                report(make_diagnostic(code::type_mismatch, c.args[0]->where,
                                       "`length` takes a text or a list, found " + with_article(args[0].t)));
            }
            return {type::of(type::kind::number)};
        }
        // lower, upper
        if (!is(args[0].t, type::kind::string)) {
            report(make_diagnostic(code::type_mismatch, c.args[0]->where,
                                   backticked(name) + " takes a text, found " + with_article(args[0].t)));
        }
        return {type::of(type::kind::string)};
    }

    // earlier, first, previous, turns_since, count_last, count_within, streak (arity already checked).
    info infer_conversation_call(const ast::call& c, std::string_view name, const std::vector<info>& args) {
        const type number = type::of(type::kind::number);
        auto condition = [&](std::size_t i) {
            if (!is(args[i].t, type::kind::boolean)) {
                report(make_diagnostic(code::type_mismatch, c.args[i]->where,
                                       backticked(name) + " takes a condition here, found " + with_article(args[i].t)));
            }
        };
        if (name == "previous") {
            const type::kind k = args[0].t.k;
            if (k != type::kind::any && k != type::kind::number && k != type::kind::string && k != type::kind::boolean) {
                report(make_diagnostic(code::type_mismatch, c.args[0]->where,
                                       "`previous` keeps a number, a text or a condition, found " + with_article(args[0].t),
                                       "the state of a conversation keeps small values only, never lists or objects"));
                return {};
            }
            return {args[0].t};
        }
        if (name == "count_last") {
            const auto* lit = std::get_if<ast::literal>(&c.args[0]->kind);
            const double* n = lit ? std::get_if<double>(&lit->value) : nullptr;
            if (!n || *n < 1 || *n > max_window_turns || *n != static_cast<double>(static_cast<long>(*n))) {
                report(make_diagnostic(code::invalid_window, c.args[0]->where,
                                       "`count_last` needs a whole number of turns from 1 to " +
                                           std::to_string(max_window_turns) + " as its first argument",
                                       "write it as a number, such as `count_last(5, signals.distress > 0.5)`"));
            }
            condition(1);
            return {number};
        }
        if (name == "count_within") {
            const auto* lit = std::get_if<ast::literal>(&c.args[0]->kind);
            const std::string* text = lit ? std::get_if<std::string>(&lit->value) : nullptr;
            const auto seconds = text ? timestamp::parse_duration(*text) : std::nullopt;
            if (!seconds || *seconds > max_window_seconds) {
                report(make_diagnostic(code::invalid_window, c.args[0]->where,
                                       "`count_within` needs a duration of at most 366 days as its first argument",
                                       "write it in quotes as a whole number and a unit: \"90s\", \"10m\", \"2h\", \"1d\""));
            }
            condition(1);
            return {number};
        }
        condition(0);
        if (name == "streak") condition(1);
        if (name == "earlier" || name == "first") return {type::of(type::kind::boolean)};
        return {number};  // turns_since, streak
    }

    info infer_node(const ast::expr& e, const ast::quantifier& q) {
        const info range = infer(*q.range);
        if (!is(range.t, type::kind::list)) {
            report(make_diagnostic(code::not_a_list, q.range->where,
                                   "a quantifier ranges over a list, found " + with_article(range.t)));
        }
        info element{range.t.element ? *range.t.element : type::any(),
                     range.schema && m_scope->schema ? m_scope->schema->items(range.schema) : nullptr, range.is_path};
        check_variable_name(q);
        m_variables.push_back({{q.variable, element}});
        const ast::quantifier* previous_owner = nullptr;
        if (auto it = m_variable_owner.find(q.variable); it != m_variable_owner.end()) previous_owner = it->second;
        m_variable_owner[q.variable] = &q;
        if (q.body) {
            const info body = infer(*q.body);
            if (!is(body.t, type::kind::boolean)) {
                report(make_diagnostic(code::not_a_condition, q.body->where,
                                       "the part after `:` must be a condition, found " + with_article(body.t)));
            }
        } else if (q.kind != ast::quantifier_kind::count) {
            report(make_diagnostic(code::syntax_expected, e.where, "expected `:` and a condition after the list"));
        }
        if (previous_owner) m_variable_owner[q.variable] = previous_owner;
        else m_variable_owner.erase(q.variable);
        m_variables.pop_back();
        return {q.kind == ast::quantifier_kind::count ? type::of(type::kind::number) : type::of(type::kind::boolean)};
    }

    // ---- lints and bookkeeping ------------------------------------------------------------

    // Whether the current scope's schema names `name` as a field of the record itself.
    bool schema_knows(const std::string& name) const {
        if (!m_scope || !m_scope->schema) return false;
        const json* root = m_scope->schema->resolve(m_scope->schema->root());
        if (!root || !root->is_object()) return false;
        const auto props = root->find("properties");
        return props != root->end() && props->is_object() && props->contains(name);
    }

    // V0604: a quantifier variable hides what its name meant outside it, the innermost first.
    void check_variable_name(const ast::quantifier& q) {
        for (const auto& frame : m_variables) {
            for (const auto& [name, ignored] : frame) {
                if (name != q.variable) continue;
                const auto owner = m_variable_owner.find(name);
                const std::optional<span> outer =
                    owner != m_variable_owner.end() ? std::optional<span>(owner->second->variable_where) : std::nullopt;
                warn_shadowed(q.variable_where, "variable", name, "the variable of an enclosing quantifier", outer);
                return;
            }
        }
        if (const auto def = m_scope->definitions.find(q.variable); def != m_scope->definitions.end()) {
            warn_shadowed(q.variable_where, "variable", q.variable, "the definition", def->second->name_where);
        } else if (schema_knows(q.variable)) {
            warn_shadowed(q.variable_where, "variable", q.variable, "the record field");
        }
    }

    void warn_shadowed(span where, const std::string& what, const std::string& name, const std::string& hidden,
                       std::optional<span> hidden_where = std::nullopt) {
        auto d = make_diagnostic(
            code::shadowed_name, where, what + " " + backticked(name) + " hides " + hidden + " " + backticked(name),
            "rename the " + what + ": where it is visible, " + backticked(name) + " means it, not " + hidden);
        if (hidden_where) d.notes.push_back({hidden + " is here", *hidden_where});
        report(std::move(d));
    }

    // A file truncated to nothing, or left with only comments, reads as a valid file that defines
    // nothing: its rules would vanish from the set without a word.
    void report_empty_files() {
        for (const auto& module : m_set.modules) {
            if (!module.policies.empty() || !module.definitions.empty() || !module.imports.empty()) continue;
            report(make_diagnostic(code::empty_file, span{module.file, 0, 0}, "the file defines nothing",
                                   "a policy file holds `policy \"name\" { ... }` blocks, definitions or imports; "
                                   "remove the file if it is not needed"));
        }
    }

    // A set without rules decides `allow` for every record: a deployment that loads one by mistake
    // (files truncated, or a file of shared definitions given alone) would switch oversight off.
    void refuse_empty_set() {
        for (const auto& module : m_set.modules) {
            for (const auto& policy : module.policies) {
                if (!policy.rules.empty()) return;
            }
        }
        const file_id first = m_set.modules.empty() ? 0 : m_set.modules.front().file;
        report(make_diagnostic(code::empty_policy_set, span{first, 0, 0},
                               "the policy set defines no rule, so every record would be allowed",
                               "give the files that define the policies' rules; a file of shared definitions is "
                               "imported by them, not given alone"));
    }

    void report_unused() {
        // A definition defined twice is already an error; the copy a use did not resolve to is not
        // also unused (the user will remove one of them, not both).
        std::set<const ast::definition*> used_names;
        for (const ast::definition* def : m_used) used_names.insert(first_namesake(def));
        for (const auto& module : m_set.modules) {
            auto unused = [&](const ast::definition& def) {
                if (used_names.count(first_namesake(&def))) return;
                report(make_diagnostic(code::unused_definition, def.name_where,
                                       "definition " + backticked(def.name) + " is never used",
                                       "remove it, or use it in a rule"));
            };
            for (const auto& def : module.definitions) unused(def);
            for (const auto& policy : module.policies) {
                for (const auto& def : policy.definitions) unused(def);
            }
        }
    }

    void report(diagnostic d) { m_diagnostics.push_back(std::move(d)); }

    // A shared definition checked under two schemas may report the same problem twice.
    void deduplicate() {
        std::set<std::tuple<file_id, std::uint32_t, std::uint32_t, code, std::string>> seen;
        std::vector<diagnostic> unique;
        for (auto& d : m_diagnostics) {
            if (seen.emplace(d.where.file, d.where.begin, d.where.end, d.value, d.message).second) {
                unique.push_back(std::move(d));
            }
        }
        m_diagnostics = std::move(unique);
    }

    checked_set& m_set;
    const bool m_complete;
    std::vector<diagnostic> m_diagnostics;
    std::map<file_id, scope> m_file_scopes;
    std::map<const ast::definition*, file_id> m_definition_file;
    std::set<const ast::definition*> m_policy_definitions;
    std::map<std::pair<const ast::definition*, const json*>, info> m_definition_types;
    std::vector<const ast::definition*> m_in_progress;
    std::set<const ast::definition*> m_reported_cycles;
    std::set<const ast::definition*> m_reported_depth;  // chains too deep, by their first definition
    std::map<const ast::definition*, chain> m_chains;  // every definition checked
    std::vector<progress> m_below;
    std::size_t m_infer_depth = 0;  // infer() calls under way
    std::set<const ast::definition*> m_used;
    // Definitions that share a name in a scope, as a forest of sets: each points towards its set's root.
    std::map<const ast::definition*, const ast::definition*> m_namesake;
    std::vector<std::vector<std::pair<std::string, info>>> m_variables;
    std::map<std::string, const ast::quantifier*> m_variable_owner;
    // Inside the argument of a conversation function: frames of m_variables below the barrier
    // belong to quantifiers outside the call.
    std::size_t m_history_barrier = 0;
    std::string_view m_history_function;
    const scope* m_scope = nullptr;
};

std::string hash_files(const source_map& sources, const std::vector<schema_file>& schemas) {
    sha256 h;
    const auto add = [&h](std::string_view text) {
        h.update(std::to_string(text.size()));
        h.update(":");
        h.update(text);
    };
    for (std::size_t i = 0; i < sources.size(); ++i) add(sources.file(static_cast<file_id>(i)).text);
    for (const schema_file& schema : schemas) add(schema.text);
    return "sha256:" + h.hex();
}

}  // namespace

std::string type_name(const type& t) {
    switch (t.k) {
        case type::kind::any: return "value";
        case type::kind::null: return "null";
        case type::kind::boolean: return "condition";
        case type::kind::number: return "number";
        case type::kind::string: return "text";
        case type::kind::list: return t.element && t.element->k != type::kind::any ? "list of " + type_name(*t.element) : "list";
        case type::kind::object: return "object";
    }
    return "value";
}

const std::vector<function_info>& builtin_functions() {
    static const std::vector<function_info> functions{
        {"lower", 1, "the text in lower case (full Unicode case mapping)"},
        {"upper", 1, "the text in upper case (full Unicode case mapping)"},
        {"length", 1, "the number of characters of a text, or of elements of a list"},
        {"exists", 1, "true when the field is present and not null"},
        {"missing", 1, "true when the field is absent or null"},
        {"earlier", 1, "the condition held on an earlier turn of the conversation"},
        {"first", 1, "the condition holds on this turn and held on no earlier turn"},
        {"previous", 1, "the value on the previous turn of the conversation"},
        {"turns_since", 1, "the number of turns since the condition last held"},
        {"count_last", 2, "the number of the last n turns, this one included, where the condition held"},
        {"count_within", 2, "the number of turns within a log-time window, this one included, where the condition held"},
        {"streak", 2, "the number of most recent consecutive turns, among those that match, where the condition held"},
    };
    return functions;
}

const std::vector<std::string>& remedy_kinds() {
    static const std::vector<std::string> kinds{"block", "disclose", "handoff", "review", "notify", "custom"};
    return kinds;
}

const std::vector<std::string>& severity_levels() {
    static const std::vector<std::string> levels{"info", "low", "medium", "high", "critical"};
    return levels;
}

checked_set check_for_tools(loaded_set&& loaded, std::vector<diagnostic>& diagnostics) {
    checked_set set;
    set.sources = loaded.sources;
    set.modules = std::move(loaded.modules);
    set.schemas = std::move(loaded.schemas);
    set.schema_files = std::move(loaded.schema_files);
    set.hash = hash_files(*set.sources, set.schema_files);
    diagnostics = checker(set, loaded.complete).run();
    return set;
}

result<checked_set> check(loaded_set&& loaded) {
    result<checked_set> out;
    checked_set set = check_for_tools(std::move(loaded), out.diagnostics);
    if (!has_errors(out.diagnostics)) out.value.emplace(std::move(set));
    return out;
}

}  // namespace vigil
