#!/bin/bash
# The upstream is reached over verified TLS or not at all: an untrusted
# issuer or the wrong hostname gives 502 with nothing sent; an upstream that
# is down gives 502; one that stalls gives 504 within responseTimeoutMs;
# one that drops the connection gives 502; a request that may have reached
# the upstream is never retried.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
make_certs
D=$FS/checkout/staging/redis/tls1

# unreachable WHAT: a protected PATCH, an integration PATCH (whose
# resolution GET fails) and a passthrough GET all get 502, nothing recorded.
unreachable() {
	local t0 t1
	mark
	t0=$(now_ms)
	send_patch "$D" "$ONCALL" "$OFFICIAL"
	assert_error 502 upstream_unavailable "$1: protected PATCH"
	send_patch "$IC/cfg-1" "$ONCALL" "$OFFICIAL"
	assert_error 502 upstream_unavailable "$1: integration PATCH"
	req GET /api/v2/flags/default -H "Authorization: $ADMIN"
	assert_error 502 upstream_unavailable "$1: passthrough GET"
	t1=$(now_ms)
	# connectTimeoutMs is 1 s: three failures well within it each.
	[ $((t1 - t0)) -lt 6000 ] || fail "$1: took $((t1 - t0)) ms"
	assert_sent 0 "$1"
}

# --- a certificate from an untrusted CA
start_fixture --integration cfg-1=slack --cert "$CERTS/untrusted.pem" \
    --key "$CERTS/untrusted.key"
start_ldgate
unreachable "untrusted issuer"
# The operator log says why: the verification result, the name checked.
grep -q "TLS: certificate not accepted for host name localhost: unable to get local issuer certificate" "$GW_LOG" ||
    fail "untrusted issuer: no reason in the log: $(grep -i upstream "$GW_LOG" | tail -3)"
stop_ldgate
stop_fixture

# --- a certificate for another name (signed by the trusted CA)
start_fixture --integration cfg-1=slack --cert "$CERTS/wrong.pem" \
    --key "$CERTS/wrong.key"
start_ldgate
unreachable "wrong hostname"
grep -q "TLS: certificate not accepted for host name localhost: hostname mismatch" "$GW_LOG" ||
    fail "wrong hostname: no reason in the log: $(grep -i upstream "$GW_LOG" | tail -3)"
stop_ldgate
stop_fixture

# --- nothing listening
start_ldgate "{\"upstream\": {\"url\": \"https://localhost:$(free_port)\"}}"
unreachable "upstream down"
stop_ldgate

# --- a working upstream that misbehaves on request
start_fixture --integration cfg-1=slack
start_ldgate '{"upstream": {"responseTimeoutMs": 1000}}'
mark
send_patch "$D" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "control: allowed PATCH"
assert_sent 1 "control"

# stalled: X-Fixture-Delay-Ms beyond responseTimeoutMs (1 s) -> 504
# stalled WHAT CURL-ARGS...
stalled() {
	local what=$1 t0 t1
	shift
	mark
	t0=$(now_ms)
	"$@" -H 'X-Fixture-Delay-Ms: 6000'
	t1=$(now_ms)
	assert_error 504 upstream_timeout "$what"
	[ $((t1 - t0)) -ge 900 ] || fail "$what: 504 after only $((t1 - t0)) ms"
	[ $((t1 - t0)) -lt 4000 ] ||
	    fail "$what: 504 after $((t1 - t0)) ms (responseTimeoutMs 1000)"
	assert_sent 1 "$what (sent once, never retried)"
}
stalled "stalled PATCH" send_patch "$D" "$ONCALL" "$OFFICIAL"
stalled "stalled passthrough GET" req GET /slow
stalled "stalled passthrough POST" req POST /slow --data-binary 'x=1'

# dropped: the upstream closes the connection without answering -> 502
mark
send_patch "$D" "$ONCALL" "$OFFICIAL" -H 'X-Fixture-Close: 1'
assert_error 502 upstream_unavailable "dropped PATCH"
assert_sent 1 "dropped PATCH (sent once, never retried)"
mark
req POST /drop --data-binary 'x=1' -H 'X-Fixture-Close: 1'
assert_error 502 upstream_unavailable "dropped POST"
assert_sent 1 "dropped POST (never retried)"
mark
req GET /drop -H 'X-Fixture-Close: 1'
assert_eq 502 "$CODE" "dropped GET"

# The pool recovers: the next requests go through.
mark
send_patch "$D" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "after the failures: PATCH"
send_patch "$IC/cfg-1" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "after the failures: integration PATCH"
assert_sent 3 "after the failures"

# The resolution GET stalls: the PATCH is refused, never sent.  (The
# fixture delays by request header, and ldgate's GET carries only its own
# headers; so stall the whole fixture instead: stop it with SIGSTOP.)
kill -STOP "$FIXTURE_PID"
t0=$(now_ms)
send_patch "$IC/cfg-stalled" "$ONCALL" "$OFFICIAL"
t1=$(now_ms)
kill -CONT "$FIXTURE_PID"
case $CODE in
502) assert_error 502 upstream_unavailable "stalled resolution" ;;
*) assert_error 504 upstream_timeout "stalled resolution" ;;
esac
[ $((t1 - t0)) -lt 4000 ] || fail "stalled resolution: took $((t1 - t0)) ms"
sleep 0.3
n=$(grep -c '"method":"PATCH","target":"/api/v2/integration-configurations/cfg-stalled"' \
    "$FIXTURE_RECORDS")
assert_eq 0 "$n" "stalled resolution: PATCHes sent"

gw_finish
exit 0
