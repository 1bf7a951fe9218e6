#!/usr/bin/python3
#++
# NAME
#	hostile.py - policy hosts that misbehave in ways nginx will not
# SUMMARY
#	an HTTPS server whose per-host behaviour comes from hostile.json
# SYNOPSIS
#	hostile.py DIR
# DESCRIPTION
#	Listens on worldgen.HOSTILE_IP:443 (TLS) and worldgen.HANG_IP:443
#	(plain TCP that never answers). For each TLS connection the SNI
#	name picks an entry of DIR/hostile/hostile.json, re-read per
#	connection so that a scenario step can change it without a restart:
#
#	chunked		the policy with Transfer-Encoding: chunked (a valid
#			HTTP/1.1 answer a fetcher must accept); close-
#			delimited when the request was HTTP/1.0
#	big-chunked	the same with a body over 64 KiB (no Content-Length)
#	trickle		a correct Content-Length, then one body byte every
#			TRICKLE_SECONDS: each read is quick, the whole far
#			longer than the fetch timeout
#	garbage		bytes that are not HTTP, then close
#
#	The certificate is the kind the host's state names. Each request
#	that arrives is logged to DIR/hostile/hostile.log in nginx's
#	"harness" format (SNI HOST "REQUEST" STATUS) so that the runner can
#	count fetches. The hang address accepts and then only waits for the
#	peer to give up (at most HANG_SECONDS).
#
#	SIGTERM ends the process; per-connection threads are daemons.
#--

import json
import os
import signal
import socket
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import certs		# noqa: E402
import worldgen		# noqa: E402

TRICKLE_SECONDS = 0.25
HANG_SECONDS = 60
IO_SECONDS = 10
REQUEST_MAX = 16384
CHUNK = 1000

log_lock = threading.Lock()


def load_hosts(wdir):
	with open(os.path.join(wdir, "hostile", "hostile.json")) as f:
		return json.load(f)


def log(wdir, sni, host, request, status):
	"""log - one line per request, nginx "harness" format"""
	line = '%s %s "%s" %s\n' % (sni or "-", host or "-",
				    request.replace('"', "'"), status)
	with log_lock:
		with open(os.path.join(wdir, "hostile", "hostile.log"),
			  "a") as f:
			f.write(line)


def read_request(conn):
	"""read_request - the request head as text, or None"""
	data = b""
	while b"\r\n\r\n" not in data and len(data) < REQUEST_MAX:
		got = conn.recv(4096)
		if not got:
			return None
		data += got
	return data.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def contexts(hosts):
	"""contexts - one server context per certificate kind"""
	out = {}
	for entry in hosts.values():
		if entry["cert"] not in out:
			ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
			ctx.load_cert_chain(entry["cert"], entry["key"])
			out[entry["cert"]] = ctx
	return out


def serve_tls(wdir, raw):
	"""serve_tls - one TLS connection on the hostile address"""
	hosts = load_hosts(wdir)
	ctxs = contexts(hosts)
	seen = {"sni": None}

	def pick(sslobj, name, _ctx):
		seen["sni"] = name
		entry = hosts.get((name or "").lower())
		if entry:
			sslobj.context = ctxs[entry["cert"]]
		return None

	default_crt, default_key = certs.paths(wdir, "default")
	base = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	base.load_cert_chain(default_crt, default_key)
	base.sni_callback = pick
	raw.settimeout(IO_SECONDS)
	try:
		conn = base.wrap_socket(raw, server_side=True)
	except (OSError, ssl.SSLError):
		raw.close()
		return
	try:
		head = read_request(conn)
		if head is None:
			return
		reqline = head.split("\r\n", 1)[0]
		hdrs = {}
		for line in head.split("\r\n")[1:]:
			k, _, v = line.partition(":")
			hdrs[k.strip().lower()] = v.strip()
		host = hdrs.get("host", "").split(":")[0].lower()
		sni = seen["sni"]
		entry = hosts.get((sni or "").lower())
		if entry is None or not reqline.startswith(
				"GET /.well-known/mta-sts.txt "):
			log(wdir, sni, host, reqline, 404)
			conn.sendall(b"HTTP/1.1 404 Not Found\r\n"
				     b"Content-Length: 0\r\n"
				     b"Connection: close\r\n\r\n")
			return
		log(wdir, sni, host, reqline, 200)
		behave(conn, entry, reqline.endswith("HTTP/1.1"))
	except (OSError, ssl.SSLError):
		pass
	finally:
		try:
			conn.close()
		except OSError:
			pass


def behave(conn, entry, http11):
	"""behave - answer as the host's behaviour says"""
	with open(entry["body"], "rb") as f:
		body = f.read()
	ctype = entry["content_type"].encode()
	what = entry["http"]
	if what == "garbage":
		conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\x00\x01\x02\xff")
		return
	if what == "trickle":
		conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype +
			     b"\r\nContent-Length: %d\r\n"
			     b"Connection: close\r\n\r\n" % len(body))
		for i in range(len(body)):
			time.sleep(TRICKLE_SECONDS)
			conn.sendall(body[i:i + 1])
		return
	# chunked, big-chunked
	if not http11:
		conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: " + ctype +
			     b"\r\nConnection: close\r\n\r\n" + body)
		return
	conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype +
		     b"\r\nTransfer-Encoding: chunked\r\n"
		     b"Connection: close\r\n\r\n")
	for i in range(0, len(body), CHUNK):
		part = body[i:i + CHUNK]
		conn.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
	conn.sendall(b"0\r\n\r\n")


def serve_hang(raw):
	"""serve_hang - accept, say nothing, wait for the peer to leave"""
	raw.settimeout(HANG_SECONDS)
	try:
		while raw.recv(4096):
			pass
	except OSError:
		pass
	raw.close()


def listener(addr):
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind((addr, 443))
	s.listen(64)
	return s


def accept_loop(sock, handler):
	while True:
		conn, _ = sock.accept()
		threading.Thread(target=handler, args=(conn,),
				 daemon=True).start()


def main(argv):
	if len(argv) != 2:
		sys.stderr.write("usage: hostile.py DIR\n")
		return 2
	wdir = os.path.abspath(argv[1])
	signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
	tls = listener(worldgen.HOSTILE_IP)
	hang = listener(worldgen.HANG_IP)
	threading.Thread(target=accept_loop, daemon=True,
			 args=(hang, serve_hang)).start()
	accept_loop(tls, lambda c: serve_tls(wdir, c))
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
