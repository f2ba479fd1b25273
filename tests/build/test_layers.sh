#!/bin/sh
# The floor plan holds (docs/architecture.md): scripts/check-layers passes
# on src/ and scripts/check-prefixes on the built objects -- and each fails,
# naming file and line, on a tree broken on purpose (an upward include, a
# cycle, an unprefixed export), so a check that reads nothing cannot pass.
#
# Environment (set by make check): top_srcdir, top_builddir.
set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
for tool in python3 nm cc; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ echo "SKIP: $tool not found"; exit 77; }
done
layers="$top_srcdir/scripts/check-layers"
prefixes="$top_srcdir/scripts/check-prefixes"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_layers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect_fail NAME WANT CMD...: CMD exits 1 and says WANT.
expect_fail() {
	name=$1 want=$2
	shift 2
	if "$@" >"$tmp/out" 2>&1; then
		fail "$name: passed"
	elif ! grep -qF -- "$want" "$tmp/out"; then
		fail "$name: no \"$want\" in: $(cat "$tmp/out")"
	fi
}

# The tree as it is.
"$layers" "$top_srcdir/src" || fail "check-layers on src/"
"$prefixes" "$top_builddir" "$top_srcdir/src" || fail "check-prefixes"

# An upward include: the engine may not reach into the gateway.
cp -R "$top_srcdir/src" "$tmp/up"
line=$(grep -n '^#include "' "$tmp/up/engine/decide.c" | head -1 | cut -d: -f1)
sed -i "${line}i #include \"gateway/txn.h\"" "$tmp/up/engine/decide.c"
expect_fail upward \
    "src/engine/decide.c:$line: includes \"gateway/txn.h\": layer engine may not use layer gateway" \
    "$layers" "$tmp/up"

# A cycle inside one layer: arena.c already includes log.h.
cp -R "$top_srcdir/src" "$tmp/cycle"
echo '#include "util/arena.h"' >>"$tmp/cycle/util/log.c"
expect_fail cycle "cycle between util/arena, util/log" "$layers" "$tmp/cycle"

# A bare include and a folder that is no layer.
cp -R "$top_srcdir/src" "$tmp/bare"
echo '#include "log.h"' >>"$tmp/bare/engine/glob.c"
mkdir "$tmp/bare/misc" && echo 'int misc;' >"$tmp/bare/misc/x.c"
expect_fail bare 'src/engine/glob.c:' "$layers" "$tmp/bare"
expect_fail folder 'src/misc/x.c: not in a layer' "$layers" "$tmp/bare"

# An export without its file's prefix, and a source without an object.
mkdir -p "$tmp/p/src/request" "$tmp/p/src/cmd"
printf 'int classify(void);\nint classify(void) { return 0; }\n' \
    >"$tmp/p/src/request/route.c"
printf 'int cmd_eval(void);\nint cmd_eval(void) { return 0; }\n' \
    >"$tmp/p/src/cmd/eval.c"
cc -c -o "$tmp/p/src/request/route.o" "$tmp/p/src/request/route.c"
cc -c -o "$tmp/p/src/cmd/eval.o" "$tmp/p/src/cmd/eval.c"
expect_fail prefix "src/request/route.c: exports classify, not prefixed route_" \
    "$prefixes" "$tmp/p" "$tmp/p/src"
rm "$tmp/p/src/request/route.o"
expect_fail object "src/request/route.c: no object file" \
    "$prefixes" "$tmp/p" "$tmp/p/src"

[ "$failures" -eq 0 ]
