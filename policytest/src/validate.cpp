// Mistakes in a test file that need no policy to be found: the shape of each case, its turn
// numbers, and expectations that contradict each other.

#include <map>
#include <string>
#include <utility>

#include "vigil/policytest.hpp"

namespace vigil::policytest {

namespace {

// The turn an expectation speaks of: 1..n, 0 for the end.
std::uint32_t turn_index(const turn_target& t, std::size_t turns) {
    switch (t.k) {
        case turn_target::kind::last:
            return static_cast<std::uint32_t>(turns);
        case turn_target::kind::number:
            return t.number;
        case turn_target::kind::end:
            return 0;
    }
    return 0;
}

std::string on_turn(std::uint32_t turn) {
    return turn == 0 ? "at the end" : "on turn " + std::to_string(turn);
}

std::string turns_text(std::size_t n) {
    return n == 1 ? "1 turn" : std::to_string(n) + " turns";
}

// `message` checks the message of one finding: a rule that passes has none, and several rules
// have several.
void check_message(const test_case& c, const expectation& e, std::vector<diagnostic>& out) {
    if (!e.message) return;
    if (e.kind == expectation_kind::pass) {
        out.push_back(make_diagnostic(code::test_invalid_case, e.message->where,
                                      "case `" + c.name + "`: a rule that passes has no message to check",
                                      "`message` follows `violation` or `undetermined`"));
    } else if (e.rules.size() > 1) {
        out.push_back(make_diagnostic(code::test_invalid_case, e.message->where,
                                      "case `" + c.name +
                                          "`: `message` checks the finding of one rule, and this "
                                          "expectation names " +
                                          std::to_string(e.rules.size()),
                                      "write an `expect` line per rule, each with its message"));
    }
}

void check_case(const test_case& c, std::vector<diagnostic>& out) {
    const std::size_t turns = c.turns.size();
    // A case with a syntax error may have lost turns: only its syntax error is reported.
    if (c.incomplete) return;
    if (turns == 0) {
        out.push_back(
            make_diagnostic(code::test_invalid_case, c.name_where, "case `" + c.name + "` has no record",
                            "give it one `record {...}`, or the turns of a conversation as `turn {...}` lines"));
        return;
    }
    const bool first_is_record = c.turns.front().record;
    std::size_t records = 0;
    bool mixed = false;
    for (const test_turn& t : c.turns) {
        if (t.record) ++records;
        if (t.record != first_is_record && !mixed) {
            mixed = true;
            diagnostic d =
                make_diagnostic(code::test_invalid_case, t.keyword, "case `" + c.name + "` mixes `record` and `turn`",
                                "a case holds one `record`, or a conversation written as `turn` lines");
            d.notes.push_back({std::string("the case starts with `") + (first_is_record ? "record" : "turn") + "` here",
                               c.turns.front().keyword});
            out.push_back(std::move(d));
        }
    }
    if (!mixed && records > 1) {
        out.push_back(make_diagnostic(code::test_invalid_case, c.turns[1].keyword,
                                      "case `" + c.name + "` has more than one `record`",
                                      "write the records of a conversation as `turn {...}` lines, or give each record "
                                      "a case of its own"));
    }

    // Expectations: turns that exist, and no two that contradict each other.
    struct claim {
        expectation_kind kind;
        span where;
    };
    std::map<std::pair<std::uint32_t, std::string>, claim> outcomes;  // (turn, rule) -> first claim
    std::map<std::uint32_t, std::pair<decision_kind, span>> decisions;
    std::map<std::uint32_t, span> no_violations;
    auto contradiction = [&](span where, const std::string& what, std::uint32_t turn, span other) {
        diagnostic d = make_diagnostic(code::test_invalid_case, where,
                                       "contradictory expectations for " + what + " " + on_turn(turn),
                                       "keep the one that states what the policy should do");
        d.notes.push_back({"the other expectation is here", other});
        out.push_back(std::move(d));
    };
    for (const expectation& e : c.expectations) {
        if (e.target.k == turn_target::kind::number && (e.target.number == 0 || e.target.number > turns)) {
            out.push_back(make_diagnostic(code::test_no_such_turn, e.target.where,
                                          "case `" + c.name + "` has no turn " + std::to_string(e.target.number),
                                          "it has " + turns_text(turns) +
                                              ", counted from 1 in the order written; `expect end ...` speaks of "
                                              "the end of the conversation"));
            continue;
        }
        const std::uint32_t turn = turn_index(e.target, turns);
        switch (e.kind) {
            case expectation_kind::violation:
            case expectation_kind::undetermined:
            case expectation_kind::pass:
                check_message(c, e, out);
                for (const ast::word_item& rule : e.rules) {
                    const auto [it, fresh] = outcomes.try_emplace({turn, rule.value}, claim{e.kind, rule.where});
                    if (!fresh && it->second.kind != e.kind) {
                        contradiction(rule.where, "`" + rule.value + "`", turn, it->second.where);
                    }
                    if (e.kind == expectation_kind::violation) {
                        if (const auto none = no_violations.find(turn); none != no_violations.end()) {
                            contradiction(rule.where, "`" + rule.value + "`", turn, none->second);
                        }
                    }
                }
                break;
            case expectation_kind::decision: {
                const auto [it, fresh] = decisions.try_emplace(turn, e.decision, e.where);
                if (!fresh && it->second.first != e.decision) {
                    contradiction(e.where, "the decision", turn, it->second.second);
                }
                break;
            }
            case expectation_kind::no_violations:
                no_violations.try_emplace(turn, e.where);
                for (const auto& [key, first] : outcomes) {
                    if (key.first == turn && first.kind == expectation_kind::violation) {
                        contradiction(e.where, "`" + key.second + "`", turn, first.where);
                        break;
                    }
                }
                break;
        }
    }
}

}  // namespace

std::vector<diagnostic> validate(const test_file& file) {
    std::vector<diagnostic> out;
    if (file.start && !parse_start(file.start->value)) {
        out.push_back(make_diagnostic(code::test_invalid_case, file.start->where,
                                      "`start` is not a time such as `" + std::string(default_start) + "`",
                                      "write the time in UTC as `YYYY-MM-DDTHH:MM:SSZ`"));
    }
    std::map<std::string, const test_case*> names;
    for (const test_case& c : file.cases) {
        const auto [it, fresh] = names.try_emplace(c.name, &c);
        if (!fresh) {
            diagnostic d =
                make_diagnostic(code::test_invalid_case, c.name_where, "duplicate case name `" + c.name + "`",
                                "every case needs a name of its own: reports name cases by it");
            d.notes.push_back({"the first case with this name", it->second->name_where});
            out.push_back(std::move(d));
        }
        check_case(c, out);
    }
    sort_diagnostics(out);
    return out;
}

}  // namespace vigil::policytest
