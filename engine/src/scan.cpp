// How a text scan searches one text for all its patterns (see text_scan in compile.hpp).

#include <algorithm>
#include <map>

#include "compile.hpp"
#include "text.hpp"

namespace vigil::eval {

namespace {

// Scripts and symbols without case: RE2 lowercases nothing there.
bool caseless(char32_t cp) {
    return (cp >= 0xA0 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x300 && cp <= 0x36F && cp != 0x345) ||
           (cp >= 0x590 && cp <= 0xEFF) || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x20A0 && cp <= 0x20CF) ||
           (cp >= 0x3000 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF);
}

// A lowercase letter: lowercasing keeps it and uppercasing changes it.
bool lowercase_letter(std::string_view encoded) {
    char lower[16];
    char upper[16];
    const std::size_t l = text::lower_utf8(encoded, lower);
    const std::size_t u = text::upper_utf8(encoded, upper);
    return std::string_view(lower, l) == encoded && std::string_view(upper, u) != encoded;
}

// Whether FilteredRE2's atoms of `pattern` are literally what a match contains. FilteredRE2
// lowercases its atoms, so a pattern may not hold anything that lowercasing would change: no
// uppercase letter (nor `\x41`, an octal escape, `(?i)`), and beyond ASCII only lowercase
// letters and characters without case. Too strict is only slower: such a pattern runs on every text.
bool atoms_are_literal(std::string_view pattern) {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c >= 'A' && c <= 'Z') return false;
        if (c == '\\' && i + 1 < pattern.size() && (pattern[i + 1] == 'x' || (pattern[i + 1] >= '0' && pattern[i + 1] <= '9')))
            return false;
        if (c == '(' && pattern.substr(i, 2) == "(?") {
            const std::size_t end = pattern.find_first_of(":)", i);
            if (pattern.substr(i, end - i).find('i') != std::string_view::npos) return false;
        }
        if (static_cast<unsigned char>(c) >= 0x80) {
            char32_t cp = 0;
            const std::size_t length = text::decode_utf8(pattern, i, cp);
            if (length == 0) return false;
            if (!caseless(cp) && !lowercase_letter(pattern.substr(i, length))) return false;
            i += length - 1;
        }
    }
    return true;
}

bool phrases_are_needles(const std::vector<std::string>& phrases) {
    return !phrases.empty() && std::all_of(phrases.begin(), phrases.end(), [](const std::string& p) {
        return p.size() >= needle_search::min_length;
    });
}

}  // namespace

RE2::Options regex_options() {
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingUTF8);
    options.set_log_errors(false);
    return options;
}

void text_scan::plan() {
    std::map<std::string, std::uint32_t> needle_ids;
    std::vector<std::string> texts;
    const auto needle = [&](const std::string& text, needle_use use) {
        const auto [at, fresh] = needle_ids.try_emplace(text, static_cast<std::uint32_t>(texts.size()));
        if (fresh) {
            texts.push_back(text);
            uses.emplace_back();
        }
        uses[at->second].push_back(use);
    };

    std::vector<std::uint32_t> regexes;
    for (std::uint32_t p = 0; p < patterns.size(); ++p) {
        if (phrases_are_needles(phrases[p])) {
            for (const std::string& phrase : phrases[p]) needle(phrase, {p, none});
        } else if (atoms_are_literal(patterns[p])) {
            regexes.push_back(p);
        } else {
            always.push_back(p);
        }
    }

    if (!regexes.empty()) {
        prefilter = std::make_unique<re2::FilteredRE2>(static_cast<int>(needle_search::min_length));
        for (const std::uint32_t p : regexes) {
            int id = 0;
            if (prefilter->Add(patterns[p], regex_options(), &id) == RE2::NoError)
                filtered.push_back(p);
            else
                always.push_back(p);
        }
        std::vector<std::string> atoms;
        if (!filtered.empty()) prefilter->Compile(&atoms);
        const bool searchable = std::all_of(atoms.begin(), atoms.end(), [](const std::string& a) {
            return a.size() >= needle_search::min_length;
        });
        if (filtered.empty() || !searchable) {
            always.insert(always.end(), filtered.begin(), filtered.end());
            filtered.clear();
            prefilter.reset();
        } else {
            for (std::uint32_t a = 0; a < atoms.size(); ++a) needle(atoms[a], {none, a});
            // The regexes the prefilter cannot rule out whatever occurs: run on every text.
            std::vector<int> unfiltered;
            prefilter->AllPotentials({}, &unfiltered);
            filtered_in_always.assign(filtered.size(), 0);
            for (const int r : unfiltered) {
                filtered_in_always[static_cast<std::size_t>(r)] = 1;
                always.push_back(filtered[static_cast<std::size_t>(r)]);
            }
        }
    }
    std::sort(always.begin(), always.end());
    needles = needle_search(std::move(texts));
}

std::unique_ptr<RE2::Set> text_scan::build_always() const {
    auto set = std::make_unique<RE2::Set>(regex_options(), RE2::UNANCHORED);
    for (const std::uint32_t p : always) {
        if (set->Add(patterns[p], nullptr) < 0) return nullptr;
    }
    if (!set->Compile()) return nullptr;
    return set;
}

std::unique_ptr<RE2> text_scan::build_one(std::uint32_t pattern) const {
    return std::make_unique<RE2>(patterns[pattern], regex_options());
}

}  // namespace vigil::eval
