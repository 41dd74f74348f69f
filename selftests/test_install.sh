#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` into a DESTDIR: the binary, xdpgw(8), the systemd unit and
# the example config land where they should; the man page renders without
# warnings and names every verb and option that `--help` prints; systemd
# accepts the unit; the example config is one `run` accepts; `make
# uninstall` removes exactly what install put. No namespace, nothing attached.

source "$(dirname "$0")/lib.sh" || exit 1
set -u

xg_require_tools make man install
[ -x "$XDPGW" ] || xg_skip_test "no xdpgw binary at $XDPGW"
xg_init
dest=$XG_TMP/root
build_dir=$(dirname "$XDPGW")
inst() { make -s -C "$XG_REPO" --no-print-directory O="$build_dir" DESTDIR="$dest" "$@"; }

check "make install DESTDIR=..." inst install
bin=$dest/usr/local/sbin/xdpgw page=$dest/usr/local/share/man/man8/xdpgw.8
unit=$dest/usr/local/lib/systemd/system/xdpgw@.service conf=$dest/etc/xdpgw/example.conf
for f in "$bin" "$page" "$unit" "$conf"; do
	check "installed ${f#"$dest"}" test -s "$f"
done
check "the installed binary runs" "$bin" --help
check_eq "the binary is the only program installed (BPF objects inside)" 1 \
	"$(find "$dest" -type f -perm -u+x | wc -l)"

# The page renders cleanly and documents every verb and option.
warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >"$XG_TMP/man.txt")
check_eq "man --warnings -l renders xdpgw(8) without a warning" "" "$warn"
for sec in NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES "EXIT STATUS"; do
	check "xdpgw(8) has $sec" grep -q "^$sec" "$XG_TMP/man.txt"
done
# Look in the page's source (the rendering hyphenates long words):
# options are written \-\-name there.
text=$(sed 's/\\-/-/g' "$page")
verbs=$("$XDPGW" --help | awk '/^Verbs:/ {v = 1; next} v && /^  [a-z]/ {print $1}')
check "xdpgw --help lists verbs" test -n "$verbs"
missing=
for v in $verbs; do
	grep -qw -- "xdpgw $v" <<<"$text" || missing+=" verb:$v"
	for o in $("$XDPGW" "$v" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$o\b" <<<"$text" || missing+=" $v:$o"
	done
done
check_eq "every verb and option of --help is in xdpgw(8)" "" "$missing"

# One table per verb gives --help, the config keys and the man page's
# OPTIONS (user/cli/opts.h): the page holds what --man-options prints, each
# verb's --help options are those of its man subsection (or Common), and
# every option of run and proxy but config, verbose and help is a key that
# their config files take.
man_opts=$(sed -n '/^\.SH OPTIONS$/,/^\.SH /p' "$XG_REPO/docs/xdpgw.8" | sed '$d')
check_eq "docs/xdpgw.8's OPTIONS are what xdpgw --man-options prints" \
	"$("$XDPGW" --man-options)" "$man_opts"
# man_section SECTION: the --options of one .SS subsection of the page
man_section() {
	awk -v s="$1" '/^\.SS / {on = ($2 == s)} on' <<<"$man_opts" | sed 's/\\-/-/g' |
		grep -A1 '^\.TP$' | grep -o -- '--[a-z][a-z-]*' | sort -u
}
common=$(man_section Common)
disagree=
for v in $verbs; do
	# each option line's own name: the first --name of the line
	help=$("$XDPGW" "$v" --help | grep -E '^  -[a-z], --|^      --' |
		sed -E 's/^ *(-[a-z], )?(--[a-z-]+).*/\2/' | sort -u)
	own=$(man_section "$v")
	for o in $help; do
		grep -qx -- "$o" <<<"$own"$'\n'"$common" || disagree+=" $v:$o(not in man)"
	done
	for o in $own; do
		grep -qx -- "$o" <<<"$help" || disagree+=" $v:$o(not in --help)"
	done
done
check_eq "every verb's --help options and its xdpgw(8) options agree" "" "$disagree"

keys=$("$XDPGW" --conf-keys)
keyconf=$XG_TMP/keys.conf
unknown=
for v in run proxy; do
	for o in $("$XDPGW" "$v" --help | grep -E '^  -[a-z], --|^      --' |
		sed -E 's/^ *(-[a-z], )?--([a-z-]+).*/\2/'); do
		case $o in config | verbose | help) continue ;; esac
		grep -qx "$v $o" <<<"$keys" || unknown+=" $v:$o(no key)"
	done
done
while read -r v k; do
	# run's keys at the top of its file, proxy's under [proxy]: each is
	# known to the parser (a bad value or a missing option is fine here)
	if [ "$v" = run ]; then printf '%s 1\n' "$k"; else printf '[proxy]\n%s 1\n' "$k"; fi >"$keyconf"
	"$XDPGW" run --config "$keyconf" 2>&1 | grep -q "unknown option '$k'" && unknown+=" run:$k"
	[ "$v" = proxy ] && printf '%s 1\n' "$k" >"$keyconf" &&
		"$XDPGW" proxy --config "$keyconf" 2>&1 | grep -q "unknown option '$k'" && unknown+=" proxy:$k"
done <<<"$keys"
check "xdpgw --conf-keys lists keys" test -n "$keys"
check_eq "every option of run and proxy is a config key their files take" "" "$unknown"

# The unit: systemd's own check, pointed at the DESTDIR's binary and page.
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$XG_TMP/unit"
	sed "s|/usr/local/sbin/xdpgw|$bin|" "$unit" >"$XG_TMP/unit/xdpgw@.service"
	check "systemd-analyze verify xdpgw@.service" \
		env MANPATH="$dest/usr/local/share/man" systemd-analyze verify "$XG_TMP/unit/xdpgw@.service"
else
	xg_skip_check "systemd-analyze not installed"
fi
check "the unit runs run --config /etc/xdpgw/%i.conf" \
	grep -qx 'ExecStart=/usr/local/sbin/xdpgw run --config /etc/xdpgw/%i.conf' "$unit"
check "systemctl reload sends SIGHUP" grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
check "restarts on failure" grep -qx 'Restart=on-failure' "$unit"

# The example config is read and checked by run (which stops at the missing
# pin root, before touching any interface).
err=$("$bin" run --config "$conf" --pin-root "$XG_TMP/nobpffs" 2>&1)
check_eq "run reads the example config up to the pin root" \
	"xdpgw: --pin-root $XG_TMP/nobpffs: not a directory on a bpffs" "$err"

check "make uninstall" inst uninstall
check_eq "uninstall leaves no file" "" "$(find "$dest" -type f)"
xg_summary
