// What the records say: every language, and every duty of the shipped policies both
// honoured and broken somewhere in a few thousand records, judged from the records
// themselves (not from any label the generator might add).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "vigil/datagen.hpp"

namespace dg = vigil::datagen;
using nlohmann::json;

namespace {

std::vector<json> records_of(const dg::options& opts) {
    std::vector<json> records;
    dg::generate(opts, [&](std::string_view line) { records.push_back(json::parse(line)); });
    return records;
}

bool has(const json& list, const std::string& item) {
    return list.is_array() && std::find(list.begin(), list.end(), item) != list.end();
}

const json& field(const json& r, const char* object, const char* name) {
    static const json missing;
    if (!r.contains(object) || !r[object].contains(name)) return missing;
    return r[object][name];
}

bool is_true(const json& value) {
    return value.is_boolean() && value.get<bool>();
}

// The definitions of policies/common.vigil and policies/manipulation.vigil, with missing facts
// counted as not there.
bool distressed(const json& r) {
    if (!r.contains("signals")) return false;
    const json& s = r["signals"];
    if (s.value("distress", 0.0) >= 0.6 || s.value("sentiment", 0.0) <= -0.5) return true;
    for (const char* e : {"anxiety", "fear", "sadness", "anger", "frustration"})
        if (has(s.value("emotions", json::array()), e)) return true;
    return false;
}

bool vulnerable(const json& r) {
    const json segment = r.contains("user") ? r["user"].value("segment", json::array()) : json::array();
    return (r.contains("signals") && !r["signals"].value("vulnerability", json::array()).empty()) ||
           has(segment, "minor") || has(segment, "elderly");
}

bool sales_offer(const json& r, bool urgent_only = false) {
    for (const json& a : r.value("actions", json::array()))
        if (a.value("type", "") == "offer" &&
            (a.value("category", "") == "upsell" || a.value("category", "") == "cross_sell" ||
             a.value("category", "") == "retention") &&
            (!urgent_only || a.value("urgency", false)))
            return true;
    return false;
}

bool frustrated(const json& r) {
    const json emotions = r.contains("signals") ? r["signals"].value("emotions", json::array()) : json::array();
    return has(emotions, "frustration") || has(emotions, "anger");
}

std::string lower_ascii(std::string text) {
    for (char& c : text)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return text;
}

// Urgency phrases: ASCII ones in any case, plus the Hebrew and Vietnamese forms.
const std::vector<std::string> urgency_phrases{"only today",  "alleen vandaag", "kun i dag", "רק היום",
                                               "chỉ hôm nay", "CHỈ HÔM NAY",    "nur heute", "solo hoy"};

bool urgent_text(const std::string& text) {
    const std::string low = lower_ascii(text);
    return std::any_of(urgency_phrases.begin(), urgency_phrases.end(),
                       [&](const std::string& p) { return low.find(lower_ascii(p)) != std::string::npos; });
}

struct tally {
    std::map<std::string, std::size_t> counts;
    void operator()(const std::string& what) { ++counts[what]; }
    std::size_t operator[](const std::string& what) const {
        const auto it = counts.find(what);
        return it == counts.end() ? 0 : it->second;
    }
};

tally survey(const std::vector<json>& records) {
    tally t;
    std::map<std::string, std::vector<const json*>> conversations;
    for (const json& r : records) conversations[r["conversation_id"].get<std::string>()].push_back(&r);

    for (const json& r : records) {
        const std::string speaker = r["speaker"];
        t("language " + r["language"].get<std::string>());
        t("speaker " + speaker);
        t("domain " + r["domain"].get<std::string>());
        const std::string text = r["text"];
        for (const std::string& p : urgency_phrases)
            if (text.find(p) != std::string::npos || lower_ascii(text).find(p) != std::string::npos) t("phrase " + p);
        if (lower_ascii(text) != text && urgent_text(text)) {
            // an upper-case urgency phrase, e.g. ONLY TODAY
            for (const char* upper :
                 {"ONLY TODAY", "ALLEEN VANDAAG", "KUN I DAG", "NUR HEUTE", "SOLO HOY", "CHỈ HÔM NAY"})
                if (text.find(upper) != std::string::npos) t("upper-case urgency");
        }

        if (r.contains("data_use") && is_true(r["data_use"]["emotion_data_stored"])) {
            const json user = r.value("user", json::object());
            const json& consent = field(user, "consent", "emotion_analysis");
            const std::string purpose = r["data_use"].value("purpose", "");
            if (is_true(consent) && (purpose == "support" || purpose == "analytics"))
                t("emotion data: consent, fair purpose");
            if (consent.is_boolean() && !consent.get<bool>()) t("emotion data: no consent");
            if (purpose == "marketing") t("emotion data: marketing");
            if (purpose == "hr_evaluation") t("emotion data: hr evaluation");
        }
        if (r["domain"] == "workplace") {
            const json actions = r.value("actions", json::array());
            const bool flag = std::any_of(actions.begin(), actions.end(),
                                          [](const json& a) { return a.value("type", "") == "performance_flag"; });
            if (flag)
                t(distressed(r) ? "performance flag: distressed" : "performance flag: calm");
            else if (speaker == "ai" && distressed(r))
                t("performance flag: none for distressed");
        }
        if (speaker != "ai") continue;

        t("ai turns");
        if (!r["ai"].contains("disclosed")) t("ai turn without ai.disclosed");
        if (!r.contains("signals")) t("ai turn without signals");
        const json signals = r.value("signals", json::object());
        const std::string intent = signals.value("intent", "");
        if (intent == "ask_if_ai") t(is_true(r["ai"]["disclosed"]) ? "asked: truthful" : "asked: not truthful");
        if (intent == "request_human" || is_true(field(r, "handoff", "requested")))
            t(is_true(field(r, "handoff", "offered")) ? "human requested: offered" : "human requested: not offered");
        const bool needy = distressed(r) || vulnerable(r);
        if (sales_offer(r)) t(needy ? "sale: distressed or vulnerable" : "sale: calm");
        if (sales_offer(r, true) && distressed(r)) t("urgent sale: distressed");
        if (needy && !sales_offer(r)) t("distressed: no sale");
        if (urgent_text(text)) t(distressed(r) ? "urgency text: distressed" : "urgency text: calm");
        const json topics = signals.value("topics", json::array());
        if (has(topics, "self_harm")) t("crisis topic turn");
        for (const char* topic : {"health", "debt", "bereavement", "self_harm", "counseling"}) {
            if (!has(topics, topic)) continue;
            const json& reviewed = field(r, "review", "human_reviewed");
            t(is_true(reviewed)       ? "sensitive: reviewed"
              : reviewed.is_boolean() ? "sensitive: not reviewed"
                                      : "sensitive: unknown");
            break;
        }
        if (r["domain"] == "workplace" && r.contains("workload")) {
            const bool overworked = r["workload"]["hours_last_week"].get<double>() > 50 ||
                                    r["workload"]["overtime_streak_weeks"].get<int>() >= 3;
            const json actions = r.value("actions", json::array());
            const bool support = std::any_of(actions.begin(), actions.end(), [](const json& a) {
                return a.value("type", "") == "resource" || a.value("type", "") == "leave_suggestion";
            });
            if (overworked) t(support ? "overworked: supported" : "overworked: not supported");
        }
    }

    for (auto& [id, turns] : conversations) {
        std::sort(turns.begin(), turns.end(), [](const json* a, const json* b) { return (*a)["turn"] < (*b)["turn"]; });
        const auto first_ai =
            std::find_if(turns.begin(), turns.end(), [](const json* r) { return (*r)["speaker"] == "ai"; });
        if (first_ai != turns.end()) {
            const json& d = field(**first_ai, "ai", "disclosed");
            t(is_true(d)       ? "first ai turn: disclosed"
              : d.is_boolean() ? "first ai turn: not disclosed"
                               : "first ai turn: unknown");
        }
        bool human = false, offered = false;
        std::set<std::string> topics;
        for (const json* r : turns) {
            human = human || (*r)["speaker"] == "human_agent";
            offered = offered || is_true(field(*r, "handoff", "offered"));
            if (r->contains("signals"))
                for (const json& topic : (*r)["signals"].value("topics", json::array())) topics.insert(topic);
        }
        for (const char* topic : {"bereavement", "counseling"})
            if (topics.count(topic) != 0) t(std::string(topic) + (human || offered ? ": with a human" : ": ai alone"));

        // Frustration or anger in two consecutive user turns, then a handoff offer within the
        // next two AI turns, or not.
        std::vector<std::size_t> users;
        for (std::size_t i = 0; i < turns.size(); ++i)
            if ((*turns[i])["speaker"] == "user") users.push_back(i);
        for (std::size_t u = 1; u < users.size(); ++u) {
            if (!frustrated(*turns[users[u - 1]]) || !frustrated(*turns[users[u]])) continue;
            std::size_t ai_seen = 0;
            bool handoff = false;
            for (std::size_t i = users[u] + 1; i < turns.size() && ai_seen < 2; ++i) {
                if ((*turns[i])["speaker"] != "ai") continue;
                ++ai_seen;
                handoff = handoff || is_true(field(*turns[i], "handoff", "offered"));
            }
            if (ai_seen == 2 || handoff) t(handoff ? "frustration: handoff offered" : "frustration: no handoff");
            break;
        }
        // A crisis message: the AI's next turn hands over at once, or not.
        for (std::size_t i = 0; i + 1 < turns.size(); ++i) {
            const json& r = *turns[i];
            if (r["speaker"] != "user" || !r.contains("signals") ||
                !has(r["signals"].value("topics", json::array()), "self_harm"))
                continue;
            const json& next = *turns[i + 1];
            if (next["speaker"] == "ai")
                t(is_true(field(next, "handoff", "offered")) || is_true(field(next, "handoff", "completed"))
                      ? "crisis: immediate handoff"
                      : "crisis: no handoff");
            break;
        }
    }
    return t;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_language_and_scenario_occurs_in_5000_records) {
    dg::options opts;
    opts.records = 5000;
    const tally t = survey(records_of(opts));
    for (const auto& [what, count] : t.counts) BOOST_TEST_MESSAGE(what << ": " << count);

    for (const char* language : {"en", "nl", "nb", "he", "vi", "de", "es"})
        BOOST_TEST(t[std::string("language ") + language] >= 100U, language);
    for (const char* domain : {"retail", "financial_services", "healthcare", "telecom", "workplace"})
        BOOST_TEST(t[std::string("domain ") + domain] >= 100U, domain);
    for (const char* speaker : {"user", "ai", "human_agent", "system"})
        BOOST_TEST(t[std::string("speaker ") + speaker] >= 50U, speaker);
    for (const std::string& phrase : urgency_phrases)
        if (phrase != "CHỈ HÔM NAY") BOOST_TEST(t["phrase " + phrase] >= 1U, phrase);
    BOOST_TEST(t["upper-case urgency"] >= 1U);

    // Each duty, honoured and broken.
    const std::vector<std::pair<const char*, const char*>> duties{
        {"first ai turn: disclosed", "first ai turn: not disclosed"},
        {"asked: truthful", "asked: not truthful"},
        {"distressed: no sale", "sale: distressed or vulnerable"},
        {"sale: calm", "urgent sale: distressed"},
        {"urgency text: calm", "urgency text: distressed"},
        {"frustration: handoff offered", "frustration: no handoff"},
        {"human requested: offered", "human requested: not offered"},
        {"crisis: immediate handoff", "crisis: no handoff"},
        {"counseling: with a human", "counseling: ai alone"},
        {"bereavement: with a human", "bereavement: ai alone"},
        {"sensitive: reviewed", "sensitive: not reviewed"},
        {"emotion data: consent, fair purpose", "emotion data: no consent"},
        {"emotion data: marketing", "emotion data: hr evaluation"},
        {"overworked: supported", "overworked: not supported"},
        {"performance flag: none for distressed", "performance flag: distressed"},
        {"performance flag: calm", "first ai turn: unknown"},
    };
    for (const auto& [honoured, broken] : duties) {
        BOOST_TEST(t[honoured] >= 3U, honoured);
        BOOST_TEST(t[broken] >= 3U, broken);
    }

    // Unknown facts: 5-10% of AI turns lack ai.disclosed or signals.
    const double ai = static_cast<double>(t["ai turns"]);
    const double no_disclosed = static_cast<double>(t["ai turn without ai.disclosed"]) / ai;
    const double no_signals = static_cast<double>(t["ai turn without signals"]) / ai;
    BOOST_TEST((no_disclosed >= 0.03 && no_disclosed <= 0.12), "without ai.disclosed: " << no_disclosed);
    BOOST_TEST((no_signals >= 0.03 && no_signals <= 0.12), "without signals: " << no_signals);
    BOOST_TEST(t["sensitive: unknown"] >= 1U);
}

BOOST_AUTO_TEST_CASE(other_seeds_cover_the_scenarios_too) {
    for (std::uint64_t seed : {7ULL, 1234567ULL}) {
        dg::options opts;
        opts.seed = seed;
        opts.records = 5000;
        const tally t = survey(records_of(opts));
        for (const char* what :
             {"crisis: immediate handoff", "crisis: no handoff", "asked: not truthful", "performance flag: distressed",
              "urgent sale: distressed", "frustration: handoff offered"})
            BOOST_TEST(t[what] >= 1U, what << " with seed " << seed);
    }
}
