#!/usr/bin/python3
"""smtpd.py - SMTP receiver for tests/fetch-test.sh (stdlib only).

NAME
	smtpd.py - just enough SMTP + STARTTLS to test the MX check
SYNOPSIS
	smtpd.py CERTDIR PORTFILE
DESCRIPTION
	Listens on two ports of 127.0.0.1 chosen by the kernel and writes
	"TLSPORT PLAINPORT" to PORTFILE once both accept connections. On
	TLSPORT the EHLO reply offers STARTTLS; on PLAINPORT it does not.
	After STARTTLS the certificate is chosen by SNI as in httpsd.py
	(mx.example.test valid; mx-wrongname, mx-expired, mx-untrusted
	broken in that way). A client that says "EHLO inject.test" gets an
	extra plain-text line right after the 220 to STARTTLS, as an attacker
	in the middle would inject it. Runs until killed.
"""
import os
import socket
import ssl
import sys
import threading

CERTDIR, PORTFILE = sys.argv[1], sys.argv[2]


def context(name):
    """A server context for CERTDIR/name.{crt,key}."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(CERTDIR, name + ".crt"),
                        os.path.join(CERTDIR, name + ".key"))
    return ctx


CTX = {n: context(n) for n in ("good", "wrongname", "expired", "untrusted")}


def pick(sslobj, server_name, _ctx):
    """SNI callback: the certificate for the case named in the SNI."""
    for case in ("wrongname", "expired", "untrusted"):
        if case in (server_name or ""):
            sslobj.context = CTX[case]
            return None
    if server_name:
        sslobj.context = CTX["good"]
    return None


DEFAULT = context("wrongname")
DEFAULT.sni_callback = pick


def lines(sock):
    """Yield CRLF-terminated command lines from sock."""
    buf = b""
    while True:
        while b"\n" not in buf:
            data = sock.recv(4096)
            if not data:
                return
            buf += data
        line, buf = buf.split(b"\n", 1)
        yield line.rstrip(b"\r").decode("latin-1")


def session(raw, offer_tls):
    """One SMTP session."""
    sock = raw
    try:
        raw.settimeout(30)
        sock.sendall(b"220 mx.example.test ESMTP mtasts-test\r\n")
        inject = False
        it = lines(sock)
        for cmd in it:
            verb = cmd.split(" ")[0].upper()
            if verb == "EHLO":
                inject = cmd[5:] == "inject.test"
                ext = [b"PIPELINING", b"SIZE 10240000"]
                if offer_tls and sock is raw:
                    ext.append(b"STARTTLS")
                reply = b"250-mx.example.test\r\n"
                reply += b"".join(b"250-" + e + b"\r\n" for e in ext[:-1])
                reply += b"250 " + ext[-1] + b"\r\n"
                sock.sendall(reply)
            elif verb == "STARTTLS" and offer_tls and sock is raw:
                extra = b"250 injected\r\n" if inject else b""
                sock.sendall(b"220 2.0.0 Ready to start TLS\r\n" + extra)
                sock = DEFAULT.wrap_socket(raw, server_side=True)
                it = lines(sock)
                for cmd2 in it:
                    if cmd2.upper() == "QUIT":
                        sock.sendall(b"221 2.0.0 Bye\r\n")
                        return
                    sock.sendall(b"502 5.5.2 Not here\r\n")
                return
            elif verb == "QUIT":
                sock.sendall(b"221 2.0.0 Bye\r\n")
                return
            else:
                sock.sendall(b"502 5.5.2 Not implemented\r\n")
    except (OSError, ssl.SSLError):
        pass                        # the checker hangs up early on purpose
    finally:
        raw.close()


def listen():
    """A listening socket on 127.0.0.1 and a kernel-chosen port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def loop(lsock, offer_tls):
    """Accept sessions forever."""
    while True:
        raw, _ = lsock.accept()
        threading.Thread(target=session, args=(raw, offer_tls), daemon=True).start()


def main():
    tls, plain = listen(), listen()
    with open(PORTFILE + ".tmp", "w") as f:
        f.write("%d %d\n" % (tls.getsockname()[1], plain.getsockname()[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    threading.Thread(target=loop, args=(plain, False), daemon=True).start()
    loop(tls, True)


main()
