#!/usr/bin/env bash
# Switchyard load benchmark: the gateway in front of a fast fake upstream,
# compared with the fake upstream alone. See bench/README.md.
#
#   bench/run.sh [--gateway BIN] [--upstream BIN] [--build-dir DIR]
#                [--results FILE] [--duration SECONDS] [--port PORT]
#                [--rss-requests N]
#
# Without --gateway/--upstream it builds both (Release) in --build-dir
# (default: $TMPDIR/switchyard-bench-build, outside the source tree).
# Needs wrk, taskset and at least 2 CPUs. Every run is bounded in time; every
# process it starts is stopped by PID on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

gateway_bin=""
upstream_bin=""
build_dir="${TMPDIR:-/tmp}/switchyard-bench-build"
results=""
duration=10
gateway_port=18080
rss_requests=100000
rss_limit_s=600
connections_list="32 256"
# Upstream idle-pool size per worker; empty keeps the gateway's default.
pool="${BENCH_UPSTREAM_POOL:-}"

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --gateway) gateway_bin="$2"; shift 2 ;;
    --upstream) upstream_bin="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --port) gateway_port="$2"; shift 2 ;;
    --rss-requests) rss_requests="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "run.sh: $*" >&2; }

command -v wrk >/dev/null || die "wrk is not installed (apt-get install -y wrk)"
command -v taskset >/dev/null || die "taskset is not installed (util-linux)"
[[ "$(nproc)" -ge 2 ]] || die "needs at least 2 CPUs (gateway on CPU 0, upstream and wrk on CPU 1)"

# --- build ----------------------------------------------------------------
if [[ -z "$gateway_bin" || -z "$upstream_bin" ]]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  log "building in $build_dir"
  cmake -S "$repo" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DSWITCHYARD_TESTS=OFF -DSWITCHYARD_BENCH=ON >/dev/null
  cmake --build "$build_dir" --target switchyard fake_upstream_bench -j "$(nproc)" >/dev/null
  [[ -n "$gateway_bin" ]] || gateway_bin="$build_dir/switchyard"
  [[ -n "$upstream_bin" ]] || upstream_bin="$build_dir/bench/fake_upstream_bench"
fi
[[ -x "$gateway_bin" ]] || die "no gateway binary at $gateway_bin"
[[ -x "$upstream_bin" ]] || die "no fake upstream binary at $upstream_bin"

# --- processes and cleanup -------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-bench.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# One HTTP/1.1 request with Connection: close; prints the raw response.
http_request() {  # method port path [body]
  local method="$1" port="$2" path="$3" body="${4:-}"
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" \
      "$2" "$3" "${#4}" "$4" >&3
    cat <&3' _ "$port" "$method" "$path" "$body"
}

proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
proc_rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
clk_tck="$(getconf CLK_TCK)"
# shellcheck source=bench/render_config.sh
source "$here/render_config.sh"

# --- fake upstream (CPU 1) -----------------------------------------------
taskset -c 1 "$upstream_bin" 0 >"$work/upstream.out" 2>"$work/upstream.err" &
upstream_pid=$!
pids+=("$upstream_pid")
upstream_port=""
for _ in $(seq 100); do
  upstream_port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/upstream.out")"
  [[ -n "$upstream_port" ]] && break
  kill -0 "$upstream_pid" 2>/dev/null || die "fake upstream exited: $(cat "$work/upstream.err")"
  sleep 0.05
done
[[ -n "$upstream_port" ]] || die "fake upstream did not start"

# --- gateway (CPU 0) ---------------------------------------------------------
port_busy "$gateway_port" && die "port $gateway_port is in use (choose another with --port)"
model="bench/fake-model"
pool_line=""
[[ -n "$pool" ]] && pool_line="    max_connections: $pool"
render_config "$work/gateway.yaml" "$gateway_port" "$upstream_port" "$model" "$work/usage.jsonl" "$pool_line"
"$gateway_bin" --config "$work/gateway.yaml" --check >"$work/check.out" 2>&1 ||
  die "gateway rejected the benchmark config: $(cat "$work/check.out")"

taskset -c 0 "$gateway_bin" --config "$work/gateway.yaml" >"$work/gateway.out" 2>"$work/gateway.err" &
gateway_pid=$!
pids+=("$gateway_pid")
for _ in $(seq 100); do
  port_busy "$gateway_port" && break
  kill -0 "$gateway_pid" 2>/dev/null || die "gateway exited: $(cat "$work/gateway.err")"
  sleep 0.05
done
port_busy "$gateway_port" || die "gateway did not start listening on $gateway_port"

# Warm-up: one JSON and one streamed request, both must succeed end to end.
json_body='{"model":"'"$model"'","messages":[{"role":"user","content":"hi"}]}'
sse_body='{"model":"'"$model"'","messages":[{"role":"user","content":"hi"}],"stream":true}'
reply="$(http_request POST "$gateway_port" /v1/chat/completions "$json_body")"
[[ "$reply" == "HTTP/1.1 200"* && "$reply" == *'"usage"'* ]] ||
  die "warm-up JSON request failed: ${reply:0:400}"
reply="$(http_request POST "$gateway_port" /v1/chat/completions "$sse_body")"
[[ "$reply" == "HTTP/1.1 200"* && "$reply" == *"data: [DONE]"* ]] ||
  die "warm-up streaming request failed: ${reply:0:400}"
sleep 0.5
idle_rss_kib="$(proc_rss_kib "$gateway_pid")"

# --- wrk ---------------------------------------------------------------
# Runs wrk on CPU 1; sets the globals: requests, rps, p50_us, p99_us, errors.
run_wrk() {  # script connections seconds port
  local script="$1" conns="$2" seconds="$3" port="$4" out line
  out="$work/wrk.out"
  timeout $((seconds + 30)) taskset -c 1 wrk -t1 -c "$conns" -d "${seconds}s" --latency \
    -s "$here/$script" "http://127.0.0.1:$port/v1/chat/completions" >"$out" 2>&1 ||
    die "wrk failed: $(tail -5 "$out")"
  line="$(grep '^BENCH ' "$out" | tail -1)"
  [[ -n "$line" ]] || die "wrk printed no summary: $(tail -5 "$out")"
  field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $line"; }
  requests="$(field requests)"
  p50_us="$(field p50_us)"
  p99_us="$(field p99_us)"
  errors=$(( $(field non2xx) + $(field connect) + $(field read) + $(field write) + $(field timeout) ))
  rps="$(awk -v r="$requests" -v d="$(field duration_us)" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
mib() { awk -v kib="$1" 'BEGIN { printf "%.1f", kib / 1024 }'; }

# RSS growth over at least $rss_requests JSON requests (32 connections), from
# the freshly warmed-up process, in 5 s wrk runs; at most $rss_limit_s seconds.
log "RSS run: >= $rss_requests requests through the gateway"
rss_before_kib="$(proc_rss_kib "$gateway_pid")"
rss_total=0
rss_errors=0
rss_deadline=$((SECONDS + rss_limit_s))
while (( rss_total < rss_requests )); do
  (( SECONDS < rss_deadline )) || die "RSS run: fewer than $rss_requests requests in $rss_limit_s s"
  run_wrk json.lua 32 5 "$gateway_port"
  rss_total=$((rss_total + requests))
  rss_errors=$((rss_errors + errors))
done
sleep 0.5
rss_after_kib="$(proc_rss_kib "$gateway_pid")"
rss_growth_kib=$((rss_after_kib - rss_before_kib))

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- the matrix ------------------------------------------------------------
rows=()
all_errors=$rss_errors
for kind in json sse; do
  for conns in $connections_list; do
    label="$(tr '[:lower:]' '[:upper:]' <<<"$kind")"
    log "$label, $conns connections: direct"
    run_wrk "$kind.lua" "$conns" "$duration" "$upstream_port"
    d_rps=$rps d_p50=$p50_us d_p99=$p99_us d_err=$errors
    sleep 1
    log "$label, $conns connections: through the gateway"
    ticks_before="$(proc_cpu_ticks "$gateway_pid")"
    run_wrk "$kind.lua" "$conns" "$duration" "$gateway_port"
    ticks_after="$(proc_cpu_ticks "$gateway_pid")"
    cpu_us="$(awk -v t=$((ticks_after - ticks_before)) -v hz="$clk_tck" -v n="$requests" \
      'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')"
    cpu_share="$(awk -v t=$((ticks_after - ticks_before)) -v hz="$clk_tck" -v s="$duration" \
      'BEGIN { printf "%.0f", t / hz / s * 100 }')"
    ratio="$(awk -v g="$rps" -v d="$d_rps" 'BEGIN { printf "%.0f", (d > 0 ? g / d * 100 : 0) }')"
    all_errors=$((all_errors + d_err + errors))
    rows+=("| $label | $conns | $d_rps | $(ms "$d_p50") | $(ms "$d_p99") | $rps | $(ms "$p50_us") | $(ms "$p99_us") | ${ratio}% | $cpu_us | ${cpu_share}% | $((d_err + errors)) |")
    sleep 1
  done
done
final_rss_kib="$(proc_rss_kib "$gateway_pid")"
peak_rss_kib="$(awk '/^VmHWM:/ { print $2 }' "/proc/$gateway_pid/status")"
kill -0 "$gateway_pid" 2>/dev/null || die "the gateway died during the benchmark"

# --- report -----------------------------------------------------------------
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
{
  echo "## Switchyard gateway benchmark"
  echo
  echo "$(nproc) CPUs, ${cpu_model:-unknown CPU}; gateway (workers: 1) on CPU 0, fake upstream and wrk (-t1) on CPU 1; ${duration} s per run."
  echo "Load average before the throughput runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| Mode | Conns | Direct req/s | Direct p50 ms | Direct p99 ms | Gateway req/s | Gateway p50 ms | Gateway p99 ms | Gateway / direct | Gateway CPU µs/req | Gateway CPU busy | Errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "| Memory (gateway VmRSS) | Value |"
  echo "|---|---:|"
  echo "| Idle, after start and warm-up | $(mib "$idle_rss_kib") MiB |"
  echo "| Before the RSS run | $(mib "$rss_before_kib") MiB |"
  echo "| After $rss_total JSON requests (32 conns) | $(mib "$rss_after_kib") MiB |"
  echo "| Growth over those $rss_total requests | $(mib "$rss_growth_kib") MiB |"
  echo "| After all runs | $(mib "$final_rss_kib") MiB (peak $(mib "$peak_rss_kib") MiB) |"
  echo
  echo "Errors (non-2xx, socket errors, timeouts) over all runs: $all_errors."
} >"$work/results.md"

cat "$work/results.md"
if [[ -n "$results" ]]; then cp "$work/results.md" "$results"; fi
