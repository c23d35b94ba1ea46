#pragma once
// One conversation of the generated log: planned in full when it starts (a script of at
// most 14 beats), then written one record at a time as the log reaches its turns.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "phrases.hpp"
#include "random.hpp"

namespace vigil::datagen::detail {

enum class domain_kind : std::uint8_t { retail, financial_services, healthcare, telecom, workplace };
enum class channel_kind : std::uint8_t { chat, voice, email, sms, internal };
enum class speaker_kind : std::uint8_t { user, ai, human_agent, system };

/// How the person feels in a turn; decides the signals of that turn.
enum class mood : std::uint8_t { calm, mild, frustrated, angry, distressed, crisis };

/// One turn of a script. User beats carry the person's mood; `flags` refine some beats
/// (see the flag_ constants in conversation.cpp).
enum class beat_kind : std::uint8_t {
    // ai
    ai_greet,
    ai_help,
    ai_ack,
    ai_close,
    ai_close_care,
    ai_truthful,
    ai_evasive,
    ai_apology,
    ai_offer_human,
    ai_refuse_human,
    ai_offer,
    ai_urgent_text,
    ai_retention,
    ai_cancel_confirm,
    ai_refund,
    ai_support_debt,
    ai_support_bereavement,
    ai_support_health,
    ai_crisis_handoff,
    ai_crisis_resource,
    ai_crisis_ignore,
    ai_counsel,
    ai_wellbeing,
    ai_push_work,
    ai_perf_flag,
    // user
    user_open,
    user_follow,
    user_thanks,
    user_thanks_subdued,
    user_frustrated,
    user_angry,
    user_ask_ai,
    user_request_human,
    user_accept,
    user_decline,
    user_debt,
    user_bereavement,
    user_health,
    user_self_harm,
    user_counseling,
    user_workload,
    user_cancel,
    user_cancel_hardship,
    user_sad_follow,
    user_crisis_follow,
    // system and human agent
    system_transfer,
    agent_intro,
    agent_crisis,
    agent_support,
    agent_care,
    agent_help,
    agent_close,
    // where padding turns go while planning; never written
    pad,
};

struct beat {
    beat_kind kind;
    mood feeling = mood::calm;
    std::uint8_t flags = 0;
};

/// Three-valued optional facts: absent fields mean unknown.
enum class tri : std::uint8_t { absent, no, yes };

/// Whether a deployment has people review AI turns on sensitive topics.
enum class review_policy : std::uint8_t { always, never, sometimes, unrecorded };

class conversation {
public:
    /// Plans conversation `number` (id c-<number>) of the log seeded by `seed`; its first
    /// record is at Unix time `start`. The plan depends only on (seed, number).
    conversation(std::uint64_t seed, std::uint64_t number, std::int64_t start);

    /// The longest a record follows the one before it, in seconds: an email answered an hour later.
    static constexpr std::int64_t longest_gap = 3600;

    /// Log time of the next record.
    std::int64_t next_time() const noexcept { return m_next_time; }
    /// Conversation number, which also breaks ties between records at the same time.
    std::uint64_t number() const noexcept { return m_number; }
    /// Records in the plan.
    std::size_t length() const noexcept { return m_plan.size(); }
    /// Records not yet written.
    std::size_t remaining() const noexcept { return m_plan.size() - m_next; }

    /// The next record gets a turn number one higher than it would (a gap in the log).
    void skip_turn() noexcept { ++m_turn; }
    /// Moves the next record to `seconds` after the last one written.
    void hurry(std::int64_t seconds) noexcept { m_next_time = m_last_time + seconds; }

    /// Replaces `out` with the next record as one JSON line (id r-<record_number>, padded to
    /// 9 digits) and schedules the record after it. Requires remaining() > 0.
    void write_next(std::string& out, std::uint64_t record_number);

private:
    // What the upstream classifier says about the person at the current turn.
    struct person_state {
        int sentiment = 0;  // hundredths, -100..100
        int distress = 0;   // hundredths, 0..100
        std::array<std::uint8_t, 2> emotions{};
        std::uint8_t emotion_count = 0;
        std::uint32_t topics_now = 0;     // this turn only
        std::uint32_t topics_sticky = 0;  // once raised, kept for the rest of the conversation
        std::uint8_t intent = 0;          // 0: none
        std::uint8_t vulnerability = 0;   // bit set
        mood feeling = mood::calm;
        bool request_human = false;
    };

    void plan();
    void expand_padding(int target);
    void update_person(const beat& b);
    std::int64_t gap_before(std::size_t index);

    void fill(std::string& out, std::string_view pattern, int price) const;
    void write_text(std::string& out, const beat& b, int price);
    void write_user(std::string& out) const;
    void write_signals(std::string& out);
    void write_actions(std::string& out, const beat& b, int price);
    void write_meta(std::string& out, std::uint64_t record_number, speaker_kind who, bool has_signals,
                    std::size_t text_bytes);
    void write_price(std::string& out, int price) const;

    std::uint64_t m_number;
    std::uint64_t m_seed;
    rng m_rng;
    std::vector<beat> m_plan;
    std::size_t m_next = 0;
    std::uint64_t m_turn = 1;
    std::int64_t m_next_time;
    std::int64_t m_last_time;

    // Fixed for the whole conversation.
    domain_kind m_domain = domain_kind::retail;
    channel_kind m_channel = channel_kind::chat;
    language m_lang = language::en;
    std::uint8_t m_tenant = 0;  // which of the domain's two tenants
    std::uint8_t m_client = 0;
    std::uint8_t m_routine = 0;  // which routine request of the domain the person makes
    std::uint8_t m_help = 0;     // which routine answer the AI gives next
    std::uint8_t m_agent = 0;
    std::uint8_t m_product = 0;
    std::uint32_t m_user_id = 0;
    std::uint32_t m_session = 0;
    std::uint8_t m_segment = 0;
    bool m_has_user = true;
    bool m_has_consent = true;
    tri m_consent_emotion = tri::absent;
    tri m_consent_marketing = tri::absent;
    tri m_first_disclosure = tri::yes;
    review_policy m_review = review_policy::always;
    std::uint16_t m_reviewer = 0;
    tri m_emotion_data_stored = tri::absent;  // absent: data_use left out
    std::uint8_t m_purpose = 0;
    bool m_workload = false;
    int m_hours = 0;
    int m_streak = 0;
    bool m_support_actions = false;

    // Changes as the conversation goes on.
    person_state m_person;
    bool m_ai_spoke = false;
    std::uint8_t m_support_turns = 0;
};

}  // namespace vigil::datagen::detail
