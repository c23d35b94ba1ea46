#pragma once
// The clients `vigil serve` answers decide requests for (--client-tokens-file): each a name, which
// the decision log records beside every decision it asked for, and the bearer token it sends.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::server {

struct client_token {
    std::string name;
    std::string token;
};

/// Reads the clients of `text`, the contents of `file`: one `NAME TOKEN` a line, the two separated
/// by blanks; blank lines and lines starting with `#` are skipped. Nothing, with `error` as
/// `file:line: message`, when a line is not that, a name or a token comes twice (a token must tell
/// one client), or there is no client at all (every request would be refused).
[[nodiscard]] std::optional<std::vector<client_token>> parse_client_tokens(std::string_view text, std::string_view file,
                                                                           std::string& error);

/// The client whose token `given` is, or nullptr. Compares `given` with every token, each without
/// an early exit, so the time taken tells neither which client nor how much of a guess was right.
[[nodiscard]] const client_token* find_client(const std::vector<client_token>& clients, std::string_view given);

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
[[nodiscard]] bool same_secret(std::string_view given, std::string_view expected);

}  // namespace vigil::server
