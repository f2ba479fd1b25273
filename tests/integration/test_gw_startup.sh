#!/bin/bash
# What stops ldgate at start says so at level "error" (docs/design.md
# section 5, "Operator log"), names what to fix, and exits 1: a CA file
# that does not parse, a redaction key others can read, an audit.file
# that is a symbolic link, plain HTTP on a non-loopback address without
# "plaintext": true.  `ldgate check` fails on each the same way, with the
# same message (section 5, "ldgate check is authoritative").  Each run
# starts from the test configuration of gw.sh, changed in one way.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
start_fixture
# A good start first: the configuration the cases change.
start_ldgate
stop_ldgate
BASE=$GW_CONF

# refused NAME WANT: ldgate serve -c $T/NAME.json exits 1, and its log
# has the line WANT (a grep -E pattern); ldgate check exits 1 and prints
# the same message after "error: ".
refused() {
	local rc=0 msg
	timeout 10 "$LDGATE" serve -c "$T/$1.json" >"$T/$1.out" 2>&1 || rc=$?
	assert_eq 1 "$rc" "$1: exit status ($(tail -3 "$T/$1.out"))"
	grep -qE "$2" "$T/$1.out" || fail "$1: no \"$2\" in: $(cat "$T/$1.out")"
	rc=0
	"$LDGATE" check -c "$T/$1.json" >"$T/$1.check" 2>&1 || rc=$?
	assert_eq 1 "$rc" "$1: check's exit status ($(cat "$T/$1.check"))"
	msg=$(grep -E "$2" "$T/$1.out" | head -1 | sed 's/^[^ ]* ldgate error: //')
	case $msg in
	*": error: "*) grep -qF -- "$msg" "$T/$1.check" ;;	# located
	*) grep -qxF -- "error: $msg" "$T/$1.check" ;;
	esac || fail "$1: check says \"$(cat "$T/$1.check")\", serve \"$msg\""
}

# A CA file that is no certificate.
echo "not a certificate" >"$T/junk.pem"
jq --arg ca "$T/junk.pem" '.upstream.caFile = $ca' "$BASE" >"$T/ca.json"
refused ca '^[0-9TZ:.-]+ ldgate error: upstream TLS: '


# The redaction key readable by others.

jq '.audit.keyFile = "open.key"' "$BASE" >"$T/key.json"
head -c 32 /dev/urandom >"$T/open.key"
chmod 0644 "$T/open.key"
refused key '^[0-9TZ:.-]+ ldgate error: audit key: .*open\.key'

# The trail is a symbolic link.
ln -s "$T/elsewhere.log" "$T/link.log"
jq '.audit.file = "link.log"' "$BASE" >"$T/link.json"
refused link 'ldgate error: audit trail: .*link\.log: is a symbolic link'
[ ! -e "$T/elsewhere.log" ] || fail "the trail was written through the link"

# A second ldgate on the address of a running one (its own trail, so
# only the address is shared): it does not start, and the first serves on.
start_ldgate
jq '.audit.file = "second.log"' "$GW_CONF" >"$T/second.json"
rc=0
timeout 10 "$LDGATE" serve -c "$T/second.json" >"$T/second.out" 2>&1 || rc=$?
assert_eq 1 "$rc" "second ldgate on $GW_PORT: exit status ($(tail -3 "$T/second.out"))"
grep -q "ldgate error: listen 127.0.0.1:$GW_PORT: address already in use" \
    "$T/second.out" || fail "second ldgate: $(cat "$T/second.out")"
send_patch "$FS/checkout/staging/redis/s1" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "the first ldgate, after the second tried"
stop_ldgate

# Plain HTTP on every address, not asked for.
jq '.listen = ["0.0.0.0:1"]' "$BASE" >"$T/open.json"
refused open 'open\.json:[0-9]+:[0-9]+: error: listen\[0\]: 0\.0\.0\.0:1 is not a loopback address'
gw_finish
