#!/bin/sh
# The ldgate command line with the real binary: check, eval, fingerprint,
# version, usage and exit statuses; then the shipped policy (policy/) must do
# what each role's description in policy/roles.json says.
#
# Environment (set by make check): LDGATE, the binary; top_srcdir.
set -eu

: "${LDGATE:?LDGATE must name the ldgate binary}"
: "${top_srcdir:?top_srcdir must name the source tree}"

if ! command -v jq >/dev/null 2>&1; then
	echo "SKIP: jq not found (Debian package jq)"
	exit 77
fi
if ! command -v sha256sum >/dev/null 2>&1; then
	echo "SKIP: sha256sum not found (Debian package coreutils)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
tmp_phys=$(cd "$tmp" && pwd -P)
shipped="$top_srcdir/policy/ldgate.json"
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run CMD...: sets $rc, and $tmp/out, $tmp/err.
run() {
	if "$@" >"$tmp/out" 2>"$tmp/err"; then rc=0; else rc=$?; fi
}

expect_rc() {
	[ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1 (stderr: $(cat "$tmp/err"))"
}

# ---------------------------------------------------------------- check

run "$LDGATE" check -c "$shipped"
expect_rc 0 "check shipped policy"
[ "$(cat "$tmp/out")" = "configuration OK" ] ||
	fail "check shipped policy: stdout is \"$(cat "$tmp/out")\""
[ ! -s "$tmp/err" ] || fail "check shipped policy: stderr: $(cat "$tmp/err")"

# A broken configuration: every error, located, on stderr; exit 1.
mkdir "$tmp/bad"
cat >"$tmp/bad/ldgate.json" <<'EOF'
{"policy": {"roles": ["roles.json"], "principals": "principals.json"}}
EOF
cat >"$tmp/bad/roles.json" <<'EOF'
[
  {"key": "ops", "policy": [
    {"effect": "Allow", "resources": ["integration/*"], "actions": ["updateOn"]},
    {"effect": "deny", "resources": ["proj/*:env/*;qa_*:/flag/*"], "actions": ["*"]},
    {"effect": "allow", "notResources": ["integration/*"], "actions": ["updateOn"]}
  ]}
]
EOF
cat >"$tmp/bad/principals.json" <<'EOF'
[
  {"name": "alice", "tokens": [], "roles": ["ops", "admin"]}
]
EOF
run "$LDGATE" check -c "$tmp/bad/ldgate.json"
expect_rc 1 "check broken config"
[ ! -s "$tmp/out" ] || fail "check broken config: stdout: $(cat "$tmp/out")"
sed -e "s|^$tmp/bad/||" -e "s|^$tmp_phys/bad/||" "$tmp/err" >"$tmp/got"
cat >"$tmp/want" <<'EOF'
roles.json:3:16: error: role "ops": policy[0].effect: "Allow": effect is lowercase "allow" or "deny"
roles.json:4:38: error: role "ops": policy[1].resources[0]: invalid resource specifier "proj/*:env/*;qa_*:/flag/*": invalid character ':' in tag "qa_*:/flag/*"; did you mean "proj/*:env/*;qa_*:flag/*"?
roles.json:5:5: warning: role "ops": policy[2]: an allow with "notResources" grants everything outside a list, often more than meant
principals.json:2:52: error: principal "alice": roles[1]: unknown role "admin"
EOF
cmp -s "$tmp/got" "$tmp/want" ||
	fail "check broken config: stderr differs:
$(diff "$tmp/want" "$tmp/got" || true)"

# Warnings alone do not fail the check.
cat >"$tmp/bad/roles.json" <<'EOF'
[{"key": "ops", "policy": [{"effect": "allow", "resources": ["integration/*"], "notActions": ["deleteIntegration"]}]}]
EOF
cat >"$tmp/bad/principals.json" <<'EOF'
[{"name": "alice", "tokens": [], "roles": ["ops"]}]
EOF
run "$LDGATE" check -c "$tmp/bad/ldgate.json"
expect_rc 0 "check with a warning"
[ "$(cat "$tmp/out")" = "configuration OK" ] || fail "check with a warning: stdout"
grep -q '^.*roles\.json:1:28: warning: role "ops": policy\[0\]: an allow with "notActions"' \
	"$tmp/err" || fail "check with a warning: stderr: $(cat "$tmp/err")"

run "$LDGATE" check -c "$tmp/nonexistent.json"
expect_rc 1 "check missing config"
grep -q 'nonexistent\.json: error: cannot read' "$tmp/err" ||
	fail "check missing config: stderr: $(cat "$tmp/err")"
run "$LDGATE" check -c "$shipped" extra
expect_rc 2 "check with an extra argument"
run "$LDGATE" check --bogus
expect_rc 2 "check with an unknown option"

# ----------------------------------------------------------------- eval

eval_shipped() {
	run "$LDGATE" eval -c "$shipped" "$@"
}

eval_shipped --principal oncall --resource integration/datadog/65a1f0c2 \
	--action updateOn
expect_rc 0 "eval allow"
jq -e '
	(keys_unsorted == ["decision", "principal", "action", "_access"]) and
	.decision == "allow" and .principal == "oncall" and
	.action == "updateOn" and
	(._access | keys_unsorted == ["allowed", "denied"]) and
	._access.denied == [] and
	._access.allowed == [{
		action: "updateOn",
		resource: "integration/datadog/65a1f0c2",
		reason: {
			effect: "allow",
			resources: ["integration/*", "proj/*:env/*:integration/*"],
			actions: ["updateOn"],
			role_name: "Integration operator",
			role_key: "integration-operator"
		}
	}]' "$tmp/out" >/dev/null || fail "eval allow: output: $(cat "$tmp/out")"

# Implicit deny: nothing applied.
eval_shipped --principal oncall --resource integration/datadog/65a1f0c2 \
	--action deleteIntegration
expect_rc 1 "eval implicit deny"
jq -e '.decision == "deny" and ._access.allowed == [] and
	._access.denied == [{action: "deleteIntegration",
	    resource: "integration/datadog/65a1f0c2", reason: null,
	    implicit: true}]' "$tmp/out" >/dev/null ||
	fail "eval implicit deny: output: $(cat "$tmp/out")"

# Explicit deny by a role: the statement and its role.
eval_shipped --principal checkout-team --resource integration/datadog/65a1f0c2 \
	--action deleteIntegration
expect_rc 1 "eval role deny"
jq -e '.decision == "deny" and (._access.denied | length) == 1 and
	._access.denied[0].reason == {effect: "deny",
	    resources: ["integration/datadog"], actions: ["deleteIntegration"],
	    role_name: "Datadog owner", role_key: "datadog-owner"} and
	(._access.denied[0] | has("implicit") | not)' "$tmp/out" >/dev/null ||
	fail "eval role deny: output: $(cat "$tmp/out")"

# Guardrail deny.
eval_shipped --principal platform-team \
	--resource proj/default:env/production:integration/audit-log-hook/1 \
	--resource integration/audit-log-hook/1 --action updateOn
expect_rc 1 "eval guardrail deny"
jq -e '.decision == "deny" and ._access.allowed == [] and
	._access.denied[0].reason.role_name == "guardrails" and
	._access.denied[0].reason.guardrail == true and
	(._access.denied[0].reason | has("role_key") | not) and
	._access.denied[0].resource ==
	    "proj/default:env/production:integration/audit-log-hook/1"' \
	"$tmp/out" >/dev/null || fail "eval guardrail deny: output: $(cat "$tmp/out")"

# Errors: exit 2, nothing on stdout.
eval_shipped --principal nobody --resource integration/x/1 --action updateOn
expect_rc 2 "eval unknown principal"
[ ! -s "$tmp/out" ] || fail "eval unknown principal: stdout: $(cat "$tmp/out")"
grep -q 'no principal named "nobody"' "$tmp/err" ||
	fail "eval unknown principal: stderr: $(cat "$tmp/err")"

eval_shipped --principal oncall --resource 'integration/x*' --action updateOn
expect_rc 2 "eval glob in resource"
grep -qF -- "--resource \"integration/x*\": '*' in key \"x*\": a resource names one object" \
	"$tmp/err" || fail "eval glob in resource: stderr: $(cat "$tmp/err")"
eval_shipped --principal oncall --resource 'integration/' --action updateOn
expect_rc 2 "eval empty key"
eval_shipped --principal oncall --resource 'PROJ/x' --action updateOn
expect_rc 2 "eval bad type"

eval_shipped --resource integration/x/1 --action updateOn
expect_rc 2 "eval without --principal"
grep -q -- '--principal, --resource and --action are required' "$tmp/err" ||
	fail "eval without --principal: stderr: $(cat "$tmp/err")"
eval_shipped --principal oncall --action updateOn
expect_rc 2 "eval without --resource"
eval_shipped --principal oncall --resource integration/x/1
expect_rc 2 "eval without --action"
eval_shipped --principal oncall --resource integration/x/1 --action updateOn extra
expect_rc 2 "eval with an extra argument"
run "$LDGATE" eval -c "$tmp/nonexistent.json" --principal oncall \
	--resource integration/x/1 --action updateOn
expect_rc 2 "eval with a missing config"
[ ! -s "$tmp/out" ] || fail "eval with a missing config: stdout"

# ----------------------------------------------- eval of a whole request
# The gateway's view: token on stdin, method, raw path, body.
cfg=$top_srcdir/policy/ldgate.json
fs=/api/v2/integration-capabilities/featureStore/checkout/staging/redis/abc
printf '%s' '[{"op":"replace","path":"/on","value":true}]' >"$tmp/on.json"
printf '%s' '[{"op":"replace","path":"/on","value":true},{"op":"replace","path":"/name","value":"x"}]' >"$tmp/on-name.json"
req() { # TOKEN ARGS...: eval a request
	local tok=$1; shift
	rc=0
	printf '%s\n' "$tok" | "$LDGATE" eval -c "$cfg" --token-stdin \
	    --content-type application/json "$@" \
	    >"$tmp/out" 2>"$tmp/err" || rc=$?
}
req demo-oncall-token --method PATCH --path "$fs" --body "$tmp/on.json"
expect_rc 0 "eval request: oncall updateOn"
jq -e '.decision == "allow" and .principal == "oncall" and
	.kind == "integration-delivery-configuration" and
	._access.allowed[0].reason.role_key == "integration-operator"' "$tmp/out" \
	>/dev/null || fail "eval request allow: output: $(cat "$tmp/out")"
req demo-oncall-token --method PATCH --path "$fs" --body "$tmp/on-name.json"
expect_rc 1 "eval request: oncall updateOn + updateName"
jq -e '.decision == "deny" and ._access.denied[0].action == "updateName" and
	._access.denied[0].implicit and ._access.allowed[0].action == "updateOn"' \
	"$tmp/out" >/dev/null || fail "eval request deny: output: $(cat "$tmp/out")"
req unknown-token --method PATCH --path "$fs" --body "$tmp/on.json"
expect_rc 1 "eval request: unknown token"
jq -e '.principal == null' "$tmp/out" >/dev/null || fail "eval unknown token: $(cat "$tmp/out")"
req demo-oncall-token --method POST --override PATCH --path "$fs" --body "$tmp/on-name.json"
expect_rc 1 "eval request: tunnelled PATCH is decided as a PATCH"
req demo-oncall-token --method PATCH --path "${fs%/abc}//abc" --body "$tmp/on.json"
expect_rc 1 "eval request: empty segment"
jq -e '.status == 400 and .code == "invalid_request"' "$tmp/out" >/dev/null ||
	fail "eval request empty segment: $(cat "$tmp/out")"
printf '%s' '[{"op":"replace","path":"/_id","value":1}]' >"$tmp/id.json"
req demo-admin-token --method PATCH --path "$fs" --body "$tmp/id.json"
expect_rc 1 "eval request: forbidden field"
jq -e '.status == 400' "$tmp/out" >/dev/null || fail "eval request /_id: $(cat "$tmp/out")"
req demo-oncall-token --method GET --path /api/v2/flags/default
expect_rc 0 "eval request: passthrough"
jq -e '.decision == "passthrough"' "$tmp/out" >/dev/null || fail "eval passthrough: $(cat "$tmp/out")"
ic=/api/v2/integration-configurations/65a1f0c2e4b0a1b2c3d4e5f6
req demo-checkout-token --method PATCH --path "$ic" --body "$tmp/on.json"
expect_rc 2 "eval request: integration configuration without --key"
grep -q -- "--key" "$tmp/err" || fail "eval without --key: stderr: $(cat "$tmp/err")"
req demo-checkout-token --method PATCH --path "$ic" --key datadog --body "$tmp/on.json"
expect_rc 0 "eval request: datadog owner"
jq -e '.resource == "integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6"' "$tmp/out" \
	>/dev/null || fail "eval request resource: $(cat "$tmp/out")"
req demo-checkout-token --method DELETE --path "$ic" --key datadog
expect_rc 1 "eval request: datadog owner may not delete"
# A key the upstream could never have answered is no key: the gateway
# would refuse it (502), so eval does not decide on it.
for key in 'data/dog*' '' "$(printf 'k%.0s' $(seq 257))"; do
	req demo-admin-token --method PATCH --path "$ic" --key "$key" --body "$tmp/on.json"
	expect_rc 2 "eval request: --key \"$(printf %.20s "$key")\""
	grep -q -- "--key" "$tmp/err" || fail "eval bad --key: stderr: $(cat "$tmp/err")"
done
req demo-admin-token --method PATCH --path "$ic" --key "$(printf 'k%.0s' $(seq 256))" --body "$tmp/on.json"
expect_rc 0 "eval request: a 256-character --key"
req "" --method PATCH --path "$fs" --body "$tmp/on.json"
expect_rc 2 "eval request: empty token"

# ---------------------------------------------------------- fingerprint

token="api-0123456789abcdef"
want="sha256:$(printf %s "$token" | sha256sum | cut -d' ' -f1)"
got=$(printf '%s\n' "$token" | "$LDGATE" fingerprint) ||
	fail "fingerprint: exit $?"
[ "$got" = "$want" ] || fail "fingerprint with newline: $got, expected $want"
got=$(printf '%s' "$token" | "$LDGATE" fingerprint) || fail "fingerprint: exit $?"
[ "$got" = "$want" ] || fail "fingerprint without newline: $got, expected $want"
got=$(printf '%s\r\n' "$token" | "$LDGATE" fingerprint) || fail "fingerprint: exit $?"
[ "$got" = "$want" ] || fail "fingerprint with CRLF: $got, expected $want"
# Only one newline is dropped: the rest is part of the token or an error.
run sh -c "printf 'a\\n\\n' | \"\$0\" fingerprint" "$LDGATE"
expect_rc 1 "fingerprint of two lines"
[ ! -s "$tmp/out" ] || fail "fingerprint of two lines: stdout"
run sh -c "printf '' | \"\$0\" fingerprint" "$LDGATE"
expect_rc 1 "fingerprint of nothing"
run sh -c "printf 'x' | \"\$0\" fingerprint extra" "$LDGATE"
expect_rc 2 "fingerprint with an argument"

# ------------------------------------------------------ version, usage

run "$LDGATE" version
expect_rc 0 "version"
grep -Eqx 'ldgate [0-9]+\.[0-9]+\.[0-9]+.*' "$tmp/out" ||
	fail "version: $(cat "$tmp/out")"
run "$LDGATE" --version
expect_rc 0 "--version"

for cmd in check eval fingerprint version; do
	run "$LDGATE" "$cmd" --help
	expect_rc 0 "$cmd --help"
	[ -s "$tmp/out" ] || fail "$cmd --help: nothing on stdout"
done
for cmd in check eval fingerprint; do
	run "$LDGATE" "$cmd" --help
	grep -q "^usage: ldgate $cmd" "$tmp/out" || fail "$cmd --help: no usage line"
done
run "$LDGATE" --help
expect_rc 0 "--help"
grep -q '^usage: ldgate COMMAND' "$tmp/out" || fail "--help: no usage line"
run "$LDGATE" bogus
expect_rc 2 "unknown command"
grep -q 'unknown command "bogus"' "$tmp/err" || fail "unknown command: stderr"
run "$LDGATE"
expect_rc 2 "no command"

# ------------------------------------------------------ shipped roles

# Each line: expected decision, principal, action, then the object's
# aliases.  A delivery configuration has two aliases:
# proj/P:env/E:integration/KEY/ID and integration/KEY/ID.
set -f
while read -r want who action res; do
	case "$want" in ''|'#'*) continue ;; esac
	# shellcheck disable=SC2086 # split the aliases; globbing is off
	set -- $res
	args=""
	for r in "$@"; do
		args="$args --resource $r"
	done
	# shellcheck disable=SC2086
	run "$LDGATE" eval -c "$shipped" --principal "$who" $args --action "$action"
	case "$want" in
	allow) code=0 ;;
	deny) code=1 ;;
	*) fail "bad table line: $want"; continue ;;
	esac
	what="$who $action $res"
	if [ "$rc" -ne "$code" ]; then
		fail "$what: exit $rc, expected $code ($want) $(cat "$tmp/err")"
	elif [ "$(jq -r .decision "$tmp/out")" != "$want" ]; then
		fail "$what: decision $(jq -r .decision "$tmp/out"), expected $want"
	fi
done <<'EOF'
# integration-admin: "Creates, changes, validates and deletes every
# integration configuration and delivery configuration."
allow platform-team createIntegration integration/slack
allow platform-team updateConfiguration integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
allow platform-team updateName integration/slack/65a1f0c2e4b0a1b2c3d4e5f7
allow platform-team updateOn integration/slack/65a1f0c2e4b0a1b2c3d4e5f7
allow platform-team validateConnection proj/default:env/staging:integration/fastly/64f0 integration/fastly/64f0
allow platform-team deleteIntegration integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
allow platform-team createIntegration proj/default:env/staging:integration/fastly integration/fastly
allow platform-team deleteIntegration proj/default:env/staging:integration/fastly/64f0 integration/fastly/64f0
allow platform-team updateConfiguration proj/default:env/production:integration/fastly/64f0 integration/fastly/64f0
deny platform-team updateOn proj/default:env/production:flag/checkout
deny platform-team updateProjectName proj/default
# guardrail: no deletes in production, whoever asks
deny platform-team deleteIntegration proj/default:env/production:integration/fastly/64f0 integration/fastly/64f0
deny platform-team deleteIntegration proj/checkout:env/production:integration/redis/1 integration/redis/1
# guardrail: the audit-log hook in production is not switched, changed or deleted
deny platform-team updateOn proj/default:env/production:integration/audit-log-hook/1 integration/audit-log-hook/1
deny platform-team updateConfiguration proj/default:env/production:integration/audit-log-hook/1 integration/audit-log-hook/1
deny platform-team deleteIntegration proj/default:env/production:integration/audit-log-hook/1 integration/audit-log-hook/1
allow platform-team updateName proj/default:env/production:integration/audit-log-hook/1 integration/audit-log-hook/1
allow platform-team updateOn proj/default:env/staging:integration/audit-log-hook/1 integration/audit-log-hook/1
allow platform-team updateOn proj/default:env/Production:integration/audit-log-hook/1 integration/audit-log-hook/1

# integration-operator: "Switches integrations on and off; changes nothing else."
allow oncall updateOn integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
allow oncall updateOn proj/default:env/production:integration/fastly/64f0 integration/fastly/64f0
deny oncall updateConfiguration integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
deny oncall updateName integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
deny oncall validateConnection proj/default:env/staging:integration/fastly/64f0 integration/fastly/64f0
deny oncall createIntegration integration/datadog
deny oncall deleteIntegration integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
deny oncall deleteIntegration proj/default:env/staging:integration/fastly/64f0 integration/fastly/64f0
deny oncall updateOn proj/default:env/production:flag/checkout
deny oncall updateOn proj/default:env/production:integration/audit-log-hook/1 integration/audit-log-hook/1

# delivery-config-editor, held by checkout-team with projects [checkout] and
# environments [staging, qa-*]: "Edits and validates the delivery
# configurations of the projects and environments named by its holder's role
# attributes; never creates or deletes them."
allow checkout-team updateConfiguration proj/checkout:env/staging:integration/fastly/64f0 integration/fastly/64f0
allow checkout-team updateName proj/checkout:env/staging:integration/fastly/64f0 integration/fastly/64f0
allow checkout-team updateOn proj/checkout:env/qa-east:integration/fastly/64f0 integration/fastly/64f0
allow checkout-team validateConnection proj/checkout:env/qa-2:integration/redis/1 integration/redis/1
deny checkout-team updateConfiguration proj/checkout:env/production:integration/fastly/64f0 integration/fastly/64f0
deny checkout-team updateOn proj/checkout:env/production:integration/fastly/64f0 integration/fastly/64f0
deny checkout-team updateConfiguration proj/checkout:env/qa:integration/fastly/64f0 integration/fastly/64f0
deny checkout-team updateConfiguration proj/checkout:env/staging2:integration/fastly/64f0 integration/fastly/64f0
deny checkout-team updateConfiguration proj/search:env/staging:integration/fastly/64f0 integration/fastly/64f0
deny checkout-team updateConfiguration proj/checkout-v2:env/staging:integration/fastly/64f0 integration/fastly/64f0
deny checkout-team updateConfiguration proj/Checkout:env/staging:integration/fastly/64f0 integration/fastly/64f0
deny checkout-team createIntegration proj/checkout:env/staging:integration/fastly integration/fastly
deny checkout-team deleteIntegration proj/checkout:env/staging:integration/fastly/64f0 integration/fastly/64f0
deny checkout-team updateConfiguration integration/fastly/64f0
deny checkout-team updateOn proj/checkout:env/staging:flag/checkout

# datadog-owner, also held by checkout-team: "Full control of Datadog
# integration configurations, except deleting them."
allow checkout-team createIntegration integration/datadog
allow checkout-team updateConfiguration integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
allow checkout-team updateName integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
allow checkout-team updateOn integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
allow checkout-team validateConnection integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
deny checkout-team deleteIntegration integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6
deny checkout-team updateConfiguration integration/datadog-eu/65a1f0c2e4b0a1b2c3d4e5f6
deny checkout-team updateConfiguration integration/slack/65a1f0c2e4b0a1b2c3d4e5f6
deny checkout-team updateConfiguration integration/Datadog/65a1f0c2e4b0a1b2c3d4e5f6
# A Datadog delivery configuration is also integration/datadog/ID, so the role
# covers it in every project and environment -- but the delete is still denied.
allow checkout-team updateOn proj/search:env/production:integration/datadog/1 integration/datadog/1
deny checkout-team deleteIntegration proj/checkout:env/staging:integration/datadog/1 integration/datadog/1
EOF
set +f

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
exit 0
