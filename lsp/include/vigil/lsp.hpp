#pragma once
// The language server: `vigil lsp` speaks the Language Server Protocol (version 3.17) to one
// editor over a pair of streams. It shows the mistakes of a policy file and of a test file as they
// are typed (the diagnostics `vigil check` and `vigil test` report), marks the test cases that fail
// with how they failed, completes names and fields, lays a file out as `vigil fmt` does, leads from
// a name to its definition and from a definition to its uses, outlines a file, and says what a name
// or a built-in function stands for. docs/editors.md teaches it.

#include <iosfwd>

namespace vigil::lsp {

/// Serves one client: reads its messages from `in` (each a JSON-RPC message after a
/// `Content-Length` header) and writes answers and notifications to `out`, until the client sends
/// `exit` or `in` ends. Mistakes of the client (a message that is not JSON, an unknown method,
/// a request before `initialize`) are answered with JSON-RPC errors and logged to `log`.
/// Returns the process's exit code: 0 when the client asked for `shutdown` before `exit`, as the
/// protocol wants; 1 when it did not, or when `in` ended first; 2 when the stream broke so that
/// the next message cannot be found (a header without `Content-Length`), said on `log`.
[[nodiscard]] int serve(std::istream& in, std::ostream& out, std::ostream& log);

}  // namespace vigil::lsp
