#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lists the C functions (in .c and .h files) longer than MAX lines (default 80, signature to
# closing brace) in the given files or folders (default user/), longest
# first: "LINES FILE:LINE FUNCTION". Relies on the kernel style that
# .clang-format enforces: a definition starts at column 0 and its body's
# braces stand alone at column 0. No packages needed (awk only).
# Functions named in the exemption list (-x FILE: one name a line, # comments)
# are shown with "(exempt)" and do not count.
# Exit: 0 none over MAX (exempt ones aside), 1 some, 2 usage.
# Usage: selftests/tools/long_functions.sh [-m MAX] [-x EXEMPT] [PATH...]
set -u
cd "$(dirname "$0")/../.." || exit 2
max=80 exempt=/dev/null
while getopts m:x: o; do
	case $o in
	m) max=$OPTARG ;;
	x) exempt=$OPTARG ;;
	*) echo "usage: $0 [-m MAX] [-x EXEMPT] [PATH...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
(($# == 0)) && set -- user
tmp=$(mktemp) || exit 2
mapfile -t files < <(find "$@" -name '*.[ch]' | sort)
((${#files[@]})) || { echo "no .c or .h files under $*" >&2; exit 2; }
awk -v max="$max" -v exempt="$exempt" '
BEGIN {
	while ((getline l < exempt) > 0) {
		sub(/#.*/, "", l)
		gsub(/[ \t]/, "", l)
		if (l != "")
			ex[l] = 1
	}
}
FNR == 1 { sig = 0; start = 0 }
/^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !start {
	l = $0
	gsub(/__attribute__\(\([^)]*\)\)/, "", l)
	if (match(l, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
		name = substr(l, RSTART, RLENGTH - 1)
		sig = FNR
	}
	next
}
/^\{$/ && sig { start = sig; next }
/^\}$/ && start {
	n = FNR - start + 1
	if (n > max)
		printf "%d %s:%d %s%s\n", n, FILENAME, start, name, (name in ex) ? " (exempt)" : ""
	sig = 0; start = 0
}
' "${files[@]}" | sort -rn >"$tmp"
cat "$tmp"
over=$(grep -vc "(exempt)\$" "$tmp")
rm -f "$tmp"
((over == 0))
