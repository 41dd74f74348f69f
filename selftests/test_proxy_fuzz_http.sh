#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A bounded libFuzzer run of the HTTP parser (selftests/fuzz/fuzz_http_parse.c,
# built by `make tests`) from the committed seed corpus of valid requests,
# responses and smuggling attempts. FUZZ_SECONDS (default 30) bounds it;
# `make fuzz` runs longer. A crash fails the test and its input is kept in
# OUTPUT/fuzz/. Exit: 0 pass, 1 fail, 4 skip (no fuzzer binary).
set -u
cd "$(dirname "$0")/.." || exit 1
out=$(dirname "${XDPGW:-.output/xdpgw}")
bin=$out/fuzz/fuzz_http_parse
secs=${FUZZ_SECONDS:-30}
[ -x "$bin" ] || { echo "SKIP: no $bin (make tests builds it with clang's libFuzzer)"; exit 4; }
work=$(mktemp -d /tmp/xdpgw-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$out/fuzz/" \
	"$work/corpus" selftests/fuzz/corpus >"$work/log" 2>&1
rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)|INFO: seed corpus' "$work/log"
if [ $rc -ne 0 ]; then
	tail -n 40 "$work/log"
	echo "FAIL - fuzz_http_parse exited $rc; the input is in $out/fuzz/ (crash-*)"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "ok - fuzz_http_parse ran ${secs} s from $(ls selftests/fuzz/corpus | wc -l) seeds without a finding"
echo "1 passed, 0 failed"
