#!/usr/bin/env bash
# bench/profile.sh - where ldgate's CPU per request goes, under bench/run.sh's load.
#
#   bench/profile.sh [OUTDIR]        (default ./bench-profile-YYYYmmdd-HHMMSS)
#
# Runs bench/run.sh for the gateway alone (pinned as in the benchmark) with
# `perf record -e cpu-clock --call-graph dwarf` attached to ldgate over each
# measured window (cpu-clock works where the VM exposes no hardware
# counters), then bench/lib/profile.py attributes the samples to stages
# (HTTP parsing, TLS, JSON Patch parsing, audit record building, policy,
# audit writer: serialization / hash chain / write / fdatasync, kernel
# socket I/O, epoll, context switches) and to leaf classes (allocation,
# copying, crypto, jansson, ...). Where perf cannot sample at all, it falls
# back to valgrind --tool=callgrind (shorter run, leaf view only).
#
# Settings: WORKLOADS (default "patch"), CONNS (default "128"), DURATION
# (default 10), CPU_US (CPU us per request to scale the shares with; default:
# the one measured in this profiled run, which perf itself inflates a little),
# PROFILER=perf|callgrind (default: perf when it works). Other bench/run.sh
# variables pass through. Writes OUTDIR/profile-*.txt and .json next to the
# raw data and OUTDIR/results.json.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
OUT=${1:-$PWD/bench-profile-$(date +%Y%m%d-%H%M%S)}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
mkdir -p "$OUT" || exit 1
export WORKLOADS=${WORKLOADS:-patch} CONNS=${CONNS:-128}
export CANDIDATES=gateway RETRY_DISTURBED=0 VERIFY_CHECK=0 ROUNDS=1
log() { printf '[profile %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

perf_works() {
  command -v perf >/dev/null 2>&1 || return 1
  perf record -q -e cpu-clock -o "$OUT/.perf-probe.data" -- true >/dev/null 2>&1
  local rc=$?
  rm -f "$OUT/.perf-probe.data"
  return $rc
}
need() { # install Debian packages if missing (root only)
  local miss=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || miss+=("$p"); done
  ((${#miss[@]})) || return 0
  [[ $EUID -eq 0 ]] || return 1
  log "installing ${miss[*]}"
  timeout 600 apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${miss[@]}" >/dev/null 2>&1
}

PROFILER=${PROFILER:-}
if [[ -z $PROFILER ]]; then
  command -v perf >/dev/null 2>&1 || need linux-perf
  if perf_works; then PROFILER=perf; else PROFILER=callgrind; fi
fi
log "profiler: $PROFILER; workloads '$WORKLOADS', conns '$CONNS'; output in $OUT"

if [[ $PROFILER == perf ]]; then
  export DURATION=${DURATION:-10}
  PROFILE=perf PROFILE_DIR=$OUT "$HERE/run.sh" "$OUT/results.json" >"$OUT/run.txt" || exit 1
  pattern="$OUT/perf-*.data"
else
  command -v valgrind >/dev/null 2>&1 || need valgrind || { log "valgrind missing"; exit 1; }
  # callgrind runs ldgate ~50x slower: a short window is plenty
  export DURATION=${DURATION:-5}
  LDGATE_WRAP="valgrind --tool=callgrind --callgrind-out-file=$OUT/callgrind.%p.out" \
    "$HERE/run.sh" "$OUT/results.json" >"$OUT/run.txt" || exit 1
  pattern="$OUT/callgrind.*.out"
fi

for f in $pattern; do
  [[ -s $f ]] || continue
  base=$(basename "$f"); base=${base%.*}
  cpu=${CPU_US:-}
  if [[ -z $cpu && $base == perf-* ]]; then # perf-WORKLOAD-CAND-cCONNS-rROUND
    cpu=$(python3 - "$OUT/results.json" "$base" <<'PY'
import json, re, sys
res = json.load(open(sys.argv[1]))
m = re.match(r"perf-(.+)-(gateway(?:-w1)?)-c(\d+)-r(\d+)$", sys.argv[2])
for x in res["measurements"]:
    if m and (x.get("workload"), x["candidate"], str(x["conns"]), str(x["round"])) == m.groups():
        print(x.get("proxy_cpu_us_per_req") or "")
        break
PY
)
  fi
  kind=perf; [[ $base == callgrind* ]] && kind=callgrind
  python3 "$HERE/lib/profile.py" "$kind" "$f" --src "$TOP/src" ${cpu:+--cpu-us "$cpu"} \
    --json "$OUT/profile-$base.json" >"$OUT/profile-$base.txt" || continue
  log "$OUT/profile-$base.txt"
  cat "$OUT/profile-$base.txt"
done
