#!/usr/bin/env bash
# Fail closed: when the decision record cannot be made durable -- its
# directory removed, its filesystem full -- the request gets
# 503 audit_unavailable and nothing reaches the upstream; passthrough
# traffic is unaffected; and ldgate recovers by itself when the disk does.
set -u
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"
. "$top_srcdir/tests/integration/audit.sh"
gw_need

MNT=$T/full
trap 'rc=$?; umount -l "$MNT" 2>/dev/null; (exit $rc); lib_cleanup' EXIT

URL=$FS/checkout/staging/redis/failclosed

allowed_ok() { # WHAT: an allowed patch is forwarded
	mark
	send_patch "$URL" "$ONCALL" "$OFFICIAL"
	assert_eq 200 "$CODE" "$1: status"
	assert_sent 1 "$1"
}

# A comment longer than a page: its record needs a new block on a full disk.
LONG=$(printf '{"comment":"%s","patch":%s}' "$(head -c 9000 /dev/zero | tr '\0' c)" "$OFFICIAL")

refused_503() { # WHAT: an allowed patch is refused, nothing forwarded
	mark
	send_patch "$URL" "$ONCALL" "$LONG"
	assert_error 503 audit_unavailable "$1"
	assert_sent 0 "$1"
	# Reads and other traffic do not depend on the trail.
	req GET /api/v2/flags/default -H "Authorization: $ONCALL"
	assert_eq 200 "$CODE" "$1: passthrough while the trail is down"
}

start_fixture

# 1. The trail's directory is removed, then comes back.
mkdir -p "$T/trail"
start_ldgate '{"audit": {"file": "trail/audit.log", "commitTimeoutMs": 500}}'
allowed_ok "directory present"
rm -rf "$T/trail"
refused_503 "directory removed"
mkdir -p "$T/trail"
wait_until 5 eval 'send_patch "$URL" "$ONCALL" "$OFFICIAL"; [ "$CODE" = 200 ]' ||
	fail "no recovery after the directory came back (last status $CODE)"
# The new file goes on from the lost one's chain: verify says exactly that.
"$LDGATE" audit verify "$(audit_trail)" >"$T/verify.out" 2>&1 &&
	fail "a trail whose start was deleted verified"
grep -q "beginning is missing" "$T/verify.out" ||
	fail "verify of the cut trail: $(cat "$T/verify.out")"
stop_ldgate

# 2. A full filesystem (needs root and tmpfs).  A read-only one cannot be
# made under a file open for writing, and root ignores directory modes.
mkdir -p "$MNT"
if mount -t tmpfs -o size=256k tmpfs "$MNT" 2>/dev/null; then
	start_ldgate '{"audit": {"file": "full/audit.log", "commitTimeoutMs": 500}}'
	allowed_ok "space left"
	dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
	refused_503 "filesystem full"
	rm -f "$MNT/filler"
	wait_until 5 eval 'send_patch "$URL" "$ONCALL" "$OFFICIAL"; [ "$CODE" = 200 ]' ||
		fail "no recovery after space was freed (last status $CODE)"
	trail_verify
	stop_ldgate
	umount "$MNT"
else
	echo "$TEST_NAME: no tmpfs mount (not root?): full and read-only cases skipped"
fi
gw_finish
