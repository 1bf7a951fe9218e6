#!/usr/bin/python3
"""
NAME
    httpsd.py - an HTTPS report receiver for the TLS reporting tests

SYNOPSIS
    httpsd.py ADDRESS PORT CERT KEY DIR PORTFILE

DESCRIPTION
    Listens on ADDRESS:PORT (PORT 0: the kernel picks; the port is
    written to PORTFILE once listening) with TLS, and answers each POST
    with 201 after saving the body as DIR/N.body and the request line
    and headers as DIR/N.head. While DIR/fail exists it answers 503
    instead and saves nothing, like a receiver that is down. Other
    methods get 405. SIGTERM stops it. Standard library only.
"""
import http.server
import os
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        d = self.server.dir
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if os.path.exists(os.path.join(d, "fail")):
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        n = len([f for f in os.listdir(d) if f.endswith(".body")]) + 1
        with open(os.path.join(d, "%d.head" % n), "w") as f:
            f.write(self.requestline + "\n" + str(self.headers))
        with open(os.path.join(d, "%d.body" % n), "wb") as f:
            f.write(body)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def main():
    addr, port, cert, key, d, portfile = sys.argv[1:7]
    srv = http.server.HTTPServer((addr, int(port)), Handler)
    srv.dir = d
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


main()
