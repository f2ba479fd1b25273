#!/usr/bin/env bash
# bench/ldgate-gateway.sh - runs ldgate in the GATEWAY_CMD slot of bench/run.sh.
#
#   GATEWAY_CMD='bench/ldgate-gateway.sh {LISTEN_HOST} {LISTEN_PORT} {UPSTREAM_URL} {CA_FILE} {AUDIT_LOG} {WORKERS} {WORKDIR}'
#
# (bench/run.sh uses exactly this when GATEWAY_CMD is unset.)  Writes, under
# WORKDIR/ldgate-PORT/, a configuration, a role file and a principals file
# that ALLOW the benchmark's requests, then execs `ldgate serve` in the
# foreground (run.sh tracks and stops it by PID):
#
# - principal "bench" = the sha256 fingerprint of $BENCH_AUTH (the whole
#   Authorization header value wrk sends), holding one role that allows
#   updateOn, updateName and updateConfiguration on `integration/*` and
#   `proj/*:env/*:integration/*` (the wrk body's ops are test /version,
#   replace /on, replace /name, add /tags/-: three actions);
# - the audit trail on, durable (group-committed fdatasync) as in
#   production, written to AUDIT_LOG (run.sh counts and checks it), its HMAC
#   key beside the config;
# - limits and timeouts generous enough for 128 keep-alive connections;
#   poolSize 256 idle upstream connections per worker.
#
# The binary is $LDGATE, default ./ldgate at the top of the repository
# (run.sh builds it with scripts/bootstrap when it is missing).
# LDGATE_MODE=dry-run and LDGATE_SERVE_ARGS=-v are passed through for
# experiments; LDGATE_WRAP prefixes the command (bench/profile.sh uses it for
# `valgrind --tool=callgrind` where perf cannot sample).
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -eq 7 ]] || { echo "usage: $0 LISTEN_HOST LISTEN_PORT UPSTREAM_URL CA_FILE AUDIT_LOG WORKERS WORKDIR" >&2; exit 2; }
host=$1 port=$2 upstream=$3 ca=$4 audit=$5 workers=$6 work=$7
LDGATE=${LDGATE:-$TOP/ldgate}
[[ -x $LDGATE ]] || { echo "ldgate-gateway.sh: $LDGATE is not built (run scripts/bootstrap)" >&2; exit 1; }
[[ $workers == auto ]] && workers=0     # ldgate: 0 = one worker per online CPU
: "${BENCH_AUTH:?BENCH_AUTH must be set (bench/run.sh exports it)}"

dir=$work/ldgate-$port
mkdir -p "$dir"
chmod 700 "$dir"
fp=$(printf %s "$BENCH_AUTH" | "$LDGATE" fingerprint)

DIR=$dir FP=$fp HOST=$host PORT=$port UPSTREAM=$upstream CA=$ca AUDIT=$audit \
WORKERS=$workers MODE=${LDGATE_MODE:-enforce} python3 - <<'PY'
import json, os
e = os.environ
d = e["DIR"]
def write(name, doc):
    with open(os.path.join(d, name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
write("roles.json", [{
    "key": "bench-integration-editor",
    "name": "Benchmark integration editor",
    "description": "What the benchmark's JSON Patch needs, on both route shapes.",
    "policy": [{
        "effect": "allow",
        "resources": ["integration/*", "proj/*:env/*:integration/*"],
        "actions": ["updateOn", "updateName", "updateConfiguration"],
    }],
}])
write("principals.json", [{
    "name": "bench",
    "tokens": [e["FP"]],
    "roles": ["bench-integration-editor"],
}])
write("ldgate.json", {
    "listen": ["%s:%s" % (e["HOST"], e["PORT"])],
    "workers": int(e["WORKERS"]),
    "passthrough": True,
    "mode": e["MODE"],
    "shutdownTimeoutMs": 3000,
    "upstream": {
        "url": e["UPSTREAM"],
        "caFile": e["CA"],
        "connectTimeoutMs": 5000,
        "responseTimeoutMs": 30000,
        "idleTimeoutMs": 120000,      # the stub keeps connections 300 s
        "poolSize": 256,              # >= 128 client connections in flight
    },
    "policy": {"roles": ["roles.json"], "principals": "principals.json"},
    "resolve": {"cacheSize": 10000},
    "audit": {
        "file": e["AUDIT"],
        "keyFile": "audit.key",
        "commitTimeoutMs": 10000,
        "queueSize": 65536,
    },
    "limits": {
        "bodyBytes": 1048576,
        "headerBytes": 16384,
        "patchOps": 100,
        "jsonDepth": 32,
        "headerTimeoutMs": 60000,
        "bodyTimeoutMs": 60000,
        "idleTimeoutMs": 300000,
        "connections": 16384,
    },
})
PY
# shellcheck disable=SC2086
exec ${LDGATE_WRAP:-} "$LDGATE" serve -c "$dir/ldgate.json" ${LDGATE_SERVE_ARGS:-}
