#++
# NAME
#	worldgen.py - write the test world's files from scenario data
# SUMMARY
#	zone, nsd.conf, nginx.conf, policy bodies, hostile and SMTP server
#	settings, resolv.conf/hosts and mtasts configs, all under one DIR
# DESCRIPTION
#	The world is one network namespace with every server on its own
#	127.x address (see ADDRESSES). Each scenario owns one domain under
#	"test."; a domain's state is the dict scenario.py builds (TXT, MX,
#	extra RRs, DNS mode, policy host behaviour, certificate kind,
#	Content-Type, body).
#
#	init(dir, scenario files) makes the CAs and certificates, records
#	every domain's base state in dir/world.json and writes all files.
#	World.write_dns() and World.write_http() rewrite the files after a
#	state changed; worldctl.py tells the running servers.
#
#	Layout of DIR:
#	  world.json	domains, their current and base states, counters
#	  addresses	the addresses world.sh puts on lo in the namespace
#	  ca.pem	the CA mtasts trusts; ca/ holds everything else
#	  dns/		nsd.conf, test.zone, nsd.sock, nsd.log
#	  http/		nginx.conf, www/DOMAIN/policy.txt, access.log
#	  hostile/	hostile.json, hostile.log (lib/hostile.py)
#	  smtp/		smtpd.json (lib/smtpd.py); mail/RECEIVER/ mailboxes
#	  etc/		resolv.conf and hosts for clients in the world
#	  mtasts.yaml	a config for ad-hoc use of the world
#	  mtasts-NAME.yaml, cache-NAME.lmdb, audit-NAME.jsonl per scenario
# SECURITY
#	Everything is written below DIR; nothing outside it is touched.
#--

import json
import os
import re
import subprocess
import time

import certs
import scenario

ZONE = scenario.WORLD_ZONE
DNS_IP = "127.0.0.53"
NGINX_IP = "127.0.1.1"		# every well-behaved policy host, by SNI
HOSTILE_IP = "127.0.1.2"	# lib/hostile.py: broken HTTP over good TLS
HANG_IP = "127.0.1.3"		# lib/hostile.py: TCP accepted, no TLS ever
REFUSED_IP = "127.0.1.9"	# on lo, nothing listens: connection refused
CONTROL_PORT = 80		# nginx: /generation tells which config runs

# SMTP receivers: name, address, certificate kind (None: no STARTTLS).
RECEIVERS = (
	("good", "127.0.2.1", "smtp-good"),
	("wrongname", "127.0.2.2", "smtp-wrongname"),
	("expired", "127.0.2.3", "smtp-expired"),
	("untrusted", "127.0.2.4", "smtp-untrusted"),
	("nostarttls", "127.0.2.5", None),
)

ADDRESSES = (DNS_IP, NGINX_IP, HOSTILE_IP, HANG_IP, REFUSED_IP) + \
	tuple(r[1] for r in RECEIVERS)

# Behaviours nginx serves; the hostile server takes these instead.
HOSTILE_HTTP = ("chunked", "big-chunked", "trickle", "garbage")

# Seconds; the world's mtasts config uses FETCH_TIMEOUT and the slow
# host answers only after SLOW_SECONDS, well past it.
FETCH_TIMEOUT = 2
SLOW_SECONDS = FETCH_TIMEOUT + 4
REFRESH_INTERVAL = 3600

# An oversized body: a valid policy padded with extension fields to more
# than RFC 8461's 64 KiB, so that only the size can make it fail.
BIG_SIZE = 70000
PAD_LINE = "x-pad: " + "a" * 90 + "\n"

RECEIVER_HOST = "mx-%s.%s"
POLICY_HOST = "mta-sts.%s"


def expand(text, domain):
	"""expand - ${domain} in scenario text"""
	return text.replace("${domain}", domain)


def body_of(state, domain):
	"""body_of - the bytes the policy host serves for a state"""
	body = expand(state["policy"], domain)
	if state["http"] in ("big", "big-chunked"):
		while len(body) <= BIG_SIZE:
			body += PAD_LINE
	return body


def txt_rdata(value):
	"""txt_rdata - a txt: value as zone-file TXT data"""
	# Quoted values are zone-file text already (split strings).
	if value.startswith('"'):
		return value
	# A character-string holds at most 255 octets (RFC 1035 3.3); split
	# first, then escape, so that no escape is cut in two.
	parts = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
	return " ".join('"%s"' % p.replace("\\", "\\\\").replace('"', '\\"')
			for p in parts)


def policy_address(state):
	"""policy_address - where mta-sts.DOMAIN points, or None"""
	http = state["http"]
	if http == "no-host":
		return None
	if http == "refused":
		return REFUSED_IP
	if http == "hang":
		return HANG_IP
	if http in HOSTILE_HTTP:
		return HOSTILE_IP
	return NGINX_IP


def conf_string(text):
	"""conf_string - a double-quoted nginx string (no variables)"""
	if "$" in text or "\n" in text:
		raise ValueError("cannot put %r in nginx.conf" % text)
	return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


class World:
	def __init__(self, wdir, data):
		self.dir = os.path.abspath(wdir)
		self.data = data

	@classmethod
	def load(cls, wdir):
		"""load - the world as init() or the last change left it"""
		with open(os.path.join(wdir, "world.json")) as f:
			return cls(wdir, json.load(f))

	def save(self):
		"""save - world.json, replaced atomically"""
		path = os.path.join(self.dir, "world.json")
		with open(path + ".tmp", "w") as f:
			json.dump(self.data, f, indent=1, sort_keys=True)
		os.replace(path + ".tmp", path)

	def path(self, *parts):
		return os.path.join(self.dir, *parts)

	def domains(self):
		return sorted(self.data["states"])

	def state(self, domain):
		return self.data["states"][domain]

	# ------------------------------------------------------------ DNS
	def zone_text(self):
		"""zone_text - test.zone for the current states"""
		self.data["serial"] += 1
		out = ["; generated by test-harness/lib/worldgen.py",
		       "$TTL 60",
		       "$ORIGIN %s." % ZONE,
		       "@ SOA ns.%s. hostmaster.%s. %d 3600 600 86400 60" %
		       (ZONE, ZONE, self.data["serial"]),
		       "@ NS ns.%s." % ZONE,
		       "ns A %s" % DNS_IP]
		for d in self.domains():
			st = self.state(d)
			# A servfail domain is its own (empty) zone in nsd;
			# its records here would only be hidden by it. An
			# nxdomain domain has no name at all in the zone.
			if st["dns"] in ("servfail", "nxdomain"):
				continue
			out.append("")
			out.append("$ORIGIN %s." % d)
			for mx in st["mx"]:
				out.append("@ MX %s" % expand(mx, d))
			for name, addr, _ in RECEIVERS:
				out.append("mx-%s A %s" % (name, addr))
			addr = policy_address(st)
			if addr:
				out.append("mta-sts A %s" % addr)
			for txt in st["txt"]:
				out.append("_mta-sts TXT %s" % txt_rdata(
					   expand(txt, d)))
			for rr in st["rr"]:
				out.append(expand(rr, d))
		return "\n".join(out) + "\n"

	def write_dns(self):
		"""write_dns - test.zone (nsd.conf is written once)"""
		path = self.path("dns", "test.zone")
		with open(path + ".tmp", "w") as f:
			f.write(self.zone_text())
		# A typo in an rr: line would otherwise only show as nsd
		# never serving the new serial.
		p = subprocess.run(["nsd-checkzone", ZONE + ".", path + ".tmp"],
				   stdout=subprocess.PIPE,
				   stderr=subprocess.STDOUT)
		if p.returncode != 0:
			raise ValueError("bad zone: %s" %
					 p.stdout.decode(errors="replace").strip())
		os.replace(path + ".tmp", path)
		self.save()

	def servfail_domains(self):
		return [d for d in self.domains()
			if self.state(d)["dns"] == "servfail"]

	def write_nsd_conf(self):
		"""write_nsd_conf - nsd as root, no chroot, control on a socket"""
		dns = self.path("dns")
		conf = """\
# generated by test-harness/lib/worldgen.py
server:
	ip-address: %(ip)s
	port: 53
	username: ""
	chroot: ""
	database: ""
	zonesdir: "%(dns)s"
	zonelistfile: "%(dns)s/zone.list"
	xfrdfile: "%(dns)s/xfrd.state"
	pidfile: "%(dns)s/nsd.pid"
	logfile: "%(dns)s/nsd.log"
	server-count: 1
	verbosity: 1
	hide-version: yes
	minimal-responses: yes
	refuse-any: yes

remote-control:
	control-enable: yes
	control-interface: "%(dns)s/nsd.sock"

# A zone added with this pattern has no zone file: nsd answers SERVFAIL
# for every name in it. worldctl.py adds and deletes such zones.
pattern:
	name: "servfail"
	zonefile: "%(dns)s/absent/%%s.zone"

zone:
	name: "%(zone)s."
	zonefile: "test.zone"
""" % {"ip": DNS_IP, "dns": dns, "zone": ZONE}
		with open(self.path("dns", "nsd.conf"), "w") as f:
			f.write(conf)

	# ----------------------------------------------------------- HTTP
	def server_block(self, d):
		"""server_block - nginx server for mta-sts.d"""
		st = self.state(d)
		host = POLICY_HOST % d
		crt, key = certs.paths(self.dir, "policy-" + st["cert"])
		body = self.path("http", "www", d, "policy.txt")
		ctype = conf_string(st["content-type"])
		# "types {}" empties the extension map so that default_type
		# is exactly what the scenario asked for.
		serve = "types { } default_type %s; alias %s;" % (ctype, body)
		http = st["http"]
		if re.fullmatch(r"3\d\d", http):
			what = "return %s https://%s/.well-known/mta-sts-" \
			       "moved.txt;" % (http, host)
		elif re.fullmatch(r"\d{3}", http):
			what = "return %s;" % http
		elif http == "slow":
			what = "types { } default_type %s; echo_sleep %d; " \
			       "echo_location /.well-known/mta-sts-moved.txt;" \
			       % (ctype, SLOW_SECONDS)
		else:
			what = serve
		return """\
	server {
		listen %(ip)s:443 ssl;
		server_name %(host)s;
		ssl_certificate %(crt)s;
		ssl_certificate_key %(key)s;
		location = /.well-known/mta-sts.txt { %(what)s }
		location = /.well-known/mta-sts-moved.txt { %(serve)s }
		location / { return 404; }
	}
""" % {"ip": NGINX_IP, "host": host, "crt": crt, "key": key,
       "what": what, "serve": serve}

	def write_http(self):
		"""write_http - bodies, nginx.conf and hostile.json; bump generation"""
		self.data["generation"] += 1
		hostile = {}
		for d in self.domains():
			st = self.state(d)
			wdir = self.path("http", "www", d)
			os.makedirs(wdir, exist_ok=True)
			body = self.path("http", "www", d, "policy.txt")
			with open(body + ".tmp", "w") as f:
				f.write(body_of(st, d))
			os.replace(body + ".tmp", body)
			crt, key = certs.paths(self.dir, "policy-" + st["cert"])
			hostile[POLICY_HOST % d] = {
				"http": st["http"], "cert": crt, "key": key,
				"content_type": st["content-type"],
				"body": body}
		path = self.path("hostile", "hostile.json")
		with open(path + ".tmp", "w") as f:
			json.dump(hostile, f, indent=1, sort_keys=True)
		os.replace(path + ".tmp", path)

		h = self.path("http")
		dcrt, dkey = certs.paths(self.dir, "default")
		out = ["""\
# generated by test-harness/lib/worldgen.py
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
# Running as root: the run's directory is private to root (mktemp -d).
user root;
daemon off;
master_process on;
worker_processes 1;
pid %(h)s/nginx.pid;
error_log %(h)s/error.log warn;
events { worker_connections 512; }
http {
	server_tokens off;
	log_format harness '$ssl_server_name $host "$request" $status';
	access_log %(h)s/access.log harness;
	client_body_temp_path %(h)s/tmp/body;
	proxy_temp_path %(h)s/tmp/proxy;
	fastcgi_temp_path %(h)s/tmp/fastcgi;
	uwsgi_temp_path %(h)s/tmp/uwsgi;
	scgi_temp_path %(h)s/tmp/scgi;
	server_names_hash_bucket_size 128;
	server_names_hash_max_size 4096;

	# worldctl.py polls this after a reload to know the new config runs.
	server {
		listen %(ip)s:%(cport)d;
		access_log off;
		location = /generation { return 200 "%(gen)d\\n"; }
		location / { return 404; }
	}

	# No SNI, or a name nobody serves: a certificate for no real name.
	server {
		listen %(ip)s:443 ssl default_server;
		ssl_certificate %(dcrt)s;
		ssl_certificate_key %(dkey)s;
		location / { return 421; }
	}
""" % {"h": h, "ip": NGINX_IP, "cport": CONTROL_PORT,
       "gen": self.data["generation"], "dcrt": dcrt, "dkey": dkey}]
		for d in self.domains():
			out.append(self.server_block(d))
		out.append("}\n")
		os.makedirs(self.path("http", "tmp"), exist_ok=True)
		path = self.path("http", "nginx.conf")
		with open(path + ".tmp", "w") as f:
			f.write("".join(out))
		os.replace(path + ".tmp", path)
		self.save()

	# --------------------------------------------------------- mtasts
	def mtasts_config(self, name):
		"""mtasts_config - write mtasts-NAME.yaml; returns its path"""
		text = """\
# generated by test-harness/lib/worldgen.py
resolver:
  servers: ["%(dns)s"]
tls:
  ca_file: "%(dir)s/ca.pem"
cache:
  path: "%(dir)s/cache-%(name)s.lmdb"
  refresh_interval: %(refresh)d
fetch:
  timeout: %(timeout)d
log:
  json_file: "%(dir)s/audit-%(name)s.jsonl"
""" % {"dns": DNS_IP, "dir": self.dir, "name": name,
       "refresh": REFRESH_INTERVAL, "timeout": FETCH_TIMEOUT}
		path = self.path("mtasts-%s.yaml" % name)
		with open(path, "w") as f:
			f.write(text)
		return path

	# ----------------------------------------------------------- rest
	def write_static(self):
		"""write_static - files that no scenario step changes"""
		for sub in ("dns", "dns/absent", "http", "hostile", "smtp",
			    "etc", "logs", "pids", "mail"):
			os.makedirs(self.path(sub), exist_ok=True)
		# A DIR used before: nsd would re-add old zones from its
		# zone list, and old log lines would count as fetches.
		for old in (("dns", "zone.list"), ("dns", "xfrd.state"),
			    ("http", "access.log"), ("hostile", "hostile.log")):
			if os.path.exists(self.path(*old)):
				os.unlink(self.path(*old))
		self.write_nsd_conf()
		with open(self.path("etc", "resolv.conf"), "w") as f:
			f.write("# the test world's only resolver\n"
				"nameserver %s\noptions timeout:1 attempts:2\n"
				% DNS_IP)
		with open(self.path("etc", "hosts"), "w") as f:
			# MTAs under test want their own name to resolve.
			f.write("127.0.0.1 localhost %s\n::1 localhost\n" %
				os.uname().nodename)
		receivers = []
		for name, addr, kind in RECEIVERS:
			crt, key = certs.paths(self.dir, kind) if kind \
				else (None, None)
			os.makedirs(self.path("mail", name), exist_ok=True)
			receivers.append({"name": name, "address": addr,
					  "cert": crt, "key": key,
					  "mailbox": self.path("mail", name)})
		with open(self.path("smtp", "smtpd.json"), "w") as f:
			json.dump(receivers, f, indent=1)
		with open(self.path("addresses"), "w") as f:
			f.write("\n".join(ADDRESSES) + "\n")
		self.mtasts_config("world")
		os.replace(self.path("mtasts-world.yaml"),
			   self.path("mtasts.yaml"))


def init(wdir, paths, t0=None):
	"""init - a complete world for the scenario files in paths"""
	scns = scenario.load_all(paths)
	t0 = int(time.time()) if t0 is None else t0
	states = {s.domain: s.base_state() for s in scns}
	data = {"t0": t0, "serial": 0, "generation": 0,
		"scenarios": [os.path.abspath(p) for p in paths],
		"base": states, "states": json.loads(json.dumps(states)),
		"servfail_zones": []}
	os.makedirs(wdir, exist_ok=True)
	world = World(wdir, data)
	doms = world.domains()
	policy_names = [POLICY_HOST % d for d in doms]
	smtp_names = {r[0]: [RECEIVER_HOST % (r[0], d) for d in doms]
		      for r in RECEIVERS}
	certs.make_all(world.dir, t0, policy_names, smtp_names)
	world.write_static()
	world.write_dns()
	world.write_http()
	return world
