#!/bin/bash
# Every malformed body on a protected route gets 400 invalid_request (413
# when too large) and nothing reaches the upstream; so do ambiguous
# framing (Content-Length with Transfer-Encoding, two Content-Lengths) and
# obs-fold headers.  Each limit accepts N and refuses N + 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
start_fixture --integration cfg-1=slack
start_ldgate '{"limits": {"patchOps": 3, "jsonDepth": 4, "bodyBytes": 2048}}'

D=$FS/checkout/staging/redis/m1
SEM='application/json; domain-model=launchdarkly.semanticpatch'
ON='{"op":"replace","path":"/on","value":true}'

# Positive controls first: what the refusals below differ from is accepted.
# ok WHAT CTYPE BODY [PATH]
ok() {
	mark
	CT=$2 send_patch "${4:-$D}" "$ADMIN" "$3"
	assert_eq 200 "$CODE" "$1: status ($(cat "$T/body"))"
	assert_sent 1 "$1"
}
# The integration's key, resolved once, is cached from here on.
mark
send_patch "$IC/cfg-1" "$ADMIN" "[$ON]"
assert_eq 200 "$CODE" "integration: status ($(cat "$T/body"))"
assert_sent 2 "integration (GET + PATCH)"
ok "3 ops (limit)" application/json "[$ON,$ON,$ON]"
ok "depth 4 (limit)" application/json \
    '[{"op":"add","path":"/tags","value":[["x"]]}]'
ok "depth 4 (limit, integration)" application/json \
    '[{"op":"add","path":"/tags","value":[["x"]]}]' "$IC/cfg-1"
ok "wrapper" application/json "{\"comment\":\"c\",\"patch\":[$ON]}"
ok "json-patch+json" application/json-patch+json "[$ON]"
ok "content type parameter" 'application/json; charset=utf-8' "[$ON]"
ok "test op with a mutating op" application/json \
    "[{\"op\":\"test\",\"path\":\"/version\",\"value\":1},$ON]"
ok "escaped pointer" application/json \
    '[{"op":"add","path":"/config/a~1b~0c","value":1}]'

# Each case: "name|content type|body".  Bodies are bash $'...' strings so
# that bytes can be written as escapes.
cases=(
	"invalid JSON|application/json|[$ON"
	"trailing garbage|application/json|[$ON]x"
	"two documents|application/json|[$ON] [$ON]"
	"duplicate key in op|application/json|[{\"op\":\"replace\",\"op\":\"add\",\"path\":\"/on\",\"value\":true}]"
	"duplicate key in value|application/json|[{\"op\":\"add\",\"path\":\"/tags\",\"value\":{\"a\":1,\"a\":2}}]"
	"duplicate key in wrapper|application/json|{\"patch\":[$ON],\"patch\":[]}"
	$'invalid UTF-8|application/json|[{"op":"replace","path":"/name","value":"\xff\xfe"}]'
	$'overlong UTF-8|application/json|[{"op":"replace","path":"/name","value":"\xc0\xaf"}]'
	$'UTF-16 surrogate in UTF-8|application/json|[{"op":"replace","path":"/name","value":"\xed\xa0\x80"}]'
	"too deep (5 > 4)|application/json|[{\"op\":\"add\",\"path\":\"/tags\",\"value\":[[[\"x\"]]]}]"
	"too deep in a wrapper|application/json|{\"patch\":[{\"op\":\"add\",\"path\":\"/tags\",\"value\":[[\"x\"]]}]}"
	"too many ops (4 > 3)|application/json|[$ON,$ON,$ON,$ON]"
	"empty patch|application/json|[]"
	"not a patch|application/json|{\"op\":\"replace\",\"path\":\"/on\",\"value\":true}"
	"op not an object|application/json|[\"replace\"]"
	"unknown op|application/json|[{\"op\":\"frobnicate\",\"path\":\"/on\",\"value\":true}]"
	"op case|application/json|[{\"op\":\"Replace\",\"path\":\"/on\",\"value\":true}]"
	"missing op|application/json|[{\"path\":\"/on\",\"value\":true}]"
	"missing value|application/json|[{\"op\":\"replace\",\"path\":\"/on\"}]"
	"missing path|application/json|[{\"op\":\"replace\",\"value\":true}]"
	"missing from|application/json|[{\"op\":\"move\",\"path\":\"/on\"}]"
	"unknown member|application/json|[{\"op\":\"replace\",\"path\":\"/on\",\"value\":true,\"extra\":1}]"
	"pointer without /|application/json|[{\"op\":\"replace\",\"path\":\"on\",\"value\":true}]"
	"pointer bad escape|application/json|[{\"op\":\"replace\",\"path\":\"/on~2\",\"value\":true}]"
	"pointer trailing ~|application/json|[{\"op\":\"replace\",\"path\":\"/on~\",\"value\":true}]"
	"path not a string|application/json|[{\"op\":\"replace\",\"path\":1,\"value\":true}]"
	"from bad pointer|application/json|[{\"op\":\"copy\",\"from\":\"name\",\"path\":\"/name\"}]"
	"forbidden field /_id|application/json|[{\"op\":\"replace\",\"path\":\"/_id\",\"value\":\"x\"}]"
	"forbidden field /version|application/json|[{\"op\":\"replace\",\"path\":\"/version\",\"value\":9}]"
	"forbidden field /key|application/json|[{\"op\":\"replace\",\"path\":\"/key\",\"value\":\"x\"}]"
	"unknown field|application/json|[{\"op\":\"replace\",\"path\":\"/nope\",\"value\":1}]"
	"move from unknown field|application/json|[{\"op\":\"move\",\"from\":\"/_id\",\"path\":\"/name\"}]"
	"copy from unknown field|application/json|[{\"op\":\"copy\",\"from\":\"/nope\",\"path\":\"/name\"}]"
	"test-only patch|application/json|[{\"op\":\"test\",\"path\":\"/version\",\"value\":1}]"
	"semantic patch|$SEM|[$ON]"
	"semantic patch body|$SEM|{\"instructions\":[{\"kind\":\"turnOn\"}]}"
	"merge patch|application/merge-patch+json|[$ON]"
	"merge patch body|application/merge-patch+json|{\"on\":true}"
	"text/plain|text/plain|[$ON]"
	"form default|application/x-www-form-urlencoded|[$ON]"
	"missing content type||[$ON]"
	"wrapper with extra key|application/json|{\"comment\":\"c\",\"patch\":[$ON],\"extra\":1}"
	"wrapper without patch|application/json|{\"comment\":\"c\"}"
	"wrapper comment not a string|application/json|{\"comment\":1,\"patch\":[$ON]}"
	"empty body|application/json|"
)
for c in "${cases[@]}"; do
	IFS='|' read -r name ctype body <<<"$c"
	mark
	CT=$ctype send_patch "$D" "$ADMIN" "$body"
	assert_error 400 invalid_request "$name"
	assert_sent 0 "$name"
	# The same body on an integration configuration: refused before any
	# resolution GET.
	CT=$ctype send_patch "$IC/cfg-1" "$ADMIN" "$body"
	assert_error 400 invalid_request "$name (integration)"
	assert_sent 0 "$name (integration)"
done

# Fields of the other kind of configuration.
mark
send_patch "$D" "$ADMIN" '[{"op":"replace","path":"/configValues","value":{}}]'
assert_error 400 invalid_request "configValues on a delivery configuration"
send_patch "$D" "$ADMIN" '[{"op":"replace","path":"/enabled","value":true}]'
assert_error 400 invalid_request "enabled on a delivery configuration"
send_patch "$IC/cfg-1" "$ADMIN" '[{"op":"replace","path":"/config","value":{}}]'
assert_error 400 invalid_request "config on an integration configuration"
assert_sent 0 "fields of the other kind"

# --- body over limits.bodyBytes (2048): 413, status only (libevent's body)
head -c 3000 /dev/zero | tr '\0' ' ' >"$T/big.json"
printf '[%s]' "$ON" >>"$T/big.json"
mark
send_patch "$D" "$ADMIN" "@$T/big.json"
assert_eq 413 "$CODE" "body over bodyBytes"
assert_sent 0 "body over bodyBytes"
# 2048 bytes exactly is accepted.
{ head -c $((2048 - ${#ON} - 2)) /dev/zero | tr '\0' ' '; printf '[%s]' "$ON"; } \
    >"$T/limit.json"
assert_eq 2048 "$(wc -c <"$T/limit.json" | tr -d ' ')" "limit body size"
send_patch "$D" "$ADMIN" "@$T/limit.json"
assert_eq 200 "$CODE" "body of exactly bodyBytes"
assert_sent 1 "body of exactly bodyBytes"

# --- framing, with raw requests (curl would fix them up)
P=$(printf '[%s]' "$ON")
L=${#P}
CHUNKED=$(printf '%x\r\n%s\r\n0\r\n\r\n' "$L" "$P")
HEAD="PATCH $D HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Authorization: $ADMIN"$'\r\n'"Content-Type: application/json"$'\r\n'"Connection: close"$'\r\n'
frame() {
	mark
	raw_http "$2"
	assert_eq 400 "$CODE" "$1: status ($(head -c 300 "$T/raw"))"
	assert_sent 0 "$1"
}
# A raw request that is well framed is forwarded (control).
mark
raw_http "${HEAD}Content-Length: $L"$'\r\n\r\n'"$P"
assert_eq 200 "$CODE" "raw control: status ($(head -c 300 "$T/raw"))"
assert_sent 1 "raw control"
frame "Content-Length and Transfer-Encoding" \
    "${HEAD}Content-Length: $L"$'\r\n'"Transfer-Encoding: chunked"$'\r\n\r\n'"$CHUNKED"
frame "Transfer-Encoding and Content-Length" \
    "${HEAD}Transfer-Encoding: chunked"$'\r\n'"Content-Length: $L"$'\r\n\r\n'"$CHUNKED"
frame "duplicate Content-Length" \
    "${HEAD}Content-Length: $L"$'\r\n'"Content-Length: $L"$'\r\n\r\n'"$P"
frame "conflicting Content-Length" \
    "${HEAD}Content-Length: $L"$'\r\n'"Content-Length: 3"$'\r\n\r\n'"$P"
frame "obs-fold header" \
    "${HEAD}X-Folded: a"$'\r\n'" b"$'\r\n'"Content-Length: $L"$'\r\n\r\n'"$P"

# A second Content-Type must not smuggle a semantic patch past the check.
mark
send_patch "$D" "$ADMIN" "[$ON]" -H "Content-Type: $SEM"
assert_error 400 invalid_request "two Content-Types, semantic patch second"
assert_sent 0 "two Content-Types"

gw_finish
exit 0
