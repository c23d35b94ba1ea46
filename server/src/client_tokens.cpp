#include "client_tokens.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "vigil/source.hpp"

namespace vigil::server {

namespace {

constexpr std::string_view blanks = " \t\r";

// The blank-separated words of a line.
std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    for (;;) {
        const auto first = line.find_first_not_of(blanks);
        if (first == std::string_view::npos) return words;
        line.remove_prefix(first);
        const auto end = std::min(line.find_first_of(blanks), line.size());
        words.push_back(line.substr(0, end));
        line.remove_prefix(end);
    }
}

// A name goes into every decision-log line and the server's log: printable ASCII keeps them
// readable and needs no escaping anywhere.
bool is_plain_name(std::string_view name) {
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '@' || c == ':';
    });
}

std::string where(std::string_view file, std::size_t line) {
    return std::string(file) + ":" + std::to_string(line) + ": ";
}

// The mode as `chmod` takes it, `0644`.
std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

bool others_may_touch(mode_t mode) {
    return (mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) != 0;
}

}  // namespace

std::optional<client_list> read_client_tokens_file(const std::string& file, std::string& error) {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> open(std::fopen(file.c_str(), "rb"), &std::fclose);
    struct stat st {};
    // The mode of the file opened, not of whatever the path names a moment later.
    if (!open || ::fstat(::fileno(open.get()), &st) != 0) {
        error = "`" + file + "`: cannot read it: " + std::strerror(errno);
        return std::nullopt;
    }
    if (others_may_touch(st.st_mode)) {
        error = "`" + file + "`: its mode " + octal_mode(st.st_mode) +
                " lets group or others read or write it, and its tokens are secrets: run `chmod 600 " + file + "`";
        return std::nullopt;
    }
    const std::optional<std::string> text = read_to_end(open.get(), error);
    if (!text) {
        error = "`" + file + "`: cannot read it: " + error;
        return std::nullopt;
    }
    return parse_client_tokens(*text, file, error);
}

std::shared_ptr<const client_list> client_registry::current() const {
    std::lock_guard lock(m_lock);
    return m_clients;
}

void client_registry::replace(client_list next) {
    auto installed = std::make_shared<const client_list>(std::move(next));
    std::lock_guard lock(m_lock);
    m_clients.swap(installed);
    // The list replaced is freed after the lock: here, or by the last request that holds it.
}

std::optional<std::vector<client_token>> parse_client_tokens(std::string_view text, std::string_view file,
                                                             std::string& error) {
    std::vector<client_token> clients;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const auto end = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        const auto words = words_of(line);
        if (words.empty() || words.front().front() == '#') continue;
        if (words.size() != 2) {
            error = where(file, number) + "expected `NAME TOKEN`, got " + std::to_string(words.size()) +
                    (words.size() == 1 ? " word" : " words");
            return std::nullopt;
        }
        if (!is_plain_name(words[0])) {
            error = where(file, number) + "the client name `" + std::string(words[0]) +
                    "` may hold only letters, digits and `-_.@:`";
            return std::nullopt;
        }
        for (const client_token& known : clients) {
            if (known.name == words[0]) {
                error = where(file, number) + "the client `" + known.name + "` is named twice";
                return std::nullopt;
            }
            if (known.token == words[1]) {
                error = where(file, number) + "the client `" + std::string(words[0]) + "` has the token of `" +
                        known.name + "`; each client needs a token of its own";
                return std::nullopt;
            }
        }
        clients.push_back({std::string(words[0]), std::string(words[1])});
    }
    if (clients.empty()) {
        error = std::string(file) + ": no client in the file (`NAME TOKEN` a line)";
        return std::nullopt;
    }
    return clients;
}

const client_token* find_client(const std::vector<client_token>& clients, std::string_view given) {
    const client_token* found = nullptr;
    for (const client_token& c : clients) {
        if (same_secret(given, c.token)) found = &c;
    }
    return found;
}

bool same_secret(std::string_view given, std::string_view expected) {
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const char g = i < given.size() ? given[i] : '\0';
        diff |= static_cast<unsigned char>(g ^ expected[i]);
    }
    return diff == 0;
}

}  // namespace vigil::server
