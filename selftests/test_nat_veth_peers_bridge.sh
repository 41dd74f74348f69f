#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_nat_veth_peers.sh with the private hosts web and web2 on a bridge
# (as in a VPC subnet): gw's in0's peer is a bridge port.
exec bash "$(dirname "$0")/test_nat_veth_peers.sh" bridge
