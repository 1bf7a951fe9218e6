#!/usr/bin/python3
"""expect.py - compare TLS session counts with what tests/outcomes.sh expects.

usage: expect.py stats FILE EXPECT...
       expect.py reports DIR EXPECT...

EXPECT is DOMAIN=OK/FAILED[/TYPE:N,TYPE:N...]: the successful and failed
sessions of DOMAIN and its failures by RFC 8460 result type (none listed:
no failures).

stats	FILE is the output of "mtasts stats --json"; every domain in it
	must be expected and every expected domain must be in it.
reports	DIR holds the reports "mtasts report --dry-run --out DIR" wrote
	(*.json.gz, RFC 8460 4.4), one or more days: the counts are added
	up per policy domain. Each report must also have policy-type "sts"
	with a policy-string naming its mode and "mx: *.DOMAIN", and every
	failure row must name an MX host of DOMAIN and an IP address.

Prints one line per difference; exit status 1 when there is one.
"""
import glob
import gzip
import json
import sys


def parse_expect(args):
    want = {}
    for a in args:
        dom, counts = a.split("=", 1)
        parts = counts.split("/")
        types = {}
        if len(parts) > 2 and parts[2]:
            for t in parts[2].split(","):
                name, n = t.split(":")
                types[name] = int(n)
        want[dom] = (int(parts[0]), int(parts[1]), types)
    return want


def compare(got, want):
    bad = []
    for dom in sorted(set(got) | set(want)):
        if dom not in want:
            bad.append("%s: not expected, counted %r" % (dom, got[dom]))
        elif dom not in got:
            bad.append("%s: expected %r, not counted" % (dom, want[dom]))
        elif got[dom] != want[dom]:
            bad.append("%s: expected %r, counted %r" % (dom, want[dom], got[dom]))
    return bad


def stats(path, want):
    with open(path) as f:
        data = json.load(f)
    got = {}
    for d in data["domains"]:
        got[d["domain"]] = (d["successful"], d["failed"], dict(d["result_types"]))
    return compare(got, want)


def reports(directory, want):
    got, bad = {}, []
    files = sorted(glob.glob(directory + "/*.json.gz"))
    if not files:
        return ["no report in %s" % directory]
    for name in files:
        with gzip.open(name) as f:
            rep = json.load(f)
        for p in rep["policies"]:
            pol = p["policy"]
            dom = pol["policy-domain"]
            text = pol.get("policy-string", [])
            if pol["policy-type"] != "sts" or ("mx: *." + dom) not in text \
                    or not any(t.startswith("mode: ") for t in text):
                bad.append("%s: policy %r" % (name, pol))
            ok, failed, types = got.get(dom, (0, 0, {}))
            ok += p["summary"]["total-successful-session-count"]
            failed += p["summary"]["total-failure-session-count"]
            for row in p.get("failure-details", []):
                mx = row.get("receiving-mx-hostname", "")
                if not mx.endswith("." + dom) or not row.get("receiving-ip"):
                    bad.append("%s: failure row %r" % (name, row))
                t = row["result-type"]
                types[t] = types.get(t, 0) + row["failed-session-count"]
            got[dom] = (ok, failed, types)
    return bad + compare(got, want)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("stats", "reports"):
        raise SystemExit(__doc__)
    want = parse_expect(sys.argv[3:])
    bad = (stats if sys.argv[1] == "stats" else reports)(sys.argv[2], want)
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
