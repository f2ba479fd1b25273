#!/bin/bash
# What ldgate does when libevent cannot give it an event, the way it
# answers running out of memory: 503 overloaded in LaunchDarkly's shape,
# nothing forwarded, no crash (docs/design.md section 8).  The case: the
# decision record's commit timer cannot be made (it used to leave a NULL
# timer that event_del() was later handed).  tests/fixture/faults.so,
# preloaded into ldgate, fails event_new() for timers and bare events while
# a flag file exists; the test sets it once ldgate is serving and a client
# connection is open, so only the request's own steps meet the fault.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
[ -n "${FAULTS:-}" ] && [ -r "$FAULTS" ] ||
    skip "no fault library (FAULTS=${FAULTS:-unset}; make check builds it)"

# ldgate through a wrapper that preloads the faults.  An ASan build checks
# that its runtime comes first among the libraries: it does not here, and
# the library only forwards calls.
REAL_LDGATE=$LDGATE
cat >"$T/ldgate-faults" <<WRAP
#!/bin/sh
LD_PRELOAD='$FAULTS' LDGATE_FAULT_EVENT_NEW='$T/fault' \
ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0" \
exec '$REAL_LDGATE' "\$@"
WRAP
chmod +x "$T/ldgate-faults"
LDGATE=$T/ldgate-faults

start_fixture
start_ldgate
URL=$FS/checkout/staging/redis/f1

# A first change goes through: the pool and the audit hand-off are set up.
mark
send_patch "$URL" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "PATCH before the fault"
assert_sent 1 "PATCH before the fault"

# The fault, on a connection opened before it.
exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT" || fail "cannot connect to $GW_URL"
sleep 0.2
: >"$T/fault"
mark
printf 'PATCH %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$URL" "$ONCALL" "${#OFFICIAL}" "$OFFICIAL" >&3
read_response 3 5 || fail "no response under the fault (ldgate alive: $(pid_alive "$GW_PID" && echo yes || echo no))"
exec 3<&- 3>&-
assert_eq 503 "$CODE" "PATCH without a commit timer: status ($RESP_BODY)"
assert_eq "overloaded string" \
    "$(printf '%s' "$RESP_BODY" | jq -r '"\(.code) \(.message | type)"')" \
    "PATCH without a commit timer: body ($RESP_BODY)"
assert_sent 0 "PATCH without a commit timer"
pid_alive "$GW_PID" || fail "ldgate died under the fault"
grep -q 'no timer for the decision record; refusing as overloaded' "$GW_LOG" ||
    fail "no operator log line for the fault: $(tail -5 "$GW_LOG")"

# The fault gone, the same change goes through again.
rm -f "$T/fault"
mark
send_patch "$URL" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "PATCH after the fault"
assert_sent 1 "PATCH after the fault"
gw_finish
