-- wrk script for POST /v1/decide (bench/serve_bench.sh runs it).
--
-- Posts the records of a generated log (RECORDS, one JSON record per line) in order, round after
-- round. Every conversation id gets the wrk thread's number and the round as a suffix, so each
-- round opens new conversations and every turn is a fresh turn in order (a decision, not a 409);
-- the log should interleave many conversations (vigil generate --concurrent 2000) so that the
-- turns of one conversation are far apart and connections in flight cannot reorder them.

local path = os.getenv("RECORDS") or "records.jsonl"
-- A tag per wrk run, so that a second run against the same server opens new conversations too.
local run = os.getenv("RUN") or tostring(os.time())
local prefixes, suffixes = {}, {}
local counter = 0

for line in io.lines(path) do
    local s, e = line:find('"conversation_id":"', 1, true)
    if s then
        local close = line:find('"', e + 1, true)
        -- prefix ends with the id itself; the suffix starts at its closing quote
        prefixes[#prefixes + 1] = line:sub(1, close - 1)
        suffixes[#suffixes + 1] = line:sub(close)
    end
end

function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
end

local i, round, tag = 0, 1, nil
local head  -- the request up to the value of Content-Length

function init(args)
    if #prefixes == 0 then error("no records with a conversation_id in " .. path) end
    head = "POST /v1/decide HTTP/1.1\r\nHost: " .. wrk.headers["Host"] ..
           "\r\nContent-Type: application/json\r\nContent-Length: "
    tag = "~" .. run .. "." .. tid .. "." .. round
end

-- The request text in one concatenation: wrk.format() formats every header and joins a table for
-- every request, which cost wrk about 7 us of the two cores' time per request (measured against
-- GET /healthz), time the server under test then does not get.
function request()
    i = i + 1
    if i > #prefixes then
        i = 1
        round = round + 1
        tag = "~" .. run .. "." .. tid .. "." .. round
    end
    local prefix, suffix = prefixes[i], suffixes[i]
    return head .. (#prefix + #tag + #suffix) .. "\r\n\r\n" .. prefix .. tag .. suffix
end

-- No response() callback: it would make wrk hand every answer to Lua and measure itself.
function done(summary, latency, requests)
    io.write(string.format("requests: %d in %.2f s = %.0f/s; non-2xx: %d; errors: connect %d read %d write %d timeout %d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
        summary.errors.timeout))
    io.write(string.format("latency: p50 %.0f us, p90 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f us\n",
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
        latency.max))
end
