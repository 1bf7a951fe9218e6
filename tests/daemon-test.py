#!/usr/bin/python3
#++
# NAME
#	daemon-test.py - mtastsd against the test world, as a socketmap client
# SYNOPSIS
#	daemon-test.py --cases
#	daemon-test.py --query SOCKET|HOST:PORT "NAME KEY"...
#	daemon-test.py WORLD-DIR MTASTSD WORLDCTL
# DESCRIPTION
#	Run by tests/daemon.sh inside a running test world (world.sh exec):
#	starts mtastsd -f with WORLD-DIR/mtastsd.yaml, queries it over its
#	unix and TCP sockets with a netstring client of its own, changes the
#	world (WORLDCTL set) and the config (SIGHUP) between cases, sends
#	signals, and stops every daemon it started by PID.
#
#	Prints "PASS daemon/CASE" or "FAIL daemon/CASE: what differed" for
#	each name in CASES (a case that never ran is a failure), then
#	"N passed, N failed"; exits 1 on any failure. --cases prints how
#	many cases there are (for the "skipped" line).
#
#	--query sends each "NAME KEY" in one write (pipelined) to a unix
#	socket path or HOST:PORT and prints the replies, one per line
#	(scripts/mtastsd-demo uses it).
#--
import json
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import time

CASES = [
	"start", "unix-enforce", "tcp-enforce", "cache-fast-path",
	"testing-notfound", "testing-audit-once", "strict-testing",
	"mode-none", "no-policy", "temp-deliver", "temp-defer-map",
	"temp-defer-domain", "sts-attributes", "expand-wildcards",
	"expand-wildcards-off", "expand-no-match", "sendmail-map",
	"key-forms", "pipelining", "concurrent-connections",
	"slow-isolation", "order-on-connection", "malformed-netstring",
	"oversize-length", "long-key-keeps-connection", "idle-timeout",
	"busy-not-idle", "second-instance-refused", "reload-keeps-connections",
	"reload-bad-config", "refresh-before-expiry", "sigusr1-refresh",
	"privilege-drop", "damaged-cache-rebuilt", "unknown-user-refused",
	"sigterm-cleanup",
]

# Seconds. The world's fetch.timeout is 2; its slow policy host sleeps 6.
IDLE = 2
WAIT = 10

results = {}


def check(name, ok, detail=""):
	"""check - record and print one case (the first result counts)"""
	assert name in CASES, name
	if name in results:
		return ok
	results[name] = bool(ok)
	if ok:
		print("PASS daemon/%s" % name)
	else:
		print("FAIL daemon/%s: %s" % (name, detail))
	sys.stdout.flush()
	return ok


def netstring(payload):
	return b"%d:%s," % (len(payload), payload)


class Client:
	"""Client - one socketmap connection"""

	def __init__(self, where, timeout=WAIT):
		if isinstance(where, tuple):
			self.s = socket.create_connection(where, timeout=timeout)
		else:
			self.s = socket.socket(socket.AF_UNIX)
			self.s.settimeout(timeout)
			self.s.connect(where)
		self.buf = b""
		self.eof = False

	def send(self, *reqs):
		self.s.sendall(b"".join(netstring(r.encode()) for r in reqs))

	def raw(self, data):
		self.s.sendall(data)

	def _one(self):
		m = re.match(rb"(\d+):", self.buf)
		if m:
			n = int(m.group(1))
			end = m.end() + n
			if len(self.buf) > end:
				if self.buf[end:end + 1] != b",":
					raise ValueError("reply without ','")
				reply = self.buf[m.end():end]
				self.buf = self.buf[end + 1:]
				return reply.decode("ascii", "replace")
		return None

	def replies(self, n, timeout=WAIT):
		"""replies - n replies, or fewer when time runs out or EOF"""
		out = []
		deadline = time.time() + timeout
		while len(out) < n:
			r = self._one()
			if r is not None:
				out.append(r)
				continue
			left = deadline - time.time()
			if left <= 0 or self.eof:
				break
			self.s.settimeout(left)
			try:
				d = self.s.recv(65536)
			except socket.timeout:
				break
			except OSError:
				self.eof = True
				break
			if not d:
				self.eof = True
			self.buf += d
		return out

	def ask(self, *reqs, timeout=WAIT):
		self.send(*reqs)
		out = self.replies(len(reqs), timeout)
		return out[0] if len(reqs) == 1 and out else out

	def closed(self, timeout=WAIT):
		"""closed - does the server close the connection in time?"""
		self.replies(1 << 30, timeout)
		return self.eof

	def close(self):
		self.s.close()


class World:
	def __init__(self, wdir, mtastsd, worldctl):
		self.dir = wdir
		self.bin = mtastsd
		self.worldctl = worldctl
		self.run = os.path.join(wdir, "run")
		self.sock = os.path.join(self.run, "mtastsd.sock")
		self.pidfile = os.path.join(self.run, "mtastsd.pid")
		self.tcp = ("127.0.0.1", 8461)
		self.cfg = os.path.join(wdir, "mtastsd.yaml")
		self.log = os.path.join(wdir, "mtastsd.log")
		self.audit = os.path.join(wdir, "audit-world.jsonl")
		self.proc = None
		with open(os.path.join(wdir, "mtasts.yaml")) as f:
			self.base = f.read()

	def config(self, default_map="{}", extra=""):
		text = self.base + """
daemon:
  listen: ["unix:%(run)s/mtastsd.sock", "inet:127.0.0.1:8461"]
  pid_file: %(run)s/mtastsd.pid
  workers: 4
  idle_timeout: %(idle)d
  refresh_period: 1
maps:
  default: %(dm)s
  attrs: {sts_attributes: yes}
  nowild: {expand_wildcards: no}
  defer: {on_temp_failure: defer}
  strict: {strict_testing: yes}
domains:
  slow.test: {on_temp_failure: defer}
%(extra)s""" % {"run": self.run, "idle": IDLE, "dm": default_map, "extra": extra}
		with open(self.cfg, "w") as f:
			f.write(text)

	def start(self):
		self.logf = open(self.log, "ab")
		self.proc = subprocess.Popen([self.bin, "-f", "-v", "-c", self.cfg],
					     stdout=self.logf, stderr=self.logf)
		return wait_connect(self.sock)

	def logtext(self):
		with open(self.log, "rb") as f:
			return f.read().decode("ascii", "replace")

	def wait_log(self, pattern, since=0, timeout=WAIT):
		"""wait_log - the log (from offset since) matches pattern"""
		deadline = time.time() + timeout
		while time.time() < deadline:
			if re.search(pattern, self.logtext()[since:]):
				return True
			time.sleep(0.05)
		return False

	def fetches(self, domain):
		try:
			with open(os.path.join(self.dir, "http", "access.log")) as f:
				return sum(1 for l in f if l.startswith("mta-sts.%s " % domain))
		except OSError:
			return 0

	def audits(self, domain):
		out = []
		try:
			with open(self.audit) as f:
				for line in f:
					rec = json.loads(line)
					if rec.get("domain") == domain:
						out.append(rec)
		except OSError:
			pass
		return out

	def set(self, domain, *assigns):
		subprocess.run([sys.executable, self.worldctl, "set", self.dir, domain]
			       + list(assigns), check=True)

	def stop(self):
		if self.proc and self.proc.poll() is None:
			self.proc.kill()
			self.proc.wait()


def wait_connect(where, timeout=WAIT):
	deadline = time.time() + timeout
	while time.time() < deadline:
		try:
			Client(where, 1).close()
			return True
		except OSError:
			time.sleep(0.05)
	return False


ENF = "OK secure match=mx-good.enforce.test servername=hostname"


def answers(w):
	c = Client(w.sock)
	check("unix-enforce", c.ask("postfix enforce.test") == ENF, "unix")
	t = Client(w.tcp)
	r = t.ask("postfix enforce.test")
	check("tcp-enforce", r == ENF, r)
	off = len(w.logtext())
	r = t.ask("postfix enforce.test")
	check("cache-fast-path", r == ENF and w.wait_log(
		r"key=enforce\.test path=(cache|memo)", off), "not answered from the cache or the memo")
	t.close()

	n0 = len(w.audits("testing.test"))
	r = c.ask("postfix testing.test")
	check("testing-notfound", r == "NOTFOUND ", r)
	recs = w.audits("testing.test")[n0:]
	check("testing-audit-once", len(recs) == 1 and recs[0].get("mode") == "testing",
	      "%d audit records %s" % (len(recs), recs))
	r = c.ask("strict testing.test")
	check("strict-testing", r == "OK secure match=mx-good.testing.test "
	      "servername=hostname", r)
	r = c.ask("postfix mode-none.test")
	check("mode-none", r == "NOTFOUND ", r)
	r = c.ask("postfix no-txt.test")
	check("no-policy", r == "NOTFOUND ", r)
	r = c.ask("postfix servfail.test")
	check("temp-deliver", r == "NOTFOUND ", r)
	r = c.ask("defer servfail.test")
	check("temp-defer-map", r.startswith("TEMP ") and "SERVFAIL" in r, r)
	r = c.ask("attrs enforce.test")
	want = (ENF + " policy_type=sts policy_domain=enforce.test "
		"mx_host_pattern=mx-good.enforce.test "
		"mx_host_pattern=*.backup.enforce.test "
		"{ policy_string = version: STSv1 } { policy_string = mode: enforce } "
		"{ policy_string = mx: mx-good.enforce.test } "
		"{ policy_string = mx: *.backup.enforce.test } "
		"{ policy_string = max_age: 86400 }")
	check("sts-attributes", r == want, r)
	r = c.ask("postfix wild.test")
	check("expand-wildcards", r == "OK secure match=mx1.wild.test "
	      "servername=hostname", r)
	r = c.ask("nowild wild.test")
	check("expand-wildcards-off", r == "OK secure match=.wild.test "
	      "servername=hostname", r)
	r = c.ask("postfix wildnone.test")
	check("expand-no-match", r.startswith("TEMP no MX host of wildnone.test"), r)
	r = c.ask("sts enforce.test")
	check("sendmail-map", r == ENF, r)
	keys = [("[enforce.test]:25", ENF), ("ENFORCE.TEST.", ENF),
		("enforce.test:587", ENF), ("[192.0.2.1]", "NOTFOUND "),
		("192.0.2.1", "NOTFOUND "), (".enforce.test", "NOTFOUND "),
		("a..b", "PERM"), ("", "PERM")]
	got = c.ask(*["postfix " + k for k, _ in keys])
	bad = [(k, g) for (k, want), g in zip(keys, got) if not g.startswith(want)]
	check("key-forms", len(got) == len(keys) and not bad, bad or got)
	c.close()


def pipelining(w):
	mix = [("postfix enforce.test", ENF), ("postfix no-txt.test", "NOTFOUND "),
	       ("nowild wild.test", "OK secure match=.wild.test servername=hostname"),
	       ("postfix [10.0.0.1]", "NOTFOUND "), ("postfix x..y", "PERM"),
	       ("strict testing.test", "OK secure match=mx-good.testing.test")]
	reqs = [mix[i % len(mix)] for i in range(60)]
	c = Client(w.sock)
	got = c.ask(*[q for q, _ in reqs])
	bad = [i for i, ((q, want), g) in enumerate(zip(reqs, got)) if not g.startswith(want)]
	check("pipelining", len(got) == 60 and not bad,
	      "%d replies, wrong at %s" % (len(got), bad[:5]))
	c.close()

	conns = [Client(w.tcp if i % 2 else w.sock) for i in range(100)]
	for c in conns:
		c.send("postfix enforce.test")
	got = [c.replies(1) for c in conns]
	for c in conns:
		c.close()
	check("concurrent-connections", all(g == [ENF] for g in got),
	      "%d of 100 right" % sum(1 for g in got if g == [ENF]))


def slow(w):
	a = Client(w.sock)
	t0 = time.time()
	a.send("postfix slow.test")
	b = Client(w.tcp)
	r = b.ask("postfix enforce.test")
	fast = time.time() - t0
	early = a.replies(1, 0.05)
	ra = a.replies(1, WAIT)
	slow_t = time.time() - t0
	check("slow-isolation", r == ENF and fast < 1.0 and not early
	      and ra and slow_t >= 1.5,
	      "cached reply after %.2fs, slow reply %s after %.2fs" % (fast, ra, slow_t))
	# domains.slow.test.on_temp_failure: defer (the core's override).
	check("temp-defer-domain", ra and ra[0].startswith("TEMP policy fetch"), ra)
	a.close()
	b.close()

	c = Client(w.sock)
	t0 = time.time()
	c.send("postfix slow.test", "postfix enforce.test")
	first = c.replies(1, WAIT)
	t1 = time.time() - t0
	second = c.replies(1, 0.5)
	check("order-on-connection", first and first[0].startswith("TEMP ")
	      and second == [ENF] and t1 >= 1.5,
	      "replies %s then %s after %.2fs" % (first, second, t1))
	c.close()


def framing(w):
	c = Client(w.sock)
	c.raw(b"hello world\r\n")
	r = c.replies(1)
	check("malformed-netstring", r and r[0].startswith("PERM ") and c.closed(),
	      "%s, closed=%s" % (r, c.eof))
	c = Client(w.tcp)
	c.raw(b"10001:")
	r = c.replies(1)
	check("oversize-length", r and r[0].startswith("PERM ") and "10000" in r[0]
	      and c.closed(), "%s, closed=%s" % (r, c.eof))
	c = Client(w.sock)
	big = "postfix " + "a" * (10000 - 8)
	r = c.ask(big)
	r2 = c.ask("postfix enforce.test")
	check("long-key-keeps-connection", r.startswith("PERM ") and r2 == ENF,
	      "%s / %s" % (r, r2))
	c.close()

	c = Client(w.sock)
	t0 = time.time()
	closed = c.closed(IDLE + 3)
	dt = time.time() - t0
	check("idle-timeout", closed and IDLE - 0.5 <= dt <= IDLE + 2,
	      "closed=%s after %.1fs" % (closed, dt))
	# A client waiting for a slow reply is not idle.
	c = Client(w.sock)
	c.send("postfix slow.test")
	time.sleep(IDLE + 0.5)
	r = c.replies(1, WAIT)
	check("busy-not-idle", r and r[0].startswith("TEMP "), r)
	c.close()


def second_instance(w):
	p = subprocess.run([w.bin, "-f", "-c", w.cfg], capture_output=True, timeout=WAIT)
	c = Client(w.sock)
	r = c.ask("postfix enforce.test")
	c.close()
	check("second-instance-refused", p.returncode == 71 and r == ENF,
	      "exit %d (%s), first daemon says %s" % (p.returncode,
	      p.stderr.decode().strip(), r))


def reload(w):
	c = Client(w.sock)
	before = c.ask("other testing.test")
	w.config(default_map="{strict_testing: yes}")
	off = len(w.logtext())
	w.proc.send_signal(signal.SIGHUP)
	ok = w.wait_log(r"reload id=2 ", off)
	after = c.ask("other testing.test")
	check("reload-keeps-connections", before == "NOTFOUND " and ok and
	      after == "OK secure match=mx-good.testing.test servername=hostname",
	      "before %r, reloaded %s, after %r" % (before, ok, after))
	with open(w.cfg, "a") as f:
		f.write("tls: {ca_file: 7}\nfetch: {timeout: lots}\n")
	off = len(w.logtext())
	w.proc.send_signal(signal.SIGHUP)
	ok = w.wait_log(r"reload failed, keeping config id=2", off)
	r = c.ask("other testing.test")
	check("reload-bad-config", ok and w.proc.poll() is None and r.startswith("OK "),
	      "logged %s, alive %s, reply %r" % (ok, w.proc.poll() is None, r))
	c.close()
	w.config()
	w.proc.send_signal(signal.SIGHUP)
	w.wait_log(r"reload id=3 ", off)


def refresh(w):
	c = Client(w.sock)
	t0 = time.time()
	r = c.ask("postfix refresh.test")
	n0 = w.fetches("refresh.test")
	off = len(w.logtext())
	# max_age 4: renewed before it expires, at t0 + 4 at the latest.
	ok = w.wait_log(r"refresh domain=refresh\.test action=refetch result=ok", off, 6)
	time.sleep(max(0, t0 + 5 - time.time()))
	off2 = len(w.logtext())
	c.close()
	c = Client(w.sock)		# the first one went idle meanwhile
	r2 = c.ask("postfix refresh.test")
	cached = w.wait_log(r"key=refresh\.test path=cache", off2, 2)
	n1 = w.fetches("refresh.test")
	check("refresh-before-expiry", r.startswith("OK ") and ok and r2.startswith("OK ")
	      and cached and n1 > n0, "refetched %s, after expiry %r cached=%s, "
	      "fetches %d -> %d" % (ok, r2, cached, n0, n1))

	old = "OK secure match=mx-good.sigusr.test servername=hostname"
	new = "OK secure match=mx-new.sigusr.test servername=hostname"
	r = c.ask("nowild sigusr.test")
	w.set("sigusr.test", "txt=v=STSv1; id=sigusr2;",
	      "policy=version: STSv1\\nmode: enforce\\nmx: mx-new.sigusr.test\\n"
	      "max_age: 86400\\n")
	still = c.ask("nowild sigusr.test")
	w.proc.send_signal(signal.SIGUSR1)
	deadline = time.time() + WAIT
	r2 = None
	while time.time() < deadline:
		off = len(w.logtext())
		r2 = c.ask("nowild sigusr.test")
		if r2 == new:
			break
		time.sleep(0.1)
	cached = w.wait_log(r"key=sigusr\.test path=cache", off, 2)
	check("sigusr1-refresh", r == old and still == old and r2 == new and cached,
	      "before %r, still %r, after %r (cached %s)" % (r, still, r2, cached))
	c.close()


def privileges(w):
	priv = os.path.join(w.dir, "priv")
	nobody = pwd.getpwnam("nobody")
	os.makedirs(priv, exist_ok=True)
	os.chown(priv, nobody.pw_uid, nobody.pw_gid)
	run = os.path.join(priv, "run")
	cfg = os.path.join(priv, "mtastsd.yaml")
	text = re.sub(r"cache-world\.lmdb", "priv/cache.lmdb", w.base)
	text = re.sub(r"audit-world\.jsonl", "priv/audit.jsonl", text)
	with open(cfg, "w") as f:
		f.write(text + """
daemon:
  user: nobody
  listen: ["unix:%s/mtastsd.sock", "inet:127.0.0.1:8462"]
  pid_file: %s/mtastsd.pid
  socket_mode: 0666
""" % (run, run))
	# A damaged cache file: the daemon rebuilds it (as nobody) at start.
	with open(os.path.join(priv, "cache.lmdb"), "wb") as f:
		f.write(b"this is not an LMDB file\n" * 1000)
	os.chown(os.path.join(priv, "cache.lmdb"), nobody.pw_uid, nobody.pw_gid)
	# Daemon mode: returns once the child is ready.
	p = subprocess.run([w.bin, "-c", cfg], capture_output=True, timeout=WAIT)
	pid = None
	try:
		with open(os.path.join(run, "mtastsd.pid")) as f:
			pid = int(f.read())
		with open("/proc/%d/status" % pid) as f:
			status = f.read()
	except (OSError, ValueError):
		status = ""
	ids = re.findall(r"^(Uid|Gid|Groups):\s*(.*)$", status, re.M)
	u = str(nobody.pw_uid)
	g = str(nobody.pw_gid)
	want = [("Uid", "\t".join([u] * 4)), ("Gid", "\t".join([g] * 4)),
		("Groups", g)]
	ids = [(k, v.strip()) for k, v in ids]
	r = None
	if pid:
		try:
			r = Client(os.path.join(run, "mtastsd.sock")).ask("postfix enforce.test")
		except OSError as e:
			r = str(e)
		os.kill(pid, signal.SIGTERM)
		deadline = time.time() + WAIT
		while time.time() < deadline and os.path.exists("/proc/%d" % pid):
			time.sleep(0.05)
	gone = pid and not os.path.exists("/proc/%d" % pid)
	clean = not os.path.exists(os.path.join(run, "mtastsd.sock")) and \
		not os.path.exists(os.path.join(run, "mtastsd.pid"))
	check("privilege-drop", p.returncode == 0 and ids == want and r == ENF
	      and gone and clean, "exit %d %s, ids %s, reply %r, stopped %s, "
	      "cleaned %s" % (p.returncode, p.stderr.decode().strip(), ids, r,
			      gone, clean))
	aside = [f for f in os.listdir(priv) if f.startswith("cache.lmdb.damaged-")]
	check("damaged-cache-rebuilt", r == ENF and len(aside) == 1,
	      "reply %r, set aside %s" % (r, aside))

	with open(cfg, "a") as f:
		f.write("\n")
	text = open(cfg).read().replace("user: nobody", "user: no-such-user-mtasts")
	with open(cfg, "w") as f:
		f.write(text)
	p = subprocess.run([w.bin, "-f", "-c", cfg], capture_output=True, timeout=WAIT)
	check("unknown-user-refused", p.returncode == 78 and
	      b'daemon.user: no user "no-such-user-mtasts"' in p.stderr and
	      not os.path.exists(os.path.join(run, "mtastsd.sock")),
	      "exit %d: %s" % (p.returncode, p.stderr.decode().strip()))


def sigterm(w):
	# A lookup in flight (the slow policy host) must not hold the stop up.
	c = Client(w.sock)
	c.send("postfix slow.test")
	time.sleep(0.3)
	t0 = time.time()
	w.proc.send_signal(signal.SIGTERM)
	try:
		rc = w.proc.wait(WAIT)
	except subprocess.TimeoutExpired:
		rc = None
	dt = time.time() - t0
	left = [p for p in (w.sock, w.pidfile) if os.path.exists(p)]
	check("sigterm-cleanup", rc == 0 and not left and dt < 1.0 and c.closed(1),
	      "exit %s after %.1fs, left behind %s" % (rc, dt, left))


def main(argv):
	if argv[1:] == ["--cases"]:
		print(len(CASES))
		return 0
	if len(argv) > 3 and argv[1] == "--query":
		host, sep, port = argv[2].rpartition(":")
		where = (host, int(port)) if sep and port.isdigit() else argv[2]
		c = Client(where)
		c.send(*argv[3:])
		got = c.replies(len(argv) - 3)
		for r in got:
			print(r)
		return 0 if len(got) == len(argv) - 3 else 1
	w = World(argv[1], argv[2], argv[3])
	w.config()
	try:
		if check("start", w.start(), "no socket after %ds:\n%s" % (WAIT, w.logtext())):
			answers(w)
			c = Client(w.sock)
			c.ask("postfix slow.test", "postfix sigusr.test")
			c.close()
			pipelining(w)
			slow(w)
			framing(w)
			second_instance(w)
			reload(w)
			refresh(w)
			privileges(w)
			sigterm(w)
	except Exception as e:
		print("daemon-test.py: %s: %s" % (type(e).__name__, e))
	finally:
		w.stop()
	for name in CASES:
		if name not in results:
			check(name, False, "did not run")
	p = sum(1 for v in results.values() if v)
	f = len(results) - p
	print("%d passed, %d failed" % (p, f))
	return 1 if f else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
