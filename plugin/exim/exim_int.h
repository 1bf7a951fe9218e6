/*++
 * NAME
 *	exim_int 3h
 * SUMMARY
 *	internal interfaces of the Exim ${dlfunc} module (mtasts_exim.so)
 * SYNOPSIS
 *	#include "exim_int.h"
 * DESCRIPTION
 *	The module exports three ${dlfunc} entry points (exim_route.c,
 *	exim_event.c); everything declared here is shared between its
 *	files only and hidden from Exim by the link's export list.
 *
 *	Exim calls a dlfunc as int fn(uschar **yield, int argc,
 *	uschar *argv[]) and reads *yield after the call. The return codes
 *	are those of Exim's local_scan.h (ABI 6, Exim 4.9x). The module
 *	does not include that header so that it builds without exim4-dev;
 *	tests/exim.sh compares the values below with the header.
 *
 *	Per process (exim_proc.c): Exim forks a delivery process per
 *	message and a subprocess per remote delivery, and a dlopen()ed
 *	module is loaded once per process image, so its state is kept in
 *	one static struct that remembers the PID that opened it. A call in
 *	a child of that process starts afresh (LMDB environments and getdns
 *	contexts must not cross fork()); what the parent had open is left
 *	alone, not freed, so nothing of the parent's can be disturbed.
 *
 *	mtasts_exim_proc() returns the state for config path (empty: the
 *	default config), opening config, store, audit log on first use and
 *	again after fork() or when another path is asked for; NULL with why
 *	when that fails (the caller defers). mtasts_exim_dns() adds the
 *	blocking resolver for MX lookups on first use.
 *
 *	mtasts_exim_yield() copies text into the per-process answer buffer,
 *	points *yield at it and returns code (EXIM_DEFER when memory runs
 *	out, whatever code was): one growable buffer is reused
 *	by every call, so nothing accumulates from call to call. Exim
 *	copies the answer before the next expansion item runs.
 *
 *	Connection state (exim_tls.c): the transport events of one SMTP
 *	connection arrive one by one in the transport subprocess
 *	(tcp:connect, smtp:connect, tls:cert, tcp:close, msg:host:defer);
 *	struct mtasts_exim_conn collects what they tell so that the
 *	outcome records carry an RFC 8460 result type.
 *--*/
#ifndef MTASTS_EXIM_INT_H
#define MTASTS_EXIM_INT_H

#include <stddef.h>
#include <sys/types.h>

#include <mtasts/audit.h>
#include <mtasts/config.h>
#include <mtasts/decision.h>
#include <mtasts/dns.h>
#include <mtasts/limits.h>
#include <mtasts/mxstate.h>
#include <mtasts/status.h>
#include <mtasts/store.h>

/* Exim's dlfunc return codes (local_scan.h). */
#define EXIM_OK		0	/* *yield is the expansion's text */
#define EXIM_DEFER	1	/* expansion fails, Exim panic-logs *yield */
#define EXIM_FAIL	2	/* expansion fails, not forced */
#define EXIM_FAIL_FORCED 4	/* forced failure ("fail" in Exim terms) */

/*
 * Values of $event_defer_errno in Exim 4.96 (src/macros.h) that say a
 * TLS rule refused the host: the server offered no STARTTLS although
 * TLS was required, or the TLS session (certificate check) failed.
 */
#define EXIM_ERRNO_TLSFAILURE	(-37)
#define EXIM_ERRNO_TLSREQUIRED	(-38)

/* What one SMTP connection told the events so far. */
struct mtasts_exim_conn {
	char	addr[MTASTS_EXIM_ADDR_MAX];	/* $host_address */
	char	host[MTASTS_DOMAIN_MAX + 1];	/* $host */
	int	smtp;			/* smtp:connect: the server greeted */
	int	cert_seen;		/* tls:cert at depth 0 arrived */
	int	cert_expired;		/* outside notbefore..notafter */
	int	cert_mismatch;		/* no DNS-ID matches the MX name */
	int	closed;			/* tcp:close arrived */
	int	outside;		/* testing: the MX does not match the policy */
	int	verified;		/* $tls_out_certificate_verified */
	char	tls_ver[MTASTS_EXIM_TLS_TEXT_MAX];	/* "" when in clear */
	char	cipher[MTASTS_EXIM_TLS_TEXT_MAX];
};

/* The state of this process. */
struct mtasts_exim_proc {
	pid_t	pid;			/* who opened it */
	char   *config_path;
	struct mtasts_config *cfg;
	struct mtasts_store *store;
	struct mtasts_audit *audit;
	struct mtasts_dns *dns;		/* MX lookups, made on first use */
	struct mtasts_mxstate *mxstate;	/* MX TLS outcomes, on first use */
	int	mxstate_failed;		/* could not open it: said once */
	struct mtasts_exim_conn conn;
};

/* The ${dlfunc} entry points, Exim's exim_dlfunc_t (exim_route.c, exim_event.c). */
int	mtasts_exim_mode(unsigned char **yield, int argc, unsigned char *argv[]);
int	mtasts_exim_route(unsigned char **yield, int argc, unsigned char *argv[]);
int	mtasts_exim_event(unsigned char **yield, int argc, unsigned char *argv[]);

struct mtasts_exim_proc *mtasts_exim_proc(const char *config_path,
		char *why, size_t whylen);
struct mtasts_dns *mtasts_exim_dns(struct mtasts_exim_proc *,
		char *why, size_t whylen);
void	mtasts_exim_mxstate(struct mtasts_exim_proc *, const char *host,
		int ok, const char *reason);
int	mtasts_exim_yield(unsigned char **yield, int code, const char *text);

/* exim_tls.c: connection state and RFC 8460 result types. */
void	mtasts_exim_conn_start(struct mtasts_exim_conn *,
		const char *host, const char *addr);
int	mtasts_exim_conn_same(const struct mtasts_exim_conn *, const char *addr);
void	mtasts_exim_conn_cert(struct mtasts_exim_conn *, const char *host,
		const char *certinfo);
void	mtasts_exim_conn_close(struct mtasts_exim_conn *, const char *state);
const char *mtasts_exim_conn_result(const struct mtasts_exim_conn *,
		int errno_value);
int	mtasts_exim_state_errno(const char *state);

#endif
