#!/usr/bin/python3
#++
# NAME
#	runner.py - run the harness scenarios against `mtasts lookup`
# SYNOPSIS
#	runner.py --bin MTASTS DIR [NAME...]	(inside the world's namespace)
# DESCRIPTION
#	For each scenario of the world in DIR (or only those whose name or
#	file name is given): start from a fresh cache and audit log and the
#	domain's base state; for each step, change the world as the step
#	says, run
#
#		MTASTS_NOW=T0+time MTASTS -c DIR/mtasts-NAME.yaml lookup DOMAIN
#
#	and compare the exit code, the listed JSON fields, the number of
#	requests that reached the policy host (fetches:) and the new audit
#	lines (audit:). A scenario stops at its first failing step. At the
#	end every changed domain is put back to its base state.
#
#	Prints "PASS scenario/NAME" or "FAIL scenario/NAME: what differed"
#	per scenario and closes with "N passed, N failed". Exit status 0
#	when nothing failed, else 1. HARNESS_VERBOSE=1 also shows each
#	command with its output.
#--

import argparse
import glob
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scenario		# noqa: E402
import worldctl		# noqa: E402
import worldgen		# noqa: E402

LOOKUP_SECONDS = 30	# one lookup; the slowest scenario needs ~2 s
LOG_SETTLE = 0.5	# how long a request's log line may lag its reply
SHOW_MAX = 160		# characters of peer output quoted in a FAIL line
MISSING = object()

VERBOSE = os.environ.get("HARNESS_VERBOSE") == "1"


def show(value, limit=SHOW_MAX):
	"""show - a value for a FAIL line, short and on one line"""
	if value is MISSING:
		return "(missing)"
	text = json.dumps(value) if not isinstance(value, bytes) else \
		value.decode(errors="replace")
	text = text.strip().replace("\n", "\\n")
	return text if len(text) <= limit else text[:limit] + "..."


def expected_value(text, actual):
	"""expected_value - the scenario's text as the JSON value it means"""
	# A bare word stands for a string: "outcome = policy". JSON syntax
	# is needed only for lists, numbers, null, or a quoted string.
	try:
		value = json.loads(text)
	except ValueError:
		return text
	if isinstance(actual, str) and not isinstance(value, str) and \
	   value is not None:
		return text
	return value


def compare(obj, key, op, text):
	"""compare - None when the field matches, else what differed"""
	actual = obj.get(key, MISSING)
	if op == "~":
		hay = actual if isinstance(actual, str) else \
			json.dumps(None if actual is MISSING else actual)
		if text.lower() in hay.lower():
			return None
		return "%s: want it to contain %s, got %s" % (
			key, show(text), show(actual))
	want = expected_value(text, actual)
	if actual is not MISSING and actual == want and \
	   type(actual) is type(want):
		return None
	return "%s: want %s, got %s" % (key, show(want), show(actual))


def audit_diffs(lines, wants):
	"""audit_diffs - each (key, op, value) must hold in one new record"""
	records = []
	for line in lines:
		try:
			rec = json.loads(line)
		except ValueError:
			continue
		if isinstance(rec, dict):
			records.append(rec)
	diffs = []
	for key, op, text, _ in wants:
		if not any(compare(r, key, op, text) is None for r in records):
			diffs.append("audit: no new record with %s %s %s (%d "
				     "new records)" % (key, op, text,
				     len(records)))
	return diffs


class LogTail:
	"""LogTail - lines appended to some files since it was made"""

	def __init__(self, paths):
		self.start = {}
		for p in paths:
			try:
				self.start[p] = os.path.getsize(p)
			except OSError:
				self.start[p] = 0

	def lines(self):
		out = []
		for p, off in self.start.items():
			try:
				with open(p, "rb") as f:
					f.seek(off)
					data = f.read()
			except OSError:
				continue
			# Only whole lines: one may be half written.
			data = data[:data.rfind(b"\n") + 1]
			out += data.decode(errors="replace").splitlines()
		return out


def count_fetches(lines, host):
	"""count_fetches - requests for host in "harness" format log lines"""
	n = 0
	for line in lines:
		f = line.split(" ", 2)
		if len(f) >= 2 and host in (f[0].lower(), f[1].lower()):
			n += 1
	return n


def settled_fetches(tail, host, want):
	"""settled_fetches - the count once late log lines had their chance"""
	deadline = time.monotonic() + LOG_SETTLE
	n = count_fetches(tail.lines(), host)
	while n < want and time.monotonic() < deadline:
		time.sleep(0.02)
		n = count_fetches(tail.lines(), host)
	if n == want:
		# A fetch that should not have happened may log a moment late.
		time.sleep(0.05)
		n = count_fetches(tail.lines(), host)
	return n


class Runner:
	def __init__(self, world, binary):
		self.world = world
		self.bin = binary
		self.logs = [world.path("http", "access.log"),
			     world.path("hostile", "hostile.log")]

	def reset(self, scn):
		"""reset - fresh cache, audit log and config; base world"""
		for p in glob.glob(self.world.path("cache-%s.lmdb*" % scn.name)):
			if os.path.isdir(p):
				for q in os.listdir(p):
					os.unlink(os.path.join(p, q))
				os.rmdir(p)
			else:
				os.unlink(p)
		audit = self.world.path("audit-%s.jsonl" % scn.name)
		if os.path.exists(audit):
			os.unlink(audit)
		base = self.world.data["base"][scn.domain]
		if self.world.state(scn.domain) != base:
			worldctl.apply(self.world, scn.domain, base)
		return self.world.mtasts_config(scn.name)

	def step(self, scn, conf, step, state, now):
		"""step - run one step; returns a list of differences"""
		if self.world.state(scn.domain) != state:
			worldctl.apply(self.world, scn.domain, state)
		target = step.lookup or scn.domain
		audit = self.world.path("audit-%s.jsonl" % scn.name)
		tail = LogTail(self.logs)
		atail = LogTail([audit])
		env = dict(os.environ, MTASTS_NOW=str(now))
		cmd = [self.bin, "-c", conf, "lookup", target]
		try:
			p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
					   stdout=subprocess.PIPE,
					   stderr=subprocess.PIPE,
					   timeout=LOOKUP_SECONDS)
		except subprocess.TimeoutExpired:
			return ["no answer within %d s" % LOOKUP_SECONDS]
		except OSError as e:
			return ["cannot run %s: %s" % (self.bin, e)]
		if VERBOSE:
			print("#   MTASTS_NOW=%d %s -> %d\n#   stdout: %s\n"
			      "#   stderr: %s" % (now, " ".join(cmd),
			      p.returncode, show(p.stdout, 4096),
			      show(p.stderr, 4096)))
		diffs = []
		if p.returncode != step.exit:
			diffs.append("exit: want %d, got %d" % (step.exit,
				     p.returncode))
		try:
			obj = json.loads(p.stdout.decode())
			if not isinstance(obj, dict):
				raise ValueError("not an object")
		except ValueError:
			diffs.append("stdout is not one JSON object: %s" %
				     show(p.stdout))
			obj = None
		if obj is not None:
			for key, op, text, _ in step.expects:
				d = compare(obj, key, op, text)
				if d:
					diffs.append(d)
			if diffs and "reason" not in [e[0] for e in
						      step.expects]:
				diffs.append("(reason: %s)" %
					     show(obj.get("reason", MISSING)))
		if step.fetches is not None:
			host = worldgen.POLICY_HOST % scn.domain
			n = settled_fetches(tail, host, step.fetches)
			if n != step.fetches:
				diffs.append("fetches: want %d, got %d" %
					     (step.fetches, n))
		if step.audit:
			diffs += audit_diffs(atail.lines(), step.audit)
		if diffs and p.returncode != step.exit and p.stderr:
			diffs.append("(stderr: %s)" % show(p.stderr.strip()))
		return diffs

	def run(self, scn):
		"""run - one scenario; None when it passes, else why not"""
		conf = self.reset(scn)
		t0 = self.world.data["t0"]
		offset = 0
		why = None
		try:
			for i, (step, state) in enumerate(
					zip(scn.steps, scn.step_states())):
				if step.time is not None:
					offset = step.time
				diffs = self.step(scn, conf, step, state,
						  t0 + offset)
				if diffs:
					why = "step %d (%s): %s" % (i + 1,
					      step.title, "; ".join(diffs))
					break
		finally:
			base = self.world.data["base"][scn.domain]
			if self.world.state(scn.domain) != base:
				worldctl.apply(self.world, scn.domain, base)
		return why


def main(argv):
	ap = argparse.ArgumentParser(prog="runner.py")
	ap.add_argument("--bin", required=True)
	ap.add_argument("dir")
	ap.add_argument("names", nargs="*")
	args = ap.parse_args(argv[1:])
	world = worldgen.World.load(args.dir)
	runner = Runner(world, os.path.abspath(args.bin))
	passed = failed = 0
	for path in world.data["scenarios"]:
		try:
			scn = scenario.load(path)
		except scenario.ScenarioError as e:
			print("FAIL scenario/%s: %s" % (os.path.basename(path), e))
			failed += 1
			continue
		if args.names and scn.name not in args.names and \
		   os.path.basename(path) not in args.names:
			continue
		try:
			why = runner.run(scn)
		except (worldctl.WorldError, OSError, ValueError) as e:
			why = "world: %s" % e
		if why:
			# One line per scenario, whatever the peer printed.
			why = " | ".join(why.splitlines())
			print("FAIL scenario/%s: %s" % (scn.name, why))
			failed += 1
		else:
			print("PASS scenario/%s" % scn.name)
			passed += 1
		sys.stdout.flush()
	print("%d passed, %d failed" % (passed, failed))
	return 0 if failed == 0 else 1


if __name__ == "__main__":
	sys.exit(main(sys.argv))
