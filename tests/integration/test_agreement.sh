#!/bin/bash
# The gateway and `ldgate eval` run one pipeline (docs/architecture.md, "One
# pipeline"), so they must agree.  Every case of
# tests/data/agreement/cases.tsv goes to a real gateway over a socket (raw
# bytes, so duplicate headers reach it as sent) and through `ldgate eval`
# with the same method, target, headers and body; the test fails if any
# outcome differs:
#   - forwarded or answered, and for an answer its status and code;
#   - the decision record: none, or its "decision" (allow, deny, refused).
# The gateway's side is read from what the upstream fixture received, the
# response, and the audit trail; eval's from its JSON.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/gw.sh"

gw_need
start_fixture --integration cfg-1=slack --integration cfg-2=datadog
start_ldgate
GW_SECRETS="$GW_SECRETS nobody-we-know"
CASES=${AGREEMENT_CASES:-$top_srcdir/tests/data/agreement/cases.tsv}
AUDIT=$T/ldgate1.audit.log
CRLF=$'\r\n'

expand() {
	local s=$1
	s=${s//\$ADMIN/$ADMIN}
	s=${s//\$ONCALL/$ONCALL}
	s=${s//\$CHECKOUT/$CHECKOUT}
	s=${s//\$FS/$FS}
	s=${s//\$BS/$BS}
	s=${s//\$IC/$IC}
	printf '%s' "$s"
}

# The last decision record since line $1 of the trail: its "decision", or
# "none".
audit_decision() {
	local d
	# grep, not jq: jq's start-up would be most of this test's time.
	d=$(tail -n +"$(($1 + 1))" "$AUDIT" | grep -F '"event":"decision"' |
	    tail -n 1 | grep -o '"decision":"[a-z]*"' | cut -d'"' -f4)
	printf '%s' "${d:-none}"
}

# gateway_outcome METHOD TARGET BODY HEADER...: "forward" or "STATUS CODE",
# then " / " and the decision record's decision.
gateway_outcome() {
	local method=$1 target=$2 body=$3 req h lines code fwd
	shift 3
	req="$method $target HTTP/1.1${CRLF}"
	for h in "$@"; do
		req="$req$h$CRLF"
	done
	req="$req$CRLF$body"
	mark
	lines=$(wc -l <"$AUDIT")
	raw_http "$req"
	# The upstream's records are written before it answers; ldgate's
	# decision record is durable before it answers or forwards.
	fwd=$(tail -n +"$((GW_MARK + 1))" "$FIXTURE_RECORDS" |
	    grep -F "\"method\":\"$method\"" | grep -cF "\"target\":\"$target\"")
	if [ "$fwd" -gt 0 ]; then
		printf 'forward'
	else
		code=$(sed '1,/^\r\{0,1\}$/d' "$T/raw" | jq -r '.code' 2>/dev/null)
		printf '%s %s' "$CODE" "${code:-not-json}"
	fi
	printf ' / %s' "$(audit_decision "$lines")"
}

# eval_outcome METHOD TARGET KEY BODY HEADER...: the same from eval.
eval_outcome() {
	local method=$1 target=$2 key=$3 body=$4 rc=0
	shift 4
	set -- --method "$method" --path "$target" "$@"
	[ "$key" = - ] || set -- "$@" --key "$key"
	if [ -n "$body" ]; then
		printf '%s' "$body" >"$T/eval-body"
		set -- "$@" --body "$T/eval-body"
	fi
	"$LDGATE" eval -c "$GW_CONF" "$@" >"$T/eval.out" 2>"$T/eval.err" || rc=$?
	[ "$rc" -le 1 ] || { printf 'eval exit %s: %s' "$rc" "$(cat "$T/eval.err")"; return; }
	jq -j '
	    if .decision == "passthrough" then "forward / none"
	    elif .decision == "allow" then "forward / allow"
	    elif .decision == "deny" then "\(.status) \(.code) / deny"
	    elif .decision == "refused" then "\(.status) \(.code) / \(
		if .audited then "refused" else "none" end)"
	    else "eval said: \(.)" end' "$T/eval.out"
}

n=0
disagree=0
while IFS=$'\t' read -r name method target key body rest; do
	case $name in ''|'#'*) continue ;; esac
	n=$((n + 1))
	target=$(expand "$target")
	[ "$body" = - ] && body=""
	# Both sides get the same header lines, the runner's included.  Its
	# Connection: close comes first: evhttp reads only the first.
	hdrs=("Host: 127.0.0.1:$GW_PORT" "Connection: close")
	if [ -n "$rest" ]; then
		IFS=$'\t' read -r -a more <<<"$rest"
		for h in "${more[@]}"; do
			hdrs+=("$(expand "$h")")
		done
	fi
	[ -n "$body" ] && hdrs+=("Content-Length: $(printf '%s' "$body" | wc -c)")
	gw=$(gateway_outcome "$method" "$target" "$body" "${hdrs[@]}")
	args=()
	for h in "${hdrs[@]}"; do
		args+=(--header "$h")
	done
	ev=$(eval_outcome "$method" "$target" "$key" "$body" "${args[@]}")
	[ -z "${AGREEMENT_VERBOSE:-}" ] || echo "$(now_ms) $name: $gw | $ev" >&2
	if [ "$gw" != "$ev" ]; then
		echo "DISAGREE $name: gateway \"$gw\", eval \"$ev\"" >&2
		disagree=$((disagree + 1))
	fi
done <"$CASES"

[ "$n" -ge 40 ] || fail "only $n cases in $CASES (want at least 40)"
[ "$disagree" -eq 0 ] || fail "$disagree of $n cases disagree"
gw_finish
