/*++
 * NAME
 *	cache_env 3
 * SUMMARY
 *	the policy cache's LMDB environment: open, share, close
 * SYNOPSIS
 *	#include <mtasts/cache.h>
 * DESCRIPTION
 *	mtasts_cache_open() and mtasts_cache_close(), see cache.h.
 *
 *	The environment uses MDB_NOSUBDIR (the path is a file, with a
 *	"-lock" sibling) and MDB_NOTLS (read transactions are not tied to a
 *	thread, so a daemon's workers share one handle). It keeps LMDB's
 *	default durability: no MDB_NOSYNC, no MDB_WRITEMAP, so a crash keeps
 *	the last committed transaction.
 *
 *	LMDB forbids two environments on one file in one process (closing
 *	the second descriptor drops the first one's fcntl locks, and other
 *	processes would then clear our live reader slots), so a registry
 *	keyed by device, inode and pid hands out one shared environment per
 *	file per process.
 * SECURITY
 *	A file shorter than its header claims is refused at open: LMDB would
 *	otherwise fault (SIGBUS) on the first read past its end, inside the
 *	MTA's process.
 *--*/
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include <mtasts/cache.h>
#include <mtasts/limits.h>

#include "cache_int.h"

/* New files are shared by the mail system's users through the group. */
#define CACHE_FILE_MODE	0660

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;
static struct cache_env *registry;

/* registry_lock_fork, registry_unlock_fork - fork() handlers */

static void
registry_lock_fork(void)
{
	(void) pthread_mutex_lock(&registry_lock);
}

static void
registry_unlock_fork(void)
{
	(void) pthread_mutex_unlock(&registry_lock);
}

/*
 * registry_init - hold the registry across fork(), so that a child forked
 * while another thread was opening or closing a cache does not inherit
 * the lock taken and wait for it forever.
 */
static void
registry_init(void)
{
	(void) pthread_atfork(registry_lock_fork, registry_unlock_fork,
			      registry_unlock_fork);
}

/* mtasts_cache_err - describe an LMDB or errno code */

void
mtasts_cache_err(int rc, const char *what, char *why, size_t whylen)
{
	switch (rc) {
	case MDB_MAP_FULL:
		mtasts_why(why, whylen, "%s: cache full (map size %zu MiB); "
			   "purge it or build with a larger "
			   "MTASTS_CACHE_MAP_SIZE", what,
			   (size_t) (MTASTS_CACHE_MAP_SIZE >> 20));
		break;
	case MDB_READERS_FULL:
		/* The table's size is the lock file's, maybe not ours. */
		mtasts_why(why, whylen, "%s: reader table full: too many "
			   "processes reading at once", what);
		break;
	case MDB_MAP_RESIZED:
		mtasts_why(why, whylen, "%s: another process enlarged the map; "
			   "reopen the cache", what);
		break;
	case MDB_INVALID:
		mtasts_why(why, whylen, "%s: not an LMDB file, or its header "
			   "is damaged", what);
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		mtasts_why(why, whylen, "%s: database damaged (%s)", what,
			   mdb_strerror(rc));
		break;
	default:
		mtasts_why(why, whylen, "%s: %s", what, mdb_strerror(rc));
		break;
	}
}

/* mtasts_cache_txn_read - begin a read txn, clearing dead readers if full */

int
mtasts_cache_txn_read(struct cache_env *ce, MDB_txn **txn)
{
	int	rc, dead, i;

	for (i = 0;; i++) {
		rc = mdb_txn_begin(ce->env, NULL, MDB_RDONLY, txn);
		if (rc != MDB_READERS_FULL || i >= MTASTS_CACHE_RETRIES)
			return (rc);
		/* Slots of crashed processes stay taken until checked. */
		(void) mdb_reader_check(ce->env, &dead);
	}
}

/* env_check - refuse a file shorter than its own header says */

static int
env_check(MDB_env *env, char *why, size_t whylen)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	int	fd;

	/*
	 * LMDB maps the file and trusts the page count in its header; a
	 * truncated file would fault (SIGBUS) on the first read past the
	 * end. Check once here instead of crashing the MTA later.
	 */
	if (mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &st) != 0
	    || mdb_env_get_fd(env, &fd) != 0 || fstat(fd, &fst) != 0) {
		mtasts_why(why, whylen, "cannot read the database header");
		return (-1);
	}
	if ((uint64_t) fst.st_size
	    < ((uint64_t) info.me_last_pgno + 1) * st.ms_psize) {
		mtasts_why(why, whylen, "file truncated: %lld bytes, its "
			   "header needs %llu", (long long) fst.st_size,
			   (unsigned long long) (info.me_last_pgno + 1)
			   * st.ms_psize);
		return (-2);
	}
	/* Exim and the daemon exec helpers: do not leak the data file. */
	(void) fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	return (0);
}

/* dir_check - say which directory is missing before LMDB says ENOENT */

static int
dir_check(const char *path, char *why, size_t whylen)
{
	char	dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int	n;

	if (slash == NULL)
		return (0);
	n = snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
	if (n < 0 || (size_t) n >= sizeof(dir)) {
		mtasts_why(why, whylen, "path too long");
		return (-1);
	}
	if (n == 0)
		return (0);
	if (stat(dir, &st) != 0) {
		mtasts_why(why, whylen, "directory %s: %s", dir,
			   strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		mtasts_why(why, whylen, "%s is not a directory", dir);
		return (-1);
	}
	return (0);
}

/*
 * create_file - create the file when missing, with the documented mode
 * whatever the umask is. LMDB itself makes simultaneous creators take
 * turns (the first holds the "-lock" file exclusively until the header
 * is written), so this only decides the mode. The descriptor is closed
 * at once; LMDB's fcntl locks sit on the "-lock" file, not this one.
 */
static int
create_file(const char *path, int *created, char *why, size_t whylen)
{
	int	fd;

	*created = 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, CACHE_FILE_MODE);
	if (fd < 0) {
		if (errno == EEXIST)
			return (0);
		mtasts_why(why, whylen, "create: %s", strerror(errno));
		return (-1);
	}
	*created = 1;
	(void) fchmod(fd, CACHE_FILE_MODE);
	(void) close(fd);
	return (0);
}

/* open_err - describe an mdb_env_open failure */

static void
open_err(int rc, const char *path, char *why, size_t whylen)
{
	/* LMDB does not say which file; readers need both writable. */
	if (rc == EACCES)
		mtasts_why(why, whylen, "open: %s (readers and writers need "
			   "write access to %s and %s-lock)", strerror(rc),
			   path, path);
	else
		mtasts_cache_err(rc, "open", why, whylen);
}

/*
 * damaged - LMDB codes that mean the file itself is bad: retrying cannot
 * help, only mtasts_cache_rebuild() (or an admin) can.
 */
static int
damaged(int rc)
{
	return (rc == MDB_INVALID || rc == MDB_CORRUPTED
		|| rc == MDB_PAGE_NOTFOUND || rc == MDB_VERSION_MISMATCH);
}

/* env_open - open a new environment; MTASTS_NONE when the file is empty */

static enum mtasts_status
env_open(const char *path, int rdwr, int missing, struct cache_env **out,
	 char *why, size_t whylen)
{
	struct cache_env *ce;
	char	lock[4096];
	MDB_txn *txn;
	struct stat st;
	int	rc, fd, dead, n, created = 0;
	unsigned flags = MDB_NOSUBDIR | MDB_NOTLS | (rdwr ? 0 : MDB_RDONLY);
	enum mtasts_status fail_st = MTASTS_TEMP;

	if ((ce = calloc(1, sizeof(*ce))) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	if ((rc = mdb_env_create(&ce->env)) != 0) {
		free(ce);
		mtasts_cache_err(rc, "create", why, whylen);
		return (MTASTS_TEMP);
	}
	(void) mdb_env_set_mapsize(ce->env, MTASTS_CACHE_MAP_SIZE);
	(void) mdb_env_set_maxreaders(ce->env, MTASTS_CACHE_READERS_MAX);
	if (missing && create_file(path, &created, why, whylen) != 0)
		goto fail;
	rc = mdb_env_open(ce->env, path, flags, CACHE_FILE_MODE);
	if (rc == ENOENT && !rdwr) {
		/* Read-only on a file no writer has initialised yet. */
		mdb_env_close(ce->env);
		free(ce);
		mtasts_why(why, whylen, "empty file");
		return (MTASTS_NONE);
	}
	if (rc != 0) {
		open_err(rc, path, why, whylen);
		if (damaged(rc))
			fail_st = MTASTS_PERM;
		goto fail;
	}
	if (created) {
		n = snprintf(lock, sizeof(lock), "%s-lock", path);
		if (n > 0 && (size_t) n < sizeof(lock))
			(void) chmod(lock, CACHE_FILE_MODE);
	}
	if ((rc = env_check(ce->env, why, whylen)) != 0) {
		if (rc == -2)
			fail_st = MTASTS_PERM;
		goto fail;
	}
	(void) mdb_reader_check(ce->env, &dead);
	if ((rc = mtasts_cache_txn_read(ce, &txn)) == 0) {
		if ((rc = mdb_dbi_open(txn, NULL, 0, &ce->dbi)) == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	if (rc != 0) {
		mtasts_cache_err(rc, "open", why, whylen);
		if (damaged(rc))
			fail_st = MTASTS_PERM;
		goto fail;
	}
	if (mdb_env_get_fd(ce->env, &fd) != 0 || fstat(fd, &st) != 0) {
		mtasts_why(why, whylen, "fstat: %s", strerror(errno));
		goto fail;
	}
	ce->dev = st.st_dev;
	ce->ino = st.st_ino;
	ce->pid = getpid();
	ce->rdwr = rdwr;
	ce->refs = 1;
	*out = ce;
	return (MTASTS_OK);

fail:
	mdb_env_close(ce->env);
	free(ce);
	return (fail_st);
}

/* cache_handle - wrap an environment (NULL: empty) in a handle */

static enum mtasts_status
cache_handle(struct cache_env *ce, int rdwr, enum mtasts_status s,
	     struct mtasts_cache **out, char *why, size_t whylen)
{
	struct mtasts_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	c->ce = ce;
	c->rdwr = rdwr;
	*out = c;
	return (s);
}

/* mtasts_cache_open - open (or share) the cache file */

enum mtasts_status
mtasts_cache_open(const char *path, int flags, struct mtasts_cache **out,
		  char *why, size_t whylen)
{
	struct cache_env *ce;
	struct stat st;
	enum mtasts_status s;
	int	rdwr = (flags & MTASTS_CACHE_RDWR) != 0;
	int	missing = 0;

	*out = NULL;
	if (flags & ~(MTASTS_CACHE_RDWR | MTASTS_CACHE_NOCREATE)) {
		mtasts_why(why, whylen, "bad open flags 0x%x",
			   (unsigned) flags);
		return (MTASTS_PERM);
	}
	if (path == NULL)
		path = MTASTS_DEFAULT_CACHE;
	if (pthread_once(&registry_once, registry_init) != 0
	    || pthread_mutex_lock(&registry_lock) != 0) {
		mtasts_why(why, whylen, "registry lock failed");
		return (MTASTS_TEMP);
	}
	if (stat(path, &st) != 0) {
		if (errno != ENOENT) {
			mtasts_why(why, whylen, "%s", strerror(errno));
			s = MTASTS_TEMP;
		} else if (!rdwr || (flags & MTASTS_CACHE_NOCREATE)) {
			/* No file yet is an empty cache, not an error. */
			if (dir_check(path, why, whylen) == 0)
				mtasts_why(why, whylen, "no such file");
			s = cache_handle(NULL, rdwr, MTASTS_NONE, out, why,
					 whylen);
		} else if (dir_check(path, why, whylen) != 0) {
			s = MTASTS_TEMP;
		} else {
			missing = 1;
			s = MTASTS_OK;
		}
		if (!missing)
			goto done;
	} else if (!S_ISREG(st.st_mode)) {
		mtasts_why(why, whylen, "not a regular file");
		s = MTASTS_TEMP;
		goto done;
	} else if (st.st_size == 0 && !rdwr) {
		/* Created but not yet initialised by a writer: empty. */
		mtasts_why(why, whylen, "empty file");
		s = cache_handle(NULL, rdwr, MTASTS_NONE, out, why, whylen);
		goto done;
	} else {
		for (ce = registry; ce; ce = ce->next) {
			if (ce->dev != st.st_dev || ce->ino != st.st_ino
			    || ce->pid != getpid())
				continue;
			if (rdwr && !ce->rdwr) {
				mtasts_why(why, whylen, "already open "
					   "read-only in this process");
				s = MTASTS_TEMP;
				goto done;
			}
			if ((s = cache_handle(ce, rdwr, MTASTS_OK, out, why,
					      whylen)) == MTASTS_OK)
				ce->refs++;
			goto done;
		}
	}
	s = env_open(path, rdwr, missing, &ce, why, whylen);
	if (s == MTASTS_OK) {
		if ((s = cache_handle(ce, rdwr, MTASTS_OK, out, why, whylen))
		    == MTASTS_OK) {
			ce->next = registry;
			registry = ce;
		} else {
			mdb_env_close(ce->env);
			free(ce);
		}
	} else if (s == MTASTS_NONE) {
		s = cache_handle(NULL, rdwr, MTASTS_NONE, out, why, whylen);
	}
done:
	(void) pthread_mutex_unlock(&registry_lock);
	return (s);
}

/* mtasts_cache_close - release a handle (and the environment with the last) */

void
mtasts_cache_close(struct mtasts_cache *c)
{
	struct cache_env **pp;
	struct cache_env *ce;

	if (c == NULL)
		return;
	ce = c->ce;
	free(c);
	/* An environment inherited across fork() belongs to the parent. */
	if (ce == NULL || ce->pid != getpid())
		return;
	(void) pthread_mutex_lock(&registry_lock);
	if (--ce->refs == 0) {
		for (pp = &registry; *pp; pp = &(*pp)->next) {
			if (*pp == ce) {
				*pp = ce->next;
				break;
			}
		}
		mdb_env_close(ce->env);
		free(ce);
	}
	(void) pthread_mutex_unlock(&registry_lock);
}


/* mtasts_cache_rebuild - move a damaged cache file aside */

enum mtasts_status
mtasts_cache_rebuild(const char *path, char *aside, size_t asidelen,
		     char *why, size_t whylen)
{
	char	lock[4096];
	struct cache_env *ce;
	int	n;

	if (path == NULL)
		path = MTASTS_DEFAULT_CACHE;
	if (pthread_once(&registry_once, registry_init) != 0
	    || pthread_mutex_lock(&registry_lock) != 0) {
		mtasts_why(why, whylen, "registry lock failed");
		return (MTASTS_TEMP);
	}
	for (ce = registry; ce; ce = ce->next) {
		if (ce->pid == getpid()) {
			struct stat st;

			if (stat(path, &st) == 0 && st.st_dev == ce->dev
			    && st.st_ino == ce->ino) {
				(void) pthread_mutex_unlock(&registry_lock);
				mtasts_why(why, whylen, "%s is open in this process", path);
				return (MTASTS_PERM);
			}
		}
	}
	n = snprintf(aside, asidelen, "%s.damaged-%lld", path, (long long) time(NULL));
	if (n < 0 || (size_t) n >= asidelen) {
		(void) pthread_mutex_unlock(&registry_lock);
		mtasts_why(why, whylen, "path too long");
		return (MTASTS_PERM);
	}
	/*
	 * rename(2) is atomic: other processes that still map the old file
	 * keep reading it until they reopen, and the next open creates a
	 * fresh file. The lock file goes too, since its reader table
	 * describes the old data file.
	 */
	if (rename(path, aside) != 0) {
		(void) pthread_mutex_unlock(&registry_lock);
		mtasts_why(why, whylen, "rename %s: %s", path, strerror(errno));
		return (MTASTS_TEMP);
	}
	n = snprintf(lock, sizeof(lock), "%s-lock", path);
	if (n > 0 && (size_t) n < sizeof(lock))
		(void) unlink(lock);
	(void) pthread_mutex_unlock(&registry_lock);
	return (MTASTS_OK);
}
