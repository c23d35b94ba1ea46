#pragma once
// Phrase banks: what people and assistants say, per situation and language.
//
// A phrase may hold placeholders that the record writer fills in: {brand}, {agent},
// {product}, {price}, {hours}, {weeks}. Nothing else in a phrase is special.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::datagen::detail {

/// The languages the generator writes, in the order of their table columns.
enum class language : std::uint8_t { en, nl, nb, he, vi, de, es };
inline constexpr std::size_t language_count = 7;

/// The BCP 47 tag of a language.
std::string_view tag(language lang) noexcept;

/// One situation in a conversation. Keep in the order of the rows in phrases.cpp (a
/// static_assert there checks it).
enum class phrase : std::uint8_t {
    // ai: opening and closing
    greet_disclosed,
    greet_undisclosed,
    intro_disclosed,  // prefix of a first AI turn that answers the person's first message
    intro_undisclosed,
    ack,
    close,
    close_care,
    // ai: transparency and human oversight
    truthful,
    evasive,
    apology,
    offer_human,
    refuse_human,
    // ai: sales
    offer_urgent,
    offer_plain,
    retention_urgent,
    retention_plain,
    cancel_confirm,
    refund,
    // ai: sensitive topics
    support_debt,
    support_bereavement,
    support_health,
    crisis_handoff,
    crisis_resource,
    crisis_ignore,
    counsel,
    // ai: workplace
    wellbeing_resource,
    wellbeing_leave,
    push_work,
    perf_flag,
    // ai: routine help per domain
    help_retail,
    help_financial,
    help_healthcare,
    help_telecom,
    help_workplace,
    // user: routine requests per domain
    open_retail,
    open_financial,
    open_healthcare,
    open_telecom,
    open_workplace,
    // user
    follow,
    thanks,
    thanks_subdued,
    frustrated,
    angry,
    ask_ai,
    request_human,
    accept,
    decline,
    debt,
    bereavement,
    health,
    self_harm,
    counseling,
    workload,
    cancel,
    cancel_hardship,
    sad_follow,
    crisis_follow,
    // system and human agent
    transfer,
    agent_intro,
    agent_help,
    agent_crisis,
    agent_support,
    agent_care,
    count_
};
inline constexpr std::size_t phrase_count = static_cast<std::size_t>(phrase::count_);

/// How many variants a phrase has in a language: one to three.
std::size_t variant_count(phrase key, language lang) noexcept;

/// Variant `index` (< variant_count) of a phrase in a language; never empty.
std::string_view text(phrase key, language lang, std::size_t index) noexcept;

}  // namespace vigil::datagen::detail
