/*++
 * NAME
 *	socketmap 1
 * SUMMARY
 *	socketmap load generator, cache filler and no-op responder
 * SYNOPSIS
 *	bench/socketmap [-c clients] [-d depth] [-t seconds] [-m map]
 *		run ADDRESS DOMAINFILE
 *	bench/socketmap [-d depth] [-m map] warm ADDRESS DOMAINFILE
 *	bench/socketmap fill CACHEFILE COUNT
 *	bench/socketmap [-t seconds] serve ADDRESS
 * DESCRIPTION
 *	run opens clients connections (default 8) to ADDRESS
 *	(unix:/PATH or inet:IPV4:PORT) and keeps depth requests in flight
 *	on each (default 32; 1 is a client that sends one request and
 *	waits for its reply, as Postfix's smtp(8) does), for seconds
 *	(default 3), each connection walking DOMAINFILE (one domain per
 *	line) from its own offset. Requests are socketmap_table(5)
 *	netstrings "MAP DOMAIN" (map default "postfix"). One thread drives
 *	every connection with epoll, so the client's own cost per request
 *	stays small next to the server's. It prints one line:
 *
 *	lookups=N seconds=S rate=R p50_us=X p99_us=Y max_us=Z ok=A
 *	notfound=B temp=C perm=D other=E
 *
 *	counting only replies that arrived before the time was up; a
 *	reply's latency runs from the moment its request was queued for
 *	sending to the read that brought it in.
 *
 *	warm sends every domain of DOMAINFILE once (depth in flight on one
 *	connection, default 8) and prints the same line plus the first
 *	answer of each kind, so the caller can check that the daemon now
 *	has every policy cached.
 *
 *	fill writes COUNT enforce policies straight into the LMDB cache
 *	CACHEFILE with mtasts_cache_put(), named f000000.fill.test,
 *	f000001.fill.test, ..., fetched now, expiring in a day, each
 *	naming its one MX host exactly (no wildcard: answering it needs
 *	no MX lookup). mtastsd pointed at that file answers them from the
 *	cache; the benchmark reads its memory use then.
 *
 *	serve listens on ADDRESS and answers every query with one fixed
 *	"OK secure ..." for seconds (default 60): run against it, the
 *	client measures the floor of the machine and of itself.
 * DIAGNOSTICS
 *	Exit 0; 1 with a message on stderr when a connection fails, the
 *	server closes one, or a reply is not a netstring.
 * SECURITY
 *	A benchmark tool: it connects only where it is told (the harness
 *	runs it inside the test world's namespace) and runs for a bounded
 *	time.
 *--*/
#include "config.h"

#include <sys/epoll.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mtasts/limits.h>
#include <mtasts/netstring.h>
#include <mtasts/status.h>

#include "socketmap.h"

#define DEF_CLIENTS	8
#define DEF_DEPTH	32
#define DEF_WARM_DEPTH	8
#define DEF_SECONDS	3
#define DEF_MAP		"postfix"
#define READ_CHUNK	65536
/* A warm pass must end: a reference fetching slowly still gets this. */
#define WARM_SECONDS	MTASTS_BENCH_SECONDS_MAX
#define EXAMPLE_MAX	160		/* characters of an answer shown */

enum kind {
	K_OK, K_NOTFOUND, K_TEMP, K_PERM, K_OTHER, K_COUNT
};

static const char *kind_name[K_COUNT] = {
	"ok", "notfound", "temp", "perm", "other"
};

struct conn {
	int	fd;
	char   *out;			/* requests not yet written */
	size_t	outlen, outoff, outcap;
	char   *in;			/* bytes read, not yet parsed */
	size_t	inlen, incap;
	double *sent;			/* ring: when each request was queued */
	size_t	head, inflight;
	size_t	next;			/* next domain to ask */
	int	polling_out;
};

struct run {
	double	t0, deadline;		/* microseconds, monotonic */
	int	stopping;
	unsigned long long budget;	/* requests left to send; 0: no limit */
	unsigned long long done, kinds[K_COUNT];
	unsigned long long *hist;
	double	max_us;
	char	example[K_COUNT][EXAMPLE_MAX + 1];
};

static char **reqs;			/* prebuilt netstrings, one per domain */
static size_t *reqlens;
static size_t nreqs;
static size_t depth;

/* load_domains - one netstring request per line of path */

static void
load_domains(const char *path, const char *map)
{
	FILE   *fp;
	char	line[MTASTS_KEY_MAX + 2];
	char	req[MTASTS_SOCKETMAP_NAME_MAX + MTASTS_KEY_MAX + 32];
	size_t	cap = 0, len;
	int	n;

	if ((fp = fopen(path, "r")) == NULL)
		sm_die("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		len = strcspn(line, "\r\n");
		if (line[len] == 0 && !feof(fp))
			sm_die("%s: a line longer than %d bytes", path, MTASTS_KEY_MAX);
		line[len] = 0;
		if (len == 0)
			continue;
		if (nreqs >= MTASTS_BENCH_DOMAINS_MAX)
			sm_die("%s: more than %d domains", path, MTASTS_BENCH_DOMAINS_MAX);
		n = snprintf(req, sizeof(req), "%zu:%s %s,",
			     strlen(map) + 1 + len, map, line);
		if (n < 0 || (size_t) n >= sizeof(req))
			sm_die("%s: request for %s too long", path, line);
		if (nreqs == cap) {
			cap = cap ? 2 * cap : 1024;
			reqs = sm_realloc(reqs, cap * sizeof(*reqs));
			reqlens = sm_realloc(reqlens, cap * sizeof(*reqlens));
		}
		if ((reqs[nreqs] = strdup(req)) == NULL)
			sm_die("out of memory");
		reqlens[nreqs++] = (size_t) n;
	}
	if (ferror(fp))
		sm_die("read %s: %s", path, strerror(errno));
	(void) fclose(fp);
	if (nreqs == 0)
		sm_die("%s: no domains", path);
}

/* top_up - queue requests until depth are in flight (or none may go) */

static void
top_up(struct run *r, struct conn *c)
{
	size_t	i, len;
	double	t;

	if (r->stopping)
		return;
	t = sm_now_us();
	while (c->inflight < depth) {
		if (r->budget == 1)
			r->stopping = 1;	/* this is the last one */
		else if (r->budget > 1)
			r->budget--;
		i = c->next;
		c->next = (c->next + 1) % nreqs;
		len = reqlens[i];
		if (c->outlen + len > c->outcap) {
			c->outcap = 2 * (c->outlen + len);
			c->out = sm_realloc(c->out, c->outcap);
		}
		memcpy(c->out + c->outlen, reqs[i], len);
		c->outlen += len;
		c->sent[(c->head + c->inflight) % depth] = t;
		c->inflight++;
		if (r->stopping)
			break;
	}
}

/* flush - write what is queued; poll for writability when it blocks */

static void
flush(int ep, struct conn *c)
{
	struct epoll_event ev;
	ssize_t	n;
	int	want;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			sm_die("write: %s", strerror(errno));
		c->outoff += (size_t) n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	want = c->outlen > 0;
	if (want != c->polling_out) {
		ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
			sm_die("epoll_ctl: %s", strerror(errno));
		c->polling_out = want;
	}
}

/* classify - the kind of a reply payload */

static enum kind
classify(const char *p, size_t len)
{
	if (len >= 3 && memcmp(p, "OK ", 3) == 0)
		return (K_OK);
	if (len >= 8 && memcmp(p, "NOTFOUND", 8) == 0)
		return (K_NOTFOUND);
	if (len >= 4 && memcmp(p, "TEMP", 4) == 0)
		return (K_TEMP);
	if (len >= 4 && memcmp(p, "PERM", 4) == 0)
		return (K_PERM);
	return (K_OTHER);
}

/* account - one reply that arrived at time t */

static void
account(struct run *r, struct conn *c, const char *p, size_t len, double t)
{
	enum kind k = classify(p, len);
	double	us;
	size_t	b, n;

	if (c->inflight == 0)
		sm_die("a reply without a request");
	us = t - c->sent[c->head];
	c->head = (c->head + 1) % depth;
	c->inflight--;
	/* Replies after the time was up only drain the connection. */
	if (r->deadline > 0 && t > r->deadline)
		return;
	r->done++;
	r->kinds[k]++;
	if (r->example[k][0] == 0) {
		n = len < EXAMPLE_MAX ? len : EXAMPLE_MAX;
		memcpy(r->example[k], p, n);
		r->example[k][n] = 0;
	}
	if (us > r->max_us)
		r->max_us = us;
	b = (size_t) (us * 1000.0 / MTASTS_BENCH_BUCKET_NS);
	r->hist[b < MTASTS_BENCH_BUCKETS ? b : MTASTS_BENCH_BUCKETS - 1]++;
}

/* drain - read and account every reply the socket has */

static void
drain(struct run *r, struct conn *c)
{
	char	why[MTASTS_REASON_MAX];
	size_t	pos, start, plen, used;
	ssize_t	n;
	size_t	room;
	double	t;

	for (;;) {
		if (c->incap - c->inlen < READ_CHUNK) {
			c->incap = c->inlen + 2 * READ_CHUNK;
			c->in = sm_realloc(c->in, c->incap);
		}
		room = c->incap - c->inlen;
		n = read(c->fd, c->in + c->inlen, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0)
			sm_die("read: %s", strerror(errno));
		if (n == 0)
			sm_die("the server closed a connection with %zu requests "
			    "in flight", c->inflight);
		t = sm_now_us();
		c->inlen += (size_t) n;
		for (pos = 0; pos < c->inlen; pos += used) {
			switch (mtasts_netstring_parse(c->in + pos, c->inlen - pos,
					 MTASTS_SOCKETMAP_REPLY_MAX, &start, &plen,
					 &used, why, sizeof(why))) {
			case MTASTS_OK:
				account(r, c, c->in + pos + start, plen, t);
				continue;
			case MTASTS_NONE:
				break;
			default:
				sm_die("bad reply: %s", why);
			}
			break;
		}
		memmove(c->in, c->in + pos, c->inlen - pos);
		c->inlen -= pos;
		/*
		 * A short read emptied the socket: epoll is level-triggered
		 * and reports what comes next, so the read that would only
		 * say EAGAIN is saved (one syscall per reply at depth 1).
		 */
		if ((size_t) n < room)
			return;
	}
}

/* percentile - the latency (us) below which fraction q of replies lie */

static double
percentile(const struct run *r, double q)
{
	unsigned long long want, seen = 0;
	size_t	b;

	if (r->done == 0)
		return (0);
	want = (unsigned long long) (q * (double) r->done);
	if (want == 0)
		want = 1;
	for (b = 0; b < MTASTS_BENCH_BUCKETS; b++)
		if ((seen += r->hist[b]) >= want)
			break;
	/* The bucket's upper edge: never reports less than was measured. */
	return ((double) (b + 1) * MTASTS_BENCH_BUCKET_NS / 1000.0);
}

/* run - drive nconn connections; budget 0: for seconds, else that many */

static void
run(const char *addr, size_t nconn, unsigned seconds,
    unsigned long long budget, int examples)
{
	struct epoll_event ev, evs[MTASTS_BENCH_CLIENTS_MAX];
	struct conn *conns;
	struct run r;
	size_t	i, inflight;
	double	t, end = 0, secs;
	int	ep, n, k;

	memset(&r, 0, sizeof(r));
	if ((r.hist = calloc(MTASTS_BENCH_BUCKETS, sizeof(*r.hist))) == NULL
	    || (conns = calloc(nconn, sizeof(*conns))) == NULL)
		sm_die("out of memory");
	r.budget = budget;
	if ((ep = epoll_create1(0)) < 0)
		sm_die("epoll_create1: %s", strerror(errno));
	for (i = 0; i < nconn; i++) {
		conns[i].fd = sm_socket(addr, 0);
		conns[i].sent = sm_realloc(NULL, depth * sizeof(double));
		conns[i].next = i * nreqs / nconn;
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0)
			sm_die("epoll_ctl: %s", strerror(errno));
	}
	r.t0 = sm_now_us();
	r.deadline = budget ? 0 : r.t0 + (double) seconds * 1e6;
	for (i = 0; i < nconn; i++) {
		top_up(&r, &conns[i]);
		flush(ep, &conns[i]);
	}
	for (;;) {
		t = sm_now_us();
		if (!r.stopping && r.deadline > 0 && t >= r.deadline)
			r.stopping = 1;
		if (r.stopping && end == 0)
			end = t;
		for (inflight = 0, i = 0; i < nconn; i++)
			inflight += conns[i].inflight;
		if (r.stopping && inflight == 0)
			break;
		/* A timed run drains briefly; a counted one has its own bound. */
		if (budget == 0 && end > 0
		    && t > end + MTASTS_BENCH_DRAIN_MS * 1e3)
			break;
		if (budget > 0 && t > r.t0 + WARM_SECONDS * 1e6)
			break;
		if ((n = epoll_wait(ep, evs, (int) nconn, 50)) < 0) {
			if (errno == EINTR)
				continue;
			sm_die("epoll_wait: %s", strerror(errno));
		}
		for (k = 0; k < n; k++) {
			struct conn *c = evs[k].data.ptr;

			if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				drain(&r, c);
			top_up(&r, c);
			flush(ep, c);
		}
	}
	/* A budget run lasts until its last reply; a timed one its time. */
	secs = budget ? (sm_now_us() - r.t0) / 1e6 : (double) seconds;
	if (budget && inflight > 0)
		sm_die("%zu replies still missing after %d s", inflight,
		    WARM_SECONDS);
	printf("lookups=%llu seconds=%.3f rate=%.0f p50_us=%.1f p99_us=%.1f "
	       "max_us=%.0f", r.done, secs, (double) r.done / secs,
	       percentile(&r, 0.50), percentile(&r, 0.99), r.max_us);
	for (k = 0; k < K_COUNT; k++)
		printf(" %s=%llu", kind_name[k], r.kinds[k]);
	printf("\n");
	for (k = 0; examples && k < K_COUNT; k++)
		if (r.example[k][0])
			printf("example %s: %s\n", kind_name[k], r.example[k]);
	for (i = 0; i < nconn; i++) {
		(void) close(conns[i].fd);
		free(conns[i].out);
		free(conns[i].in);
		free(conns[i].sent);
	}
	free(conns);
	free(r.hist);
	(void) close(ep);
}

/* usage - the synopsis, exit 2 */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: socketmap [-c clients] [-d depth] [-t seconds] "
		"[-m map] run|warm ADDRESS DOMAINFILE\n"
		"       socketmap fill CACHEFILE COUNT\n"
		"       socketmap [-t seconds] serve ADDRESS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *map = DEF_MAP;
	unsigned long clients = DEF_CLIENTS, seconds = 0;
	long	dep = -1;
	int	ch;

	while ((ch = getopt(argc, argv, "c:d:m:t:")) != -1) {
		switch (ch) {
		case 'c':
			clients = sm_number(optarg, 1, MTASTS_BENCH_CLIENTS_MAX,
					 "-c clients");
			break;
		case 'd':
			dep = (long) sm_number(optarg, 1, MTASTS_BENCH_DEPTH_MAX,
					    "-d depth");
			break;
		case 'm':
			if (strlen(optarg) > MTASTS_SOCKETMAP_NAME_MAX
			    || strpbrk(optarg, " ,:") != NULL || *optarg == 0)
				sm_die("-m: a map name is one short word");
			map = optarg;
			break;
		case 't':
			seconds = sm_number(optarg, 1, MTASTS_BENCH_SECONDS_MAX,
					 "-t seconds");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 3 && strcmp(argv[0], "fill") == 0) {
		sm_fill(argv[1], sm_number(argv[2], 1, MTASTS_BENCH_DOMAINS_MAX,
					   "COUNT"));
	} else if (argc == 2 && strcmp(argv[0], "serve") == 0) {
		sm_serve(argv[1], seconds ? (unsigned) seconds
			 : MTASTS_BENCH_SECONDS_MAX);
	} else if (argc == 3 && strcmp(argv[0], "run") == 0) {
		depth = dep > 0 ? (size_t) dep : DEF_DEPTH;
		load_domains(argv[2], map);
		run(argv[1], clients, seconds ? (unsigned) seconds
		    : DEF_SECONDS, 0, 0);
	} else if (argc == 3 && strcmp(argv[0], "warm") == 0) {
		depth = dep > 0 ? (size_t) dep : DEF_WARM_DEPTH;
		load_domains(argv[2], map);
		run(argv[1], 1, WARM_SECONDS, nreqs, 1);
	} else {
		usage();
	}
	return (0);
}
