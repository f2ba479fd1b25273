#!/bin/bash
# test_gw_eventloop.sh: what ldgate's own event handling around evhttp
# must not break (server.c's write-in-this-pass and read "hold" events,
# upstream.c's joined TLS record and read-ahead drain):
# - request bodies of every size around the 16 KiB record boundary arrive
#   byte for byte, on a new and on a pooled upstream connection;
# - a request that arrives while evhttp is not reading (pipelined, or in
#   the same segment) is answered in order, and nothing spins meanwhile;
# - a client hanging up mid-request, and the upstream closing its idle
#   pooled connections, leave ldgate idle (level-triggered readiness that
#   nobody consumes would spin the loop: CPU is measured);
# - a dropped upstream connection, connection churn (fd numbers reused)
#   and a slow reader of a big response;
# - Expect: 100-continue: the interim 100 does not end the response, and
#   the upstream is not asked again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need cmp base64
start_fixture --idle-timeout 1
start_ldgate '{"upstream": {"idleTimeoutMs": 30000, "responseTimeoutMs": 5000}}'

cpu_ticks() { awk '{print $14 + $15}' "/proc/$GW_PID/stat"; }

# --- request bodies of several sizes, byte-exact upstream
for n in 1 191 4000 16000 16384 16385 20000 100000 1000000; do
	head -c "$n" /dev/urandom >"$T/b$n"
	mark
	req POST "/echo?n=$n" --data-binary "@$T/b$n" -H 'Content-Type: application/octet-stream'
	assert_eq 200 "$CODE" "POST $n: status"
	assert_sent 1 "POST $n"
	rec_body -1 "$T/r$n"
	cmp -s "$T/b$n" "$T/r$n" || fail "POST $n: body differs upstream"
	# and again on the now pooled connection
	mark
	req PUT "/echo?m=$n" --data-binary "@$T/b$n" -H 'Content-Type: application/octet-stream'
	assert_eq 200 "$CODE" "PUT $n: status"
	rec_body -1 "$T/r$n"
	cmp -s "$T/b$n" "$T/r$n" || fail "PUT $n: body differs upstream"
done

# --- Expect: 100-continue with an indented (pretty-printed) body: the
# interim 100 ldgate writes is not the end of the response, so the body
# is not scanned as the next request's head (where an indented line is an
# obs-fold, refused); and the upstream is not asked to continue again.
printf '[\n  {\n    "op": "replace",\n    "path": "/name",\n    "value": "x"\n  }\n]\n' >"$T/pretty.json"
for m in POST PATCH; do
	mark
	req "$m" /expect --data-binary "@$T/pretty.json" \
	    -H 'Content-Type: application/json' -H 'Expect: 100-continue'
	assert_eq 200 "$CODE" "$m with Expect: 100-continue and an indented body"
	assert_sent 1 "$m with Expect: 100-continue"
	rec_body -1 "$T/pretty.sent"
	cmp -s "$T/pretty.json" "$T/pretty.sent" || fail "$m 100-continue: body differs upstream"
	[ -z "$(rec_header -1 Expect)" ] || fail "$m: Expect forwarded upstream"
	assert_eq 1 "$(grep -ci '^date:' "$T/hdrs")" "$m 100-continue: Date headers in the response"
done

# --- a second request sent while the first waits on the upstream
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT"
printf 'GET /one HTTP/1.1\r\nHost: x\r\nX-Fixture-Delay-Ms: 600\r\n\r\n' >&3
sleep 0.2
c0=$(cpu_ticks)
printf 'GET /two HTTP/1.1\r\nHost: x\r\n\r\n' >&3
sleep 0.3
c1=$(cpu_ticks)
[ $((c1 - c0)) -le 3 ] || fail "pipelined: ldgate spun ($((c1 - c0)) ticks in 0.3 s)"
read_response 3 || fail "pipelined: no first response"
assert_eq 200 "$CODE" "pipelined: first"
assert_contains "$RESP_BODY" /one "pipelined: first body"
read_response 3 || fail "pipelined: no second response"
assert_eq 200 "$CODE" "pipelined: second"
assert_contains "$RESP_BODY" /two "pipelined: second body"
# and the connection still serves
printf 'GET /three HTTP/1.1\r\nHost: x\r\n\r\n' >&3
read_response 3 || fail "pipelined: no third response"
assert_contains "$RESP_BODY" /three "pipelined: third body"
exec 3<&- 3>&-

# --- both requests in one segment
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT"
printf 'GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n' >&3
read_response 3 || fail "one segment: no first response"
assert_contains "$RESP_BODY" /p1 "one segment: first"
read_response 3 || fail "one segment: no second response"
assert_contains "$RESP_BODY" /p2 "one segment: second"
exec 3<&- 3>&-

# --- the client hangs up while its request waits on the upstream
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT"
printf 'GET /gone HTTP/1.1\r\nHost: x\r\nX-Fixture-Delay-Ms: 1000\r\n\r\n' >&3
sleep 0.1
exec 3<&- 3>&-
c0=$(cpu_ticks)
sleep 0.6
c1=$(cpu_ticks)
[ $((c1 - c0)) -le 3 ] || fail "client gone: ldgate spun ($((c1 - c0)) ticks in 0.6 s)"
sleep 0.6
req GET /after-gone
assert_eq 200 "$CODE" "after a client hung up"

# --- the upstream closes the idle pooled connections (--idle-timeout 1)
req GET /before-idle
assert_eq 200 "$CODE" "before upstream idle close"
c0=$(cpu_ticks)
sleep 2
c1=$(cpu_ticks)
[ $((c1 - c0)) -le 3 ] || fail "upstream idle close: ldgate spun ($((c1 - c0)) ticks in 2 s)"
mark
req GET /after-idle
assert_eq 200 "$CODE" "after upstream idle close"
assert_sent 1 "after upstream idle close"

# --- the upstream drops a request's connection: 502, then all is well
req GET /drop -H 'X-Fixture-Close: 1'
assert_eq 502 "$CODE" "dropped upstream connection"
for i in 1 2 3; do
	req GET "/after-drop$i"
	assert_eq 200 "$CODE" "after drop $i"
done

# --- churn: many short connections (fds reused) interleaved with keep-alive
for i in $(seq 1 300); do
	gw_curl -s -o /dev/null -w '%{http_code}\n' -H 'Connection: close' "$GW_URL/churn$i"
done >"$T/churn"
assert_eq 300 "$(grep -c '^200$' "$T/churn")" "churn: 300 x 200"
conns=$(gw_curl -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}\n' \
    "$GW_URL/k1" "$GW_URL/k2" "$GW_URL/k3" | awk '{ n += $1 } END { print n }')
assert_eq 1 "$conns" "keep-alive after churn"

# --- slow reader, big response, from an upstream that keeps idle
# connections (the first one closes them after 1 s, and a paused relay
# can leave its connection that long without traffic).
gw_finish
start_fixture
start_ldgate '{"upstream": {"responseTimeoutMs": 60000}}'
# Upstream reads are paused while the client's output is full, and the
# upstream's bytes wait in the socket meanwhile (16 MB: more than loopback
# socket buffers absorb); nothing spins on them.  About 4 s: relaying
# costs a few ticks of CPU, a spinning loop more than half of the 400.
# (responseTimeoutMs bounds the whole response: long enough for a slow
# reader on a loaded machine.)
c0=$(cpu_ticks)
gw_curl --limit-rate 4M -o "$T/big" "$GW_URL/big?bytes=16000000" || fail "slow reader"
c1=$(cpu_ticks)
assert_eq 16000000 "$(wc -c <"$T/big" | tr -d ' ')" "slow reader: size"
[ $((c1 - c0)) -le 30 ] || fail "slow reader: ldgate spun ($((c1 - c0)) ticks while relaying)"

gw_finish
exit 0
