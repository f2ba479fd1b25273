#!/bin/bash
# "mode": "dry-run" decides every protected request but blocks none: a
# change enforce would deny is forwarded, and the operator log says it
# would have been denied.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
start_fixture --integration cfg-1=slack
start_ldgate '{"mode": "dry-run"}'
grep -q 'mode dry-run' "$GW_LOG" || fail "start-up line does not say dry-run"

D=$FS/checkout/staging/redis/dry1
RENAME='[{"op":"replace","path":"/name","value":"renamed"}]'

# dry WHAT SENT WANT-LOG CURL-ARGS...: forwarded (SENT records), 2xx from
# the fixture, and one new log line matching WANT-LOG.
dry() {
	local what=$1 sent=$2 want=$3 before
	shift 3
	before=$(grep -c 'decision=' "$GW_LOG")
	mark
	"$@"
	case $CODE in
	2??) ;;
	*) fail "$what: status $CODE ($(cat "$T/body"))" ;;
	esac
	assert_sent "$sent" "$what"
	assert_eq $((before + 1)) "$(grep -c 'decision=' "$GW_LOG")" \
	    "$what: decision lines logged"
	tail -n 5 "$GW_LOG" | grep 'decision=' | tail -n 1 | grep -Eq "$want" ||
	    fail "$what: log line does not match /$want/: $(grep 'decision=' "$GW_LOG" | tail -n 1)"
}

WOULD='decision=deny.*dry-run'
dry "oncall rename" 1 "principal=oncall .*$WOULD" send_patch "$D" "$ONCALL" "$RENAME"
assert_eq "$RENAME" "$(rec -1 .body)" "oncall rename: forwarded body"
assert_eq PATCH "$(rec -1 .method)" "oncall rename: forwarded method"
dry "guardrail" 1 "$WOULD" send_patch \
    "$FS/checkout/production/audit-log-hook/h1" "$ADMIN" "$OFFICIAL"
dry "unknown token" 1 "$WOULD" send_patch "$D" unknown-dry-token "$OFFICIAL"
GW_SECRETS="$GW_SECRETS unknown-dry-token"
dry "integration configValues" 2 "integration/slack/cfg-1 .*$WOULD" send_patch \
    "$IC/cfg-1" "$ONCALL" \
    "[{\"op\":\"replace\",\"path\":\"/configValues/token\",\"value\":\"$SECRET\"}]"
dry "fixed action" 1 "$WOULD" req DELETE "$IC/cfg-1" -H "Authorization: $ONCALL"
# Allowed requests are forwarded and logged as allowed, without "dry-run".
dry "allowed" 1 'decision=allow$' send_patch "$D" "$ONCALL" "$OFFICIAL"

gw_finish
exit 0
