// The replay pipeline: one reader (the calling thread), N workers, one writer.
//
//   reader:  reads lines, peeks each, fills a batch of `batch_lines` lines (which stay where the
//            line reader read them: the batch holds its buffers), routes every line to
//            the worker that owns its conversation (FNV-1a of the id; lines without one by their
//            position), notes the log time (the latest timestamp so far), and hands the batch to
//            every worker and to the writer. At most `in_flight` batches exist at once.
//   worker:  feeds its lines of the batch to its tracker (phase feed), records how many
//            conversations are open, expires the idle ones at the batch's log time (phase expire)
//            and, after the last batch, closes the rest (phase finish). Every event is rendered and
//            counted at once; its text is filed under (phase, cause).
//   writer:  takes batches in order, waits until every worker is done with one, and writes the
//            texts sorted by (phase, cause). Each cause belongs to one conversation, hence to one
//            worker, and within a worker the texts of a cause are contiguous, so this is the
//            order a single tracker fed the whole stream gives, whatever the number of workers.

#include "vigil/replay.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>

#include "tally.hpp"
#include "vigil/calendar.hpp"
#include "vigil/line_reader.hpp"

namespace vigil::replay {

namespace {

using detail::line_id;
using detail::tally;

enum class phase : std::uint8_t { feed, expire, finish };

struct line_slot {
    const char* text = nullptr;  // in a buffer the batch holds; null: at `offset` in batch::text
    std::size_t offset = 0;
    std::size_t length = 0;
    peeked_line peeked;
};

// Which line a slot holds, and the log time up to it. Apart from the slots, so that placing an idle
// conversation's closing searches a small array.
struct line_clock {
    line_id id = 0;
    bool timed = false;         // the log had a timestamp up to this line ...
    std::int64_t log_time = 0;  // ... the latest, in ms: the log time its worker judges idleness by
};

// Which pieces of its worker's output hold the lines of one cause's events, in emission order.
struct filed_text {
    phase when = phase::feed;
    std::uint64_t cause = 0;
    bool placed = false;     // an idle conversation's closing, before the events of line `cause`
    std::uint64_t rank = 0;  // placed: the order of such closings (their last lines)
    std::size_t first_piece = 0;
    std::size_t pieces = 0;

    // The order of the findings file: what one tracker fed the whole stream would emit.
    [[nodiscard]] auto key() const { return std::make_tuple(when, cause, !placed, rank); }
};

// Each worker writes its own output for every finding: on cache lines of its own, or the workers'
// writes would keep taking the same line from each other.
struct alignas(64) worker_output {
    detail::rendered lines;  // every event's lines of the batch
    std::vector<filed_text> texts;
    std::size_t open_after_feed = 0;
};

struct batch {
    std::vector<std::shared_ptr<const void>> held;  // the line reader's buffers its lines lie in
    std::string text;                // records that do not lie in those buffers: a record member, a long line
    std::vector<line_slot> lines;    // the first `used`; the rest keep their buffers
    std::vector<line_clock> clocks;  // one per line slot
    std::size_t used = 0;
    std::size_t bytes = 0;                           // of the lines' records
    std::vector<std::vector<std::uint32_t>> routes;  // per worker: indices into lines
    bool timed = false;                              // some timestamp was seen so far ...
    std::int64_t now = 0;                            // ... the latest, in ms
    bool last = false;
    std::vector<worker_output> out;  // per worker
    worker_output from_reader;       // the reader's own lines: files it could not read to the end
    std::size_t pending = 0;         // workers not done with it (guarded by pipeline::done_mutex)
};

using batch_ptr = std::shared_ptr<batch>;

// The first line of the batch after `last_line` whose log time is later than `deadline`: where a
// conversation idle since then closes (conversation_tracker::idle_placer). Lines are in order and
// log time never goes back, so it is a partition point.
std::optional<std::uint64_t> first_line_past(const batch& b, std::uint64_t last_line, std::int64_t deadline) {
    const auto end = b.clocks.begin() + static_cast<std::ptrdiff_t>(b.used);
    const auto at = std::partition_point(b.clocks.begin(), end, [&](const line_clock& line) {
        return line.id <= last_line || !line.timed || line.log_time <= deadline;
    });
    if (at == end) return std::nullopt;
    return at->id;
}

// Batches come back here when the last thread lets go of one, and are handed out again with their
// buffers at full size: a new batch of several megabytes would cost a page fault per page.
class batch_pool {
public:
    explicit batch_pool(std::size_t workers) : m_workers(workers) {}
    ~batch_pool() {
        for (batch* b : m_free) delete b;
    }
    batch_pool(const batch_pool&) = delete;
    batch_pool& operator=(const batch_pool&) = delete;

    batch_ptr take() {
        batch* b = nullptr;
        {
            std::lock_guard lock(m_mutex);
            if (!m_free.empty()) {
                b = m_free.back();
                m_free.pop_back();
            }
        }
        if (b == nullptr) {
            b = new batch;
            b->routes.resize(m_workers);
            b->out.resize(m_workers);
        }
        return batch_ptr(b, [this](batch* done) { give_back(done); });
    }

private:
    void give_back(batch* b) {
        b->held.clear();  // the line reader may read into them again
        b->text.clear();
        b->bytes = 0;
        b->used = 0;
        for (auto& r : b->routes) r.clear();
        b->timed = false;
        b->now = 0;
        b->last = false;
        for (auto& o : b->out) {
            o.lines.clear();
            o.texts.clear();
            o.open_after_feed = 0;
        }
        b->from_reader.lines.clear();
        b->from_reader.texts.clear();
        b->pending = 0;
        std::lock_guard lock(m_mutex);
        m_free.push_back(b);
    }

    std::size_t m_workers;
    std::mutex m_mutex;
    std::vector<batch*> m_free;
};

// A queue of batches for one consumer. Its length is bounded by the batches in flight.
class batch_queue {
public:
    void push(batch_ptr b) {
        {
            std::lock_guard lock(m_mutex);
            m_items.push_back(std::move(b));
        }
        m_ready.notify_one();
    }
    // Null once closed and empty.
    batch_ptr pop() {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [&] { return !m_items.empty() || m_closed; });
        if (m_items.empty()) return nullptr;
        batch_ptr b = std::move(m_items.front());
        m_items.pop_front();
        return b;
    }
    void close() {
        {
            std::lock_guard lock(m_mutex);
            m_closed = true;
        }
        m_ready.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<batch_ptr> m_items;
    bool m_closed = false;
};

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}

std::uint64_t file_size(const std::string& path) {
    struct stat st {};
    if (path == "-" || ::stat(path.c_str(), &st) != 0) return 0;
    return static_cast<std::uint64_t>(st.st_size);
}

std::string human_count(double n) {
    char buf[32];
    if (n >= 1e9)
        std::snprintf(buf, sizeof buf, "%.1fG", n / 1e9);
    else if (n >= 1e6)
        std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
    else if (n >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
}

// A one-line progress bar on stderr, redrawn at most five times a second.
class progress_bar {
public:
    progress_bar(bool on, std::uint64_t total_bytes) : m_on(on), m_total(total_bytes) {}

    void update(std::uint64_t raw_bytes, std::uint64_t lines, double elapsed, bool force = false) {
        if (!m_on || (!force && elapsed - m_drawn < 0.2)) return;
        m_drawn = elapsed;
        const double fraction =
            m_total ? std::min(1.0, static_cast<double>(raw_bytes) / static_cast<double>(m_total)) : 0;
        constexpr int width = 30;
        const int filled = static_cast<int>(fraction * width);
        std::string bar(static_cast<std::size_t>(filled), '=');
        if (filled < width) bar += '>';
        bar.resize(width, ' ');
        const double rate = elapsed > 0 ? static_cast<double>(lines) / elapsed : 0;
        char eta[32] = "--:--";
        if (fraction > 0.001 && elapsed > 0.5) {
            const auto left = static_cast<long>(elapsed * (1 - fraction) / fraction);
            std::snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", left / 3600, left / 60 % 60, left % 60);
        }
        std::fprintf(stderr, "\r[%s] %3.0f%%  %s lines  %s lines/s  ETA %s   ", bar.c_str(), fraction * 100,
                     human_count(static_cast<double>(lines)).c_str(), human_count(rate).c_str(), eta);
        std::fflush(stderr);
    }

    void clear() {
        if (!m_on) return;
        std::fprintf(stderr, "\r%*s\r", 90, "");
        std::fflush(stderr);
    }

private:
    bool m_on;
    std::uint64_t m_total;
    double m_drawn = -1;
};

class pipeline {
public:
    pipeline(std::shared_ptr<const compiled_set> set, const options& opts, const output& findings, std::size_t threads)
        : m_set(std::move(set)),
          m_opts(opts),
          m_findings(findings),
          m_threads(threads),
          m_in_flight_limit(threads + 2),
          m_pool(threads),
          m_queues(threads) {
        m_files = opts.logs;
    }

    summary run() {
        const auto start = std::chrono::steady_clock::now();
        summary s;
        s.policy_hash = policy_hash(*m_set);
        s.policy_files = policy_files(*m_set);
        s.logs_hashed = m_opts.hash_logs;
        s.tracking = m_opts.tracking;
        s.batch_lines = m_opts.batch_lines;
        s.batch_bytes = m_opts.batch_bytes;
        s.max_line = m_opts.max_line;
        s.threads = m_threads;

        s.record_member = m_opts.record_member;
        s.vigil_version = VIGIL_VERSION;

        // Every file must open before anything is evaluated.
        s.unreadable = unopenable_logs(m_files);
        if (!s.unreadable.empty()) return s;

        m_tallies.resize(m_threads);
        // The carried fields, and the whole replay after them (tally::groups).
        for (auto& t : m_tallies) t.groups.resize(carried_fields(*m_set).size() + 1);
        m_worker_cpu.resize(m_threads);
        m_profiles.resize(m_opts.profile ? m_threads : 0);
        m_busy_ticks.resize(m_profiles.size());
        const tick_rate ticks;
        std::vector<std::thread> workers;
        for (std::size_t w = 0; w < m_threads; ++w) workers.emplace_back([this, w] { work(w); });
        std::thread writer([this] { write(); });

        try {
            const double reader_start = thread_cpu_seconds();
            read(s, start);
            s.reader_cpu_seconds = thread_cpu_seconds() - reader_start;
        } catch (...) {
            fail(std::current_exception());
        }
        for (auto& q : m_queues) q.close();
        m_writer_queue.close();
        for (auto& t : workers) t.join();
        writer.join();
        if (m_error) std::rethrow_exception(m_error);

        tally total;
        for (const auto& t : m_tallies) total.merge(t);
        s.decided = total.decided;
        s.malformed = total.malformed;
        s.without_record = m_without_record;
        s.blank_lines = m_blank_lines;
        for (const auto& [id, error] : total.first_malformed)
            s.first_malformed.push_back({m_files[detail::file_of(id)], detail::line_of(id), error});
        s.duplicates = total.duplicates;
        s.out_of_order = total.out_of_order;
        s.gaps = total.gaps;
        s.gaps_at_start = total.gaps_at_start;
        s.missing_turns = total.missing_turns;
        s.conversations = total.conversations;
        s.resumed = total.resumed;
        s.alone = total.alone;
        s.untimed = total.untimed;
        s.audited = m_opts.audited;
        s.before_period = total.before_period;
        s.after_period = total.after_period;
        s.outside_effect = total.outside;
        for (const line_id id : total.first_outside)
            s.first_outside.push_back({m_files[detail::file_of(id)], detail::line_of(id)});
        std::copy(std::begin(total.decisions), std::end(total.decisions), std::begin(s.decisions));
        s.violations = total.violations;
        s.undetermined = total.undetermined;
        s.by_severity = total.by_severity;
        for (const auto& entry : total.by_rule) s.by_rule.push_back(entry.second);
        add_spread(total, s);
        s.breakdowns = breakdowns_of(total);
        s.peak_open = m_peak_open;
        if (m_timed) {
            s.first_log_time = format_rfc3339(m_earliest);
            s.last_log_time = format_rfc3339(m_now);
        }
        s.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (const double cpu : m_worker_cpu) s.worker_cpu_seconds += cpu;
        if (m_opts.profile) {
            evaluation_profile workers_profile;
            for (const auto& p : m_profiles) workers_profile.add(p);
            const double per_second = ticks.per_second();
            s.profile = profile_report(workers_profile, *m_set, per_second, "write findings");
            for (const std::uint64_t busy : m_busy_ticks) s.profiled_seconds += static_cast<double>(busy) / per_second;
        }
        return s;
    }

private:
    std::vector<breakdown> breakdowns_of(const tally& total) const {
        std::vector<breakdown> out;
        const auto& fields = carried_fields(*m_set);
        for (std::size_t field = 0; field < fields.size(); ++field) {
            breakdown& b = out.emplace_back();
            b.field = fields[field];
            const detail::field_counts& values = total.groups[field];
            if (values.too_long) {
                b.not_counted = "a value is longer than " + std::to_string(max_group_value_bytes) + " bytes";
            } else if (values.too_many) {
                b.not_counted = "it has more than " + std::to_string(max_group_values) + " values";
            }
            if (!values.counted()) continue;
            detail::group_counts all;  // every value together
            for (const auto& entry : values.values) detail::add_counts(all, entry.second);
            for (const auto& [value, counts] : values.values) b.groups.push_back(group_of(value, counts, all));
            std::sort(b.groups.begin(), b.groups.end(), [](const group_tally& x, const group_tally& y) {
                return x.records != y.records ? x.records > y.records : x.value < y.value;
            });
        }
        return out;
    }

    static group_tally group_of(const std::string& value, const detail::group_counts& counts,
                                const detail::group_counts& all) {
        group_tally g;
        g.value = value;
        g.records = counts.records;
        g.conversations = counts.conversations;
        g.violations = counts.violations;
        g.undetermined = counts.undetermined;
        for (std::size_t r = 0; r < all.by_rule.size(); ++r) {
            if (all.by_rule[r].rule.empty()) continue;
            auto& entry = g.by_rule.emplace_back();
            entry.counts = all.by_rule[r];
            entry.counts.violations = entry.counts.undetermined = 0;
            if (r < counts.by_rule.size() && !counts.by_rule[r].rule.empty()) entry.counts = counts.by_rule[r];
            for (int o = 0; o < 2; ++o) entry.z[o] = rate_z(counts, all, r, o);
        }
        std::sort(g.by_rule.begin(), g.by_rule.end(), [](const auto& x, const auto& y) {
            return std::tie(x.counts.policy, x.counts.version, x.counts.rule) <
                   std::tie(y.counts.policy, y.counts.version, y.counts.rule);
        });
        return g;
    }

    // How many standard errors the rate of rule `r`'s findings (outcome `o`) per record of one
    // value is from that of the other records; 0 when it cannot be told (rate_difference_z).
    static double rate_z(const detail::group_counts& mine, const detail::group_counts& all, std::size_t r, int o) {
        const rate_sums a = sums_of(mine, r, o);
        const rate_sums total = sums_of(all, r, o);
        const rate_sums rest{total.x - a.x,   total.n - a.n,   total.m - a.m,
                             total.xx - a.xx, total.xn - a.xn, total.nn - a.nn};
        return rate_difference_z(a, rest).value_or(0);
    }

    static rate_sums sums_of(const detail::group_counts& g, std::size_t r, int o) {
        rate_sums s{0, static_cast<double>(g.records), static_cast<double>(g.conversations), 0,
                    0, static_cast<double>(g.nn)};
        if (r < g.by_rule.size())
            s.x = static_cast<double>(o == 0 ? g.by_rule[r].violations : g.by_rule[r].undetermined);
        if (r < g.spread.size()) {
            s.xx = static_cast<double>(g.spread[r].xx[o]);
            s.xn = static_cast<double>(g.spread[r].xn[o]);
        }
        return s;
    }

    // Each rule's sums over all the conversations, from the whole replay's group, which counts
    // its rules by index where the summary names them.
    static void add_spread(const tally& total, summary& s) {
        const detail::group_counts* whole = total.whole_replay();
        if (whole == nullptr) {  // no record decided
            s.spread = conversation_spread{};
            return;
        }
        s.spread = conversation_spread{whole->conversations, whole->nn};
        for (std::size_t r = 0; r < whole->by_rule.size() && r < whole->spread.size(); ++r) {
            const rule_tally& name = whole->by_rule[r];
            if (name.rule.empty()) continue;
            const auto at = std::find_if(s.by_rule.begin(), s.by_rule.end(), [&](const rule_tally& x) {
                return x.policy == name.policy && x.version == name.version && x.rule == name.rule;
            });
            if (at != s.by_rule.end()) at->spread = whole->spread[r];
        }
    }

    // ---- reader ---------------------------------------------------------------------------------

    batch_ptr new_batch() {
        batch_ptr b = m_pool.take();
        b->lines.reserve(m_opts.batch_lines);
        b->text.reserve(m_batch_bytes);  // the size of the largest batch so far: no regrowth
        return b;
    }

    void dispatch(batch_ptr b) {
        b->text.append(record_padding, '\0');
        m_batch_bytes = std::max(m_batch_bytes, b->text.size());
        {
            std::unique_lock lock(m_flight_mutex);
            m_flight_free.wait(lock, [&] { return m_in_flight < m_in_flight_limit; });
            ++m_in_flight;
        }
        b->pending = m_threads;
        b->timed = m_timed;
        b->now = m_now;
        m_writer_queue.push(b);
        for (auto& q : m_queues) q.push(b);
    }

    // The batch's next line slot, for line `id`. A slot of a recycled batch is overwritten in
    // place: its strings keep their buffers.
    line_slot& next_slot(batch& b, line_id id) {
        if (b.used == b.lines.size()) {
            b.lines.emplace_back();
            b.clocks.emplace_back();
        }
        b.clocks[b.used].id = id;
        line_slot& slot = b.lines[b.used];
        slot.peeked.refused = false;
        return slot;
    }

    // A line too long to keep (line_reader::max_line): malformed, its text not read.
    void add_long_line(batch& b, std::uint64_t length, line_id id) {
        line_slot& slot = next_slot(b, id);
        slot.peeked.object = false;
        slot.peeked.refused = true;
        slot.peeked.error = long_line_reason(length, m_opts.max_line);
        slot.text = nullptr;
        slot.offset = b.text.size();
        slot.length = 0;
        b.text.push_back('\0');
        route(b, slot);
    }

    // `text` lies in the reader's buffer, followed by a zero (line_reader::next()): the batch
    // holds that buffer, and the record is parsed where it lies. A record member of a line is
    // copied into the batch, with a zero after it.
    void add_line(batch& b, const line_reader& reader, std::string_view text, line_id id) {
        if (is_blank_line(text)) {  // no record to place or judge: counted, as a service's note is
            ++m_blank_lines;
            return;
        }
        line_slot& slot = next_slot(b, id);
        std::string_view record = text;
        if (!m_opts.record_member.empty() && !member_json(text, m_opts.record_member, record, slot.peeked.error)) {
            if (has_member(text, "event")) {  // a service's note about a conversation, not a record
                ++m_without_record;
                return;
            }
            slot.peeked.object = false;
            slot.peeked.refused = true;
        } else {
            slot.peeked.object = peek(record, slot.peeked.key, slot.peeked.error);
        }
        slot.length = record.size();
        b.bytes += record.size();
        if (record.data() == text.data() && record.size() == text.size()) {
            slot.text = record.data();
            if (b.held.empty() || b.held.back().get() != reader.buffer()) b.held.push_back(reader.hold());
        } else {
            slot.text = nullptr;
            slot.offset = b.text.size();
            b.text.append(record);
            b.text.push_back('\0');  // with the padding at the batch's end: parsed in place (record_text)
        }
        if (slot.peeked.object && slot.peeked.key.has_time) {
            m_now = m_timed ? std::max(m_now, slot.peeked.key.time_ms) : slot.peeked.key.time_ms;
            m_earliest = m_timed ? std::min(m_earliest, slot.peeked.key.time_ms) : slot.peeked.key.time_ms;
            m_timed = true;
        }
        route(b, slot);
    }

    // Hands the batch's next slot, stamped with the log time so far, to the worker that owns its
    // conversation; a line without one goes by its position.
    void route(batch& b, line_slot& slot) {
        line_clock& clock = b.clocks[b.used];
        clock.timed = m_timed;
        clock.log_time = m_now;
        const std::size_t worker = slot.peeked.object && slot.peeked.key.ordered()
                                       ? fnv1a(slot.peeked.key.conversation_id) % m_threads
                                       : static_cast<std::size_t>(clock.id % m_threads);
        b.routes[worker].push_back(static_cast<std::uint32_t>(b.used));
        ++b.used;
    }

    // The findings file's line for file `f`, which could not be read after its line `last`: it
    // stands after the lines of that line's events (as cause, the line that could not be read).
    void add_read_error(batch& b, std::size_t f, std::uint64_t last, const std::string& error) {
        worker_output& out = b.from_reader;
        const std::size_t before = out.lines.pieces.size();
        detail::render_read_error(m_files[f], last, error, out.lines);
        out.texts.push_back({phase::feed, detail::make_line_id(f, last + 1), false, 0, before, 1});
    }

    void read(summary& s, std::chrono::steady_clock::time_point start) {
        std::uint64_t total_raw = 0;
        for (const auto& path : m_files) total_raw += file_size(path);
        progress_bar bar(m_opts.progress, total_raw);
        std::uint64_t raw_done = 0;

        batch_ptr b = new_batch();
        for (std::size_t f = 0; f < m_files.size() && !failed(); ++f) {
            line_reader reader;
            std::string error;
            file_tally file{m_files[f], 0, 0, {}};
            if (!reader.open(m_files[f], error)) {  // it opened before the replay began
                s.unreadable.push_back({m_files[f], 0, error});
                add_read_error(*b, f, 0, error);
                s.files.push_back(file);
                continue;
            }
            reader.set_max_line(m_opts.max_line);
            if (m_opts.hash_logs) reader.keep_digest();
            std::string_view line;
            while (reader.next(line)) {
                ++file.lines;
                const line_id id = detail::make_line_id(f, file.lines);
                file.bytes += reader.line_bytes();
                if (reader.too_long()) {
                    add_long_line(*b, reader.long_line_length(), id);
                } else {
                    add_line(*b, reader, line, id);
                }
                if (b->used >= m_opts.batch_lines || b->bytes >= m_opts.batch_bytes) {
                    dispatch(std::move(b));
                    b = new_batch();
                    if (failed()) break;
                    const double elapsed =
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                    bar.update(raw_done + reader.raw_offset(), s.lines + file.lines, elapsed);
                }
            }
            if (reader.failed()) {
                s.unreadable.push_back({m_files[f], file.lines, reader.error()});
                add_read_error(*b, f, file.lines, reader.error());
            }
            raw_done += file_size(m_files[f]);
            file.sha256 = reader.digest();
            s.lines += file.lines;
            s.bytes += file.bytes;
            s.files.push_back(file);
        }
        b->last = true;
        dispatch(std::move(b));
        bar.clear();
    }

    // ---- workers --------------------------------------------------------------------------------

    void work(std::size_t w) {
        conversation_tracker tracker(m_set, m_opts.tracking);
        evaluation_profile::cost* output_cost = nullptr;
        if (m_opts.profile) {
            tracker.profile(&m_profiles[w]);
            output_cost = &m_profiles[w].output;
        }
        detail::event_renderer renderer(m_files, carried_fields(*m_set), m_set.get(), m_opts.audited);
        tally& counts = m_tallies[w];
        worker_output* out = nullptr;
        phase when = phase::feed;
        const event_sink sink = [&](const conversation_event& e) {
            auto& texts = out->texts;
            const std::size_t before = out->lines.pieces.size();
            if (output_cost != nullptr) [[unlikely]] {
                const std::uint64_t began = profile_ticks();
                renderer.render(e, out->lines, counts);
                ++output_cost->times;
                output_cost->ticks += profile_ticks() - began;
            } else {
                renderer.render(e, out->lines, counts);
            }
            const std::size_t added = out->lines.pieces.size() - before;
            if (added == 0) return;
            // A placed closing belongs among the lines of the batch, whenever it was noticed.
            const filed_text filed{e.placed ? phase::feed : when, e.cause, e.placed, e.rank, before, added};
            if (!texts.empty() && texts.back().key() == filed.key())
                texts.back().pieces += added;  // contiguous: the previous event's pieces end at `before`
            else
                texts.push_back(filed);
        };
        const batch* current = nullptr;
        tracker.set_idle_placer([&](std::uint64_t last_line, std::int64_t deadline) {
            return first_line_past(*current, last_line, deadline);
        });
        while (batch_ptr b = m_queues[w].pop()) {
            const std::uint64_t began = m_opts.profile ? profile_ticks() : 0;
            current = b.get();
            if (!failed()) {
                try {
                    out = &b->out[w];
                    when = phase::feed;
                    for (const std::uint32_t i : b->routes[w]) {
                        const line_slot& slot = b->lines[i];
                        const char* text = slot.text ? slot.text : b->text.data() + slot.offset;
                        const record_text record{std::string_view(text, slot.length), true};
                        const line_clock& clock = b->clocks[i];
                        if (clock.timed) tracker.advance_log_time(clock.log_time);
                        tracker.feed(record, slot.peeked, clock.id, sink);
                    }
                    out->open_after_feed = tracker.open_conversations();
                    when = phase::expire;
                    if (b->timed) tracker.expire(b->now, sink);
                    when = phase::finish;
                    if (b->last) tracker.finish(sink);
                } catch (...) {
                    fail(std::current_exception());
                }
            }
            if (m_opts.profile) m_busy_ticks[w] += profile_ticks() - began;
            {
                std::lock_guard lock(m_done_mutex);
                --b->pending;
            }
            m_done.notify_all();
        }
        m_worker_cpu[w] = thread_cpu_seconds();  // joined before run() reads it
    }

    // ---- writer ---------------------------------------------------------------------------------

    void write() {
        std::string chunk;
        const auto flush = [&] {
            if (!chunk.empty() && m_findings && !failed()) m_findings(chunk);
            chunk.clear();
        };
        std::vector<std::pair<const filed_text*, const detail::rendered*>> order;
        while (batch_ptr b = m_writer_queue.pop()) {
            {
                std::unique_lock lock(m_done_mutex);
                m_done.wait(lock, [&] { return b->pending == 0; });
            }
            try {
                order.clear();
                std::size_t open = 0;
                for (const auto& out : b->out) {
                    open += out.open_after_feed;
                    for (const auto& t : out.texts) order.emplace_back(&t, &out.lines);
                }
                for (const auto& t : b->from_reader.texts) order.emplace_back(&t, &b->from_reader.lines);
                m_peak_open = std::max<std::uint64_t>(m_peak_open, open);
                std::stable_sort(order.begin(), order.end(),
                                 [](const auto& a, const auto& b2) { return a.first->key() < b2.first->key(); });
                for (const auto& [t, lines] : order) lines->append_to(chunk, t->first_piece, t->pieces);
                if (chunk.size() >= (1u << 20)) flush();
                if (b->last) flush();
            } catch (...) {
                fail(std::current_exception());
            }
            b.reset();
            {
                std::lock_guard lock(m_flight_mutex);
                --m_in_flight;
            }
            m_flight_free.notify_one();
        }
        try {
            flush();
        } catch (...) {
            fail(std::current_exception());
        }
    }

    // ---- failures -------------------------------------------------------------------------------

    void fail(std::exception_ptr e) {
        std::lock_guard lock(m_error_mutex);
        if (!m_error) m_error = std::move(e);
        m_failed.store(true);
    }
    bool failed() const { return m_failed.load(std::memory_order_relaxed); }

    std::shared_ptr<const compiled_set> m_set;
    const options& m_opts;
    const output& m_findings;
    std::vector<std::string> m_files;
    std::size_t m_threads;

    // reader state
    std::size_t m_batch_bytes = 0;
    std::uint64_t m_without_record = 0;
    std::uint64_t m_blank_lines = 0;
    bool m_timed = false;
    std::int64_t m_now = 0;
    std::int64_t m_earliest = 0;  // the earliest timestamp read, once m_timed

    std::size_t m_in_flight_limit;
    std::size_t m_in_flight = 0;
    std::mutex m_flight_mutex;
    std::condition_variable m_flight_free;

    batch_pool m_pool;                  // before the queues: the batches they hold go back to it
    std::vector<batch_queue> m_queues;  // one per worker
    batch_queue m_writer_queue;
    std::mutex m_done_mutex;
    std::condition_variable m_done;

    std::vector<tally> m_tallies;   // one per worker
    std::vector<double> m_worker_cpu;  // one per worker, written when it ends
    std::vector<evaluation_profile> m_profiles;  // with options::profile: one per worker ...
    std::vector<std::uint64_t> m_busy_ticks;     // ... and its time on batches
    std::uint64_t m_peak_open = 0;  // writer only

    std::mutex m_error_mutex;
    std::exception_ptr m_error;
    std::atomic<bool> m_failed{false};
};

}  // namespace

std::vector<problem> unopenable_logs(const std::vector<std::string>& logs) {
    std::vector<problem> out;
    for (const auto& path : logs) {
        line_reader probe;
        std::string error;
        if (!probe.open(path, error)) out.push_back({path, 0, error});
    }
    return out;
}

summary run(std::shared_ptr<const compiled_set> set, const options& opts, const output& findings) {
    if (opts.threads > max_threads)
        throw std::invalid_argument("replay: `threads` must be at most " + std::to_string(max_threads) +
                                    " (0: one per core), not " + std::to_string(opts.threads));
    const std::size_t threads = threads_for(opts.threads);
    options checked = opts;
    checked.batch_lines = std::max<std::size_t>(1, opts.batch_lines);
    checked.batch_bytes = std::max<std::size_t>(1, opts.batch_bytes);
    checked.max_line = std::max<std::size_t>(1, opts.max_line);
    pipeline p(std::move(set), checked, findings, threads);
    return p.run();
}

}  // namespace vigil::replay
