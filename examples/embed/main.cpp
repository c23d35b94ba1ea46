// A chat service embedding Vigil through its CMake package (find_package(vigil), vigil::service).
// It loads the policies of a folder, decides each turn of a conversation before "sending" it,
// reloads the policies with one more while a second thread keeps deciding, keeps the running set
// when a reload changes only a comment, and shows that a broken policy gives diagnostics and
// leaves the running set in place.
//
// usage: embed POLICY_DIR CONVERSATION.jsonl
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <vigil/service.hpp>

namespace {

// The decision, then one line per finding: what a service acts on (block, add a disclosure, hand
// off to a human) and logs.
void print_decision(const std::string& what, const vigil::decision& d) {
    std::printf("%s: %s\n", what.c_str(), std::string(vigil::decision_name(d.kind)).c_str());
    for (const vigil::finding& f : d.findings) {
        std::string remedies;
        for (const vigil::remedy_out& r : f.remedies)
            remedies += (remedies.empty() ? " [" : ", ") + r.kind + (r.argument.empty() ? "" : " " + r.argument);
        if (!remedies.empty()) remedies += "]";
        std::printf("  %s %s/%s: %s%s\n", std::string(vigil::outcome_name(f.result)).c_str(), f.policy.c_str(),
                    f.rule.c_str(), f.message.c_str(), remedies.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: embed POLICY_DIR CONVERSATION.jsonl\n");
        return 2;
    }
    const std::string policy_dir = argv[1];

    // 1. Load, check and compile. A mistake in a policy is a diagnostic, never an exception.
    const vigil::policy_bundle bundle = vigil::load_policies({{policy_dir, std::nullopt}});
    if (!bundle.ok()) {
        std::fputs(bundle.render_text().c_str(), stderr);
        return 3;
    }
    vigil::policy_store store(bundle.set);
    for (const vigil::policy_summary& p : vigil::summarize(*store.current()))
        std::printf("loaded %s %s (%zu rules)\n", p.name.c_str(), p.version.c_str(), p.rules);

    // 2. One table of live conversations for the whole service, fed from any thread.
    vigil::session_options options;
    options.idle = std::chrono::minutes(30);
    options.max_bytes = 64u << 20;
    vigil::session_table sessions(store, options);

    std::ifstream in(argv[2]);
    vigil::live_result result;
    std::string error;
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        const std::string what = "line " + std::to_string(++line_no);
        if (!sessions.decide(line, std::chrono::steady_clock::now(), result, error)) {
            std::printf("%s: refused: %s\n", what.c_str(), error.c_str());
        } else if (!result.decided) {
            std::printf("%s (%s): not decided again\n", what.c_str(), result.placement.c_str());
        } else {
            std::string place = result.placement;
            if (place == "gap")
                place += ", turns " + std::to_string(result.missing_first) + "-" + std::to_string(result.missing_last) +
                         " never came";
            print_decision(what + " " + result.verdict.record_id.get<std::string>() + " (" + place + ")",
                           result.verdict);
        }
    }

    // 3. Reload with one more policy while a second thread decides: each of its decisions is made
    // whole under one set, the old one or the new one. Loading and checking happen off the request
    // path; only the replace is seen by the deciding threads.
    std::vector<vigil::policy_input> files = {{policy_dir, std::nullopt}, {"<upload>", R"(policy "review" {
  rule sensitive_ai_turns_are_reviewed {
    when speaker == "ai" and "debt" in signals.topics
    require review.human_reviewed
  }
}
)"}};
    const vigil::policy_bundle reloaded = vigil::load_policies(files);
    if (!reloaded.ok()) {
        std::fputs(reloaded.render_text().c_str(), stderr);
        return 3;
    }
    const std::string old_hash = vigil::policy_hash(*store.current());
    const std::string new_hash = vigil::policy_hash(*reloaded.set);
    std::atomic<int> decided{0}, under_neither{0};
    std::thread worker([&] {
        vigil::live_result r;
        std::string e;
        for (int turn = 1; turn <= 2000; ++turn) {
            const std::string record = R"({"id":"w-)" + std::to_string(turn) +
                                       R"(","conversation_id":"c-worker","turn":)" + std::to_string(turn) +
                                       R"(,"timestamp":"2026-03-02T11:00:00Z","speaker":"user","text":"hello"})";
            if (!sessions.decide(record, std::chrono::steady_clock::now(), r, e) || !r.decided) continue;
            ++decided;
            if (r.verdict.policy_hash != old_hash && r.verdict.policy_hash != new_hash) ++under_neither;
        }
    });
    // Replace only when the meaning changed: a replace starts every live conversation over.
    if (vigil::meaning_hash(*reloaded.set) != vigil::meaning_hash(*store.current()))
        std::printf("reloaded: generation %llu\n", (unsigned long long)store.replace(reloaded.set));
    worker.join();
    std::printf("second thread: %d turns decided, %d under neither set\n", decided.load(), under_neither.load());

    // The same files with a comment more: the same meaning, so the running set and its
    // conversations stay.
    files[1].text = "# reviewed by compliance\n" + *files[1].text;
    const vigil::policy_bundle commented = vigil::load_policies(files);
    if (commented.ok() && vigil::meaning_hash(*commented.set) == vigil::meaning_hash(*store.current()))
        std::printf("reloaded a comment: same meaning, still generation %llu\n",
                    (unsigned long long)store.generation());

    // 4. A policy that does not check never replaces the running set; its diagnostics say why.
    const vigil::policy_bundle broken = vigil::load_policies(
        {{"<upload>", "policy \"late\" {\n  rule r {\n    severity urgent\n    require speaker ==\n  }\n}\n"}});
    if (!broken.ok())
        std::printf("upload refused, still generation %llu:\n%s", (unsigned long long)store.generation(),
                    broken.render_text().c_str());

    // 5. Shutdown: every open conversation ends, with its end-of-conversation findings.
    std::printf("open conversations: %llu\n", (unsigned long long)sessions.counters().open);
    for (const vigil::decision& d : sessions.close_all())
        print_decision("closed " + d.conversation_id.get<std::string>(), d);
    return 0;
}
