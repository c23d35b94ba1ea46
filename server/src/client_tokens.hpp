#pragma once
// The clients `vigil serve` answers decide requests for (--client-tokens-file): each a name, which
// the decision log records beside every decision it asked for, and the bearer token it sends.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::server {

struct client_token {
    std::string name;
    std::string token;
};

using client_list = std::vector<client_token>;

/// Reads the clients of `text`, the contents of `file`: one `NAME TOKEN` a line, the two separated
/// by blanks; blank lines and lines starting with `#` are skipped. Nothing, with `error` as
/// `file:line: message`, when a line is not that, a name or a token comes twice (a token must tell
/// one client), or there is no client at all (every request would be refused).
[[nodiscard]] std::optional<std::vector<client_token>> parse_client_tokens(std::string_view text, std::string_view file,
                                                                           std::string& error);

/// Reads and parses `file` (parse_client_tokens), refusing one that group or others may read or
/// write, as OpenSSH refuses such a private key: the tokens are secrets. Nothing, with `error` as
/// `file:line: message` or `` `file`: message `` (the mode and the `chmod` that fixes it), when it
/// cannot be used.
[[nodiscard]] std::optional<client_list> read_client_tokens_file(const std::string& file, std::string& error);

/// The clients now allowed, which a reload of the file replaces whole while other threads answer
/// requests with them. A reader keeps the list it got, whole and alive, for as long as it holds it.
class client_registry {
public:
    /// Null while no list was installed: no client tokens, decide requests need none.
    [[nodiscard]] std::shared_ptr<const client_list> current() const;
    void replace(client_list next);

private:
    mutable std::mutex m_lock;
    std::shared_ptr<const client_list> m_clients;
};

/// The client whose token `given` is, or nullptr. Compares `given` with every token, each without
/// an early exit, so the time taken tells neither which client nor how much of a guess was right.
[[nodiscard]] const client_token* find_client(const std::vector<client_token>& clients, std::string_view given);

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
[[nodiscard]] bool same_secret(std::string_view given, std::string_view expected);

}  // namespace vigil::server
