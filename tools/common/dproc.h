/*++
 * NAME
 *	dproc 3h
 * SUMMARY
 *	daemon mode, pid file and privilege drop for mtastsd and the milter
 *--*/
#ifndef MTASTS_DPROC_H
#define MTASTS_DPROC_H

#include <stddef.h>
#include <sys/types.h>

int	dproc_daemonize(int *parent_status, char *why, size_t whylen);
int	dproc_ready(char *why, size_t whylen);
int	dproc_pidfile(const char *path, char *why, size_t whylen);
int	dproc_pidfile_remove(const char *path, char *why, size_t whylen);
int	dproc_drop(uid_t uid, gid_t gid, char *why, size_t whylen);
int	dproc_ids(const char *section, const char *user, const char *group,
		  const char *socket_group, uid_t *uid, gid_t *gid,
		  gid_t *sock_gid, char *why, size_t whylen);
int	dproc_rundir(const char *path, uid_t uid, gid_t gid, char *why,
		     size_t whylen);

#endif
