// The server_body harness: untrusted bytes as the body of POST /v1/decide and of
// POST /v1/decide/batch, run through the functions `vigil serve` runs on a body (server/src:
// check_record, split_batch, append_one_line, refused_record, answer_batch) with a session_table
// holding the shipped policies, without a socket.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "answers.hpp"
#include "harness.hpp"
#include "json_input.hpp"
#include "redaction.hpp"
#include "vigil/conversation.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/json_text.hpp"
#include "vigil/service.hpp"

namespace vigil {

namespace {

using fuzz_support::require;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

// The shipped policies in a store, compiled once, as `vigil serve --policy policies/` holds them.
const policy_store& shipped_store() {
    static const policy_store store = [] {
        const policy_bundle bundle = load_policies({{std::string(VIGIL_SOURCE_DIR) + "/policies", std::nullopt}});
        require(bundle.ok(), "the shipped policies do not compile");
        return policy_store(bundle.set);
    }();
    return store;
}

bool one_line(std::string_view s) {
    return s.find_first_of("\r\n") == std::string_view::npos;
}

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// An server::input_error as json_input.hpp and json_fault.hpp state it: a known code, a one-line message,
// and for invalid JSON the 1-based byte where `text` stops being JSON, named in the message (a text
// cut short stops one byte past its end); -1 for the other codes and for a text refused for a limit
// of simdjson's that has no place.
void check_refusal(const server::input_error& e, std::string_view text, std::string_view what_else) {
    require(e.code == "invalid_json" || e.code == "empty_body" || e.code == what_else,
            "a refusal has a code json_input.hpp does not list");
    require(!e.message.empty() && one_line(e.message), "a refusal's message is empty or not one line");
    require((e.code == "empty_body") == blank(text), "a blank body is not refused as empty, or only it is");
    if (e.offset < 0) {
        require(e.offset == -1, "a refusal's offset is below -1");
        return;
    }
    require(e.code == "invalid_json", "a refusal that is not invalid_json has an offset");
    require(e.offset >= 1 && static_cast<std::uint64_t>(e.offset) <= text.size() + 1,
            "an invalid_json offset lies outside the body");
    require(e.message.starts_with("invalid JSON at byte " + std::to_string(e.offset) + ":"),
            "an invalid_json message does not name the byte of its offset");
}

// An error object of an answer ({"error": {"code", "message", ...}}) read back.
void check_error_answer(const json& answer, std::string_view record) {
    require(answer.is_object() && answer.contains("error") && answer["error"].is_object(),
            "an error answer has no error object");
    const json& e = answer["error"];
    require(e.contains("code") && e["code"].is_string() && !e["code"].get<std::string>().empty(),
            "an error answer has no code");
    require(e.contains("message") && e["message"].is_string() && !e["message"].get<std::string>().empty(),
            "an error answer has no message");
    if (e.contains("offset")) {
        require(e["code"] == "invalid_json" && e["offset"].is_number_integer(), "an answer's offset is misplaced");
        const auto offset = e["offset"].get<std::int64_t>();
        require(offset >= 1 && static_cast<std::uint64_t>(offset) <= record.size() + 1,
                "an answer's offset lies outside its record");
    }
}

// --decision-log-omit as a server might be started with: a member always, one unless consent, one
// inside an object, and a path through a text.
const server::log_redaction& redaction() {
    static const server::log_redaction r = [] {
        std::vector<server::log_omission> omit;
        for (const char* text :
             {"text", "signals:unless=user.consent.emotion_analysis", "meta.tenant", "speaker.x", "actions.product"}) {
            std::string error;
            omit.push_back(*server::parse_log_omission(text, error));
        }
        return server::log_redaction(std::move(omit));
    }();
    return r;
}

// Erases a dotted path from a parsed record, as a reader of the log would expect it gone: through
// objects, and through lists into each element.
void erase_path(json& j, std::string_view path) {
    if (j.is_array()) {
        for (json& element : j) erase_path(element, path);
        return;
    }
    const std::size_t dot = path.find('.');
    if (!j.is_object()) return;
    if (dot == std::string_view::npos) {
        j.erase(std::string(path));
        return;
    }
    const auto it = j.find(std::string(path.substr(0, dot)));
    if (it != j.end()) erase_path(*it, path.substr(dot + 1));
}

// The logged record is the record without the members the redaction says it left out (and valid
// JSON), the logged decision shows none of them in its evidence, and a record it left nothing out
// of has no `text`.
void check_redaction(std::string_view record, const decision& verdict) {
    std::string record_out, decision_out, error;
    std::vector<std::string> omitted;
    require(redaction().apply(record, verdict, record_out, decision_out, omitted, error),
            "a decided record could not be redacted");
    json expected = json::parse(record);
    if (omitted.empty()) {
        require(!expected.contains("text"), "a record with `text` was logged with it");
        return;
    }
    for (const std::string& path : omitted) erase_path(expected, path);
    require(json::accept(record_out) && json::parse(record_out) == expected,
            "the logged record is not the record without what was left out");
    const json logged = json::parse(decision_out);
    for (const auto& f : logged["findings"]) {
        for (const auto& [key, value] : f["evidence"].items()) {
            for (const std::string& path : omitted) {
                require(key.rfind(path, 0) != 0 || (key.size() > path.size() && key[path.size()] != '.'),
                        "the logged evidence shows what was left out");
                if (path.size() > key.size() && path.rfind(key + ".", 0) == 0) {  // inside the value
                    json rest = value;
                    erase_path(rest, std::string_view(path).substr(key.size() + 1));
                    require(rest == value, "the logged evidence shows what was left out, inside a value");
                }
            }
        }
    }
}

// What POST /v1/decide does with a record (server.cpp, decide_one), without the decision log, the
// metrics and the conversations closed on the way: peek, the session table, and the answer's text;
// records of an even length as `?explain` asks, with how every rule came out.
// Returns the HTTP status.
int decide_as_the_server(session_table& table, std::string_view text, clock_type::time_point now, std::string& out) {
    record_key facts;
    live_result r;
    std::string error;
    (void)peek(text, facts, error);
    server::input_error strict;
    const bool strict_ok = server::check_record(text, strict);
    if (!strict_ok) check_refusal(strict, text, "not_an_object");
    const std::uint64_t open_before = table.counters().open;
    std::vector<rule_explanation> why;
    std::vector<rule_explanation>* explain = text.size() % 2 == 0 ? &why : nullptr;
    if (!table.decide(text, facts, true, now, r, error, explain)) {
        require(why.empty(), "a refused record was explained");
        require(!error.empty() && one_line(error), "the session table refused a record without a one-line reason");
        require(table.counters().open == open_before, "a refused record changed the session table");
        out = server::refused_record(text, error);
        const json answer = json::parse(out);
        check_error_answer(answer, text);
        require(answer["error"]["code"] == (strict_ok ? "invalid_record" : strict.code),
                "a refused record is answered with another code than check_record's");
        return 400;
    }
    require(strict_ok, "the session table decided a record check_record refuses");
    require(why.empty() != (explain != nullptr && r.decided), "a decided turn was not explained, or another was");
    for (const rule_explanation& e : why) require(!json_text(to_json(e)).empty(), "an explanation renders as no JSON");
    if (!r.decided) {
        require(r.placement == "duplicate" || r.placement == "out_of_order", "a record not decided nor refused");
        out = json_text(server::error_body("duplicate_turn", "not decided"));
        return 409;
    }
    out.clear();
    append_json(out, r.verdict);
    // The decision-log line that carries the record on one line must stay valid JSON.
    std::string line = "{\"record\":";
    server::append_one_line(line, text);
    require(one_line(line), "append_one_line left a line break");
    line.append(",\"decision\":").append(out).append("}");
    require(json::accept(line), "a decision-log line is not valid JSON");
    check_redaction(text, r.verdict);
    return 200;
}

// split_batch's contracts: views inside the body, in order, not overlapping; an object element is
// a record check_record accepts, which append_one_line puts on one line with the same value; any
// other element says why; as many elements as the array has, of the same kinds.
void check_split(std::string_view body) {
    std::vector<server::batch_item> items;
    server::input_error bad;
    if (!server::split_batch(body, items, bad)) {
        check_refusal(bad, body, "not_an_array");
        return;
    }
    const char* end_of_previous = body.data();
    for (const auto& item : items) {
        if (item.error.empty()) {
            require(!item.text.empty() && item.text.front() == '{', "a batch item is neither an object nor an error");
            require(inside(item.text, body), "a batch item's view is not inside the body");
            require(item.text.data() >= end_of_previous, "batch items are out of order or overlap");
            end_of_previous = item.text.data() + item.text.size();
            server::input_error strict;
            require(server::check_record(item.text, strict), "check_record refuses an object of a valid batch");
            std::string flat;
            server::append_one_line(flat, item.text);
            require(one_line(flat) && flat.front() == '{' && flat.back() == '}',
                    "append_one_line did not give an object on one line");
            require(json::parse(flat) == json::parse(item.text), "append_one_line changed a record's value");
        } else {
            require(item.text.empty() && one_line(item.error), "a batch item's error is not one line, or has text");
        }
    }
    // nlohmann's reading of the same body, when it reads an array: the same elements, of the same kinds.
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_array()) {
        require(parsed.size() == items.size(), "split_batch and nlohmann count the elements differently");
        for (std::size_t i = 0; i < items.size(); ++i) {
            require(parsed[i].is_object() == items[i].error.empty(), "split_batch takes an element for another kind");
        }
    }
}

// answer_batch's contracts: a refused body is one error object; so is a batch of more than
// `max_batch` elements, of which nothing is decided; otherwise one answer per element, in order,
// each error with its status and index. The limit is small so that inputs reach both sides of it.
constexpr std::size_t max_batch = 8;

void check_batch_answer(session_table& table, std::string_view body, clock_type::time_point now) {
    std::size_t decided = 0;
    const server::record_decider decide = [&](std::string_view record, std::string& one) {
        return decide_as_the_server(table, record, now + std::chrono::milliseconds(++decided), one);
    };
    std::string out;
    const int status = server::answer_batch(body, max_batch, decide, out);
    const json answer = json::parse(out);
    std::vector<server::batch_item> items;
    server::input_error bad;
    const bool split = server::split_batch(body, items, bad);
    if (status == 413) {
        require(split && items.size() > max_batch && answer["error"]["code"] == "batch_too_large" && decided == 0,
                "a batch is refused as too large when it is not, or after deciding some of it");
        return;
    }
    if (status != 200) {
        require(status == 400 && !split, "a batch is refused with another status than 400, or one that splits");
        check_error_answer(answer, body);
        require(answer["error"]["code"] == bad.code, "a refused batch is answered with another code");
        return;
    }
    require(split && answer.is_array() && answer.size() == items.size(),
            "a batch answer does not have one element per element of the body");
    for (std::size_t i = 0; i < items.size(); ++i) {
        const json& element = answer[i];
        if (!element.contains("error")) {
            require(items[i].error.empty() && element.contains("decision"),
                    "a batch element is neither decided nor refused");
            continue;
        }
        check_error_answer(element, items[i].text);
        require(element["error"]["index"] == i && element["error"]["status"].is_number_integer(),
                "a batch element's error does not give its index and status");
    }
}

}  // namespace

int fuzz_server_body(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    session_table table(shipped_store(), session_options{});
    const clock_type::time_point now{};
    std::string answer;
    (void)decide_as_the_server(table, body, now, answer);
    check_split(body);
    check_batch_answer(table, body, now + std::chrono::seconds(1));
    (void)table.close_all();
    require(table.counters().open == 0, "close_all left a conversation open");
    return 0;
}

}  // namespace vigil
