#!/usr/bin/python3
"""miltc.py - a small milter-protocol client (the MTA's side) for tests.

usage: miltc.py [-n SESSIONS] SOCKET SCRIPT

SOCKET is unix:PATH or inet:PORT@HOST. SCRIPT holds one command per
line (blank lines and lines starting with '#' are skipped):

    connect HOST ADDRESS      SMFIC_CONNECT (IPv4 family, port 25)
    helo NAME                 SMFIC_HELO
    macro C NAME=VALUE ...    SMFIC_MACRO for command C (e.g. "M i=QID")
    mail ADDRESS              SMFIC_MAIL
    rcpt ADDRESS              SMFIC_RCPT
    rcpt-nowait ADDRESS       SMFIC_RCPT, reply not awaited (then drop)
    pause SECONDS             wait, e.g. until a callback is under way
    header NAME: VALUE        SMFIC_HEADER
    eoh                       SMFIC_EOH
    body TEXT                 SMFIC_BODY
    eom                       SMFIC_BODYEOB
    abort                     SMFIC_ABORT
    quit                      SMFIC_QUIT
    drop                      close the socket now, mid-session
    raw HEX                   these bytes as they are (a bad packet)
    garbage N                 N pseudo-random bytes (seeded, repeatable)
    (raw and garbage then read until the milter answers or hangs up:
    "=> closed", "=> REPLY", or "=> timeout" after 60 s)

Commands the milter asked not to see (SMFIP_NO*) are not sent; replies it
said it would not give (SMFIP_NR_*) are not awaited. One output line per
command: "CMD ARG => REPLY", REPLY being continue, accept, reject,
tempfail, discard, "reply CODE TEXT", or at eom a list of changes
("addheader NAME: VALUE", "chgheader IDX NAME: VALUE") before the
final word. With -n N, N sessions run at once in threads; each output
line then starts with "[I] ".
"""
import random
import socket
import struct
import sys
import threading
import time

NO = {"connect": 0x1, "helo": 0x2, "mail": 0x4, "rcpt": 0x8, "body": 0x10,
      "header": 0x20, "eoh": 0x40}
NR = {"connect": 0x1000, "helo": 0x2000, "mail": 0x4000, "rcpt": 0x8000,
      "header": 0x80, "eoh": 0x40000, "body": 0x80000}
FINAL = {b"c": "continue", b"a": "accept", b"r": "reject", b"t": "tempfail",
         b"d": "discard", b"s": "skip"}
TIMEOUT = 60


def connect(spec):
    if spec.startswith("unix:") or spec.startswith("local:"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(spec.split(":", 1)[1])
    elif spec.startswith("inet:"):
        port, _, host = spec[5:].partition("@")
        s = socket.create_connection((host or "127.0.0.1", int(port)))
    else:
        raise SystemExit("miltc.py: bad socket " + spec)
    s.settimeout(TIMEOUT)
    return s


def send(s, cmd, data=b""):
    s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("milter closed the connection")
        buf += chunk
    return buf


def recv(s):
    (n,) = struct.unpack(">I", recv_exact(s, 4))
    pkt = recv_exact(s, n)
    return pkt[:1], pkt[1:]


def z(*parts):
    return b"".join(p.encode() + b"\0" for p in parts)


def show(cmd, data):
    if cmd in FINAL:
        return FINAL[cmd]
    if cmd == b"y":
        return "reply " + data.rstrip(b"\0").decode(errors="replace")
    if cmd == b"h":
        name, value = data.rstrip(b"\0").split(b"\0", 1)
        return "addheader %s: %s" % (name.decode(), value.decode())
    if cmd == b"m":
        (idx,) = struct.unpack(">I", data[:4])
        name, value = (data[4:].rstrip(b"\0").split(b"\0", 1) + [b""])[:2]
        return "chgheader %d %s: %s" % (idx, name.decode(), value.decode())
    return "other %r %r" % (cmd, data)


def reply(s, final_only=False):
    """The milter's answer; at eom the changes come first."""
    out = []
    while True:
        cmd, data = recv(s)
        if cmd == b"p":
            continue
        out.append(show(cmd, data))
        if cmd in FINAL or cmd == b"y":
            return "; ".join(out)
        if not final_only:
            return "; ".join(out)


def session(spec, lines, emit):
    s = connect(spec)
    send(s, b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
    cmd, data = recv(s)
    if cmd != b"O":
        raise SystemExit("miltc.py: no option negotiation reply")
    _, _, proto = struct.unpack(">III", data[:12])
    for line in lines:
        word, _, arg = line.partition(" ")
        if word == "pause":
            time.sleep(float(arg))
            emit("pause %s => done" % arg)
            continue
        if word == "drop":
            s.close()
            emit("drop => closed")
            return
        if word in ("raw", "garbage"):
            if word == "raw":
                data = bytes.fromhex(arg)
            else:
                rnd = random.Random(8461)
                data = bytes(rnd.randrange(256) for _ in range(int(arg)))
            try:
                s.sendall(data)
                got = reply(s)
            except (EOFError, ConnectionError):
                got = "closed"
            except socket.timeout:
                got = "timeout"
            emit("%s %s => %s" % (word, arg[:40], got))
            if got in ("closed", "timeout"):
                s.close()
                return
            continue
        if word in NO and proto & NO[word]:
            emit("%s %s => not sent" % (word, arg))
            continue
        if word == "connect":
            host, addr = arg.split()
            send(s, b"C", z(host) + b"4" + struct.pack(">H", 25) + z(addr))
        elif word == "helo":
            send(s, b"H", z(arg))
        elif word == "macro":
            c, *pairs = arg.split()
            kv = [p.split("=", 1) for p in pairs]
            send(s, b"D", c.encode() + b"".join(z(k, v) for k, v in kv))
            continue
        elif word == "mail":
            send(s, b"M", z(arg))
        elif word == "rcpt":
            send(s, b"R", z(arg))
        elif word == "rcpt-nowait":
            send(s, b"R", z(arg))
            emit("rcpt-nowait %s => sent" % arg)
            continue
        elif word == "header":
            name, _, value = arg.partition(":")
            send(s, b"L", z(name.strip(), value.strip()))
        elif word == "eoh":
            send(s, b"N")
        elif word == "body":
            send(s, b"B", arg.encode() + b"\r\n")
        elif word == "eom":
            send(s, b"E")
            emit("eom => " + reply(s, final_only=True))
            continue
        elif word == "abort":
            send(s, b"A")
            emit("abort => sent")
            continue
        elif word == "quit":
            send(s, b"Q")
            s.close()
            emit("quit => closed")
            return
        else:
            raise SystemExit("miltc.py: unknown command " + word)
        if word in NR and proto & NR[word]:
            emit("%s %s => no reply" % (word, arg))
        else:
            emit("%s %s => %s" % (word, arg, reply(s)))
    s.close()


def main():
    args = sys.argv[1:]
    n = 1
    if args[:1] == ["-n"]:
        n = int(args[1])
        args = args[2:]
    if len(args) != 2:
        raise SystemExit(__doc__)
    spec, script = args
    with open(script) as f:
        lines = [l.strip() for l in f
                 if l.strip() and not l.lstrip().startswith("#")]
    lock = threading.Lock()
    errors = []

    def run(i):
        def emit(text):
            with lock:
                print(("[%d] " % i if n > 1 else "") + text, flush=True)
        try:
            session(spec, lines, emit)
        except (OSError, EOFError, SystemExit) as e:
            with lock:
                errors.append(e)
                print(("[%d] " % i if n > 1 else "") + "error " + str(e),
                      flush=True)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
