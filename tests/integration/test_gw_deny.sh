#!/bin/bash
# Denied changes get 403 in LaunchDarkly's shape (each denied access with
# its deciding statement and role, or implicit) and the upstream receives
# nothing; no Authorization gets 401, two get 400; a caller who cannot read
# an integration configuration gets the upstream's answer and no PATCH.
# Reading a secret field (copy or move from it, test of it) needs
# updateConfiguration, which a rename-only principal lacks.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
start_fixture --integration cfg-1=slack --integration cfg-2=datadog \
    --integration hook-1=audit-log-hook --integration sec-1=slack
# Beside the shipped principals, one that may only rename: $RENAMER.
RENAMER=demo-renamer-token
fp=$(printf '%s' "$RENAMER" | "$LDGATE" fingerprint) || fail "fingerprint"
jq --arg fp "$fp" '. + [{name: "renamer", tokens: [$fp],
    roles: ["integration-renamer"]}]' "$top_srcdir/policy/principals.json" \
    >"$T/deny-principals.json" || fail "cannot write the principals"
cat >"$T/deny-roles.json" <<'EOF'
[{"key": "integration-renamer", "policy": [{"effect": "allow",
  "resources": ["integration/*", "proj/*:env/*:integration/*"],
  "actions": ["updateName"]}]}]
EOF
start_ldgate '{"policy": {"roles": ["roles.json", "deny-roles.json"],
    "principals": "deny-principals.json"}}'
TRAIL=$T/$(jq -r .audit.file "$GW_CONF")
GW_SECRETS="$GW_SECRETS not-a-known-token-42"

# denied WHAT PATH TOKEN BODY WANT: WANT is the denied accesses, one
# "action resource role_name|implicit" per line, in order.
denied() {
	local what=$1 got
	send_patch "$2" "$3" "$4"
	assert_error 403 forbidden "$what"
	got=$(body_field '._access.denied[] | "\(.action) \(.resource) \(
	    if .implicit == true and .reason == null then "implicit"
	    else .reason.role_name end)"')
	assert_eq "$5" "$got" "$what: _access.denied"
	assert_not_contains "$(cat "$T/body")" "$SECRET" "$what: 403 body"
}

D=$FS/checkout/staging/redis/d1
RES=proj/checkout:env/staging:integration/redis/d1
mark
denied "oncall rename" "$D" "$ONCALL" \
    '[{"op":"replace","path":"/name","value":"renamed"}]' \
    "updateName $RES implicit"
# Every access must be allowed: the /on op is, the /config op is not, and
# only the latter is listed.
denied "oncall on+config" "$D" "$ONCALL" \
    "[{\"op\":\"replace\",\"path\":\"/on\",\"value\":true},{\"op\":\"add\",\"path\":\"/config/password\",\"value\":\"$SECRET\"}]" \
    "updateConfiguration $RES implicit"
# move needs both fields' actions.
denied "oncall move name->on" "$D" "$ONCALL" \
    '[{"op":"move","from":"/name","path":"/on"}]' "updateName $RES implicit"
# Role attributes: checkout-team edits staging and qa-*, not production.
denied "editor in production" "$FS/checkout/production/redis/p1" "$CHECKOUT" \
    "$OFFICIAL" \
    "updateOn proj/checkout:env/production:integration/redis/p1 implicit"
denied "editor in another project" "$FS/billing/staging/redis/b1" "$CHECKOUT" \
    "$OFFICIAL" "updateOn proj/billing:env/staging:integration/redis/b1 implicit"
# A guardrail beats integration-admin.
denied "guardrail" "$FS/checkout/production/audit-log-hook/h1" "$ADMIN" \
    "$OFFICIAL" \
    "updateOn proj/checkout:env/production:integration/audit-log-hook/h1 guardrails"
assert_eq true "$(body_field '._access.denied[0].reason.guardrail')" \
    "guardrail: reason.guardrail"
assert_eq deny "$(body_field '._access.denied[0].reason.effect')" \
    "guardrail: reason.effect"
denied "guardrail (big-segment-store)" \
    "$BS/checkout/production/audit-log-hook/h2" "$ADMIN" \
    "[{\"op\":\"replace\",\"path\":\"/config\",\"value\":{\"k\":\"$SECRET\"}}]" \
    "updateConfiguration proj/checkout:env/production:integration/audit-log-hook/h2 guardrails"
# An unknown token has no roles.
denied "unknown token" "$D" not-a-known-token-42 "$OFFICIAL" \
    "updateOn $RES implicit"
assert_sent 0 "denied delivery patches"

# Integration configurations: the GET is the only request that leaves.
mark
denied "oncall configValues" "$IC/cfg-1" "$ONCALL" \
    "[{\"op\":\"replace\",\"path\":\"/configValues/token\",\"value\":\"$SECRET\"}]" \
    "updateConfiguration integration/slack/cfg-1 implicit"
assert_sent 1 "oncall configValues on cfg-1 (GET only)"
assert_eq "GET $IC/cfg-1" "$(rec -1 '"\(.method) \(.target)"')" \
    "the one request sent"
# A deciding deny statement names its role.
req DELETE "$IC/cfg-2" -H "Authorization: $CHECKOUT"
assert_error 403 forbidden "datadog owner deletes"
assert_eq "deleteIntegration integration/datadog/cfg-2 Datadog owner datadog-owner" \
    "$(body_field '._access.denied[0] | "\(.action) \(.resource) \(.reason.role_name) \(.reason.role_key)"')" \
    "datadog owner deletes: _access.denied"
assert_sent 2 "after the datadog delete (one more GET)"
assert_eq "GET $IC/cfg-2" "$(rec -1 '"\(.method) \(.target)"')" \
    "datadog delete: only the resolution GET"
# The resource is named by the key the GET returned.
mark
denied "resolved key" "$IC/hook-1" "$ONCALL" \
    '[{"op":"replace","path":"/name","value":"x"}]' \
    "updateName integration/audit-log-hook/hook-1 implicit"
assert_sent 1 "hook-1 (GET only)"

# --- secret fields: reading one needs updateConfiguration
# Copying the API key into the name would publish it with updateName; a
# test of it would confirm one guess per request.
mark
denied "renamer copies the key to the name" "$D" "$RENAMER" \
    '[{"op":"copy","from":"/config/apiKey","path":"/name"}]' \
    "updateConfiguration $RES implicit"
# Its record: the accesses it needed, the delta as sent (a copy has no
# value; from is a path, not a secret).
id=$(body_field .id)
assert_eq '{"decision":"deny","accesses":["updateName","updateConfiguration"],"delta":[{"op":"copy","from":"/config/apiKey","path":"/name"}]}' \
    "$(jq -c --arg id "$id" 'select(._id == $id) | {decision,
    accesses: [.accesses[].action], delta}' "$TRAIL")" \
    "copy of the key: decision record"
denied "renamer moves the key to the name" "$D" "$RENAMER" \
    '[{"op":"move","from":"/config/apiKey","path":"/name"}]' \
    "updateConfiguration $RES implicit"
denied "renamer tests the key" "$D" "$RENAMER" \
    '[{"op":"test","path":"/config/apiKey","value":"x"},{"op":"replace","path":"/name","value":"n"}]' \
    "updateConfiguration $RES implicit"
# The guess is recorded redacted, like any value in a secret field.
id=$(body_field .id)
assert_eq hmac-sha256: "$(jq -r --arg id "$id" 'select(._id == $id) |
    .delta[0].value[:12]' "$TRAIL")" "test of the key: recorded value"
denied "renamer tests the whole document" "$BS/checkout/staging/redis/b1" \
    "$RENAMER" '[{"op":"test","path":"","value":{}},{"op":"replace","path":"/name","value":"n"}]' \
    "updateConfiguration proj/checkout:env/staging:integration/redis/b1 implicit"
# A test alone changes nothing: refused before any decision.
send_patch "$D" "$RENAMER" '[{"op":"test","path":"/config/apiKey","value":"x"}]'
assert_error 400 invalid_request "renamer sends only a test of the key"
assert_sent 0 "secret reads on delivery configurations"
# An integration configuration's secrets are configValues and
# capabilityConfig: only the key's GET leaves.
denied "renamer copies configValues" "$IC/sec-1" "$RENAMER" \
    '[{"op":"copy","from":"/configValues/token","path":"/name"}]' \
    "updateConfiguration integration/slack/sec-1 implicit"
denied "renamer tests capabilityConfig" "$IC/sec-1" "$RENAMER" \
    '[{"op":"test","path":"/capabilityConfig/x","value":1},{"op":"replace","path":"/name","value":"n"}]' \
    "updateConfiguration integration/slack/sec-1 implicit"
assert_sent 1 "secret reads on sec-1 (GET only)"
assert_eq "GET $IC/sec-1" "$(rec -1 '"\(.method) \(.target)"')" \
    "secret reads on sec-1: the one request sent"
# Optimistic locking stays free: a test of /version needs nothing.
mark
send_patch "$D" "$RENAMER" \
    '[{"op":"test","path":"/version","value":1},{"op":"replace","path":"/name","value":"n"}]'
assert_eq 200 "$CODE" "renamer renames after a test of /version"
assert_sent 1 "the rename"
assert_eq "PATCH $D" "$(rec -1 '"\(.method) \(.target)"')" "the rename sent"

# --- 401, 400: no Authorization, two of them
mark
send_patch "$D" "" "$OFFICIAL"
assert_error 401 unauthorized "no Authorization"
send_patch "$IC/cfg-1" "" "$OFFICIAL"
assert_error 401 unauthorized "no Authorization (integration)"
req DELETE "$D"
assert_error 401 unauthorized "no Authorization (DELETE)"
send_patch "$D" "$ADMIN" "$OFFICIAL" -H "Authorization: $ONCALL"
assert_error 400 invalid_request "two Authorization headers"
send_patch "$D" "$ONCALL" "$OFFICIAL" -H "Authorization: $ADMIN"
assert_error 400 invalid_request "two Authorization headers (other order)"
send_patch "$IC/cfg-3" "$ADMIN" "$OFFICIAL" -H "Authorization: $ADMIN"
assert_error 400 invalid_request "two Authorization headers (integration)"
assert_sent 0 "401 and 400"

# --- resolution: the upstream's 404 and 403 come back, no PATCH follows
mark
send_patch "$IC/no-such-id" "$ADMIN" "$OFFICIAL"
assert_eq 404 "$CODE" "unknown id: status"
assert_eq not_found "$(body_field .code)" "unknown id: relayed body"
assert_sent 1 "unknown id (GET only)"
assert_eq "GET $IC/no-such-id" "$(rec -1 '"\(.method) \(.target)"')" \
    "unknown id: the GET"
mark
send_patch "$IC/cfg-3-uncached" deny-token "$OFFICIAL"
assert_eq 403 "$CODE" "deny-token: status"
assert_eq forbidden "$(body_field .code)" "deny-token: relayed body"
assert_sent 1 "deny-token (GET only)"
assert_eq deny-token "$(rec -1 "$(printf '%s' \
    '.headers[] | select(.[0] == "Authorization") | .[1]')")" \
    "deny-token: the GET's Authorization"
# A 404 is not cached as a key: the next try asks again.
mark
send_patch "$IC/no-such-id" "$ADMIN" "$OFFICIAL"
assert_eq 404 "$CODE" "unknown id again: status"
assert_sent 1 "unknown id again (GET only)"

gw_finish
exit 0
