#!/usr/bin/env bash
# Instructions per proxied request, counted by callgrind: load-independent, so
# it can be compared across commits on a busy machine. For JSON and SSE, runs
# the gateway under callgrind twice (1 and N+1 sequential requests on one
# kept-alive connection) and prints (Ir(N+1) - Ir(1)) / N.
#
#   bench/callgrind.sh --gateway BIN --upstream BIN [--requests N] [--keep DIR]
#
# --keep DIR copies the callgrind outputs there, for callgrind_annotate.
#
# Needs valgrind and python3. Every process it starts is stopped by PID.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gateway_bin=""
upstream_bin=""
requests=500
keep=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gateway) gateway_bin="$2"; shift 2 ;;
    --upstream) upstream_bin="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
[[ -x "$gateway_bin" && -x "$upstream_bin" ]] || { echo "callgrind.sh: --gateway and --upstream binaries are required" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }
# shellcheck source=bench/render_config.sh
source "$here/render_config.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-callgrind.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # port pid
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

"$upstream_bin" 0 >"$work/upstream.out" 2>&1 &
pids+=($!)
upstream_port=""
for _ in $(seq 100); do
  upstream_port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/upstream.out")"
  [[ -n "$upstream_port" ]] && break
  sleep 0.05
done
[[ -n "$upstream_port" ]] || { echo "callgrind.sh: fake upstream did not start" >&2; exit 1; }

# Total instructions of one gateway run serving `count` requests of `mode`.
instructions() {  # mode count
  local port out pid
  port="$(free_port)"
  out="$work/callgrind.$1.$2"
  render_config "$work/gateway.yaml" "$port" "$upstream_port" bench/fake-model "$work/usage.jsonl" ""
  valgrind --tool=callgrind --callgrind-out-file="$out" "$gateway_bin" --config "$work/gateway.yaml" \
    >"$work/gateway.out" 2>&1 &
  pid=$!
  wait_port "$port" "$pid" || { echo "callgrind.sh: gateway did not start: $(tail -5 "$work/gateway.out")" >&2; exit 1; }
  timeout 600 python3 "$here/seq_client.py" "$port" "$2" "$1"
  kill -TERM "$pid"
  wait "$pid" || true
  [[ -z "$keep" ]] || { mkdir -p "$keep" && cp "$out" "$keep/"; }
  sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out"
}

for mode in json sse; do
  one="$(instructions "$mode" 1)"
  many="$(instructions "$mode" $((requests + 1)))"
  echo "$mode: $(( (many - one) / requests )) instructions per request (callgrind, $requests sequential requests)"
done
