#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every test: cmocka unit tests, BPF_PROG_TEST_RUN program tests
# (test_bpf_*), then the namespace tests (test_*.sh).
# Usage: selftests/run.sh [OUTPUT_DIR] [FILTER]
# Each test exits 0 (pass), 4 (skipped, e.g. not root) or anything else (fail).
# The last line is the summary CI reads: "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
out=${1:-.output}
filter=${2:-}
export XDPGW=${XDPGW:-$out/xdpgw}

passed=0 failed=0 skipped=0 failed_names=()

run_one() {
	local name=$1 rc start
	shift
	[[ -n $filter && $name != *$filter* ]] && return
	echo "=== $name"
	start=$SECONDS
	"$@"
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); echo "--- PASS $name ($((SECONDS - start)) s)" ;;
	4) skipped=$((skipped + 1)); echo "--- SKIP $name" ;;
	*) failed=$((failed + 1)); failed_names+=("$name"); echo "--- FAIL $name (exit $rc)" ;;
	esac
}

# The program and namespace tests pin maps; a bpffs outside /sys stays
# visible inside `ip netns exec` (which remounts /sys).
# Unmounted at the end if this run mounted it and no pin is left in it.
mounted=0
if [[ $(id -u) == 0 ]]; then
	mkdir -p /run/xdpgw
	mountpoint -q /run/xdpgw || { mount -t bpf bpf /run/xdpgw && mounted=1; }
fi

# Built test binaries (cmocka unit tests, then test_bpf_*: the programs);
# their .o and .d files sit beside them.
for t in $(ls "$out"/selftests/test_* 2>/dev/null | grep -v '/test_bpf_') "$out"/selftests/test_bpf_*; do
	[[ -x $t && $(basename "$t") != *.* ]] && run_one "$(basename "$t")" "$t"
done
for t in selftests/test_*.sh; do
	run_one "$(basename "$t" .sh)" bash "$t"
done

# (unused: no file but the kernel's *.debug iterators, no link but iproute2's)
if ((mounted)) && [[ -z $(find /run/xdpgw -mindepth 1 ! -type d ! -name maps.debug \
	! -name progs.debug ! \( -type l -name ip \)) ]]; then
	umount /run/xdpgw && rmdir /run/xdpgw
fi
echo
((failed)) && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
