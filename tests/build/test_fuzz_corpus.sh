#!/bin/sh
# Every parser's fuzz target replays its corpus (STYLE.md, "Parsers get
# fuzz targets"): fuzz/fuzz_NAME, built with fuzz/replay.c's main(), runs
# over every file of fuzz/corpus/NAME/ and must exit 0 -- a crash, a
# sanitizer report or an abort() of the target's own checks fails.  A
# target without a corpus fails too, so the check cannot pass by replaying
# nothing.  Quiet on success.
#
# Environment (set by make check): top_srcdir, top_builddir, FUZZ_TARGETS.
set -u

: "${top_srcdir:?}" "${top_builddir:?}" "${FUZZ_TARGETS:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_fuzz_corpus.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0
for name in $FUZZ_TARGETS; do
	prog="$top_builddir/fuzz/fuzz_$name"
	corpus="$top_srcdir/fuzz/corpus/$name"
	if [ ! -x "$prog" ]; then
		echo "FAIL: $prog not built" >&2
		failures=$((failures + 1))
		continue
	fi
	if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
		echo "FAIL: $corpus is empty or missing" >&2
		failures=$((failures + 1))
		continue
	fi
	if ! "$prog" "$corpus" >"$tmp/out" 2>&1; then
		echo "FAIL: fuzz_$name on $corpus:" >&2
		cat "$tmp/out" >&2
		failures=$((failures + 1))
	fi
done
[ "$failures" -eq 0 ]
