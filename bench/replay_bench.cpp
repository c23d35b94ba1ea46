// What a replay costs, beside the floor of parsing the same log: records/s and MB/s of
// `vigil replay` with the shipped policies on a generated log, for 1 and 2 threads, and of two
// parse-only passes (read every line and parse it with simdjson, evaluate nothing): On Demand, the
// parser replay uses, visiting every value; and the DOM parser. BM_ReplayShare times a parse-only
// pass and a replay back to back, many times, for the share of the parse-only rate a replay
// reaches on a machine whose speed swings from minute to minute; BM_ReplayOneCore does the same
// with every thread on one core, for cores of unequal speed. BM_ReplayGzip replays the same log
// gzip-compressed, and BM_ReadLines reads it, plain and compressed, with replay's line reader
// alone: the most its one reader thread can hand to the workers.
//
//   replay_bench [--records=N] [benchmark flags]     (default N = 200000)
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sched.h>
#include <unistd.h>

#include <simdjson.h>
#include <zlib.h>

#include "vigil/check.hpp"
#include "vigil/datagen.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/line_reader.hpp"
#include "vigil/parse.hpp"
#include "vigil/replay.hpp"
#include "vigil/threads.hpp"

namespace {

std::size_t record_count = 200000;

const std::string& log_file() {
    static const std::string path = [] {
        const auto p = std::filesystem::temp_directory_path() /
                       ("vigil-replay-bench-" + std::to_string(record_count) + ".jsonl");
        vigil::datagen::options opts;
        opts.records = record_count;
        opts.seed = 2026;
        vigil::datagen::write_file(opts, p.string());
        // The kernel writes the file out in the background otherwise, during the first benchmark.
        ::sync();
        return p.string();
    }();
    return path;
}

// The same log compressed as gzip compresses by default (level 6), as rotated logs are kept.
const std::string& gzip_log_file() {
    static const std::string path = [] {
        const std::string gz = log_file() + ".gz";
        std::ifstream in(log_file(), std::ios::binary);
        gzFile out = gzopen(gz.c_str(), "wb6");
        if (out == nullptr) throw std::runtime_error("cannot write " + gz);
        std::vector<char> chunk(1 << 20);
        while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
            if (gzwrite(out, chunk.data(), static_cast<unsigned>(in.gcount())) <= 0)
                throw std::runtime_error("cannot write " + gz);
        }
        if (gzclose(out) != Z_OK) throw std::runtime_error("cannot write " + gz);
        ::sync();
        return gz;
    }();
    return path;
}

std::shared_ptr<const vigil::compiled_set> shipped_policies() {
    static const auto set = [] {
        auto loaded = vigil::load({{std::string(VIGIL_SOURCE_DIR) + "/policies", std::nullopt}});
        auto checked = vigil::check(std::move(*loaded.value));
        if (!checked.ok()) throw std::runtime_error("the shipped policies do not check");
        auto compiled = vigil::compile(std::move(*checked.value));
        if (!compiled.ok()) throw std::runtime_error("the shipped policies do not compile");
        return *compiled.value;
    }();
    return set;
}

struct pass_size {
    std::size_t lines = 0;
    std::size_t bytes = 0;
};

// Reads the log line by line and hands each line to `parse`, which says whether it parsed.
template <typename Parse>
pass_size parse_log_once(benchmark::State& state, Parse&& parse) {
    pass_size size;
    std::ifstream in(log_file());
    for (std::string line; std::getline(in, line);) {
        if (!parse(line)) state.SkipWithError("parse");
        ++size.lines;
        size.bytes += line.size() + 1;
    }
    return size;
}

// A parse-only benchmark: the whole log parsed once an iteration.
template <typename Parse>
void parse_log(benchmark::State& state, Parse&& parse) {
    pass_size total;
    for (auto _ : state) {
        const pass_size once = parse_log_once(state, parse);
        total.lines += once.lines;
        total.bytes += once.bytes;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(total.lines));
    state.SetBytesProcessed(static_cast<std::int64_t>(total.bytes));
}

// The floor with the parser replay uses: simdjson On Demand, every value visited, every string and
// number read.
void BM_ParseOnlyLog(benchmark::State& state) {
    vigil::evaluator judge(shipped_policies());
    std::string error;
    parse_log(state, [&](const std::string& line) { return judge.parse_only(line, error); });
}
BENCHMARK(BM_ParseOnlyLog)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The same with simdjson's DOM parser, which builds the whole document (every string unescaped,
// every number converted) in one pass: a lower floor than On Demand's walk of every value. Replay
// does not use it: its findings quote objects from the record's own text, which a DOM document
// does not keep.
void BM_ParseOnlyLogDom(benchmark::State& state) {
    simdjson::dom::parser parser;
    std::vector<char> padded;
    parse_log(state, [&](const std::string& line) {
        padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
        std::memcpy(padded.data(), line.data(), line.size());
        simdjson::dom::element root;
        return parser.parse(padded.data(), line.size(), false).get(root) == simdjson::SUCCESS;
    });
}
BENCHMARK(BM_ParseOnlyLogDom)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void replay_log(benchmark::State& state, const std::string& log) {
    vigil::replay::options opts;
    opts.logs = {log};
    opts.threads = static_cast<std::size_t>(state.range(0));
    std::size_t lines = 0, bytes = 0, written = 0;
    for (auto _ : state) {
        const auto summary =
            vigil::replay::run(shipped_policies(), opts, [&](std::string_view chunk) { written += chunk.size(); });
        lines += summary.lines;
        bytes += summary.bytes;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(lines));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.counters["findings_MB"] = static_cast<double>(written) / 1e6 / static_cast<double>(state.iterations());
}

void BM_Replay(benchmark::State& state) {
    replay_log(state, log_file());
}
BENCHMARK(BM_Replay)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The same log gzip-compressed: bytes/s are those of the uncompressed records.
void BM_ReplayGzip(benchmark::State& state) {
    replay_log(state, gzip_log_file());
}
BENCHMARK(BM_ReplayGzip)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// What replay's one reader thread can hand out: every line of the log read with its line reader,
// plain (0) or gzip (1), and nothing else. However many workers there are, a replay runs no
// faster than this.
void BM_ReadLines(benchmark::State& state) {
    const std::string& log = state.range(0) == 0 ? log_file() : gzip_log_file();
    std::size_t lines = 0, bytes = 0;
    for (auto _ : state) {
        vigil::replay::line_reader reader;
        std::string error;
        if (!reader.open(log, error)) state.SkipWithError(error.c_str());
        for (std::string_view line; reader.next(line);) {
            ++lines;
            bytes += reader.line_bytes();
        }
        if (reader.failed()) state.SkipWithError(reader.error().c_str());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(lines));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_ReadLines)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// Each iteration: the On Demand parse-only pass, then a replay with `threads` workers right after
// it. The reported time is the replay's; `share_pct` is the mean over the iterations of the
// replay's rate as a percentage of the parse-only rate of the same iteration.
void BM_ReplayShare(benchmark::State& state) {
    using clock = std::chrono::steady_clock;
    vigil::evaluator judge(shipped_policies());
    std::string error;
    vigil::replay::options opts;
    opts.logs = {log_file()};
    opts.threads = static_cast<std::size_t>(state.range(0));
    double parse_rates = 0, replay_rates = 0, shares = 0;
    for (auto _ : state) {
        const auto start = clock::now();
        const pass_size parsed =
            parse_log_once(state, [&](const std::string& line) { return judge.parse_only(line, error); });
        const auto parsed_at = clock::now();
        const auto summary = vigil::replay::run(shipped_policies(), opts, [](std::string_view) {});
        const auto replayed_at = clock::now();
        const double parse_rate =
            static_cast<double>(parsed.lines) / std::chrono::duration<double>(parsed_at - start).count();
        const double replay_rate =
            static_cast<double>(summary.lines) / std::chrono::duration<double>(replayed_at - parsed_at).count();
        state.SetIterationTime(std::chrono::duration<double>(replayed_at - parsed_at).count());
        parse_rates += parse_rate;
        replay_rates += replay_rate;
        shares += replay_rate / parse_rate;
    }
    const auto n = static_cast<double>(state.iterations());
    state.counters["parse_only_per_s"] = parse_rates / n;
    state.counters["replay_per_s"] = replay_rates / n;
    state.counters["share_pct"] = 100 * shares / n;
}
BENCHMARK(BM_ReplayShare)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(5);

// BM_ReplayShare with every thread on the one core the benchmark runs on: the two cores of a
// virtual machine can differ in speed by half and more, and a pass on the fast one beside a pass
// on the slow one measures the cores, not replay. Each iteration: the On Demand parse-only pass,
// then a one-worker replay, whose reader, worker and writer threads share that core.
// `one_core_share_pct`: the replay's rate against the parse-only rate, all of it on one core (the
// measure of "records/s on one core"). `worker_share_pct`: records per second of the worker's own
// CPU time against records per second of the parse-only pass's CPU time (the measure of one worker,
// the reader and the writer left out).
void BM_ReplayOneCore(benchmark::State& state) {
    using clock = std::chrono::steady_clock;
    cpu_set_t all, one;
    if (sched_getaffinity(0, sizeof all, &all) != 0) {
        state.SkipWithError("cannot read the CPU affinity");
        return;
    }
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {  // the threads replay starts inherit it
        state.SkipWithError("cannot pin to one CPU");
        return;
    }
    vigil::evaluator judge(shipped_policies());
    std::string error;
    vigil::replay::options opts;
    opts.logs = {log_file()};
    opts.threads = 1;
    double one_core = 0, worker = 0;
    for (auto _ : state) {
        const auto start = clock::now();
        const double cpu_start = vigil::thread_cpu_seconds();
        const pass_size parsed =
            parse_log_once(state, [&](const std::string& line) { return judge.parse_only(line, error); });
        const double parse_cpu = vigil::thread_cpu_seconds() - cpu_start;
        const auto parsed_at = clock::now();
        const auto summary = vigil::replay::run(shipped_policies(), opts, [](std::string_view) {});
        const auto replayed_at = clock::now();
        const auto lines = static_cast<double>(parsed.lines);
        const double parse_rate = lines / std::chrono::duration<double>(parsed_at - start).count();
        const double replay_rate =
            static_cast<double>(summary.lines) / std::chrono::duration<double>(replayed_at - parsed_at).count();
        state.SetIterationTime(std::chrono::duration<double>(replayed_at - parsed_at).count());
        one_core += replay_rate / parse_rate;
        worker += (static_cast<double>(summary.lines) / summary.worker_cpu_seconds) / (lines / parse_cpu);
    }
    sched_setaffinity(0, sizeof all, &all);
    const auto n = static_cast<double>(state.iterations());
    state.counters["one_core_share_pct"] = 100 * one_core / n;
    state.counters["worker_share_pct"] = 100 * worker / n;
    state.counters["cpu"] = sched_getcpu();
}
BENCHMARK(BM_ReplayOneCore)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(5);

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--records=", 10) == 0) record_count = std::stoul(argv[i] + 10);
    }
    benchmark::Initialize(&argc, argv);
    std::printf("log: %zu generated records in %s\n", record_count, log_file().c_str());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
