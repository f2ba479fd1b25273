#!/bin/bash
# Slow and hostile clients, over raw sockets (bash /dev/tcp): an idle
# keep-alive connection is closed after limits.idleTimeoutMs; a request
# trickled in slower than limits.headerTimeoutMs is cut and never
# forwarded; limits.connections caps open connections; SIGTERM lets a
# request in flight finish, then ldgate exits 0 -- within shutdownTimeoutMs
# when the request takes longer.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
start_fixture
start_ldgate '{"limits": {"idleTimeoutMs": 500, "headerTimeoutMs": 800}}'

# closed_within WHAT MIN MAX: wait (up to 5 s) for the gateway to close
# fd 3, which must happen between MIN and MAX ms after the call.
closed_within() {
	local t0 t1 rc=0
	t0=$(now_ms)
	timeout 5 cat <&3 >"$T/raw" 2>/dev/null || rc=$?
	t1=$(now_ms)
	exec 3<&- 3>&-
	[ "$rc" -ne 124 ] || fail "$1: connection still open after 5 s"
	[ $((t1 - t0)) -ge "$2" ] ||
	    fail "$1: closed after $((t1 - t0)) ms (< $2 ms)"
	[ $((t1 - t0)) -le "$3" ] ||
	    fail "$1: closed after $((t1 - t0)) ms (> $3 ms)"
}

# --- keep-alive idle timeout
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT"
printf 'GET /idle HTTP/1.1\r\nHost: x\r\n\r\n' >&3
read_response 3 || fail "idle: no response"
assert_eq 200 "$CODE" "idle: first response"
# The connection is kept alive: a second request on it works.
printf 'GET /idle2 HTTP/1.1\r\nHost: x\r\n\r\n' >&3
read_response 3 || fail "idle: no second response on the connection"
assert_eq 200 "$CODE" "idle: second response"
closed_within "idle keep-alive connection (idleTimeoutMs 500)" 300 3000
# A connection that never sends a byte goes the same way.
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT"
closed_within "silent connection" 300 3000

# --- trickled headers: one header line every 200 ms, never finished
mark
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT"
(
	printf 'PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n' \
	    "$FS/checkout/staging/redis/slow" "$ADMIN"
	for i in $(seq 1 25); do
		sleep 0.2
		printf 'X-Slow-%d: 1\r\n' "$i" || exit 0
	done
) >&3 2>/dev/null &
trickler=$!
closed_within "trickled headers (headerTimeoutMs 800)" 500 3500
kill "$trickler" 2>/dev/null
wait "$trickler" 2>/dev/null
assert_sent 0 "trickled headers"

# --- trickled body: headers complete, body one byte every 200 ms
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT"
(
	printf 'PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' \
	    "$FS/checkout/staging/redis/slow" "$ADMIN" "${#OFFICIAL}"
	for i in $(seq 0 $((${#OFFICIAL} - 1))); do
		sleep 0.2
		printf '%s' "${OFFICIAL:$i:1}" || exit 0
	done
) >&3 2>/dev/null &
trickler=$!
closed_within "trickled body" 500 3500
kill "$trickler" 2>/dev/null
wait "$trickler" 2>/dev/null
assert_sent 0 "trickled body"
# The same request sent at once is forwarded (the control).
send_patch "$FS/checkout/staging/redis/slow" "$ADMIN" "$OFFICIAL"
assert_eq 200 "$CODE" "control PATCH"
assert_sent 1 "control PATCH"

# --- SIGTERM with requests in flight: they finish, then ldgate exits 0
mark
gw_curl -o "$T/inflight1" -w '%{http_code}' -H 'X-Fixture-Delay-Ms: 800' \
    "$GW_URL/inflight" >"$T/inflight1.code" 2>&1 &
c1=$!
gw_curl -o "$T/inflight2" -w '%{http_code}' -X PATCH \
    -H "Authorization: $ONCALL" -H 'Content-Type: application/json' \
    -H 'X-Fixture-Delay-Ms: 800' --data-binary "$OFFICIAL" \
    "$GW_URL$FS/checkout/staging/redis/inflight" >"$T/inflight2.code" 2>&1 &
c2=$!
wait_for_records $((GW_MARK + 2)) 5 || fail "in-flight requests not forwarded"
kill -TERM "$GW_PID"
# No new connection is accepted once it is stopping.
refused() {
	! curl -sS --max-time 1 -o /dev/null "$GW_URL/new" 2>/dev/null
}
wait_until 1 refused || fail "new connections still served after SIGTERM"
wait "$c1" || fail "in-flight GET: curl failed: $(cat "$T/inflight1.code")"
wait "$c2" || fail "in-flight PATCH: curl failed: $(cat "$T/inflight2.code")"
assert_eq 200 "$(cat "$T/inflight1.code")" "in-flight GET: status"
assert_eq /inflight "$(jq -r .target "$T/inflight1")" "in-flight GET: body"
assert_eq 200 "$(cat "$T/inflight2.code")" "in-flight PATCH: status"
assert_eq 44 "$(jq -r .receivedBytes "$T/inflight2")" "in-flight PATCH: body"
wait_until 5 pid_gone "$GW_PID" || fail "ldgate still running 5 s after SIGTERM"
stop_ldgate	# exit status 0, clean log

# --- a request longer than shutdownTimeoutMs is cut; exit 0 all the same
start_ldgate '{"shutdownTimeoutMs": 300, "upstream": {"responseTimeoutMs": 10000}}'
gw_curl -o /dev/null -H 'X-Fixture-Delay-Ms: 8000' "$GW_URL/long" \
    >/dev/null 2>&1 &
c1=$!
wait_for_records "$(($(records_count) + 1))" 5 || fail "long request not forwarded"
t0=$(now_ms)
kill -TERM "$GW_PID"
wait_until 4 pid_gone "$GW_PID" ||
    fail "ldgate still running 4 s after SIGTERM (shutdownTimeoutMs 300)"
t1=$(now_ms)
wait "$c1" && fail "the cut request succeeded"
stop_ldgate
[ $((t1 - t0)) -lt 3000 ] || fail "shutdown took $((t1 - t0)) ms"

# --- limits.connections: 2 open connections, the third waits its turn
start_ldgate '{"limits": {"connections": 2, "idleTimeoutMs": 10000}}'
exec 4<>"/dev/tcp/127.0.0.1/$GW_PORT" 5<>"/dev/tcp/127.0.0.1/$GW_PORT"
for fd in 4 5; do
	printf 'GET /conn%d HTTP/1.1\r\nHost: x\r\n\r\n' "$fd" >&"$fd"
	read_response "$fd" || fail "connection $fd: no response"
	assert_eq 200 "$CODE" "connection $fd"
done
mark
exec 6<>"/dev/tcp/127.0.0.1/$GW_PORT"
printf 'GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&6
if read_response 6 1; then
	fail "third connection served while two are open ($CODE)"
fi
assert_sent 0 "third connection while two are open"
exec 4<&- 4>&-
read_response 6 5 || fail "third connection not served after one closed"
assert_eq 200 "$CODE" "third connection, once one closed"
assert_eq /third "$(printf '%s' "$RESP_BODY" | jq -r .target)" \
    "third connection: body"
exec 5<&- 5>&- 6<&- 6>&-

gw_finish
exit 0
