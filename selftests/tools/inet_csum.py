# SPDX-License-Identifier: GPL-2.0
"""The Internet checksum (RFC 1071), for the tools that build or check
packets by hand."""
import struct


def checksum(data):
    """One's complement of the one's complement sum of data's 16-bit words
    (an odd length is padded with a zero byte)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
