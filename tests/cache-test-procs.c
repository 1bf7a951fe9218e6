/*++
 * NAME
 *	cache-test-procs 3
 * SUMMARY
 *	cache tests with several processes: writers, crashes, fork, speed
 * DESCRIPTION
 *	Part of cache-test (see cache-test.c). Children open their own
 *	handles after fork(), as LMDB requires; a raw LMDB holder process
 *	stands in for an MTA process that dies in the middle of a
 *	transaction.
 *--*/
#include "config.h"

#include <sys/wait.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include <mtasts/cache.h>

#include "cache-test.h"

#define NCHILD		8	/* concurrent writer processes */
#define NOPS		2000	/* operations per child */
#define NSHARED		50	/* domains all children write */
#define NROUNDS		10	/* rounds of simultaneous creation */
#define NTHREADS	6	/* threads in one process */

static char why[MTASTS_REASON_MAX];

/* child_work - one writer process of t_procs; exit status 0 when sound */

static int
child_work(int id)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry w, r;
	char	text[256], d[64], err[MTASTS_REASON_MAX];
	unsigned seed = (unsigned) id * 2654435761u + 1;
	long	seq;
	int	i, op, bad = 0;
	enum mtasts_status s;

	if (mtasts_cache_open(ct_path("procs.lmdb"), MTASTS_CACHE_RDWR, &c,
			      err, sizeof(err)) != MTASTS_OK)
		return (2);
	/*
	 * Reads dominate, as in an MTA: of 20 operations 2 puts, 1 touch,
	 * 1 put-and-delete of a private domain and 16 gets; the first
	 * NSHARED operations put every shared domain once.
	 */
	for (i = 0; i < NOPS; i++) {
		seed = seed * 1103515245u + 12345u;
		op = i < NSHARED ? 0 : (int) (seed >> 16) % 20;
		seq = (long) id * 100000 + i;
		if (op == 3)
			(void) snprintf(d, sizeof(d), "p%d-%d.example", id,
					i % 7);
		else
			(void) snprintf(d, sizeof(d), "s%d.example",
				i < NSHARED ? i : (int) (seed >> 8) % NSHARED);
		ct_fill(&w, text, sizeof(text), d, seq);
		if (op <= 1 || op == 3)
			s = mtasts_cache_put(c, &w, err, sizeof(err));
		else if (op == 2)
			s = mtasts_cache_touch(c, d, 1800000000 + i, err,
					       sizeof(err));
		else
			s = mtasts_cache_get(c, d, &r, err, sizeof(err));
		if (s == MTASTS_OK && op > 3) {
			bad += !ct_consistent(&r);
			mtasts_cache_entry_free(&r);
		} else if (s != MTASTS_OK) {
			bad++;
		}
		if (op == 3
		    && mtasts_cache_del(c, d, err, sizeof(err)) != MTASTS_OK)
			bad++;
	}
	mtasts_cache_close(c);
	return (bad ? 1 : 0);
}

struct count {
	int	n, bad;
};

/* count_cb - count entries, check each */

static int
count_cb(void *arg, const struct mtasts_cache_entry *e)
{
	struct count *k = arg;

	k->n++;
	k->bad += !ct_consistent(e);
	return (0);
}

/* t_procs - many processes at once */

int
t_procs(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry r;
	struct count k = {0, 0};
	pid_t	pid[NCHILD];
	enum mtasts_status s;
	char	d[64], failwhy[MTASTS_REASON_MAX] = "";
	int	i, status, failed = 0, reads = 0, bad = 0, running = NCHILD;

	CHECK(mtasts_cache_open(ct_path("procs.lmdb"), MTASTS_CACHE_RDONLY, &c,
			why, sizeof(why)) == MTASTS_NONE, "open: %s", why);
	mtasts_cache_close(c);
	for (i = 0; i < NCHILD; i++) {
		if ((pid[i] = fork()) == 0)
			_exit(child_work(i));
		CHECK(pid[i] > 0, "fork: %s", strerror(errno));
	}
	/* Read while they write; the file may not exist for a moment. */
	while (running > 0) {
		/* Opening while others open and close must work too. */
		s = mtasts_cache_open(ct_path("procs.lmdb"),
				      MTASTS_CACHE_RDONLY, &c, why,
				      sizeof(why));
		if (s == MTASTS_TEMP || s == MTASTS_PERM) {
			(void) snprintf(failwhy, sizeof(failwhy), "%s", why);
			bad++;
		} else if (s == MTASTS_NONE) {
			mtasts_cache_close(c);
		} else {
			for (i = 0; i < 200; i++, reads++) {
				(void) snprintf(d, sizeof(d), "s%d.example",
						i % NSHARED);
				s = mtasts_cache_get(c, d, &r, why,
						     sizeof(why));
				if (s == MTASTS_OK)
					bad += !ct_consistent(&r);
				else if (s != MTASTS_NONE)
					bad++;
				mtasts_cache_entry_free(&r);
			}
			mtasts_cache_close(c);
		}
		while (running > 0 && waitpid(-1, &status, WNOHANG) > 0) {
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
		}
	}
	CHECK(failed == 0, "%d children saw errors", failed);
	CHECK(bad == 0, "parent saw %d bad reads of %d (%s)", bad, reads,
	      failwhy);
	CHECK(mtasts_cache_open(ct_path("procs.lmdb"), MTASTS_CACHE_RDONLY, &c,
			why, sizeof(why)) == MTASTS_OK, "reopen: %s", why);
	CHECK(mtasts_cache_foreach(c, count_cb, &k, why, sizeof(why))
	      == MTASTS_OK, "walk: %s", why);
	mtasts_cache_close(c);
	CHECK(k.n == NSHARED && k.bad == 0, "%d entries, %d inconsistent", k.n,
	      k.bad);
	return (0);
}

struct worker {
	struct mtasts_cache *c;		/* shared handle, or NULL: own */
	const char *path;
	int	id, bad;
};

/* worker - one thread of t_threads: gets, puts, touches, walks */

static void *
worker(void *arg)
{
	struct worker *wk = arg;
	struct mtasts_cache *c = wk->c;
	struct mtasts_cache_entry w, r;
	struct count k = {0, 0};
	char	text[256], d[64], err[MTASTS_REASON_MAX];
	enum mtasts_status s;
	int	i;

	/* Threads without a handle open their own: one shared env. */
	if (c == NULL && mtasts_cache_open(wk->path, MTASTS_CACHE_RDWR, &c,
					   err, sizeof(err)) != MTASTS_OK) {
		wk->bad++;
		return (NULL);
	}
	for (i = 0; i < NOPS / 2; i++) {
		(void) snprintf(d, sizeof(d), "s%d.example", (i * 7 + wk->id)
				% NSHARED);
		ct_fill(&w, text, sizeof(text), d, (long) wk->id * 100000 + i);
		if (i % 10 == 0)
			s = mtasts_cache_put(c, &w, err, sizeof(err));
		else if (i % 10 == 1)
			s = mtasts_cache_touch(c, d, 1800000000, err,
					       sizeof(err));
		else if (i % 100 == 2)
			s = mtasts_cache_foreach(c, count_cb, &k, err,
						 sizeof(err));
		else if ((s = mtasts_cache_get(c, d, &r, err, sizeof(err)))
			 == MTASTS_OK) {
			wk->bad += !ct_consistent(&r);
			mtasts_cache_entry_free(&r);
		}
		wk->bad += (s != MTASTS_OK && s != MTASTS_NONE) + k.bad;
		k.bad = 0;
	}
	if (wk->c == NULL)
		mtasts_cache_close(c);
	return (NULL);
}

/* t_threads - one process, threads sharing a handle or the registry */

int
t_threads(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct worker wk[NTHREADS];
	pthread_t tid[NTHREADS];
	char	path[512];
	int	i, bad = 0;

	(void) snprintf(path, sizeof(path), "%s", ct_path("threads.lmdb"));
	CHECK(mtasts_cache_open(path, MTASTS_CACHE_RDWR, &c, why, sizeof(why))
	      == MTASTS_OK, "open: %s", why);
	for (i = 0; i < NTHREADS; i++) {
		wk[i].c = i % 2 ? c : NULL;
		wk[i].id = i;
		wk[i].path = path;
		wk[i].bad = 0;
		CHECK(pthread_create(&tid[i], NULL, worker, &wk[i]) == 0,
		      "pthread_create");
	}
	for (i = 0; i < NTHREADS; i++) {
		(void) pthread_join(tid[i], NULL);
		bad += wk[i].bad;
	}
	mtasts_cache_close(c);
	CHECK(bad == 0, "%d bad results", bad);
	return (0);
}

/* t_create - processes that create the file at once lose no entry */

int
t_create(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry w, r;
	char	text[256], d[64], name[64];
	int	round, i, go[2], status, lost = 0, failed = 0;
	pid_t	pid;

	for (round = 0; round < NROUNDS; round++) {
		(void) snprintf(name, sizeof(name), "create%d.lmdb", round);
		CHECK(pipe(go) == 0, "pipe");
		for (i = 0; i < NCHILD; i++) {
			if ((pid = fork()) == 0) {
				close(go[1]);
				/* Start together: the pipe closes for all. */
				if (read(go[0], d, 1) != 0)
					_exit(2);
				(void) snprintf(d, sizeof(d), "c%d.example", i);
				ct_fill(&w, text, sizeof(text), d, i);
				if (mtasts_cache_open(ct_path(name),
					MTASTS_CACHE_RDWR, &c, why, sizeof(why))
				    != MTASTS_OK)
					_exit(2);
				status = mtasts_cache_put(c, &w, why,
					sizeof(why)) != MTASTS_OK;
				mtasts_cache_close(c);
				_exit(status);
			}
			CHECK(pid > 0, "fork: %s", strerror(errno));
		}
		close(go[0]);
		close(go[1]);
		while (wait(&status) > 0)
			failed += !WIFEXITED(status) || WEXITSTATUS(status);
		CHECK(mtasts_cache_open(ct_path(name), MTASTS_CACHE_RDONLY, &c,
				why, sizeof(why)) == MTASTS_OK, "open: %s",
		      why);
		for (i = 0; i < NCHILD; i++) {
			(void) snprintf(d, sizeof(d), "c%d.example", i);
			if (mtasts_cache_get(c, d, &r, why, sizeof(why))
			    != MTASTS_OK)
				lost++;
			mtasts_cache_entry_free(&r);
		}
		mtasts_cache_close(c);
	}
	CHECK(failed == 0 && lost == 0, "%d creators failed, %d entries lost "
	      "in %d rounds", failed, lost, NROUNDS);
	return (0);
}

/* hold - child: open raw LMDB, start a txn, report, wait to be killed */

static void
hold(const char *path, int wfd, int write_txn, unsigned maxreaders)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi	dbi;
	MDB_val	k = {14, "killed.example"}, v = {3, "bad"};

	if (mdb_env_create(&env) != 0)
		_exit(2);
	if (maxreaders)
		(void) mdb_env_set_maxreaders(env, maxreaders);
	if (mdb_env_open(env, path, MDB_NOSUBDIR, 0660) != 0)
		_exit(2);
	if (write_txn >= 0) {
		if (mdb_txn_begin(env, NULL, write_txn ? 0 : MDB_RDONLY,
				  &txn) != 0
		    || mdb_dbi_open(txn, NULL, 0, &dbi) != 0)
			_exit(2);
		if (write_txn && mdb_put(txn, dbi, &k, &v, 0) != 0)
			_exit(2);
	}
	if (write(wfd, "x", 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

/* spawn_hold - fork a holder and wait until it holds; returns its pid */

static pid_t
spawn_hold(const char *path, int write_txn, unsigned maxreaders)
{
	int	p[2];
	pid_t	pid;
	char	ch;

	if (pipe(p) != 0)
		return (-1);
	if ((pid = fork()) == 0) {
		close(p[0]);
		hold(path, p[1], write_txn, maxreaders);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &ch, 1) != 1) {
		(void) waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return (pid);
}

/* t_killed - crashed writers and readers block nobody, corrupt nothing */

int
t_killed(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry w, r;
	char	text[256];
	pid_t	pid, holder, readers[4];
	int	i, ok;

	CHECK(mtasts_cache_open(ct_path("kill.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	ct_fill(&w, text, sizeof(text), "kept.example", 3);
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK, "put");
	CHECK((pid = spawn_hold(ct_path("kill.lmdb"), 1, 0)) > 0, "writer");
	CHECK(kill(pid, SIGKILL) == 0 && waitpid(pid, NULL, 0) == pid, "kill");
	alarm(20);			/* a blocked writer fails, not hangs */
	ct_fill(&w, text, sizeof(text), "after.example", 4);
	ok = mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK;
	alarm(0);
	CHECK(ok, "put after a killed writer: %s", why);
	CHECK(mtasts_cache_get(c, "killed.example", &r, why, sizeof(why))
	      == MTASTS_NONE, "the killed writer's put is visible");
	CHECK(mtasts_cache_get(c, "kept.example", &r, why, sizeof(why))
	      == MTASTS_OK, "get: %s", why);
	ok = ct_consistent(&r);
	mtasts_cache_entry_free(&r);
	CHECK(ok, "entry damaged");
	mtasts_cache_close(c);

	/* Four reader slots, all taken by processes that then die. */
	CHECK((holder = spawn_hold(ct_path("readers.lmdb"), -1, 4)) > 0,
	      "holder");
	ok = mtasts_cache_open(ct_path("readers.lmdb"), MTASTS_CACHE_RDWR, &c,
			       why, sizeof(why)) == MTASTS_OK;
	for (i = 0; ok && i < 4; i++)
		ok = (readers[i] = spawn_hold(ct_path("readers.lmdb"), 0,
					      0)) > 0;
	for (i = 0; ok && i < 4; i++)
		ok = kill(readers[i], SIGKILL) == 0
			&& waitpid(readers[i], NULL, 0) == readers[i];
	if (ok)
		ok = mtasts_cache_get(c, "kept.example", &r, why, sizeof(why))
			== MTASTS_NONE;
	(void) kill(holder, SIGKILL);
	(void) waitpid(holder, NULL, 0);
	mtasts_cache_close(c);
	CHECK(ok, "get with a table full of dead readers: %s", why);
	return (0);
}

/* t_fork - a child closes the inherited handle and opens its own */

int
t_fork(char *msg, size_t msglen)
{
	struct mtasts_cache *c, *cc;
	struct mtasts_cache_entry w, r;
	char	text[256];
	pid_t	pid;
	int	status;

	CHECK(mtasts_cache_open(ct_path("fork.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	ct_fill(&w, text, sizeof(text), "f.example", 1);
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK, "put");
	if ((pid = fork()) == 0) {
		mtasts_cache_close(c);
		if (mtasts_cache_open(ct_path("fork.lmdb"), MTASTS_CACHE_RDWR,
				      &cc, why, sizeof(why)) != MTASTS_OK)
			_exit(2);
		ct_fill(&w, text, sizeof(text), "g.example", 2);
		status = mtasts_cache_get(cc, "f.example", &r, why,
					  sizeof(why)) != MTASTS_OK
			|| mtasts_cache_put(cc, &w, why, sizeof(why))
			!= MTASTS_OK;
		mtasts_cache_entry_free(&r);
		mtasts_cache_close(cc);
		_exit(status);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)
	      && WEXITSTATUS(status) == 0, "child failed");
	CHECK(mtasts_cache_get(c, "g.example", &r, why, sizeof(why))
	      == MTASTS_OK, "child's entry: %s", why);
	mtasts_cache_entry_free(&r);
	mtasts_cache_close(c);
	return (0);
}

/* t_speed - warm get timing, for information */

int
t_speed(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry w, r;
	struct timespec a, b;
	char	text[256];
	int	i, n = 200000;
	double	ns;

	CHECK(mtasts_cache_open(ct_path("speed.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	ct_fill(&w, text, sizeof(text), "speed.example", 1);
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK, "put");
	if (getenv("CACHE_TEST_QUICK"))		/* valgrind runs */
		n = 2000;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		if (mtasts_cache_get(c, "speed.example", &r, why, sizeof(why))
		    != MTASTS_OK)
			break;
		mtasts_cache_entry_free(&r);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	mtasts_cache_close(c);
	CHECK(i == n, "get %d: %s", i, why);
	ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
	printf("INFO cache/speed: %.0f ns per warm get (%d gets)\n", ns, n);
	return (0);
}

