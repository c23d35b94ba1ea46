// The record harness: untrusted bytes as one JSON interaction record, decided with the shipped
// policies, peeked, and fed line by line to a conversation tracker.

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"
#include "vigil/conversation.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/json_text.hpp"
#include "vigil/service.hpp"

namespace vigil {

namespace {

using fuzz_support::require;

// The shipped policies, compiled once: a record meets the rules it meets in production. With
// carried fields (what `vigil replay --group-by` reads): a string, an object read by rules, one
// read by none, and a list.
const std::shared_ptr<const compiled_set>& shipped() {
    static const std::shared_ptr<const compiled_set> set = [] {
        compile_options options;
        options.carried_fields = {"language", "signals", "meta.tenant", "actions"};
        const policy_bundle bundle =
            load_policies({{std::string(VIGIL_SOURCE_DIR) + "/policies", std::nullopt}}, options);
        require(bundle.ok(), "the shipped policies do not compile");
        return bundle.set;
    }();
    return set;
}

// A decision as the text both writers of decisions must agree on, with its carried fields, each
// JSON text.
std::string decision_text(const decision& d) {
    std::string text;
    append_json(text, d);
    // The one difference json_text.hpp allows: `meta` as the record wrote it, where to_json
    // parses it (keys sorted, numbers rewritten). Otherwise the same bytes.
    const bool meta_as_dumped = d.meta.empty() || json_text(nlohmann::json::parse(d.meta)) == d.meta;
    if (meta_as_dumped) {
        require(text == json_text(to_json(d)), "append_json and to_json disagree on a decision");
    } else {
        require(nlohmann::json::parse(text) == to_json(d), "append_json and to_json disagree on a decision");
    }
    for (const std::string& value : d.carried) {
        require(nlohmann::json::accept(value), "a carried field is not JSON text");
        text += value;
    }
    return text;
}

// decide() on the text as it is, on a padded copy parsed in place, project_only() and explain()
// must give the same answer; a refusal says why.
void decide_three_ways(std::string_view json) {
    evaluator judge(shipped());
    decision plain;
    std::string plain_error;
    const bool accepted = judge.decide(json, plain, plain_error);
    require(accepted || !plain_error.empty(), "decide refused a record without saying why");

    std::string buffer(json);
    buffer.append(record_padding, '\0');
    decision padded;
    std::string padded_error;
    const bool padded_accepted =
        judge.decide(record_text{std::string_view(buffer.data(), json.size()), true}, padded, padded_error);
    require(padded_accepted == accepted && padded_error == plain_error,
            "a padded record is judged apart from the same record unpadded");
    if (accepted) require(decision_text(padded) == decision_text(plain), "padding changed a decision");

    std::string projected_error;
    require(judge.project_only(json, projected_error) == accepted && projected_error == plain_error,
            "project_only and decide disagree on whether a record is accepted");

    decision explained;
    std::vector<rule_explanation> why;
    std::string explained_error;
    require(judge.explain(json, explained, why, explained_error) == accepted && explained_error == plain_error,
            "explain and decide disagree on whether a record is accepted");
    if (!accepted) return;
    require(decision_text(explained) == decision_text(plain), "explain decided otherwise than decide");
    for (const rule_explanation& e : why) require(!json_text(to_json(e)).empty(), "an explanation renders as no JSON");
}

void peek_once(std::string_view json) {
    record_key key;
    std::string error;
    const bool object = peek(json, key, error);
    require(object || !error.empty(), "peek refused a record without saying why");
    require(!key.has_turn || key.turn >= 1, "peek gave a turn below 1");
}

// A decision-log line wraps its record ({"record": {...}, "decision": ...}); replay unwraps it.
void unwrap(std::string_view json) {
    std::string_view inner;
    std::string error;
    if (!member_json(json, "record", inner, error)) {
        require(!error.empty(), "member_json refused a line without saying why");
        return;
    }
    require(inner.data() >= json.data() && inner.data() + inner.size() <= json.data() + json.size(),
            "member_json's view is not inside the line");
    require(has_member(json, "record"), "member_json found a member has_member does not");
    decide_three_ways(inner);
}

// Every event's views are read while they are valid, as a sink in replay does.
void take(const conversation_event& e) {
    std::string seen(event_name(e.kind));
    seen += e.conversation_id;
    seen += e.reason;
    if (e.kind == event_kind::malformed) require(!e.reason.empty(), "a malformed event without a reason");
    if (e.kind == event_kind::gap) require(e.missing_first <= e.missing_last, "a gap that ends before it starts");
    if (e.verdict) seen += decision_text(*e.verdict);
}

// Each line of the input is one record of a log; a small reorder window makes the tracker hold,
// give up and close conversations.
void track_lines(std::string_view text) {
    tracker_options options;
    options.reorder_window = 2;
    options.resume_within_ms = 60 * 60 * 1000;
    conversation_tracker tracker(shipped(), options);
    std::uint64_t line = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        tracker.feed(text.substr(start, end - start), ++line, take);
        start = end + 1;
    }
    tracker.expire(std::numeric_limits<std::int64_t>::max() / 2, take);
    tracker.finish(take);
    require(tracker.open_conversations() == 0 && tracker.held_records() == 0, "finish left a conversation open");
}

}  // namespace

int fuzz_record(const std::uint8_t* data, std::size_t size) {
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    decide_three_ways(json);
    peek_once(json);
    unwrap(json);
    track_lines(json);
    return 0;
}

}  // namespace vigil
