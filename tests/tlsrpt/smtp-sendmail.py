#!/usr/bin/python3
"""
NAME
    smtp-sendmail.py - a sendmail-compatible client that speaks SMTP

SYNOPSIS
    smtp-sendmail.py --server ADDRESS [-i] -f FROM -- RCPT...

DESCRIPTION
    What mtasts report runs as tlsrpt.sendmail in the harness world,
    where no MTA is installed: reads the message from standard input
    and hands it by SMTP (smtplib, port 25) to ADDRESS, one of the
    world's receivers. Exits 0 when the receiver took it, 75 when it
    could not be reached or refused it, 64 on bad arguments.
"""
import smtplib
import sys


def main():
    args = sys.argv[1:]
    server = sender = None
    rcpts = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--server":
            server = args[i + 1]
            i += 2
        elif a == "-f":
            sender = args[i + 1]
            i += 2
        elif a == "-i":
            i += 1
        elif a == "--":
            rcpts = args[i + 1:]
            break
        else:
            print("smtp-sendmail.py: unknown argument %s" % a, file=sys.stderr)
            sys.exit(64)
    if not server or not sender or not rcpts:
        print("smtp-sendmail.py: need --server, -f and recipients", file=sys.stderr)
        sys.exit(64)
    msg = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    try:
        with smtplib.SMTP(server, 25, timeout=10) as s:
            s.sendmail(sender, rcpts, msg)
    except (OSError, smtplib.SMTPException) as e:
        print("smtp-sendmail.py: %s: %s" % (server, e), file=sys.stderr)
        sys.exit(75)


main()
