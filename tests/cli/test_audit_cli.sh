#!/bin/sh
# `ldgate audit verify` and `ldgate audit hash` with the real binary.
# Trails are built here line by line: each line's prev is the sha256sum of
# the line before it, without its newline (docs/audit.md).
#
# Then the example trail of docs/audit.md must verify as the page says, and
# its redacted value must be what `ldgate audit hash` gives for it.
#
# Environment (set by make check): LDGATE, the binary; top_srcdir (for
# the docs check, skipped without it).
set -eu

: "${LDGATE:?LDGATE must name the ldgate binary}"

if ! command -v sha256sum >/dev/null 2>&1; then
	echo "SKIP: sha256sum not found (Debian package coreutils)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_audit_cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
failures=0
zeros=0000000000000000000000000000000000000000000000000000000000000000

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run CMD...: sets $rc, and $tmp/out, $tmp/err.
run() {
	if "$@" >"$tmp/out" 2>"$tmp/err"; then rc=0; else rc=$?; fi
}

expect() {	# expect RC STDOUT STDERR-SUBSTRING WHAT
	[ "$rc" -eq "$1" ] ||
		fail "$4: exit $rc, expected $1 (stderr: $(cat "$tmp/err"))"
	[ -z "$2" ] || [ "$(cat "$tmp/out")" = "$2" ] ||
		fail "$4: stdout is \"$(cat "$tmp/out")\", expected \"$2\""
	[ -z "$3" ] || grep -qF -- "$3" "$tmp/err" ||
		fail "$4: stderr \"$(cat "$tmp/err")\" lacks \"$3\""
}

hash() {
	printf '%s' "$1" | sha256sum | cut -c1-64
}

# chain FILE PREV SEQ BODY...: writes one line per BODY (a JSON object
# without its closing brace), chained from PREV with seqs from SEQ; sets
# $last to the last line's hash.
chain() {
	f=$1 last=$2 seq=$3
	shift 3
	: >"$f"
	for body in "$@"; do
		line="$body,\"seq\":$seq,\"prev\":\"$last\"}"
		printf '%s\n' "$line" >>"$f"
		last=$(hash "$line")
		seq=$((seq + 1))
	done
}

r1='{"_id":"1","event":"start"'
r2='{"_id":"2","event":"decision","decision":"allow"'
r3='{"_id":"2","event":"outcome","upstream":{"status":200}'
r4='{"_id":"3","event":"stop"'

# ---------------------------------------------------------------- verify

chain "$tmp/t" "$zeros" 1 "$r1" "$r2" "$r3" "$r4"
run "$LDGATE" audit verify "$tmp/t"
expect 0 "4 records, seq 1..4, last sha256 $last" "" "intact"
[ ! -s "$tmp/err" ] || fail "intact: stderr: $(cat "$tmp/err")"
full_last=$last

# Edited: line 2 says deny; line 3's prev no longer matches.
sed '2s/"allow"/"deny"/' "$tmp/t" >"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:3: prev is not the sha256 of the line before ($tmp/x:2)" \
    "edited line"
[ ! -s "$tmp/out" ] || fail "edited line: stdout: $(cat "$tmp/out")"

sed '2d' "$tmp/t" >"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:2: seq 3 follows seq 1" "deleted line"

sed '2p' "$tmp/t" >"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:3: seq 2 follows seq 2" "inserted line"

for n in 1 3 2 4; do sed -n "${n}p" "$tmp/t"; done >"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:2: seq 3 follows seq 1" "reordered lines"

# A forged line with the right seq and prev, inserted: the next breaks.
forged="{\"_id\":\"9\",\"event\":\"decision\",\"seq\":3,\"prev\":\"$(hash "$(sed -n 2p "$tmp/t")")\"}"
{ sed -n '1,2p' "$tmp/t"; printf '%s\n' "$forged"; sed -n '3,4p' "$tmp/t"; } >"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:4: seq 3 follows seq 3" "forged line"

chain "$tmp/x" "$zeros" 1 "$r1" "$r2"
chain "$tmp/y" "$last" 4 "$r3" "$r4"
cat "$tmp/y" >>"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:3: seq 4 follows seq 2" "seq gap"

chain "$tmp/x" "$(hash x)" 1 "$r1"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:1: the first record's prev is not 64 zeros" "first prev"

head -c -1 "$tmp/t" >"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:4: last line has no newline" "torn line"

printf 'hello\n' >"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 1 "" "$tmp/x:1: not JSON" "not JSON"

# The newest lines cut: undetectable here; the anchor is the last hash.
sed '$d' "$tmp/t" >"$tmp/x"
run "$LDGATE" audit verify "$tmp/x"
expect 0 "" "" "last line cut"
grep -q "last sha256 $full_last" "$tmp/out" &&
	fail "last line cut: same last hash as the full trail"

# ---------------------------------------------------------------- rotation

sed -n '1,2p' "$tmp/t" >"$tmp/audit.log.1"
sed -n '3,4p' "$tmp/t" >"$tmp/audit.log"
run "$LDGATE" audit verify "$tmp/audit.log.1" "$tmp/audit.log"
expect 0 "4 records, seq 1..4, last sha256 $full_last" "" "rotated files"
run "$LDGATE" audit verify "$tmp/audit.log" "$tmp/audit.log.1"
expect 1 "" "$tmp/audit.log:1: the first record has seq 3, not 1" \
    "rotated files out of order"
run "$LDGATE" audit verify --prev "$(hash "$(sed -n 2p "$tmp/t")")" \
    "$tmp/audit.log"
expect 0 "2 records, seq 3..4, last sha256 $full_last" "" "--prev"
run "$LDGATE" audit verify --prev "$zeros" "$tmp/audit.log"
expect 1 "" "$tmp/audit.log:1: prev does not match --prev" "wrong --prev"

# A recovery record is reported, and the trail is intact.
chain "$tmp/x" "$zeros" 1 "$r1" \
    '{"_id":"r","event":"recovery","reason":"torn tail","torn":{"bytes":17,"sha256":"ab"}' \
    "$r4"
run "$LDGATE" audit verify "$tmp/x"
expect 0 "3 records, seq 1..3, last sha256 $last" \
    "$tmp/x:2: recovery: torn tail; 17 torn byte(s) cut" "recovery note"

: >"$tmp/empty"
run "$LDGATE" audit verify "$tmp/empty"
expect 0 "0 records, last sha256 $zeros" "" "empty file"

# ---------------------------------------------------------------- usage

run "$LDGATE" audit verify "$tmp/nonexistent"
expect 2 "" "$tmp/nonexistent: No such file or directory" "missing file"
run "$LDGATE" audit verify
expect 2 "" "no FILE" "no file"
run "$LDGATE" audit verify --prev abc "$tmp/t"
expect 2 "" "--prev: expected 64 lowercase hex digits" "bad --prev"
run "$LDGATE" audit frobnicate
expect 2 "" 'unknown command "frobnicate"' "unknown subcommand"
run "$LDGATE" audit
expect 2 "" "usage: ldgate audit" "no subcommand"
run "$LDGATE" audit --help
expect 0 "" "" "--help"
grep -q "usage: ldgate audit verify" "$tmp/out" || fail "--help: no usage"

# ---------------------------------------------------------------- hash

mkdir "$tmp/etc"
cat >"$tmp/etc/ldgate.json" <<'EOF'
{"policy": {"roles": "roles.json", "principals": "principals.json"},
 "audit": {"keyFile": "audit.key"}}
EOF
cfg="$tmp/etc/ldgate.json"
key="$tmp/etc/audit.key"

run "$LDGATE" audit hash -c "$cfg" --value '"s3cr3t"'
expect 1 "" "$key: No such file or directory" "no key file"
[ ! -e "$key" ] || fail "audit hash created a key file"

# The key is bytes 0x00..0x1f; the expected value comes from
#   printf '%s' '"s3cr3t"' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0001..1f
printf '\000\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017' >"$key"
printf '\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037' >>"$key"
chmod 600 "$key"
run "$LDGATE" audit hash -c "$cfg" --value '"s3cr3t"'
expect 0 "hmac-sha256:c7eb4dcd3fdd4b39469794d6339df25b0ac48717dee7e69336c5963528d1c87c" \
    "" "known vector"
[ ! -s "$tmp/err" ] || fail "known vector: stderr: $(cat "$tmp/err")"

run "$LDGATE" audit hash -c "$cfg" --value '{"b":1,"a":2}'
expect 0 "" "" "object"
h1=$(cat "$tmp/out")
run "$LDGATE" audit hash --config "$cfg" --value '{"a":2, "b":1}'
expect 0 "$h1" "" "same object, other key order and spacing"
printf '{\n  "a": 2,\n  "b": 1\n}\n' >"$tmp/v.json"
run sh -c '"$0" audit hash -c "$1" --value - <"$2"' "$LDGATE" "$cfg" "$tmp/v.json"
expect 0 "$h1" "" "--value - (stdin)"
run "$LDGATE" audit hash -c "$cfg" --value '{"a":2,"b":1.0}'
expect 0 "" "" "other number"
[ "$(cat "$tmp/out")" != "$h1" ] || fail "1 and 1.0 hash alike"
if command -v openssl >/dev/null 2>&1; then
	want=$(printf '%s' '{"a":2,"b":1}' | openssl dgst -sha256 -mac HMAC \
	    -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f |
	    sed 's/.*= //')
	[ "$h1" = "hmac-sha256:$want" ] ||
		fail "object: $h1, openssl says hmac-sha256:$want"
fi

run "$LDGATE" audit hash -c "$cfg" --value '{"a":'
expect 1 "" "--value:" "invalid JSON"
run "$LDGATE" audit hash -c "$cfg" --value '{"a":1,"a":2}'
expect 1 "" "duplicate object key" "duplicate key"
run "$LDGATE" audit hash -c "$cfg"
expect 2 "" "--value is required" "no --value"

chmod 644 "$key"
run "$LDGATE" audit hash -c "$cfg" --value '"s3cr3t"'
expect 1 "" "$key: key file has mode 0644" "key readable by others"
chmod 600 "$key"
printf 'x' >>"$key"
run "$LDGATE" audit hash -c "$cfg" --value '"s3cr3t"'
expect 1 "" "$key: key file is 33 bytes, expected 32" "key of wrong size"
head -c 32 "$key" >"$key.new" && mv "$key.new" "$key" && chmod 600 "$key"

printf '{"policy": {}, "bogus": 1}\n' >"$tmp/etc/bad.json"
run "$LDGATE" audit hash -c "$tmp/etc/bad.json" --value '1'
expect 1 "" "bad.json:1:" "bad configuration"

# ---------------------------------------------------------------- docs

doc="${top_srcdir:-}/docs/audit.md"
if [ -n "${top_srcdir:-}" ]; then
	mkdir "$tmp/doc"
	awk -v out="$tmp/doc/audit.log" '
		$0 == "```jsonl file=audit.log" { on = 1; next }
		on && $0 == "```" { on = 0; next }
		on { print > out }' "$doc"
	[ -s "$tmp/doc/audit.log" ] || fail "docs: no example trail in $doc"
	# The page's console block after the trail: command, note, summary.
	want_note=$(awk '/^\$ ldgate audit verify audit.log$/ { getline; print; exit }' "$doc")
	want_sum=$(awk '/^\$ ldgate audit verify audit.log$/ { getline; getline; print; exit }' "$doc")
	run sh -c 'cd "$1" && "$0" audit verify audit.log' "$LDGATE" "$tmp/doc"
	expect 0 "$want_sum" "$want_note" "docs: example trail"
	[ "$(cat "$tmp/err")" = "$want_note" ] ||
		fail "docs: stderr \"$(cat "$tmp/err")\", page says \"$want_note\""
	run "$LDGATE" audit hash -c "$cfg" --value '"correct horse battery staple"'
	expect 0 "" "" "docs: hash of the example secret"
	grep -qF "\"value\":\"$(cat "$tmp/out")\"" "$tmp/doc/audit.log" ||
		fail "docs: the example trail lacks $(cat "$tmp/out")"
	grep -qF "hmac-sha256:$(cut -d: -f2 "$tmp/out")" "$doc" ||
		fail "docs: the page shows another hash for the example secret"
	grep -q "correct horse" "$tmp/doc/audit.log" &&
		fail "docs: the example trail holds the secret in clear"
	# Each pretty-printed example is the trail's line of the same seq.
	if command -v jq >/dev/null 2>&1; then
		awk -v dir="$tmp/doc" '
			$0 == "```json" { on = 1; n++; next }
			on && $0 == "```" { on = 0; next }
			on { print > (dir "/ex" n ".json") }' "$doc"
		for ex in "$tmp"/doc/ex*.json; do
			seq=$(jq .seq "$ex")
			jq -cS "select(.seq == $seq)" "$tmp/doc/audit.log" >"$tmp/a"
			jq -cS . "$ex" >"$tmp/b"
			cmp -s "$tmp/a" "$tmp/b" ||
				fail "docs: example with seq $seq differs from the trail"
		done
	fi
fi

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "PASS"
