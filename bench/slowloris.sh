#!/usr/bin/env bash
# Slow-client benchmark: throughput and latency of normal clients while
# 1,000 slow connections (slowhttptest: slow headers, slow body, slow read)
# are held against the gateway, and the same with each edge limit relaxed in
# turn, so the table shows what each limit protects.
#
#   bench/slowloris.sh --build-dir build [--duration S] [--port P] [--results FILE]
#
# Needs wrk, slowhttptest and taskset (apt-get install -y wrk slowhttptest).
# The gateway runs on CPU 0; the fake upstream, wrk and slowhttptest on CPU 1.
# Every process started here is stopped by PID on exit, also on Ctrl-C.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build_dir=build
duration=10
gateway_port=18090
results=""
slow_connections=1000
normal_connections=32

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --port) gateway_port="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

die() { echo "slowloris.sh: $*" >&2; exit 1; }
for tool in wrk slowhttptest taskset sha256sum ss; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
gateway_bin="$build_dir/switchyard"
upstream_bin="$build_dir/bench/fake_upstream_bench"
[[ -x "$gateway_bin" && -x "$upstream_bin" ]] ||
  die "build the gateway and the fake upstream first: cmake --build $build_dir --target switchyard fake_upstream_bench"

# 1,000 slow connections plus the normal clients, in the gateway and in
# slowhttptest: raise the descriptor limit for everything started here.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= slow_connections * 2 + 256 )) ||
  die "ulimit -n is $(ulimit -n); need at least $((slow_connections * 2 + 256))"

work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
established_to() { ss -Htn state established "( dport = :$1 )" | wc -l; }

normal_key="bench-normal-key"
greedy_key="bench-greedy-key"
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# --- fake upstream (kept for the whole run) ---------------------------------
taskset -c 1 "$upstream_bin" 0 >"$work/upstream.out" 2>"$work/upstream.err" &
pids+=($!)
upstream_port=""
for _ in $(seq 100); do
  upstream_port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/upstream.out")"
  [[ -n "$upstream_port" ]] && break
  sleep 0.1
done
[[ -n "$upstream_port" ]] || die "fake upstream did not start"

# --- one scenario -----------------------------------------------------------
write_config() {  # header_timeout body_timeout max_connections greedy_max_concurrent
  local greedy_limit=""
  [[ "$4" != off ]] && greedy_limit="    max_concurrent: $4"
  cat >"$work/gateway.yaml" <<YAML
server:
  listen: 127.0.0.1:$gateway_port
  workers: 1
  access_log: ""
  log_level: error
  explain: false
  require_key: false
  limits:
    header_timeout: $1
    body_timeout: $2
    max_connections: $3
  usage_log:
    path: $work/usage.jsonl
    fsync: never
providers:
  - name: fake
    kind: openai
    flavor: generic
    base_url: http://127.0.0.1:$upstream_port/v1
    hosting: { location: local, jurisdiction: on-prem }
    data_policy: { retains_prompts: false, trains_on_prompts: false }
    health: { enabled: false }
    max_connections: 16
    max_queued: 4096
    queue_timeout: 5s
models:
  - id: bench/fake-model
    family: bench
    author: Switchyard
    origin: US
    weights: open
    license: MIT
    context_length: 32768
    endpoints:
      - provider: fake
        upstream_model: bench-upstream-model
        price: { prompt: 0.10, completion: 0.20 }
keys:
  - name: normal
    key_sha256: $(sha "$normal_key")
  - name: greedy
    key_sha256: $(sha "$greedy_key")
$greedy_limit
YAML
}

start_gateway() {
  "$gateway_bin" --config "$work/gateway.yaml" --check >/dev/null 2>"$work/check.err" ||
    die "config rejected: $(cat "$work/check.err")"
  taskset -c 0 "$gateway_bin" --config "$work/gateway.yaml" >"$work/gateway.out" 2>"$work/gateway.err" &
  gateway_pid=$!
  pids+=("$gateway_pid")
  for _ in $(seq 100); do
    port_open "$gateway_port" && return 0
    kill -0 "$gateway_pid" 2>/dev/null || die "gateway exited: $(cat "$work/gateway.err")"
    sleep 0.1
  done
  die "gateway did not listen on $gateway_port"
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

start_attack() {  # mode: H | B | X | greedy
  local url="http://127.0.0.1:$gateway_port/v1/chat/completions" command
  local slow=(taskset -c 1 slowhttptest -c "$slow_connections" -r 1000 -l $((duration + 30)) -p 3)
  case "$1" in
    H) command=("${slow[@]}" -H -i 1 -x 16 -t POST -u "$url") ;;
    B) command=("${slow[@]}" -B -i 1 -x 16 -s 65536 -f application/json -u "$url") ;;
    X) command=("${slow[@]}" -X -k 8 -n 1 -z 1 -w 1 -y 16 -t GET -u "http://127.0.0.1:$gateway_port/healthz") ;;
    greedy) command=(env BENCH_KEY="$greedy_key" taskset -c 1 wrk -t1 -c 256 -d "$((duration + 30))s"
      -s "$here/keyed_json.lua" "$url") ;;
  esac
  # Started directly (no subshell) so that $! is the process to stop.
  timeout $((duration + 40)) "${command[@]}" >"$work/attack.out" 2>&1 &
  attack_pid=$!
  pids+=("$attack_pid")
  # Wait until the slow connections are open (or the gateway's cap stops them).
  local previous=-1 now
  for _ in $(seq 50); do
    sleep 0.2
    now="$(established_to "$gateway_port")"
    (( now >= slow_connections / 2 && now == previous )) && break
    [[ "$1" == greedy ]] && (( now >= 200 )) && break
    previous="$now"
  done
}

row() {  # label mode header_timeout body_timeout max_connections greedy_limit
  local label="$1" mode="$2" held_before held_after line
  write_config "$3" "$4" "$5" "$6"
  start_gateway
  attack_pid=""
  [[ "$mode" != none ]] && start_attack "$mode"
  held_before="$(established_to "$gateway_port")"
  BENCH_KEY="$normal_key" timeout $((duration + 30)) taskset -c 1 wrk -t1 -c "$normal_connections" \
    -d "${duration}s" --latency --timeout 5s -s "$here/keyed_json.lua" \
    "http://127.0.0.1:$gateway_port/v1/chat/completions" >"$work/wrk.out" 2>&1 || true
  held_after="$(established_to "$gateway_port")"
  [[ -n "$attack_pid" ]] && stop_pid "$attack_pid"
  stop_pid "$gateway_pid"
  line="$(grep '^BENCH ' "$work/wrk.out" || true)"
  [[ -n "$line" ]] || { echo "| $label | wrk failed: $(tail -1 "$work/wrk.out") |"; return; }
  local requests duration_us non2xx errors p50 p99
  requests="$(sed 's/.* requests=\([0-9]*\).*/\1/' <<<"$line")"
  duration_us="$(sed 's/.* duration_us=\([0-9]*\).*/\1/' <<<"$line")"
  non2xx="$(sed 's/.* non2xx=\([0-9]*\).*/\1/' <<<"$line")"
  errors="$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(connect|read|write|timeout)=/) { split($i, kv, "="); s += kv[2] } } END { print s + 0 }' <<<"$line")"
  p50="$(sed 's/.* p50_us=\([0-9]*\).*/\1/' <<<"$line")"
  p99="$(sed 's/.* p99_us=\([0-9]*\).*/\1/' <<<"$line")"
  awk -v l="$label" -v r="$requests" -v d="$duration_us" -v n="$non2xx" -v e="$errors" \
    -v a="$p50" -v b="$p99" -v h1="$held_before" -v h2="$held_after" \
    'BEGIN { printf "| %s | %.0f | %.2f | %.2f | %d | %d | %d | %d |\n", l, r / (d / 1e6), a / 1000, b / 1000, n, e, h1, h2 }'
}

header="| Scenario | Normal req/s | p50 ms | p99 ms | Non-2xx | Socket errors | Conns at start | Conns at end |
|---|---:|---:|---:|---:|---:|---:|---:|"
big=$((slow_connections + 500))
small=$slow_connections
{
  echo "$header"
  # Protected: the benchmark's limits (short timeouts so a 10 s run sees them act).
  row "no slow clients" none 3s 3s "$big" 16
  row "slow headers (-H)" H 3s 3s "$big" 16
  row "slow body (-B)" B 3s 3s "$big" 16
  row "slow read (-X)" X 3s 3s "$big" 16
  # Each limit relaxed in turn.
  row "-H, header_timeout 1h" H 1h 3s "$big" 16
  row "-B, body_timeout 1h" B 3s 1h "$big" 16
  row "-H, max_connections $small" H 3s 3s "$small" 16
  row "-H, max_connections $small, header_timeout 1h" H 1h 3s "$small" 16
  row "-B, max_connections $small, body_timeout 1h" B 3s 1h "$small" 16
  row "-H, max_connections 100000, header_timeout 1h" H 1h 3s 100000 16
  row "greedy key (256 conns), max_concurrent 16" greedy 3s 3s "$big" 16
  row "greedy key (256 conns), max_concurrent off" greedy 3s 3s "$big" off
} | tee "$work/table.md"
[[ -n "$results" ]] && cp "$work/table.md" "$results"
exit 0
