#!/usr/bin/python3
#++
# NAME
#	socketmap.py - abusive socketmap clients (for mtastsd)
# SYNOPSIS
#	socketmap.py query ADDR "NAME KEY"
#	socketmap.py giant ADDR
#	socketmap.py garbage ADDR
#	socketmap.py half ADDR COUNT
#	socketmap.py flood ADDR COUNT "NAME KEY"
#	socketmap.py drip ADDR COUNT SECONDS "NAME KEY"
#	socketmap.py hold ADDR COUNT SECONDS "NAME KEY"
# DESCRIPTION
#	ADDR is a unix socket path or HOST:PORT. Each command prints one
#	line "RESULT key=value ..." that tests/hostile.sh reads.
#
#	query	one well-formed query; reply=... (the payload)
#	giant	a length of 30 digits, then 64 KiB: the server must answer
#		PERM (or just close) at once, without reading the rest
#	garbage	64 KiB of random bytes that are no netstring
#	half	COUNT connections, one after the other, each sends half a
#		netstring ("5000:" and 100 bytes) and vanishes
#	flood	COUNT connections at once (as many as the kernel takes, the
#		rest as earlier ones finish), each sends the query, reads
#		its reply and closes; answered=N of COUNT, seconds, and the
#		distinct replies
#	drip	COUNT connections at once, each sending a well-formed query
#		one byte a second for up to SECONDS: the server must give
#		up on each within its idle timeout of the first byte, though
#		bytes keep coming; closed=N, slowest=seconds, the replies
#	hold	up to COUNT idle connections opened within one second and
#		held open SECONDS, past the server's connection limit; then
#		one more client asks the query: probe_seconds says how long
#		it waited (the server's idle timeout must free slots)
# SECURITY
#	Test only: talks to the daemon under test inside the test world.
#--

import errno
import os
import random
import resource
import selectors
import socket
import sys
import time

sys.dont_write_bytecode = True

IO_SECONDS = 20


def netstring(payload):
	return b"%d:%s," % (len(payload), payload)


def connect(addr, blocking=True):
	"""connect - a socket to ADDR; non-blocking: may still be connecting"""
	if ":" in addr and not addr.startswith("/"):
		host, port = addr.rsplit(":", 1)
		s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		target = (host, int(port))
	else:
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		target = addr
	if blocking:
		# A unix socket whose backlog is full says EAGAIN instead of
		# blocking: wait and try again, as MTA clients do.
		s.settimeout(IO_SECONDS)
		deadline = time.time() + IO_SECONDS
		while True:
			try:
				s.connect(target)
				return s
			except BlockingIOError:
				if time.time() > deadline:
					raise
				time.sleep(0.005)
	s.setblocking(False)
	err = s.connect_ex(target)
	if err not in (0, errno.EINPROGRESS, errno.EAGAIN):
		s.close()
		raise OSError(err, os.strerror(err))
	if err == errno.EAGAIN:		# unix socket backlog full: try later
		s.close()
		return None
	return s


def read_reply(s):
	"""read_reply - one netstring payload, or what came before EOF"""
	buf = b""
	while True:
		try:
			got = s.recv(65536)
		except socket.timeout:
			return buf, "timeout"
		except OSError as e:
			return buf, "error:" + e.strerror
		if not got:
			return buf, "closed"
		buf += got
		r = whole(buf)
		if r is not None:
			return r, "reply"


def whole(buf):
	"""whole - the payload of a complete netstring in buf, or None"""
	colon = buf.find(b":")
	if colon <= 0 or not buf[:colon].isdigit():
		return None
	n = int(buf[:colon])
	if len(buf) < colon + 1 + n + 1:
		return None
	return buf[colon + 1:colon + 1 + n]


def show(payload):
	return payload.decode("latin-1").replace(" ", "_")[:200]


def cmd_query(addr, q):
	s = connect(addr)
	s.sendall(netstring(q.encode()))
	r, how = read_reply(s)
	s.close()
	print("RESULT how=%s reply=%s" % (how, show(r)))


def cmd_blast(addr, data):
	"""cmd_blast - send data (as much as the server takes), read reply"""
	t0 = time.time()
	s = connect(addr)
	try:
		s.sendall(data)
	except OSError:
		pass			# the server closed first: fine
	r, how = read_reply(s)
	# After the reply the server must close: nothing more may come.
	after, end = read_reply(s) if how == "reply" else (b"", how)
	s.close()
	print("RESULT how=%s end=%s seconds=%.2f reply=%s" % (
		how, end, time.time() - t0, show(r)))


def cmd_half(addr, count):
	t0 = time.time()
	done = 0
	for _ in range(count):
		s = connect(addr)
		s.sendall(b"5000:" + b"a" * 100)
		s.close()
		done += 1
	print("RESULT sent=%d seconds=%.2f" % (done, time.time() - t0))


def nofile(n):
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	want = min(hard, n + 256)
	if soft < want:
		resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
	return resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 64


def cmd_flood(addr, count, q):
	"""cmd_flood - count connections, each one query and its reply"""
	limit = nofile(count)
	sel = selectors.DefaultSelector()
	msg = netstring(q.encode())
	started = answered = failed = 0
	replies = {}
	t0 = time.time()
	deadline = t0 + 60
	state = {}
	while (started < count or state) and time.time() < deadline:
		while started < count and len(state) < limit:
			try:
				s = connect(addr, blocking=False)
			except OSError:
				failed += 1
				started += 1
				continue
			if s is None:
				break
			started += 1
			state[s] = {"out": msg, "in": b""}
			sel.register(s, selectors.EVENT_WRITE)
		for key, ev in sel.select(timeout=0.5):
			s = key.fileobj
			st = state[s]
			try:
				if ev & selectors.EVENT_WRITE:
					n = s.send(st["out"])
					st["out"] = st["out"][n:]
					if not st["out"]:
						sel.modify(s, selectors.EVENT_READ)
					continue
				got = s.recv(65536)
			except (BlockingIOError, InterruptedError):
				continue
			except OSError:
				got = b""
			if got:
				st["in"] += got
				r = whole(st["in"])
				if r is None:
					continue
				answered += 1
				r = show(r)
				replies[r] = replies.get(r, 0) + 1
			else:
				failed += 1
			sel.unregister(s)
			s.close()
			del state[s]
	for s in list(state):
		s.close()
	print("RESULT started=%d answered=%d failed=%d unfinished=%d seconds=%.2f "
	      "replies=%s" % (started, answered, failed, len(state),
			      time.time() - t0, "|".join("%s*%d" % kv for kv in replies.items())))


def cmd_drip(addr, count, seconds, q):
	"""cmd_drip - count clients sending a query a byte a second"""
	nofile(count)
	msg = netstring((q + " " + "x" * 200).encode())
	t0 = time.time()
	live = {}
	for _ in range(count):
		s = connect(addr)
		s.setblocking(False)
		live[s] = {"sent": 0, "in": b""}
	ends = []
	replies = {}
	tick = 0
	while live and time.time() < t0 + seconds:
		for s, st in list(live.items()):
			if st["sent"] <= tick and st["sent"] < len(msg):
				try:
					st["sent"] += s.send(msg[st["sent"]:st["sent"] + 1])
				except (BlockingIOError, InterruptedError):
					pass
				except OSError:
					pass		# closed on us: read what came
			try:
				got = s.recv(65536)
			except (BlockingIOError, InterruptedError):
				continue
			except OSError:
				got = b""
			st["in"] += got
			if got and whole(st["in"]) is None:
				continue
			r = show(whole(st["in"]) or b"")
			replies[r] = replies.get(r, 0) + 1
			ends.append(time.time() - t0)
			s.close()
			del live[s]
		tick += 1
		time.sleep(max(0.0, t0 + tick - time.time()))
	for s in live:
		s.close()
	print("RESULT closed=%d open=%d slowest=%.2f replies=%s" % (
		len(ends), len(live), max(ends) if ends else -1,
		"|".join("%s*%d" % kv for kv in replies.items())))


def cmd_hold(addr, count, seconds, q):
	"""cmd_hold - idle connections past the limit, and one probe"""
	nofile(count)
	held = []
	# For one second (well within the idle timeout), as fast as the
	# server accepts: a full backlog refuses with EAGAIN, try again.
	start = time.time()
	while len(held) < count and time.time() < start + 1.0:
		try:
			s = connect(addr, blocking=False)
		except OSError:
			break
		if s is None:
			time.sleep(0.001)
		else:
			held.append(s)
	t0 = time.time()
	p = connect(addr)
	p.settimeout(seconds + IO_SECONDS)
	p.sendall(netstring(q.encode()))
	r, how = read_reply(p)
	probe = time.time() - t0
	p.close()
	rest = seconds - (time.time() - t0)
	if rest > 0:
		time.sleep(rest)
	for s in held:
		s.close()
	print("RESULT held=%d probe_how=%s probe_seconds=%.2f reply=%s" % (
		len(held), how, probe, show(r)))


def main(argv):
	if len(argv) < 3:
		sys.stderr.write(__doc__ if __doc__ else "usage: see the header\n")
		return 2
	cmd, addr = argv[1], argv[2]
	if cmd == "query" and len(argv) == 4:
		cmd_query(addr, argv[3])
	elif cmd == "giant":
		cmd_blast(addr, b"9" * 30 + b":" + b"x" * 65536)
	elif cmd == "garbage":
		rnd = random.Random(8461)
		cmd_blast(addr, b"\xff" + bytes(rnd.randrange(256) for _ in range(65535)))
	elif cmd == "half" and len(argv) == 4:
		cmd_half(addr, int(argv[3]))
	elif cmd == "flood" and len(argv) == 5:
		cmd_flood(addr, int(argv[3]), argv[4])
	elif cmd == "drip" and len(argv) == 6:
		cmd_drip(addr, int(argv[3]), float(argv[4]), argv[5])
	elif cmd == "hold" and len(argv) == 6:
		cmd_hold(addr, int(argv[3]), float(argv[4]), argv[5])
	else:
		sys.stderr.write("socketmap.py: bad usage\n")
		return 2
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
