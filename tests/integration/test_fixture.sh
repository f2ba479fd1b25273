#!/bin/bash
# Self-test of the upstream fixture, with curl only: the other integration
# tests trust what it records and how it answers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

need_cmd curl openssl jq cmp base64

start_fixture --integration cfg-1=slack --integration cfg-2=datadog

# status URL [CURL ARGS...]: prints the HTTP status; body in $T/body.
status() {
	local url=$1
	shift
	fx_curl -o "$T/body" -w '%{http_code}' "$@" "$FIXTURE_URL$url"
}

# --- LaunchDarkly-shaped routes
code=$(status /api/v2/integration-configurations/cfg-2 -H 'Authorization: t1')
assert_eq 200 "$code" "GET known config"
assert_eq datadog "$(jq -r ._integrationKey "$T/body")" "_integrationKey"
assert_eq cfg-2 "$(jq -r ._id "$T/body")" "_id"

code=$(status /api/v2/integration-configurations/nope -H 'Authorization: t1')
assert_eq 404 "$code" "GET unknown config"
assert_eq not_found "$(jq -r .code "$T/body")" "404 code"

code=$(status /api/v2/integration-configurations/cfg-1)
assert_eq 401 "$code" "no Authorization on /api/"
assert_eq unauthorized "$(jq -r .code "$T/body")" "401 code"

code=$(status /api/v2/integration-configurations/cfg-1 \
    -H 'Authorization: deny-token')
assert_eq 403 "$code" "deny-token"
assert_eq forbidden "$(jq -r .code "$T/body")" "403 code"

code=$(status /api/v2/integration-configurations/cfg-1 -X DELETE \
    -H 'Authorization: t1')
assert_eq 204 "$code" "DELETE"

code=$(status /elsewhere -H 'X-Fixture-Echo: hello' -D "$T/headers")
assert_eq 200 "$code" "passthrough without Authorization"
assert_contains "$(tr -d '\r' <"$T/headers")" "X-Fixture-Echo: hello" \
    "echoed header"

# --- a PATCH is recorded byte for byte, headers in order, with SNI
printf '[{"op":"replace","path":"/name","value":"caf\xc3\xa9 \\"q\\"\\n"}]\n' \
    >"$T/patch.json"
n=$(records_count)
code=$(status /api/v2/integration-configurations/cfg-1 -X PATCH \
    -H 'Authorization: api-abc' -H 'X-One: 1' -H 'X-Two: 2' \
    -H 'Content-Type: application/json' --data-binary @"$T/patch.json")
assert_eq 200 "$code" "PATCH"
assert_eq "$(wc -c <"$T/patch.json")" "$(jq -r .receivedBytes "$T/body")" \
    "receivedBytes"
assert_eq $((n + 1)) "$(records_count)" "record count after PATCH"
assert_eq PATCH "$(record_field -1 .method)" "recorded method"
assert_eq /api/v2/integration-configurations/cfg-1 \
    "$(record_field -1 .target)" "recorded target"
record_line -1 | jq -j .body >"$T/recorded"
cmp -s "$T/patch.json" "$T/recorded" || fail "PATCH body not byte-exact"
assert_eq api-abc "$(record_header -1 authorization)" "recorded Authorization"
assert_eq "X-One X-Two" \
    "$(record_field -1 '[.headers[][0] | select(startswith("X-"))] | join(" ")')" \
    "header order"
assert_eq localhost "$(record_field -1 .sni)" "SNI"

# A body that is not UTF-8 is recorded as base64.
printf '\377\000\001binary' >"$T/bin"
status /echo -X POST --data-binary @"$T/bin" >/dev/null
assert_eq base64 "$(record_field -1 .bodyEncoding)" "bodyEncoding"
record_field -1 .body | base64 -d >"$T/recorded"
cmp -s "$T/bin" "$T/recorded" || fail "binary body not byte-exact"

# No SNI is sent to an IP address.
fx_curl -o /dev/null "https://127.0.0.1:$FIXTURE_PORT/ip" ||
    fail "curl to 127.0.0.1"
assert_eq null "$(record_field -1 .sni)" "SNI for an IP"

# --- passthrough echo
fx_curl -o "$T/body" -X POST --data-binary 'a=1&b=2' "$FIXTURE_URL/x?y=1"
assert_eq 'a=1&b=2' "$(jq -r .body "$T/body")" "echoed body"
assert_eq '/x?y=1' "$(jq -r .target "$T/body")" "echoed target"

# --- big streamed bodies arrive complete, chunked or with a length
for mode in "" "&length=1"; do
	fx_curl -o "$T/big" "$FIXTURE_URL/big?bytes=5000000$mode" ||
	    fail "GET /big$mode"
	assert_eq 5000000 "$(wc -c <"$T/big" | tr -d ' ')" "size of /big$mode"
	assert_eq 0123456789abcdef0123 "$(head -c 20 "$T/big")" "/big pattern"
	assert_eq cdef0123456789abcdef "$(tail -c 20 "$T/big")" "/big tail"
done

# --- behaviour controls
t=$(fx_curl -o /dev/null -w '%{time_total}' -H 'X-Fixture-Delay-Ms: 700' \
    "$FIXTURE_URL/slow")
awk -v t="$t" 'BEGIN { exit !(t >= 0.7) }' ||
    fail "X-Fixture-Delay-Ms: 700 answered after $t s"

code=$(status /api/v2/integration-configurations/cfg-1 \
    -H 'X-Fixture-Status: 503' -H 'Authorization: t1')
assert_eq 503 "$code" "forced status"
assert_eq fixture "$(jq -r .code "$T/body")" "forced status code"

n=$(records_count)
if fx_curl -o /dev/null -H 'X-Fixture-Close: 1' "$FIXTURE_URL/drop" \
    2>/dev/null; then
	fail "X-Fixture-Close: 1 answered"
fi
assert_eq $((n + 1)) "$(records_count)" "dropped request recorded"

# A client that hangs up mid-stream must not upset the fixture.
fx_curl -o /dev/null --max-time 1 --limit-rate 100k \
    "$FIXTURE_URL/big?bytes=50000000" 2>/dev/null
fx_curl -o /dev/null --max-time 1 -H 'X-Fixture-Delay-Ms: 3000' \
    "$FIXTURE_URL/slow" 2>/dev/null

# Keep-alive: two requests, one connection.
conns=$(fx_curl -o /dev/null -o /dev/null -w '%{num_connects}\n' \
    "$FIXTURE_URL/a" "$FIXTURE_URL/b" | awk '{ n += $1 } END { print n }')
assert_eq 1 "$conns" "connections for two requests"

# --- TLS: the system store does not trust the test CA
rc=0
curl -sS --max-time 10 -o /dev/null "$FIXTURE_URL/" 2>/dev/null || rc=$?
assert_eq 60 "$rc" "curl exit status without --cacert"

stop_fixture
exit 0
