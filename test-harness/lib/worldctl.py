#!/usr/bin/python3
#++
# NAME
#	worldctl.py - tell the running world's servers about new files
# SUMMARY
#	wait for readiness, reload nsd and nginx, change a domain's state
# SYNOPSIS
#	worldctl.py init DIR SCENARIO.scn...	(worldgen.init, no servers)
#	worldctl.py wait DIR			(inside the namespace)
#	worldctl.py sync DIR			(inside the namespace)
#	worldctl.py set DIR DOMAIN KEY=VALUE...	(inside the namespace)
#	worldctl.py reset DIR			(inside the namespace)
# DESCRIPTION
#	Every wait is bounded (READY_SECONDS) and polls; nothing sleeps
#	longer than POLL_SECONDS at a time.
#
#	wait: every listener answers: nsd serves the current SOA serial,
#	nginx serves the current /generation, the hostile server and each
#	SMTP receiver accept a connection (receivers must also greet).
#
#	sync: make the servers match the files: add or delete the SERVFAIL
#	zones, `nsd-control reload`, SIGHUP nginx (its PID from DIR/pids),
#	then wait as above. The hostile server re-reads its file on each
#	connection.
#
#	set: change world fields of one domain (as a scenario step would),
#	for demos and later tests; repeatable fields take one value each
#	time and KEY=- empties them. reset: every domain back to its base.
#
#	apply(world, domain, state) is what the runner uses between steps:
#	it rewrites only what the change touches and syncs.
#--

import http.client
import os
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scenario		# noqa: E402
import worldgen		# noqa: E402

READY_SECONDS = 15
POLL_SECONDS = 0.05

# Fields whose change needs a new zone, or new nginx/hostile files.
DNS_KEYS = ("txt", "mx", "rr", "dns", "http")
HTTP_KEYS = ("http", "cert", "content-type", "policy")


class WorldError(Exception):
	pass


def poll(what, check, seconds=READY_SECONDS):
	"""poll - call check() until it returns true or time runs out"""
	deadline = time.monotonic() + seconds
	last = None
	while True:
		try:
			if check():
				return
		except (OSError, ValueError, http.client.HTTPException) as e:
			last = e
		if time.monotonic() > deadline:
			raise WorldError("%s: not ready after %d s%s" % (what,
					 seconds, " (%s)" % last if last else ""))
		time.sleep(POLL_SECONDS)


def soa_serial():
	"""soa_serial - the serial nsd serves for the world zone, or None"""
	p = subprocess.run(["dig", "+short", "+time=1", "+tries=1",
			    "@" + worldgen.DNS_IP, "SOA", worldgen.ZONE + "."],
			   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
			   timeout=5)
	f = p.stdout.decode().split()
	return int(f[2]) if len(f) >= 3 and f[2].isdigit() else None


def nginx_generation():
	"""nginx_generation - which nginx.conf the workers run"""
	c = http.client.HTTPConnection(worldgen.NGINX_IP,
				       worldgen.CONTROL_PORT, timeout=1)
	try:
		c.request("GET", "/generation")
		r = c.getresponse()
		return int(r.read().decode().strip())
	finally:
		c.close()


def tcp_open(addr, port, greeting=False):
	"""tcp_open - a connection is accepted (and greets, for SMTP)"""
	with socket.create_connection((addr, port), timeout=1) as s:
		if greeting:
			return s.recv(512).startswith(b"220")
		return True


def nsd_control(world, *args):
	"""nsd_control - one control command over nsd's unix socket"""
	p = subprocess.run(["nsd-control", "-c",
			    world.path("dns", "nsd.conf")] + list(args),
			   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			   timeout=10)
	out = p.stdout.decode(errors="replace").strip()
	if p.returncode != 0 or not out.startswith("ok"):
		raise WorldError("nsd-control %s: %s" % (" ".join(args), out))


def wait_dns(world):
	serial = world.data["serial"]
	poll("nsd (serial %d)" % serial, lambda: soa_serial() == serial)


def wait_http(world):
	gen = world.data["generation"]
	poll("nginx (generation %d)" % gen,
	     lambda: nginx_generation() == gen)


def wait_all(world):
	"""wait_all - every server of the world answers"""
	wait_dns(world)
	wait_http(world)
	poll("hostile https", lambda: tcp_open(worldgen.HOSTILE_IP, 443))
	poll("hostile hang", lambda: tcp_open(worldgen.HANG_IP, 443))
	for name, addr, _ in worldgen.RECEIVERS:
		poll("smtp " + name, lambda a=addr: tcp_open(a, 25, True))


def sync_dns(world):
	"""sync_dns - SERVFAIL zones and zone data as the states say"""
	want = set(world.servfail_domains())
	have = set(world.data["servfail_zones"])
	for d in sorted(have - want):
		nsd_control(world, "delzone", d)
	for d in sorted(want - have):
		nsd_control(world, "addzone", d, "servfail")
	world.data["servfail_zones"] = sorted(want)
	world.save()
	nsd_control(world, "reload", worldgen.ZONE + ".")
	wait_dns(world)


def sync_http(world):
	"""sync_http - nginx re-reads its config; wait until it serves it"""
	with open(world.path("pids", "nginx")) as f:
		pid = int(f.read().strip())
	os.kill(pid, signal.SIGHUP)
	wait_http(world)


def apply(world, domain, state):
	"""apply - give domain this state and tell the servers"""
	old = world.state(domain)
	dns = any(old.get(k) != state.get(k) for k in DNS_KEYS)
	web = any(old.get(k) != state.get(k) for k in HTTP_KEYS)
	world.data["states"][domain] = state
	if web:
		world.write_http()
		sync_http(world)
	if dns:
		world.write_dns()
		sync_dns(world)


def cmd_set(world, domain, assigns):
	"""cmd_set - KEY=VALUE changes as a scenario step would make them"""
	if domain not in world.data["states"]:
		raise WorldError("no domain %s in this world" % domain)
	state = dict(world.state(domain))
	cleared = set()
	for a in assigns:
		key, sep, value = a.partition("=")
		if not sep or key not in scenario.WORLD_FIELDS:
			raise WorldError("want KEY=VALUE with KEY one of %s" %
					 ", ".join(scenario.WORLD_FIELDS))
		scenario.check_world_value(key, value, "set")
		if key in scenario.REPEATABLE:
			if key not in cleared:
				state[key] = []
				cleared.add(key)
			if value != "-":
				state[key] = state[key] + [value]
		else:
			state[key] = value.replace("\\n", "\n")
	apply(world, domain, state)


def main(argv):
	if len(argv) < 3:
		sys.stderr.write("usage: worldctl.py init|wait|sync|set|reset "
				 "DIR ...\n")
		return 2
	cmd, wdir = argv[1], argv[2]
	try:
		if cmd == "init":
			worldgen.init(wdir, argv[3:])
			return 0
		world = worldgen.World.load(wdir)
		if cmd == "wait":
			wait_all(world)
		elif cmd == "sync":
			sync_dns(world)
			sync_http(world)
			wait_all(world)
		elif cmd == "set" and len(argv) >= 5:
			cmd_set(world, argv[3], argv[4:])
		elif cmd == "reset":
			for d in world.domains():
				apply(world, d, world.data["base"][d])
		else:
			sys.stderr.write("worldctl.py: bad command\n")
			return 2
	except (WorldError, scenario.ScenarioError, RuntimeError,
		OSError, ValueError) as e:
		sys.stderr.write("worldctl.py %s: %s\n" % (cmd, e))
		return 1
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
