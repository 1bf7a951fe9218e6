/*++
 * NAME
 *	tlsrpt_send 3
 * SUMMARY
 *	hand a report message to a sendmail-compatible program
 * SYNOPSIS
 *	#include <mtasts/tlsrpt.h>
 * DESCRIPTION
 *	mtasts_tlsrpt_sendmail() runs tlsrpt.sendmail with the configured
 *	tlsrpt.sendmail_args, then "-i -f FROM -- RCPT": the interface
 *	Postfix, Exim and Sendmail all provide. -i keeps a line holding
 *	only "." from ending the message; "--" keeps a recipient from being
 *	read as an option. The message goes to the program's standard
 *	input; its standard output and error are read (the first line is
 *	kept for the reason). The whole hand-off is bounded by
 *	tlsrpt.timeout; past it the program is killed.
 *
 *	Success is exit status 0: the MTA has queued the message and
 *	delivers (and retries) it from there.
 * SECURITY
 *	The program is run with execv(): no shell sees any value. Standard
 *	input is one end of a socketpair, written with MSG_NOSIGNAL, so a
 *	program that exits early cannot kill the caller with SIGPIPE.
 *	Descriptors are close-on-exec; the child keeps only 0, 1 and 2.
 *--*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mtasts/limits.h>
#include <mtasts/tlsrpt.h>

/* Bytes of the program's output kept for the reason. */
#define OUTPUT_KEEP	512
/* How often a finished or killed child is looked for (ms). */
#define REAP_POLL_MS	20

/* now_ms - monotonic milliseconds */

static long long
now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* child - set up descriptors and exec; never returns */

static void
child(int in, int out, char **argv)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	execv(argv[0], argv);
	dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* pump - write the message and collect output until EOF or deadline */

static int
pump(int in, int out, const char *msg, size_t len, long long deadline,
     char *keep, size_t keeplen)
{
	struct pollfd pfd[2];
	size_t	off = 0, got = 0;
	ssize_t	n;
	char	buf[1024];
	int	in_open = 1, out_open = 1, left;

	while (out_open) {
		if ((left = (int) (deadline - now_ms())) <= 0)
			return (-1);
		pfd[0].fd = in_open ? in : -1;
		pfd[0].events = POLLOUT;
		pfd[1].fd = out;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, left) < 0 && errno != EINTR)
			return (-1);
		if (in_open && (pfd[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = send(in, msg + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				len = off;	/* reader gone: stop writing */
			else if (n > 0)
				off += (size_t) n;
			if (off == len) {
				(void) shutdown(in, SHUT_WR);
				in_open = 0;
			}
		}
		if (pfd[1].revents & (POLLIN | POLLERR | POLLHUP)) {
			n = read(out, buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				out_open = 0;
			} else if (n > 0 && got + 1 < keeplen) {
				size_t	take = (size_t) n < keeplen - 1 - got ?
				(size_t) n : keeplen - 1 - got;

				memcpy(keep + got, buf, take);
				got += take;
				keep[got] = 0;
			}
		}
	}
	return (0);
}

/* reap - wait for the child until the deadline; -1 if it is still running */

static int
reap(pid_t pid, long long deadline, int *status)
{
	struct timespec ts = {0, REAP_POLL_MS * 1000000L};
	pid_t	r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return (0);
		if (r < 0 && errno != EINTR)
			return (0);
		if (now_ms() >= deadline)
			return (-1);
		(void) nanosleep(&ts, NULL);
	}
}

/* mtasts_tlsrpt_sendmail - submit one message */

enum mtasts_status
mtasts_tlsrpt_sendmail(const struct mtasts_config *cfg, const char *from,
		       const char *rcpt, const char *msg, size_t len,
		       char *why, size_t whylen)
{
	char   *argv[MTASTS_TLSRPT_ARGS_MAX + 8];
	char	keep[OUTPUT_KEEP] = "", shown[OUTPUT_KEEP], *nl;
	long long deadline = now_ms() + (long long) cfg->tlsrpt_timeout * 1000;
	int	sp[2], op[2], status = 0, timedout;
	size_t	i, argc = 0;
	pid_t	pid;

	if (cfg->tlsrpt_sendmail == NULL || cfg->tlsrpt_sendmail[0] != '/') {
		mtasts_why(why, whylen, "tlsrpt.sendmail must be an absolute path");
		return (MTASTS_PERM);
	}
	argv[argc++] = cfg->tlsrpt_sendmail;
	for (i = 0; i < cfg->ntlsrpt_sendmail_args; i++)
		argv[argc++] = cfg->tlsrpt_sendmail_args[i];
	argv[argc++] = "-i";
	argv[argc++] = "-f";
	argv[argc++] = (char *) from;
	argv[argc++] = "--";
	argv[argc++] = (char *) rcpt;
	argv[argc] = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		mtasts_why(why, whylen, "sendmail: socketpair: %s", strerror(errno));
		return (MTASTS_TEMP);
	}
	if (pipe2(op, O_CLOEXEC) < 0) {
		mtasts_why(why, whylen, "sendmail: pipe: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		return (MTASTS_TEMP);
	}
	if ((pid = fork()) < 0) {
		mtasts_why(why, whylen, "sendmail: fork: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		close(op[0]);
		close(op[1]);
		return (MTASTS_TEMP);
	}
	if (pid == 0)
		child(sp[1], op[1], argv);
	close(sp[1]);
	close(op[1]);
	timedout = pump(sp[0], op[0], msg, len, deadline, keep, sizeof(keep)) < 0;
	close(sp[0]);
	close(op[0]);
	if (timedout || reap(pid, deadline, &status) < 0) {
		/* Our own child, by its PID: it will not finish in time. */
		(void) kill(pid, SIGKILL);
		(void) waitpid(pid, &status, 0);
		mtasts_why(why, whylen, "%s: no result within tlsrpt.timeout (%u s);"
			   " killed", cfg->tlsrpt_sendmail, cfg->tlsrpt_timeout);
		return (MTASTS_TEMP);
	}
	if ((nl = strchr(keep, '\n')) != NULL)
		*nl = 0;
	mtasts_sanitize(keep, strlen(keep), shown, sizeof(shown));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (MTASTS_OK);
	if (WIFEXITED(status))
		mtasts_why(why, whylen, "%s exited with status %d%s%s",
			   cfg->tlsrpt_sendmail, WEXITSTATUS(status),
			   shown[0] ? ": " : "", shown);
	else
		mtasts_why(why, whylen, "%s killed by signal %d",
			   cfg->tlsrpt_sendmail, WTERMSIG(status));
	return (MTASTS_TEMP);
}
