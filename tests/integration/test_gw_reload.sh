#!/bin/bash
# SIGHUP reloads (docs/design.md section 5, "Signals"): the whole
# configuration is read and validated off the event loops; on success new
# requests are decided under the new policy, a config record with its
# sha256 goes into the trail, and requests in flight are not cut; on
# failure every error is logged as file:line:column and the last good
# configuration keeps serving; a change only a restart can apply (listen)
# is refused whole.  It used to kill the process.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"
. "$top_srcdir/tests/integration/audit.sh"

gw_need
start_fixture
start_ldgate '{"instance": "gw-east-1"}'
URL=$FS/checkout/staging/redis/r1
NAME='[{"op":"replace","path":"/name","value":"renamed"}]'

# hup WHAT PATTERN: SIGHUP, then wait for PATTERN in the log (new lines).
hup() {
	local before
	before=$(wc -l <"$GW_LOG")
	kill -HUP "$GW_PID" || fail "$1: cannot signal ldgate"
	wait_until 10 sh -c "tail -n +$((before + 1)) '$GW_LOG' | grep -q -- \"\$0\"" "$2" ||
	    fail "$1: no \"$2\" in the log: $(tail -n +"$((before + 1))" "$GW_LOG")"
	pid_alive "$GW_PID" || fail "$1: ldgate died"
}

send_patch "$URL" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "oncall turns it on, before"
send_patch "$URL" "$ONCALL" "$NAME"
assert_eq 403 "$CODE" "oncall renames, before"
first=$(grep -o 'policy sha256 [0-9a-f]*' "$GW_LOG" | head -1 | cut -d' ' -f3)

# The operator role now renames instead of switching.
jq '(.items[] | select(.key == "integration-operator") | .policy[0].actions) =
    ["updateName"]' "$top_srcdir/policy/roles.json" >"$T/roles.json" ||
    fail "cannot edit the roles"
hup "a good reload" "reloaded "
second=$(grep -o 'reloaded .*; policy sha256 [0-9a-f]*' "$GW_LOG" | tail -1 |
    sed 's/.*sha256 //')
[ -n "$second" ] && [ "$second" != "$first" ] ||
    fail "policy sha256 after the reload: \"$second\" (before: $first)"
send_patch "$URL" "$ONCALL" "$OFFICIAL"
assert_eq 403 "$CODE" "oncall turns it on, after"
send_patch "$URL" "$ONCALL" "$NAME"
assert_eq 200 "$CODE" "oncall renames, after"
trail_any --arg sha "$second" '.event == "config" and .policy.sha256 == $sha' ||
    fail "no config record with the new policy's sha256"
# The decisions say which policy made them.
trail_any --arg sha "$second" '.event == "decision" and .decision == "allow"
    and .policy.sha256 == $sha' || fail "no decision under the new policy"

# A broken file: every error located, nothing changed.
cp "$T/roles.json" "$T/roles.good"
jq '.items[0].policy[0].effect = "permit"' "$T/roles.good" >"$T/roles.json"
hup "a broken roles file" "reload failed"
grep -qE 'roles\.json:[0-9]+:[0-9]+: .*effect' "$GW_LOG" ||
    fail "the error is not located: $(tail -5 "$GW_LOG")"
send_patch "$URL" "$ONCALL" "$NAME"
assert_eq 200 "$CODE" "oncall renames, after the failed reload"
cp "$T/roles.good" "$T/roles.json"

# A listener change cannot be applied live: refused whole, even with a
# policy change beside it.
cp "$GW_CONF" "$T/conf.good"
jq '.listen = ["127.0.0.1:1"]' "$T/conf.good" >"$GW_CONF"
jq '(.items[] | select(.key == "integration-operator") | .policy[0].actions) =
    ["updateOn"]' "$T/roles.good" >"$T/roles.json"
hup "a listen change" "reload refused: listen changed"
send_patch "$URL" "$ONCALL" "$NAME"
assert_eq 200 "$CODE" "oncall renames, after the refused reload"
cp "$T/conf.good" "$GW_CONF"
cp "$T/roles.good" "$T/roles.json"

# Reloads under load: no request fails or is cut.
n=0 bad=0
( for i in $(seq 1 300); do
	c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	    -X PATCH -H "Authorization: $ONCALL" \
	    -H 'Content-Type: application/json' --data-binary "$NAME" \
	    "$GW_URL$URL") || c=000
	echo "$c"
  done >"$T/load.codes" ) &
load=$!
for i in $(seq 1 10); do
	kill -HUP "$GW_PID"
	sleep 0.1
done
wait "$load"
n=$(wc -l <"$T/load.codes")
bad=$(grep -vc '^200$' "$T/load.codes" || true)
assert_eq 300 "$n" "requests sent under reloads"
assert_eq 0 "$bad" "requests under reloads that were not 200 ($(sort "$T/load.codes" | uniq -c | tr '\n' ' '))"
# Signals that arrive together count once; most of the ten must land.
wait_until 10 sh -c "[ \$(grep -c 'reloaded ' '$GW_LOG') -ge 6 ]" ||
    fail "SIGHUPs under load did not reload: $(grep -c 'reloaded ' "$GW_LOG")"
# Every record names this ldgate, and a reload cannot rename it.
jq '.instance = "gw-west-2"' "$T/conf.good" >"$GW_CONF"
hup "an instance change" "reload refused: instance changed"
cp "$T/conf.good" "$GW_CONF"
trail_verify
gw_finish
n=$(grep -c . "$(audit_trail)")
m=$(grep -c '"instance":"gw-east-1","seq":' "$(audit_trail)")
assert_eq "$n" "$m" "records naming instance gw-east-1"
