#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario S4, the whole path (test_path_https.sh), with lb1's proxy built
# with AddressSanitizer and UBSan (`make asan`, which `make tests` builds):
# the same checks, and no sanitizer report from the proxy.
dir=$(dirname "$0")
xdpgw=${XDPGW:-$dir/../.output/xdpgw}
XG_PROXY_XDPGW=${XG_PROXY_XDPGW:-$(dirname "$xdpgw")/asan/xdpgw} exec bash "$dir/test_path_https.sh"
