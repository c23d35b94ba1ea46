// The policy harness: untrusted bytes as a policy file, through the path of `vigil check`.

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/format.hpp"
#include "vigil/json_text.hpp"
#include "vigil/meaning.hpp"
#include "vigil/parse.hpp"
#include "vigil/service.hpp"
#include "vigil/source.hpp"

namespace vigil {

namespace {

using fuzz_support::require;

// The input is named as a file of the shipped policies, so that its imports and its schema
// resolve against the files there (`import "common.vigil"`, `schema "schema/..."`).
const std::string& input_name() {
    static const std::string name = std::string(VIGIL_SOURCE_DIR) + "/policies/fuzz-input.vigil";
    return name;
}

// The records a set that compiles decides: the lines of examples/records.jsonl, read once, and a
// turn without a timestamp, which a policy with an `effective` period judges apart.
const std::vector<std::string>& sample_records() {
    static const std::vector<std::string> lines = [] {
        std::vector<std::string> out;
        std::string error;
        const std::string text = read_whole_file(VIGIL_SOURCE_DIR "/examples/records.jsonl", error).value_or("");
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            if (end > start) out.push_back(text.substr(start, end - start));
            start = end + 1;
        }
        require(!out.empty(), "examples/records.jsonl is missing or empty");
        out.push_back(R"({"id":"untimed","conversation_id":"c-fuzz","turn":40,"speaker":"ai","text":"hello",)"
                      R"("ai":{"disclosed":false},"signals":{"distress":0.9,"emotions":["anger"]}})");
        return out;
    }();
    return lines;
}

// The parser alone: a module that did not parse must come with an error (result's contract).
void parse_alone(const std::string& text) {
    source_map sources;
    const file_id id = sources.add(input_name(), text);
    ast::node_id next_id = 1;
    const result<ast::module> parsed = parse(sources, id, next_id);
    require(parsed.value.has_value() || has_errors(parsed.diagnostics), "parse failed without an error");
    fuzz_support::render_every(parsed.diagnostics, sources);
}

// `vigil fmt` on a file that parses: its layout parses without errors, says the same (the same
// meaning_hash), and is its own layout. (format_policy checks the first two itself and throws when
// they fail, which ends the run as a crash does; they are stated here as the harness's contract.) A
// file that does not parse is refused with an error.
void format_alone(const std::string& text) {
    source_map sources;
    const file_id id = sources.add(input_name(), text);
    const result<std::string> formatted = format_policy(sources, id);
    if (!formatted.value) {
        require(has_errors(formatted.diagnostics), "fmt refused a file without an error");
        return;
    }
    source_map again;
    const file_id again_id = again.add(input_name(), *formatted.value);
    ast::node_id next_id = 1;
    const result<ast::module> original = parse(sources, id, next_id);
    const result<ast::module> reparsed = parse(again, again_id, next_id);
    require(reparsed.value && !has_errors(reparsed.diagnostics), "the layout of a file that parses does not parse");
    require(meaning_hash(*reparsed.value) == meaning_hash(*original.value), "the layout says something else");
    const result<std::string> twice = format_policy(again, again_id);
    require(twice.value && *twice.value == *formatted.value, "the layout of the layout differs");
}

// Every turn of the sample records as one conversation, then its end, as `vigil eval` and
// `vigil replay` would run a set that checks; and the same turns explained, with a state of their
// own, as `vigil test` runs them: the same decisions, every rule explained.
void decide_samples(const std::shared_ptr<const compiled_set>& set) {
    evaluator judge(set), explainer(set);
    rule_state state = judge.new_state(), explained_state = explainer.new_state();
    std::size_t rules = 0;
    for (const policy_summary& p : summarize(*set)) rules += p.rules;
    for (const std::string& record : sample_records()) {
        decision d;
        std::string error;
        require(judge.decide(record, state, d, error), "a sample record was refused");
        std::string text;
        append_json(text, d);
        require(text == json_text(to_json(d)), "append_json and to_json disagree on a decision");

        decision explained;
        std::vector<rule_explanation> why;
        require(explainer.explain(record, explained_state, explained, why, error), "explain refused a sample record");
        require(json_text(to_json(explained)) == json_text(to_json(d)), "explain decided otherwise than decide");
        require(why.size() == rules, "explain left out a rule");
        for (const rule_explanation& e : why)
            require(!json_text(to_json(e)).empty(), "an explanation renders as no JSON");
    }
    std::vector<finding> ending;
    judge.finish(state, ending);
}

}  // namespace

int fuzz_policy(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    parse_alone(text);
    format_alone(text);
    const policy_bundle bundle = load_policies({{input_name(), text}});
    require(bundle.ok() || has_errors(bundle.diagnostics), "a policy set failed to compile without an error");
    require(bundle.sources != nullptr, "a loaded set has no source map");
    fuzz_support::render_every(bundle.diagnostics, *bundle.sources);
    require(!json_text(bundle.render_json()).empty(), "the diagnostics render as no JSON");
    static_cast<void>(bundle.render_text());
    if (bundle.set) decide_samples(bundle.set);
    return 0;
}

}  // namespace vigil
