#!/usr/bin/python3
#++
# NAME
#	smtpd.py - the test world's SMTP receivers
# SUMMARY
#	aiosmtpd listeners on port 25, one per certificate situation
# SYNOPSIS
#	smtpd.py DIR
# DESCRIPTION
#	Reads DIR/smtp/smtpd.json (written by worldgen.py): for each
#	receiver a name, an address, a certificate and key (absent for the
#	receiver without STARTTLS) and a mailbox directory. All receivers
#	run in this one process.
#
#	Every accepted message is stored as MAILBOX/NNNNNN.eml, written to
#	a temporary name and renamed, so a reader never sees half a message.
#	The stored text starts with trace headers the tests can read:
#
#	X-Harness-Receiver: good
#	X-Harness-Mail-From: <a@b>
#	X-Harness-Rcpt-To: <c@d>	(one per recipient)
#	X-Harness-TLS: TLSv1.3 TLS_AES_256_GCM_SHA384	(or "none")
#
#	STARTTLS is offered but not required: whether a client insists on
#	it (and checks the certificate) is what the tests look at.
#	SIGTERM stops the process.
#--

import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP

DATA_MAX = 10 * 1024 * 1024


class Mailbox:
	def __init__(self, name, path):
		self.name = name
		self.path = path
		self.lock = threading.Lock()
		self.count = len([f for f in os.listdir(path)
				  if f.endswith(".eml")])

	async def handle_DATA(self, server, session, envelope):
		"""handle_DATA - store the message with its trace headers"""
		tls = "none"
		if session.ssl:
			obj = session.ssl.get("ssl_object")
			cipher = session.ssl.get("cipher")
			tls = "%s %s" % (obj.version() if obj else "?",
					 cipher[0] if cipher else "?")
		head = ["X-Harness-Receiver: %s" % self.name,
			"X-Harness-Mail-From: <%s>" % envelope.mail_from]
		head += ["X-Harness-Rcpt-To: <%s>" % r
			 for r in envelope.rcpt_tos]
		head.append("X-Harness-TLS: %s" % tls)
		data = "\r\n".join(head).encode() + b"\r\n" + \
			envelope.original_content
		with self.lock:
			self.count += 1
			n = self.count
		tmp = os.path.join(self.path, ".tmp-%06d" % n)
		with open(tmp, "wb") as f:
			f.write(data)
		os.replace(tmp, os.path.join(self.path, "%06d.eml" % n))
		return "250 OK stored as %06d" % n


def tls_context(crt, key):
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	ctx.load_cert_chain(crt, key)
	return ctx


async def serve(receivers):
	"""serve - one listener per receiver, until cancelled"""
	loop = asyncio.get_running_loop()
	servers = []
	for r in receivers:
		box = Mailbox(r["name"], r["mailbox"])
		ctx = tls_context(r["cert"], r["key"]) if r["cert"] else None

		def factory(box=box, ctx=ctx, name=r["name"]):
			return SMTP(box, hostname="mx-%s.harness" % name,
				    tls_context=ctx, require_starttls=False,
				    data_size_limit=DATA_MAX, timeout=60)
		servers.append(await loop.create_server(
			factory, host=r["address"], port=25,
			reuse_address=True))
	stop = loop.create_future()
	loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
	loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
	await stop
	for s in servers:
		s.close()


def main(argv):
	if len(argv) != 2:
		sys.stderr.write("usage: smtpd.py DIR\n")
		return 2
	with open(os.path.join(argv[1], "smtp", "smtpd.json")) as f:
		receivers = json.load(f)
	asyncio.run(serve(receivers))
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
