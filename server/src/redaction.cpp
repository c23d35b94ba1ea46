#include "redaction.hpp"

#include <algorithm>

#include <simdjson.h>

#include "vigil/json_text.hpp"

namespace vigil::server {

namespace {

namespace od = simdjson::ondemand;

// What becomes of an object member, by its path from the object the cut started at.
enum class fate : std::uint8_t { keep, cut, look_inside };

struct byte_range {
    std::size_t begin = 0;
    std::size_t end = 0;
};

bool blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Cuts members out of one JSON object's text, byte for byte: the text between them stays as it
// was. Parsed with simdjson's On Demand, which reads members in place; one per thread.
class member_cutter {
public:
    // Reads `json`; false with `error` when it is not a JSON object.
    bool load(std::string_view json, std::string& error) {
        m_size = json.size();
        m_text.assign(json);
        m_text.append(simdjson::SIMDJSON_PADDING, '\0');
        return ok(m_parser.iterate(m_text.data(), m_size, m_text.size()).get(m_doc), error);
    }

    // Whether the member at a JSON pointer (json_pointer()) is `true`.
    bool is_true(std::string_view pointer) {
        bool value = false;
        const bool found = m_doc.at_pointer(pointer).get_bool().get(value) == simdjson::SUCCESS;
        m_doc.rewind();
        return found && value;
    }

    // The loaded text without the members `decide(path, name, top)` says to cut (each with one
    // comma, so that the object stays valid), into `out`; `path` joins the names from the loaded
    // object down with dots, `top` says the member is one of the loaded object's own. False with
    // `error` when the text cannot be read.
    template <typename Decide>
    bool cut(Decide&& decide, std::string& out, std::string& error) {
        m_cuts.clear();
        std::string path;
        od::object root;
        if (!ok(m_doc.get_object().get(root), error) || !ok(collect(root, path, decide), error)) return false;
        out.clear();
        std::size_t from = 0;
        for (const byte_range& c : m_cuts) {
            out.append(m_text, from, c.begin - from);
            from = c.end;
        }
        out.append(m_text, from, m_size - from);
        return true;
    }

private:
    static bool ok(simdjson::error_code e, std::string& error) {
        if (e == simdjson::SUCCESS) return true;
        error = simdjson::error_message(e);
        return false;
    }

    template <typename Decide>
    simdjson::error_code collect(od::object object, std::string& path, Decide& decide) {
        bool kept_any = false;
        for (auto member : object) {
            od::field field;
            if (auto e = std::move(member).get(field)) return e;
            const char* key = field.key().raw() - 1;  // its opening quote
            std::string_view name;
            if (auto e = field.unescaped_key().get(name)) return e;
            const std::size_t mark = path.size();
            if (!path.empty()) path += '.';
            path += name;
            const fate f = decide(std::string_view(path), name, path.size() == name.size());
            od::value value = field.value();
            if (f == fate::cut) {
                const char* end = nullptr;
                if (auto e = value_end(value, end)) return e;
                m_cuts.push_back(with_comma(key, end, kept_any));
            } else {
                kept_any = true;
                if (f == fate::look_inside) {
                    if (auto e = look_inside(value, path, decide)) return e;
                }
            }
            path.resize(mark);
        }
        return simdjson::SUCCESS;
    }

    // The members of an object value, or of the objects in a list value (at any depth: a path
    // names a field of every element, as rules read `any a in actions: a.product`).
    template <typename Decide>
    simdjson::error_code look_inside(od::value value, std::string& path, Decide& decide) {
        od::json_type type{};
        if (auto e = value.type().get(type)) return e;
        if (type == od::json_type::object) {
            od::object inner;
            if (auto e = value.get_object().get(inner)) return e;
            return collect(inner, path, decide);
        }
        if (type == od::json_type::array) {
            od::array items;
            if (auto e = value.get_array().get(items)) return e;
            for (auto item : items) {
                od::value element;
                if (auto e = std::move(item).get(element)) return e;
                if (auto e = look_inside(element, path, decide)) return e;
            }
        }
        return simdjson::SUCCESS;
    }

    static simdjson::error_code value_end(od::value& value, const char*& end) {
        od::json_type type{};
        if (auto e = value.type().get(type)) return e;
        std::string_view raw;
        if (type == od::json_type::object) {
            od::object object;
            if (auto e = value.get_object().get(object)) return e;
            if (auto e = object.raw_json().get(raw)) return e;
        } else if (type == od::json_type::array) {
            od::array array;
            if (auto e = value.get_array().get(array)) return e;
            if (auto e = array.raw_json().get(raw)) return e;
        } else {
            raw = value.raw_json_token();
            while (!raw.empty() && blank(raw.back())) raw.remove_suffix(1);
        }
        end = raw.data() + raw.size();
        return simdjson::SUCCESS;
    }

    // A member's bytes and one comma: the one before it when an earlier member of its object
    // stays, else the one after it (if any); so a cut never leaves `{,` or `,,` or `,}`.
    byte_range with_comma(const char* key, const char* end, bool kept_before) const {
        const char* base = m_text.data();
        if (kept_before) {
            const char* comma = key - 1;
            while (blank(*comma)) --comma;
            return {static_cast<std::size_t>(comma - base), static_cast<std::size_t>(end - base)};
        }
        const char* after = end;
        while (blank(*after)) ++after;
        if (*after == ',') end = after + 1;
        return {static_cast<std::size_t>(key - base), static_cast<std::size_t>(end - base)};
    }

    od::parser m_parser;
    od::document m_doc;
    std::string m_text;  // the text and simdjson's padding
    std::size_t m_size = 0;
    std::vector<byte_range> m_cuts;
};

member_cutter& cutter() {
    thread_local member_cutter c;
    return c;
}

// Whether a dotted path is `prefix` or lies inside it.
bool within(std::string_view path, std::string_view prefix) {
    return path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '.');
}

// The fate of a member at `path` when `paths` are cut: cut when it is one or lies inside one (an
// evidence key such as `signals.distress` when `signals` is cut), looked into when one lies inside
// it (`actions` for `actions.product`).
fate fate_among(std::string_view path, const std::vector<std::string_view>& paths) {
    fate f = fate::keep;
    for (const std::string_view p : paths) {
        if (within(path, p)) return fate::cut;
        if (within(p, path)) f = fate::look_inside;
    }
    return f;
}

// The fate of a record member: a name with a dot in it is no field a path can name (rules read
// `signals.distress` as `distress` inside `signals`), so it stays, and nothing inside it is cut.
fate fate_of_field(std::string_view path, std::string_view name, const std::vector<std::string_view>& paths) {
    if (name.find('.') != std::string_view::npos) return fate::keep;
    return fate_among(path, paths);
}

// A dotted field path as a JSON pointer: `user.consent` is `/user/consent` (field paths hold no
// `~` or `/` to escape).
std::string json_pointer(std::string_view path) {
    std::string pointer;
    for (std::size_t at = 0; at <= path.size();) {
        const std::size_t dot = std::min(path.find('.', at), path.size());
        pointer += '/';
        pointer += path.substr(at, dot - at);
        at = dot + 1;
    }
    return pointer;
}

constexpr std::string_view meta_prefix = "meta.";

// Leaves out of a decision's `meta` (its record's) the members `omitted` names in the record.
bool cut_meta(decision& d, const std::vector<std::string_view>& omitted, std::string& error) {
    if (d.meta.empty()) return true;
    std::vector<std::string_view> inside;
    for (const std::string_view o : omitted) {
        if (o == "meta") {
            d.meta.clear();  // null
            return true;
        }
        if (o.substr(0, meta_prefix.size()) == meta_prefix) inside.push_back(o.substr(meta_prefix.size()));
    }
    if (inside.empty()) return true;
    member_cutter& c = cutter();
    std::string out;
    const auto decide = [&](std::string_view path, std::string_view name, bool) {
        return fate_of_field(path, name, inside);
    };
    if (!c.load(d.meta, error) || !c.cut(decide, out, error)) return false;
    d.meta = std::move(out);
    return true;
}

// Leaves out of a finding's evidence what shows the members `found` cut from its record.
bool cut_evidence(finding& f, const std::vector<std::string_view>& found, member_cutter& c, std::string& error) {
    // Most evidence names none of the members cut, nor what holds them (its keys are quoted).
    const bool may_show = std::any_of(found.begin(), found.end(), [&](std::string_view o) {
        const std::string_view first = o.substr(0, o.find('.'));
        for (std::size_t at = f.evidence.find(first); at != std::string::npos; at = f.evidence.find(first, at + 1)) {
            if (at > 0 && f.evidence[at - 1] == '"') return true;
        }
        return false;
    });
    if (!may_show) return true;
    std::string out;
    // Evidence keys are the paths rules read (`signals.distress`); inside their values, the
    // names are the record's again.
    const auto shows = [&](std::string_view path, std::string_view name, bool top) {
        return top ? fate_among(path, found) : fate_of_field(path, name, found);
    };
    if (!c.load(f.evidence, error) || !c.cut(shows, out, error)) return false;
    f.evidence = std::move(out);
    return true;
}

// The finding's message with the placeholders marked in `which` showing log_redaction's
// omitted_value instead of their values.
void mask_message(finding& f, const std::vector<bool>& which) {
    std::string out;
    std::size_t from = 0;
    for (std::size_t i = 0; i < f.placeholders.size(); ++i) {
        if (!which[i]) continue;
        const auto [begin, end] = f.placeholders[i];
        out.append(f.message, from, begin - from).append(log_redaction::omitted_value);
        from = end;
    }
    out.append(f.message, from);
    f.message = std::move(out);
    f.placeholders.clear();  // they point into the message as rendered
}

}  // namespace

log_redaction::log_redaction(std::vector<log_omission> omit) : m_omit(std::move(omit)) {
    for (const log_omission& o : m_omit) m_unless_pointers.push_back(o.unless.empty() ? "" : json_pointer(o.unless));
}

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

std::string log_redaction::prepare(const compiled_set& set) {
    auto masks = std::make_shared<set_masks>();
    masks->policy_hash = policy_hash(set);
    std::string described;
    for (const message_reads& rule : message_placeholders(set)) {
        std::vector<masked_placeholder>& masked = masks->rules.emplace_back();
        std::vector<bool> shown(m_omit.size(), false);
        for (std::size_t i = 0; i < rule.placeholders.size(); ++i) {
            masked_placeholder p{i, {}};
            for (std::size_t o = 0; o < m_omit.size(); ++o) {
                const std::string_view left_out = m_omit[o].path;
                const bool reads =
                    std::any_of(rule.placeholders[i].begin(), rule.placeholders[i].end(),
                                [&](std::string_view r) { return within(r, left_out) || within(left_out, r); });
                if (!reads) continue;
                p.omissions.push_back(o);
                shown[o] = true;
            }
            if (!p.omissions.empty()) masked.push_back(std::move(p));
        }
        if (masked.empty()) continue;
        if (!described.empty()) described += ", ";
        described += rule.policy + "." + rule.rule + " (";
        for (std::size_t o = 0, n = 0; o < m_omit.size(); ++o) {
            if (shown[o]) described += (n++ == 0 ? "" : ", ") + m_omit[o].path;
        }
        described += ")";
    }
    // Turns in flight while a reload installs this set finish with an earlier one.
    constexpr std::size_t kept = 4;
    auto next = std::make_shared<prepared_sets>();
    next->push_back(masks);
    const std::lock_guard<std::mutex> lock(m_prepared_lock);  // against another prepare() too
    for (const auto& earlier : *m_prepared) {
        if (next->size() < kept && earlier->policy_hash != masks->policy_hash) next->push_back(earlier);
    }
    m_prepared = std::move(next);
    return described;
}

std::shared_ptr<const log_redaction::prepared_sets> log_redaction::prepared_now() const {
    const std::lock_guard<std::mutex> lock(m_prepared_lock);
    return m_prepared;
}

std::shared_ptr<const log_redaction::set_masks> log_redaction::masks_for(const std::string& policy_hash) const {
    const std::shared_ptr<const prepared_sets> sets = prepared_now();
    for (const auto& s : *sets) {
        if (s->policy_hash == policy_hash) return s;
    }
    return nullptr;
}

bool log_redaction::to_mask(const finding& f, const set_masks* masks, const std::vector<bool>& cut,
                            std::vector<bool>& which, std::vector<bool>& masked) {
    which.assign(f.placeholders.size(), false);
    if (f.placeholders.empty()) return false;
    bool any = false;
    if (masks == nullptr || f.rule_index >= masks->rules.size()) {
        // Not expected: what its placeholders read is not known, so none of them shows.
        which.assign(f.placeholders.size(), true);
        for (std::size_t o = 0; o < cut.size(); ++o) masked[o] = masked[o] || cut[o];
        return true;
    }
    for (const masked_placeholder& p : masks->rules[f.rule_index]) {
        for (const std::size_t o : p.omissions) {
            if (!cut[o] || p.index >= which.size()) continue;
            which[p.index] = true;
            masked[o] = true;
            any = true;
        }
    }
    return any;
}

bool log_redaction::apply(std::string_view record, const decision& verdict, std::string& record_out,
                          std::string& decision_out, std::vector<std::string>& omitted, std::string& error) const {
    omitted.clear();
    member_cutter& c = cutter();
    if (!c.load(record, error)) return false;
    std::vector<std::string_view> cut;  // the omissions that apply to this record
    std::vector<bool> applies(m_omit.size(), false);
    for (std::size_t i = 0; i < m_omit.size(); ++i) {
        if (!m_omit[i].unless.empty() && c.is_true(m_unless_pointers[i])) continue;
        cut.push_back(m_omit[i].path);
        applies[i] = true;
    }
    std::vector<std::string_view> found;
    const auto decide = [&](std::string_view path, std::string_view name, bool) {
        const fate f = fate_of_field(path, name, cut);
        if (f == fate::cut) {
            found.push_back(*std::find_if(cut.begin(), cut.end(), [&](std::string_view p) { return within(path, p); }));
        }
        return f;
    };
    if (!c.cut(decide, record_out, error)) return false;

    // Messages are masked by what applies to the record, found in it or not: a placeholder may
    // read an earlier turn's value (`previous(text)`).
    std::vector<bool> masked(m_omit.size(), false), which;
    std::shared_ptr<const set_masks> masks;
    bool messages = false;
    if (!cut.empty()) {
        masks = masks_for(verdict.policy_hash);
        for (const finding& f : verdict.findings)
            messages = to_mask(f, masks.get(), applies, which, masked) || messages;
    }
    if (found.empty() && !messages) return true;
    for (std::size_t i = 0; i < m_omit.size(); ++i) {
        if (masked[i] || std::find(found.begin(), found.end(), m_omit[i].path) != found.end())
            omitted.push_back(m_omit[i].path);
    }

    // The decision as the answer has it, without the evidence, messages and meta that show what
    // was cut.
    thread_local decision logged;
    logged = verdict;
    for (finding& f : logged.findings) {
        if (messages && to_mask(f, masks.get(), applies, which, masked)) mask_message(f, which);
        if (!found.empty() && !cut_evidence(f, found, c, error)) return false;
    }
    if (std::find(found.begin(), found.end(), "id") != found.end()) logged.record_id = nullptr;  // it shows `id`
    if (!cut_meta(logged, found, error)) return false;
    decision_out.clear();
    append_json(decision_out, logged);
    return true;
}

std::string log_redaction::describe() const {
    std::string out;
    for (const log_omission& o : m_omit) {
        if (!out.empty()) out += ", ";
        out += o.path;
        if (!o.unless.empty()) out += " unless " + o.unless;
    }
    return out;
}

void log_redaction::apply_to_closing(decision& d) const {
    std::vector<std::string_view> paths;
    for (const log_omission& o : m_omit) paths.push_back(o.path);
    if (std::find(paths.begin(), paths.end(), "id") != paths.end()) d.record_id = nullptr;
    std::string error;
    if (!cut_meta(d, paths, error)) d.meta.clear();  // not expected: the meta was read before
}

}  // namespace vigil::server
