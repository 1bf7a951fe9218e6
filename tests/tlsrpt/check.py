#!/usr/bin/python3
"""
NAME
    check.py - check TLS reports for tests/tlsrpt.sh

SYNOPSIS
    check.py report FILE.json.gz EXPECT.json ORG CONTACT DAY
    check.py mail FILE.eml EXPECT.json ORG CONTACT DAY FROM TO
    check.py post FILE EXPECT.json ORG CONTACT DAY

DESCRIPTION
    Decompresses the report (from a file, the application/tlsrpt+gzip
    part of a mail, or a saved POST body), validates it against
    schema.json (RFC 8460 4.4) with python3-jsonschema, and compares it
    field by field: organization-name, contact-info, the date range of
    DAY, the report-id and file name rules, and policies[] exactly as
    EXPECT.json lists them for the report's policy-domain. For a mail
    it also checks the RFC 8460 5.3 headers and MIME structure.
    Prints nothing and exits 0 when all holds, else says what differs
    on stdout and exits 1.
"""
import email
import email.policy
import gzip
import json
import os
import re
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(msg):
    print(msg)
    sys.exit(1)


def check_report(raw, expect_path, org, contact, day, fname=None):
    try:
        report = json.loads(gzip.decompress(raw))
    except Exception as e:
        fail("not a gzip'd JSON report: %s" % e)
    schema = json.load(open(os.path.join(HERE, "schema.json")))
    v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(v.iter_errors(report), key=lambda e: list(e.path))
    if errors:
        fail("schema: %s at %s" % (errors[0].message, list(errors[0].path)))
    if report["organization-name"] != org:
        fail("organization-name %r" % report["organization-name"])
    if report["contact-info"] != contact:
        fail("contact-info %r" % report["contact-info"])
    dr = report["date-range"]
    if dr != {"start-datetime": day + "T00:00:00Z", "end-datetime": day + "T23:59:59Z"}:
        fail("date-range %r" % dr)
    domain = report["policies"][0]["policy"]["policy-domain"]
    submitter = contact.split("@")[1]
    rid = day.replace("-", "") + "." + domain + "@" + submitter
    if report["report-id"] != rid:
        fail("report-id %r, want %r" % (report["report-id"], rid))
    if fname is not None and not re.fullmatch(
            re.escape(submitter + "!" + domain + "!") + r"[0-9]+![0-9]+\.json\.gz", fname):
        fail("file name %r" % fname)
    expect = json.load(open(expect_path))
    if domain not in expect:
        fail("report for unexpected domain %s" % domain)
    if report["policies"] != expect[domain]:
        fail("policies of %s differ:\n got  %s\n want %s" % (
            domain, json.dumps(report["policies"]), json.dumps(expect[domain])))
    return report


def check_mail(path, expect, org, contact, day, frm, to):
    msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    domain = to_domain = None
    for h, want in (("From", frm), ("To", to)):
        if str(msg[h]).strip() != want:
            fail("%s: %r" % (h, msg[h]))
    submitter = contact.split("@")[1]
    rd = str(msg["TLS-Report-Domain"] or "")
    if str(msg["TLS-Report-Submitter"]) != submitter:
        fail("TLS-Report-Submitter %r" % msg["TLS-Report-Submitter"])
    subj = re.sub(r"\s+", " ", str(msg["Subject"]))
    rid = day.replace("-", "") + "." + rd + "@" + submitter
    if subj != "Report Domain: %s Submitter: %s Report-ID: <%s>" % (rd, submitter, rid):
        fail("Subject %r" % subj)
    if msg.get_content_type() != "multipart/report" or msg.get_param("report-type") != "tlsrpt":
        fail("Content-Type %r" % msg["Content-Type"])
    parts = list(msg.iter_parts())
    if len(parts) != 2 or parts[0].get_content_type() != "text/plain" \
            or parts[1].get_content_type() != "application/tlsrpt+gzip":
        fail("parts %r" % [p.get_content_type() for p in parts])
    report = check_report(parts[1].get_content(), expect, org, contact, day,
                          parts[1].get_filename())
    if report["policies"][0]["policy"]["policy-domain"] != rd:
        fail("TLS-Report-Domain %r does not match the report" % rd)


def main():
    kind, path, expect, org, contact, day = sys.argv[1:7]
    if kind == "mail":
        check_mail(path, expect, org, contact, day, sys.argv[7], sys.argv[8])
    else:
        check_report(open(path, "rb").read(), expect, org, contact, day,
                     os.path.basename(path) if kind == "report" else None)


main()
