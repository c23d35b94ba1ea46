// What the embeddable API costs per record (docs/integration-guide.md, "What it costs"): CPU time
// per call of each deciding thread, so that a machine shared with other work still gives usable
// figures. Prints what it measured.
//
//   session_bench [POLICY_PATH [RECORDS]]   (defaults: tests/embed/policies, 20000 generated records, seed 3)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <ctime>
#include <unordered_map>
#include <vigil/datagen.hpp>
#include <vigil/service.hpp>

using clk = std::chrono::steady_clock;

template <class F>
double per_call_ns(int threads, long iters, F&& body) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> ts;
    std::vector<double> ns(threads);
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            ++ready;
            while (!go) {}
            timespec a{}, b{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
            body(t, iters);
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
            ns[t] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / iters;
        });
    while (ready < threads) {}
    go = true;
    for (auto& th : ts) th.join();
    double sum = 0;
    for (double x : ns) sum += x;
    return sum / threads;
}

int main(int argc, char** argv) {
    const std::string policy = argc > 1 ? argv[1] : std::string(VIGIL_SOURCE_DIR) + "/tests/embed/policies";
    auto bundle = vigil::load_policies({{policy, std::nullopt}});
    if (!bundle.ok()) { std::fputs(bundle.render_text().c_str(), stderr); return 3; }
    std::vector<std::string> lines;
    vigil::datagen::options generated;
    generated.records = argc > 2 ? std::stoul(argv[2]) : 20000;
    generated.seed = 3;
    vigil::datagen::generate(generated, [&](std::string_view line) { lines.emplace_back(line); });
    std::printf("%zu generated records, policies %s\n", lines.size(), policy.c_str());
    vigil::policy_store store(bundle.set);

    // policy_store::current() (a shared_ptr copied under the store's mutex) vs a bare mutex and copy.
    std::mutex m;
    std::shared_ptr<const vigil::compiled_set> guarded = bundle.set;
    for (int threads : {1, 2, 4}) {
        const long n = 5'000'000;
        double a = per_call_ns(threads, n, [&](int, long k) { for (long i = 0; i < k; ++i) { auto p = store.current(); asm volatile("" ::"r"(p.get())); } });
        double b = per_call_ns(threads, n, [&](int, long k) { for (long i = 0; i < k; ++i) { std::shared_ptr<const vigil::compiled_set> p; { std::lock_guard g(m); p = guarded; } asm volatile("" ::"r"(p.get())); } });
        std::printf("current(), %d threads: policy_store %.1f ns, bare mutex+copy %.1f ns\n", threads, a, b);
    }

    // decide(): bare evaluator with a rule_state per conversation (map lookup excluded: one state) vs session_table.
    const long n = (long)lines.size();
    {
        vigil::evaluator judge(store.current());
        vigil::decision d; std::string e;
        double stateless = per_call_ns(1, n, [&](int, long k) { for (long i = 0; i < k; ++i) (void)judge.decide(lines[i], d, e); });
        std::printf("bare evaluator::decide(json): %.0f ns/record\n", stateless);
    }
    for (int threads : {1, 2}) {
        // A bare evaluator per thread with one rule_state per conversation, looked up by id after peek().
        double t = per_call_ns(threads, n, [&](int, long k) {
            vigil::evaluator judge(store.current());
            std::unordered_map<std::string, vigil::rule_state> states;
            vigil::decision d; std::string e; vigil::record_key key;
            for (long i = 0; i < k; ++i) {
                if (!vigil::peek(lines[i], key, e) || !key.ordered()) { (void)judge.decide(lines[i], d, e); continue; }
                (void)judge.decide(lines[i], states[key.conversation_id], d, e);
            }
        });
        std::printf("bare evaluator + rule_state map, %d threads: %.0f ns/record per thread (%.0f records/s total)\n", threads, t, threads * 1e9 / t);
    }
    {
        vigil::conversation_tracker tr(store.current(), {0, 365LL*24*3600*1000});
        double t = per_call_ns(1, n, [&](int, long k) { for (long i = 0; i < k; ++i) tr.feed(lines[i], i + 1, [](const vigil::conversation_event&) {}); });
        std::printf("conversation_tracker (window 0) feed: %.0f ns/record\n", t);
    }
    for (int threads : {1, 2}) {
        vigil::session_options o; o.idle = std::chrono::hours(1000);
        vigil::session_table table(store, o);
        // each thread its own slice of conversations: prefix ids with the thread number
        std::vector<std::vector<std::string>> mine(threads);
        for (int t = 0; t < threads; ++t)
            for (auto& l : lines) { std::string x = l; auto p = x.find("\"conversation_id\":\""); if (p != std::string::npos) x.insert(p + 19, "t" + std::to_string(t) + "-"); mine[t].push_back(x); }
        double t = per_call_ns(threads, n, [&](int th, long k) {
            vigil::live_result r; std::string e; auto now = clk::now();
            for (long i = 0; i < k; ++i) (void)table.decide(mine[th][i], now, r, e);
        });
        auto c = table.counters();
        std::printf("session_table::decide, %d threads: %.0f ns/record per thread (%.0f records/s total); open %llu, %llu bytes (%.0f B/conversation)\n",
                    threads, t, threads * 1e9 / t, (unsigned long long)c.open, (unsigned long long)c.bytes, (double)c.bytes / c.open);
    }
    // Eviction steady state: cap at 1000 conversations' worth.
    {
        vigil::session_options o; o.max_bytes = 1000 * 700;
        vigil::session_table table(store, o);
        double t = per_call_ns(1, n, [&](int, long k) { vigil::live_result r; std::string e; auto now = clk::now();
            for (long i = 0; i < k; ++i) { now += std::chrono::microseconds(1); (void)table.decide(lines[i], now, r, e); } });
        auto c = table.counters();
        std::printf("session_table::decide under a %zu-byte cap: %.0f ns/record; evicted %llu, open %llu\n", o.max_bytes, t, (unsigned long long)c.evicted, (unsigned long long)c.open);
    }
}
