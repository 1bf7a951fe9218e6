#!/usr/bin/python3
"""
NAME
    txtdns.py - a tiny UDP name server for the TLS reporting tests

SYNOPSIS
    txtdns.py ZONE PORTFILE

DESCRIPTION
    Answers queries on 127.0.0.1 (a port the kernel picks, written to
    PORTFILE once the socket is bound) from ZONE, whose lines are
        NAME TXT TEXT          one TXT RR (TEXT split into 255-byte strings)
        NAME A ADDRESS
        NAME SERVFAIL          every query for NAME fails
        NAME WRONGQ OTHER      the answer for OTHER, its question too: a
                               reply to another question
    Names are absolute, without the final dot, any case. A name not in
    ZONE is NXDOMAIN; a name there without the asked type is NODATA.
    ZONE is re-read per query, so a test can change answers between
    runs. Standard library only: no python3-dnslib needed.
"""
import socket
import struct
import sys


def load(path):
    zone = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split(" ", 2)
            zone.setdefault(parts[0].lower(), []).append(
                (parts[1], parts[2] if len(parts) > 2 else ""))
    return zone


def qname(msg):
    labels, i = [], 12
    while msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels).lower(), i + 1


def answer(msg, zone):
    qid, flags = struct.unpack("!HH", msg[:4])
    name, end = qname(msg)
    qtype, = struct.unpack("!H", msg[end:end + 2])
    question = msg[12:end + 4]
    rrs = zone.get(name)
    wrong = [v for t, v in (rrs or []) if t == "WRONGQ"]
    if wrong:
        # Same id, but the question (and so the owner, 0xC00C) is OTHER.
        name = wrong[0].lower()
        question = b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) \
            + b"\0" + msg[end:end + 4]
        rrs = zone.get(name)
    rcode = 0
    data = []
    if rrs is None:
        rcode = 3
    elif any(t == "SERVFAIL" for t, _ in rrs):
        rcode = 2
    else:
        for t, v in rrs:
            if t == "TXT" and qtype == 16:
                raw = v.encode()
                chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
                rdata = b"".join(bytes([len(c)]) + c for c in chunks)
                data.append(struct.pack("!HHHIH", 0xC00C, 16, 1, 60, len(rdata)) + rdata)
            elif t == "A" and qtype == 1:
                rdata = socket.inet_aton(v)
                data.append(struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + rdata)
    head = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1,
                       len(data), 0, 0)
    return head + question + b"".join(data)


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    import os
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    while True:
        msg, peer = sock.recvfrom(4096)
        try:
            sock.sendto(answer(msg, load(sys.argv[1])), peer)
        except Exception as e:  # a bad query is dropped, the server lives
            print("txtdns: %s" % e, file=sys.stderr)


main()
