#include "redaction.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "vigil/evaluate.hpp"

namespace vigil::server {

namespace {

using ordered = nlohmann::ordered_json;

// The member at a dotted path, through objects; null when a step is missing or not an object.
template <typename Json>
Json* member_at(Json& root, std::string_view path) {
    Json* at = &root;
    while (!path.empty()) {
        const std::size_t dot = path.find('.');
        if (!at->is_object()) return nullptr;
        const auto it = at->find(std::string(path.substr(0, dot)));
        if (it == at->end()) return nullptr;
        at = &*it;
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    return at;
}

// Erases the member at a dotted path; whether it was there.
bool erase_at(ordered& root, std::string_view path) {
    const std::size_t last_dot = path.rfind('.');
    ordered* parent = last_dot == std::string_view::npos ? &root : member_at(root, path.substr(0, last_dot));
    if (parent == nullptr || !parent->is_object()) return false;
    return parent->erase(std::string(last_dot == std::string_view::npos ? path : path.substr(last_dot + 1))) > 0;
}

// Whether an evidence key (a path a rule read) shows an omitted member or something inside it.
bool shows(std::string_view key, const std::string& omitted) {
    return key.substr(0, omitted.size()) == omitted && (key.size() == omitted.size() || key[omitted.size()] == '.');
}

constexpr std::string_view meta_prefix = "meta.";

// A decision carries its record's `meta`: what is left out of the record's is left out of it.
void leave_out_of_meta(ordered& decision, const std::vector<std::string>& paths) {
    if (!decision.contains("meta") || !decision["meta"].is_object()) return;
    for (const std::string& p : paths) {
        if (p == "meta") {
            decision["meta"] = nullptr;
            return;
        }
        if (p.rfind(meta_prefix, 0) == 0) erase_at(decision["meta"], std::string_view(p).substr(meta_prefix.size()));
    }
}

}  // namespace

std::optional<log_omission> parse_log_omission(std::string_view text, std::string& error) {
    log_omission out;
    const std::size_t colon = text.find(':');
    out.path = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
        constexpr std::string_view unless = "unless=";
        const std::string_view rest = text.substr(colon + 1);
        if (rest.substr(0, unless.size()) != unless) {
            error = "expected PATH or PATH:unless=FIELD, such as signals:unless=user.consent.emotion_analysis";
            return std::nullopt;
        }
        out.unless = std::string(rest.substr(unless.size()));
        if (!is_field_path(out.unless)) {
            error = "`" + out.unless + "` is not a record field (names joined by dots)";
            return std::nullopt;
        }
    }
    if (!is_field_path(out.path)) {
        error = "`" + out.path + "` is not a record field (names joined by dots, such as text or signals.emotions)";
        return std::nullopt;
    }
    for (const char* needed : {"conversation_id", "turn", "timestamp"}) {
        if (out.path == needed) {
            error = "`" + out.path + "` cannot be left out: replay needs it to put the log's turns in order";
            return std::nullopt;
        }
    }
    return out;
}

void log_redaction::apply(std::string_view record, std::string_view decision, std::string& record_out,
                          std::string& decision_out, std::vector<std::string>& omitted) const {
    omitted.clear();
    ordered r = ordered::parse(record);
    for (const log_omission& o : m_omit) {
        if (!o.unless.empty()) {
            const ordered* consent = member_at(r, o.unless);
            if (consent != nullptr && consent->is_boolean() && consent->get<bool>()) continue;
        }
        if (erase_at(r, o.path)) omitted.push_back(o.path);
    }
    if (omitted.empty()) return;
    record_out = r.dump();

    ordered d = ordered::parse(decision);
    if (d.contains("findings") && d["findings"].is_array()) {
        for (ordered& f : d["findings"]) {
            if (!f.contains("evidence") || !f["evidence"].is_object()) continue;
            ordered& evidence = f["evidence"];
            for (auto it = evidence.begin(); it != evidence.end();) {
                const std::string& key = it.key();
                const bool hidden =
                    std::any_of(omitted.begin(), omitted.end(), [&](const std::string& o) { return shows(key, o); });
                it = hidden ? evidence.erase(it) : std::next(it);
            }
        }
    }
    leave_out_of_meta(d, omitted);
    decision_out = d.dump();
}

void log_redaction::apply_to_closing(ordered& decision) const {
    std::vector<std::string> paths;
    for (const log_omission& o : m_omit) paths.push_back(o.path);
    leave_out_of_meta(decision, paths);
}

}  // namespace vigil::server
