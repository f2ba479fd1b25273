# audit.sh: helpers for the audit trail's integration tests (test_audit_*.sh).
# Source after lib.sh and gw.sh.
#
#	crash_ldgate			SIGKILL the current ldgate (no clean exit)
#	restart_ldgate			start ldgate again on $GW_CONF (same port,
#					same trail); sets GW_PID GW_LOG
#	trail_ids EVENT [DECISION]	_id of every record of that event (and
#					decision) in the current trail
#	forwarded_ids			X-Request-Id of every PATCH the fixture
#					received
#	trail_verify			ldgate audit verify on the trail, or fail
#	trail_jq JQ-ARGS...		jq over the trail's complete lines
#	trail_any [JQ-ARGS...] COND	some record satisfies COND

AUDIT_LOG=

audit_trail() {
	AUDIT_LOG=$T/$(jq -r '.audit.file' "$GW_CONF")
	echo "$AUDIT_LOG"
}

crash_ldgate() {
	local w out=""
	kill -KILL "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	lib_forget "$GW_PID"
	for w in $GW_ALL; do
		[ "${w%%:*}" = "$GW_PID" ] || out="$out $w"
	done
	GW_ALL=$out
}

restart_ldgate() {
	GW_N=$((GW_N + 1))
	local name=ldgate$GW_N
	spawn "$name" "$LDGATE" serve -v -c "$GW_CONF"
	GW_PID=$SPAWN_PID
	GW_LOG=$T/$name.log
	GW_ALL="$GW_ALL $GW_PID:$name"
	wait_until 10 gw_serving || fail "$name did not restart: $(cat "$GW_LOG")"
}

trail_ids() {
	if [ -n "${2:-}" ]; then
		trail_jq -r --arg e "$1" --arg d "$2" \
		    'select(.event == $e and .decision == $d) | ._id'
	else
		trail_jq -r --arg e "$1" 'select(.event == $e) | ._id'
	fi
}

forwarded_ids() {
	jq -r 'select(.method == "PATCH") | .headers[] |
	    select(.[0] == "X-Request-Id") | .[1]' "$FIXTURE_RECORDS"
}

trail_verify() {
	"$LDGATE" audit verify "$(audit_trail)" >"$T/verify.out" 2>&1 ||
	    fail "audit verify: $(cat "$T/verify.out")"
}

# jq over the trail, one record per line; a line the writer is still
# appending is skipped rather than failing the parse.
trail_jq() {
	jq -cR 'fromjson? // empty' "$(audit_trail)" | jq "$@"
}

# trail_any [JQ-ARGS...] COND: does some record satisfy COND?  (jq 1.6's
# -e reports the last input's result, so test with any() over them all.)
trail_any() {
	local cond=${!#}
	trail_jq -n -e "${@:1:$#-1}" "any(inputs; $cond)" >/dev/null
}
