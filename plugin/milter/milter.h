/*++
 * NAME
 *	milter 3h
 * SUMMARY
 *	internal interfaces of mtasts-milter, the submission-time milter
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	mtasts-milter is an adapter: at RCPT it asks the core's decision
 *	about the recipient domain (which warms the shared cache for the
 *	delivery that follows) and maps the answer once into SMFIS_*
 *	(milter_rcpt.c). Everything policy-related stays in libmtasts.
 *
 *	libmilter runs each MTA connection's callbacks in some thread, one
 *	callback at a time per connection. What all threads share is set
 *	up once before smfi_main() and never changes afterwards: the
 *	config, the store (thread-safe), the audit log (thread-safe) and
 *	struct milter_opts. Per-connection state hangs off the SMFICTX
 *	(smfi_setpriv): a struct milter_conn holds the struct milter_msg of
 *	the transaction under way; abort frees only the message, close
 *	frees both and clears the private pointer.
 *--*/
#ifndef MTASTS_MILTER_H
#define MTASTS_MILTER_H

#include <stddef.h>
#include <sys/types.h>

#include <libmilter/mfapi.h>

#include <mtasts/audit.h>
#include <mtasts/config.h>
#include <mtasts/decision.h>
#include <mtasts/limits.h>
#include <mtasts/mxstate.h>
#include <mtasts/store.h>

/* Sendmail's queue ids are 14 characters, Postfix's long ones ~20. */
#define MILTER_QID_MAX		32

/* What the whole process shares; read-only once smfi_main() runs. */
struct milter_opts {
	const struct mtasts_config *cfg;
	struct mtasts_store *store;
	struct mtasts_audit *audit;
	struct mtasts_mxstate *mxstate;	/* MX TLS outcomes; NULL: unknown */
	int	action;			/* MTASTS_MILTER_ACCEPT or _TEMPFAIL */
	char	header[MTASTS_MILTER_HEADER_NAME_MAX + 1];	/* "" = none */
	int	verbose;		/* -v: log every recipient */
};

extern struct milter_opts milter_opts;

/* What the MX check found for an enforced domain (milter_mx.c). */
enum milter_mx {
	MILTER_MX_UNKNOWN = 0,		/* not checked, or the lookup failed */
	MILTER_MX_OK,			/* some MX host matches the policy */
	MILTER_MX_NONE,			/* none can: the policy cannot be met */
	MILTER_MX_TLSFAIL		/* all that match failed their last TLS */
};

/* One recipient domain of a message, as its header will tell. */
struct milter_dom {
	char	name[MTASTS_DOMAIN_MAX + 1];
	enum mtasts_dmode mode;
	char	id[MTASTS_ID_MAX + 1];
	enum milter_mx mx;
	int	recorded;		/* a recipient here was accepted */
};

/* One mail transaction: MAIL FROM to end of message or abort. */
struct milter_msg {
	char	qid[MILTER_QID_MAX + 1];	/* "" until the MTA tells */
	size_t	ndoms;
	struct milter_dom doms[MTASTS_MILTER_DOMAINS_MAX];
	unsigned ours;			/* copies of our header in the message */
};

/* One MTA connection. */
struct milter_conn {
	unsigned long id;		/* for log lines: conn=N */
	struct milter_msg *msg;		/* NULL outside a transaction */
};

/* ---- milter_ctx.c: connection and message state */
struct milter_conn *milter_conn_new(void);
void	milter_conn_free(struct milter_conn *);
/* milter_msg_begin - a fresh message (any old one freed); NULL: no memory */
struct milter_msg *milter_msg_begin(struct milter_conn *);
void	milter_msg_end(struct milter_conn *);
/* milter_msg_dom - the entry for a domain, made when new; NULL when full */
struct milter_dom *milter_msg_dom(struct milter_msg *, const char *domain);
/* milter_dom_text - the header value for one domain */
int	milter_dom_text(const struct milter_dom *, char *out, size_t outlen);
/* milter_sessions - connections open now (for a clean stop) */
unsigned milter_sessions(void);

/* ---- milter_rcpt.c: one recipient, decided and mapped into SMFIS_* */
sfsistat milter_rcpt(SMFICTX *, struct milter_conn *, const char *addr);

/* ---- milter_mx.c: can any MX host of the domain meet an enforced policy? */
enum milter_mx milter_mx_check(const struct mtasts_decision *,
		const char *domain, char *why, size_t whylen);
int	milter_mx_init(char *why, size_t whylen);

/* ---- milter_cb.c: the libmilter callbacks */
void	milter_describe(struct smfiDesc *, int with_header);

/* ---- milter_proc.c: the socket (ids and privileges: tools/common/dproc) */
int	milter_socket_prepare(const char *spec, uid_t uid, gid_t gid,
		char *why, size_t whylen);
int	milter_socket_own(const char *spec, int mode, uid_t uid, gid_t gid,
		char *why, size_t whylen);
void	milter_socket_remove(const char *spec);
void	milter_ready(void);
void	milter_pidfile_remove(const char *path);

/* ---- milter_main.c: logging */
void	milter_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
