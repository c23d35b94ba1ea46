#pragma once
// Helpers for the service tests: policies loaded through load_policies, records of a small
// conversation, and clock points.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "vigil/datagen.hpp"
#include "vigil/service.hpp"

namespace service_test {

using compiled = std::shared_ptr<const vigil::compiled_set>;
using clock_type = std::chrono::steady_clock;

/// The lines vigil::datagen writes for `options`, in order.
inline std::vector<std::string> generated_log(const vigil::datagen::options& options) {
    std::vector<std::string> lines;
    vigil::datagen::generate(options, [&](std::string_view line) { lines.emplace_back(line); });
    return lines;
}

/// Loads policy text (or files, or directories) with load_policies; fails the test with the
/// rendered diagnostics when it does not check.
inline compiled load_or_fail(const std::vector<vigil::policy_input>& inputs) {
    const vigil::policy_bundle bundle = vigil::load_policies(inputs);
    BOOST_REQUIRE_MESSAGE(bundle.ok(), "policies do not check:\n" << bundle.render_text());
    return bundle.set;
}

inline compiled load_text(const std::string& text, const std::string& name = "<test>") {
    return load_or_fail({{name, text}});
}

/// Conversation-aware policies (first, earlier, streak, count_last, `then`) on the fields that
/// vigil::datagen writes: the fixed set of the embed_example test, a copy of the shipped
/// conversation duties that does not move with the shipped library.
inline std::string conversation_policies_dir() {
    return std::string(VIGIL_SOURCE_DIR) + "/tests/embed/policies";
}

inline compiled conversation_policies() {
    return load_or_fail({{conversation_policies_dir(), {}}});
}

/// A deferred obligation (an `ask` must be answered within 2 turns) and a per-turn rule (a turn
/// with `flag` is denied): finish() has something to report while an ask is open.
inline const char* const ask_policy = R"(
policy "t" {
  version "1"
  rule answered {
    severity high
    when ask == true
    then within 2 turns require answered == true
    message "a question was not answered"
    remedy review
  }
  rule flagged {
    severity high
    forbid flag default false
    message "flagged"
    remedy block
  }
}
)";

/// A record of `conversation` at `turn`.
inline std::string record(const std::string& conversation, std::int64_t turn, bool ask = false, bool flag = false) {
    char text[256];
    std::snprintf(text, sizeof text,
                  R"({"id":"r-%s-%lld","conversation_id":"%s","turn":%lld,"ask":%s,"answered":false,"flag":%s})",
                  conversation.c_str(), static_cast<long long>(turn), conversation.c_str(),
                  static_cast<long long>(turn), ask ? "true" : "false", flag ? "true" : "false");
    return text;
}

/// A fixed clock point plus `ms` milliseconds.
inline clock_type::time_point at(std::int64_t ms) {
    return clock_type::time_point{} + std::chrono::hours(1000) + std::chrono::milliseconds(ms);
}

}  // namespace service_test
