#!/usr/bin/env bash
# Out of file descriptors: ldgate under a low `ulimit -n`, its fds taken by
# held client connections.  A request that needs a new upstream connection
# (a protected PATCH, a passthrough GET, an integration key's resolution)
# gets ldgate's JSON 503 overloaded -- the PATCH an outcome record too, the
# key's resolution a refusal record -- and ldgate lives on (it used to
# segfault); once the connections close, requests are forwarded again.
#
# Under EMFILE the listeners pause (100 ms at a time) instead of spinning:
# libevent's own answer, without an error callback, was to log "Error from
# accept() call" on every loop pass, a core at 100 % and megabytes of log a
# second (docs/libevent.md item 11).  Two seconds out of fds must cost
# ldgate little CPU and a line of log a second.
set -u
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"
. "$top_srcdir/tests/integration/audit.sh"
gw_need python3
[ -r "/proc/$$/limits" ] || skip "needs /proc to check ldgate's fd limit"

# ldgate with 1 worker opens 6 fds at start-up besides stdio: the audit
# trail, and the worker's epoll fd, libevent's signal pipe (2), eventfd and
# listener.  It also inherits this shell's fds (counted here, stdio
# included).  The limit leaves it about 24 more: for client and upstream
# connections, and never enough for HOLD clients.
# shellcheck disable=SC2012 # fd numbers: nothing to quote
inherited=$(($(ls /proc/self/fd | wc -l) - 1))	# less ls's directory fd
FDLIMIT=$((inherited + 6 + 24))
HOLD=$((FDLIMIT + 40))
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge "$FDLIMIT" ] ||
    skip "hard fd limit $hard is below $FDLIMIT"
soft=$(ulimit -Sn)
[ "$soft" = unlimited ] || [ "$soft" -ge $((HOLD + 32)) ] ||
    skip "fd limit $soft too low to hold $HOLD connections"

# The limit is set in the subshell that then execs ldgate (so GW_PID is
# ldgate's pid): start_ldgate spawns $LDGATE.
REAL_LDGATE=$LDGATE
cat >"$T/ldgate-ulimit" <<EOF
#!/bin/sh
ulimit -S -n $FDLIMIT || exit 1
exec "$REAL_LDGATE" "\$@"
EOF
chmod +x "$T/ldgate-ulimit"

start_fixture --integration cfg-1=slack
# poolSize 0: every request needs a new upstream connection.
LDGATE=$T/ldgate-ulimit start_ldgate '{"upstream": {"poolSize": 0},
    "limits": {"idleTimeoutMs": 30000, "headerTimeoutMs": 30000}}'
limit=$(grep '^Max open files' "/proc/$GW_PID/limits")
read -r _ _ _ gw_soft _ <<<"$limit"	# Max open files SOFT HARD files
[ "$gw_soft" = "$FDLIMIT" ] ||
    fail "ldgate does not run under ulimit -n $FDLIMIT: $limit"

URL=$FS/checkout/staging/redis/fdlimit
# The control: with fds to spare, both kinds are forwarded.
send_patch "$URL" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "control PATCH"
req GET /control
assert_eq 200 "$CODE" "control GET"

mark
# Three connections the worker accepts before the flood (the backlog is
# FIFO): one per request that will find no fd for its upstream connection.
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT" 4<>"/dev/tcp/127.0.0.1/$GW_PORT" \
    5<>"/dev/tcp/127.0.0.1/$GW_PORT" || fail "cannot connect to $GW_URL"

# The flood: HOLD more connections, open until the holder is stopped.
spawn holder python3 -c '
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
held = [socket.create_connection(("127.0.0.1", port), timeout=5)
        for i in range(n)]
print("holding", len(held), flush=True)
time.sleep(60)
' "$GW_PORT" "$HOLD"
HOLDER_PID=$SPAWN_PID
wait_until 10 grep -q holding "$T/holder.log" ||
    fail "holder could not open $HOLD connections: $(cat "$T/holder.log")"
# ldgate is out of fds once its accept() fails.
wait_until 10 grep -q 'Too many open files' "$GW_LOG" ||
    fail "ldgate did not run out of fds with $HOLD connections open"

# Two seconds of it: no spin, no log flood.
cpu_ticks() {
	local f
	read -r -a f <"/proc/$GW_PID/stat"
	echo $((f[13] + f[14]))		# utime + stime
}
t0=$(cpu_ticks)
sleep 2
ticks=$(($(cpu_ticks) - t0))
hz=$(getconf CLK_TCK)
[ "$ticks" -le $((hz / 2)) ] ||
    fail "out of fds, ldgate used $ticks ticks of CPU in 2 s (at most $((hz / 2)))"
lines=$(grep -c 'accept' "$GW_LOG")
[ "$lines" -le 6 ] || fail "out of fds, $lines accept lines in the log"

# no_fd WHAT FD STATUS...: the response on FD is one of STATUS, with
# ldgate's error body; ldgate is still running.  Sets CODE and ERR_ID.
no_fd() {
	local what=$1 fd=$2 got
	shift 2
	read_response "$fd" 5 || {
		pid_alive "$GW_PID" || fail "$what: ldgate died"
		fail "$what: no response"
	}
	case " $* " in
	*" $CODE "*) ;;
	*) fail "$what: status $CODE, want $*: $RESP_BODY" ;;
	esac
	got=$(printf '%s' "$RESP_BODY" | jq -r \
	    '"\(.code) \(.message | type) \(.id | type)"' 2>/dev/null) ||
	    fail "$what: body is not JSON: $RESP_BODY"
	assert_eq "$(reply_code "$CODE") string string" "$got" \
	    "$what: .code .message .id ($RESP_BODY)"
	ERR_ID=$(printf '%s' "$RESP_BODY" | jq -r .id)
	if ! kill -0 "$GW_PID" || ! pid_alive "$GW_PID"; then
		fail "$what: ldgate died"
	fi
}
reply_code() {
	case $1 in
	503) echo overloaded ;;
	*) echo "status $1" ;;
	esac
}

# A protected PATCH the policy allows: decided, recorded, then no fd for
# the upstream connection.
printf 'PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$URL" "$ONCALL" "${#OFFICIAL}" "$OFFICIAL" >&3
no_fd "protected PATCH without an fd" 3 503
patch_id=$ERR_ID
# A passthrough GET.
printf 'GET /no-fd HTTP/1.1\r\nHost: x\r\n\r\n' >&4
no_fd "passthrough GET without an fd" 4 503
# An integration configuration's PATCH: its key must be resolved upstream
# first (a GET on a new connection), which fails the same way.
printf 'PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$IC/cfg-1" "$ONCALL" "${#OFFICIAL}" "$OFFICIAL" >&5
no_fd "integration PATCH without an fd to resolve" 5 503
resolve_id=$ERR_ID
exec 3<&- 3>&- 4<&- 4>&- 5<&- 5>&-
assert_sent 0 "requests without an fd"

# The PATCH is accounted for: its allow decision, then an outcome with the
# error code and no upstream status.
wait_until 5 grep -q "\"_id\":\"$patch_id\",.*\"event\":\"outcome\"" \
    "$(audit_trail)" || fail "no outcome record for $patch_id"
trail_any --arg id "$patch_id" '._id == $id and .event == "outcome" and
    .upstream.status == null and .upstream.code == "overloaded"' ||
    fail "outcome record of $patch_id: $(grep "$patch_id" "$(audit_trail)")"
# The unresolved one is refused, and recorded so.
trail_any --arg id "$resolve_id" '._id == $id and
    .decision == "refused" and .status == 503' ||
    fail "refusal record of $resolve_id: $(grep "$resolve_id" "$(audit_trail)")"

# The connections close: ldgate serves normally again, end to end.
stop_pid "$HOLDER_PID" 5
forwarded() {
	send_patch "$URL" "$ONCALL" "$OFFICIAL"
	[ "$CODE" = 200 ]
}
mark
wait_until 10 forwarded ||
    fail "PATCH not forwarded once the connections closed ($CODE)"
assert_sent 1 "PATCH once the connections closed"
req GET /after
assert_eq 200 "$CODE" "GET once the connections closed"
assert_eq /after "$(body_field .target)" "GET once the connections closed: body"
send_patch "$IC/cfg-1" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "integration PATCH once the connections closed"
assert_eq "GET $IC/cfg-1" "$(rec -2 '"\(.method) \(.target)"')" \
    "integration PATCH once the connections closed: resolution"

gw_finish
exit 0
