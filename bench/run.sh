#!/usr/bin/env bash
# bench/run.sh - ldgate against nginx and HAProxy, same run (loopback only).
#
#   bench/run.sh [RESULTS.json]
#
# Starts a TLS nginx UPSTREAM stub, then measures each candidate proxy
# (plain HTTP in, verified TLS + SNI + keep-alive out) with wrk, for each
# workload: `patch` (PATCH with a ~200-byte JSON Patch body on both
# intercepted integration routes: ldgate decides and audits), `get` (GET on
# the same paths: ldgate passes it through) and `passthrough-patch` (the same
# PATCH on /api/v2/flags/{proj}/{key}, a route ldgate does not intercept).
# Candidates: nginx, haproxy, gateway (ldgate via bench/ldgate-gateway.sh, or
# $GATEWAY_CMD), gateway-w1 (the same with one worker: the scaling
# reference), direct (wrk -> upstream over TLS: the ceiling), direct-x (wrk ->
# a second upstream pinned to the proxy's CPUs).
# Prints a table and writes every measurement + medians/ratios/targets as JSON.
# Everything it starts is tracked by PID and stopped on exit. See README.md.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
PY=${PYTHON:-python3}
OUT_JSON=${1:-$PWD/bench-results-$(date +%Y%m%d-%H%M%S).json}
case $OUT_JSON in /*) ;; *) OUT_JSON=$PWD/$OUT_JSON ;; esac

# ------------------------------------------------------------------ settings
DURATION=${DURATION:-10}          # measured seconds per point
WARMUP=${WARMUP:-2}               # unmeasured wrk run before each point
CONNS=${CONNS:-"16 128"}          # wrk connection counts
WORKLOADS=${WORKLOADS:-${WORKLOAD:-"patch get passthrough-patch"}}
THREADS=${THREADS:-2}             # wrk threads (capped at conns)
ROUNDS=${ROUNDS:-1}               # repeat the whole matrix, interleaved
CANDIDATES=${CANDIDATES:-"nginx haproxy gateway"}
PIN=${PIN:-1}                     # 1: taskset pinning (fair split), 0: float
PROXY_CPUS=${PROXY_CPUS:-0}       # CPUs of the proxy under test
DRIVER_CPUS=${DRIVER_CPUS:-1}     # CPUs of wrk + upstream stub
PROXY_WORKERS=${PROXY_WORKERS:-}  # default: #PROXY_CPUS when pinned, else auto/nproc
UPSTREAM_WORKERS=${UPSTREAM_WORKERS:-}
UPSTREAM_HOST=127.0.0.1
UPSTREAM_PORT=${UPSTREAM_PORT:-18443}
UPSTREAM_STATUS_PORT=${UPSTREAM_STATUS_PORT:-18444}
UPSTREAM_X_PORT=${UPSTREAM_X_PORT:-18445}          # direct-x upstream (on PROXY_CPUS)
UPSTREAM_X_STATUS_PORT=${UPSTREAM_X_STATUS_PORT:-18446}
NGINX_PORT=${NGINX_PORT:-18081}
HAPROXY_PORT=${HAPROXY_PORT:-18082}
GATEWAY_PORT=${GATEWAY_PORT:-18083}
NEG_PORT=${NEG_PORT:-18090}       # negative TLS-verification check
SNI=localhost
BODY_BYTES=${BODY_BYTES:-1024}    # upstream response body size
INSTALL=${INSTALL:-1}
VERIFY_CHECK=${VERIFY_CHECK:-1}   # prove each proxy rejects an untrusted upstream cert
KEEP_WORKDIR=${KEEP_WORKDIR:-0}
MAX_TOTAL_S=${MAX_TOTAL_S:-3600}  # no new measurement starts after this
# unset: ldgate through bench/ldgate-gateway.sh; set but empty: no gateway
GATEWAY_CMD_DEFAULT="$HERE/ldgate-gateway.sh {LISTEN_HOST} {LISTEN_PORT} {UPSTREAM_URL} {CA_FILE} {AUDIT_LOG} {WORKERS} {WORKDIR}"
GATEWAY_CMD=${GATEWAY_CMD-$GATEWAY_CMD_DEFAULT}
GATEWAY_EXPECT=${GATEWAY_EXPECT:-200}
export LDGATE=${LDGATE:-$TOP/ldgate}   # the binary ldgate-gateway.sh runs
RETRY_DISTURBED=${RETRY_DISTURBED:-1} # re-measure a point the noise check flags, up to N times
AUDIT_VERIFY=${AUDIT_VERIFY:-1}       # `ldgate audit verify` each gateway trail after the point
PROFILE=${PROFILE:-}                  # perf: `perf record` the gateway over each measured window
PROFILE_DIR=${PROFILE_DIR:-$PWD/bench-profile}
PROFILE_FREQ=${PROFILE_FREQ:-999}     # samples/s (cpu-clock: works without hardware counters)
export BENCH_AUTH=${BENCH_AUTH:-"Bearer bench.eyJzdWIiOiJiZW5jaCIsInNjb3BlIjoiaW50ZWdyYXRpb25zIn0.c2lnbmF0dXJl"}
export BENCH_BODY=${BENCH_BODY:-'[{"op":"test","path":"/version","value":7},{"op":"replace","path":"/on","value":true},{"op":"replace","path":"/name","value":"perf baseline"},{"op":"add","path":"/tags/-","value":"bench-run"}]'}

exec 3>&2  # log() writes here even from inside redirected function calls (e.g. traps)
log()  { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&3; }
die()  { log "FATAL: $*"; exit 1; }
lib()  { "$PY" "$HERE/lib/bench.py" "$@"; }

# ------------------------------------------------------------------ install
install_deps() {
  local need=()
  command -v nginx   >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]]   || need+=(nginx)
  command -v haproxy >/dev/null 2>&1 || [[ -x /usr/sbin/haproxy ]] || need+=(haproxy)
  command -v wrk     >/dev/null 2>&1 || need+=(wrk)
  command -v openssl >/dev/null 2>&1 || need+=(openssl)
  command -v curl    >/dev/null 2>&1 || need+=(curl)
  command -v taskset >/dev/null 2>&1 || need+=(util-linux)
  command -v ss      >/dev/null 2>&1 || need+=(iproute2)
  command -v ps      >/dev/null 2>&1 || need+=(procps)
  command -v timeout >/dev/null 2>&1 || need+=(coreutils)
  command -v "$PY"   >/dev/null 2>&1 || need+=(python3)
  ((${#need[@]})) || return 0
  [[ $INSTALL == 1 ]] || die "missing: ${need[*]} (INSTALL=0)"
  [[ $EUID -eq 0 ]] || die "missing: ${need[*]} and not root"
  log "installing: ${need[*]}"
  # keep Debian's maintainer scripts from starting system nginx/haproxy
  local prc=/usr/sbin/policy-rc.d made=0
  if [[ ! -e $prc ]]; then printf '#!/bin/sh\nexit 101\n' >"$prc"; chmod +x "$prc"; made=1; fi
  timeout 600 apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed (continuing)"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null 2>&1
  local rc=$?
  [[ $made == 1 ]] && rm -f "$prc"
  [[ $rc == 0 ]] || die "apt-get install ${need[*]} failed"
}
install_deps
export PATH=$PATH:/usr/sbin:/sbin

# ldgate itself: scripts/bootstrap installs its build dependencies and builds
# ./ldgate in place (idempotent). Only when a gateway candidate is measured.
if [[ " $CANDIDATES " == *" gateway"* && -n $GATEWAY_CMD && ! -x $LDGATE ]]; then
  [[ $LDGATE == "$TOP/ldgate" ]] || die "LDGATE=$LDGATE is not an executable"
  log "building ldgate: scripts/bootstrap"
  "$TOP/scripts/bootstrap" >&2 || die "scripts/bootstrap failed"
  [[ -x $LDGATE ]] || die "scripts/bootstrap did not produce $LDGATE"
fi

# ------------------------------------------------------------------ helpers
expand_cpus() { # "0,2-3" -> "0,2,3"
  local part a b i out=() IFS=,
  for part in $1; do
    if [[ $part == *-* ]]; then a=${part%-*}; b=${part#*-}; for ((i = a; i <= b; i++)); do out+=("$i"); done
    else out+=("$part"); fi
  done
  echo "${out[*]}"
}
ncpus_of() { # "0", "0-1", "0,2-3" -> count
  local n=0 part a b IFS=,
  for part in $1; do
    if [[ $part == *-* ]]; then a=${part%-*}; b=${part#*-}; n=$((n + b - a + 1)); else n=$((n + 1)); fi
  done
  echo "$n"
}
if [[ $PIN == 1 ]]; then
  PROXY_WORKERS=${PROXY_WORKERS:-$(ncpus_of "$PROXY_CPUS")}
  UPSTREAM_WORKERS=${UPSTREAM_WORKERS:-$(ncpus_of "$DRIVER_CPUS")}
else
  PROXY_WORKERS=${PROXY_WORKERS:-auto}
  UPSTREAM_WORKERS=${UPSTREAM_WORKERS:-auto}
fi
NPROC=$(nproc)
HAPROXY_THREADS=$PROXY_WORKERS; [[ $HAPROXY_THREADS == auto ]] && HAPROXY_THREADS=$NPROC
GW_WORKERS=$HAPROXY_THREADS

WORK=$(mktemp -d /tmp/proxybench.XXXXXX) || die "mktemp failed"
chmod 711 "$WORK"
PKI=$WORK/pki
mkdir -p "$WORK/tmp" "$WORK/meas" "$PKI"
if [[ $EUID -eq 0 ]] && getent group nogroup >/dev/null; then USER_LINE="user nobody nogroup;"; else USER_LINE=""; fi

STARTED=()      # "PID:STARTTIME" of every process tree root we started and have not stopped yet
LAST_PID=
UPSTREAM_PID=
UPSTREAM_X_PID=
CAND_PID=
CAND_AUDIT=

# spawn CPUS STDOUT STDERR CMD... ; sets LAST_PID (taskset execs, so the PID is the command's)
spawn() {
  local cpus=$1 out=$2 err=$3; shift 3
  if [[ $PIN == 1 && -n $cpus ]]; then set -- taskset -c "$cpus" "$@"; fi
  "$@" >"$out" 2>"$err" </dev/null &
  LAST_PID=$!
  remember "$LAST_PID"
}

starttime_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
remember() { STARTED+=("$1:$(starttime_of "$1")"); }
forget() {
  local i
  for i in "${!STARTED[@]}"; do [[ ${STARTED[$i]%%:*} == "$1" ]] && unset 'STARTED[i]'; done
}

# "pid starttime" for ROOT and all its descendants
tree_pids() {
  local root=$1
  ps -e -o pid=,ppid= 2>/dev/null | awk -v r="$root" '
    { par[$1] = $2 }
    END {
      if (!(r in par)) exit
      inset[r] = 1; changed = 1; rounds = 0
      while (changed && rounds++ < 64) {
        changed = 0
        for (k in par) if (!(k in inset) && (par[k] in inset)) { inset[k] = 1; changed = 1 }
      }
      for (k in inset) print k
    }' | while read -r p; do
      local st
      st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $20}') && [[ -n $st ]] && echo "$p $st"
    done
}

# sums over a process tree: VmHWM kB, VmRSS kB, utime+stime ticks, #procs
tree_stats() {
  local hwm=0 rss=0 ticks=0 n=0 p st h r t
  while read -r p st; do
    h=$(awk '/^VmHWM:/{print $2}' "/proc/$p/status" 2>/dev/null)
    r=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null)
    t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')
    [[ -n $h && -n $t ]] || continue
    hwm=$((hwm + h)); rss=$((rss + ${r:-0})); ticks=$((ticks + t)); n=$((n + 1))
  done < <(tree_pids "$1")
  echo "$hwm $rss $ticks $n"
}

# stop_tree ROOT: TERM the root (nginx/haproxy stop their own workers), then
# KILL whatever of the recorded tree is still alive (same PID *and* start time).
stop_tree() {
  local root=$1 list i p st cur
  [[ -n $root ]] || return 0
  list=$(tree_pids "$root")
  kill -TERM "$root" 2>/dev/null
  for ((i = 0; i < 50; i++)); do
    kill -0 "$root" 2>/dev/null || break
    sleep 0.1
  done
  while read -r p st; do
    [[ -n $p ]] || continue
    cur=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $20}')
    [[ -n $cur && $cur == "$st" ]] && kill -KILL "$p" 2>/dev/null
  done <<<"$list"
  wait "$root" 2>/dev/null
  forget "$root"
  return 0
}

cleanup() {
  local e p
  trap - EXIT INT TERM
  for e in "${STARTED[@]}"; do
    p=${e%%:*}
    # only if it is still the very process we started (PID and start time)
    [[ -n $p && $(starttime_of "$p") == "${e#*:}" ]] && stop_tree "$p"
  done
  if [[ $KEEP_WORKDIR == 1 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

listening() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }
wait_listen() { # PORT SECONDS PID
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    listening "$1" && return 0
    [[ -n ${3:-} ]] && ! kill -0 "$3" 2>/dev/null && return 1
    sleep 0.1
  done
  return 1
}

# probe METHOD URL [curl args...] -> "HTTP_CODE SIZE"
probe() {
  local method=$1 url=$2 body=(); shift 2
  [[ $method == GET ]] ||
    body=(-H 'Content-Type: application/json-patch+json' --data-binary "$BENCH_BODY")
  curl -sS -o /dev/null -w '%{http_code} %{size_download}' --max-time 5 -X "$method" \
    -H "Authorization: $BENCH_AUTH" "${body[@]}" "$@" "$url" 2>/dev/null || true
}

# upstream requests served so far (stub_status; this request included)
up_count() { curl -s --max-time 2 "http://127.0.0.1:$1/status" | awk 'NR==3{print $3}'; }

# workload_setup NAME -> WL_METHOD, WL_PATHSET (exported to wrk's script), WL_PROBE
workload_setup() {
  case $1 in
    patch)             WL_METHOD=PATCH WL_PATHSET=integration WL_PROBE=/api/v2/integration-configurations/probe-1 ;;
    get)               WL_METHOD=GET   WL_PATHSET=integration WL_PROBE=/api/v2/integration-configurations/probe-1 ;;
    passthrough-patch) WL_METHOD=PATCH WL_PATHSET=flags       WL_PROBE=/api/v2/flags/probe/probe-1 ;;
    *) return 1 ;;
  esac
  export BENCH_METHOD=$WL_METHOD BENCH_PATHSET=$WL_PATHSET
}

# ------------------------------------------------------------------ PKI
make_pki() {
  local d=$PKI
  (
    cd "$d" || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout ca.key -out ca.crt -days 2 -subj "/CN=proxybench throwaway CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout server.key -out server.csr -subj "/CN=localhost" &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext &&
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
      -days 2 -extfile server.ext -out server.crt &&
    cp server.crt server-chain.crt &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout wrong-ca.key -out wrong-ca.crt -days 2 -subj "/CN=unrelated CA" &&
    openssl verify -CAfile ca.crt server.crt
  ) >"$WORK/pki.log" 2>&1 || { cat "$WORK/pki.log" >&2; die "PKI generation failed"; }
}

# ------------------------------------------------------------------ upstream
start_upstream() { # NAME PORT STATUS_PORT CPUS -> sets LAST_PID
  local name=$1 port=$2 sport=$3 cpus=$4 body r
  body=$(lib body "$BODY_BYTES") || die "body"
  lib render "$HERE/conf/upstream.nginx.conf.tmpl" "$WORK/$name.conf" \
    "UPSTREAM_WORKERS=$UPSTREAM_WORKERS" "USER_LINE=$USER_LINE" "WORK=$WORK" "PKI=$PKI" "UP_NAME=$name" \
    "UPSTREAM_PORT=$port" "UPSTREAM_STATUS_PORT=$sport" "BODY=$body" || die "render $name"
  nginx -t -q -p "$WORK/" -c "$WORK/$name.conf" -g 'daemon off;' 2>"$WORK/$name.t.err" ||
    { cat "$WORK/$name.t.err" >&2; die "$name config invalid"; }
  spawn "$cpus" "$WORK/$name.stdout" "$WORK/$name.stderr" \
    nginx -p "$WORK/" -c "$WORK/$name.conf" -g 'daemon off;'
  wait_listen "$port" 15 "$LAST_PID" ||
    { tail -20 "$WORK/$name.stderr" "$WORK/$name.error.log" >&2; die "$name did not start"; }
  r=$(probe PATCH "https://localhost:$port/api/v2/integration-configurations/probe-0" \
        --cacert "$PKI/ca.crt" --resolve "localhost:$port:127.0.0.1")
  [[ $r == "200 $BODY_BYTES" ]] || die "$name probe (curl, verified TLS) gave '$r'"
  log "$name: nginx pid $LAST_PID on https://127.0.0.1:$port (workers=$UPSTREAM_WORKERS, pinned=$PIN cpus=$cpus)"
}

# ------------------------------------------------------------------ candidates
# start_candidate NAME PORT CA_FILE TAG -> sets CAND_PID, CAND_AUDIT; returns 1 on failure
start_candidate() {
  local name=$1 port=$2 ca=$3 tag=$4 cmd
  CAND_PID=
  CAND_AUDIT=$WORK/audit-$tag.log
  : >"$CAND_AUDIT"
  listening "$port" && { log "port $port already in use"; return 1; }
  case $name in
    nginx)
      lib render "$HERE/conf/proxy.nginx.conf.tmpl" "$WORK/$tag.conf" \
        "WORKERS=$PROXY_WORKERS" "USER_LINE=$USER_LINE" "WORK=$WORK" "NAME=$tag" \
        "AUDIT_LOG=$CAND_AUDIT" "UPSTREAM_HOST=$UPSTREAM_HOST" "UPSTREAM_PORT=$UPSTREAM_PORT" \
        "LISTEN_PORT=$port" "SNI=$SNI" "CA_FILE=$ca" || return 1
      spawn "$PROXY_CPUS" "$WORK/$tag.stdout" "$WORK/$tag.stderr" \
        nginx -p "$WORK/" -c "$WORK/$tag.conf" -g 'daemon off;'
      ;;
    haproxy)
      lib render "$HERE/conf/haproxy.cfg.tmpl" "$WORK/$tag.cfg" \
        "WORKERS=$HAPROXY_THREADS" "UPSTREAM_HOST=$UPSTREAM_HOST" "UPSTREAM_PORT=$UPSTREAM_PORT" \
        "LISTEN_PORT=$port" "SNI=$SNI" "CA_FILE=$ca" || return 1
      # log lines go to stdout -> the audit file
      spawn "$PROXY_CPUS" "$CAND_AUDIT" "$WORK/$tag.stderr" haproxy -db -f "$WORK/$tag.cfg"
      ;;
    gateway|gateway-w1)
      [[ -n $GATEWAY_CMD ]] || return 1
      local gw_workers=$GW_WORKERS
      [[ $name == gateway-w1 ]] && gw_workers=1
      cmd=$GATEWAY_CMD
      cmd=${cmd//\{LISTEN_HOST\}/127.0.0.1}
      cmd=${cmd//\{LISTEN_PORT\}/$port}
      cmd=${cmd//\{UPSTREAM_HOST\}/$UPSTREAM_HOST}
      cmd=${cmd//\{UPSTREAM_PORT\}/$UPSTREAM_PORT}
      cmd=${cmd//\{UPSTREAM_URL\}/https://$SNI:$UPSTREAM_PORT}
      cmd=${cmd//\{SNI\}/$SNI}
      cmd=${cmd//\{CA_FILE\}/$ca}
      cmd=${cmd//\{AUDIT_LOG\}/$CAND_AUDIT}
      cmd=${cmd//\{WORKERS\}/$gw_workers}
      cmd=${cmd//\{WORKDIR\}/$WORK}
      echo "$cmd" >"$WORK/$tag.cmd"
      spawn "$PROXY_CPUS" "$WORK/$tag.stdout" "$WORK/$tag.stderr" bash -c "exec $cmd"
      ;;
    *) return 1 ;;
  esac
  CAND_PID=$LAST_PID
  if ! wait_listen "$port" 15 "$CAND_PID"; then
    log "$tag did not start listening on $port; logs:"
    tail -n 20 "$WORK/$tag".std* "$WORK/$tag.error.log" 2>/dev/null >&2
    stop_tree "$CAND_PID"; CAND_PID=
    return 1
  fi
  return 0
}

# negative check: the proxy pointed at an unrelated CA must refuse the upstream
verify_check() { # NAME -> prints "enforced" / "NOT-ENFORCED (...)" / "start-failed"
  local name=$1 r
  if ! start_candidate "$name" "$NEG_PORT" "$PKI/wrong-ca.crt" "$name-negative"; then
    echo "start-failed"; return
  fi
  r=$(probe PATCH "http://127.0.0.1:$NEG_PORT/api/v2/integration-configurations/neg-1")
  stop_tree "$CAND_PID"; CAND_PID=
  if [[ ${r%% *} == 200 || -z $r ]]; then echo "NOT-ENFORCED (got '${r:-no answer}')"; else echo "enforced (${r%% *})"; fi
}

# ------------------------------------------------------------------ measuring
snapshot() { # PROXY_PID(may be empty) UPSTREAM_PID UPSTREAM_STATUS_PORT
  local hwm rss ticks n pss
  awk '/^cpu/{n=$1; $1=""; print "stat_" n "=" substr($0,2)}' /proc/stat
  if [[ -n $1 ]]; then
    read -r hwm rss ticks n < <(tree_stats "$1")
    echo "proxy_hwm_kb=$hwm"; echo "proxy_rss_kb=$rss"; echo "proxy_ticks=$ticks"; echo "proxy_procs=$n"
    # PSS (shared pages split between processes; current, not peak)
    pss=0
    while read -r p _; do
      pss=$((pss + $(awk '/^Pss:/{print $2; exit}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
    done < <(tree_pids "$1")
    echo "proxy_pss_kb=$pss"
  fi
  read -r hwm rss ticks n < <(tree_stats "$2")
  echo "upstream_ticks=$ticks"
  curl -s --max-time 2 "http://127.0.0.1:$3/status" |
    awk 'NR==3{print "up_accepts=" $1; print "up_requests=" $3}'
  [[ -n $CAND_AUDIT && -f $CAND_AUDIT ]] && echo "audit_lines=$(wc -l <"$CAND_AUDIT")"
  return 0
}

run_wrk() { # THREADS CONNS SECONDS URL TICKS_FILE  (TICKS_FILE: wrk's utime+stime)
  local t=$1 c=$2 s=$3 url=$4 ticks=$5
  local cmd=(wrk -t"$t" -c"$c" -d"${s}s" --timeout 5s --latency -s "$HERE/conf/patch.lua" "$url")
  [[ $PIN == 1 ]] && cmd=(taskset -c "$DRIVER_CPUS" "${cmd[@]}")
  # the wrapper shell reads its own cutime+cstime after reaping wrk.
  # Run in the background and `wait`, so that INT/TERM reach our trap at once
  # (the trap stops this job by PID like every other process we started).
  TICKS_FILE=$ticks timeout -k 5 $((s + 30)) bash -c \
    '"$@"; rc=$?; sed "s/.*) //" /proc/$$/stat | awk "{print \$14 + \$15}" >"$TICKS_FILE"; exit $rc' \
    wrk-wrapper "${cmd[@]}" &
  local wpid=$! rc
  remember "$wpid"
  wait "$wpid"
  rc=$?
  forget "$wpid"
  return $rc
}

SEQ=0
IS_LDGATE=0; [[ $GATEWAY_CMD == *ldgate* ]] && IS_LDGATE=1
run_one() { # CANDIDATE CONNS ROUND WORKLOAD TRY
  local cand=$1 c=$2 round=$3 wl=$4 try=$5 url port="" pid="" d t rc r sampler=""
  local up_pid=$UPSTREAM_PID up_sport=$UPSTREAM_STATUS_PORT up0 up3
  SEQ=$((SEQ + 1))
  d=$WORK/meas/$(printf '%03d' "$SEQ"); mkdir -p "$d"
  CAND_AUDIT=
  case $cand in
    direct)  url="https://127.0.0.1:$UPSTREAM_PORT" ;;
    direct-x) url="https://127.0.0.1:$UPSTREAM_X_PORT"; up_pid=$UPSTREAM_X_PID; up_sport=$UPSTREAM_X_STATUS_PORT ;;
    nginx)   port=$NGINX_PORT ;;
    haproxy) port=$HAPROXY_PORT ;;
    gateway|gateway-w1) port=$GATEWAY_PORT ;;
  esac
  {
    echo "candidate=$cand"; echo "conns=$c"; echo "round=$round"; echo "seq=$SEQ"
    echo "workload=$wl"; echo "method=$WL_METHOD"; echo "pathset=$WL_PATHSET"; echo "try=$try"
    [[ $cand == gateway ]] && echo "gw_workers=$GW_WORKERS"
    [[ $cand == gateway-w1 ]] && echo "gw_workers=1"
    echo "started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$d/meta"
  up0=$(up_count "$up_sport")
  if [[ -n $port ]]; then
    if ! start_candidate "$cand" "$port" "$PKI/ca.crt" "$cand"; then
      echo "wrk_rc=start-failed" >>"$d/meta"; lib measure "$d" >>"$WORK/meas.jsonl"; return
    fi
    pid=$CAND_PID; url="http://127.0.0.1:$port"
    r=$(probe "$WL_METHOD" "$url$WL_PROBE")
    local want="200 $BODY_BYTES"; [[ $cand == gateway* ]] && want=${GATEWAY_EXPECT/#200/200 $BODY_BYTES}
    if [[ $r != "$want"* ]]; then
      log "$cand probe gave '$r' (want '$want'); measuring anyway"
    fi
    echo "probe=$r" >>"$d/meta"
  fi
  t=$((c < THREADS ? c : THREADS))
  echo "threads=$t" >>"$d/meta"
  run_wrk "$t" "$c" "$WARMUP" "$url" "$d/warmup.ticks" >"$d/warmup.out" 2>&1
  lib procsnap "$d/procs.before"
  snapshot "$pid" "$up_pid" "$up_sport" >"$d/before"
  if [[ -n $pid ]]; then # peak PSS of the proxy over the window, sampled twice a second
    spawn "$DRIVER_CPUS" /dev/null "$d/pss.err" \
      timeout -k 2 $((DURATION + 20)) "$PY" "$HERE/lib/bench.py" psspeak "$pid" "$d/pss.peak"
    sampler=$LAST_PID
  fi
  local prof=""
  if [[ $PROFILE == perf && $cand == gateway* && -n $pid ]]; then
    mkdir -p "$PROFILE_DIR"
    spawn "$DRIVER_CPUS" "$d/perf.out" "$d/perf.err" \
      timeout -k 5 $((DURATION + 60)) perf record -q -e cpu-clock -F "$PROFILE_FREQ" --call-graph dwarf,16384 \
      -p "$pid" -o "$PROFILE_DIR/perf-$wl-$cand-c$c-r$round.data" -- sleep "$DURATION"
    prof=$LAST_PID
  fi
  run_wrk "$t" "$c" "$DURATION" "$url" "$d/wrk.ticks" >"$d/wrk.out" 2>&1
  rc=$?
  if [[ -n $prof ]]; then # perf stops by itself after DURATION s, then writes its file
    wait "$prof" 2>/dev/null; forget "$prof"
    echo "profile=$PROFILE_DIR/perf-$wl-$cand-c$c-r$round.data" >>"$d/meta"
  fi
  snapshot "$pid" "$up_pid" "$up_sport" >"$d/after"
  [[ -n $sampler ]] && stop_tree "$sampler"
  lib procsnap "$d/procs.after"
  {
    echo "wrk_rc=$rc"; echo "wrk_ticks=$(cat "$d/wrk.ticks" 2>/dev/null)"
    echo "bench_pid=$$"; echo "proxy_pid=$pid"; echo "upstream_pid=$UPSTREAM_PID"; echo "upstream_x_pid=$UPSTREAM_X_PID"
    echo "sampler_pid=$sampler"
    if [[ $PIN == 1 ]]; then
      echo "proxy_cpus_list=$(expand_cpus "$PROXY_CPUS")"; echo "driver_cpus_list=$(expand_cpus "$DRIVER_CPUS")"
    fi
    [[ -s $d/pss.peak ]] && echo "proxy_pss_peak_kb=$(cat "$d/pss.peak")"
  } >>"$d/meta"
  [[ -n $pid ]] && stop_tree "$pid"
  CAND_PID=
  up3=$(up_count "$up_sport")
  # over the candidate's whole life (probe, warm-up, window, stop): the
  # upstream requests it caused (less the 3 stub_status requests since up0)
  echo "upstream_requests_life=$((${up3:-0} - ${up0:-0} - 3))" >>"$d/meta"
  if [[ $cand == gateway* && $IS_LDGATE == 1 && -n $CAND_AUDIT && -f $CAND_AUDIT ]]; then
    lib auditcount "$CAND_AUDIT" >"$d/audit.kv"
    if [[ $AUDIT_VERIFY == 1 ]]; then
      "$LDGATE" audit verify "$CAND_AUDIT" >"$d/verify.out" 2>"$d/verify.err"
      echo "verify_rc=$?" >>"$d/audit.kv"
      echo "verify_out=$(head -c 300 "$d/verify.out" | tr '\n' ' ')" >>"$d/audit.kv"
    fi
  fi
  [[ -n $CAND_AUDIT ]] && rm -f "$CAND_AUDIT"
  lib measure "$d" >>"$WORK/meas.jsonl"
  tail -n 1 "$WORK/meas.jsonl" | "$PY" -c '
import json,sys; m=json.loads(sys.stdin.read())
if m.get("rps") is None: print("  %-17s %-10s c=%-4s FAILED %s" % (m.get("workload"), m["candidate"], m["conns"], m.get("error"))); sys.exit()
rss=m.get("proxy_pss_peak_kb"); cpu=m.get("cpu",{}); au=m.get("audit_check") or {}
print("  r%d %-17s %-10s c=%-4d %9.0f req/s  p50 %7.3f ms  p99 %7.3f ms  pss %s  cpu/req %s us  up-conns %s  busy %s  errs %s  audit %s" % (
  m["round"], m["workload"], m["candidate"], m["conns"], m["rps"], m["p50_ms"], m["p99_ms"],
  "%.1f MiB" % (rss/1024.0) if rss else "-", m.get("proxy_cpu_us_per_req") or "-",
  m.get("upstream_new_conns"), "/".join(str(v["busy_pct"]) for k,v in sorted(cpu.items()) if k!="cpu"),
  sum(m["errors"].values()), au.get("verdict", "-")))' >&2
}

# run_point CANDIDATE CONNS ROUND WORKLOAD: run_one, again (up to
# RETRY_DISTURBED times) when the noise check says other processes used the
# CPUs during the window.
run_point() {
  local try=0
  while :; do
    run_one "$@" "$try"
    ((try < RETRY_DISTURBED)) || return 0
    tail -n 1 "$WORK/meas.jsonl" | lib disturbed "$PIN" "$PROXY_CPUS" "$DRIVER_CPUS" "$NPROC" || return 0
    try=$((try + 1))
    log "noise check flagged $1 c=$2 ($4); measuring it again"
  done
}

# ------------------------------------------------------------------ main
for p in "$UPSTREAM_PORT" "$UPSTREAM_STATUS_PORT" "$UPSTREAM_X_PORT" "$UPSTREAM_X_STATUS_PORT" "$NGINX_PORT" "$HAPROXY_PORT" "$GATEWAY_PORT" "$NEG_PORT"; do
  listening "$p" && die "port $p is already in use on 127.0.0.1 (set *_PORT variables)"
done

CANDS=()
for c in $CANDIDATES; do
  case $c in direct|direct-x|nginx|haproxy|gateway|gateway-w1) ;; *) die "unknown candidate $c" ;; esac
  if [[ $c == gateway* && -z $GATEWAY_CMD ]]; then log "$c: GATEWAY_CMD empty, skipped"; continue; fi
  CANDS+=("$c")
done
((${#CANDS[@]})) || die "no candidates"
for wl in $WORKLOADS; do workload_setup "$wl" || die "unknown workload '$wl' (patch, get, passthrough-patch)"; done
LDGATE_VERSION=
if [[ $IS_LDGATE == 1 && " ${CANDS[*]} " == *" gateway"* ]]; then
  LDGATE_VERSION="$("$LDGATE" version 2>/dev/null)"
  if [[ -n ${LDGATE_LABEL:-} ]]; then # e.g. the commit an outside binary was built from
    LDGATE_VERSION+=" $LDGATE_LABEL"
  elif [[ $LDGATE == "$TOP/ldgate" ]]; then
    LDGATE_VERSION+=" $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)"
    git -C "$TOP" diff --quiet HEAD -- src 2>/dev/null || LDGATE_VERSION+=" (src/ differs from HEAD)"
  fi
fi

log "work dir $WORK; pin=$PIN proxy_cpus=$PROXY_CPUS driver_cpus=$DRIVER_CPUS proxy_workers=$PROXY_WORKERS duration=${DURATION}s warmup=${WARMUP}s conns='$CONNS' rounds=$ROUNDS workloads='$WORKLOADS' candidates='${CANDS[*]}'"
[[ -n $LDGATE_VERSION ]] && log "ldgate: $LDGATE ($LDGATE_VERSION)"
make_pki
start_upstream upstream "$UPSTREAM_PORT" "$UPSTREAM_STATUS_PORT" "$DRIVER_CPUS"
UPSTREAM_PID=$LAST_PID
if [[ " ${CANDS[*]} " == *" direct-x "* ]]; then
  start_upstream upstream-x "$UPSTREAM_X_PORT" "$UPSTREAM_X_STATUS_PORT" "$PROXY_CPUS"
  UPSTREAM_X_PID=$LAST_PID
fi

VERIFY_RESULTS=()
if [[ $VERIFY_CHECK == 1 ]]; then
  for c in "${CANDS[@]}"; do
    [[ $c == direct* || $c == gateway-w1 ]] && continue
    v=$(verify_check "$c")
    log "TLS verification check $c: $v"
    VERIFY_RESULTS+=("verify_$c=$v")
  done
fi

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
n=${#CANDS[@]}
ci=0
for ((round = 1; round <= ROUNDS; round++)); do
  for wl in $WORKLOADS; do
    workload_setup "$wl"
    for c in $CONNS; do
      # rotate the candidate order every point so no candidate always runs first/last
      for ((k = 0; k < n; k++)); do
        if ((SECONDS > MAX_TOTAL_S)); then log "MAX_TOTAL_S=$MAX_TOTAL_S reached; stopping early"; break 4; fi
        run_point "${CANDS[$(((k + ci) % n))]}" "$c" "$round" "$wl"
      done
      ci=$((ci + 1))
    done
  done
done

# ------------------------------------------------------------------ results
lib kv2json \
  "schema=proxybench/1" "started_at=$STARTED_AT" "finished_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "host_nproc=$NPROC" "host_kernel=$(uname -r)" \
  "host_cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)" \
  "host_mem_kb=$(awk '/^MemTotal/{print $2}' /proc/meminfo)" \
  "nginx_version=$(nginx -v 2>&1 | sed 's/.*: //')" \
  "haproxy_version=$(haproxy -v 2>/dev/null | awk 'NR==1{print $3}')" \
  "wrk_version=$(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo unknown)" \
  "openssl_version=$(openssl version)" \
  "duration_s=$DURATION" "warmup_s=$WARMUP" "conns=$CONNS" "wrk_threads=$THREADS" "rounds=$ROUNDS" \
  "workloads=$WORKLOADS" "ldgate=$LDGATE_VERSION" "gw_workers=$GW_WORKERS" "retry_disturbed=$RETRY_DISTURBED" \
  "candidates=${CANDS[*]}" "pin=$PIN" "proxy_cpus=$PROXY_CPUS" "driver_cpus=$DRIVER_CPUS" \
  "proxy_workers=$PROXY_WORKERS" "haproxy_nbthread=$HAPROXY_THREADS" "upstream_workers=$UPSTREAM_WORKERS" \
  "upstream_body_bytes=$BODY_BYTES" "request_body_bytes=${#BENCH_BODY}" \
  "gateway_cmd=$GATEWAY_CMD" "${VERIFY_RESULTS[@]}" >"$WORK/meta.json" || die "meta"
lib assemble "$WORK/meta.json" "$WORK/meas.jsonl" "$OUT_JSON" || die "assemble"
echo
lib report "$OUT_JSON"
echo
log "results written to $OUT_JSON"
