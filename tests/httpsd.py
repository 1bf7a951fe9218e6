#!/usr/bin/python3
"""httpsd.py - policy host for tests/fetch-test.sh (stdlib only).

NAME
	httpsd.py - HTTPS server with one canned behaviour per test case
SYNOPSIS
	httpsd.py CERTDIR PORTFILE
DESCRIPTION
	Listens on 127.0.0.1 on a port the kernel picks and writes that port
	to PORTFILE once it accepts connections. The case is the label between
	"mta-sts." and ".example.test" in the Host header (mta-sts.example.test
	itself is the "ok" case). The certificate is chosen by SNI, so name,
	expiry and trust failures need no extra ports; without SNI the client
	gets a certificate for another name, which makes a missing SNI fail.
	Before answering, the request itself is checked (path, Host, User-Agent,
	Connection: close); a wrong request gets a 400 whose body says why.
	Runs until killed (fetch-test.sh stops it by PID).
"""
import os
import socket
import ssl
import sys
import threading
import time

CERTDIR, PORTFILE = sys.argv[1], sys.argv[2]
POLICY = (b"version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\n"
          b"max_age: 86400\r\n")


def context(name):
    """A server context for CERTDIR/name.{crt,key}."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(CERTDIR, name + ".crt"),
                        os.path.join(CERTDIR, name + ".key"))
    return ctx


CTX = {n: context(n) for n in ("good", "wrongname", "expired", "untrusted",
                               "partialwild")}


def pick(sslobj, server_name, _ctx):
    """SNI callback: the certificate for the case named in the SNI."""
    name = server_name or ""
    for case in ("wrongname", "expired", "untrusted", "partialwild"):
        if case in name:
            sslobj.context = CTX[case]
            return None
    if name:
        sslobj.context = CTX["good"]
    return None


DEFAULT = context("wrongname")      # what a client without SNI gets
DEFAULT.sni_callback = pick


def head(status, ctype, extra=b""):
    """A response head."""
    h = b"HTTP/1.1 " + status + b"\r\n"
    if ctype:
        h += b"Content-Type: " + ctype + b"\r\n"
    return h + extra + b"Connection: close\r\n\r\n"


def check_request(req):
    """Return (case, None) or (None, problem)."""
    lines = req.decode("latin-1").split("\r\n")
    if lines[0] != "GET /.well-known/mta-sts.txt HTTP/1.1":
        return None, "bad request line " + lines[0]
    hdr = {}
    for line in lines[1:]:
        if line:
            k, _, v = line.partition(":")
            hdr[k.strip().lower()] = v.strip()
    host = hdr.get("host", "")
    if not host.startswith("mta-sts.") or not host.endswith(".test"):
        return None, "bad Host " + host
    if not hdr.get("user-agent", "").startswith("mtasts/"):
        return None, "bad User-Agent"
    if hdr.get("connection", "").lower() != "close":
        return None, "no Connection: close"
    if host == "mta-sts.example.test":
        return "ok", None
    return host[len("mta-sts."):].split(".")[0], None


def answer(conn, case):
    """Send the canned response of one case."""
    if case in ("ok", "expired", "wrongname", "untrusted", "partialwild"):
        conn.sendall(head(b"200 OK", b"text/plain; charset=utf-8",
                          b"Content-Length: %d\r\n" % len(POLICY)) + POLICY)
    elif case == "chunked":
        conn.sendall(head(b"200 OK", b"text/plain", b"Transfer-Encoding: chunked\r\n"))
        for part in (POLICY[:10], POLICY[10:]):
            conn.sendall(b"%x;ext=1\r\n" % len(part) + part + b"\r\n")
        conn.sendall(b"0\r\nX-Trailer: 1\r\n\r\n")
    elif case == "closeclean":
        conn.sendall(head(b"200 OK", b"text/plain") + POLICY)
        conn.unwrap()               # TLS close_notify, then TCP close
    elif case == "closeunclean":
        conn.sendall(head(b"200 OK", b"text/plain") + POLICY)
        conn.shutdown(socket.SHUT_RDWR)     # TCP close, no close_notify
    elif case == "notfound":
        body = b"<h1>not found</h1>"
        conn.sendall(head(b"404 Not Found", b"text/html",
                          b"Content-Length: %d\r\n" % len(body)) + body)
    elif case == "redirect":
        conn.sendall(head(b"301 Moved Permanently", b"text/html",
                          b"Location: https://mta-sts.elsewhere.example/"
                          b"\xc3\xa9.txt\r\nContent-Length: 0\r\n"))
    elif case == "html":
        conn.sendall(head(b"200 OK", b"text/html",
                          b"Content-Length: %d\r\n" % len(POLICY)) + POLICY)
    elif case == "noctype":
        conn.sendall(head(b"200 OK", None,
                          b"Content-Length: %d\r\n" % len(POLICY)) + POLICY)
    elif case == "bigcl":
        conn.sendall(head(b"200 OK", b"text/plain", b"Content-Length: 70000\r\n")
                     + b"x" * 70000)
    elif case == "bignocl":
        conn.sendall(head(b"200 OK", b"text/plain"))
        for _ in range(70):
            conn.sendall(b"x" * 1000)
    elif case == "trickle":
        conn.sendall(head(b"200 OK", b"text/plain", b"Content-Length: 100\r\n"))
        for _ in range(100):
            conn.sendall(b"x")
            time.sleep(0.3)
    else:
        body = b"unknown case " + case.encode()
        conn.sendall(head(b"400 Bad Request", b"text/plain",
                          b"Content-Length: %d\r\n" % len(body)) + body)


def serve(raw):
    """One connection: TLS, read the request, answer."""
    try:
        raw.settimeout(30)
        conn = DEFAULT.wrap_socket(raw, server_side=True)
        req = b""
        while b"\r\n\r\n" not in req and len(req) < 16384:
            data = conn.recv(4096)
            if not data:
                return
            req += data
        case, problem = check_request(req.split(b"\r\n\r\n")[0])
        if problem:
            body = problem.encode()
            conn.sendall(head(b"400 Bad Request", b"text/plain",
                              b"Content-Length: %d\r\n" % len(body)) + body)
        else:
            answer(conn, case)
    except (OSError, ssl.SSLError):
        pass                        # clients hang up early on purpose
    finally:
        raw.close()


def main():
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(PORTFILE + ".tmp", PORTFILE)
    while True:
        raw, _ = lsock.accept()
        threading.Thread(target=serve, args=(raw,), daemon=True).start()


main()
