#!/usr/bin/python3
"""
NAME
    fakedns.py - scripted DNS server for tests/dns-test

SYNOPSIS
    fakedns.py --port-file FILE [--address 127.0.0.1]
    fakedns.py --probe PORT [--address 127.0.0.1]

DESCRIPTION
    Serves a fixed set of answers over UDP and TCP on one port of a
    loopback address, acting like a recursive resolver would (CNAME
    targets included in the answer where the zone below says so). The
    kernel picks a free port; the server writes it to FILE once both
    sockets listen, so concurrent test runs never collide.

    Names (all under .test) and what they answer:
      _mta-sts.single      TXT "v=STSv1; id=single1;"
      _mta-sts.split       TXT "v=STS" "v1; id=split2;" (joined: valid)
      _mta-sts.two         two STSv1 TXT records
      _mta-sts.mixed       one STSv1 TXT and one unrelated TXT
      _mta-sts.nodata      exists, A only: NODATA for TXT
      _mta-sts.nx          NXDOMAIN (as is every name not listed)
      _mta-sts.cname       CNAME sts.target, and the TXT of the target
      _mta-sts.cnameonly   CNAME sts.target only (the client must chase)
      _mta-sts.servfail    SERVFAIL
      _mta-sts.refused     REFUSED
      _mta-sts.timeout     never answered
      _mta-sts.tc          UDP reply truncated (TC=1); TCP has the TXT
      _mta-sts.big         one STSv1 TXT of 5100 bytes
      _mta-sts.bigother    one 5100-byte unrelated TXT + a valid STSv1
      _mta-sts.many        40 TXT records
      _mta-sts.bad         one invalid STSv1 record
      _mta-sts.wrongq      a TXT reply whose question is another name
      _mta-sts.noquestion  a TXT reply with no question section
      _mta-sts.slow-N      TXT "v=STSv1; id=slowN;" after N milliseconds
      mx                   MX 20 b, 10 a, 20 c, 5 z (.mx.test), answer order
      nullmx               MX 0 .
      badmx                MX 10 ok.mx.test, MX 20 "bad host!.mx.test"
      nomx                 A only: NODATA for MX
      mxfail               SERVFAIL
      host                 A 127.0.0.10, 127.0.0.11; AAAA ::1
      v4only               A 127.0.0.12; NODATA for AAAA
      half                 A 127.0.0.13; AAAA never answered
      hostfail             SERVFAIL for A and AAAA
      alias                CNAME host.test, with host's addresses

    --probe sends one query and exits 0 when an answer comes back: the
    shell script's way to wait until the server is up.
"""
import argparse
import os
import socket
import socketserver
import struct
import sys
import threading
import time

try:
    from dnslib import DNSRecord, RR, QTYPE, RCODE, TXT, A, AAAA, MX, \
        CNAME, DNSLabel, DNSQuestion
except ImportError:
    sys.stderr.write("fakedns.py: python3-dnslib is missing\n")
    sys.exit(77)

TTL = 60
BIG = "v=STSv1; id=big1; " + "x" * (5100 - 18)


def txt(*strings):
    """TXT rdata whose character-strings are given (each <= 255 bytes)."""
    return TXT([s.encode() for s in strings])


def chunks(s, n=255):
    return [s[i:i + n] for i in range(0, len(s), n)]


# name -> list of (type, rdata); order is answer order.
ZONE = {
    "_mta-sts.single.test": [("TXT", txt("v=STSv1; id=single1;"))],
    "_mta-sts.split.test": [("TXT", txt("v=STS", "v1; id=split2;"))],
    "_mta-sts.two.test": [("TXT", txt("v=STSv1; id=two1;")),
                          ("TXT", txt("v=STSv1; id=two2;"))],
    "_mta-sts.mixed.test": [("TXT", txt("google-site-verification=abc")),
                            ("TXT", txt("v=STSv1; id=mixed1;"))],
    "_mta-sts.nodata.test": [("A", A("127.0.0.1"))],
    "_mta-sts.cname.test": [("CNAME", CNAME("sts.target.test"))],
    "_mta-sts.cnameonly.test": [("CNAME", CNAME("sts.target.test"))],
    "sts.target.test": [("TXT", txt("v=STSv1; id=cname1;"))],
    "_mta-sts.tc.test": [("TXT", txt("v=STSv1; id=tcp1;"))],
    "_mta-sts.big.test": [("TXT", txt(*chunks(BIG)))],
    "_mta-sts.bigother.test": [("TXT", txt(*chunks("y" * 5100))),
                               ("TXT", txt("v=STSv1; id=bigother1;"))],
    "_mta-sts.many.test": [("TXT", txt("filler %d" % i)) for i in range(39)]
    + [("TXT", txt("v=STSv1; id=many1;"))],
    "_mta-sts.bad.test": [("TXT", txt("v=STSv1; id=not valid!;"))],
    "mx.test": [("MX", MX("b.mx.test", 20)), ("MX", MX("a.mx.test", 10)),
                ("MX", MX("c.mx.test", 20)), ("MX", MX("z.mx.test", 5))],
    "nullmx.test": [("MX", MX(".", 0))],
    "badmx.test": [("MX", MX("ok.mx.test", 10)),
                   ("MX", MX(DNSLabel([b"bad host!", b"mx", b"test"]), 20))],
    "nomx.test": [("A", A("127.0.0.1"))],
    "host.test": [("A", A("127.0.0.10")), ("A", A("127.0.0.11")),
                  ("AAAA", AAAA("::1"))],
    "v4only.test": [("A", A("127.0.0.12"))],
    "half.test": [("A", A("127.0.0.13"))],
    "alias.test": [("CNAME", CNAME("host.test"))],
}
# Names whose CNAME target is included in the answer (resolver behaviour).
CHASE = {"_mta-sts.cname.test", "alias.test"}
RCODES = {"_mta-sts.servfail.test": "SERVFAIL",
          "_mta-sts.refused.test": "REFUSED",
          "mxfail.test": "SERVFAIL", "hostfail.test": "SERVFAIL"}
SILENT = {("_mta-sts.timeout.test", "*"), ("half.test", "AAAA")}


def answer(request, proto):
    """The reply to request, or None to stay silent."""
    q = request.q
    name = str(q.qname).rstrip(".").lower()
    qtype = QTYPE[q.qtype]
    if (name, "*") in SILENT or (name, qtype) in SILENT:
        return None
    reply = request.reply()
    reply.header.ra = 1
    if name.startswith("_mta-sts.slow-") and name.endswith(".test"):
        ms = name[len("_mta-sts.slow-"):-len(".test")]
        if ms.isdigit():
            time.sleep(int(ms) / 1000.0)
            if qtype == "TXT":
                reply.add_answer(RR(q.qname, QTYPE.TXT, ttl=TTL,
                                    rdata=txt("v=STSv1; id=slow%s;" % ms)))
            return reply
    if name == "_mta-sts.wrongq.test":
        # RFC 5452 9.1: this must not count as an answer to our question.
        other = "_mta-sts.other.test."
        reply.questions = [DNSQuestion(other, QTYPE.TXT)]
        reply.add_answer(RR(other, QTYPE.TXT, ttl=TTL,
                            rdata=txt("v=STSv1; id=wrongq1;")))
        return reply
    if name == "_mta-sts.noquestion.test":
        reply.questions = []
        return reply
    if name in RCODES:
        reply.header.rcode = getattr(RCODE, RCODES[name])
        return reply
    if name == "_mta-sts.tc.test" and proto == "udp":
        reply.header.tc = 1
        return reply
    if name not in ZONE:
        reply.header.rcode = RCODE.NXDOMAIN
        return reply
    owner = q.qname
    while True:
        rrs = ZONE.get(str(owner).rstrip(".").lower(), [])
        cname = [r for t, r in rrs if t == "CNAME"]
        if cname and qtype != "CNAME":
            reply.add_answer(RR(owner, QTYPE.CNAME, ttl=TTL, rdata=cname[0]))
            if str(owner).rstrip(".").lower() not in CHASE:
                break
            owner = cname[0].label
            continue
        for t, r in rrs:
            if t == qtype:
                reply.add_answer(RR(owner, getattr(QTYPE, t), ttl=TTL,
                                    rdata=r))
        break
    return reply


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        try:
            reply = answer(DNSRecord.parse(data), "udp")
        except Exception as e:  # a malformed query: ignore it
            sys.stderr.write("fakedns.py: %s\n" % e)
            return
        if reply is None:
            return
        # Like a real server: what does not fit the client's buffer (EDNS
        # payload size, else 512) goes out truncated with TC=1.
        request = DNSRecord.parse(data)
        limit = 512
        for rr in request.ar:
            if rr.rtype == QTYPE.OPT:
                limit = max(512, rr.rclass)
        wire = reply.pack()
        if len(wire) > limit:
            wire = reply.truncate().pack()
        sock.sendto(wire, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
    def recvn(self, n):
        data = b""
        while len(data) < n:
            more = self.request.recv(n - len(data))
            if not more:
                return None
            data += more
        return data

    def handle(self):
        # Several queries may share one connection (getdns reuses it).
        while True:
            head = self.recvn(2)
            if head is None:
                return
            data = self.recvn(struct.unpack("!H", head)[0])
            if data is None:
                return
            try:
                reply = answer(DNSRecord.parse(data), "tcp")
            except Exception as e:
                sys.stderr.write("fakedns.py: %s\n" % e)
                return
            if reply is None:
                continue
            wire = reply.pack()
            self.request.sendall(struct.pack("!H", len(wire)) + wire)


class UDPServer(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = True


class TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(address, port_file):
    # Let the kernel pick a UDP port, then take the same number for TCP;
    # retry if TCP happens to be taken.
    for _ in range(20):
        udp = UDPServer((address, 0), UDPHandler)
        port = udp.server_address[1]
        try:
            tcp = TCPServer((address, port), TCPHandler)
            break
        except OSError:
            udp.server_close()
    else:
        sys.stderr.write("fakedns.py: no free port\n")
        return 1
    for srv in (udp, tcp):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, port_file)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


def probe(address, port):
    q = DNSRecord.question("_mta-sts.single.test", "TXT")
    try:
        DNSRecord.parse(q.send(address, port, timeout=0.5))
    except Exception:
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port-file")
    ap.add_argument("--probe", type=int)
    a = ap.parse_args()
    if a.probe:
        return probe(a.address, a.probe)
    if not a.port_file:
        ap.error("--port-file or --probe is required")
    return serve(a.address, a.port_file)


if __name__ == "__main__":
    sys.exit(main())
