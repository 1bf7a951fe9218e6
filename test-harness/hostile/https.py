#!/usr/bin/python3
#++
# NAME
#	https.py - a scripted HTTPS policy host that misbehaves on purpose
# SYNOPSIS
#	https.py DIR ADDRESS
# DESCRIPTION
#	Serves TLS on ADDRESS port 443. The SNI name picks an entry of
#	DIR/https.json, re-read per connection:
#
#	  {"mta-sts.trickle.hostile.test": {"http": "trickle",
#	    "cert": "leaf", "policy": "version: STSv1\n..."}}
#
#	cert is "leaf" (DIR/pki/leaf.pem: one certificate for every name,
#	signed by DIR/pki/ca.pem) or "chain50" (the same names, sent with
#	49 intermediate CAs between it and ca.pem: a 50-certificate chain).
#	http says how a GET /.well-known/mta-sts.txt is answered:
#
#	ok		200, Content-Length, the policy
#	trickle		the whole response, head included, one byte per
#			TRICKLE_SECONDS
#	headers		a status line, then header lines without end, as fast
#			as the peer reads (at most HEADERS_CAP bytes)
#	overlong	Content-Length of the policy, then the policy and
#			OVERLONG_PAD more bytes that would change it ("mx:
#			evil...", "mode: testing") were they read
#	closemid	Content-Length twice the policy, half the policy,
#			then a clean TLS close (close_notify)
#	resetmid	the same, then a TCP reset without close_notify
#
#	Each request is logged to DIR/https.log: "SNI HTTP BYTES-SENT
#	SECONDS" once the connection ends.
# SECURITY
#	Test only; binds inside the test world's network namespace.
#--

import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True

TRICKLE_SECONDS = 1.0
HEADERS_CAP = 64 * 1024 * 1024
OVERLONG_PAD = 100000
IO_SECONDS = 30
REQUEST_MAX = 16384

log_lock = threading.Lock()


def log(wdir, line):
	with log_lock:
		with open(os.path.join(wdir, "https.log"), "a") as f:
			f.write("%.3f %s\n" % (time.time(), line))


def load(wdir):
	with open(os.path.join(wdir, "https.json")) as f:
		return json.load(f)


def read_request(conn):
	data = b""
	while b"\r\n\r\n" not in data and len(data) < REQUEST_MAX:
		got = conn.recv(4096)
		if not got:
			return None
		data += got
	return data.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def head(length, extra=b""):
	return (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		b"Content-Length: %d\r\nConnection: close\r\n" % length) + extra + b"\r\n"


def behave(conn, raw, entry):
	"""behave - answer as the entry says; returns bytes sent"""
	policy = entry["policy"].encode()
	how = entry.get("http", "ok")
	sent = 0
	if how == "ok":
		conn.sendall(head(len(policy)) + policy)
		return len(policy)
	if how == "trickle":
		msg = head(len(policy)) + policy
		for i in range(len(msg)):
			conn.sendall(msg[i:i + 1])
			sent += 1
			time.sleep(TRICKLE_SECONDS)
		return sent
	if how == "headers":
		conn.sendall(b"HTTP/1.1 200 OK\r\n")
		line = b"X-Hostile: " + b"h" * 100 + b"\r\n"
		while sent < HEADERS_CAP:
			conn.sendall(line * 64)
			sent += len(line) * 64
		return sent
	if how == "overlong":
		extra = b"mx: evil.hostile.test\nmode: testing\n" + b"#" * OVERLONG_PAD
		conn.sendall(head(len(policy)) + policy + extra)
		return len(policy) + len(extra)
	if how in ("closemid", "resetmid"):
		conn.sendall(head(2 * len(policy)) + policy[:len(policy) // 2])
		if how == "closemid":
			try:
				conn.unwrap()
			except (OSError, ssl.SSLError):
				pass
		else:
			# SO_LINGER 0: close() sends a reset, no close_notify.
			raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
				       struct.pack("ii", 1, 0))
		return len(policy) // 2
	conn.sendall(b"HTTP/1.1 500 Unknown behaviour\r\nContent-Length: 0\r\n\r\n")
	return 0


def serve(wdir, raw, ctxs):
	hosts = load(wdir)
	seen = {"sni": None}

	def pick(sslobj, name, _ctx):
		seen["sni"] = (name or "").lower()
		entry = hosts.get(seen["sni"])
		if entry:
			sslobj.context = ctxs[entry.get("cert", "leaf")]
		return None

	base = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	base.load_cert_chain(*ctxs["paths"]["leaf"])
	base.sni_callback = pick
	raw.settimeout(IO_SECONDS)
	t0 = time.time()
	sent = 0
	try:
		conn = base.wrap_socket(raw, server_side=True)
	except (OSError, ssl.SSLError):
		raw.close()
		log(wdir, "%s handshake-failed 0 %.1f" % (seen["sni"], time.time() - t0))
		return
	entry = hosts.get(seen["sni"] or "")
	how = entry.get("http", "ok") if entry else "unknown"
	try:
		if read_request(conn) is not None:
			if entry is None:
				conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
			else:
				sent = behave(conn, raw, entry)
	except (OSError, ssl.SSLError):
		pass
	finally:
		try:
			conn.close()
		except OSError:
			pass
		log(wdir, "%s %s %d %.1f" % (seen["sni"], how, sent, time.time() - t0))


def contexts(wdir):
	pki = os.path.join(wdir, "pki")
	out = {"paths": {}}
	for kind in ("leaf", "chain50"):
		paths = (os.path.join(pki, kind + ".pem"), os.path.join(pki, kind + ".key"))
		ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		ctx.load_cert_chain(*paths)
		out[kind] = ctx
		out["paths"][kind] = paths
	return out


def main(argv):
	if len(argv) != 3:
		sys.stderr.write("usage: https.py DIR ADDRESS\n")
		return 2
	wdir, addr = os.path.abspath(argv[1]), argv[2]
	ctxs = contexts(wdir)
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind((addr, 443))
	s.listen(128)
	sys.stderr.write("https.py: listening on %s:443\n" % addr)
	while True:
		c, _ = s.accept()
		threading.Thread(target=serve, args=(wdir, c, ctxs), daemon=True).start()


if __name__ == "__main__":
	sys.exit(main(sys.argv))
