#!/bin/sh
# Checks every example of docs/policy.md against the real binary.
#
# Convention in the page:
#   ```json file=NAME     a file of the example set, written to one directory
#                         as NAME (each name once); the page shows it in full.
#   ```json               any other JSON snippet: must parse.
#   ```console            "$ COMMAND" lines, each followed by its exact output
#                         (stdout and stderr together).  A line ending in '\'
#                         continues the command.  The command must exit 0,
#                         unless its last line ends in "# exit N": then ldgate
#                         must exit N (pipelines run with pipefail, so a
#                         pipe into jq still reports ldgate's status).
# The example files live in /etc/ldgate as far as the page is concerned:
# that path in a command names the example directory, and the example
# directory in an output reads as /etc/ldgate.
#
# Environment (set by make check): LDGATE, the binary; top_srcdir.
set -eu

: "${LDGATE:?LDGATE must name the ldgate binary}"
: "${top_srcdir:?top_srcdir must name the source tree}"
doc="$top_srcdir/docs/policy.md"

for tool in jq bash awk; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found (Debian package $tool)"
		exit 77
	fi
done
[ -r "$doc" ] || { echo "FAIL: cannot read $doc" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
mkdir "$tmp/ex" "$tmp/snip" "$tmp/cmd" "$tmp/bin"
ln -s "$LDGATE" "$tmp/bin/ldgate"
ex=$(cd "$tmp/ex" && pwd)
ex_phys=$(cd "$tmp/ex" && pwd -P)
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# Split the page: ex/NAME, snip/N.json (+ .line), cmd/N.sh, .want, .line.
awk -v ex="$tmp/ex" -v snip="$tmp/snip" -v cmd="$tmp/cmd" '
function bad(msg) { printf "%s:%d: %s\n", FILENAME, NR, msg > "/dev/stderr"; err = 1 }
mode != "" && $0 == "```" { mode = ""; close(out); next }
mode == "" && /^```json file=/ {
	name = substr($0, 14)
	if (name !~ /^[A-Za-z0-9._-]+$/ || (name in seen))
		bad("bad or repeated file name \"" name "\"")
	seen[name] = 1; mode = "file"; out = ex "/" name
	printf "" > out; next
}
mode == "" && /^```json/ {
	mode = "file"; out = snip "/" (++nsnip) ".json"
	print NR > (snip "/" nsnip ".line"); close(snip "/" nsnip ".line")
	printf "" > out; next
}
mode == "" && $0 == "```console" { mode = "console"; cont = 0; next }
mode == "" && /^```/ { mode = "other"; next }
mode == "other" { next }
mode == "file" { print > out; next }
mode == "console" {
	if (cont) {
		print > (cmd "/" ncmd ".sh")
		cont = /\\$/; next
	}
	if (/^\$ /) {
		close(cmd "/" ncmd ".sh"); close(cmd "/" ncmd ".want")
		ncmd++
		print substr($0, 3) > (cmd "/" ncmd ".sh")
		print NR > (cmd "/" ncmd ".line"); close(cmd "/" ncmd ".line")
		printf "" > (cmd "/" ncmd ".want")
		cont = /\\$/; next
	}
	if (ncmd == 0) { bad("console output before any command"); next }
	print > (cmd "/" ncmd ".want"); next
}
END {
	if (mode != "") bad("unterminated code block")
	if (ncmd == 0) bad("no console examples")
	print ncmd > (cmd "/count")
	print nsnip + 0 > (snip "/count")
	exit err
}' "$doc" || fail "cannot extract the examples"

# JSON snippets parse.
i=1
while [ "$i" -le "$(cat "$tmp/snip/count")" ]; do
	jq empty "$tmp/snip/$i.json" 2>/dev/null ||
		fail "$doc:$(cat "$tmp/snip/$i.line"): JSON snippet does not parse"
	i=$((i + 1))
done

# Commands give their output and status.
n=$(cat "$tmp/cmd/count")
i=1
while [ "$i" -le "$n" ]; do
	where="$doc:$(cat "$tmp/cmd/$i.line")"
	want_rc=$(sed -n '$s/.*#[[:space:]]*exit[[:space:]]\{1,\}\([0-9]\{1,\}\)[[:space:]]*$/\1/p' \
		"$tmp/cmd/$i.sh")
	[ -n "$want_rc" ] || want_rc=0
	sed "s|/etc/ldgate|$ex|g" "$tmp/cmd/$i.sh" >"$tmp/cmd/$i.run"
	if (cd "$ex" && PATH="$tmp/bin:$PATH" bash -o pipefail "$tmp/cmd/$i.run") \
	    >"$tmp/cmd/$i.raw" 2>&1; then rc=0; else rc=$?; fi
	sed -e "s|$ex_phys|/etc/ldgate|g" -e "s|$ex|/etc/ldgate|g" \
		"$tmp/cmd/$i.raw" >"$tmp/cmd/$i.got"
	[ "$rc" -eq "$want_rc" ] ||
		fail "$where: exit $rc, expected $want_rc: $(cat "$tmp/cmd/$i.sh")"
	cmp -s "$tmp/cmd/$i.got" "$tmp/cmd/$i.want" ||
		fail "$where: output differs: $(head -n 1 "$tmp/cmd/$i.sh")
$(diff "$tmp/cmd/$i.want" "$tmp/cmd/$i.got" || true)"
	i=$((i + 1))
done

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
exit 0
