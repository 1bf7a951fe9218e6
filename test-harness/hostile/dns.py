#!/usr/bin/python3
#++
# NAME
#	dns.py - a scripted DNS server that misbehaves on purpose
# SYNOPSIS
#	dns.py DIR ADDRESS
# DESCRIPTION
#	Answers every query on ADDRESS port 53, UDP and TCP, for the names
#	in DIR/dns.json (re-read when it changes, so a test switches a
#	domain's behaviour between two lookups without a restart):
#
#	  {"https_ip": "127.0.3.2",
#	   "domains": {"huge.hostile.test": {"dns": "huge", "txt": "v=STSv1; id=1;"}}}
#
#	For a domain D: "_mta-sts.D" TXT is the record "txt", "mta-sts.D" A
#	is https_ip (AAAA: no data), anything else under D has no data.
#	The "dns" field bends the TXT answer (the policy host's address
#	stays good, so only the TXT lookup is under attack):
#
#	ok		as above
#	huge		240 TXT RRs of 255 bytes (one of them a valid STSv1
#			record): over UDP truncated (TC), over TCP a 64 KB
#			answer
#	txtbomb		one TXT RR of 250 strings, 63 KB, starting "v=STSv1;"
#	truncated	UDP: TC set and no records; TCP: the connection is
#			closed after a length prefix that promises more
#	malformed	a reply with the right id whose counts promise records
#			that are not there, followed by bytes that are no
#			names (0xff: a compression pointer past the end)
#	wrongq		a well-formed reply for another question: the
#			question section and a valid STSv1 TXT record name
#			_mta-sts.elsewhere.D, not the name asked
#	slow		the right answer, SLOW_SECONDS late
#	cnameloop	_mta-sts.D CNAME loop.D, loop.D CNAME _mta-sts.D,
#			both in every answer
#	cnamechase	every name under D is a CNAME to a new, longer one:
#			a chain without end, one link per answer
#	nxdomain	NXDOMAIN for _mta-sts.D
#
#	Unknown names: REFUSED. Every query is logged to DIR/dns.log
#	("PROTO QNAME QTYPE BEHAVIOUR").
# SECURITY
#	Test only: binds the address it is given inside the test world's
#	network namespace.
#--

import json
import os
import random
import socketserver
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True

from dnslib import CNAME, DNSQuestion, DNSRecord, QTYPE, RCODE, RR, TXT, A  # noqa: E402

SLOW_SECONDS = 8
UDP_MAX = 512
HUGE_RRS = 240
BOMB_STRINGS = 250
TTL = 60

state = {"mtime": None, "data": {"domains": {}}}
state_lock = threading.Lock()
log_lock = threading.Lock()


def load(wdir):
	"""load - DIR/dns.json, re-read when its mtime changes"""
	path = os.path.join(wdir, "dns.json")
	with state_lock:
		try:
			m = os.stat(path).st_mtime_ns
			if m != state["mtime"]:
				with open(path) as f:
					state["data"] = json.load(f)
				state["mtime"] = m
		except (OSError, ValueError):
			pass
		return state["data"]


def log(wdir, line):
	with log_lock:
		with open(os.path.join(wdir, "dns.log"), "a") as f:
			f.write("%.3f %s\n" % (time.time(), line))


def owner(data, qname):
	"""owner - (domain, its settings) for a name under a known domain"""
	name = qname.lower().rstrip(".")
	for d, conf in data.get("domains", {}).items():
		if name == d or name.endswith("." + d):
			return d, conf
	return None, None


def txt_rr(name, text):
	"""txt_rr - one TXT RR, split into character-strings of 255"""
	b = text.encode()
	parts = [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]
	return RR(name, QTYPE.TXT, rdata=TXT(parts), ttl=TTL)


def answer(data, req):
	"""answer - (reply record, behaviour) for a parsed request"""
	q = req.q
	qname = str(q.qname)
	name = qname.lower().rstrip(".")
	d, conf = owner(data, qname)
	reply = req.reply()
	if d is None:
		reply.header.rcode = RCODE.REFUSED
		return reply, "unknown"
	how = conf.get("dns", "ok")
	sts = "_mta-sts." + d
	if how == "cnamechase" and name != "mta-sts." + d:
		# Every name points one label further: the chain never ends.
		nxt = "c%d.%s." % (random.randrange(1 << 30), name)
		reply.add_answer(RR(qname, QTYPE.CNAME, rdata=CNAME(nxt), ttl=TTL))
		return reply, how
	if how == "cnameloop" and name in (sts, "loop." + d):
		reply.add_answer(RR(sts + ".", QTYPE.CNAME, rdata=CNAME("loop." + d + "."), ttl=TTL))
		reply.add_answer(RR("loop." + d + ".", QTYPE.CNAME, rdata=CNAME(sts + "."), ttl=TTL))
		return reply, how
	if name == "mta-sts." + d:
		if q.qtype == QTYPE.A:
			reply.add_answer(RR(qname, QTYPE.A, rdata=A(data["https_ip"]), ttl=TTL))
		return reply, "host"
	if name != sts or q.qtype != QTYPE.TXT:
		return reply, "nodata"
	if how == "nxdomain":
		reply.header.rcode = RCODE.NXDOMAIN
		return reply, how
	if how == "huge":
		filler = "x-filler=" + "f" * 246
		for i in range(HUGE_RRS):
			text = conf.get("txt", "") if i == HUGE_RRS // 2 else filler[:-4] + "%04d" % i
			reply.add_answer(txt_rr(qname, text))
		return reply, how
	if how == "wrongq":
		other = "_mta-sts.elsewhere." + d + "."
		reply.questions = [DNSQuestion(other, QTYPE.TXT)]
		reply.add_answer(txt_rr(other, "v=STSv1; id=wrongq1;"))
		return reply, how
	if how == "txtbomb":
		strs = [b"v=STSv1; id=bomb1;" + b"x" * 237] + [b"y" * 255] * (BOMB_STRINGS - 1)
		reply.add_answer(RR(qname, QTYPE.TXT, rdata=TXT(strs), ttl=TTL))
		return reply, how
	if conf.get("txt"):
		reply.add_answer(txt_rr(qname, conf["txt"]))
	return reply, how


def malformed(req_bytes):
	"""malformed - the query's id, counts that lie, then noise"""
	qid = req_bytes[:2] if len(req_bytes) >= 2 else b"\0\0"
	head = qid + struct.pack(">HHHHH", 0x8180, 1, 7, 3, 2)
	return head + b"\xff" * 300


def respond(wdir, raw, proto):
	"""respond - bytes to send back (None: nothing), after any delay"""
	data = load(wdir)
	try:
		req = DNSRecord.parse(raw)
	except Exception:	# noqa: BLE001 - any parse error: no answer
		return None, "unparsable"
	reply, how = answer(data, req)
	log(wdir, "%s %s %s %s" % (proto, str(req.q.qname), QTYPE[req.q.qtype], how))
	if how == "malformed":
		return malformed(raw), how
	if how == "slow":
		time.sleep(SLOW_SECONDS)
	if how == "truncated" and proto == "udp":
		reply.rr = []
		reply.header.tc = 1
		return reply.pack(), how
	out = reply.pack()
	if proto == "udp" and len(out) > UDP_MAX:
		reply.rr = []
		reply.header.tc = 1
		out = reply.pack()
	return out, how


class UDPHandler(socketserver.BaseRequestHandler):
	def handle(self):
		raw, sock = self.request
		out, _ = respond(self.server.wdir, raw, "udp")
		if out is not None:
			sock.sendto(out, self.client_address)


class TCPHandler(socketserver.BaseRequestHandler):
	def recvn(self, n):
		buf = b""
		while len(buf) < n:
			got = self.request.recv(n - len(buf))
			if not got:
				return None
			buf += got
		return buf

	def handle(self):
		self.request.settimeout(30)
		try:
			while True:
				hdr = self.recvn(2)
				if hdr is None:
					return
				raw = self.recvn(struct.unpack(">H", hdr)[0])
				if raw is None:
					return
				out, how = respond(self.server.wdir, raw, "tcp")
				if how == "truncated":
					# Promise 4000 bytes, send 10, hang up.
					self.request.sendall(struct.pack(">H", 4000) + out[:10])
					return
				if out is None:
					return
				self.request.sendall(struct.pack(">H", len(out)) + out)
		except OSError:
			return


class UDPServer(socketserver.ThreadingUDPServer):
	daemon_threads = True
	allow_reuse_address = True


class TCPServer(socketserver.ThreadingTCPServer):
	daemon_threads = True
	allow_reuse_address = True


def main(argv):
	if len(argv) != 3:
		sys.stderr.write("usage: dns.py DIR ADDRESS\n")
		return 2
	wdir, addr = os.path.abspath(argv[1]), argv[2]
	udp = UDPServer((addr, 53), UDPHandler)
	tcp = TCPServer((addr, 53), TCPHandler)
	udp.wdir = tcp.wdir = wdir
	threading.Thread(target=tcp.serve_forever, daemon=True).start()
	sys.stderr.write("dns.py: listening on %s:53\n" % addr)
	udp.serve_forever()
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
