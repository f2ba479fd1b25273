#!/usr/bin/env bash
# Crash safety: kill -9 ldgate repeatedly while several clients send allowed
# patches.  Afterwards every request the upstream received has a durable
# decision record (matched by X-Request-Id), and the trail still verifies
# across the crashes (torn tails cut and noted in recovery records).
set -u
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"
. "$top_srcdir/tests/integration/audit.sh"
gw_need

ROUNDS=5
CLIENTS=4
start_fixture
start_ldgate '{"workers": 2}'

# Each client sends allowed patches until the stop file appears (and at
# most 400 times); while ldgate is down its requests fail fast.
client() {
	local i=0 url=$GW_URL$FS/checkout/staging/redis/crash-$1
	while [ ! -e "$T/stop" ] && [ "$i" -lt 400 ]; do
		curl -s -o /dev/null --max-time 2 -X PATCH "$url" \
		    -H "Authorization: $ONCALL" -H "Content-Type: application/json" \
		    --data-binary "$OFFICIAL" || sleep 0.02
		i=$((i + 1))
	done
}
for c in $(seq "$CLIENTS"); do
	client "$c" &
	pids="${pids:-} $!"
done

for round in $(seq "$ROUNDS"); do
	sleep 0.6
	crash_ldgate
	restart_ldgate
done
sleep 0.5
touch "$T/stop"
for p in $pids; do wait "$p"; done
stop_ldgate

forwarded=$(forwarded_ids | sort -u)
n=$(printf '%s\n' "$forwarded" | grep -c . || true)
[ "$n" -ge 20 ] || fail "only $n patches reached the upstream: the test proves nothing"
allowed=$(trail_ids decision allow | sort -u)
missing=$(comm -23 <(printf '%s\n' "$forwarded") <(printf '%s\n' "$allowed"))
[ -z "$missing" ] || fail "forwarded without a decision record: $missing"
[ "$(grep -c '"event":"start"' "$(audit_trail)")" -eq $((ROUNDS + 1)) ] ||
	fail "expected $((ROUNDS + 1)) start records"
trail_verify
gw_finish
