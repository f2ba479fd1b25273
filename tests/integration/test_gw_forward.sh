#!/bin/bash
# Allowed changes reach the upstream byte for byte: the official example
# patch on a delivery configuration and on an integration configuration
# (its key resolved by a GET with the caller's credentials, then cached),
# the big-segment-store route, and the fixed-action routes (create, delete,
# validate), each allowed or denied as the shipped policy says.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need cmp base64
start_fixture --integration cfg-1=slack --integration cfg-2=datadog
start_ldgate


# The PATCH just recorded: target, body byte-exact, headers intact.
# check_patch WHAT TARGET BODYFILE TOKEN
check_patch() {
	local what=$1 names
	assert_eq PATCH "$(rec -1 .method)" "$what: method"
	assert_eq "$2" "$(rec -1 .target)" "$what: target"
	rec_body -1 "$T/recorded"
	cmp -s "$3" "$T/recorded" ||
	    fail "$what: body not byte-exact: sent '$(cat "$3")', got '$(cat "$T/recorded")'"
	assert_eq "$4" "$(rec_header -1 Authorization)" "$what: Authorization"
	assert_eq 20240415 "$(rec_header -1 LD-API-Version)" \
	    "$what: LD-API-Version"
	assert_eq "localhost:$FIXTURE_PORT" "$(rec_header -1 Host)" "$what: Host"
	assert_eq localhost "$(rec -1 .sni)" "$what: SNI"
	assert_eq kept "$(rec_header -1 X-Custom)" "$what: X-Custom"
	names=$(rec -1 '[.headers[][0] | ascii_downcase] | join(" ")')
	for h in connection keep-alive te proxy-connection upgrade x-hop \
	    transfer-encoding; do
		case " $names " in
		*" $h "*) fail "$what: hop-by-hop header $h forwarded ($names)" ;;
		esac
	done
	assert_eq 1 "$(rec -1 '[.headers[][0] | ascii_downcase |
	    select(. == "host")] | length')" "$what: Host headers"
	# The client gets the fixture's answer.
	assert_eq 200 "$CODE" "$what: status"
	assert_eq PATCH "$(body_field .method)" "$what: relayed body .method"
	assert_eq "$2" "$(body_field .target)" "$what: relayed body .target"
	assert_eq "$(wc -c <"$3" | tr -d ' ')" "$(body_field .receivedBytes)" \
	    "$what: relayed .receivedBytes"
}

# fwd_patch WHAT PATH TOKEN BODYFILE [CURL ARGS]: an allowed PATCH with
# hop-by-hop headers that must not be forwarded.
fwd_patch() {
	local what=$1 p=$2 tok=$3 f=$4
	shift 4
	send_patch "$p" "$tok" "@$f" -H 'LD-API-Version: 20240415' \
	    -H 'X-Custom: kept' -H 'Connection: keep-alive, X-Hop' \
	    -H 'X-Hop: 1' -H 'Keep-Alive: timeout=5' -H 'TE: trailers' \
	    -H 'Proxy-Connection: keep-alive' "$@"
}

printf '%s' "$OFFICIAL" >"$T/official.json"

# --- delivery configuration: the official example, oncall (updateOn)
mark
fwd_patch "featureStore" "$FS/checkout/staging/redis/64f0c0ffee" "$ONCALL" \
    "$T/official.json"
assert_sent 1 "featureStore PATCH"
check_patch "featureStore" "$FS/checkout/staging/redis/64f0c0ffee" \
    "$T/official.json" "$ONCALL"

# Whitespace, escapes and UTF-8 survive; the wrapper; json-patch+json;
# role attributes with a glob (qa-*).
printf '{ "comment" : "caf\xc3\xa9 \\u2713",\n  "patch": [ {"op": "replace", "path": "/config/url", "value": "n\\u00e9w \xe2\x9c\x93"} ,{"op":"test","path":"/version","value":3}]}\n' \
    >"$T/wrapped.json"
mark
CT=application/json-patch+json fwd_patch "featureStore wrapper" \
    "$FS/checkout/qa-eu/redis/abc" "$CHECKOUT" "$T/wrapped.json"
assert_eq application/json-patch+json "$(rec_header -1 Content-Type)" \
    "featureStore wrapper: Content-Type"
assert_sent 1 "featureStore wrapper"
check_patch "featureStore wrapper" "$FS/checkout/qa-eu/redis/abc" \
    "$T/wrapped.json" "$CHECKOUT"

# --- big-segment-store
mark
fwd_patch "big-segment-store" "$BS/checkout/staging/redis/bss1" "$ONCALL" \
    "$T/official.json"
assert_sent 1 "big-segment-store PATCH"
check_patch "big-segment-store" "$BS/checkout/staging/redis/bss1" \
    "$T/official.json" "$ONCALL"

# --- integration configuration: GET to learn the key, then the PATCH
mark
fwd_patch "integration cfg-1" "$IC/cfg-1" "$ONCALL" "$T/official.json"
assert_sent 2 "integration cfg-1 (GET + PATCH)"
assert_eq GET "$(rec -2 .method)" "resolution: method"
assert_eq "$IC/cfg-1" "$(rec -2 .target)" "resolution: target"
assert_eq "$ONCALL" "$(rec_header -2 Authorization)" \
    "resolution: Authorization"
assert_eq beta "$(rec_header -2 LD-API-Version)" "resolution: LD-API-Version"
assert_eq localhost "$(rec -2 .sni)" "resolution: SNI"
check_patch "integration cfg-1" "$IC/cfg-1" "$T/official.json" "$ONCALL"

# configValues on datadog (checkout-team owns it); a secret value.
printf '[{"op":"replace","path":"/configValues/apiKey","value":"%s"}]' \
    "$SECRET" >"$T/secret.json"
mark
fwd_patch "integration cfg-2" "$IC/cfg-2" "$CHECKOUT" "$T/secret.json"
assert_sent 2 "integration cfg-2 (GET + PATCH)"
assert_eq GET "$(rec -2 .method)" "cfg-2 resolution"
check_patch "integration cfg-2" "$IC/cfg-2" "$T/secret.json" "$CHECKOUT"

# The key is cached: the second PATCH does not GET again.
mark
fwd_patch "integration cfg-2 again" "$IC/cfg-2" "$CHECKOUT" "$T/secret.json"
assert_sent 1 "integration cfg-2 again (cached key: PATCH only)"
check_patch "integration cfg-2 again" "$IC/cfg-2" "$T/secret.json" "$CHECKOUT"

# The resolved key decides: oncall may not change slack's configuration.
mark
send_patch "$IC/cfg-1" "$ONCALL" "@$T/secret.json"
assert_error 403 forbidden "oncall configValues on cfg-1"
assert_eq "updateConfiguration integration/slack/cfg-1" \
    "$(body_field '._access.denied[0] | "\(.action) \(.resource)"')" \
    "denied access on cfg-1"
assert_not_contains "$(cat "$T/body")" "$SECRET" "403 body"
assert_sent 0 "denied configValues on cached cfg-1"

# --- fixed-action routes: fixed action decides, body forwarded as is.
# fixed WHAT WANT METHOD PATH TOKEN [DENIED-ACTION RESOURCE]
fixed() {
	local what=$1 want=$2 m=$3 p=$4 tok=$5
	printf '{"name":"x %s","on":false}' "$what" >"$T/create.json"
	mark
	if [ "$m" = DELETE ]; then
		req DELETE "$p" -H "Authorization: $tok"
	else
		req "$m" "$p" -H "Authorization: $tok" \
		    -H 'Content-Type: application/json' \
		    --data-binary "@$T/create.json"
	fi
	if [ "$want" = deny ]; then
		assert_error 403 forbidden "$what"
		assert_eq "$6 $7" "$(body_field '._access.denied[0] |
		    "\(.action) \(.resource)"')" "$what: denied access"
		assert_sent 0 "$what"
		return
	fi
	assert_eq "$want" "$CODE" "$what: status ($(cat "$T/body"))"
	assert_sent 1 "$what"
	assert_eq "$m $p" "$(rec -1 '"\(.method) \(.target)"')" \
	    "$what: forwarded request"
	assert_eq "$tok" "$(rec_header -1 Authorization)" "$what: Authorization"
	if [ "$m" = POST ]; then
		rec_body -1 "$T/recorded"
		cmp -s "$T/create.json" "$T/recorded" ||
		    fail "$what: body not byte-exact"
	fi
}

fixed "create integration datadog" 200 POST "$IC/keys/datadog" "$CHECKOUT"
fixed "create integration slack" deny POST "$IC/keys/slack" "$CHECKOUT" \
    createIntegration integration/slack
fixed "create delivery (admin)" 200 POST "$FS/checkout/staging/redis" "$ADMIN"
fixed "create delivery (editor)" deny POST "$FS/checkout/staging/redis" \
    "$CHECKOUT" createIntegration proj/checkout:env/staging:integration/redis
fixed "create big-segment-store (oncall)" deny POST \
    "$BS/checkout/staging/redis" "$ONCALL" \
    createIntegration proj/checkout:env/staging:integration/redis
fixed "delete delivery (admin)" 204 DELETE "$FS/checkout/staging/redis/d1" \
    "$ADMIN"
fixed "delete big-segment-store (oncall)" deny DELETE \
    "$BS/checkout/staging/redis/d1" "$ONCALL" \
    deleteIntegration proj/checkout:env/staging:integration/redis/d1
fixed "delete integration (admin)" 204 DELETE "$IC/cfg-1" "$ADMIN"
fixed "delete integration (datadog owner)" deny DELETE "$IC/cfg-2" \
    "$CHECKOUT" deleteIntegration integration/datadog/cfg-2
fixed "validate (editor)" 200 POST "$FS/checkout/staging/redis/v1/validate" \
    "$CHECKOUT"
fixed "validate (oncall)" deny POST "$FS/checkout/staging/redis/v1/validate" \
    "$ONCALL" validateConnection proj/checkout:env/staging:integration/redis/v1

gw_finish
exit 0
