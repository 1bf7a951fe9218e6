#++
# NAME
#	certs.py - the test world's certificate authorities and certificates
# SUMMARY
#	two CAs and the server certificates, made with the openssl CLI
# DESCRIPTION
#	make_all(dir, t0, policy_names, smtp_names) writes, under dir/ca:
#
#	ca.pem / ca.key		the CA mtasts trusts (tls.ca_file); dir/ca.pem
#				is a copy for the config
#	ca2.pem / ca2.key	a second CA nobody trusts
#	KIND.pem / KIND.key	one certificate per kind, each listed in
#				KINDS: a name (SAN list), an issuer and a
#				validity window relative to t0
#
#	One certificate per kind, not per host: each carries every name that
#	may need it, so that a step can switch any host between kinds
#	without making certificates mid-run. nginx and the other servers
#	still pick the certificate per host by SNI.
#
#	Leaf certificates go through `openssl ca`, because in OpenSSL 3.0
#	only it can set an arbitrary notBefore/notAfter (the expired ones
#	lie entirely in the past). Keys are EC P-256: a few ms each.
# SECURITY
#	Test material only: keys are unencrypted and live in the run's
#	temporary directory.
#--

import os
import shutil
import subprocess
import time

DAY = 86400

CA_CNF = """\
[ ca ]
default_ca = ca_sect

[ ca_sect ]
dir = %(dir)s
database = $dir/%(name)s.index
new_certs_dir = $dir/%(name)s.new
serial = $dir/%(name)s.serial
certificate = $dir/%(name)s.pem
private_key = $dir/%(name)s.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no

[ policy_any ]
commonName = supplied
"""

LEAF_EXT = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = %s
"""

# kind: (issuer, start offset, end offset, which names it carries).
# "policy"/"smtp:X" name sets are filled in by the caller; a literal
# list is used as given.
KINDS = {
	"policy-good": ("ca", -DAY, 825 * DAY, "policy"),
	"policy-wrongname": ("ca", -DAY, 825 * DAY, ["wrong-name.invalid"]),
	"policy-expired": ("ca", -400 * DAY, -30 * DAY, "policy"),
	"policy-untrusted": ("ca2", -DAY, 825 * DAY, "policy"),
	"default": ("ca", -DAY, 825 * DAY, ["default.invalid"]),
	"smtp-good": ("ca", -DAY, 825 * DAY, "smtp:good"),
	"smtp-wrongname": ("ca", -DAY, 825 * DAY, ["wrong-name.invalid"]),
	"smtp-expired": ("ca", -400 * DAY, -30 * DAY, "smtp:expired"),
	"smtp-untrusted": ("ca2", -DAY, 825 * DAY, "smtp:untrusted"),
	# nostarttls has no certificate; listed so its names stay known
}


def run(args, cwd):
	"""run - an openssl command; its output only when it fails"""
	p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE,
			   stderr=subprocess.STDOUT)
	if p.returncode != 0:
		raise RuntimeError("%s failed: %s" % (" ".join(args),
				   p.stdout.decode(errors="replace")[-600:]))


def asn1_time(t):
	"""asn1_time - seconds since the epoch as openssl ca wants it"""
	return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))


def make_ca(cadir, name, subject, t0):
	"""make_ca - a self-signed CA valid from a day before t0"""
	key = os.path.join(cadir, name + ".key")
	pem = os.path.join(cadir, name + ".pem")
	run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
	     "ec_paramgen_curve:P-256", "-out", key], cadir)
	csr = os.path.join(cadir, name + ".csr")
	run(["openssl", "req", "-new", "-key", key, "-subj", subject,
	     "-out", csr], cadir)
	with open(os.path.join(cadir, name + ".cnf"), "w") as f:
		f.write(CA_CNF % {"dir": cadir, "name": name})
		f.write("\n[ v3_ca ]\nbasicConstraints = critical, CA:TRUE\n"
			"keyUsage = critical, keyCertSign, cRLSign\n"
			"subjectKeyIdentifier = hash\n")
	open(os.path.join(cadir, name + ".index"), "w").close()
	with open(os.path.join(cadir, name + ".serial"), "w") as f:
		f.write("%d\n" % (1000 + len(name)))
	os.makedirs(os.path.join(cadir, name + ".new"), exist_ok=True)
	run(["openssl", "ca", "-batch", "-selfsign", "-notext",
	     "-config", name + ".cnf", "-keyfile", key, "-in", csr,
	     "-out", pem, "-extensions", "v3_ca",
	     "-startdate", asn1_time(t0 - DAY),
	     "-enddate", asn1_time(t0 + 3650 * DAY)], cadir)


def make_leaf(cadir, kind, issuer, start, end, names):
	"""make_leaf - a server certificate for names, signed by issuer"""
	key = os.path.join(cadir, kind + ".key")
	csr = os.path.join(cadir, kind + ".csr")
	pem = os.path.join(cadir, kind + ".pem")
	ext = os.path.join(cadir, kind + ".ext")
	run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
	     "ec_paramgen_curve:P-256", "-out", key], cadir)
	# The CN is not a host name on purpose: clients must use the SAN.
	run(["openssl", "req", "-new", "-key", key,
	     "-subj", "/CN=mtasts test " + kind, "-out", csr], cadir)
	with open(ext, "w") as f:
		f.write(LEAF_EXT % ", ".join("DNS:" + n for n in names))
	run(["openssl", "ca", "-batch", "-notext", "-config",
	     issuer + ".cnf", "-in", csr, "-out", pem, "-extfile", ext,
	     "-startdate", asn1_time(start), "-enddate", asn1_time(end)],
	    cadir)


def make_all(wdir, t0, policy_names, smtp_names):
	"""make_all - both CAs and every kind; smtp_names maps receiver->names"""
	cadir = os.path.join(wdir, "ca")
	os.makedirs(cadir, exist_ok=True)
	make_ca(cadir, "ca", "/CN=mtasts test CA", t0)
	make_ca(cadir, "ca2", "/CN=mtasts untrusted CA", t0)
	for kind, (issuer, start, end, names) in KINDS.items():
		if names == "policy":
			names = policy_names
		elif isinstance(names, str) and names.startswith("smtp:"):
			names = smtp_names[names[5:]]
		make_leaf(cadir, kind, issuer, t0 + start, t0 + end, names)
	shutil.copyfile(os.path.join(cadir, "ca.pem"),
			os.path.join(wdir, "ca.pem"))


def paths(wdir, kind):
	"""paths - (certificate, key) files of one kind"""
	cadir = os.path.join(wdir, "ca")
	return (os.path.join(cadir, kind + ".pem"),
		os.path.join(cadir, kind + ".key"))
