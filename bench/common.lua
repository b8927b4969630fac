-- Shared by the wrk scripts of bench/run.sh: one POST /v1/chat/completions,
-- and a machine-readable summary line at the end of the run.
local common = {}

common.model = os.getenv("BENCH_MODEL") or "bench/fake-model"

function common.body(stream)
  local body = '{"model":"' .. common.model .. '","messages":['
    .. '{"role":"system","content":"You are a concise assistant."},'
    .. '{"role":"user","content":"Say hello to the benchmark in one short sentence."}],'
    .. '"max_tokens":64,"temperature":0'
  if stream then body = body .. ',"stream":true' end
  return body .. '}'
end

function common.setup_post(stream)
  wrk.method = "POST"
  wrk.path = "/v1/chat/completions"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = stream and "text/event-stream" or "application/json"
  wrk.body = common.body(stream)
end

-- One line that bench/run.sh parses: counts, and latency percentiles in µs.
function common.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
    .. "p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end

return common
