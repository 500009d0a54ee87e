#!/usr/bin/env python3
"""nd-send.py IFACE na|ns|ra SRC [TARGET]

Sends one ICMPv6 neighbour advertisement (unsolicited, override flag,
IFACE's MAC as target link-layer address), neighbour solicitation
(IFACE's MAC as source link-layer address, to TARGET's solicited-node
group) or router advertisement (router lifetime 1800 s, to all nodes)
from SRC, written byte by byte on an AF_PACKET socket: what root inside a
VPS can send whatever addresses its interface has. net.bats runs it in a
VPS's network namespace (the VPS itself has no python).
"""
import fcntl
import socket
import struct
import sys

SIOCGIFHWADDR = 0x8927


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    ifname, kind, src_s = sys.argv[1:4]
    if kind not in ("na", "ns", "ra") or (kind != "ra" and len(sys.argv) < 5):
        sys.exit("usage: nd-send.py IFACE na|ns|ra SRC [TARGET]")
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    req = struct.pack("256s", ifname.encode())
    mac = fcntl.ioctl(sock.fileno(), SIOCGIFHWADDR, req)[18:24]
    src = socket.inet_pton(socket.AF_INET6, src_s)
    all_nodes = socket.inet_pton(socket.AF_INET6, "ff02::1")
    if kind == "ra":
        dst = all_nodes
        # type 134, code 0, hop limit 64, no flags, router lifetime,
        # reachable and retransmit time unset; option 1: source link-layer
        body = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
        body += struct.pack("!BB", 1, 1) + mac
    elif kind == "na":
        target = socket.inet_pton(socket.AF_INET6, sys.argv[4])
        dst = all_nodes
        # type 136, code 0, flags: override; option 2: target link-layer
        body = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + target
        body += struct.pack("!BB", 2, 1) + mac
    else:
        target = socket.inet_pton(socket.AF_INET6, sys.argv[4])
        dst = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:0")
        dst = dst[:13] + target[13:]
        # type 135, code 0; option 1: source link-layer
        body = struct.pack("!BBHI", 135, 0, 0, 0) + target
        body += struct.pack("!BB", 1, 1) + mac
    pseudo = src + dst + struct.pack("!IxxxB", len(body), 58)
    body = body[:2] + struct.pack("!H", checksum(pseudo + body)) + body[4:]
    # version 6; payload length; next header ICMPv6; hop limit 255, which
    # neighbour discovery requires
    ip6 = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src + dst
    eth = b"\x33\x33" + dst[12:] + mac + struct.pack("!H", 0x86DD)
    sock.bind((ifname, 0))
    sock.send(eth + ip6 + body)


if __name__ == "__main__":
    main()
