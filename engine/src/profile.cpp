#include "vigil/profile.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "compile.hpp"

namespace vigil {

std::uint64_t profile_ticks() {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
#endif
}

tick_rate::tick_rate() : m_began(std::chrono::steady_clock::now()), m_began_ticks(profile_ticks()) {}

double tick_rate::per_second() const {
    const std::uint64_t ticks = profile_ticks() - m_began_ticks;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_began).count();
    if (seconds < 1e-3) return 1e9;
    return static_cast<double>(ticks) / seconds;
}

namespace {

void add_costs(std::vector<evaluation_profile::cost>& into, const std::vector<evaluation_profile::cost>& from) {
    if (into.size() < from.size()) into.resize(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) {
        into[i].times += from[i].times;
        into[i].ticks += from[i].ticks;
    }
}

profile_entry entry(profile_entry::part what, const evaluation_profile::cost& c, double ticks_per_second) {
    profile_entry e;
    e.what = what;
    e.times = c.times;
    e.seconds = static_cast<double>(c.ticks) / ticks_per_second;
    return e;
}

// Most time first; equal times keep the order as written (a stable sort).
void by_time(std::vector<profile_entry>::iterator begin, std::vector<profile_entry>::iterator end) {
    std::stable_sort(begin, end, [](const profile_entry& a, const profile_entry& b) { return a.seconds > b.seconds; });
}

std::string format(const char* fmt, double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, value);
    return buf;
}

// What one measurement of a part stands for.
std::string_view each_of(profile_entry::part p, const profile_wording& wording) {
    switch (p) {
        case profile_entry::part::state:
            return "a turn";
        case profile_entry::part::output:
            return wording.output;
        case profile_entry::part::definition:
            return "each time computed";
        default:
            return "a record";
    }
}

// The policies with rules of more than one version among the entries: their lines name it.
std::set<std::string> versioned_policies(const std::vector<profile_entry>& entries) {
    std::map<std::string, std::set<std::string>> versions;
    for (const auto& e : entries) {
        if (e.what == profile_entry::part::rule) versions[e.policy].insert(e.version);
    }
    std::set<std::string> out;
    for (const auto& [policy, seen] : versions) {
        if (seen.size() > 1) out.insert(policy);
    }
    return out;
}

}  // namespace

std::vector<std::string> render_profile(const std::vector<profile_entry>& entries, double total_seconds,
                                        const profile_wording& wording) {
    std::vector<std::string> out;
    const std::set<std::string> versioned = versioned_policies(entries);
    const auto line = [&](const std::string& label, double seconds, std::uint64_t times, std::string_view each) {
        std::string text = "  " + label + format(" %.3f s", seconds);
        if (total_seconds > 0) text += format(", %.1f %%", 100 * seconds / total_seconds);
        if (times > 0) text += format(", %.2f µs ", 1e6 * seconds / static_cast<double>(times)) + std::string(each);
        out.push_back(std::move(text));
    };
    out.push_back("profile: " + std::string(wording.whose) + format("%.3f", total_seconds) +
                  " s at work; a rule's time holds the definitions first computed for it on a record, a "
                  "definition's those it names");
    double accounted = 0;
    std::size_t definitions = 0;
    for (const auto& e : entries) {
        const std::string_view each = each_of(e.what, wording);
        switch (e.what) {
            case profile_entry::part::read:
            case profile_entry::part::state:
            case profile_entry::part::output:
                accounted += e.seconds;
                line(e.name + ":", e.seconds, e.times, each);
                break;
            case profile_entry::part::rule: {
                accounted += e.seconds;
                const std::string policy = versioned.count(e.policy) != 0 ? e.policy + " " + e.version : e.policy;
                line("rule " + policy + "/" + e.name + " (" + e.where + "):", e.seconds, e.times, each);
                break;
            }
            case profile_entry::part::definition:
                if (definitions++ < wording.definitions) {
                    line("definition " + e.name + " (" + e.where + "):", e.seconds, e.times, each);
                }
                break;
        }
    }
    if (definitions > wording.definitions) {
        const std::size_t more = definitions - wording.definitions;
        out.push_back("  ... " + std::to_string(more) + (more == 1 ? " definition" : " definitions") + " more (" +
                      std::string(wording.elsewhere) + ")");
    }
    line("the rest (" + std::string(wording.rest) + "):", std::max(0.0, total_seconds - accounted), 0, "");
    return out;
}

void evaluation_profile::add(const evaluation_profile& other) {
    read.times += other.read.times;
    read.ticks += other.read.ticks;
    state.times += other.state.times;
    state.ticks += other.state.ticks;
    output.times += other.output.times;
    output.ticks += other.output.ticks;
    add_costs(rules, other.rules);
    add_costs(definitions, other.definitions);
}

const char* part_name(profile_entry::part p) {
    switch (p) {
        case profile_entry::part::read:
            return "read";
        case profile_entry::part::state:
            return "state";
        case profile_entry::part::rule:
            return "rule";
        case profile_entry::part::definition:
            return "definition";
        case profile_entry::part::output:
            return "output";
    }
    return "read";
}

std::vector<profile_entry> profile_report(const evaluation_profile& p, const compiled_set& set, double ticks_per_second,
                                          std::string_view output_name) {
    std::vector<profile_entry> out;
    out.push_back(entry(profile_entry::part::read, p.read, ticks_per_second));
    out.back().name = "read records";
    if (set.conversational()) {
        out.push_back(entry(profile_entry::part::state, p.state, ticks_per_second));
        out.back().name = "conversation state";
    }
    if (p.output.times > 0) {
        out.push_back(entry(profile_entry::part::output, p.output, ticks_per_second));
        out.back().name = output_name;
    }
    const source_map& sources = *set.checked.sources;
    const std::size_t rules_at = out.size();
    for (std::size_t i = 0; i < set.rules.size(); ++i) {
        const eval::compiled_rule& r = set.rules[i];
        out.push_back(entry(profile_entry::part::rule, i < p.rules.size() ? p.rules[i] : evaluation_profile::cost{},
                            ticks_per_second));
        out.back().policy = r.policy;
        out.back().version = r.policy_version;
        out.back().name = r.name;
        out.back().where = sources.position(r.where);
    }
    by_time(out.begin() + static_cast<std::ptrdiff_t>(rules_at), out.end());
    const std::size_t definitions_at = out.size();
    for (std::size_t i = 0; i < set.definitions.size() && i < p.definitions.size(); ++i) {
        if (p.definitions[i].times == 0) continue;  // never computed: a literal, or never needed
        const eval::definition_source& d = set.definitions[i];
        out.push_back(entry(profile_entry::part::definition, p.definitions[i], ticks_per_second));
        out.back().name = d.name;
        out.back().where = sources.position(d.where);
    }
    by_time(out.begin() + static_cast<std::ptrdiff_t>(definitions_at), out.end());
    return out;
}

}  // namespace vigil
