// load_policies and policy_store: mistakes come back as diagnostics with positions (never as
// exceptions), and a store swapped while threads decide gives each reader one whole set.
#define BOOST_TEST_MODULE service
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "helpers.hpp"

using namespace service_test;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(loading)

BOOST_AUTO_TEST_CASE(a_string_with_mistakes_gives_diagnostics_with_positions) {
    // Two independent mistakes: a syntax error in one rule, an unknown severity in another.
    const std::string text =
        "policy \"p\" {\n"
        "  rule broken {\n"
        "    require x ==\n"
        "  }\n"
        "  rule odd {\n"
        "    severity huge\n"
        "    require y == 1\n"
        "  }\n"
        "}\n";
    vigil::policy_bundle bundle;
    BOOST_REQUIRE_NO_THROW(bundle = vigil::load_policies({{"<request>", text}}));
    BOOST_TEST(!bundle.ok());
    BOOST_TEST(!bundle.unreadable);
    BOOST_REQUIRE(bundle.sources != nullptr);
    BOOST_TEST(bundle.diagnostics.size() >= 2u);
    BOOST_TEST(vigil::has_errors(bundle.diagnostics));

    const std::string rendered = bundle.render_text();
    BOOST_TEST_MESSAGE(rendered);
    BOOST_TEST(rendered.find("<request>:4:") != std::string::npos);
    BOOST_TEST(rendered.find("<request>:6:") != std::string::npos);
    BOOST_TEST(rendered.find("error[V0") != std::string::npos);

    const json list = bundle.render_json();
    BOOST_REQUIRE(list.is_array());
    BOOST_TEST(list.size() == bundle.diagnostics.size());
    bool saw_severity = false;
    for (const auto& d : list) {
        BOOST_TEST(d["location"]["file"] == "<request>");
        BOOST_TEST(d["location"]["line"].get<int>() >= 2);
        BOOST_TEST(d["code"].get<std::string>().rfind("V0", 0) == 0);
        if (d["location"]["line"] == 6) {
            saw_severity = true;
            BOOST_TEST(d["text"] == "huge");
        }
    }
    BOOST_TEST(saw_severity);
}

BOOST_AUTO_TEST_CASE(a_good_string_and_the_shipped_directory_load) {
    const auto bundle = vigil::load_policies({{"<request>", ask_policy}});
    BOOST_TEST(bundle.ok());
    BOOST_TEST(bundle.diagnostics.empty());
    BOOST_TEST(bundle.render_text().empty());
    BOOST_TEST(bundle.render_json() == json::array());
    BOOST_TEST(vigil::summarize(*bundle.set).size() == 1u);

    const auto folder = vigil::load_policies({{conversation_policies_dir(), {}}});
    BOOST_REQUIRE(folder.ok());
    BOOST_TEST(vigil::summarize(*folder.set).size() == 1u);
    BOOST_TEST(vigil::summarize(*folder.set)[0].rules == 4u);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_unreadable) {
    vigil::policy_bundle bundle;
    BOOST_REQUIRE_NO_THROW(bundle = vigil::load_policies({{"/nonexistent/nowhere.vigil", {}}}));
    BOOST_TEST(!bundle.ok());
    BOOST_TEST(bundle.unreadable);
    BOOST_TEST(bundle.render_text().find("V0501") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE(generations_count_replacements) {
    const auto a = load_text(ask_policy);
    const auto b = load_text(std::string(ask_policy) + "\n# b\n");
    vigil::policy_store store(a);
    BOOST_TEST(store.generation() == 1u);
    BOOST_TEST(store.current() == a);
    BOOST_TEST(store.replace(b) == 2u);
    BOOST_TEST(store.current() == b);
    BOOST_TEST(store.generation() == 2u);
    const vigil::policy_store copy = store;  // copies share one store
    BOOST_TEST(store.replace(a) == 3u);
    BOOST_TEST(copy.current() == a);
    BOOST_CHECK_THROW(store.replace(nullptr), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(swapped_while_four_threads_decide) {
    const auto a = load_text(ask_policy);
    const auto b = load_text(std::string(ask_policy) + "\n# b\n");
    const std::string hash_a = vigil::policy_hash(*a);
    const std::string hash_b = vigil::policy_hash(*b);
    BOOST_REQUIRE(hash_a != hash_b);

    vigil::policy_store store(a);
    vigil::session_table table(store, {});
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> decided{0}, wrong{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            vigil::live_result out;
            std::string error;
            vigil::decision bare;
            int turn = 0;
            while (!stop.load() || turn < 200) {
                ++turn;
                // Conversations of this thread and one shared by all (its turns race: some come
                // out as duplicates or gaps, never as a crash).
                const std::string mine = "c-" + std::to_string(t) + "-" + std::to_string(turn % 7);
                for (const std::string& line : {record(mine, turn / 7 + 1, turn % 3 == 0), record("shared", turn)}) {
                    if (!table.decide(line, clock_type::now(), out, error)) {
                        ++refused;
                        continue;
                    }
                    if (!out.decided) continue;
                    ++decided;
                    if (out.verdict.policy_hash != hash_a && out.verdict.policy_hash != hash_b) ++wrong;
                }
                // A bare evaluator on whatever the store holds now.
                vigil::evaluator judge(store.current());
                if (!judge.decide(record("bare", 1), bare, error)) ++refused;
                if (bare.policy_hash != hash_a && bare.policy_hash != hash_b) ++wrong;
            }
        });
    }
    for (int i = 0; i < 200; ++i) {
        store.replace(i % 2 == 0 ? b : a);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    stop = true;
    for (auto& th : threads) th.join();
    BOOST_TEST(store.generation() == 201u);
    BOOST_TEST(refused.load() == 0u);
    BOOST_TEST(wrong.load() == 0u);
    BOOST_TEST(decided.load() > 0u);
    BOOST_TEST(table.counters().reset_by_reload > 0u);
    for (const auto& d : table.close_all()) BOOST_TEST((d.policy_hash == hash_a || d.policy_hash == hash_b));
    BOOST_TEST(table.counters().open == 0u);
    BOOST_TEST(table.counters().bytes == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
