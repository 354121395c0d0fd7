#!/usr/bin/env python3
"""Holds every packet of an NFQUEUE queue for a fixed time, then lets it go.

The NAT test bed needs a slow link ("100 ms delay" in the issue). tc netem is the usual tool, but
this machine's kernel is built without sch_netem and cannot load modules, while NFQUEUE is built
in. So a router namespace sends its WAN-bound packets to a queue (iptables -j NFQUEUE), and this
program gives each one its ACCEPT verdict `delay` milliseconds after it arrived: the same effect
as netem's delay on that interface, order kept. Packet loss is iptables' statistic match, not
done here.

It speaks the nfnetlink queue protocol directly (Python's socket module has AF_NETLINK), so the
test bed needs nothing beyond python3. Usage: delay-queue.py QUEUE_NUMBER DELAY_MS
It prints "ready" once bound, and runs until killed.
"""

import collections
import select
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_ACCEPT = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2


def align(n):
    return (n + 3) & ~3


def attribute(kind, payload):
    header = struct.pack("=HH", 4 + len(payload), kind)
    return header + payload + b"\0" * (align(len(payload)) - len(payload))


def message(msg_type, flags, queue, attributes):
    # nfgenmsg: family, version, then the queue number in network byte order.
    body = struct.pack("=BB", socket.AF_UNSPEC, 0) + struct.pack("!H", queue) + attributes
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, 0, 0) + body


def messages(data):
    """Splits a netlink datagram into (type, payload after the nfgenmsg) pairs."""
    offset = 0
    while offset + 16 <= len(data):
        length, msg_type, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, offset)
        if length < 16:
            break
        yield msg_type, data[offset + 16 : offset + length]
        offset += align(length)


def attributes(payload):
    offset = 4  # nfgenmsg
    while offset + 4 <= len(payload):
        length, kind = struct.unpack_from("=HH", payload, offset)
        if length < 4:
            break
        yield kind & 0x7FFF, payload[offset + 4 : offset + length]
        offset += align(length)


def configure(sock, queue, attribute_bytes):
    sock.send(message(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, queue, attribute_bytes))
    for msg_type, payload in messages(sock.recv(65536)):
        if msg_type == NLMSG_ERROR:
            (error,) = struct.unpack_from("=i", payload, 0)
            if error != 0:
                raise OSError(-error, "nfqueue configuration refused")


def main():
    queue, delay = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((0, 0))
    configure(sock, queue, attribute(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, 0)))
    configure(sock, queue, attribute(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)))
    print("ready", flush=True)

    held = collections.deque()  # (release time, packet id); a fixed delay keeps it sorted
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        readable, _, _ = select.select([sock], [], [], timeout)
        if readable:
            try:
                data = sock.recv(65536)
            except OSError:
                continue  # ENOBUFS: the kernel keeps the packets queued; carry on
            arrived = time.monotonic()
            for msg_type, payload in messages(data):
                if msg_type != (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    continue
                for kind, value in attributes(payload):
                    if kind == NFQA_PACKET_HDR:
                        held.append((arrived + delay, struct.unpack_from("!I", value, 0)[0]))
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, packet_id = held.popleft()
            verdict = attribute(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))
            sock.send(message(NFQNL_MSG_VERDICT, NLM_F_REQUEST, queue, verdict))


if __name__ == "__main__":
    main()
