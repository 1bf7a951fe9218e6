#!/bin/sh
#++
# NAME
#	pki.sh - certificates for the hostile policy host
# SYNOPSIS
#	pki.sh DIR NAME...
# DESCRIPTION
#	Writes DIR/ca.pem (a root CA; what mtasts is told to trust) and
#	two server certificates for every NAME, with keys:
#	leaf.pem	signed by the root directly
#	chain50.pem	signed through 49 intermediate CAs; the file holds
#			the leaf and the 49 intermediates, leaf first: a
#			server sending it presents a 50-certificate chain
#	Keys are EC P-256 (a few ms each); the whole takes 2-4 s.
# SECURITY
#	Test material only: unencrypted keys in a temporary directory.
#--

set -eu
[ $# -ge 2 ] || { echo "usage: pki.sh DIR NAME..." >&2; exit 2; }
d=$1; shift
mkdir -p "$d"
cd "$d"
DEPTH=49

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >ca.ext
san=
for n in "$@"; do san="${san:+$san,}DNS:$n"; done
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' \
	"$san" >leaf.ext

key ca.key
openssl req -x509 -key ca.key -subj "/CN=mtasts hostile root" -days 30 \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem 2>/dev/null

# sign CSR-SUBJECT KEY ISSUER-PEM ISSUER-KEY EXT OUT SERIAL
sign() {
	openssl req -new -key "$2" -subj "$1" -out tmp.csr 2>/dev/null
	openssl x509 -req -in tmp.csr -CA "$3" -CAkey "$4" -set_serial "$7" \
		-days 30 -extfile "$5" -out "$6" 2>/dev/null
}

key leaf.key
sign "/CN=mtasts hostile leaf" leaf.key ca.pem ca.key leaf.ext leaf.pem 1

# The long chain: root -> i1 -> ... -> i49 -> leaf.
prev=ca i=1
: >chain.tail
while [ $i -le $DEPTH ]; do
	key "i$i.key"
	sign "/CN=mtasts hostile intermediate $i" "i$i.key" "$prev.pem" "$prev.key" \
		ca.ext "i$i.pem" $((i + 100))
	cat "i$i.pem" chain.tail >chain.new && mv chain.new chain.tail
	prev=i$i
	i=$((i + 1))
done
key chain50.key
sign "/CN=mtasts hostile long-chain leaf" chain50.key "$prev.pem" "$prev.key" \
	leaf.ext chain50.leaf 1000
cat chain50.leaf chain.tail >chain50.pem
rm -f tmp.csr chain.tail
n=$(grep -c 'BEGIN CERTIFICATE' chain50.pem)
[ "$n" -eq 50 ] || { echo "pki.sh: chain50.pem holds $n certificates" >&2; exit 1; }
