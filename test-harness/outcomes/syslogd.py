#!/usr/bin/python3
"""syslogd.py - a minimal syslog receiver for a private MTA in the test world.

usage: syslogd.py SOCKET LOGFILE HOSTNAME

Binds a unix datagram socket at SOCKET (what an MTA's syslog(3) writes
to when /dev/log points at it, see sendmail.sh) and appends every
message to LOGFILE the way rsyslog's traditional file format does:

    Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MESSAGE

glibc sends "<PRI>Mmm dd hh:mm:ss TAG[PID]: MESSAGE"; the priority is
dropped and HOSTNAME inserted after the time stamp, so the file looks
like /var/log/mail.log on a Debian host. Each line is flushed at once.
Runs until SIGTERM; the socket file is removed at exit. Non-printable
bytes are written as "?" (an MTA's log line is ASCII).
"""
import os
import re
import signal
import socket
import sys

STAMP = re.compile(rb"^<\d{1,3}>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (.*)$", re.S)


def clean(b):
    return "".join(chr(c) if 32 <= c < 127 else "?" for c in b)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    path, logfile, host = sys.argv[1:]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    with open(logfile, "a") as out:
        try:
            while True:
                data = s.recv(65536).rstrip(b"\n\0")
                m = STAMP.match(data)
                if m is None:
                    continue
                out.write("%s %s %s\n" % (m.group(1).decode(), host, clean(m.group(2))))
                out.flush()
        finally:
            os.unlink(path)


if __name__ == "__main__":
    main()
