#++
# NAME
#	scenario.py - read harness scenario files (*.scn)
# SUMMARY
#	turn one .scn file into a domain set-up and a list of steps
# DESCRIPTION
#	The format is described in test-harness/README.md. In short:
#
#	# comment			ignored; the first comment block is the
#					scenario's description
#	key: value			one field (blanks after ':' skipped,
#					trailing blanks dropped)
#	key<<TAG			a block: the lines up to one that is
#	...				exactly TAG, each keeping its "\n"
#	TAG
#
#	Fields before the first "step:" set up the scenario's domain (its
#	DNS records and its policy host). Each "step:" runs `mtasts lookup`
#	once; world fields inside a step change the domain from that step
#	on, the other fields say what the step expects.
#
#	load() returns a Scenario or raises ScenarioError with FILE:LINE.
#	A world state is a plain dict (see DEFAULTS), so that it can be
#	stored in the world's JSON file and compared.
#--

import json
import os
import re

# World fields: how each one is stored in a state. Repeatable fields are
# lists; a step that names one replaces the whole earlier list.
REPEATABLE = ("txt", "mx", "rr")
SINGLE = ("dns", "http", "cert", "content-type", "policy")
WORLD_FIELDS = REPEATABLE + SINGLE
STEP_FIELDS = ("time", "lookup", "exit", "expect", "fetches", "audit")

DNS_MODES = ("ok", "servfail", "nxdomain")
CERT_KINDS = ("good", "wrongname", "expired", "untrusted")
# Behaviours of the policy host: who serves them is decided in worldgen.
HTTP_NAMED = ("ok", "slow", "big", "big-chunked", "chunked", "trickle",
	      "garbage", "hang", "refused", "no-host")

DEFAULT_POLICY = ("version: STSv1\n"
		  "mode: enforce\n"
		  "mx: mx-good.${domain}\n"
		  "max_age: 86400\n")

DEFAULTS = {
	"txt": [],
	"mx": ["10 mx-good"],
	"rr": [],
	"dns": "ok",
	"http": "ok",
	"cert": "good",
	"content-type": "text/plain",
	"policy": DEFAULT_POLICY,
}

# JSON keys of the `mtasts lookup` contract; an expect: on anything else
# is a typo in the scenario, not a check that silently never fails.
LOOKUP_KEYS = ("domain", "outcome", "mode", "id", "mx", "max_age", "source",
	       "result_type", "reason")

# Domains must sit in the zone the world's nsd serves.
WORLD_ZONE = "test"

UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class ScenarioError(Exception):
	pass


class Step:
	def __init__(self, title, line):
		self.title = title
		self.line = line
		self.changes = {}	# world field -> value (as in a state)
		self.time = None	# seconds after T0; None: as before
		self.lookup = None	# None: the scenario's domain
		self.exit = None
		self.expects = []	# (key, op, value text, line)
		self.fetches = None
		self.audit = []		# (key, op, value text, line)


class Scenario:
	def __init__(self, path):
		self.path = path
		base = os.path.basename(path)
		if base.endswith(".scn"):
			base = base[:-4]
		self.name = base
		self.description = ""
		self.domain = None
		self.setup = {}
		self.steps = []

	def base_state(self):
		"""base_state - the domain's world before any step"""
		state = json.loads(json.dumps(DEFAULTS))
		state.update(json.loads(json.dumps(self.setup)))
		return state

	def step_states(self):
		"""step_states - the world each step runs in, in order"""
		state = self.base_state()
		out = []
		for step in self.steps:
			state = dict(state)
			state.update(json.loads(json.dumps(step.changes)))
			out.append(state)
		return out


def parse_time(text, where):
	"""parse_time - "+90", "+2h", "+2h30m", "0" -> seconds after T0"""
	if not re.fullmatch(r"\+?(\d{1,9}|(\d{1,9}[smhd])+)", text):
		raise ScenarioError("%s: bad time %r (want +N or +N[smhd]...)"
				    % (where, text))
	return sum(int(n) * UNITS[u]
		   for n, u in re.findall(r"(\d+)([smhd]?)", text))


def check_world_value(key, value, where):
	"""check_world_value - reject values the world cannot build"""
	if key == "dns" and value not in DNS_MODES:
		raise ScenarioError("%s: dns: want one of %s" %
				    (where, ", ".join(DNS_MODES)))
	if key == "cert" and value not in CERT_KINDS:
		raise ScenarioError("%s: cert: want one of %s" %
				    (where, ", ".join(CERT_KINDS)))
	if key == "http" and value not in HTTP_NAMED and \
	   not re.fullmatch(r"[1-5]\d\d", value):
		raise ScenarioError("%s: http: want a status code or one of %s"
				    % (where, ", ".join(HTTP_NAMED)))
	if key == "content-type" and re.search(r'["$\n]', value):
		raise ScenarioError("%s: content-type: no quotes, $ or "
				    "newlines (it goes into nginx.conf)" % where)
	if key == "mx" and value != "-" and \
	   not re.fullmatch(r"\d{1,5}\s+\S+", value):
		raise ScenarioError("%s: mx: want PREF HOST" % where)


def parse_expect(text, where, field="expect", keys=LOOKUP_KEYS):
	"""parse_expect - "key = value" or "key ~ text" -> (key, op, value)"""
	m = re.fullmatch(r"([a-z_]+)\s*(=|~)\s*(.*)", text)
	if not m:
		raise ScenarioError("%s: %s: want KEY = VALUE or KEY ~ TEXT"
				    % (where, field))
	key, op, value = m.groups()
	if keys is not None and key not in keys:
		raise ScenarioError("%s: %s: unknown key %r (known: %s)"
				    % (where, field, key, ", ".join(keys)))
	return key, op, value


def read_fields(path):
	"""read_fields - the file as (line, key, value) plus its description"""
	with open(path, encoding="utf-8") as f:
		lines = f.read().split("\n")
	if lines and lines[-1] == "":
		lines.pop()
	fields = []
	desc = []
	in_desc = True
	i = 0
	while i < len(lines):
		raw = lines[i]
		lineno = i + 1
		i += 1
		if raw.startswith("#"):
			if in_desc:
				desc.append(raw[1:].strip())
			continue
		# The description is the comment block the file opens with.
		in_desc = False
		if raw.strip() == "":
			continue
		m = re.fullmatch(r"([a-z-]+)<<(\S+)", raw)
		if m:
			key, tag = m.groups()
			block = []
			while i < len(lines) and lines[i] != tag:
				block.append(lines[i] + "\n")
				i += 1
			if i >= len(lines):
				raise ScenarioError("%s:%d: block %s<<%s has no "
						    "closing %s" % (path, lineno,
						    key, tag, tag))
			i += 1
			if key != "policy":
				raise ScenarioError("%s:%d: only policy takes a "
						    "block" % (path, lineno))
			fields.append((lineno, key, "".join(block)))
			continue
		m = re.fullmatch(r"([a-z-]+):[ \t]*(.*?)[ \t]*", raw)
		if not m:
			raise ScenarioError("%s:%d: want 'key: value' or "
					    "'key<<TAG'" % (path, lineno))
		if m.group(1) == "policy":
			raise ScenarioError("%s:%d: policy wants a block: "
					    "policy<<TAG" % (path, lineno))
		fields.append((lineno, m.group(1), m.group(2)))
	return fields, " ".join(d for d in desc if d)


def load(path):
	"""load - parse one scenario file"""
	scn = Scenario(path)
	fields, scn.description = read_fields(path)
	step = None
	seen_in_step = set()
	for lineno, key, value in fields:
		where = "%s:%d" % (path, lineno)
		if key == "step":
			step = Step(value, lineno)
			scn.steps.append(step)
			seen_in_step = set()
			continue
		if key == "domain":
			if step is not None or scn.domain is not None:
				raise ScenarioError("%s: domain: only once, "
						    "before the steps" % where)
			scn.domain = value.lower().rstrip(".")
			continue
		if key in WORLD_FIELDS:
			check_world_value(key, value, where)
			target = scn.setup if step is None else step.changes
			given = key in target if step is None else \
				key in seen_in_step
			if step is not None:
				seen_in_step.add(key)
			if key in REPEATABLE:
				# The first line of a list replaces the list
				# inherited from the defaults or earlier steps.
				if not given:
					target[key] = []
				if value != "-":
					target[key].append(value)
			else:
				if given:
					raise ScenarioError("%s: %s: given twice"
							    % (where, key))
				target[key] = value
			continue
		if key not in STEP_FIELDS:
			raise ScenarioError("%s: unknown field %r" % (where, key))
		if step is None:
			raise ScenarioError("%s: %s: only inside a step" %
					    (where, key))
		if key not in ("expect", "audit"):
			if key in seen_in_step:
				raise ScenarioError("%s: %s: given twice" %
						    (where, key))
			seen_in_step.add(key)
		if key == "time":
			step.time = parse_time(value, where)
		elif key == "lookup":
			step.lookup = value
		elif key == "exit":
			if not re.fullmatch(r"\d{1,3}", value):
				raise ScenarioError("%s: exit: want a number"
						    % where)
			step.exit = int(value)
		elif key == "fetches":
			if not re.fullmatch(r"\d{1,3}", value):
				raise ScenarioError("%s: fetches: want a number"
						    % where)
			step.fetches = int(value)
		elif key == "audit":
			# Audit records are the library's (audit.h): any key.
			step.audit.append(parse_expect(value, where, "audit",
						       None) + (lineno,))
		else:
			step.expects.append(parse_expect(value, where) +
					    (lineno,))
	if scn.domain is None:
		scn.domain = re.sub(r"^\d+-", "", scn.name) + "." + WORLD_ZONE
	if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?\." + WORLD_ZONE,
			    scn.domain):
		raise ScenarioError("%s: domain %r must be a name under %s." %
				    (path, scn.domain, WORLD_ZONE))
	if not scn.steps:
		raise ScenarioError("%s: no step" % path)
	for s in scn.steps:
		if s.exit is None:
			raise ScenarioError("%s:%d: step has no exit:" %
					    (path, s.line))
	return scn


def load_all(paths):
	"""load_all - parse every file; two scenarios may not share a domain"""
	out = []
	owner = {}
	for p in paths:
		scn = load(p)
		if scn.domain in owner:
			raise ScenarioError("%s: domain %s already used by %s" %
					    (p, scn.domain, owner[scn.domain]))
		owner[scn.domain] = p
		out.append(scn)
	return out
