# gw.sh: helpers for the gateway's integration tests (test_gw_*.sh).
# Source it after lib.sh:
#
#	. "${top_srcdir:-.}/tests/integration/lib.sh"
#	. "$top_srcdir/tests/integration/gw.sh"
#
#	gw_need [CMD...]		skip unless curl, jq, openssl, timeout
#					(and each CMD) are there
#	start_ldgate [JSON]		write $T/ldgateN.json (the test config
#					below, JSON merged over it with jq's
#					`*`), spawn `ldgate serve`, wait for
#					"serving"; sets GW_URL GW_PORT GW_PID
#					GW_LOG GW_CONF.  Needs a started fixture
#					unless JSON sets upstream.url.
#	stop_ldgate			SIGTERM the current ldgate; fail unless
#					it exits 0 with a clean log (gw_log_clean)
#	gw_finish			stop_ldgate for every ldgate started,
#					then the fixture; end every test with it
#	gw_log_clean LOG		fail if LOG holds a secret ($GW_SECRETS:
#					every "demo-" token, deny-token, the
#					config values tests send) or a sanitizer
#					report
#	gw_curl ARGS...			curl, bounded by $CURL_MAX_TIME (10 s)
#	req METHOD PATH [ARGS...]	a request to the gateway; sets CODE
#					(000 when curl failed); body in $T/body,
#					response headers in $T/hdrs
#	send_patch PATH TOKEN BODY [ARGS...]
#					PATCH with Content-Type $CT (default
#					application/json; CT= sends none);
#					TOKEN "" sends no Authorization
#	mark				remember the fixture's record count
#	sent_since_mark			records since mark
#	assert_sent N WHAT		exactly N records since mark
#	assert_error STATUS CODE WHAT	CODE status and an ldgate error body:
#					JSON, .code CODE, .message, .id
#	body_field EXPR			jq -r EXPR on $T/body
#	raw_http REQUEST [SECS]		send REQUEST bytes on a fresh connection,
#					read until the gateway closes (or SECS,
#					default 5); reply in $T/raw, status in
#					CODE (000 when none)
#	read_response FD [SECS]		read one response from an open
#					/dev/tcp descriptor; sets CODE RESP_BODY
#	rec N EXPR, rec_header N NAME, rec_body N FILE
#					fixture record N (negative: from the
#					end): jq -r EXPR, header values, body
#	now_ms				wall clock, ms
#
# Shared with audit.sh (test_audit_*.sh): GW_N, GW_ALL, gw_serving and the
# audit.file key of the config, relative to $T.
#
# The test config: listen 127.0.0.1:<free port>, 1 worker, upstream
# https://localhost:$FIXTURE_PORT trusting $CERTS/ca.pem, connect 1 s,
# response 2 s, shutdownTimeoutMs 5 s, the audit trail in
# $T/ldgateN.audit.log, the shipped policy files copied into $T; ldgate
# runs with -v.  Tokens of the shipped principals: $ADMIN (platform-team,
# integration-admin), $ONCALL (oncall, integration-operator: updateOn),
# $CHECKOUT (checkout-team: delivery-config-editor on checkout/staging|qa-*,
# datadog-owner).

ADMIN=demo-admin-token
ONCALL=demo-oncall-token
CHECKOUT=demo-checkout-token
SECRET=s3cr3t-value-123
# Never in the operator log.  Tests add the tokens they make up.
GW_SECRETS="demo- deny-token $SECRET"
OFFICIAL='[{"op":"replace","path":"/on","value":true}]'
FS=/api/v2/integration-capabilities/featureStore
BS=/api/v2/integration-capabilities/big-segment-store
IC=/api/v2/integration-configurations

GW_N=0
GW_ALL=""		# "pid:name" of every ldgate still running

gw_need() {
	need_cmd curl jq openssl timeout "$@"
}

now_ms() {
	local ns
	ns=$(date +%s%N)
	echo $((ns / 1000000))
}

start_ldgate() {
	local extra=${1:-'{}'} name port url
	[ -x "$LDGATE" ] || fail "ldgate not built: $LDGATE"
	make_certs
	GW_N=$((GW_N + 1))
	name=ldgate$GW_N
	port=$(free_port)
	url=https://localhost:${FIXTURE_PORT:-1}
	cp "$top_srcdir"/policy/roles.json "$top_srcdir"/policy/principals.json \
	    "$top_srcdir"/policy/guardrails.json "$T/" ||
	    fail "cannot copy the shipped policy"
	GW_CONF=$T/$name.json
	jq -n --arg listen "127.0.0.1:$port" --arg url "$url" \
	    --arg ca "$CERTS/ca.pem" --arg audit "$name.audit.log" \
	    --argjson extra "$extra" '{
		listen: [$listen],
		workers: 1,
		shutdownTimeoutMs: 5000,
		upstream: {url: $url, caFile: $ca, connectTimeoutMs: 1000,
		    responseTimeoutMs: 2000},
		policy: {roles: ["roles.json"], principals: "principals.json",
		    guardrails: "guardrails.json"},
		audit: {file: $audit}
	    } * $extra' >"$GW_CONF" || fail "bad extra config: $extra"
	# -v: debug lines too, so that gw_log_clean sees them.
	spawn "$name" "$LDGATE" serve -v -c "$GW_CONF"
	GW_PID=$SPAWN_PID
	GW_LOG=$T/$name.log
	GW_ALL="$GW_ALL $GW_PID:$name"
	if ! wait_until 10 gw_serving; then
		lib_log_tail "$name"
		fail "$name did not log \"serving\" within 10 s"
	fi
	GW_PORT=$port
	GW_URL=http://127.0.0.1:$port
	export GW_URL GW_PORT GW_PID GW_LOG GW_CONF
}

# Serving, or dead (then the wait stops and start_ldgate fails).
gw_serving() {
	grep -q serving "$GW_LOG" 2>/dev/null && return 0
	pid_alive "$GW_PID" || fail "ldgate exited at start-up: $(cat "$GW_LOG")"
	return 1
}

gw_log_clean() {
	local log=$1 s
	for s in $GW_SECRETS; do
		grep -qF -- "$s" "$log" &&
		    fail "operator log $(basename "$log") contains \"$s\": $(grep -F -- "$s" "$log" | head -3)"
	done
	grep -qE 'Sanitizer|runtime error:' "$log" &&
	    fail "sanitizer report in $(basename "$log"): $(grep -E -A5 'Sanitizer|runtime error:' "$log" | head -20)"
	return 0
}

gw_stop_one() {
	local pid=${1%%:*} name=${1#*:} rc=0 w out=""
	stop_pid "$pid" 10 || rc=$?
	for w in $GW_ALL; do
		[ "$w" = "$1" ] || out="$out $w"
	done
	GW_ALL=$out
	if [ "$rc" -ne 0 ]; then
		lib_log_tail "$name"
		fail "$name exited $rc on SIGTERM (expected 0)"
	fi
	gw_log_clean "$T/$name.log"
}

stop_ldgate() {
	local w
	for w in $GW_ALL; do
		[ "${w%%:*}" = "$GW_PID" ] && gw_stop_one "$w"
	done
	return 0
}

gw_finish() {
	local w
	for w in $GW_ALL; do
		gw_stop_one "$w"
	done
	[ "${LIB_FIXTURES:-0}" -gt 0 ] && pid_alive "$FIXTURE_PID" && stop_fixture
	return 0
}

gw_curl() {
	curl -sS --max-time "${CURL_MAX_TIME:-10}" "$@"
}

req() {
	local m=$1 p=$2
	shift 2
	rm -f "$T/body" "$T/hdrs"
	if [ "$m" = HEAD ]; then
		set -- --head "$@"
	else
		set -- -X "$m" "$@"
	fi
	CODE=$(gw_curl --path-as-is -o "$T/body" -D "$T/hdrs" \
	    -w '%{http_code}' "$@" "$GW_URL$p" 2>"$T/curl.err") || CODE=000
	[ -f "$T/body" ] || : >"$T/body"
}

send_patch() {
	local p=$1 tok=$2 body=$3
	shift 3
	if [ -n "$tok" ]; then
		set -- -H "Authorization: $tok" "$@"
	fi
	req PATCH "$p" -H "Content-Type: ${CT-application/json}" \
	    --data-binary "$body" "$@"
}

body_field() {
	jq -r "$1" "$T/body" 2>/dev/null
}

mark() {
	GW_MARK=$(records_count)
}

sent_since_mark() {
	echo $(($(records_count) - GW_MARK))
}

assert_sent() {
	assert_eq "$1" "$(sent_since_mark)" "$2: requests the upstream received"
}

assert_error() {
	local what=$3 got line ctype=""
	assert_eq "$1" "$CODE" "$what: status (body: $(head -c 300 "$T/body"))"
	# One jq run: these are called hundreds of times.
	got=$(jq -r '"\(.code) \(.message | type) \(.id | type)"' \
	    "$T/body" 2>/dev/null) ||
	    fail "$what: body is not JSON: $(head -c 300 "$T/body")"
	assert_eq "$2 string string" "$got" \
	    "$what: .code .message .id (body: $(head -c 300 "$T/body"))"
	while IFS= read -r line; do
		line=${line%$'\r'}
		case ${line,,} in
		content-type:*) ctype=${line#*:}; ctype=${ctype# } ;;
		esac
	done <"$T/hdrs"
	assert_eq application/json "$ctype" "$what: Content-Type"
}

# raw_http REQUEST [SECS]: bytes as given (printf %b escapes NOT applied).
raw_http() {
	local secs=${2:-5}
	CODE=000
	: >"$T/raw"
	exec 3<>"/dev/tcp/127.0.0.1/$GW_PORT" || fail "cannot connect to $GW_URL"
	printf '%s' "$1" >&3 2>/dev/null
	timeout "$secs" cat <&3 >"$T/raw" 2>/dev/null
	exec 3<&- 3>&-
	CODE=$(head -n 1 "$T/raw" | sed -n 's/^HTTP\/1\.[01] \([0-9][0-9][0-9]\).*/\1/p')
	[ -n "$CODE" ] || CODE=000
}

# rec N EXPR / rec_header N NAME / rec_body N FILE: like lib.sh's
# record_field and record_header, but N may be any negative index
# (-2: the one before last).  A missing record gives "".
rec_line() {
	if [ "$1" -lt 0 ]; then
		tail -n "$((-$1))" "$FIXTURE_RECORDS" | head -n 1
	else
		sed -n "${1}p" "$FIXTURE_RECORDS"
	fi
}

rec() {
	rec_line "$1" | jq -r "$2"
}

rec_header() {
	rec_line "$1" | jq -r --arg n "$2" '.headers[] |
	    select(.[0] | ascii_downcase == ($n | ascii_downcase)) | .[1]'
}

rec_body() {
	local line
	line=$(rec_line "$1")
	# jq's @base64d would turn bytes that are not UTF-8 into U+FFFD.
	if [ "$(printf '%s\n' "$line" | jq -r '.bodyEncoding')" = base64 ]; then
		printf '%s\n' "$line" | jq -r .body | base64 -d >"$2"
	else
		printf '%s\n' "$line" | jq -j .body >"$2"
	fi
}

# read_response FD [SECS]: read one HTTP/1.1 response with a Content-Length
# (or none: no body) from file descriptor FD (opened with
# exec FD<>/dev/tcp/...), leaving the connection open.  Sets CODE (000 on
# timeout or EOF; then returns 1) and RESP_BODY.
read_response() {
	local fd=$1 secs=${2:-5} line status len=0 LC_ALL=C
	CODE=000
	RESP_BODY=
	IFS= read -r -t "$secs" -u "$fd" line || return 1
	line=${line%$'\r'}
	case $line in
	HTTP/1.[01]\ [0-9][0-9][0-9]*) status=${line:9:3} ;;
	*) return 1 ;;
	esac
	while :; do
		IFS= read -r -t "$secs" -u "$fd" line || return 1
		line=${line%$'\r'}
		[ -z "$line" ] && break
		case ${line,,} in
		content-length:*) len=${line#*:}; len=${len// /} ;;
		esac
	done
	if [ "$len" -gt 0 ]; then
		IFS= read -r -t "$secs" -u "$fd" -N "$len" RESP_BODY || return 1
	fi
	CODE=$status
}
