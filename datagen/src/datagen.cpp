// The log: a fixed pool of open conversations, always writing the one whose next turn is
// due first, so that log order is timestamp order across conversations. When a
// conversation ends, a new one starts in its place a little later. The faults a real log
// has (reordering, duplicates, gaps, broken lines) are applied on the way out, from their
// own random stream, so that asking for them does not change the conversations.

#include "vigil/datagen.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "conversation.hpp"
#include "json_text.hpp"
#include "vigil/calendar.hpp"
#include "random.hpp"

namespace vigil::datagen {
namespace {

using detail::conversation;
using detail::rng;
using sink_type = std::function<void(std::string_view)>;

// Independent random streams of one seed. Conversations use their own number as stream.
constexpr std::uint64_t schedule_stream = 0xffffffff00000001ULL;
constexpr std::uint64_t fault_stream = 0xffffffff00000002ULL;

// The first conversations start within this many seconds of the log's start; a conversation that
// ends is followed in its slot by a new one within restart_gap seconds.
constexpr std::int64_t stagger = 300;
constexpr std::int64_t restart_gap = 120;
static_assert(restart_gap <= conversation::longest_gap);

// RFC 3339 times have four-digit years: from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
constexpr std::int64_t first_rfc3339_second = days_from_civil(0, 1, 1) * 86400;
constexpr std::int64_t last_rfc3339_second = days_from_civil(9999, 12, 31) * 86400 + 86399;

// The most seconds a log of these options may run past its start. Each record a slot writes puts
// the slot's next record at most conversation::longest_gap later, and the log always writes the
// slot due first: the record written after n others is due no later than the slot that has
// written the fewest of them, at most n / concurrent. The hour more covers a record written with
// its successor (out_of_order, seconds apart) and the milliseconds of `received_at`.
std::int64_t longest_span(const options& opts) {
    const std::uint64_t rounds = opts.records / opts.concurrent + 1;
    constexpr auto most_rounds =
        static_cast<std::uint64_t>((last_rfc3339_second - first_rfc3339_second) / conversation::longest_gap);
    if (rounds > most_rounds) return std::numeric_limits<std::int64_t>::max();  // beyond any start
    return stagger + static_cast<std::int64_t>(rounds) * conversation::longest_gap;
}

// A start that leaves room for the whole log before the year 10000.
void check_room(const options& opts, std::int64_t start) {
    const std::int64_t span = longest_span(opts);
    if (start <= last_rfc3339_second - span) return;
    const std::string size = std::to_string(opts.records) + " records with " + std::to_string(opts.concurrent) +
                             (opts.concurrent == 1 ? " conversation" : " conversations") + " at once";
    if (span > last_rfc3339_second - first_rfc3339_second)
        throw std::invalid_argument("datagen: a log of " + size +
                                    " may run past the year 9999 from any `start`: ask for fewer records or more "
                                    "conversations at once");
    throw std::invalid_argument("datagen: `start` must be " + format_rfc3339((last_rfc3339_second - span) * 1000) +
                                " or earlier for " + size + ", not `" + opts.start + "`: such a log may run up to " +
                                std::to_string(span) + " s past its start, and RFC 3339 times end with the year 9999");
}

std::int64_t check(const options& opts) {
    const auto probability = [](double p, std::string_view name) {
        if (!(p >= 0.0 && p <= 1.0))
            throw std::invalid_argument("datagen: `" + std::string(name) + "` must be a probability in [0, 1]");
    };
    probability(opts.out_of_order, "out_of_order");
    probability(opts.duplicates, "duplicates");
    probability(opts.gaps, "gaps");
    probability(opts.malformed, "malformed");
    if (opts.concurrent == 0) throw std::invalid_argument("datagen: `concurrent` must be at least 1");
    const auto start_ms = parse_rfc3339(opts.start);
    if (!start_ms || *start_ms % 1000 != 0)
        throw std::invalid_argument("datagen: `start` must be an RFC 3339 time in whole seconds like "
                                    "2026-01-05T08:00:00Z, not `" + opts.start + "`");
    check_room(opts, *start_ms / 1000);
    return *start_ms / 1000;
}

// Replaces a record's line by one that no JSON parser accepts, the way logs break.
void corrupt(std::string& line, rng& r) {
    switch (r.below(4)) {
        case 0: {  // cut off by a crash mid-write (at a character boundary: still valid UTF-8)
            std::size_t cut = line.size() * (20 + r.below(60)) / 100;
            while (cut > 1 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;
            line.resize(cut);
            break;
        }
        case 1:  // a lost comma between the first two members
            line.erase(line.find("\",\"") + 1, 1);
            break;
        case 2:  // a trailing comma
            line.insert(line.size() - 1, ",");
            break;
        default:  // another program's output in the same stream
            line.insert(0, "WARN collector: upstream timeout, retrying ");
            break;
    }
}

class log_writer {
public:
    log_writer(const options& opts, std::int64_t start, const sink_type& sink)
        : m_opts(opts), m_sink(sink), m_schedule(opts.seed, schedule_stream), m_faults(opts.seed, fault_stream) {
        m_pool.reserve(opts.concurrent);
        for (std::size_t slot = 0; slot < opts.concurrent; ++slot) {
            // Staggered starts over the first five minutes; the first at `start` exactly.
            const std::int64_t at = slot == 0 ? start : start + m_schedule.between(0, stagger);
            m_pool.emplace_back(opts.seed, m_next_conversation++, at);
            m_queue.push({at, m_pool.back().number(), slot});
        }
    }

    void run() {
        while (!full()) {
            const due next = m_queue.top();
            m_queue.pop();
            write_record(m_pool[next.slot]);
            if (m_pool[next.slot].remaining() == 0) {
                const std::int64_t at = m_pool[next.slot].next_time() + m_schedule.between(0, restart_gap);
                m_pool[next.slot] = conversation(m_opts.seed, m_next_conversation++, at);
            }
            const conversation& c = m_pool[next.slot];
            m_queue.push({c.next_time(), c.number(), next.slot});
        }
    }

private:
    struct due {
        std::int64_t time;
        std::uint64_t number;
        std::size_t slot;
        bool operator>(const due& other) const noexcept {
            return std::tie(time, number) > std::tie(other.time, other.number);
        }
    };

    struct late_line {
        std::string line;
        std::size_t slot;  // its position in the log, counted in lines from 0
    };

    bool full() const noexcept { return m_emitted >= m_opts.records; }

    // Writes the conversation's next record; sometimes its next two, swapped.
    void write_record(conversation& c) {
        if (m_opts.gaps > 0 && m_faults.chance(m_opts.gaps)) c.skip_turn();
        c.write_next(m_line, m_next_record++);
        const bool swap = m_opts.out_of_order > 0 && c.remaining() > 0 && m_emitted + 2 <= m_opts.records &&
                          m_faults.chance(swap_chance(c)) && pick_slot(m_emitted + 1, 3, false).has_value();
        if (swap) {
            // The next turn follows within seconds and overtakes this one, which arrives 1-3
            // lines after it.
            m_held.swap(m_line);
            c.hurry(m_faults.between(1, 3));
            if (m_opts.gaps > 0 && m_faults.chance(m_opts.gaps)) c.skip_turn();
            c.write_next(m_line, m_next_record++);
            emit_record(m_held, pick_slot(m_emitted + 1, 3, true));
        }
        emit_record(m_line, std::nullopt);
        release_late();
    }

    // A swap involves two records and the last record of a conversation cannot start one,
    // so the chance per eligible record is raised to give `out_of_order` per record.
    double swap_chance(const conversation& c) const noexcept {
        const double p = m_opts.out_of_order;
        const double eligible = (1.0 - 1.0 / static_cast<double>(c.length())) * (1.0 - p);
        return eligible > 0 ? p / eligible : 1.0;
    }

    // A free line position among [first, first + spread), starting at a random one (when
    // `random`), or nothing when all are taken by lines already waiting.
    std::optional<std::size_t> pick_slot(std::size_t first, unsigned spread, bool random) {
        const unsigned start = random ? m_faults.below(spread) : 0;
        for (unsigned k = 0; k < spread; ++k) {
            const std::size_t slot = first + (start + k) % spread;
            if (std::none_of(m_late.begin(), m_late.end(), [&](const late_line& l) { return l.slot == slot; }))
                return slot;
        }
        return std::nullopt;
    }

    // Emits a record's line now, or queues it for line position `slot`; then applies the
    // malformed and duplicate faults (a copy follows 1-4 lines later).
    void emit_record(std::string& line, std::optional<std::size_t> slot) {
        const bool broken = m_opts.malformed > 0 && m_faults.chance(m_opts.malformed);
        if (broken) corrupt(line, m_faults);
        const std::size_t position = slot.value_or(m_emitted);
        if (slot)
            m_late.push_back({line, *slot});
        else
            put(line);
        if (!broken && m_opts.duplicates > 0 && m_faults.chance(m_opts.duplicates)) {
            if (const auto copy = pick_slot(position + 1, 4, true)) m_late.push_back({line, *copy});
        }
    }

    void put(std::string_view line) {
        if (full()) return;
        m_sink(line);
        ++m_emitted;
    }

    // Emits the queued lines whose position has come.
    void release_late() {
        for (;;) {
            const auto ready =
                std::find_if(m_late.begin(), m_late.end(), [&](const late_line& l) { return l.slot <= m_emitted; });
            if (ready == m_late.end() || full()) return;
            const std::string line = std::move(ready->line);
            m_late.erase(ready);
            put(line);
        }
    }

    const options& m_opts;
    const sink_type& m_sink;
    rng m_schedule;
    rng m_faults;
    std::vector<conversation> m_pool;
    std::priority_queue<due, std::vector<due>, std::greater<>> m_queue;
    std::uint64_t m_next_conversation = 1;
    std::uint64_t m_next_record = 1;
    std::size_t m_emitted = 0;
    std::deque<late_line> m_late;
    std::string m_line;
    std::string m_held;
};

std::string io_error(std::string_view what, const std::string& path) {
    return "datagen: cannot " + std::string(what) + " `" + path + "`: " + std::strerror(errno);
}

}  // namespace

void generate(const options& opts, const std::function<void(std::string_view)>& sink) {
    const std::int64_t start = check(opts);
    log_writer log(opts, start, sink);
    log.run();
}

namespace {

constexpr std::size_t write_chunk = 1 << 20;

// Generates the log into `buffer`, handing a chunk at a time to `flush`, and the rest at the end.
template <typename Flush>
void generate_in_chunks(const options& opts, std::string& buffer, const Flush& flush) {
    generate(opts, [&](std::string_view line) {
        buffer.append(line);
        buffer += '\n';
        if (buffer.size() >= write_chunk) flush();
    });
    flush();
}

}  // namespace

void write_file(const options& opts, const std::string& path) {
    check(opts);
    std::string buffer;
    buffer.reserve(write_chunk + 8192);

    if (path.ends_with(".gz")) {
        // Level 1: about twice as fast as the default for a quarter more bytes; this is test data.
        const auto close = [](gzFile f) { gzclose(f); };
        std::unique_ptr<gzFile_s, decltype(close)> file(gzopen(path.c_str(), "wb1"), close);
        if (!file) throw std::runtime_error(io_error("open", path));
        gzbuffer(file.get(), 1 << 17);
        const auto flush = [&] {
            if (buffer.empty()) return;
            if (gzwrite(file.get(), buffer.data(), static_cast<unsigned>(buffer.size())) !=
                static_cast<int>(buffer.size())) {
                int code = 0;
                throw std::runtime_error("datagen: cannot write `" + path + "`: " + gzerror(file.get(), &code));
            }
            buffer.clear();
        };
        generate_in_chunks(opts, buffer, flush);
        if (gzclose(file.release()) != Z_OK) throw std::runtime_error(io_error("finish", path));
        return;
    }

    const auto close = [](std::FILE* f) { std::fclose(f); };
    std::unique_ptr<std::FILE, decltype(close)> file(std::fopen(path.c_str(), "wb"), close);
    if (!file) throw std::runtime_error(io_error("open", path));
    const auto flush = [&] {
        if (std::fwrite(buffer.data(), 1, buffer.size(), file.get()) != buffer.size())
            throw std::runtime_error(io_error("write", path));
        buffer.clear();
    };
    generate_in_chunks(opts, buffer, flush);
    if (std::fclose(file.release()) != 0) throw std::runtime_error(io_error("finish", path));
}

}  // namespace vigil::datagen
