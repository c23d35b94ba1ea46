#include "vigil/server.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "vigil/calendar.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/json_text.hpp"
#include "vigil/parse.hpp"
#include "vigil/service.hpp"
#include "vigil/source.hpp"
#include "vigil/threads.hpp"

#include "answers.hpp"
#include "client_tokens.hpp"
#include "decision_log.hpp"
#include "exchange.hpp"
#include "file_watch.hpp"
#include "json_input.hpp"
#include "metrics.hpp"
#include "query.hpp"
#include "redaction.hpp"
#include "tls.hpp"
#include "transport.hpp"

namespace vigil::server {

namespace {

using steady = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr std::string_view json_type = "application/json";
// The smallest --max-body that lets a record through: `{}`.
constexpr std::size_t min_body = 2;

// ---- small helpers ------------------------------------------------------------------------------

std::string rfc3339(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::int64_t days = (ms >= 0 ? ms : ms - 86'399'999) / 86'400'000;
    const std::int64_t in_day = ms - days * 86'400'000;
    const civil_date date = civil_from_days(days);
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(date.year), date.month, date.day, static_cast<long long>(in_day / 3'600'000),
                  static_cast<long long>(in_day / 60'000 % 60), static_cast<long long>(in_day / 1000 % 60),
                  static_cast<long long>(in_day % 1000));
    return buffer;
}

// A span of time for people, in the largest unit it is a whole number of, or holds twice (then
// rounded): 90 s, 1 h, 5 min, 3 h, 270 days.
std::string describe_ms(std::int64_t ms) {
    struct unit {
        std::int64_t ms;
        const char* name;
    };
    for (const unit u : {unit{86'400'000, "days"}, unit{3'600'000, "h"}, unit{60'000, "min"}}) {
        if ((ms >= u.ms && ms % u.ms == 0) || ms >= 2 * u.ms)
            return std::to_string((ms + u.ms / 2) / u.ms) + " " + u.name;
    }
    return ms >= 2000 ? std::to_string((ms + 500) / 1000) + " s" : std::to_string(ms) + " ms";
}

std::string now_rfc3339() {
    return rfc3339(std::chrono::system_clock::now());
}

void answer_json(answer& out, int status, const json& body) {
    out.status = status;
    out.body = json_text(body);
}

void answer_error(answer& out, int status, std::string_view code, std::string_view message) {
    answer_json(out, status, error_body(code, message));
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Compares ASCII case-insensitively, without copying (it runs on every request).
bool same_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

// The media type of a Content-Type header, without parameters and surrounding blanks.
std::string_view media_type(std::string_view content_type) {
    std::string_view t = content_type.substr(0, content_type.find(';'));
    const auto first = t.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return t.substr(first, t.find_last_not_of(" \t") - first + 1);
}

std::string quoted_id(const record_key& facts) {
    return "`" + facts.conversation_id + "`";
}

std::size_t stripe_of(const record_key& facts, std::size_t stripes) {
    return facts.has_conversation ? std::hash<std::string>{}(facts.conversation_id) % stripes : 0;
}

// ---- the running policy set's description -------------------------------------------------------------

struct loaded_info {
    std::shared_ptr<const compiled_set> set;
    std::string hash;     // policy_hash: the exact text, as every decision names it
    std::string meaning;  // meaning_hash: what a reload compares
    std::uint64_t generation = 1;
    std::string loaded_at;
    std::vector<std::string> files;  // every file the load read, policy files and imports
    json policies = json::array();
    std::size_t rules = 0;
    json diagnostics = json::array();  // warnings of the load
};

std::shared_ptr<const loaded_info> describe(const policy_bundle& bundle, std::uint64_t generation) {
    auto info = std::make_shared<loaded_info>();
    info->set = bundle.set;
    info->hash = policy_hash(*bundle.set);
    info->meaning = meaning_hash(*bundle.set);
    info->generation = generation;
    info->loaded_at = now_rfc3339();
    if (bundle.sources) {
        for (std::size_t i = 0; i < bundle.sources->size(); ++i)
            info->files.push_back(bundle.sources->file(static_cast<file_id>(i)).name);
    }
    for (const auto& p : summarize(*bundle.set)) {
        info->policies.push_back(json{{"name", p.name}, {"version", version_json(p.version)}, {"rules", p.rules}});
        info->rules += p.rules;
    }
    info->diagnostics = bundle.render_json();
    return info;
}

// --threads, 0 meaning one per core; never more than max_threads, which start() refuses.
std::size_t event_loop_threads(const options& opts) {
    return std::min(threads_for(opts.threads), max_threads);
}

// A diagnostic on one line, for the server's log (one line per event): `file:line:col:
// error[V0210]: message`, its notes and help after it.
std::string one_line(const diagnostic& d, const source_map* sources) {
    std::string out;
    if (sources != nullptr && d.where.file < sources->size()) out = sources->position(d.where) + ": ";
    out += d.level == severity::error ? "error" : d.level == severity::warning ? "warning" : "note";
    out.append("[").append(info(d.value).id).append("]: ").append(d.message);
    for (const note& n : d.notes) out.append("; note: ").append(n.message);
    if (!d.help.empty()) out.append("; help: ").append(d.help);
    return out;
}

std::size_t count_errors(const policy_bundle& bundle) {
    return static_cast<std::size_t>(std::count_if(bundle.diagnostics.begin(), bundle.diagnostics.end(),
                                                  [](const diagnostic& d) { return d.level == severity::error; }));
}

}  // namespace

// ---- parsing settings ---------------------------------------------------------------------------------

std::optional<std::pair<std::string, int>> parse_listen(std::string_view text) {
    std::string host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
        host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
        host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    int port = -1;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (host.empty() || port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
        port < 0 || port > 65535)
        return std::nullopt;
    return std::pair{host, port};
}

std::optional<std::size_t> parse_size(std::string_view text) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end == text.data()) return std::nullopt;
    const std::string unit =
        lowercase(std::string_view(end, static_cast<std::size_t>(text.data() + text.size() - end)));
    std::uint64_t scale = 0;
    if (unit.empty() || unit == "b")
        scale = 1;
    else if (unit == "kib" || unit == "k")
        scale = 1ull << 10;
    else if (unit == "mib" || unit == "m")
        scale = 1ull << 20;
    else if (unit == "gib" || unit == "g")
        scale = 1ull << 30;
    else if (unit == "kb")
        scale = 1000;
    else if (unit == "mb")
        scale = 1000 * 1000;
    else if (unit == "gb")
        scale = 1000 * 1000 * 1000;
    else
        return std::nullopt;
    if (n > std::numeric_limits<std::size_t>::max() / scale) return std::nullopt;
    return static_cast<std::size_t>(n * scale);
}

// ---- the server -------------------------------------------------------------------------------------

struct server::impl {
    options opts;
    std::shared_ptr<spdlog::logger> log;
    std::vector<policy_input> inputs;

    // The clients of --client-tokens-file (none: decide requests need no token); with --watch, a
    // changed file replaces them while requests are answered.
    client_registry clients;
    // What the watcher compares for a reload of the clients; only the maintenance thread uses it.
    change_detector clients_watcher;
    tls_files tls{opts.tls_cert_file, opts.tls_key_file, opts.tls_client_ca_file};
    // What the watcher compares for a certificate rotation; only the maintenance thread uses it.
    change_detector tls_watcher;

    std::unique_ptr<policy_store> store;
    std::unique_ptr<session_table> sessions;
    metrics counters;
    decision_log decisions;
    log_redaction redaction{opts.decision_log_omit};
    steady::time_point started = steady::now();

    // The description of the running set; replaced whole by a reload.
    mutable std::mutex info_lock;
    std::shared_ptr<const loaded_info> info;
    json last_reload;  // null until the first reload

    // One reload at a time (HTTP and watcher); the watcher's baseline changes with it.
    std::mutex reload_lock;
    change_detector watcher;

    // Turns of one conversation are decided and logged under one stripe's lock, so the decision log
    // has them in the order the session table decided them (replay reads them in that order).
    std::array<std::mutex, 64> stripes;

    std::thread maintenance;
    std::mutex maintenance_lock;
    std::condition_variable maintenance_wake;
    bool maintenance_stop = false;

    // Last: its event-loop threads call respond(), which uses everything above.
    transport http;

    impl(options o, std::shared_ptr<spdlog::logger> l)
        : opts(std::move(o)),
          log(std::move(l)),
          decisions(log, opts.decision_log_max_waiting, opts.refuse_when_log_full),
          http([this](const request& req, answer& out) { respond(req, out); }, opts.max_body, opts.client_timeout,
               event_loop_threads(opts), log) {
        for (const auto& p : opts.policies) inputs.push_back({p, std::nullopt});
    }

    std::shared_ptr<const loaded_info> current_info() const {
        std::lock_guard lock(info_lock);
        return info;
    }

    // ---- the decision log -------------------------------------------------------------------------

    // `client`: who asked (--client-tokens-file), empty without client tokens.
    void log_decision(std::string_view record, const std::string& decision_text, const live_result& r,
                      const std::string& received_at, std::string_view client) {
        thread_local std::string line;  // keeps its buffer from one decision to the next
        line.clear();
        line.append("{\"record\":");
        if (redaction.active()) {
            append_redacted(line, record, r, decision_text);
        } else {
            append_one_line(line, record);
            line.append(",\"decision\":").append(decision_text);
        }
        line.append(",\"placement\":\"").append(r.placement).append("\"");
        line.append(",\"policy_hash\":");
        append_json_string(line, r.verdict.policy_hash);
        line.append(",\"received_at\":\"").append(received_at).append("\"");
        // Only with client tokens: a log without them keeps the members it always had.
        if (!client.empty()) line.append(",\"client\":\"").append(client).append("\"");
        line.push_back('}');
        decisions.append(line);
    }

    // The record and decision members of a log line, without what --decision-log-omit leaves out,
    // and `omitted`, naming it.
    void append_redacted(std::string& line, std::string_view record, const live_result& r,
                         const std::string& decision_text) {
        thread_local std::string record_out, decision_out, error;
        thread_local std::vector<std::string> omitted;
        if (!redaction.apply(record, r.verdict, record_out, decision_out, omitted, error)) {
            // Not expected (the record was decided). Nothing of it is kept, and the line says why:
            // replay reports it as a malformed line, with its number.
            log->error("cannot leave members out of a decision-log line, logged without record and decision: {}",
                       error);
            line.append("null,\"decision\":null,\"omit_error\":");
            append_json_string(line, error);
            return;
        }
        if (omitted.empty()) {
            append_one_line(line, record);
            line.append(",\"decision\":").append(decision_text);
            return;
        }
        append_one_line(line, record_out);
        line.append(",\"decision\":").append(decision_out).append(",\"omitted\":");
        append_json_strings(line, omitted);
    }

    void log_closed(const std::vector<decision>& closed, std::string_view reason) {
        if (closed.empty()) return;
        const std::string at = now_rfc3339();
        for (const auto& d : closed) {
            counters.closing(d);
            if (!decisions.is_open()) continue;
            // Members in reading order (nlohmann::json would sort them).
            nlohmann::ordered_json line;
            line["event"] = "conversation_closed";
            line["reason"] = reason;
            if (redaction.active()) {
                decision kept = d;
                redaction.apply_to_closing(kept);
                line["decision"] = to_json(kept);
            } else {
                line["decision"] = to_json(d);
            }
            line["policy_hash"] = d.policy_hash;
            line["closed_at"] = at;
            decisions.append(json_text(line));
        }
    }

    // Decides which rules' messages the decision log masks for `set`; what to say of them in the
    // server's log (empty: none, or nothing is left out).
    std::string prepare_redaction(const compiled_set& set) {
        if (!redaction.active() || opts.decision_log.empty()) return {};
        const std::string masked = redaction.prepare(set);
        if (masked.empty()) return {};
        return fmt::format("decision log: messages show `{}` for what is left out, in {}", log_redaction::omitted_value,
                           masked);
    }

    // ---- deciding -----------------------------------------------------------------------------------

    // What deciding a record needs besides the record, kept by each event-loop thread from one request
    // to the next: the decision's findings and the record's key keep their buffers (a decision
    // allocated about twenty strings before).
    struct deciding {
        record_key facts;
        live_result r;
        std::string error;
        std::vector<rule_explanation> why;
    };

    // Decides one record; `out` gets the answer's JSON text, with how every rule came out when
    // `explain` (not in the decision log, which keeps decisions). Returns the HTTP status.
    int decide_one(std::string_view text, const std::string& received_at, std::string_view client, bool explain,
                   std::string& out) {
        const auto t0 = steady::now();
        thread_local deciding scratch;
        record_key& facts = scratch.facts;
        live_result& r = scratch.r;
        std::string& error = scratch.error;
        std::vector<rule_explanation>* why = explain ? &scratch.why : nullptr;
        if (opts.refuse_when_log_full && decisions.is_open() && decisions.full()) {
            // Before the record is read: a refused turn leaves its conversation as it was.
            out = json_text(error_body("decision_log_full",
                                       "the decision log cannot be written and " +
                                           std::to_string(decisions.queued_bytes()) +
                                           " bytes wait for it (--decision-log-max-waiting); nothing was decided"));
            return 503;
        }
        // Absent or unusable fields are for the session table to place; the evaluator checks the
        // whole record as it judges it, so the text is parsed once.
        const bool object = peek(text, facts, error);
        if (object && timestamp_out_of_range(facts, out)) return 422;

        out.clear();
        {
            std::unique_lock<std::mutex> ordered;
            if (decisions.is_open()) ordered = std::unique_lock(stripes[stripe_of(facts, stripes.size())]);
            if (!sessions->decide(text, facts, object, t0, r, error, why)) {
                out = refused_record(text, error);
                return 400;
            }
            log_closed(r.expired, "idle");  // the conversation this turn found idle ended before it
            if (r.decided || r.repeat) append_json(out, r.verdict);
            if (r.decided && decisions.is_open()) log_decision(text, out, r, received_at, client);
        }
        log_closed(r.closed, "evicted");

        if (!r.decided && !r.repeat) {
            out = json_text(turn_refused(facts, r));
            return 409;
        }

        if (r.decided) counters.decision(r.verdict);
        // The decision object with the placement added before its closing brace; a repeat has the
        // placement its turn had when it was decided, and says it was not decided again.
        const std::string& placement = r.repeat ? r.repeated_placement : r.placement;
        out.pop_back();
        out.append(",\"placement\":\"").append(placement).append("\"");
        if (placement == "gap") {
            out.append(",\"missing_turns\":{\"first\":")
                .append(std::to_string(r.missing_first))
                .append(",\"last\":")
                .append(std::to_string(r.missing_last))
                .append("}");
        }
        if (r.repeat) out.append(",\"repeat\":true");
        if (why && r.decided) append_explanations(*why, out);
        out.push_back('}');
        counters.decide_latency(steady::now() - t0);
        return 200;
    }

    // A record timed further from the server's clock than --max-clock-skew: `out` is the 422
    // answer. Its conversation is left as it was. A record without a usable time is judged (its
    // periods are undetermined, which --undetermined-as decides on).
    bool timestamp_out_of_range(const record_key& facts, std::string& out) const {
        if (opts.max_clock_skew.count() == 0 || !facts.has_time) return false;
        const auto now = std::chrono::system_clock::now();
        const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
        const std::int64_t skew = facts.time_ms - now_ms;
        if (std::abs(skew) <= opts.max_clock_skew.count()) return false;
        const std::string server_time = rfc3339(now);
        json body = error_body("timestamp_out_of_range",
                               "the record's timestamp " + facts.timestamp + " is " + describe_ms(std::abs(skew)) +
                                   (skew < 0 ? " behind" : " ahead of") + " the server's clock (" + server_time +
                                   "), and at most " + describe_ms(opts.max_clock_skew.count()) +
                                   " is accepted (--max-clock-skew): the timestamp picks the policy versions in "
                                   "force; it is not decided");
        body["error"]["timestamp"] = facts.timestamp;
        body["error"]["server_time"] = server_time;
        body["error"]["max_clock_skew_ms"] = opts.max_clock_skew.count();
        out = json_text(body);
        return true;
    }

    // The 409 answer to a turn the session table would not decide in its conversation.
    json turn_refused(const record_key& facts, const live_result& r) const {
        const std::string turn = "turn " + std::to_string(facts.turn) + " of conversation " + quoted_id(facts);
        json body;
        if (r.placement == "duplicate") {
            body = error_body("duplicate_turn", turn + " was already decided; it is not decided again");
        } else if (r.placement == "too_far_ahead") {
            body = error_body("turn_too_far_ahead",
                              turn + " would skip " + std::to_string(facts.turn - r.expected_turn) +
                                  " turns from turn " + std::to_string(r.expected_turn) +
                                  ", the next expected, and at most " + std::to_string(opts.max_turn_gap) +
                                  " may be skipped (--max-turn-gap); it is not decided and the conversation is "
                                  "left as it was");
            body["error"]["expected_turn"] = r.expected_turn;
            body["error"]["max_turn_gap"] = opts.max_turn_gap;
        } else {
            body = error_body("out_of_order_turn",
                              turn + " arrived after the conversation moved past it; it is not decided");
        }
        body["error"]["placement"] = r.placement;
        body["error"]["conversation_id"] = facts.conversation_id;
        body["error"]["turn"] = facts.turn;
        return body;
    }

    static void append_explanations(const std::vector<rule_explanation>& why, std::string& out) {
        out.append(",\"explain\":[");
        for (const rule_explanation& rule : why) {
            if (&rule != why.data()) out.push_back(',');
            out.append(json_text(to_json(rule)));
        }
        out.push_back(']');
    }

    // A decide request's query and media type: false, with the answer a 400 or 415, when `explain`
    // is not a switch or the body is not JSON; `explain` says whether to explain.
    bool decide_request_accepted(const request& req, bool& explain, answer& out) {
        const std::optional<bool> asked = query_switch(req.query, "explain");
        if (!asked) {
            answer_error(out, 400, "bad_query",
                         "`explain` takes `true` or `false` (or no value, which is `true`), got `" +
                             query_parameter(req.query, "explain").value_or("") + "`");
            return false;
        }
        explain = *asked;
        return accepts_json(req, out);
    }

    // A body must be JSON; no Content-Type is taken as JSON too.
    bool accepts_json(const request& req, answer& out) {
        const std::string_view type = media_type(req.content_type);
        if (type.empty() || same_ignoring_case(type, json_type)) return true;
        answer_error(out, 415, "unsupported_media_type",
                     "expected `Content-Type: application/json`, got `" + std::string(req.content_type) + "`");
        return false;
    }

    // The time of receipt the decision log records; none without a log.
    std::string received_now() const { return decisions.is_open() ? now_rfc3339() : std::string(); }

    void handle_decide(const request& req, std::string_view client, answer& out) {
        bool explain = false;
        if (!decide_request_accepted(req, explain, out)) return;
        out.status = decide_one(req.body, received_now(), client, explain, out.body);
    }

    void handle_batch(const request& req, std::string_view client, answer& out) {
        bool explain = false;
        if (!decide_request_accepted(req, explain, out)) return;
        // One time of receipt for the whole batch, read when its first record is decided.
        std::optional<std::string> received_at;
        const auto decide = [&](std::string_view record, std::string& one) {
            if (!received_at) received_at = received_now();
            return decide_one(record, *received_at, client, explain, one);
        };
        out.status = answer_batch(req.body, opts.max_batch, decide, out.body);
    }

    void handle_policies(const request&, std::string_view, answer& out) {
        const auto i = current_info();
        json body{{"policy_hash", i->hash},    {"generation", store->generation()},
                  {"loaded_at", i->loaded_at}, {"paths", opts.policies},
                  {"files", i->files},         {"policies", i->policies},
                  {"rules", i->rules},         {"diagnostics", i->diagnostics}};
        {
            std::lock_guard lock(info_lock);
            body["last_reload"] = last_reload;
        }
        answer_json(out, 200, body);
    }

    // ---- who may ask ----------------------------------------------------------------------------

    // Who may use an endpoint.
    enum class access : std::uint8_t {
        open,    // anyone: load balancers and scrapers send no token
        client,  // a client of --client-tokens-file, when given
        reload,  // the reload token when given, else a client when given
    };

    // Whether `req` may use an endpoint of `needed`; `client` is the name of the client whose token
    // it sent (empty when none was needed), in the list `held`, which the caller keeps for as long
    // as it uses the name. Otherwise `out` is the 401, and the refusal is logged.
    bool authorized(const request& req, access needed, std::shared_ptr<const client_list>& held,
                    std::string_view& client, answer& out) {
        if (needed == access::open) return true;
        if (needed == access::reload && !opts.token.empty()) return has_reload_token(req, out);
        // Taken anew by every request, so that a token revoked by a reload is refused at once.
        held = clients.current();
        if (!held) return true;
        const std::optional<std::string_view> token = bearer_token(req.authorization);
        if (token) {
            if (const client_token* known = find_client(*held, *token)) {
                client = known->name;
                return true;
            }
        }
        refuse_unauthorized(req, token.has_value(), "the bearer token is not that of a client (--client-tokens-file)",
                            out);
        return false;
    }

    bool has_reload_token(const request& req, answer& out) {
        const std::optional<std::string_view> token = bearer_token(req.authorization);
        if (token && same_secret(*token, opts.token)) return true;
        refuse_unauthorized(req, token.has_value(), "the bearer token is not the one configured", out);
        return false;
    }

    // The token of an `Authorization: Bearer <token>` header; nothing when it is not one.
    static std::optional<std::string_view> bearer_token(std::string_view header) {
        if (header.size() > 7 && same_ignoring_case(header.substr(0, 7), "bearer ")) return header.substr(7);
        return std::nullopt;
    }

    void refuse_unauthorized(const request& req, bool bearer, std::string_view wrong_token, answer& out) {
        const std::string_view header = req.authorization;
        out.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vigil\"");
        answer_error(out, 401, "unauthorized",
                     header.empty() ? "this endpoint requires an `Authorization: Bearer <token>` header"
                     : bearer       ? wrong_token
                                    : "expected an `Authorization: Bearer <token>` header");
        log->warn("refused {} {} from {}: {}", req.method, req.path, req.remote,
                  header.empty() ? "no bearer token" : "wrong bearer token");
    }

    // ---- reloading ------------------------------------------------------------------------------------

    std::vector<std::string> watched_extra() const {
        const auto i = current_info();
        return i ? i->files : std::vector<std::string>{};
    }

    // Loads the policies again and installs them when they check. Returns the HTTP status and body.
    std::pair<int, json> reload(std::string_view trigger) {
        std::lock_guard guard(reload_lock);
        const auto t0 = steady::now();
        const auto before = current_info();
        // Stamped before loading, so that a change made while the files are read is seen next time.
        auto stamps = stamp_files(opts.policies, before->files);
        policy_bundle bundle = load_policies(inputs);
        const std::string at = now_rfc3339();
        if (!bundle.ok()) {
            counters.reload(false);
            const std::size_t errors = count_errors(bundle);
            const std::string code = bundle.unreadable ? "policies_unreadable" : "policies_do_not_check";
            const std::string message =
                (bundle.unreadable ? std::string("some policy file cannot be read") : "the policies do not check") +
                " (" + std::to_string(errors) + (errors == 1 ? " error" : " errors") + "); generation " +
                std::to_string(store->generation()) + " (" + before->hash + ") keeps serving";
            log->error("reload ({}) failed: {}", trigger, message);
            for (const auto& d : bundle.diagnostics)
                log->error("reload ({}): {}", trigger, one_line(d, bundle.sources.get()));
            json body = error_body(code, message);
            body["diagnostics"] = bundle.render_json();
            body["generation"] = store->generation();
            body["policy_hash"] = before->hash;
            {
                std::lock_guard lock(info_lock);
                last_reload = json{{"ok", false}, {"at", at}, {"trigger", trigger}, {"errors", errors}};
            }
            // The watcher should not retry the same broken files every second.
            watcher.reset(std::move(stamps));
            return {422, body};
        }
        counters.reload(true);
        // The files may differ in comments and layout only: the running set then stays, with its
        // conversations, its generation and the policy hash its decisions name (that of the text
        // it was compiled from). Only the hash of the files read, `files_hash`, tells of the edit.
        const std::string files_hash = policy_hash(*bundle.set);
        const bool changed = meaning_hash(*bundle.set) != before->meaning;
        std::uint64_t generation = store->generation();
        std::shared_ptr<const loaded_info> now_info = before;
        std::string masked;
        if (changed) {
            masked = prepare_redaction(*bundle.set);  // before the set decides
            generation = store->replace(bundle.set);
            now_info = describe(bundle, generation);
        }
        {
            std::lock_guard lock(info_lock);
            info = now_info;
            last_reload =
                json{{"ok", true}, {"at", at}, {"trigger", trigger}, {"changed", changed}, {"files_hash", files_hash}};
        }
        watcher.reset(std::move(stamps));
        const double ms = std::chrono::duration<double, std::milli>(steady::now() - t0).count();
        if (changed)
            log->info("reload ({}): generation {}, policy hash {}, {} policies, {} rules ({:.1f} ms)", trigger,
                      generation, files_hash, now_info->policies.size(), now_info->rules, ms);
        else if (files_hash == before->hash)
            log->info("reload ({}): no change (policy hash {})", trigger, files_hash);
        else
            log->info(
                "reload ({}): no change in meaning, only in comments or layout: generation {} and policy hash {} "
                "kept; the files' hash is {}",
                trigger, generation, before->hash, files_hash);
        if (!masked.empty()) log->info("{}", masked);
        json body{{"reloaded", true},
                  {"changed", changed},
                  {"generation", generation},
                  {"policy_hash", now_info->hash},
                  {"files_hash", files_hash},
                  {"loaded_at", now_info->loaded_at},
                  {"policies", now_info->policies},
                  {"diagnostics", bundle.render_json()}};
        return {200, body};
    }

    // ---- clients and TLS ------------------------------------------------------------------------

    // Reads --client-tokens-file; false, logged, when it cannot be used (read_client_tokens_file).
    bool load_clients() {
        if (opts.client_tokens_file.empty()) return true;
        clients_watcher.reset(stamp_files({}, {opts.client_tokens_file}));
        std::string error;
        auto parsed = read_client_tokens_file(opts.client_tokens_file, error);
        if (!parsed) {
            log->error("--client-tokens-file {}", error);
            return false;
        }
        clients.replace(std::move(*parsed));
        return true;
    }

    // With --watch, as rotate_tls_if_changed(): once the file has changed (and then stayed the
    // same for a look), the next request takes its clients; when it cannot be used, the running
    // clients stay, and the next change is tried again. The file is stamped before it is read, so
    // that a change made while it is read is seen next time.
    void reload_clients_if_changed() {
        if (opts.client_tokens_file.empty() || !clients_watcher.look(stamp_files({}, {opts.client_tokens_file})))
            return;
        std::string error;
        auto parsed = read_client_tokens_file(opts.client_tokens_file, error);
        if (!parsed)
            return log->error(
                "client tokens file changed but cannot be used, the running clients stay: "
                "--client-tokens-file {}",
                error);
        const std::string described = describe_clients(*parsed);
        clients.replace(std::move(*parsed));
        log->info("client tokens file changed: {}, taken by the next request of every connection", described);
    }

    static std::string describe_clients(const client_list& list) {
        return list.size() == 1 ? std::string("1 client") : std::to_string(list.size()) + " clients";
    }

    // Checks the TLS options and makes the context every connection will take; false, logged, when
    // an option lacks its partner or a file does not do.
    bool prepare_tls() {
        if (tls.cert.empty() != tls.key.empty()) {
            log->error(tls.cert.empty() ? "--tls-key-file needs --tls-cert-file, the certificate of the key"
                                        : "--tls-cert-file needs --tls-key-file, the private key of the certificate");
            return false;
        }
        if (tls.cert.empty()) {
            if (tls.client_ca.empty()) return true;
            log->error(
                "--tls-client-ca-file needs --tls-cert-file and --tls-key-file: client certificates are "
                "asked for in the TLS handshake");
            return false;
        }
        std::string error;
        auto context = make_tls_context(tls, error);
        if (!context) {
            log->error("{}", error);
            return false;
        }
        http.use_tls(std::move(context));
        tls_watcher.reset(stamp_files(tls_paths(tls), {}));
        return true;
    }

    std::string describe_tls() const {
        if (tls.cert.empty()) return "off";
        return tls.client_ca.empty() ? "on" : "on, client certificates required";
    }

    // With --watch: once the TLS files have changed (and then stayed the same for a look), new
    // connections take a context made of them; the running one stays when they do not do (a
    // half-copied pair, a key of another certificate), and the next change is tried again.
    void rotate_tls_if_changed() {
        if (tls.cert.empty() || !tls_watcher.look(stamp_files(tls_paths(tls), {}))) return;
        std::string error;
        auto context = make_tls_context(tls, error);
        if (!context)
            return log->error("TLS files changed but cannot be used, the running certificate stays: {}", error);
        http.use_tls(std::move(context));
        log->info("TLS files changed: new connections take the new certificate");
    }

    // ---- the maintenance thread: idle expiry and the file watcher ------------------------------------------

    void maintain() {
        const auto tick = opts.watch ? std::min<std::chrono::milliseconds>(opts.watch_interval, std::chrono::seconds(1))
                                     : std::chrono::milliseconds(1000);
        for (;;) {
            {
                std::unique_lock lock(maintenance_lock);
                if (maintenance_wake.wait_for(lock, tick, [&] { return maintenance_stop; })) return;
            }
            try {
                log_closed(sessions->expire(steady::now()), "idle");
                if (opts.watch) {
                    auto stamps = stamp_files(opts.policies, watched_extra());
                    bool due = false;
                    {
                        std::lock_guard guard(reload_lock);
                        due = watcher.look(std::move(stamps));
                    }
                    if (due) (void)reload("watch");
                    rotate_tls_if_changed();
                    reload_clients_if_changed();
                }
            } catch (const std::exception& e) {
                log->error("maintenance: {}", e.what());
            }
        }
    }

    // ---- the other endpoints ----------------------------------------------------------------------------

    // Reloading compiles the policies (milliseconds) on the event-loop thread that got the request,
    // holding up that thread's other connections meanwhile: reloads are rare, and a thread of their
    // own would only add a hand-over.
    void handle_reload(const request& req, std::string_view, answer& out) {
        if (!accepts_json(req, out)) return;
        auto [status, body] = reload("http");
        answer_json(out, status, body);
    }

    // 503 while the decision log cannot be written: the server still decides, but what it decides
    // waits in memory, and a load balancer should send the traffic elsewhere.
    void handle_healthz(const request&, std::string_view, answer& out) {
        const auto i = current_info();
        json body{{"status", "ok"},
                  {"policy_hash", i->hash},
                  {"generation", store->generation()},
                  {"uptime_seconds", std::chrono::duration<double>(steady::now() - started).count()}};
        int status = 200;
        if (decisions.is_open()) {
            body["decision_log"] = decisions.failing() ? "failing" : "ok";
            if (decisions.failing()) {
                body["status"] = "degraded";
                status = 503;
            }
        }
        answer_json(out, status, body);
    }

    void handle_metrics(const request&, std::string_view, answer& out) {
        gauges g;
        g.sessions = sessions->counters();
        g.generation = store->generation();
        g.log_lines = decisions.lines();
        g.log_bytes = decisions.bytes();
        g.log_queue_bytes = decisions.queued_bytes();
        g.log_write_errors = decisions.write_errors();
        g.log_dropped_lines = decisions.dropped_lines();
        g.log_failing = decisions.failing();
        g.uptime_seconds = std::chrono::duration<double>(steady::now() - started).count();
        out.body = counters.render(g);
        out.content_type = "text/plain; version=0.0.4; charset=utf-8";
    }

    // ---- routing ------------------------------------------------------------------------------------------

    struct route {
        std::string_view method;
        std::string_view path;
        access needs;
        // `client` is who asked, when --client-tokens-file names the clients.
        void (impl::*handle)(const request&, std::string_view client, answer&);
    };

    // Most frequent first. Whatever tells a decision or the server's state needs a client; health
    // and metrics (counts, no record, no conversation) stay open for load balancers and scrapers.
    static constexpr std::array<route, 6> routes{{
        {"POST", "/v1/decide", access::client, &impl::handle_decide},
        {"POST", "/v1/decide/batch", access::client, &impl::handle_batch},
        {"GET", "/v1/policies", access::client, &impl::handle_policies},
        {"POST", "/v1/policies/reload", access::reload, &impl::handle_reload},
        {"GET", "/healthz", access::open, &impl::handle_healthz},
        {"GET", "/metrics", access::open, &impl::handle_metrics},
    }};

    // The transport's handler: every answer, the refusals and the failures included, is counted.
    void respond(const request& req, answer& out) {
        try {
            dispatch(req, out);
        } catch (const std::exception& e) {
            log->error("{} {}: {}", req.method, req.path, e.what());
            out = answer{};
            answer_error(out, 500, "internal_error", std::string("the server failed to answer: ") + e.what());
        }
        counters.request(endpoint_of(req.path), out.status);
    }

    void dispatch(const request& req, answer& out) {
        if (req.problem) return refuse(*req.problem, out);
        for (const route& r : routes) {
            if (r.path != req.path) continue;
            if (r.method != req.method) return refuse_method(req, r, out);
            std::shared_ptr<const client_list> held;
            std::string_view client;
            if (authorized(req, r.needs, held, client, out)) (this->*r.handle)(req, client, out);
            return;
        }
        std::string message =
            "no route for " + std::string(req.method) + " `" + std::string(req.path) + "`; the routes are";
        for (const route& r : routes)
            message.append(&r == routes.data() ? " " : ", ").append(r.method).append(" ").append(r.path);
        answer_error(out, 404, "not_found", message);
    }

    static void refuse_method(const request& req, const route& r, answer& out) {
        out.headers.emplace_back("Allow", r.method == "GET" ? "GET, HEAD" : r.method);  // HEAD as GET
        answer_error(
            out, 405, "method_not_allowed",
            "`" + std::string(req.path) + "` takes " + std::string(r.method) + ", not " + std::string(req.method));
    }

    // A request the transport could not read.
    void refuse(refusal why, answer& out) {
        switch (why) {
            case refusal::body_too_large:
                return answer_error(
                    out, 413, "body_too_large",
                    "the request body is over the limit of " + std::to_string(opts.max_body) + " bytes (--max-body)");
            case refusal::header_too_large:
                return answer_error(out, 431, "header_too_large",
                                    "the request line and headers are over the limit of " +
                                        std::to_string(transport::max_header_bytes) + " bytes");
            case refusal::malformed:
                return answer_error(out, 400, "bad_request", "the request is not valid HTTP/1.1");
            case refusal::unframed_body:
                return answer_error(out, 400, "bad_request",
                                    "where the request body ends cannot be told: Transfer-Encoding must end with "
                                    "`chunked`, once, in HTTP/1.1; or send Content-Length instead");
            case refusal::framed_twice:
                return answer_error(out, 400, "bad_request",
                                    "the request has both Content-Length and Transfer-Encoding, which may disagree "
                                    "on where its body ends: send one of them");
            case refusal::unknown_transfer_coding:
                return answer_error(out, 501, "unsupported_transfer_coding",
                                    "the only transfer coding the server reads is `chunked`");
            case refusal::tls_required:
                return answer_error(out, 400, "tls_required",
                                    "this port speaks HTTPS only: send the request over TLS (`https://`)");
        }
    }
};

server::server(options opts, std::shared_ptr<spdlog::logger> logger)
    : m_impl(std::make_unique<impl>(std::move(opts), std::move(logger))) {}

server::~server() {
    stop();
    if (m_impl->maintenance.joinable()) {
        {
            std::lock_guard lock(m_impl->maintenance_lock);
            m_impl->maintenance_stop = true;
        }
        m_impl->maintenance_wake.notify_all();
        m_impl->maintenance.join();
    }
}

int server::port() const {
    return m_impl->http.port();
}

int server::start() {
    auto& m = *m_impl;
    if (m.opts.policies.empty()) {
        m.log->error("no policies given (--policy)");
        return exit_bad_input;
    }
    if (m.opts.threads > max_threads) {
        m.log->error("`threads` must be at most {} (0: one per core), not {}", max_threads, m.opts.threads);
        return exit_bad_input;
    }
    if (m.opts.max_body < min_body) {
        m.log->error("`max body` must be at least {} bytes (the smallest record, `{{}}`), not {}", min_body,
                     m.opts.max_body);
        return exit_bad_input;
    }
    if (m.opts.client_timeout <= std::chrono::milliseconds::zero() || m.opts.client_timeout > std::chrono::hours(24)) {
        m.log->error("`client timeout` must be more than 0 and at most a day, not {} ms",
                     m.opts.client_timeout.count());
        return exit_bad_input;
    }
    if (!m.load_clients() || !m.prepare_tls()) return exit_bad_input;
    const auto t0 = steady::now();
    policy_bundle bundle = load_policies(m.inputs);
    for (const auto& d : bundle.diagnostics) {
        const std::string text = bundle.sources ? render_text(d, *bundle.sources) : d.message;
        if (d.level == severity::error)
            m.log->error("{}", text);
        else
            m.log->warn("{}", text);
    }
    if (!bundle.ok()) {
        m.log->error("the policies do not check; not serving");
        return bundle.unreadable ? exit_bad_input : exit_bad_policy;
    }
    const std::string masked = m.prepare_redaction(*bundle.set);
    m.store = std::make_unique<policy_store>(bundle.set);
    session_options so;
    so.idle = m.opts.idle;
    so.max_bytes = m.opts.max_session_bytes;
    so.max_turn_gap = m.opts.max_turn_gap;
    so.undetermined = m.opts.undetermined_as_violation ? undetermined_as::violation : undetermined_as::pass;
    m.sessions = std::make_unique<session_table>(*m.store, so);
    m.info = describe(bundle, m.store->generation());
    m.watcher.reset(stamp_files(m.opts.policies, m.info->files));

    if (!m.opts.decision_log.empty()) {
        std::string error;
        if (!m.decisions.open(m.opts.decision_log, error)) {
            m.log->error("cannot open the decision log `{}`: {}", m.opts.decision_log, error);
            return exit_bad_input;
        }
    }

    if (std::string error; !m.http.listen(m.opts.host, m.opts.port, error)) {
        m.log->error("cannot listen on {}:{}: {}", m.opts.host, m.opts.port, error);
        return exit_bad_input;
    }

    const double ms = std::chrono::duration<double, std::milli>(steady::now() - t0).count();
    const std::string host = m.opts.host.find(':') != std::string::npos ? "[" + m.opts.host + "]" : m.opts.host;
    m.log->info("listening on {}://{}:{} with {} threads; policy hash {}, {} policies, {} rules, {} files ({:.1f} ms)",
                m.http.uses_tls() ? "https" : "http", host, m.http.port(), event_loop_threads(m.opts), m.info->hash,
                m.info->policies.size(), m.info->rules, m.info->files.size(), ms);
    const auto clients = m.clients.current();
    m.log->info(
        "decision log: {}; watch: {}; reload token: {}; tls: {}; client tokens: {}; idle: {} s; max session bytes: "
        "{}; max body: {}; max batch: {}; max turn gap: {}; max clock skew: {}; undetermined as: {}; client timeout: "
        "{} s",
        m.opts.decision_log.empty() ? "off"
        : m.redaction.active()      ? "`" + m.opts.decision_log + "` without " + m.redaction.describe()
                                    : "`" + m.opts.decision_log + "`",
        m.opts.watch ? "on" : "off", m.opts.token.empty() ? "none" : "required", m.describe_tls(),
        clients ? impl::describe_clients(*clients) : std::string("off"), m.opts.idle.count() / 1000.0,
        m.opts.max_session_bytes, m.opts.max_body, m.opts.max_batch,
        m.opts.max_turn_gap == 0 ? std::string("none") : std::to_string(m.opts.max_turn_gap),
        m.opts.max_clock_skew.count() == 0 ? std::string("none") : describe_ms(m.opts.max_clock_skew.count()),
        m.opts.undetermined_as_violation ? "violation" : "pass", m.opts.client_timeout.count() / 1000.0);
    if (!masked.empty()) m.log->info("{}", masked);
    m.maintenance = std::thread([&m] { m.maintain(); });
    return exit_clean;
}

int server::run() {
    auto& m = *m_impl;
    // Returns once the requests in flight have been answered and every connection has closed.
    m.http.run();
    m.log->info("stopped accepting; closing conversations");
    {
        std::lock_guard lock(m.maintenance_lock);
        m.maintenance_stop = true;
    }
    m.maintenance_wake.notify_all();
    if (m.maintenance.joinable()) m.maintenance.join();

    const auto closed = m.sessions->close_all();
    m.log_closed(closed, "shutdown");
    m.log->info("closed {} conversations", closed.size());
    bool ok = true;
    if (m.decisions.is_open()) {
        ok = m.decisions.close();
        m.log->info("decision log `{}` flushed and closed: {} lines", m.opts.decision_log, m.decisions.lines());
    }
    return ok ? exit_clean : exit_bad_input;
}

void server::stop() {
    m_impl->http.stop();
}

void server::reload_policies() {
    (void)m_impl->reload("signal");
}

void server::reopen_decision_log() {
    if (!m_impl->decisions.is_open()) return m_impl->log->warn("there is no decision log to reopen (--decision-log)");
    m_impl->decisions.reopen();
}

}  // namespace vigil::server
