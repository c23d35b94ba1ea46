#!/usr/bin/env bash
# fuzz/seeds.sh OUT: writes the seed corpora of the fuzz targets to OUT/<target>/, one file per
# input, named by its SHA-1 (so running it again adds nothing twice). The seeds are the project's
# own inputs: the shipped policies and their tests, the examples, the docs, the golden files and
# the texts embedded in the test suites as raw strings (R"(...)"). ./dev fuzz runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$1
mkdir -p "$out/policy" "$out/record" "$out/server_body" "$out/test_file" "$out/lsp"

# seed TARGET: standard input becomes one seed of TARGET.
seed() {
    local data
    data=$(mktemp)
    cat >"$data"
    if [ -s "$data" ]; then mv "$data" "$out/$1/$(sha1sum <"$data" | cut -c1-40)"; else rm -f "$data"; fi
}

# raw_strings FILE...: every raw string literal of the C++ files, each followed by a NUL byte.
raw_strings() {
    perl -0777 -ne 'while (/R"([^(\s]*)\((.*?)\)\1"/gs) { print $2, "\0" }' "$@"
}

# every_line FILE...: every non-empty line, each followed by a NUL byte.
every_line() {
    grep -h -v '^[[:space:]]*$' "$@" | tr '\n' '\0'
}

# from_stream TARGET PATTERN: seeds of TARGET from NUL-separated texts on standard input that
# match the extended regular expression PATTERN.
from_stream() {
    while IFS= read -r -d '' text; do
        if printf '%s' "$text" | grep -Eq "$2"; then printf '%s' "$text" | seed "$1"; fi
    done
}

find policies docs tests/golden -name '*.vigil' -print0 | while IFS= read -r -d '' f; do seed policy <"$f"; done
raw_strings tests/grammar/*.cpp tests/check/*.cpp tests/eval/*.cpp tests/service/*.cpp |
    from_stream policy '(^|[[:space:]])(policy|let|import|rule)[[:space:]]'

find policies docs tests/golden -name '*.tests' -print0 | while IFS= read -r -d '' f; do seed test_file <"$f"; done
raw_strings tests/policytest/*.cpp | from_stream test_file '(^|[[:space:]])(case|policy|defaults|start)[[:space:]]'

every_line examples/records.jsonl tests/golden/cli/malformed.jsonl $(find docs/tutorial -name '*.jsonl') |
    from_stream record '.'
raw_strings tests/eval/*.cpp tests/replay/*.cpp tests/service/*.cpp | from_stream record '^[[:space:]]*\{'

# A body of `vigil serve`: each record alone (POST /v1/decide), each log as one JSON array
# (POST /v1/decide/batch), and the bodies the server's tests send.
every_line examples/records.jsonl tests/golden/cli/malformed.jsonl | from_stream server_body '.'
for log in examples/records.jsonl tests/golden/cli/malformed.jsonl $(find docs/tutorial -name '*.jsonl'); do
    { printf '['; grep -v '^[[:space:]]*$' "$log" | paste -sd, - | tr -d '\n'; printf ']'; } | seed server_body
done
raw_strings tests/server/*.cpp | from_stream server_body '^[[:space:]]*[[{]'

# What an editor sends `vigil lsp`: the first byte picks how the rest is read (fuzz/lsp.cpp): 1 a
# policy file, 2 a test file, 0 the stream of messages after `initialize`.
find policies docs/examples -name '*.vigil' -print0 | while IFS= read -r -d '' f; do { printf '\001'; cat "$f"; } | seed lsp; done
find policies -name '*.tests' -print0 | while IFS= read -r -d '' f; do { printf '\002'; cat "$f"; } | seed lsp; done
for body in '{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}}' \
    '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"untitled:a.vigil","text":"policy \"p\" {}"}}}'; do
    printf '\000Content-Length: %d\r\n\r\n%s' "${#body}" "$body" | seed lsp
done

for target in policy record server_body test_file lsp; do
    echo "seeds: $(find "$out/$target" -type f | wc -l) for $target"
done
