#pragma once
// The fuzz harnesses, one per kind of untrusted input (docs/fuzzing.md). Each takes the bytes of
// one input, runs them through the project's real entry points and aborts when a contract the
// headers state is broken; a crash or a sanitizer report is a bug of its own. The fuzz_* programs
// (main_<target>.cpp) hand them libFuzzer's inputs, and fuzz_regression_test hands them every
// input kept in fuzz/regressions/<target>/, in every build. They return 0, as libFuzzer expects.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "vigil/diagnostic.hpp"
#include "vigil/source.hpp"

namespace vigil {

/// The bytes as a policy file: parsed alone, then loaded, checked and compiled as `vigil check`
/// does (the file sits in policies/, so imports and schemas resolve against the shipped files),
/// every diagnostic rendered as text and as JSON; a set that compiles decides the records of
/// examples/records.jsonl. A failed parse or load must carry an error.
int fuzz_policy(const std::uint8_t* data, std::size_t size);

/// The bytes as one JSON record, decided with the shipped policies (compiled once): padded and
/// unpadded decisions and project_only() must agree, a refusal must say why; then peek(), and
/// every line of the bytes fed to a conversation_tracker, expired and finished.
int fuzz_record(const std::uint8_t* data, std::size_t size);

/// The bytes as the body of POST /v1/decide and of POST /v1/decide/batch, run through the
/// functions `vigil serve` runs on a body (check_record, split_batch, append_one_line,
/// refused_record, answer_batch) with a session table of the shipped policies: a refusal must have a
/// known code, a one-line reason and an offset inside the body (or just past its end, for a body cut
/// short); batch items must lie inside the body, in order, without overlapping, each an object
/// check_record accepts or an element that says why.
int fuzz_server_body(const std::uint8_t* data, std::size_t size);

/// The bytes as a policy test file: parsed, validated and, when it parses, run against the shipped
/// policy file it names (human-oversight.vigil when it names none of them), with both reports.
int fuzz_test_file(const std::uint8_t* data, std::size_t size);

/// The bytes, after a first byte that picks how, as what an editor sends `vigil lsp`: the raw
/// stream after `initialize`, or the text of a policy file or a test file that the harness opens,
/// formats, outlines, completes at a place, hovers over, asks quick fixes for, edits by a range, formats again and asks
/// the definition and the uses of what stands at a place. The server
/// answers in whole JSON-RPC messages and stops with 0, 1 or 2; a session that shuts down exits
/// with 0 and answers every request once; every range it gives lies inside the document.
int fuzz_lsp(const std::uint8_t* data, std::size_t size);

namespace fuzz_support {

/// Prints `what` and aborts when `holds` is false: a broken contract, which libFuzzer reports
/// as a crash with the input that caused it.
void require(bool holds, std::string_view what);

/// Renders every diagnostic as text and as JSON, after checking that its span lies inside its
/// file, so that a renderer never reads outside the text.
void render_every(const std::vector<diagnostic>& diagnostics, const source_map& sources);

}  // namespace fuzz_support

}  // namespace vigil
