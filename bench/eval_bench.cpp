// Evaluator benchmarks on realistic interaction records (docs/performance.md).
//
//   BM_ParseOnly        simdjson On Demand walks every value of a record: the floor
//   BM_ParseAndProject  one record parsed and projected into the compiled slots
//   BM_Decide20         one full decision with the 20-rule set bench/data/bench20.vigil
//   BM_Decide20_NoFindings  the same, on the records no rule fires for (no finding is built)
//
// Records come from bench/data/records.jsonl, written by the seeded generator below
// (`eval_bench --write_records=PATH` regenerates it; without the file the records are generated
// in memory, identically). Every benchmark cycles through all records, one record per iteration.
// `eval_bench --profile_rounds=N` decides every record N times and exits, for callgrind.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "vigil/check.hpp"
#include "vigil/evaluate.hpp"
#include "vigil/parse.hpp"

namespace {

// ----- records ---------------------------------------------------------------------------------

// A small deterministic generator (splitmix64), so the records are the same on every platform.
class rng {
public:
    explicit rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
    bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
    double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
    double round2(double x) { return static_cast<double>(static_cast<long>(x * 100)) / 100; }
    template <typename T, std::size_t N>
    const T& pick(const T (&options)[N]) {
        return options[below(N)];
    }

private:
    std::uint64_t m_state;
};

struct phrase_set {
    const char* language;
    const char* lines[5];  // ordinary turns
    const char* pressure;  // a sales line with the urgency phrases the policy looks for
};

const phrase_set phrases[] = {
    {"en",
     {"I understand this has been frustrating. Let me look at your account and see what I can do about the late delivery.",
      "Thanks for your patience. Your refund has been processed and should reach your card within three to five working days.",
      "I'm an AI assistant. If you would rather talk to a person, I can transfer you to a colleague right away.",
      "It sounds like you are going through a lot right now. Would it help to talk to someone? Here is a support line.",
      "Your plan renews next month. Would you like me to go through the options that might lower your monthly bill?"},
     "Only today: upgrade to Premium delivery for 9.99 and never wait again! This is your last chance to lock in the price."},
    {"nl",
     {"Ik begrijp dat dit stressvol is. Wilt u met een medewerker spreken? Ik kan u meteen doorverbinden.",
      "Uw bestelling is onderweg en wordt morgen tussen negen en twaalf uur bezorgd. Kan ik nog iets voor u doen?",
      "Ik ben een digitale assistent. Als u liever een mens spreekt, zeg het gerust, dan verbind ik u door.",
      "Ik zie dat de betaling twee keer is afgeschreven. Ik heb een terugbetaling aangevraagd voor het dubbele bedrag.",
      "Goed dat u het meldt. Ik heb een klacht aangemaakt en een collega neemt binnen twee werkdagen contact op."},
     "Alleen vandaag, last chance: twintig procent korting op het premium abonnement als u nu bevestigt."},
    {"nb",
     {"Jeg forstår at dette er vanskelig. Vil du snakke med en av mine kolleger? Jeg kan sette deg over nå.",
      "Refusjonen din er sendt og vil være på kontoen din innen fem virkedager. Er det noe mer jeg kan hjelpe med?",
      "Jeg er en AI-assistent. Hvis du heller vil snakke med et menneske, kan jeg sette deg over til kundeservice.",
      "Det høres ut som du har hatt en tung uke. Husk at du kan ta kontakt med bedriftshelsetjenesten når som helst.",
      "Abonnementet ditt fornyes neste måned. Vil du at jeg skal gå gjennom alternativene for en lavere pris?"},
     "TILBUD KUN I DAG: oppgrader til Premium og få første måned gratis. Skal jeg ordne det for deg med en gang?"},
    {"vi",
     {"Tôi hiểu điều này thật phiền phức. Tôi sẽ kiểm tra tài khoản của bạn và xem có thể làm gì cho đơn hàng bị trễ.",
      "Khoản hoàn tiền của bạn đã được xử lý và sẽ về tài khoản trong vòng ba đến năm ngày làm việc.",
      "Tôi là trợ lý AI. Nếu bạn muốn nói chuyện với nhân viên, tôi có thể chuyển cuộc trò chuyện ngay.",
      "Có vẻ như bạn đang trải qua nhiều chuyện. Bạn có muốn nói chuyện với ai đó không? Đây là số đường dây hỗ trợ.",
      "Gói cước của bạn sẽ được gia hạn vào tháng sau. Bạn có muốn xem các lựa chọn rẻ hơn không?"},
     "ƯU ĐÃI CHỈ HÔM NAY: nâng cấp lên gói cao cấp với giá chỉ 99.000 đồng. Bạn có muốn tôi đăng ký ngay không?"},
    {"he",
     {"אני מבין שזה מתסכל. אבדוק את החשבון שלך ואראה מה אפשר לעשות לגבי המשלוח המאוחר.",
      "ההחזר שלך עובד ויגיע לכרטיס שלך בתוך שלושה עד חמישה ימי עסקים.",
      "אני עוזר דיגיטלי. אם תעדיף לדבר עם נציג אנושי, אוכל להעביר אותך מיד.",
      "נשמע שעובר עליך הרבה. האם תרצה לדבר עם מישהו? הנה מספר של קו תמיכה.",
      "המנוי שלך מתחדש בחודש הבא. האם תרצה שאעבור איתך על אפשרויות זולות יותר?"},
     "מבצע רק היום: שדרוג לחבילת פרימיום במחיר מיוחד. האם לרשום אותך עכשיו?"},
    {"es",
     {"Entiendo que esto es frustrante. Voy a revisar su cuenta para ver qué puedo hacer con el envío retrasado.",
      "Su reembolso ha sido procesado y llegará a su tarjeta en un plazo de tres a cinco días hábiles.",
      "Soy un asistente de inteligencia artificial. Si prefiere hablar con una persona, puedo transferirle ahora.",
      "Parece que está pasando por mucho. ¿Le ayudaría hablar con alguien? Aquí tiene una línea de apoyo.",
      "Su plan se renueva el mes que viene. ¿Quiere que repasemos las opciones para reducir su factura mensual?"},
     "OFERTA SÓLO HOY: mejore a Premium con un veinte por ciento de descuento. ¿Quiere que lo active ahora mismo?"},
};

// One turn. The mix is meant to look like production traffic: most turns are unremarkable and
// pass every rule; a minority break one (an offer to a distressed person, a missing review, a
// pressure phrase), and some lack a field a rule needs.
std::string make_record(rng& r, std::size_t i) {
    using nlohmann::json;
    static const char* const channels[] = {"chat", "chat", "chat", "voice", "email", "sms"};
    static const char* const domains[] = {"retail", "retail", "financial_services", "healthcare", "telecom", "telecom", "workplace"};
    static const char* const calm_emotions[] = {"joy", "gratitude", "confusion", "confusion", "frustration", "anxiety"};
    static const char* const hard_emotions[] = {"anger", "frustration", "anxiety", "sadness", "fear"};
    static const char* const topics[] = {"billing", "billing", "delivery", "delivery", "complaint", "account", "workload", "debt", "health", "bereavement"};
    static const char* const intents[] = {"question", "question", "question", "question", "question", "question", "complaint", "complaint", "cancel", "request_human", "ask_if_ai"};
    static const char* const purposes[] = {"support", "support", "support", "support", "support", "support", "support", "support", "support", "support", "support", "analytics"};

    const phrase_set& lang = phrases[r.below(std::size(phrases))];
    const std::size_t roll = r.below(100);
    const std::string speaker = roll < 46 ? "ai" : roll < 92 ? "user" : roll < 97 ? "human_agent" : "system";
    const bool ai = speaker == "ai";
    const std::string domain = r.pick(domains);

    json rec;
    rec["id"] = "r-" + std::to_string(100000 + i);
    rec["conversation_id"] = "c-" + std::to_string(1000 + i / 8);
    rec["turn"] = 1 + i % 8;
    rec["timestamp"] = "2026-03-0" + std::to_string(1 + i % 9) + "T1" + std::to_string(i % 10) + ":" + std::to_string(10 + i % 50) + ":03Z";
    rec["channel"] = r.pick(channels);
    rec["domain"] = domain;
    rec["language"] = lang.language;
    rec["speaker"] = speaker;
    const bool pressure = ai && r.chance(4);
    std::string text = lang.lines[r.below(5)];
    text += " ";
    text += pressure ? lang.pressure : lang.lines[r.below(5)];
    if (r.chance(60)) text += std::string(" ") + lang.lines[r.below(5)];
    rec["text"] = text;

    rec["user"] = {{"id", "u-" + std::to_string(r.below(50000))}};
    if (r.chance(8)) rec["user"]["segment"] = json::array({r.chance(25) ? "minor" : (r.chance(50) ? "elderly" : "employee")});
    if (r.chance(94)) rec["user"]["consent"] = {{"emotion_analysis", r.chance(93)}, {"marketing", r.chance(70)}};
    if (ai && r.chance(99)) rec["ai"] = {{"model", "assist-7"}, {"disclosed", r.chance(97)}};

    bool distressed = false;
    std::vector<std::string> turn_topics;
    std::string intent = r.pick(intents);
    if (r.chance(96)) {
        json s;
        distressed = r.chance(12);
        s["sentiment"] = r.round2(distressed ? -0.5 - r.unit() * 0.5 : r.unit() * 1.3 - 0.45);
        s["emotions"] = json::array();
        if (r.chance(70)) s["emotions"].push_back(distressed ? r.pick(hard_emotions) : r.pick(calm_emotions));
        s["distress"] = r.round2(distressed ? 0.6 + r.unit() * 0.4 : r.unit() * 0.5);
        turn_topics.push_back(r.chance(2) ? (r.chance(50) ? "self_harm" : "counseling") : r.pick(topics));
        if (r.chance(25)) turn_topics.push_back(r.pick(topics));
        s["topics"] = turn_topics;
        s["intent"] = intent;
        if (r.chance(4)) s["vulnerability"] = json::array({"financial_hardship"});
        rec["signals"] = s;
    }
    auto has_topic = [&](std::initializer_list<const char*> wanted) {
        for (const auto& t : turn_topics) {
            for (const char* w : wanted) {
                if (t == w) return true;
            }
        }
        return false;
    };

    rec["actions"] = json::array();
    const bool crisis = has_topic({"self_harm", "counseling"});
    const bool sensitive = crisis || has_topic({"health", "debt", "bereavement"});
    if (ai && crisis && r.chance(92)) rec["actions"].push_back({{"type", "resource"}, {"category", "mental_health"}});
    if (ai && !crisis && r.chance(14)) {
        const std::size_t kind = r.below(100);
        json act;
        if (kind < 40 && (!distressed || r.chance(8))) {
            act = {{"type", "offer"}, {"category", r.chance(70) ? "upsell" : "cross_sell"}, {"product", "premium-plan"},
                   {"amount", r.round2(5 + r.unit() * 40)}, {"urgency", pressure || r.chance(3)}};
        } else if (kind < 65) {
            act = {{"type", "refund"}, {"category", "service"}, {"amount", r.round2(r.unit() * 120)}};
        } else if (kind < 85) {
            act = {{"type", "recommendation"}, {"category", "service"}};
        } else {
            act = {{"type", "resource"}, {"category", "service"}};
        }
        if (!act.is_null()) rec["actions"].push_back(act);
    }
    const bool requested = r.chance(6) || intent == "request_human";
    rec["handoff"] = {{"requested", requested}, {"offered", requested ? r.chance(95) : r.chance(15) || crisis}};
    if (ai) rec["review"] = {{"human_reviewed", sensitive ? r.chance(95) : r.chance(60)}, {"reviewer", "agent-" + std::to_string(r.below(40))}};
    const bool stored = r.chance(30);
    rec["data_use"] = {{"emotion_data_stored", stored}, {"purpose", r.chance(1) ? "marketing" : r.pick(purposes)}};
    if (stored && rec["user"].contains("consent")) rec["user"]["consent"]["emotion_analysis"] = r.chance(98);
    if (domain == "workplace") {
        const bool overworked = r.chance(15);
        rec["workload"] = {{"hours_last_week", overworked ? 51 + r.below(15) : 32 + r.below(17)}, {"overtime_streak_weeks", r.below(3)}};
        if (ai && overworked && r.chance(90)) rec["actions"].push_back({{"type", "leave_suggestion"}, {"category", "wellbeing"}});
    }
    rec["meta"] = {{"trace", "t-" + std::to_string(r.next() % 1000000000)},
                   {"region", r.chance(50) ? "eu-west-1" : "eu-central-1"},
                   {"client", "web 4.12.0"},
                   {"latency_ms", 40 + r.below(900)}};
    return rec.dump();
}

std::vector<std::string> generate_records(std::size_t n) {
    rng r(20260302);
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(make_record(r, i));
    return out;
}

const std::string data_dir = std::string(VIGIL_SOURCE_DIR) + "/bench/data/";

const std::vector<std::string>& records() {
    static const std::vector<std::string> all = [] {
        std::vector<std::string> out;
        std::ifstream in(data_dir + "records.jsonl");
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) out.push_back(line);
        }
        if (out.empty()) out = generate_records(1000);
        return out;
    }();
    return all;
}

std::shared_ptr<const vigil::compiled_set> policy_set() {
    static const std::shared_ptr<const vigil::compiled_set> set = [] {
        auto loaded = vigil::load({{data_dir + "bench20.vigil", std::nullopt}});
        auto fail = [](const std::vector<vigil::diagnostic>& ds) {
            for (const auto& d : ds) std::cerr << d.message << "\n";
            std::exit(2);
        };
        if (!loaded.ok()) fail(loaded.diagnostics);
        auto checked = vigil::check(std::move(*loaded.value));
        if (!checked.ok()) fail(checked.diagnostics);
        auto compiled = vigil::compile(std::move(*checked.value));
        if (!compiled.ok()) fail(compiled.diagnostics);
        return *compiled.value;
    }();
    return set;
}

std::size_t total_bytes() {
    std::size_t n = 0;
    for (const auto& r : records()) n += r.size();
    return n;
}

// ----- benchmarks ------------------------------------------------------------------------------


// The floor: copy the record into a padded buffer (as decide() does) and walk all of it.
void BM_ParseOnly(benchmark::State& state) {
    const auto& recs = records();
    vigil::evaluator judge(policy_set());
    std::string error;
    std::size_t i = 0;
    for (auto _ : state) {
        if (!judge.parse_only(recs[i++ % recs.size()], error)) state.SkipWithError("parse");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes() / recs.size()));
}
BENCHMARK(BM_ParseOnly);

void BM_ParseAndProject(benchmark::State& state) {
    const auto& recs = records();
    vigil::evaluator judge(policy_set());
    std::string error;
    std::size_t i = 0;
    for (auto _ : state) {
        if (!judge.project_only(recs[i++ % recs.size()], error)) state.SkipWithError(error.c_str());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes() / recs.size()));
    state.counters["paths"] = static_cast<double>(vigil::projected_paths(*policy_set()).size());
}
BENCHMARK(BM_ParseAndProject);

void BM_Decide20(benchmark::State& state) {
    const auto& recs = records();
    vigil::evaluator judge(policy_set());
    vigil::decision d;
    std::string error;
    std::size_t i = 0;
    std::size_t findings = 0;
    for (auto _ : state) {
        if (!judge.decide(recs[i++ % recs.size()], d, error)) state.SkipWithError(error.c_str());
        findings += d.findings.size();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total_bytes() / recs.size()));
    state.counters["findings/record"] =
        benchmark::Counter(static_cast<double>(findings) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Decide20);

// The same on the records for which no rule fires (the common case in production traffic): no
// finding is built, so this is parsing, projection and the evaluation of the 20 rules alone.
void BM_Decide20_NoFindings(benchmark::State& state) {
    vigil::evaluator judge(policy_set());
    vigil::decision d;
    std::string error;
    std::vector<const std::string*> clean;
    for (const auto& r : records()) {
        if (judge.decide(r, d, error) && d.findings.empty()) clean.push_back(&r);
    }
    std::size_t bytes = 0;
    for (const auto* r : clean) bytes += r->size();
    std::size_t i = 0;
    for (auto _ : state) {
        if (!judge.decide(*clean[i++ % clean.size()], d, error)) state.SkipWithError(error.c_str());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes / clean.size()));
    state.counters["records"] = static_cast<double>(clean.size());
}
BENCHMARK(BM_Decide20_NoFindings);

// What the records hold, so the figures can be read: how many decisions of each kind.
void describe_workload() {
    const auto& recs = records();
    vigil::evaluator judge(policy_set());
    vigil::decision d;
    std::string error;
    std::size_t kinds[3] = {0, 0, 0}, violations = 0, undetermined = 0, clean = 0;
    for (const auto& r : recs) {
        if (!judge.decide(r, d, error)) {
            std::cerr << "record refused: " << error << "\n";
            std::exit(2);
        }
        ++kinds[static_cast<int>(d.kind)];
        clean += d.findings.empty();
        for (const auto& f : d.findings) (f.result == vigil::outcome::violation ? violations : undetermined)++;
    }
    std::printf("workload: %zu records, %zu bytes on average, %zu rules, %zu projected paths\n", recs.size(),
                total_bytes() / recs.size(), [] {
                    std::size_t n = 0;
                    for (const auto& p : vigil::summarize(*policy_set())) n += p.rules;
                    return n;
                }(),
                vigil::projected_paths(*policy_set()).size());
    std::printf("decisions: %zu allow, %zu allow_with_remedies, %zu deny; %zu records without findings; "
                "%zu violations, %zu undetermined\n",
                kinds[0], kinds[1], kinds[2], clean, violations, undetermined);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--write_records=", 0) == 0) {
            std::ofstream out(arg.substr(std::strlen("--write_records=")));
            for (const auto& r : generate_records(1000)) out << r << "\n";
            return out ? 0 : 2;
        }
    }
    for (int i = 1; i < argc; ++i) {
        // Fixed work for instruction counting, independent of timing and machine load:
        //   valgrind --tool=callgrind eval_bench --profile_rounds=N   (N = 0 gives the set-up cost)
        //   ... --profile_rounds=N --profile_what=parse|project|decide   (default decide)
        const std::string arg = argv[i];
        if (arg.rfind("--profile_rounds=", 0) == 0) {
            const int rounds = std::stoi(arg.substr(std::strlen("--profile_rounds=")));
            std::string what = "decide";
            for (int k = 1; k < argc; ++k) {
                if (std::string(argv[k]).rfind("--profile_what=", 0) == 0) what = argv[k] + std::strlen("--profile_what=");
            }
            vigil::evaluator judge(policy_set());
            vigil::decision d;
            std::string error;
            std::size_t findings = 0;
            for (const auto& r : records()) findings += r.size() & 1;  // load the records either way
            for (int round = 0; round < rounds; ++round) {
                for (const auto& r : records()) {
                    if (what == "parse") {
                        if (!judge.parse_only(r, error)) return 2;
                    } else if (what == "project") {
                        if (!judge.project_only(r, error)) return 2;
                    } else {
                        if (!judge.decide(r, d, error)) return 2;
                        findings += d.findings.size();
                    }
                }
            }
            std::printf("%d rounds of %zu records: %s (%zu)\n", rounds, records().size(), what.c_str(), findings);
            return 0;
        }
    }
    describe_workload();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
