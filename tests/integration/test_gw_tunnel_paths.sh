#!/bin/bash
# A tunnelled PATCH (POST + X-HTTP-Method-Override) is decided like a PATCH;
# path spellings that could slip a change past the route table get 400 or
# 403 and never reach the upstream; reads pass through; "passthrough":
# false refuses what is not intercepted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
start_fixture --integration cfg-1=slack --integration cfg-2=datadog
start_ldgate

D=$FS/checkout/staging/redis/t1
RENAME='[{"op":"replace","path":"/name","value":"renamed"}]'

# tunnel WHAT PATH TOKEN BODY [CURL ARGS]: POST with the override.
tunnel() {
	local p=$2 tok=$3 body=$4
	shift 4
	req POST "$p" -H "Authorization: $tok" -H 'Content-Type: application/json' \
	    --data-binary "$body" "$@"
}

# --- tunnelled PATCH: decided like a PATCH
mark
tunnel deny "$D" "$ONCALL" "$RENAME" -H 'X-HTTP-Method-Override: PATCH'
assert_error 403 forbidden "tunnelled rename by oncall"
assert_eq "updateName" "$(body_field '._access.denied[0].action')" \
    "tunnelled rename: denied action"
tunnel deny "$D" "$ONCALL" "$RENAME" -H 'X-HTTP-Method-Override: patch'
assert_error 403 forbidden "tunnelled rename, lower-case override"
tunnel deny "$IC/cfg-2" "$CHECKOUT" '' -H 'X-HTTP-Method-Override: DELETE'
assert_error 403 forbidden "tunnelled DELETE by the datadog owner"
assert_eq "deleteIntegration" "$(body_field '._access.denied[0].action')" \
    "tunnelled DELETE: denied action"
assert_sent 1 "denied tunnels (the cfg-2 GET only)"
# A tunnelled body is a JSON Patch like any other.
mark
tunnel bad "$D" "$ADMIN" '{"on":true}' -H 'X-HTTP-Method-Override: PATCH'
assert_error 400 invalid_request "tunnelled merge patch"
tunnel bad "$D" "$ADMIN" "$OFFICIAL" -H 'X-HTTP-Method-Override: PATCH' \
    -H 'X-HTTP-Method-Override: PATCH'
assert_error 400 invalid_request "override twice"
tunnel bad "$D" "$ADMIN" "$OFFICIAL" -H 'X-HTTP-Method-Override: PATCH' \
    -H 'X-HTTP-Method-Override: GET'
assert_error 400 invalid_request "override twice, different"
req PUT "$D" -H "Authorization: $ADMIN" -H 'Content-Type: application/json' \
    --data-binary "$OFFICIAL" -H 'X-HTTP-Method-Override: PATCH'
assert_error 400 invalid_request "override on a PUT"
req GET "$IC/cfg-1" -H "Authorization: $ADMIN" \
    -H 'X-HTTP-Method-Override: DELETE'
assert_error 400 invalid_request "override on a GET"
# Overrides that are not one method, or that would make a change look like
# a read or like an unknown method: refused, whatever the body.
for ov in 'PATCH,DELETE' 'PATCH PATCH' GET HEAD PUT POST FOO; do
	tunnel bad "$D" "$ADMIN" "$OFFICIAL" -H "X-HTTP-Method-Override: $ov"
	case $CODE in
	400 | 403) ;;
	*) fail "override '$ov': expected 400 or 403, got $CODE" ;;
	esac
done
assert_sent 0 "refused overrides"
# Allowed: forwarded as sent (POST, override and body).
mark
tunnel ok "$D" "$ONCALL" "$OFFICIAL" -H 'X-HTTP-Method-Override: PATCH'
assert_eq 200 "$CODE" "tunnelled official patch: status ($(cat "$T/body"))"
assert_sent 1 "tunnelled official patch"
assert_eq "POST $D" "$(rec -1 '"\(.method) \(.target)"')" "tunnel: forwarded"
assert_eq PATCH "$(rec_header -1 X-HTTP-Method-Override)" "tunnel: override"
assert_eq "$OFFICIAL" "$(rec -1 .body)" "tunnel: body"

# --- path spellings.  Every one is a PATCH the admin may make on its
# canonical path, so a trick that slipped through would be forwarded.
tricks=(
	"/api/v2//integration-configurations/cfg-1"
	"/api/v2/integration-configurations//cfg-1"
	"//api/v2/integration-configurations/cfg-1"
	"/api/v2/./integration-configurations/cfg-1"
	"/api/v2/integration-configurations/./cfg-1"
	"/api/v2/x/../integration-configurations/cfg-1"
	"/api/v2/integration-configurations/cfg-1/."
	"/api/v2/integration-configurations/cfg-1/x/.."
	"/api/v2/integration-configurations%2Fcfg-1"
	"/api/v2/integration-configurations%2fcfg-1"
	"/api/v2%2Fintegration-configurations/cfg-1"
	"/api/v2/integration-configurations%252Fcfg-1"
	"/api/v2/integration-configurations/cfg%2D1"
	"/api/v2/integration-configurations/%63fg-1"
	"/api/v2/%69ntegration-configurations/cfg-1"
	"/api/v2/integration-configurations/%2e/cfg-1"
	"/api/v2/integration-configurations/cfg-1/"
	"/api/v2/integration-configurations/cfg-1//"
	"/API/v2/integration-configurations/cfg-1"
	"/api/V2/integration-configurations/cfg-1"
	"/api/v2/Integration-Configurations/cfg-1"
	"/api/v2/INTEGRATION-CONFIGURATIONS/cfg-1"
	"/api/v2/integration-configurations;x=1/cfg-1"
	"/api/v2/integration-configurations/cfg-1;x=1"
	"/api/v2;/integration-configurations/cfg-1"
	"/api/v2/integration-configurations/cfg-1/extra"
	"/api/v2/integration-configurations"
	"/api/v2/integration-configurations/"
	"/api/v2/integration-configurations/keys/datadog"
	"$FS/checkout/staging/redis/t1/"
	"$FS/checkout/staging/redis/t1/extra"
	"$FS/checkout/staging/redis"
	"$FS/checkout//staging/redis/t1"
	"$FS/checkout/staging/redis/t1/validate"
	"/api/v2/integration-capabilities/featurestore/checkout/staging/redis/t1"
	"/api/v2/integration-capabilities/FeatureStore/checkout/staging/redis/t1"
	"/api/v2/integration-capabilities/Big-Segment-Store/checkout/staging/redis/t1"
	"/api/v2/integration-capabilities/featureStore%2Fcheckout/staging/redis/t1"
	"/api/v2/integration-capabilities/unknown/checkout/staging/redis/t1"
	"/api/v2/integration-capabilities/featureStore/checkout/staging/redis/t1%00"
	"/api/v2/integration-capabilities/featureStore/checkout/%2e%2e/redis/t1"
)
mark
for p in "${tricks[@]}"; do
	send_patch "$p" "$ADMIN" "$OFFICIAL"
	case $CODE in
	400) assert_error 400 invalid_request "PATCH $p" ;;
	403) assert_error 403 forbidden "PATCH $p" ;;
	*) fail "PATCH $p: expected 400 or 403, got $CODE ($(cat "$T/body"))" ;;
	esac
	assert_sent 0 "PATCH $p"
	req DELETE "$p" -H "Authorization: $ADMIN"
	case $CODE in
	400 | 403) ;;
	*) fail "DELETE $p: expected 400 or 403, got $CODE ($(cat "$T/body"))" ;;
	esac
	assert_sent 0 "DELETE $p"
done
# Tunnelled, too.
tunnel bad "/api/v2/integration-configurations%2Fcfg-1" "$ADMIN" "$OFFICIAL" \
    -H 'X-HTTP-Method-Override: PATCH'
assert_error 400 invalid_request "tunnelled %2F"
assert_sent 0 "tunnelled %2F"

# Backslashes, fragments and control bytes need a raw request (curl
# rewrites them).  raw_trick WHAT TARGET
raw_trick() {
	mark
	raw_http "PATCH $2 HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Authorization: $ADMIN"$'\r\n'"Content-Type: application/json"$'\r\n'"Connection: close"$'\r\n'"Content-Length: ${#OFFICIAL}"$'\r\n\r\n'"$OFFICIAL"
	case $CODE in
	400 | 403) ;;
	*) fail "$1 ($2): expected 400 or 403, got $CODE ($(head -c 300 "$T/raw"))" ;;
	esac
	assert_sent 0 "$1"
}
raw_trick "unknown route" "$D/x"
raw_trick backslash '/api/v2\integration-configurations\cfg-1'
raw_trick "backslash in a segment" '/api/v2/integration-configurations/cfg-1\'
raw_trick "encoded backslash" '/api/v2/integration-configurations%5Ccfg-1'
raw_trick fragment "$IC/cfg-1#x"
raw_trick "fragment on a passthrough path" "/elsewhere#frag"
raw_trick "tab" "$IC/cfg-1"$'\t'
raw_trick "absolute form" "https://app.launchdarkly.com/api/v2/integration-configurations/../integration-configurations/cfg-1"
raw_trick "absolute form with a dot segment" "http://x/api/v2/./integration-configurations/cfg-1"
# The same canonical request raw is forwarded (so the refusals above are
# about the spelling).
mark
raw_http "PATCH $IC/cfg-1 HTTP/1.1"$'\r\n'"Host: x"$'\r\n'"Authorization: $ADMIN"$'\r\n'"Content-Type: application/json"$'\r\n'"Connection: close"$'\r\n'"Content-Length: ${#OFFICIAL}"$'\r\n\r\n'"$OFFICIAL"
assert_eq 200 "$CODE" "raw canonical PATCH ($(head -c 300 "$T/raw"))"
assert_sent 2 "raw canonical PATCH (GET + PATCH)"

# --- reads of protected paths pass through, with the query untouched
mark
req GET "$IC/cfg-1?x=%2F&y=1" -H "Authorization: $ADMIN"
assert_eq 200 "$CODE" "GET of a protected path"
assert_eq slack "$(body_field ._integrationKey)" "GET: relayed body"
assert_sent 1 "GET of a protected path"
assert_eq "GET $IC/cfg-1?x=%2F&y=1" "$(rec -1 '"\(.method) \(.target)"')" \
    "GET: forwarded target"
req HEAD "$IC/cfg-1" -H "Authorization: $ADMIN"
assert_eq 200 "$CODE" "HEAD of a protected path"
assert_sent 2 "HEAD of a protected path"
# A read with a non-canonical spelling is LaunchDarkly's to answer.  (Only
# the record is checked: the fixture's HEAD answer above carried a body,
# which spoils the pooled connection for this request.)
req GET "/api/v2//integration-configurations/cfg-1" -H "Authorization: $ADMIN"
assert_sent 3 "GET with a non-canonical path"
stop_ldgate

# --- "passthrough": false
start_ldgate '{"passthrough": false}'
mark
req GET /api/v2/flags/default -H "Authorization: $ADMIN"
assert_error 403 forbidden "passthrough false: GET elsewhere"
req POST /api/v2/flags/default -H "Authorization: $ADMIN" --data-binary '{}'
assert_error 403 forbidden "passthrough false: POST elsewhere"
assert_sent 0 "passthrough false: refused"
send_patch "$D" "$ONCALL" "$OFFICIAL"
assert_eq 200 "$CODE" "passthrough false: allowed protected PATCH"
send_patch "$D" "$ONCALL" "$RENAME"
assert_error 403 forbidden "passthrough false: denied protected PATCH"
req GET "$IC/cfg-2" -H "Authorization: $ADMIN"
assert_eq 200 "$CODE" "passthrough false: GET of a protected path"
assert_sent 2 "passthrough false: the PATCH and the GET"

gw_finish
exit 0
