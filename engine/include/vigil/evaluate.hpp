#pragma once
// Compile a checked policy set into an immutable evaluable form, and evaluate records with it.
//
// Semantics (docs/language.md has the full text): values may be *unknown* (an absent field, a
// value the policy's declared record schema does not allow, or a value of the wrong type at run
// time). Logic is three-valued (Kleene): `false and unknown`
// is false, `true or unknown` is true, everything else touching unknown is unknown, except
// `exists`, `missing` and `default`, which decide absence explicitly. A rule is violated when
//   when-clauses (all) and not unless-clauses (any) and (some require is false or some forbid is true)
// is true; passes when it is false; and is `undetermined` when it is unknown.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "vigil/check.hpp"
#include "vigil/diagnostic.hpp"

namespace vigil {

class compiled_set;
struct evaluation_profile;

/// What a caller asks of compile() beyond what the rules need.
struct compile_options {
    /// Record fields, as dotted paths (`language`, `meta.tenant`), whose values every decision
    /// carries in decision::carried whether or not a rule reads them: what a replay counts its
    /// findings by (`vigil replay --group-by`). Each must be a field path (is_field_path).
    std::vector<std::string> carried_fields;
};

/// True when `path` is names joined by dots, each a letter or `_` followed by letters, digits or
/// `_`: a record field as rules name it.
[[nodiscard]] bool is_field_path(std::string_view path);

/// Compiles a checked set. Compilation can still find problems the checker cannot (a field read
/// through a computed value), reported as diagnostics. The result is immutable and may be shared
/// by any number of threads. Throws std::invalid_argument when a carried field is not a field path.
[[nodiscard]] result<std::shared_ptr<const compiled_set>> compile(checked_set&& checked,
                                                                  const compile_options& options = {});

/// Reads the JSON text `json`, whatever its root, as the evaluator reads a record: every value
/// (strings unescaped, numbers as doubles, so that an integer beyond 64 bits is a number),
/// objects and arrays nested at most max_record_depth (json_fault.hpp) levels, nothing after the
/// value. Returns false with a one-line reason otherwise. For a service that checks a body before
/// it splits it into records: `enclosing_levels` are the levels around its records, which do not
/// count against their depth (1 for a JSON array of records). Thread-safe: each thread uses its
/// own parser.
[[nodiscard]] bool reads_as_record_json(std::string_view json, std::string& error, std::size_t enclosing_levels = 0);

/// compile_options::carried_fields of the set, in their order.
[[nodiscard]] const std::vector<std::string>& carried_fields(const compiled_set& set);

/// Whether the record schemas the set's policies declare (`schema "..."`) allow the record field
/// `path` (dotted, see is_field_path), as the checker reads a schema: some schema lists each step
/// of it under `properties`, or the object the path reaches leaves the rest open (it has no
/// `additionalProperties: false`, as a free-form `meta` has not), following local `$ref`s. A path
/// that goes on from a value typed other than `object` (`language.code`) is not allowed. True
/// when no policy declares a schema. For a field a caller names outside every rule (`vigil replay
/// --group-by`), which the checker never sees.
[[nodiscard]] bool record_schemas_allow(const compiled_set& set, std::string_view path);

/// Every field path the record schemas of the set list under `properties` (objects within
/// objects, not the elements of lists), sorted and distinct: what to suggest for a field that
/// record_schemas_allow() refuses. Empty when no policy declares a schema.
[[nodiscard]] std::vector<std::string> record_schema_fields(const compiled_set& set);

enum class outcome : std::uint8_t { violation, undetermined };
enum class decision_kind : std::uint8_t { allow, allow_with_remedies, deny };

[[nodiscard]] std::string_view outcome_name(outcome o);      // "violation", "undetermined"
[[nodiscard]] std::string_view decision_name(decision_kind k);  // "allow", "allow_with_remedies", "deny"

struct remedy_out {
    std::string kind;      // block, disclose, handoff, review, notify, custom
    std::string argument;  // the team for notify, the name for custom; empty otherwise
    friend bool operator==(const remedy_out&, const remedy_out&) = default;
};

/// One rule that did not pass for one record.
struct finding {
    std::string policy;
    std::string policy_version;  // empty when the policy declares none (`null` in JSON)
    std::string rule;
    std::string severity;        // info, low, medium, high, critical
    outcome result = outcome::violation;
    std::string message;         // the rendered template (the rule name when it has none)
    /// Every record path the rule read and its value (absent paths omitted), as the text of a JSON
    /// object with its keys sorted, exactly as nlohmann::json dumps it (empty: `{}`). Text, because
    /// findings are written out far more often than they are inspected: nlohmann::json::parse it
    /// to look inside.
    std::string evidence;
    std::vector<std::string> missing;  // for undetermined: the absent paths that left it open
    std::vector<std::string> errors;   // run-time problems (a text where a number was expected, ...)
    /// For violations; an undetermined finding has its rule's remedies only once
    /// count_undetermined_as() counted it as a violation.
    std::vector<remedy_out> remedies;
    /// Where each `{...}` placeholder of the rule's message template was rendered in `message`, in
    /// template order, as byte offsets [first, second); empty when the message is not the template
    /// (an undetermined finding, a rule without one). So that a copy of the message can leave out
    /// a value it must not show (message_placeholders() says what each placeholder reads).
    std::vector<std::pair<std::uint32_t, std::uint32_t>> placeholders;
    /// The rule's position among the compiled set's rules (files, policies, rules as written):
    /// the same rule always has the same index in one set, so tools can tally and cache by it.
    std::uint32_t rule_index = 0;
};

/// The answer for one record.
struct decision {
    nlohmann::json record_id;        // the record's `id` (null when absent)
    nlohmann::json conversation_id;  // the record's `conversation_id` (null when absent)
    /// The record's `meta`, free-form data the record carries through to its findings, as the JSON
    /// text the record wrote (its keys in their order, its blanks); empty when absent or null.
    std::string meta;
    /// The values of the set's carried fields (compile_options), in their order, as JSON text:
    /// `null` when the record lacks one. Not part of to_json(): tools read it, people group by it.
    std::vector<std::string> carried;
    decision_kind kind = decision_kind::allow;  // deny when a violated rule has a `block` remedy
    std::vector<finding> findings;   // in policy-set order (files, policies, rules as written)
    std::string policy_hash;
};

/// A definition (`let distressed = ...`) that a clause part names, and how it came out on the
/// record: what a part such as `forbid distressed` stands for. Each definition is explained once
/// per clause part, where first named; definitions that are literals (phrase lists) are left out.
struct definition_explanation {
    std::string name;
    std::string text;                                 // its value as written in the policy, on one line
    nlohmann::json value;                             // true, false, a number, a text, a list...; null: unknown
    std::vector<std::string> missing;                 // unknown: the absent paths that left it open
    std::vector<std::string> errors;                  // run-time problems, worded as in findings
    std::vector<definition_explanation> definitions;  // the definitions it names in turn
};

/// How one clause of a rule came out on a record (evaluator::explain). A clause written
/// `when a and b` (or `unless a or b`, `require a and b`, `forbid a or b`) is judged as its parts,
/// and explained part by part.
struct clause_explanation {
    std::string clause;                // when, unless, require, forbid, where (of `then`)
    std::string text;                  // the part as written in the policy, on one line
    std::optional<bool> value;         // empty: unknown
    std::vector<std::string> missing;  // unknown: the absent paths that left it open
    std::vector<std::string> errors;   // run-time problems, worded as in findings
    std::vector<definition_explanation> definitions;  // the definitions the part names
};

/// How one rule came out on a record, and why.
struct rule_explanation {
    std::string policy;
    std::string policy_version;  // empty when the policy declares none
    std::string rule;
    /// not_applicable (a `when` part is false or an `unless` part true), pass, violation,
    /// undetermined, not_in_effect (the record falls outside its policy's effective period), or,
    /// for a rule with `then`, obligation_open (its obligation is open after this turn: later turns
    /// meet or break it); an obligation met on this turn is a pass, one broken a violation.
    std::string result;
    /// Every `when`, `unless`, `require` and `forbid` part, in order; for a rule with `then`, its
    /// `where` filter and its `require` or `forbid` condition last, judged on this record.
    std::vector<clause_explanation> clauses;
};

/// {"policy", "version", "rule", "result", "clauses": [{"clause", "text", "value" (true, false or
/// null), "missing", "errors", "definitions": [{"name", "text", "value", "missing", "errors",
/// "definitions"}]}]}.
[[nodiscard]] nlohmann::json to_json(const rule_explanation& e);

/// What an undetermined finding counts as when findings are combined into a decision. Either way
/// the finding is reported as undetermined: this is only about the decision.
enum class undetermined_as : std::uint8_t {
    /// Decides nothing, as a rule that passed (the default: a rule that cannot be judged does not
    /// deny).
    pass,
    /// Its rule's remedies apply, as for a violation: a `block` denies (fail closed, for a gate
    /// that must not let through what it could not judge).
    violation,
};

/// The decision a set of findings makes: deny when a violation has a `block` remedy, else
/// allow_with_remedies when a violation has any remedy, else allow. With undetermined_as::violation
/// undetermined findings count as violations, with the remedies they carry (the evaluator gives
/// them none: count_undetermined_as() does).
[[nodiscard]] decision_kind combined_decision(const std::vector<finding>& findings,
                                              undetermined_as counted = undetermined_as::pass);

/// Makes the undetermined findings of `d`, decided with `set`, count as `counted`: with
/// undetermined_as::violation each gets its rule's remedies and `d.kind` is combined_decision() of
/// them counted so; with undetermined_as::pass, `d` stays as the evaluator made it. A finding of
/// another set is a bug (std::out_of_range when its rule_index is not one of `set`).
void count_undetermined_as(undetermined_as counted, const compiled_set& set, decision& d);

/// One decision as a JSON object: {"record_id", "conversation_id", "decision", "findings": [...],
/// "meta" (parsed; null when the record has none), "policy_hash"}; each finding {"policy", "version",
/// "rule", "severity", "outcome", "message", "evidence", "missing", "errors", "remedies":
/// [{"type","argument"?}]}.
[[nodiscard]] nlohmann::json to_json(const decision& d);

/// What one conversation's rules remember from turn to turn: the state of the conversation
/// functions (`earlier`, `previous`, `count_last`, ...) and the deferred obligations (`then`) of one
/// compiled set, laid out by the compiler. Small and bounded: counters, flags, short histories of
/// truth values, the last value of each `previous`, and at most 1024 remembered turns per
/// `count_within` window; never the conversation's records. Copyable (a snapshot) and movable.
///
/// A default-constructed state is empty and binds to the compiled set of the first evaluator that
/// decides with it; evaluator::new_state() returns one already bound. A state may not be used with
/// another compiled set (std::invalid_argument).
class rule_state {
public:
    rule_state();
    ~rule_state();
    rule_state(const rule_state& other);
    rule_state& operator=(const rule_state& other);
    rule_state(rule_state&& other) noexcept;
    rule_state& operator=(rule_state&& other) noexcept;

    /// The turns decided with this state so far.
    [[nodiscard]] std::uint64_t turns() const;
    /// True when some deferred obligation is open, so finish() would report it.
    [[nodiscard]] bool has_open_obligations() const;
    /// The bytes the state holds, heap included (for accounting by a conversation tracker).
    [[nodiscard]] std::size_t memory_bytes() const;
    /// Back to the state before the first turn, keeping its memory: a tracker hands a closed
    /// conversation's state to the next conversation instead of allocating a new one.
    void reset();

    struct data;  // the layout; defined inside the engine (engine/src/state.hpp)

private:
    friend class evaluator;
    std::unique_ptr<data> m;
};

/// True when some rule of the set looks beyond its own turn (a conversation function or `then`).
/// When false, deciding with a state is the same as deciding without one and the state only counts
/// turns.
[[nodiscard]] bool is_conversational(const compiled_set& set);

/// The bytes a caller may leave after a record's text in its own buffer so that the evaluator
/// parses the record where it lies (record_text::padded).
inline constexpr std::size_t record_padding = 64;

/// One record's JSON text. `padded` promises that record_padding readable bytes follow `json` in
/// memory, the first of them zero (the rest may hold anything, such as the next record): the record
/// is then parsed in place instead of being copied into the evaluator's padded buffer.
struct record_text {
    std::string_view json;
    bool padded = false;
};

/// Evaluates records against one compiled set. Holds per-thread scratch space (the JSON parser,
/// the projection buffers), so each thread uses its own evaluator; the compiled set is shared.
class evaluator {
public:
    explicit evaluator(std::shared_ptr<const compiled_set> set);
    ~evaluator();
    evaluator(evaluator&&) noexcept;
    evaluator& operator=(evaluator&&) noexcept;

    /// Parses one JSON record, projects it into the compiled slots and evaluates every rule, as the
    /// only turn of a conversation: decide(json, state, ...) with a new state, then finish(state),
    /// whose findings are added to `out` (the decision accounts for them). Returns false, with
    /// `error` set to a one-line reason, when the text is not valid JSON or not a JSON object.
    [[nodiscard]] bool decide(std::string_view json, decision& out, std::string& error);
    /// The same for a record that may be padded.
    [[nodiscard]] bool decide(record_text record, decision& out, std::string& error);

    /// Decides one turn of a conversation whose earlier turns were decided, in `turn` order, with
    /// `state`. Every rule is judged on this turn with the state of the earlier turns only (the
    /// functions that include this turn read it from the record); deferred obligations that close
    /// on this turn are reported among the findings, in rule order, with the rule's outcome,
    /// message, evidence and remedies (the decision accounts for them). Then the state advances
    /// past this turn. A record that is refused (false, `error` set) leaves the state unchanged.
    [[nodiscard]] bool decide(std::string_view json, rule_state& state, decision& out, std::string& error);
    /// The same for a record that may be padded.
    [[nodiscard]] bool decide(record_text record, rule_state& state, decision& out, std::string& error);

    /// decide(json, out, error), and also how every rule of the set came out and why, in rule
    /// order, into `why`: each clause part is judged on its own, also those the rule did not need
    /// once another part had settled it. For people writing and debugging policies (`vigil eval
    /// --explain`); slower than decide(). `why` is empty when the record is refused.
    [[nodiscard]] bool explain(std::string_view json, decision& out, std::vector<rule_explanation>& why,
                               std::string& error);
    /// The same for a turn of a conversation, as decide(json, state, out, error) decides it: the
    /// conversation functions and obligations read the earlier turns of `state`, which advances.
    [[nodiscard]] bool explain(std::string_view json, rule_state& state, decision& out,
                               std::vector<rule_explanation>& why, std::string& error);

    /// Ends the conversation of `state`: appends to `out` a finding for every deferred obligation
    /// still open (a `require` never met is a violation, or undetermined when a window turn left it
    /// open; a `forbid` is undetermined when a window turn left it open, and otherwise passes), in
    /// rule order. The caller attributes them to the conversation's last turn. Their messages and
    /// evidence cannot read a record: placeholders render as `unknown`, evidence is empty. The
    /// obligations are closed; the state may go on with more turns.
    void finish(rule_state& state, std::vector<finding>& out);

    /// While `into` is not null, every decision (and explanation) adds to it where its time went:
    /// reading the record, each rule, each definition, the conversation state (profile.hpp).
    /// `into` is sized for this evaluator's set on the call; measurements of another set must not
    /// be in it. Profiling costs about a fifth of a decision (a clock reading per rule). Null
    /// stops it.
    void profile(evaluation_profile* into);

    /// The values of the record last decided or explained that its policies' schemas do not
    /// allow, where a rule reads them, each in the words of a finding's `errors` ("the record's
    /// `speaker` is "AI"; its schema allows one of ..."), once each, in the order read. Empty when
    /// the record follows them, was refused, or none was decided yet.
    [[nodiscard]] std::vector<std::string> schema_breaches() const;

    /// A state for a new conversation, bound to this evaluator's compiled set.
    [[nodiscard]] rule_state new_state() const;

    /// Parses the whole record and walks every value without projecting or evaluating anything:
    /// the floor of decide()'s cost, for benchmarks. Returns false with a reason as decide() does.
    [[nodiscard]] bool parse_only(std::string_view json, std::string& error);

    /// Parses and projects one record as decide() does, without evaluating any rule: whether
    /// decide() would accept it. Returns false with `error` set as decide() does.
    [[nodiscard]] bool project_only(std::string_view json, std::string& error);
    [[nodiscard]] bool project_only(record_text record, std::string& error);

    [[nodiscard]] const compiled_set& policies() const;

private:
    struct impl;
    std::unique_ptr<impl> m_impl;
};

/// Facts about a compiled set, for `vigil eval`'s log, `GET /v1/policies` and tests.
struct policy_summary {
    std::string name;
    std::string version;
    std::size_t rules = 0;
};
[[nodiscard]] std::vector<policy_summary> summarize(const compiled_set& set);
[[nodiscard]] const std::string& policy_hash(const compiled_set& set);
/// A file of a compiled set's policies: its name as it was loaded, and the SHA-256 of its bytes as
/// read (64 lowercase hex digits, as `sha256sum` prints them).
struct policy_file {
    std::string path;
    std::string sha256;
};
/// The set's policy files, each once, in the order they were loaded: those given first, then the
/// files they import; then the record schemas the policies name, each once.
[[nodiscard]] std::vector<policy_file> policy_files(const compiled_set& set);
/// "sha256:<hex>" of what `set` was compiled from, whatever its layout: its syntax trees without
/// their places (so comments, blank space and line breaks count for nothing), the record schemas
/// its policies declare, and its carried fields (compile_options). Two sets with the same meaning
/// hash decide every record alike, up to the places in the text that run-time error notes and
/// explanations quote; policy_hash() names the exact text. A service compares it to tell a reload
/// that changes what is decided from one that changes the text only. Computed on each call.
[[nodiscard]] std::string meaning_hash(const compiled_set& set);
/// Whether some policy of `set` is in effect at `time_ms`, a record's `timestamp` in milliseconds
/// since the epoch (vigil::parse_rfc3339): a policy without an `effective` period always is. A
/// record timed when none is gets no finding from any rule (a replay counts such records).
[[nodiscard]] bool some_policy_in_effect(const compiled_set& set, std::int64_t time_ms);
/// Every record path any rule reads, sorted (the projection the compiler derived).
[[nodiscard]] std::vector<std::string> projected_paths(const compiled_set& set);

/// What one rule's message template reads: for each `{...}` placeholder, in template order, the
/// record fields its value comes from, as dotted paths, sorted; a field inside a list's elements
/// counts as the list (`actions` for `{any a in actions: a.product == "x"}`). `placeholders` is
/// empty when the template has none, or the rule has no template.
struct message_reads {
    std::string policy;
    std::string rule;
    std::vector<std::vector<std::string>> placeholders;
};
/// One per rule of the set, in rule order (finding::rule_index).
[[nodiscard]] std::vector<message_reads> message_placeholders(const compiled_set& set);

}  // namespace vigil
