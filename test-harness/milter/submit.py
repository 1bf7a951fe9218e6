#!/usr/bin/python3
"""submit.py - one SMTP transaction with several recipients, for tests.

usage: submit.py HOST PORT FROM RCPT... [-- HEADER: VALUE ...]

Prints one line per step: "RCPT ADDRESS CODE TEXT" for each recipient
and "DATA CODE TEXT" (DATA is sent only when a recipient was accepted).
Header lines given after "--" go into the message before Subject. Exit
status 0 when the server could be spoken to, 1 otherwise.
"""
import smtplib
import sys


def main():
    args = sys.argv[1:]
    headers = []
    if "--" in args:
        i = args.index("--")
        args, headers = args[:i], args[i + 1:]
    if len(args) < 4:
        raise SystemExit(__doc__)
    host, port, sender, rcpts = args[0], int(args[1]), args[2], args[3:]
    try:
        s = smtplib.SMTP(host, port, local_hostname="client.test", timeout=120)
        s.ehlo("client.test")
        code, text = s.mail(sender)
        print("MAIL %s %d %s" % (sender, code, text.decode(errors="replace")))
        accepted = 0
        for r in rcpts:
            code, text = s.rcpt(r)
            print("RCPT %s %d %s" % (r, code, text.decode(errors="replace")),
                  flush=True)
            accepted += code in (250, 251)
        if accepted:
            body = "".join(h + "\r\n" for h in headers)
            body += "Subject: milter test\r\nFrom: %s\r\n\r\nhello\r\n" % sender
            code, text = s.data(body.encode())
            print("DATA %d %s" % (code, text.decode(errors="replace")))
        s.quit()
    except (OSError, smtplib.SMTPException) as e:
        print("ERROR %s" % e)
        sys.exit(1)


if __name__ == "__main__":
    main()
