// Planning a conversation (which scenario, who says what, how the person feels) and
// writing its records. All randomness comes from the conversation's own generator, so a
// conversation's content does not depend on how the log interleaves it with others.

#include "conversation.hpp"

#include <algorithm>
#include <string_view>

#include "json_text.hpp"

namespace vigil::datagen::detail {
namespace {

using namespace std::string_view_literals;

// ---------------------------------------------------------------------------------------
// Vocabulary. Each table is keyed by an enum: row i holds the entry for value i, which
// keyed_in_order checks at compile time, so a table cannot drift from its enum.

template <class Row, std::size_t N>
constexpr bool keyed_in_order(const std::array<Row, N>& rows) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (static_cast<std::size_t>(rows[i].key) != i) return false;
    return true;
}

enum emotion : std::uint8_t { anger, frustration, anxiety, sadness, fear, confusion, joy, gratitude, emotion_count };

enum topic : std::uint8_t {
    billing,
    delivery,
    returns,
    card,
    fees,
    appointment,
    claims,
    network,
    leave,
    planning,
    complaint,
    cancellation,
    debt,
    bereavement,
    health,
    self_harm,
    counseling,
    workload,
    topic_count
};

enum intent : std::uint8_t {
    no_intent,
    question,
    complaint_intent,
    ask_if_ai,
    request_human,
    accept,
    decline,
    thanks,
    cancel,
    payment_difficulty,
    close_account,
    coverage_question,
    seek_support,
    intent_count
};

// Bits, in the order they are written.
enum vulnerability : std::uint8_t { financial_hardship = 1, bereaved = 2, health_condition = 4, minor = 8 };

enum class purpose : std::uint8_t { support, analytics, marketing, hr_evaluation, count_ };

struct name_row {
    std::uint8_t key;
    std::string_view name;
};

// clang-format off
constexpr std::array<name_row, emotion_count> emotions{{
    {anger, "anger"}, {frustration, "frustration"}, {anxiety, "anxiety"}, {sadness, "sadness"},
    {fear, "fear"}, {confusion, "confusion"}, {joy, "joy"}, {gratitude, "gratitude"}}};

constexpr std::array<name_row, topic_count> topics{{
    {billing, "billing"}, {delivery, "delivery"}, {returns, "returns"}, {card, "card"}, {fees, "fees"},
    {appointment, "appointment"}, {claims, "claims"}, {network, "network"}, {leave, "leave"},
    {planning, "planning"}, {complaint, "complaint"}, {cancellation, "cancellation"}, {debt, "debt"},
    {bereavement, "bereavement"}, {health, "health"}, {self_harm, "self_harm"}, {counseling, "counseling"},
    {workload, "workload"}}};

constexpr std::array<name_row, intent_count> intents{{
    {no_intent, ""}, {question, "question"}, {complaint_intent, "complaint"}, {ask_if_ai, "ask_if_ai"},
    {request_human, "request_human"}, {accept, "accept"}, {decline, "decline"}, {thanks, "thanks"},
    {cancel, "cancel"}, {payment_difficulty, "payment_difficulty"}, {close_account, "close_account"},
    {coverage_question, "coverage_question"}, {seek_support, "seek_support"}}};

constexpr std::array<name_row, 4> vulnerabilities{{
    {financial_hardship, "financial_hardship"}, {bereaved, "bereavement"},
    {health_condition, "health_condition"}, {minor, "minor"}}};

struct speaker_row {
    speaker_kind key;
    std::string_view name;
};
constexpr std::array<speaker_row, 4> speakers{{
    {speaker_kind::user, "user"}, {speaker_kind::ai, "ai"}, {speaker_kind::human_agent, "human_agent"},
    {speaker_kind::system, "system"}}};

// Channels, with the share of customer-facing conversations on each (workplace
// assistants talk over the internal channel).
struct channel_row {
    channel_kind key;
    std::string_view name;
    unsigned customer_weight;
};
constexpr std::array<channel_row, 5> channels{{
    {channel_kind::chat, "chat", 60}, {channel_kind::voice, "voice", 15}, {channel_kind::email, "email", 15},
    {channel_kind::sms, "sms", 10}, {channel_kind::internal, "internal", 0}}};

struct tenant {
    std::string_view id, brand, region, model;
};
struct product {
    std::string_view slug, name;
};
// Domains: the topic of each routine request (the open_* and help_* phrase variants), what
// is sold there, and who runs an assistant there.
struct domain_row {
    domain_kind key;
    std::string_view name;
    std::array<topic, 2> routine;
    std::array<product, 2> products;
    std::array<tenant, 2> tenants;
};
constexpr std::array<domain_row, 5> domains{{
    {domain_kind::retail, "retail", {delivery, returns},
     {{{"premium-delivery", "Premium Delivery"}, {"plus-membership", "Plus Membership"}}},
     {{{"acme", "Acme", "eu-west", "assist-7"}, {"nordhus", "Nordhus", "eu-north", "assist-7-mini"}}}},
    {domain_kind::financial_services, "financial_services", {card, fees},
     {{{"gold-card", "Gold Card"}, {"travel-insurance", "Travel Insurance Plus"}}},
     {{{"northbank", "Northbank", "eu-north", "finchat-3"}, {"kredo", "Kredo", "eu-central", "assist-7"}}}},
    {domain_kind::healthcare, "healthcare", {appointment, claims},
     {{{"care-plus", "Care Plus"}, {"dental-extra", "Dental Extra"}}},
     {{{"medilink", "MediLink", "eu-west", "care-llm-2"}, {"zorgplus", "ZorgPlus", "eu-west", "assist-7"}}}},
    {domain_kind::telecom, "telecom", {network, billing},
     {{{"unlimited-5g", "Unlimited 5G"}, {"tv-max", "TV Max"}}},
     {{{"telvia", "Telvia", "eu-central", "assist-7"}, {"skylink", "Skylink", "eu-south", "assist-7-mini"}}}},
    {domain_kind::workplace, "workplace", {leave, planning},
     {{{"learning-pass", "Learning Pass"}, {"gym-benefit", "Gym Benefit"}}},
     {{{"orbit", "Orbit People", "eu-west", "workmate-1"}, {"helix", "Helix HR", "eu-north", "workmate-1"}}}},
}};

// Languages: how often conversations use them, the locale the client reports, the first
// names of human agents, and price points in hundredths of the local currency (EUR, NOK,
// ILS, VND).
struct language_row {
    language key;
    unsigned weight;
    std::string_view locale;
    std::array<std::string_view, 2> agents;
    std::array<int, 3> prices;
};
constexpr std::array<language_row, language_count> languages{{
    {language::en, 40, "en-IE", {"Sarah", "James"}, {499, 999, 1499}},
    {language::nl, 15, "nl-NL", {"Sanne", "Daan"}, {499, 999, 1499}},
    {language::nb, 7, "nb-NO", {"Ingrid", "Lars"}, {4900, 9900, 14900}},
    {language::he, 7, "he-IL", {"נועה", "יוסי"}, {1990, 3990, 5990}},
    {language::vi, 7, "vi-VN", {"Linh", "Minh"}, {4900000, 9900000, 14900000}},
    {language::de, 12, "de-DE", {"Lena", "Jonas"}, {499, 999, 1499}},
    {language::es, 12, "es-ES", {"Lucía", "Javier"}, {499, 999, 1499}},
}};

// Who the person is, as the deployment knows it; `young` sets only occur where minors are
// customers (retail, telecom).
struct segment_row {
    std::array<std::string_view, 2> items;
    std::uint8_t count;
    unsigned customer_weight;
    unsigned workplace_weight;
    bool young;
};
constexpr std::array<segment_row, 10> segments{{
    {{"", ""}, 0, 50, 0, false},
    {{"new_customer", ""}, 1, 12, 0, false},
    {{"loyal_customer", ""}, 1, 15, 0, false},
    {{"premium", ""}, 1, 10, 0, false},
    {{"elderly", ""}, 1, 9, 0, false},
    {{"minor", ""}, 1, 3, 0, true},
    {{"elderly", "loyal_customer"}, 2, 2, 0, false},
    {{"employee", ""}, 1, 0, 80, false},
    {{"employee", "manager"}, 2, 0, 15, false},
    {{"employee", "part_time"}, 2, 0, 5, false},
}};

// What stored emotion data is used for, by how often each deployment kind says so.
struct purpose_row {
    purpose key;
    std::string_view name;
    unsigned customer_weight;
    unsigned workplace_weight;
};
constexpr std::array<purpose_row, static_cast<std::size_t>(purpose::count_)> purposes{{
    {purpose::support, "support", 55, 40}, {purpose::analytics, "analytics", 25, 25},
    {purpose::marketing, "marketing", 20, 0}, {purpose::hr_evaluation, "hr_evaluation", 0, 35}}};
// clang-format on

constexpr std::array clients{"web/4.12.0"sv,    "ios/3.8.1"sv,    "android/3.8.0"sv,   "ivr/2.3.1"sv,
                             "mail-gw/1.4.2"sv, "sms-gw/1.2.0"sv, "teams-app/1.9.0"sv, "slack-app/2.0.3"sv};

static_assert(keyed_in_order(emotions) && keyed_in_order(topics) && keyed_in_order(intents));
static_assert(keyed_in_order(speakers) && keyed_in_order(channels) && keyed_in_order(domains));
static_assert(keyed_in_order(languages) && keyed_in_order(purposes));

constexpr std::uint32_t bit(topic t) noexcept {
    return 1U << t;
}
constexpr std::uint32_t sensitive_topics =
    bit(debt) | bit(bereavement) | bit(health) | bit(self_harm) | bit(counseling);

template <class E>
constexpr std::size_t index(E value) noexcept {
    return static_cast<std::size_t>(value);
}

// A weight column of a table, for rng::weighted.
template <auto Column, class Row, std::size_t N>
constexpr std::array<unsigned, N> weights_of(const std::array<Row, N>& rows) noexcept {
    std::array<unsigned, N> w{};
    for (std::size_t i = 0; i < N; ++i) w[i] = rows[i].*Column;
    return w;
}

// ---------------------------------------------------------------------------------------
// Scenarios: each makes some duties honoured in some conversations and broken in others.

enum class scenario : std::uint8_t {
    routine,         // ordinary help; sometimes a sales offer to a calm (or elderly, minor) person
    ask_ai,          // "are you an AI?": answered truthfully or evasively
    request_human,   // asks for a human: offered one or refused
    frustration,     // two frustrated/angry user turns: handoff within two AI turns, or not
    distress_sales,  // distressed person: supported, or sold to (urgent, plain, urgency text)
    retention,       // cancels, calm or in hardship: retention offer (urgent or not) or not
    bereavement,     // handled by the AI alone or with a human
    health,          // health worries, sometimes handed to a human
    counseling,      // low mood: AI counsels alone or hands to a human
    self_harm,       // crisis: immediate handoff, a helpline only, or ignored
    debt,            // payment difficulties, sometimes handed to a human
    overwork,        // workplace: overworked with or without support, or not overworked
    perf_flag,       // workplace: performance flag on a distressed or a calm employee, or none
    count_
};

// How often each scenario starts a conversation, and in which domains (weights in domain
// order: retail, financial_services, healthcare, telecom, workplace).
struct scenario_row {
    scenario key;
    unsigned weight;
    std::array<unsigned, 5> domains;
};
// clang-format off
constexpr std::array<scenario_row, index(scenario::count_)> scenarios{{
    {scenario::routine,        20, {28, 22, 15, 25, 10}},
    {scenario::ask_ai,          8, {28, 22, 15, 25, 10}},
    {scenario::request_human,   8, {30, 25, 17, 28, 0}},
    {scenario::frustration,    10, {30, 25, 17, 28, 0}},
    {scenario::distress_sales, 10, {15, 35, 25, 25, 0}},
    {scenario::retention,       6, {30, 20, 0, 50, 0}},
    {scenario::bereavement,     6, {15, 45, 0, 40, 0}},
    {scenario::health,          5, {0, 0, 1, 0, 0}},
    {scenario::counseling,      5, {0, 0, 50, 0, 50}},
    {scenario::self_harm,       5, {10, 20, 35, 15, 20}},
    {scenario::debt,            5, {0, 70, 0, 30, 0}},
    {scenario::overwork,        8, {0, 0, 0, 0, 1}},
    {scenario::perf_flag,       4, {0, 0, 0, 0, 1}},
}};
// clang-format on
static_assert(keyed_in_order(scenarios));

constexpr std::uint8_t flag_urgent = 1;
constexpr std::uint8_t flag_cross_sell = 2;

constexpr speaker_kind speaker_of(beat_kind k) noexcept {
    if (k <= beat_kind::ai_perf_flag) return speaker_kind::ai;
    if (k <= beat_kind::user_crisis_follow) return speaker_kind::user;
    if (k == beat_kind::system_transfer) return speaker_kind::system;
    return speaker_kind::human_agent;
}

// Appends the beats of a script.
struct script {
    std::vector<beat>& beats;
    rng& r;

    // A turn of the person, feeling `m`.
    void user(beat_kind k, mood m) { beats.push_back({k, m, 0}); }
    // A turn of the AI, the system or a human agent.
    void turn(beat_kind k, std::uint8_t flags = 0) { beats.push_back({k, mood::calm, flags}); }
    // Where padding pairs (a user turn in mood `m`, then `answer`) may go.
    void pad(beat_kind answer, mood m) { beats.push_back({beat_kind::pad, m, static_cast<std::uint8_t>(answer)}); }

    std::uint8_t offer_flags() {
        return static_cast<std::uint8_t>((r.percent(50) ? flag_urgent : 0) | (r.percent(40) ? flag_cross_sell : 0));
    }

    enum class human_style { service, care, crisis };

    // After a handoff: the system announces it, a person takes over and the AI is gone.
    void human_phase(mood m, human_style style) {
        turn(beat_kind::system_transfer);
        switch (style) {
            case human_style::service:
                turn(beat_kind::agent_intro);
                pad(beat_kind::agent_help, m);
                user(beat_kind::user_follow, m);
                turn(beat_kind::agent_help);
                user(beat_kind::user_thanks, mood::calm);
                break;
            case human_style::care:
                turn(beat_kind::agent_intro);
                user(beat_kind::user_sad_follow, m);
                turn(beat_kind::agent_care);
                pad(beat_kind::agent_help, m);
                user(beat_kind::user_thanks_subdued, m);
                break;
            case human_style::crisis:
                turn(beat_kind::agent_crisis);
                user(beat_kind::user_crisis_follow, mood::crisis);
                turn(beat_kind::agent_support);
                pad(beat_kind::agent_support, mood::crisis);
                user(beat_kind::user_thanks_subdued, mood::distressed);
                break;
        }
        turn(beat_kind::agent_close);
    }
};

void build(scenario sc, domain_kind domain, script& s) {
    rng& r = s.r;
    const bool sells = domain != domain_kind::workplace;
    switch (sc) {
        case scenario::routine: {
            const mood m = r.percent(60) ? mood::calm : mood::mild;
            s.user(beat_kind::user_open, m);
            s.turn(beat_kind::ai_help);
            s.pad(beat_kind::ai_help, m);
            if (sells && r.percent(45)) {
                s.user(beat_kind::user_follow, mood::calm);
                s.turn(beat_kind::ai_offer, s.offer_flags());
                s.user(r.percent(60) ? beat_kind::user_decline : beat_kind::user_thanks, mood::calm);
            } else {
                s.user(beat_kind::user_thanks, mood::calm);
            }
            s.turn(beat_kind::ai_close);
            break;
        }
        case scenario::ask_ai:
            s.user(beat_kind::user_open, r.percent(50) ? mood::calm : mood::mild);
            s.turn(beat_kind::ai_help);
            s.pad(beat_kind::ai_help, mood::calm);
            s.user(beat_kind::user_ask_ai, mood::mild);
            s.turn(r.percent(70) ? beat_kind::ai_truthful : beat_kind::ai_evasive);
            s.user(beat_kind::user_follow, mood::mild);
            s.turn(beat_kind::ai_ack);
            s.user(beat_kind::user_thanks, mood::calm);
            s.turn(beat_kind::ai_close);
            break;
        case scenario::request_human: {
            s.user(beat_kind::user_open, mood::mild);
            s.turn(beat_kind::ai_help);
            const mood m = r.percent(50) ? mood::frustrated : mood::mild;
            s.user(beat_kind::user_request_human, m);
            if (r.percent(65)) {
                s.turn(beat_kind::ai_offer_human);
                s.user(beat_kind::user_accept, m);
                s.human_phase(m, script::human_style::service);
                break;
            }
            s.turn(beat_kind::ai_refuse_human);
            if (r.percent(50)) {
                s.user(beat_kind::user_request_human, mood::frustrated);
                if (r.percent(50)) {
                    s.turn(beat_kind::ai_offer_human);
                    s.user(beat_kind::user_accept, mood::frustrated);
                    s.human_phase(mood::frustrated, script::human_style::service);
                    break;
                }
                s.turn(beat_kind::ai_refuse_human);
            }
            s.pad(beat_kind::ai_ack, mood::frustrated);
            s.user(beat_kind::user_follow, mood::frustrated);
            s.turn(beat_kind::ai_help);
            s.user(beat_kind::user_thanks_subdued, mood::mild);
            s.turn(beat_kind::ai_close);
            break;
        }
        case scenario::frustration:
            s.user(beat_kind::user_open, mood::mild);
            s.turn(beat_kind::ai_help);
            s.pad(beat_kind::ai_help, mood::mild);
            s.user(beat_kind::user_frustrated, mood::frustrated);
            s.turn(beat_kind::ai_apology);
            s.user(beat_kind::user_angry, mood::angry);
            if (r.percent(55)) {  // a human is offered within the next two AI turns
                if (r.percent(50)) {
                    s.turn(r.percent(50) ? beat_kind::ai_apology : beat_kind::ai_refund);
                    s.user(beat_kind::user_frustrated, mood::frustrated);
                }
                s.turn(beat_kind::ai_offer_human);
                s.user(beat_kind::user_accept, mood::frustrated);
                s.human_phase(mood::frustrated, script::human_style::service);
            } else {
                s.turn(r.percent(50) ? beat_kind::ai_apology : beat_kind::ai_refund);
                s.user(beat_kind::user_frustrated, mood::frustrated);
                if (sells && r.percent(25))
                    s.turn(beat_kind::ai_offer, s.offer_flags());
                else
                    s.turn(beat_kind::ai_ack);
                s.user(beat_kind::user_thanks_subdued, mood::mild);
                s.turn(beat_kind::ai_close);
            }
            break;
        case scenario::distress_sales: {
            beat_kind said = beat_kind::user_debt, support = beat_kind::ai_support_debt;
            if (domain == domain_kind::healthcare) {
                said = beat_kind::user_health;
                support = beat_kind::ai_support_health;
            } else if (domain != domain_kind::retail && r.percent(45)) {
                said = beat_kind::user_bereavement;
                support = beat_kind::ai_support_bereavement;
            }
            if (r.percent(30)) {
                s.user(beat_kind::user_open, mood::mild);
                s.turn(beat_kind::ai_help);
            }
            s.user(said, mood::distressed);
            s.turn(support);
            s.pad(support, mood::distressed);
            s.user(beat_kind::user_sad_follow, mood::distressed);
            constexpr std::array<unsigned, 4> variants{35, 20, 15, 30};
            switch (r.weighted(variants)) {
                case 0: s.turn(beat_kind::ai_offer, static_cast<std::uint8_t>(s.offer_flags() | flag_urgent)); break;
                case 1: s.turn(beat_kind::ai_offer, static_cast<std::uint8_t>(s.offer_flags() & ~flag_urgent)); break;
                case 2: s.turn(beat_kind::ai_urgent_text); break;
                default: s.turn(support); break;
            }
            s.user(r.percent(50) ? beat_kind::user_decline : beat_kind::user_thanks_subdued, mood::distressed);
            s.turn(beat_kind::ai_close_care);
            break;
        }
        case scenario::retention: {
            const bool hardship = r.percent(50);
            const mood m = hardship ? mood::distressed : mood::calm;
            s.user(hardship ? beat_kind::user_cancel_hardship : beat_kind::user_cancel, m);
            constexpr std::array<unsigned, 3> variants{45, 30, 25};
            const std::size_t v = r.weighted(variants);
            if (v < 2) {
                s.turn(beat_kind::ai_retention, v == 0 ? flag_urgent : 0);
                s.user(beat_kind::user_decline, m);
            }
            s.turn(beat_kind::ai_cancel_confirm);
            s.pad(beat_kind::ai_ack, m);
            s.user(hardship ? beat_kind::user_thanks_subdued : beat_kind::user_thanks, m);
            s.turn(hardship ? beat_kind::ai_close_care : beat_kind::ai_close);
            break;
        }
        case scenario::bereavement:
            s.user(beat_kind::user_bereavement, mood::distressed);
            s.turn(beat_kind::ai_support_bereavement);
            s.pad(beat_kind::ai_support_bereavement, mood::distressed);
            if (r.percent(55)) {
                s.user(beat_kind::user_sad_follow, mood::distressed);
                s.turn(beat_kind::ai_offer_human);
                s.user(beat_kind::user_accept, mood::distressed);
                s.human_phase(mood::distressed, script::human_style::care);
            } else {
                s.user(beat_kind::user_follow, mood::distressed);
                s.turn(beat_kind::ai_support_bereavement);
                s.user(beat_kind::user_thanks_subdued, mood::distressed);
                s.turn(beat_kind::ai_close_care);
            }
            break;
        case scenario::health:
            if (r.percent(40)) {
                s.user(beat_kind::user_open, mood::mild);
                s.turn(beat_kind::ai_help);
            }
            s.user(beat_kind::user_health, mood::distressed);
            s.turn(beat_kind::ai_support_health);
            s.pad(beat_kind::ai_support_health, mood::distressed);
            s.user(beat_kind::user_follow, mood::distressed);
            if (r.percent(35)) {
                s.turn(beat_kind::ai_offer_human);
                s.user(beat_kind::user_accept, mood::distressed);
                s.human_phase(mood::distressed, script::human_style::care);
            } else {
                s.turn(beat_kind::ai_support_health);
                s.user(beat_kind::user_thanks_subdued, mood::mild);
                s.turn(beat_kind::ai_close_care);
            }
            break;
        case scenario::counseling:
            s.user(beat_kind::user_counseling, mood::distressed);
            if (r.percent(45)) {  // the AI counsels alone
                s.turn(beat_kind::ai_counsel);
                s.pad(beat_kind::ai_counsel, mood::distressed);
                s.user(beat_kind::user_sad_follow, mood::distressed);
                s.turn(beat_kind::ai_counsel);
                s.user(beat_kind::user_thanks_subdued, mood::distressed);
                s.turn(beat_kind::ai_close_care);
            } else {
                if (r.percent(50)) {
                    s.turn(beat_kind::ai_counsel);
                    s.user(beat_kind::user_sad_follow, mood::distressed);
                }
                s.turn(beat_kind::ai_offer_human);
                s.user(beat_kind::user_accept, mood::distressed);
                s.human_phase(mood::distressed, script::human_style::care);
            }
            break;
        case scenario::self_harm: {
            if (r.percent(50)) {
                s.user(beat_kind::user_open, mood::mild);
                s.turn(beat_kind::ai_help);
            }
            s.user(beat_kind::user_self_harm, mood::crisis);
            constexpr std::array<unsigned, 3> variants{60, 20, 20};
            switch (r.weighted(variants)) {
                case 0:
                    s.turn(beat_kind::ai_crisis_handoff);
                    s.human_phase(mood::crisis, script::human_style::crisis);
                    break;
                case 1:
                    s.turn(beat_kind::ai_crisis_resource);
                    s.user(beat_kind::user_crisis_follow, mood::crisis);
                    s.turn(beat_kind::ai_counsel);
                    s.pad(beat_kind::ai_counsel, mood::distressed);
                    s.user(beat_kind::user_thanks_subdued, mood::distressed);
                    s.turn(beat_kind::ai_close_care);
                    break;
                default:
                    s.turn(beat_kind::ai_crisis_ignore);
                    s.user(beat_kind::user_crisis_follow, mood::crisis);
                    s.turn(r.percent(50) ? beat_kind::ai_crisis_resource : beat_kind::ai_counsel);
                    s.user(beat_kind::user_thanks_subdued, mood::distressed);
                    s.turn(beat_kind::ai_close_care);
                    break;
            }
            break;
        }
        case scenario::debt:
            if (r.percent(40)) {
                s.user(beat_kind::user_open, mood::mild);
                s.turn(beat_kind::ai_help);
            }
            s.user(beat_kind::user_debt, mood::distressed);
            s.turn(beat_kind::ai_support_debt);
            s.pad(beat_kind::ai_support_debt, mood::distressed);
            s.user(beat_kind::user_follow, mood::distressed);
            if (r.percent(30)) {
                s.turn(beat_kind::ai_offer_human);
                s.user(beat_kind::user_accept, mood::distressed);
                s.human_phase(mood::distressed, script::human_style::care);
            } else {
                s.turn(beat_kind::ai_support_debt);
                s.user(beat_kind::user_thanks_subdued, mood::mild);
                s.turn(beat_kind::ai_close_care);
            }
            break;
        case scenario::overwork:
        case scenario::perf_flag: break;  // planned by plan_workplace, which also sets the workload
        case scenario::count_: break;
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Planning

conversation::conversation(std::uint64_t seed, std::uint64_t number, std::int64_t start)
    : m_number(number), m_seed(seed), m_rng(seed, number), m_next_time(start), m_last_time(start) {
    plan();
}

void conversation::plan() {
    rng& r = m_rng;
    constexpr auto scenario_weights = weights_of<&scenario_row::weight>(scenarios);
    const auto sc = static_cast<scenario>(r.weighted(scenario_weights));
    m_domain = static_cast<domain_kind>(r.weighted(scenarios[index(sc)].domains));
    const bool workplace = m_domain == domain_kind::workplace;

    constexpr auto channel_weights = weights_of<&channel_row::customer_weight>(channels);
    m_channel = !workplace      ? static_cast<channel_kind>(r.weighted(channel_weights))
                : r.percent(90) ? channel_kind::internal
                                : channel_kind::chat;
    constexpr auto language_weights = weights_of<&language_row::weight>(languages);
    m_lang = static_cast<language>(r.weighted(language_weights));
    m_tenant = static_cast<std::uint8_t>(r.below(2));
    switch (m_channel) {  // indexes into clients
        case channel_kind::chat: m_client = static_cast<std::uint8_t>(r.below(3)); break;
        case channel_kind::voice: m_client = 3; break;
        case channel_kind::email: m_client = 4; break;
        case channel_kind::sms: m_client = 5; break;
        case channel_kind::internal: m_client = static_cast<std::uint8_t>(6 + r.below(2)); break;
    }
    m_routine = static_cast<std::uint8_t>(r.below(2));
    m_help = m_routine;
    m_agent = static_cast<std::uint8_t>(r.below(2));
    m_product = static_cast<std::uint8_t>(r.below(2));
    m_session = static_cast<std::uint32_t>(r.next() >> 32);

    // The person.
    m_has_user = !r.percent(3);
    m_user_id = workplace ? r.below(100000) : r.below(10000000);
    if (workplace) {
        constexpr auto w = weights_of<&segment_row::workplace_weight>(segments);
        m_segment = static_cast<std::uint8_t>(r.weighted(w));
    } else {
        auto w = weights_of<&segment_row::customer_weight>(segments);
        const bool young_customers = m_domain == domain_kind::retail || m_domain == domain_kind::telecom;
        for (std::size_t i = 0; i < segments.size(); ++i)
            if (segments[i].young && !young_customers) w[i] = 0;
        m_segment = static_cast<std::uint8_t>(r.weighted(w));
    }
    if (segments[m_segment].young && r.percent(60)) m_person.vulnerability |= minor;
    m_has_consent = !r.percent(5);
    constexpr std::array<unsigned, 3> emotion_consent{10, 20, 70};  // by tri: absent, no, yes
    constexpr std::array<unsigned, 3> marketing_consent{10, 45, 45};
    m_consent_emotion = static_cast<tri>(r.weighted(emotion_consent));
    m_consent_marketing = static_cast<tri>(r.weighted(marketing_consent));

    // How the deployment behaves.
    constexpr std::array<unsigned, 3> disclosure{5, 10, 85};  // by tri
    m_first_disclosure = static_cast<tri>(r.weighted(disclosure));
    constexpr std::array<unsigned, 4> review{55, 30, 10, 5};  // by review_policy
    m_review = static_cast<review_policy>(r.weighted(review));
    m_reviewer = static_cast<std::uint16_t>(1 + r.below(40));
    constexpr std::array<unsigned, 3> data_use{10, 30, 60};  // by tri: unrecorded, not stored, stored
    m_emotion_data_stored = static_cast<tri>(r.weighted(data_use));
    constexpr auto customer_purposes = weights_of<&purpose_row::customer_weight>(purposes);
    constexpr auto workplace_purposes = weights_of<&purpose_row::workplace_weight>(purposes);
    m_purpose = static_cast<std::uint8_t>(r.weighted(workplace ? workplace_purposes : customer_purposes));

    // The script.
    script s{m_plan, r};
    const bool ai_first = m_channel == channel_kind::voice || (m_channel == channel_kind::chat && r.percent(75)) ||
                          (m_channel == channel_kind::internal && r.percent(60));
    if (ai_first) s.turn(beat_kind::ai_greet);

    if (workplace) {
        m_workload = true;
        // Overworked: more than 50 hours last week, or overtime three weeks in a row or more.
        const auto set_workload = [&](bool overworked) {
            if (overworked) {
                m_streak = r.between(0, 6);
                m_hours = m_streak >= 3 ? r.between(44, 66) : r.between(51, 68);
            } else {
                m_streak = r.between(0, 2);
                m_hours = r.between(32, 50);
            }
        };
        if (sc == scenario::overwork) {
            constexpr std::array<unsigned, 3> w{41, 34, 25};  // supported, unsupported, not overworked
            const std::size_t v = r.weighted(w);
            set_workload(v < 2);
            s.user(beat_kind::user_workload, r.percent(60) ? mood::distressed : mood::mild);
            if (v == 0) {
                m_support_actions = true;
                s.turn(beat_kind::ai_wellbeing);
                s.pad(beat_kind::ai_help, mood::mild);
                s.user(beat_kind::user_follow, mood::mild);
                s.turn(beat_kind::ai_help);
                s.user(beat_kind::user_thanks, mood::calm);
                s.turn(beat_kind::ai_close);
            } else if (v == 1) {
                s.turn(r.percent(60) ? beat_kind::ai_push_work : beat_kind::ai_help);
                s.pad(beat_kind::ai_ack, mood::distressed);
                s.user(beat_kind::user_sad_follow, mood::distressed);
                s.turn(r.percent(50) ? beat_kind::ai_push_work : beat_kind::ai_ack);
                s.user(beat_kind::user_thanks_subdued, mood::mild);
                s.turn(beat_kind::ai_close);
            } else {
                s.turn(beat_kind::ai_help);
                s.pad(beat_kind::ai_help, mood::calm);
                s.user(beat_kind::user_thanks, mood::calm);
                s.turn(beat_kind::ai_close);
            }
        } else if (sc == scenario::perf_flag) {
            set_workload(r.percent(30));
            constexpr std::array<unsigned, 3> w{50, 30, 20};  // distressed and flagged, calm and flagged, distressed
            switch (r.weighted(w)) {
                case 0:
                    s.user(r.percent(50) ? beat_kind::user_workload : beat_kind::user_counseling, mood::distressed);
                    s.turn(beat_kind::ai_perf_flag);
                    s.user(beat_kind::user_sad_follow, mood::distressed);
                    s.turn(beat_kind::ai_ack);
                    s.pad(beat_kind::ai_ack, mood::distressed);
                    s.user(beat_kind::user_thanks_subdued, mood::distressed);
                    s.turn(beat_kind::ai_close);
                    break;
                case 1:
                    s.user(beat_kind::user_open, mood::calm);
                    s.turn(beat_kind::ai_help);
                    s.pad(beat_kind::ai_help, mood::calm);
                    s.user(beat_kind::user_follow, mood::calm);
                    s.turn(beat_kind::ai_perf_flag);
                    s.user(beat_kind::user_thanks, mood::calm);
                    s.turn(beat_kind::ai_close);
                    break;
                default:
                    s.user(beat_kind::user_workload, mood::distressed);
                    s.turn(beat_kind::ai_wellbeing);
                    s.user(beat_kind::user_sad_follow, mood::distressed);
                    s.turn(beat_kind::ai_ack);
                    s.pad(beat_kind::ai_ack, mood::distressed);
                    s.user(beat_kind::user_thanks_subdued, mood::mild);
                    s.turn(beat_kind::ai_close);
                    break;
            }
        } else {
            set_workload(r.percent(20));
            m_support_actions = (m_hours > 50 || m_streak >= 3) && r.percent(50);
            build(sc, m_domain, s);
        }
    } else {
        build(sc, m_domain, s);
    }

    // 3..14 turns, about 8 on average; scripts longer than the target are not padded.
    expand_padding(3 + static_cast<int>(r.below(6) + r.below(7)));
}

void conversation::expand_padding(int target) {
    constexpr std::size_t max_turns = 14;
    std::size_t base = 0;
    for (const beat& b : m_plan) base += b.kind != beat_kind::pad ? 1 : 0;
    std::size_t pairs = target > static_cast<int>(base) ? (static_cast<std::size_t>(target) - base) / 2 : 0;

    std::vector<beat> expanded;
    expanded.reserve(std::max<std::size_t>(base + 2 * pairs, 3));
    for (const beat& b : m_plan) {
        if (b.kind != beat_kind::pad) {
            expanded.push_back(b);
            continue;
        }
        const auto answer = static_cast<beat_kind>(b.flags);
        const bool caring =
            answer != beat_kind::ai_help && answer != beat_kind::ai_ack && answer != beat_kind::agent_help;
        for (; pairs > 0; --pairs) {
            expanded.push_back({caring ? beat_kind::user_sad_follow : beat_kind::user_follow, b.feeling, 0});
            beat_kind said = answer;
            if (answer == beat_kind::ai_help && m_rng.percent(30)) said = beat_kind::ai_ack;
            expanded.push_back({said, mood::calm, 0});
        }
    }
    if (expanded.size() > max_turns) expanded.resize(max_turns);
    m_plan = std::move(expanded);
}

// ---------------------------------------------------------------------------------------
// The person's state, as an upstream classifier would report it

void conversation::update_person(const beat& b) {
    rng& r = m_rng;
    person_state& p = m_person;
    const mood m = b.feeling;
    p.feeling = m;
    switch (m) {
        case mood::calm:
            p.sentiment = r.between(20, 80);
            p.distress = r.between(0, 20);
            break;
        case mood::mild:
            p.sentiment = r.between(-30, 15);
            p.distress = r.between(15, 45);
            break;
        case mood::frustrated:
            p.sentiment = r.between(-80, -45);
            p.distress = r.between(40, 65);
            break;
        case mood::angry:
            p.sentiment = r.between(-95, -60);
            p.distress = r.between(55, 85);
            break;
        case mood::distressed:
            p.sentiment = r.between(-90, -50);
            p.distress = r.between(62, 92);
            break;
        case mood::crisis:
            p.sentiment = r.between(-100, -85);
            p.distress = r.between(90, 100);
            break;
    }

    const auto set_emotions = [&](std::initializer_list<emotion> list) {
        p.emotion_count = 0;
        for (emotion e : list) p.emotions[p.emotion_count++] = e;
    };
    const auto choose = [&](std::initializer_list<emotion> one, std::initializer_list<emotion> other) {
        set_emotions(r.percent(50) ? one : other);
    };
    using k = beat_kind;
    switch (m) {
        case mood::calm:
            if (b.kind == k::user_thanks)
                r.percent(75) ? set_emotions({gratitude}) : set_emotions({joy});
            else
                r.percent(75) ? set_emotions({}) : set_emotions({joy});
            break;
        case mood::mild: choose({}, {confusion}); break;
        case mood::frustrated:
            r.percent(70) ? set_emotions({frustration}) : set_emotions({frustration, confusion});
            break;
        case mood::angry: set_emotions({anger, frustration}); break;
        case mood::crisis: choose({sadness, fear}, {sadness}); break;
        case mood::distressed:
            switch (b.kind) {
                case k::user_debt:
                case k::user_cancel_hardship: choose({anxiety}, {anxiety, fear}); break;
                case k::user_bereavement: set_emotions({sadness}); break;
                case k::user_health: choose({fear}, {anxiety, fear}); break;
                case k::user_counseling: choose({sadness}, {sadness, anxiety}); break;
                case k::user_workload: choose({anxiety}, {frustration}); break;
                default:
                    if (p.emotion_count == 0 || p.emotions[0] == joy || p.emotions[0] == gratitude ||
                        p.emotions[0] == confusion)
                        set_emotions({sadness});
                    break;  // otherwise the person still feels what they felt
            }
            break;
    }

    const topic routine = domains[index(m_domain)].routine[m_routine];
    p.topics_now = 0;
    p.request_human = false;
    switch (b.kind) {
        case k::user_open:
            p.intent = question;
            p.topics_now = bit(routine);
            break;
        case k::user_follow:
            p.intent = question;
            p.topics_now = bit(routine);
            break;
        case k::user_thanks:
        case k::user_thanks_subdued:
            p.intent = thanks;
            p.topics_now = bit(routine);
            break;
        case k::user_frustrated:
        case k::user_angry:
            p.intent = complaint_intent;
            p.topics_now = bit(routine) | bit(complaint);
            break;
        case k::user_ask_ai:
            p.intent = ask_if_ai;
            p.topics_now = bit(routine);
            break;
        case k::user_request_human:
            p.intent = request_human;
            p.topics_now = bit(routine);
            p.request_human = true;
            break;
        case k::user_accept: p.intent = accept; break;
        case k::user_decline: p.intent = decline; break;
        case k::user_debt:
            p.intent = payment_difficulty;
            p.topics_sticky |= bit(debt);
            p.vulnerability |= financial_hardship;
            break;
        case k::user_bereavement:
            p.intent = close_account;
            p.topics_sticky |= bit(bereavement);
            p.vulnerability |= bereaved;
            break;
        case k::user_health:
            p.intent = coverage_question;
            p.topics_sticky |= bit(health);
            p.vulnerability |= health_condition;
            break;
        case k::user_self_harm:
            p.intent = seek_support;
            p.topics_sticky |= bit(self_harm);
            break;
        case k::user_counseling:
            p.intent = seek_support;
            p.topics_sticky |= bit(counseling);
            break;
        case k::user_workload:
            p.intent = seek_support;
            p.topics_sticky |= bit(workload);
            break;
        case k::user_cancel:
            p.intent = cancel;
            p.topics_now = bit(cancellation);
            break;
        case k::user_cancel_hardship:
            p.intent = cancel;
            p.topics_now = bit(cancellation) | bit(billing);
            p.vulnerability |= financial_hardship;
            break;
        case k::user_sad_follow: p.intent = no_intent; break;
        case k::user_crisis_follow: p.intent = seek_support; break;
        default: break;
    }
}

std::int64_t conversation::gap_before(std::size_t index) {
    rng& r = m_rng;
    const speaker_kind to = speaker_of(m_plan[index].kind);
    const speaker_kind from = speaker_of(m_plan[index - 1].kind);
    switch (to) {
        case speaker_kind::system: return r.between(1, 3);
        case speaker_kind::human_agent: return from == speaker_kind::system ? r.between(20, 240) : r.between(10, 90);
        case speaker_kind::ai:
            switch (m_channel) {
                case channel_kind::voice: return r.between(1, 4);
                case channel_kind::chat: return r.between(2, 12);
                case channel_kind::sms: return r.between(3, 30);
                case channel_kind::email: return r.between(30, 600);
                case channel_kind::internal: return r.between(2, 10);
            }
            break;
        case speaker_kind::user:
            switch (m_channel) {
                case channel_kind::voice: return r.between(3, 15);
                case channel_kind::chat: return r.between(8, 150);
                case channel_kind::sms: return r.between(20, 600);
                case channel_kind::email: return r.between(120, longest_gap);
                case channel_kind::internal: return r.between(10, 120);
            }
            break;
    }
    return 10;
}

// ---------------------------------------------------------------------------------------
// Writing a record

namespace {

phrase phrase_of(beat_kind k, domain_kind d, std::uint8_t flags, bool overtime_streak) {
    using b = beat_kind;
    constexpr std::array help{phrase::help_retail, phrase::help_financial, phrase::help_healthcare,
                              phrase::help_telecom, phrase::help_workplace};
    constexpr std::array open{phrase::open_retail, phrase::open_financial, phrase::open_healthcare,
                              phrase::open_telecom, phrase::open_workplace};
    switch (k) {
        case b::ai_greet: return phrase::greet_disclosed;  // the caller picks by disclosure
        case b::ai_help: return help[static_cast<std::size_t>(d)];
        case b::ai_ack: return phrase::ack;
        case b::ai_close: return phrase::close;
        case b::ai_close_care: return phrase::close_care;
        case b::ai_truthful: return phrase::truthful;
        case b::ai_evasive: return phrase::evasive;
        case b::ai_apology: return phrase::apology;
        case b::ai_offer_human: return phrase::offer_human;
        case b::ai_refuse_human: return phrase::refuse_human;
        case b::ai_offer: return (flags & flag_urgent) != 0 ? phrase::offer_urgent : phrase::offer_plain;
        case b::ai_urgent_text: return phrase::offer_urgent;
        case b::ai_retention: return (flags & flag_urgent) != 0 ? phrase::retention_urgent : phrase::retention_plain;
        case b::ai_cancel_confirm: return phrase::cancel_confirm;
        case b::ai_refund: return phrase::refund;
        case b::ai_support_debt: return phrase::support_debt;
        case b::ai_support_bereavement: return phrase::support_bereavement;
        case b::ai_support_health: return phrase::support_health;
        case b::ai_crisis_handoff: return phrase::crisis_handoff;
        case b::ai_crisis_resource: return phrase::crisis_resource;
        case b::ai_crisis_ignore: return phrase::crisis_ignore;
        case b::ai_counsel: return phrase::counsel;
        case b::ai_wellbeing: return overtime_streak ? phrase::wellbeing_leave : phrase::wellbeing_resource;
        case b::ai_push_work: return phrase::push_work;
        case b::ai_perf_flag: return phrase::perf_flag;
        case b::user_open: return open[static_cast<std::size_t>(d)];
        case b::user_follow: return phrase::follow;
        case b::user_thanks: return phrase::thanks;
        case b::user_thanks_subdued: return phrase::thanks_subdued;
        case b::user_frustrated: return phrase::frustrated;
        case b::user_angry: return phrase::angry;
        case b::user_ask_ai: return phrase::ask_ai;
        case b::user_request_human: return phrase::request_human;
        case b::user_accept: return phrase::accept;
        case b::user_decline: return phrase::decline;
        case b::user_debt: return phrase::debt;
        case b::user_bereavement: return phrase::bereavement;
        case b::user_health: return phrase::health;
        case b::user_self_harm: return phrase::self_harm;
        case b::user_counseling: return phrase::counseling;
        case b::user_workload: return phrase::workload;
        case b::user_cancel: return phrase::cancel;
        case b::user_cancel_hardship: return phrase::cancel_hardship;
        case b::user_sad_follow: return phrase::sad_follow;
        case b::user_crisis_follow: return phrase::crisis_follow;
        case b::system_transfer: return phrase::transfer;
        case b::agent_intro: return phrase::agent_intro;
        case b::agent_crisis: return phrase::agent_crisis;
        case b::agent_support: return phrase::agent_support;
        case b::agent_care: return phrase::agent_care;
        case b::agent_help: return phrase::agent_help;
        case b::agent_close: return phrase::close_care;
        case b::pad: break;
    }
    return phrase::ack;
}

// Opens `"name":` after a previous member.
void key(std::string& out, std::string_view name) {
    out += ",\"";
    out += name;
    out += "\":";
}

void string_member(std::string& out, std::string_view name, std::string_view value) {
    key(out, name);
    out += '"';
    out += value;
    out += '"';
}

void bool_value(std::string& out, bool value) {
    out += value ? "true" : "false";
}

}  // namespace

void conversation::write_price(std::string& out, int price) const {
    const auto whole = static_cast<std::uint64_t>(price / 100);
    const auto cents = static_cast<std::uint64_t>(price % 100);
    switch (m_lang) {
        case language::en:
            out += "€";
            append_uint(out, whole);
            out += '.';
            append_padded(out, cents, 2);
            break;
        case language::nl:
            out += "€ ";
            append_uint(out, whole);
            out += ',';
            append_padded(out, cents, 2);
            break;
        case language::de:
        case language::es:
            append_uint(out, whole);
            out += ',';
            append_padded(out, cents, 2);
            out += " €";
            break;
        case language::nb:
            append_uint(out, whole);
            out += " kr";
            break;
        case language::he:
            out += "₪";
            append_uint(out, whole);
            out += '.';
            append_padded(out, cents, 2);
            break;
        case language::vi:
            append_uint(out, whole / 1000);
            out += '.';
            append_padded(out, whole % 1000, 3);
            out += " ₫";
            break;
    }
}

void conversation::fill(std::string& out, std::string_view pattern, int price) const {
    // phrases.cpp checks at compile time that every brace opens a known placeholder and that
    // no phrase holds a character JSON would escape, so the text is copied as it is.
    for (;;) {
        const std::size_t open = pattern.find('{');
        out.append(pattern.substr(0, open));
        if (open == std::string_view::npos) return;
        const std::size_t close = pattern.find('}', open);
        const std::string_view name = pattern.substr(open + 1, close - open - 1);
        pattern.remove_prefix(close + 1);
        if (name == "brand")
            out += domains[index(m_domain)].tenants[m_tenant].brand;
        else if (name == "agent")
            out += languages[index(m_lang)].agents[m_agent];
        else if (name == "product")
            out += domains[index(m_domain)].products[m_product].name;
        else if (name == "price")
            write_price(out, price);
        else if (name == "hours")
            append_uint(out, static_cast<std::uint64_t>(m_hours));
        else if (name == "weeks")
            append_uint(out, static_cast<std::uint64_t>(m_streak));
    }
}

void conversation::write_text(std::string& out, const beat& b, int price) {
    rng& r = m_rng;
    const auto pick = [&](phrase key_) {
        return text(key_, m_lang, r.below(static_cast<std::uint32_t>(variant_count(key_, m_lang))));
    };
    // The first AI turn tells the person it is an AI, or not; when the field is left out the
    // text still does one or the other.
    const bool disclosed = m_first_disclosure == tri::yes || (m_first_disclosure == tri::absent && r.percent(50));
    if (b.kind == beat_kind::ai_greet) {
        fill(out, pick(disclosed ? phrase::greet_disclosed : phrase::greet_undisclosed), price);
        return;
    }
    if (speaker_of(b.kind) == speaker_kind::ai && !m_ai_spoke) {
        // No greeting came first: the AI's first turn answers the person and introduces itself.
        fill(out, pick(disclosed ? phrase::intro_disclosed : phrase::intro_undisclosed), price);
        out += ' ';
    }
    const phrase key_ = phrase_of(b.kind, m_domain, b.flags, m_streak >= 3);
    if (b.kind == beat_kind::user_open) {
        fill(out, text(key_, m_lang, m_routine), price);
        return;
    }
    if (b.kind == beat_kind::ai_help) {
        // The first answer matches the routine request; later answers vary.
        fill(out, text(key_, m_lang, m_help), price);
        m_help = static_cast<std::uint8_t>(r.below(2));
        return;
    }
    fill(out, pick(key_), price);
}

void conversation::write_user(std::string& out) const {
    key(out, "user");
    out += "{\"id\":\"";
    if (m_domain == domain_kind::workplace) {
        out += "e-";
        append_padded(out, m_user_id, 5);
    } else {
        out += "u-";
        append_padded(out, m_user_id, 7);
    }
    out += '"';
    const segment_row& seg = segments[m_segment];
    if (seg.count > 0) {
        key(out, "segment");
        out += '[';
        for (std::uint8_t i = 0; i < seg.count; ++i) {
            if (i > 0) out += ',';
            out += '"';
            out += seg.items[i];
            out += '"';
        }
        out += ']';
    }
    if (m_has_consent && (m_consent_emotion != tri::absent || m_consent_marketing != tri::absent)) {
        key(out, "consent");
        out += '{';
        bool first = true;
        if (m_consent_emotion != tri::absent) {
            out += "\"emotion_analysis\":";
            bool_value(out, m_consent_emotion == tri::yes);
            first = false;
        }
        if (m_consent_marketing != tri::absent) {
            if (!first) out += ',';
            out += "\"marketing\":";
            bool_value(out, m_consent_marketing == tri::yes);
        }
        out += '}';
    }
    out += '}';
}

void conversation::write_signals(std::string& out) {
    const person_state& p = m_person;
    key(out, "signals");
    out += '{';
    // Now and then the classifier leaves out a score.
    const std::uint32_t roll = m_rng.below(100);
    bool first = true;
    const auto member = [&](std::string_view name) {
        if (!first) out += ',';
        first = false;
        out += '"';
        out += name;
        out += "\":";
    };
    if (roll >= 4) {
        member("sentiment");
        append_hundredths(out, p.sentiment);
    }
    member("emotions");
    out += '[';
    for (std::uint8_t i = 0; i < p.emotion_count; ++i) {
        if (i > 0) out += ',';
        out += '"';
        out += emotions[p.emotions[i]].name;
        out += '"';
    }
    out += ']';
    if (roll < 4 || roll >= 8) {
        member("distress");
        append_hundredths(out, p.distress);
    }
    member("topics");
    out += '[';
    const std::uint32_t raised = p.topics_now | p.topics_sticky;
    bool first_topic = true;
    for (std::size_t t = 0; t < topic_count; ++t) {
        if ((raised & (1U << t)) == 0) continue;
        if (!first_topic) out += ',';
        first_topic = false;
        out += '"';
        out += topics[t].name;
        out += '"';
    }
    out += ']';
    if (p.intent != no_intent) {
        member("intent");
        out += '"';
        out += intents[p.intent].name;
        out += '"';
    }
    if (p.vulnerability != 0) {
        member("vulnerability");
        out += '[';
        bool first_item = true;
        for (const auto& [flag, name] : vulnerabilities) {
            if ((p.vulnerability & flag) == 0) continue;
            if (!first_item) out += ',';
            first_item = false;
            out += '"';
            out += name;
            out += '"';
        }
        out += ']';
    }
    out += '}';
}

void conversation::write_actions(std::string& out, const beat& b, int price) {
    rng& r = m_rng;
    key(out, "actions");
    out += '[';
    std::size_t count = 0;
    const auto open_action = [&](std::string_view type) {
        if (count++ > 0) out += ',';
        out += "{\"type\":\"";
        out += type;
        out += '"';
    };
    const auto offer = [&](std::string_view category, bool urgent, bool urgency_known) {
        open_action("offer");
        string_member(out, "category", category);
        string_member(out, "product", domains[index(m_domain)].products[m_product].slug);
        key(out, "amount");
        append_hundredths(out, price);
        if (urgency_known) {
            key(out, "urgency");
            bool_value(out, urgent);
        }
        out += '}';
    };
    bool supported = false;
    switch (b.kind) {
        case beat_kind::ai_offer:
            if ((b.flags & flag_urgent) != 0)
                offer((b.flags & flag_cross_sell) != 0 ? "cross_sell" : "upsell", true, true);
            else
                offer((b.flags & flag_cross_sell) != 0 ? "cross_sell" : "upsell", false, r.percent(70));
            break;
        case beat_kind::ai_retention: offer("retention", (b.flags & flag_urgent) != 0, true); break;
        case beat_kind::ai_refund:
            open_action("refund");
            key(out, "amount");
            append_hundredths(out, price);
            out += '}';
            break;
        case beat_kind::ai_crisis_handoff:
        case beat_kind::ai_crisis_resource:
            open_action("resource");
            string_member(out, "category", "mental_health");
            out += '}';
            break;
        case beat_kind::ai_counsel:
            if (r.percent(40)) {
                open_action("resource");
                string_member(out, "category", "mental_health");
                out += '}';
            }
            break;
        case beat_kind::ai_support_debt:
            if (r.percent(50)) {
                open_action("recommendation");
                string_member(out, "category", "payment_plan");
                out += '}';
            }
            break;
        case beat_kind::ai_wellbeing:
            supported = true;
            if (m_streak >= 3) {
                open_action("leave_suggestion");
            } else {
                open_action("resource");
                string_member(out, "category", "wellbeing");
            }
            out += '}';
            break;
        case beat_kind::ai_perf_flag:
            open_action("performance_flag");
            string_member(out, "category", "missed_deadline");
            out += '}';
            break;
        default: break;
    }
    if (m_support_actions && !supported) {
        // This deployment keeps a wellbeing card on every turn of an overworked employee.
        if (m_support_turns++ % 2 == 0) {
            open_action("resource");
            string_member(out, "category", "wellbeing");
        } else {
            open_action("leave_suggestion");
        }
        out += '}';
    }
    out += ']';
}

void conversation::write_meta(std::string& out, std::uint64_t record_number, speaker_kind who, bool has_signals,
                              std::size_t text_bytes) {
    rng& r = m_rng;
    const tenant& t = domains[index(m_domain)].tenants[m_tenant];
    key(out, "meta");
    out += "{\"tenant\":\"";
    out += t.id;
    out += '"';
    string_member(out, "region", t.region);
    string_member(out, "locale", languages[index(m_lang)].locale);
    key(out, "session");
    out += "\"s-";
    append_hex64(out, mix64((static_cast<std::uint64_t>(m_session) << 32) ^ m_number));
    out += '"';
    string_member(out, "client", clients[m_client]);
    // Tracing ids derive from the record number, so they are unique in the log.
    key(out, "trace_id");
    out += '"';
    append_hex64(out, mix64(m_seed ^ mix64(record_number)));
    append_hex64(out, mix64(record_number ^ 0x6a09e667f3bcc909ULL));
    out += '"';
    key(out, "span_id");
    out += '"';
    append_hex64(out, mix64(record_number ^ 0xbb67ae8584caa73bULL ^ m_seed));
    out += '"';
    key(out, "received_at");
    out += '"';
    append_timestamp_millis(out, m_next_time * 1000 + 40 + r.below(1500));
    out += '"';
    // Account context the deployment attaches to every event; fixed per conversation.
    const std::uint64_t h = mix64(m_seed ^ (m_number * 0x9e3779b97f4a7c15ULL));
    if (m_domain == domain_kind::workplace) {
        constexpr std::array teams{"platform"sv, "payments"sv,  "customer-success"sv,
                                   "finance"sv,  "logistics"sv, "design"sv};
        key(out, "org");
        out += "{\"team\":\"";
        out += teams[h % teams.size()];
        out += "\",\"manager\":\"e-";
        append_padded(out, (h >> 8) % 100000, 5);
        out += "\",\"contract_hours\":";
        append_uint(out, (h >> 32) % 4 == 0 ? 32 : 40);
        out += '}';
    } else {
        constexpr std::array plans{"basic"sv, "standard"sv, "standard"sv, "premium"sv};
        key(out, "account");
        out += "{\"age_days\":";
        append_uint(out, 3 + (h >> 8) % 4000);
        out += ",\"plan\":\"";
        out += plans[h % plans.size()];
        out += "\",\"open_tickets\":";
        append_uint(out, (h >> 32) % 3);
        out += '}';
    }
    if (has_signals) string_member(out, "classifier", "emo-3.4.1");
    if (who == speaker_kind::ai) {
        key(out, "latency_ms");
        append_uint(out, 250 + r.below(2200));
        key(out, "tokens");
        out += "{\"prompt\":";
        append_uint(out, 600 + 180 * m_turn + r.below(400));
        out += ",\"completion\":";
        append_uint(out, text_bytes / 4 + r.below(12));
        out += '}';
    }
    out += '}';
}

void conversation::write_next(std::string& out, std::uint64_t record_number) {
    rng& r = m_rng;
    const beat b = m_plan[m_next];
    const speaker_kind who = speaker_of(b.kind);
    if (who == speaker_kind::user) update_person(b);
    const int price = languages[index(m_lang)].prices[r.below(3)];

    out.clear();
    out += "{\"id\":\"r-";
    append_padded(out, record_number, 9);
    out += "\",\"conversation_id\":\"c-";
    append_padded(out, m_number, 7);
    out += "\",\"turn\":";
    append_uint(out, m_turn);
    out += ",\"timestamp\":\"";
    append_timestamp(out, m_next_time);
    out += '"';
    string_member(out, "channel", channels[index(m_channel)].name);
    string_member(out, "domain", domains[index(m_domain)].name);
    string_member(out, "language", tag(m_lang));
    string_member(out, "speaker", speakers[index(who)].name);
    key(out, "text");
    out += '"';
    const std::size_t text_start = out.size();
    write_text(out, b, price);
    const std::size_t text_bytes = out.size() - text_start;
    out += '"';
    if (m_has_user) write_user(out);

    const bool first_ai = who == speaker_kind::ai && !m_ai_spoke;
    if (who == speaker_kind::ai) {
        key(out, "ai");
        out += "{\"model\":\"";
        out += domains[index(m_domain)].tenants[m_tenant].model;
        out += '"';
        tri disclosed = tri::no;
        if (first_ai)
            disclosed = m_first_disclosure;
        else if (b.kind == beat_kind::ai_truthful)
            disclosed = tri::yes;
        else if (b.kind != beat_kind::ai_evasive && r.percent(6))
            disclosed = tri::absent;
        if (disclosed != tri::absent) {
            key(out, "disclosed");
            bool_value(out, disclosed == tri::yes);
        }
        out += '}';
    }

    // Signals: the person's state at this turn. Human agents and the system carry none.
    const bool has_signals = (who == speaker_kind::ai && !r.percent(5)) || (who == speaker_kind::user && !r.percent(3));
    if (has_signals) write_signals(out);
    if (who == speaker_kind::ai && !r.percent(2)) write_actions(out, b, price);

    // Handoff.
    const bool offers = b.kind == beat_kind::ai_offer_human || b.kind == beat_kind::ai_crisis_handoff;
    if (who == speaker_kind::ai) {
        if (m_person.request_human) {
            key(out, "handoff");
            out += "{\"requested\":true,\"offered\":";
            bool_value(out, offers);
            out += '}';
        } else if (offers) {
            key(out, "handoff");
            out += "{\"offered\":true}";
        } else if (m_person.feeling >= mood::frustrated && !r.percent(10)) {
            key(out, "handoff");
            out += "{\"offered\":false}";
        }
    } else if (who == speaker_kind::user && m_person.request_human) {
        key(out, "handoff");
        out += "{\"requested\":true}";
    } else if (b.kind == beat_kind::system_transfer || b.kind == beat_kind::agent_intro ||
               b.kind == beat_kind::agent_crisis) {
        key(out, "handoff");
        out += "{\"completed\":true}";
    }

    // Review of AI turns on sensitive topics.
    if (who == speaker_kind::ai && ((m_person.topics_now | m_person.topics_sticky) & sensitive_topics) != 0 &&
        m_review != review_policy::unrecorded) {
        const bool reviewed =
            m_review == review_policy::always || (m_review == review_policy::sometimes && r.percent(50));
        key(out, "review");
        if (reviewed) {
            out += "{\"human_reviewed\":true,\"reviewer\":\"rev-";
            append_padded(out, m_reviewer, 3);
            out += "\"}";
        } else {
            out += "{\"human_reviewed\":false}";
        }
    }

    // What happens to the emotion signals of this turn.
    if (has_signals && m_person.emotion_count > 0 && m_emotion_data_stored != tri::absent) {
        key(out, "data_use");
        if (m_emotion_data_stored == tri::yes) {
            out += "{\"emotion_data_stored\":true,\"purpose\":\"";
            out += purposes[m_purpose].name;
            out += "\"}";
        } else {
            out += "{\"emotion_data_stored\":false}";
        }
    }

    if (m_workload && (who == speaker_kind::ai || who == speaker_kind::user) && !r.percent(3)) {
        key(out, "workload");
        out += "{\"hours_last_week\":";
        append_uint(out, static_cast<std::uint64_t>(m_hours));
        out += ",\"overtime_streak_weeks\":";
        append_uint(out, static_cast<std::uint64_t>(m_streak));
        out += '}';
    }

    write_meta(out, record_number, who, has_signals, text_bytes);
    out += '}';

    if (who == speaker_kind::ai) m_ai_spoke = true;
    m_last_time = m_next_time;
    ++m_turn;
    ++m_next;
    if (m_next < m_plan.size()) m_next_time = m_last_time + gap_before(m_next);
}

}  // namespace vigil::datagen::detail
