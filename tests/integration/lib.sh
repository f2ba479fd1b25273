# lib.sh: helpers for ldgate's integration tests.  Source it from bash:
#
#	. "${top_srcdir:-.}/tests/integration/lib.sh"
#
# Sourcing creates $T (a private temp dir) and an EXIT trap that stops every
# process started with spawn/start_fixture (by PID, TERM then KILL, bounded)
# and removes $T, unless KEEP_TMP is set.  A spawned process that exits with
# anything but 0 or 143 (killed by TERM) fails the test: that is how ASan
# and LeakSanitizer reports reach `make check`.
#
# Environment (from make check): FIXTURE, LDGATE, top_srcdir, top_builddir.
# Everything talks to 127.0.0.1 only, and every wait is bounded.
#
#	skip MSG			print MSG, exit 77 (automake SKIP)
#	fail MSG			print MSG to stderr, exit 1
#	need_cmd CMD...			skip unless every CMD is on PATH
#	assert_eq WANT GOT [WHAT]	fail unless WANT = GOT
#	assert_contains HAY NEEDLE [WHAT]	fail unless NEEDLE is in HAY
#	assert_not_contains HAY NEEDLE [WHAT]
#	wait_until SECS CMD...		poll CMD every 0.05 s; 1 on timeout
#	wait_for_file FILE [SECS]	wait for FILE non-empty (default 10 s)
#	free_port			print a TCP port nothing on 127.0.0.1 uses
#	spawn NAME CMD...		start CMD in the background, output in
#					$T/NAME.log; sets SPAWN_PID
#	stop_pid PID [SECS]		TERM, wait, KILL; returns its exit status
#	make_certs			mkcerts.sh into $T/certs once; sets CERTS
#	start_fixture [ARGS...]		start $FIXTURE on an ephemeral port;
#					sets FIXTURE_PORT FIXTURE_PID
#					FIXTURE_RECORDS FIXTURE_URL FIXTURE_CA
#	stop_fixture			stop it; fail unless it exits 0
#	fx_curl ARGS...			curl trusting the test CA, bounded time
#	records_count [FILE]		lines in the record file
#	wait_for_records N [SECS]	wait until at least N records
#	record_field N EXPR [FILE]	jq -r EXPR on record N (1-based; -1 last)
#	record_header N NAME [FILE]	value(s) of header NAME in record N
#
# Record fields need jq: tests using them should `need_cmd jq`.

TEST_NAME=$(basename "$0" .sh)
if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fi
: "${top_builddir:=$top_srcdir}"
: "${FIXTURE:=$top_builddir/tests/fixture/upstream}"
: "${LDGATE:=$top_builddir/ldgate}"
export top_srcdir top_builddir FIXTURE LDGATE

LIB_PIDS=""		# "pid:name" words, for cleanup
LIB_BAD=0		# a spawned process exited badly
LIB_FIXTURES=0

skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}

assert_eq() {
	[ "$1" = "$2" ] ||
	    fail "${3:-value}: expected '$1', got '$2'"
}

assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "${3:-output}: '$2' not in '$1'" ;;
	esac
}

assert_not_contains() {
	case "$1" in
	*"$2"*) fail "${3:-output}: unexpected '$2' in '$1'" ;;
	esac
}

# ----------------------------------------------------------------- waits

wait_until() {
	local secs=$1 i=0
	shift
	# 0.05 s steps; integer arithmetic keeps this free of bc/awk.
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -le $((secs * 20)) ] || return 1
		sleep 0.05
	done
	return 0
}

wait_for_file() {
	wait_until "${2:-10}" test -s "$1"
}

# A child that has exited stays a zombie until waited for, and kill -0
# still succeeds on zombies: look at its state instead.
pid_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

pid_gone() {
	! pid_alive "$1"
}

# -------------------------------------------------------------- processes

spawn() {
	local name=$1
	shift
	"$@" >"$T/$name.log" 2>&1 &
	SPAWN_PID=$!
	LIB_PIDS="$LIB_PIDS $SPAWN_PID:$name"
}

lib_forget() {
	local w out=""
	for w in $LIB_PIDS; do
		[ "${w%%:*}" = "$1" ] || out="$out $w"
	done
	LIB_PIDS=$out
}

stop_pid() {
	local pid=$1 secs=${2:-10} rc=0
	kill -TERM "$pid" 2>/dev/null
	if ! wait_until "$secs" pid_gone "$pid"; then
		echo "$TEST_NAME: pid $pid ignored SIGTERM, killing" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null || rc=$?
	lib_forget "$pid"
	return "$rc"
}

lib_log_tail() {
	[ -s "$T/$1.log" ] || return 0
	echo "--- $1.log (last 30 lines)" >&2
	tail -n 30 "$T/$1.log" >&2
}

lib_cleanup() {
	local rc=$? w pid name prc
	trap - EXIT
	for w in $LIB_PIDS; do
		pid=${w%%:*}
		name=${w#*:}
		prc=0
		stop_pid "$pid" 5 || prc=$?
		if [ "$prc" -ne 0 ] && [ "$prc" -ne 143 ]; then
			echo "FAIL: $TEST_NAME: $name (pid $pid) exited $prc" >&2
			LIB_BAD=1
			lib_log_tail "$name"
		elif [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
			lib_log_tail "$name"
		fi
	done
	[ "$rc" -eq 0 ] && [ "$LIB_BAD" -ne 0 ] && rc=1
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "$TEST_NAME: kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}

# --------------------------------------------------------------- fixture

make_certs() {
	CERTS=$T/certs
	[ -s "$CERTS/server.pem" ] ||
	    sh "$top_srcdir/tests/fixture/mkcerts.sh" "$CERTS" ||
	    fail "mkcerts.sh failed"
	export CERTS
}

free_port() {
	local p hex i
	for i in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		hex=$(printf ':%04X ' "$p")
		# Any socket on the port, listening or TIME_WAIT, rules it out.
		grep -qi "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null &&
		    continue
		echo "$p"
		return 0
	done
	fail "no free port found"
}

start_fixture() {
	local n portfile
	[ -x "$FIXTURE" ] || fail "fixture not built: $FIXTURE"
	make_certs
	LIB_FIXTURES=$((LIB_FIXTURES + 1))
	n=$LIB_FIXTURES
	portfile=$T/fixture$n.port
	FIXTURE_RECORDS=$T/fixture$n.records
	: >"$FIXTURE_RECORDS"
	spawn "fixture$n" "$FIXTURE" --cert "$CERTS/server.pem" \
	    --key "$CERTS/server.key" --listen 127.0.0.1 --port 0 \
	    --port-file "$portfile" --record "$FIXTURE_RECORDS" "$@"
	FIXTURE_PID=$SPAWN_PID
	if ! wait_for_file "$portfile" 10; then
		lib_log_tail "fixture$n"
		fail "fixture did not start within 10 s"
	fi
	FIXTURE_PORT=$(cat "$portfile")
	FIXTURE_URL=https://localhost:$FIXTURE_PORT
	FIXTURE_CA=$CERTS/ca.pem
	export FIXTURE_PORT FIXTURE_PID FIXTURE_RECORDS FIXTURE_URL FIXTURE_CA
}

stop_fixture() {
	local rc=0
	stop_pid "$FIXTURE_PID" || rc=$?
	[ "$rc" -eq 0 ] || {
		lib_log_tail "fixture$LIB_FIXTURES"
		fail "fixture exited $rc on SIGTERM"
	}
}

fx_curl() {
	curl -sS --max-time "${CURL_MAX_TIME:-20}" --cacert "$CERTS/ca.pem" "$@"
}

# --------------------------------------------------------------- records

# shellcheck disable=SC2120 # the FILE argument is optional
records_count() {
	local f=${1:-$FIXTURE_RECORDS}
	if [ -f "$f" ]; then
		wc -l <"$f" | tr -d ' '
	else
		echo 0
	fi
}

wait_for_records() {
	wait_until "${2:-10}" lib_has_records "$1"
}

lib_has_records() {
	[ "$(records_count)" -ge "$1" ]
}

# The Nth line of the record file (1-based; -1 is the last).
record_line() {
	local f=${2:-$FIXTURE_RECORDS}
	if [ "$1" = -1 ]; then
		tail -n 1 "$f"
	else
		sed -n "${1}p" "$f"
	fi
}

record_field() {
	local line
	line=$(record_line "$1" "${3:-}")
	[ -n "$line" ] || fail "no record $1"
	printf '%s\n' "$line" | jq -r "$2"
}

record_header() {
	local line
	line=$(record_line "$1" "${3:-}")
	[ -n "$line" ] || fail "no record $1"
	printf '%s\n' "$line" | jq -r --arg n "$2" \
	    '.headers[] | select(.[0] | ascii_downcase == ($n | ascii_downcase))
	    | .[1]'
}

T=$(mktemp -d "${TMPDIR:-/tmp}/ldgate-$TEST_NAME.XXXXXX") ||
    fail "mktemp failed"
export T
trap lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
