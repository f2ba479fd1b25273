#!/usr/bin/env bash
# The trail as operators use it: a decision and an outcome per forwarded
# change, traced by _id from the error body or X-Request-Id upstream;
# secrets never in clear (trail, operator log, responses) but findable with
# `ldgate audit hash`; rotation by rename + SIGUSR1 keeps the chain.
set -u
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"
. "$top_srcdir/tests/integration/audit.sh"
gw_need

start_fixture --integration 65a1f0c2e4b0a1b2c3d4e5f6=datadog
start_ldgate
TRAIL=$(audit_trail)
URL=$FS/checkout/staging/redis/trail
RESPONSES=$T/responses
: >"$RESPONSES"
keep() { cat "$T/body" >>"$RESPONSES"; }

# An allowed change: its _id goes upstream and into both records.
send_patch "$URL" "$ONCALL" "$OFFICIAL" -H "LD-API-Version: 20240415"
assert_eq 200 "$CODE" "allowed patch"; keep
id=$(rec -1 '.headers[] | select(.[0] == "X-Request-Id") | .[1]')
[ -n "$id" ] || fail "no X-Request-Id upstream"
trail_any --arg id "$id" '._id == $id and .event == "decision" and
	.decision == "allow" and .principal == "oncall" and
	.http.ldApiVersion == "20240415" and .http.method == "PATCH" and
	.accesses == [{"action": "updateOn", "resource":
	"proj/checkout:env/staging:integration/redis/trail"}] and
	.token.fingerprint == "sha256:207adcf67f95065adb33a50b488cf7d7bcff7c63704543046cb84ac98242558d" and
	.token.ending == "oken" and .reason.allowed[0].reason.role_key ==
	"integration-operator" and (.policy.sha256 | length) == 64' || fail "decision record of $id: $(grep "$id" "$TRAIL" | head -1)"
wait_until 5 grep -q "\"_id\":\"$id\",.*\"event\":\"outcome\"" "$TRAIL" ||
	fail "no outcome record for $id"
trail_any --arg id "$id" '._id == $id and .event == "outcome" and
	.upstream.status == 200 and .upstream.code == null' ||
	fail "outcome record of $id"

# A denied change: the error body's id names its decision record.
send_patch "$URL" "$ONCALL" '[{"op":"replace","path":"/name","value":"x"}]'
assert_error 403 forbidden "denied patch"; keep
deny_id=$(body_field .id)
trail_any --arg id "$deny_id" '._id == $id and .decision == "deny" and
	.status == 403 and .reason.denied[0].implicit' ||
	fail "deny record $deny_id"
# A refused one (malformed) is accounted for too.
send_patch "$URL" "$ONCALL" '[{"op":"replace","path":"/_id","value":1}]'
assert_error 400 invalid_request "malformed patch"; keep
trail_any --arg id "$(body_field .id)" '._id == $id and
	.decision == "refused" and .status == 400' ||
	fail "refused record"

# Secrets: a configuration value, redacted, findable by its recorded form.
long_token=secret-token-0123456789abcdef
send_patch "$IC/65a1f0c2e4b0a1b2c3d4e5f6" "$CHECKOUT" \
	"{\"comment\":\"rotate\",\"patch\":[{\"op\":\"replace\",\"path\":\"/configValues/apiKey\",\"value\":\"$SECRET\"}]}"
assert_eq 200 "$CODE" "configValues patch"; keep
send_patch "$URL" "$long_token" "$OFFICIAL"
assert_error 403 forbidden "unknown long token"; keep
GW_SECRETS="$GW_SECRETS $long_token"
# A syntax error inside the secret: refused, audited, and still not echoed.
send_patch "$IC/65a1f0c2e4b0a1b2c3d4e5f6" "$CHECKOUT" \
	"[{\"op\":\"replace\",\"path\":\"/configValues/apiKey\",\"value\":\"$SECRET"
assert_error 400 invalid_request "unterminated secret"; keep
hashed=$("$LDGATE" audit hash -c "$GW_CONF" --value "\"$SECRET\"") ||
	fail "audit hash"
grep -qF "\"value\":\"$hashed\"" "$TRAIL" || fail "redacted value $hashed not in the trail"
trail_any '.event == "decision" and .token.ending == "cdef"' || fail "a long token's ending is not recorded"

# The threads say what they are (top -H, perf): workers and the writer.
comms=$(cat /proc/"$GW_PID"/task/*/comm 2>/dev/null)
for name in ldgate-w0 ldgate-audit; do
	printf '%s\n' "$comms" | grep -qx "$name" || fail "no thread named $name: $comms"
done

# Rotation: rename, SIGUSR1, keep going; both files verify as one chain.
mv "$TRAIL" "$TRAIL.1"
kill -USR1 "$GW_PID"
wait_until 5 grep -q "reopening the audit trail" "$GW_LOG" || fail "no reopen"
send_patch "$URL" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "patch after rotation"; keep
wait_until 5 test -s "$TRAIL" || fail "no new trail after SIGUSR1"
stop_ldgate
# The operator log sums the trail up at the stop, every line counted.
lines=$(cat "$TRAIL.1" "$TRAIL" | wc -l)
grep -qE "audit trail: $lines records made durable in [1-9][0-9]* group commits \([0-9]+ us each on average\); 0 records failed" "$GW_LOG" ||
	fail "no audit summary of $lines records at the stop: $(tail -3 "$GW_LOG")"
"$LDGATE" audit verify "$TRAIL.1" "$TRAIL" >"$T/verify.out" 2>&1 ||
	fail "verify across rotation: $(cat "$T/verify.out")"
"$LDGATE" audit verify "$TRAIL" >/dev/null 2>&1 &&
	fail "the newer file alone verified without --prev"

for s in $GW_SECRETS; do
	for f in "$TRAIL.1" "$TRAIL" "$RESPONSES"; do
		grep -qF -- "$s" "$f" && fail "\"$s\" in clear in $(basename "$f")"
	done
done
gw_finish
