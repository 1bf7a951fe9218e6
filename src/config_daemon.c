/*++
 * NAME
 *	config_daemon 3
 * SUMMARY
 *	mtasts.yaml sections "daemon" and "maps": value checks, map lookup
 * SYNOPSIS
 *	#include "config_schema.h"
 *	#include <mtasts/config.h>
 *
 *	mtasts_config_map(): see config.h
 * DESCRIPTION
 *	The rows of these sections sit in the schema table (config_schema.c);
 *	this file holds what they need beyond the generic types:
 *
 *	daemon.listen	"unix:/ABSOLUTE/PATH", "inet:ADDRESS:PORT" or
 *			"inet:[IPV6-ADDRESS]:PORT", parsed into a struct
 *			mtasts_listen so mtastsd never parses it again
 *	daemon.socket_mode	0600, 0660 or 0666: a socket's read and
 *			write bits are all that matter (connect(2) needs w)
 *	maps.<name>	a socketmap name: 1..MTASTS_SOCKETMAP_NAME_MAX
 *			letters, digits, '.', '_' or '-'
 *	yes/no values	yes, no, true, false, on, off (YAML 1.1 booleans,
 *			which libyaml hands over as text)
 * SECURITY
 *	Listen addresses must be IP addresses: a name would need DNS at
 *	start-up and could move the socket to an address nobody checked.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <mtasts/config.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "config_schema.h"

/* Messages quote at most this much of the offending text. */
#define SHOW_MAX	80

_Static_assert(offsetof(struct mtasts_map_cfg, name) == 0,
	       "maps entries must start with their name");
_Static_assert(MTASTS_LISTEN_PATH_MAX <= sizeof(((struct sockaddr_un *) 0)->sun_path),
	       "a listen path must fit sun_path");

const struct cfg_enum mtasts_cfg_bools[] = {
	{"yes", 1}, {"no", 0},
	{"true", 1}, {"false", 0},
	{"on", 1}, {"off", 0},
	{NULL, 0}
};

const struct cfg_enum mtasts_cfg_socket_modes[] = {
	{"0600", 0600},
	{"0660", 0660},
	{"0666", 0666},
	{NULL, 0}
};

/* listen_port - decimal 1..65535 without sign or leading zero; 0 if bad */

static unsigned
listen_port(const char *s, size_t len)
{
	unsigned long port = 0;
	size_t	i;

	if (len == 0 || len > 5 || s[0] == '0')
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
		port = port * 10 + (unsigned long) (s[i] - '0');
	}
	return (port <= 65535 ? (unsigned) port : 0);
}

/* listen_inet - "ADDRESS:PORT" or "[IPV6]:PORT" into l */

static int
listen_inet(const char *s, size_t len, struct mtasts_listen *l)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char	host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h;
	size_t	hlen;
	unsigned port;

	if ((colon = memrchr(s, ':', len)) == NULL)
		return (-1);
	port = listen_port(colon + 1, len - (size_t) (colon - s) - 1);
	h = s;
	hlen = (size_t) (colon - s);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
		l->family = AF_INET6;
	} else {
		l->family = AF_INET;
	}
	if (hlen == 0 || hlen >= sizeof(host) || port == 0)
		return (-1);
	memcpy(host, h, hlen);
	host[hlen] = 0;
	if (inet_pton(l->family, host, addr) != 1
	    || inet_ntop(l->family, addr, l->host, sizeof(l->host)) == NULL)
		return (-1);
	l->port = (uint16_t) port;
	return (0);
}

/* mtasts_cfg_listen_item - daemon.listen entry */

enum mtasts_status
mtasts_cfg_listen_item(const char *text, size_t len, void *elem, char *err,
		       size_t errlen)
{
	struct mtasts_listen *l = elem;
	char	show[SHOW_MAX];
	size_t	i;

	memset(l, 0, sizeof(*l));
	if (memchr(text, 0, len) != NULL)
		goto bad;
	if (len > 5 && memcmp(text, "unix:", 5) == 0) {
		/* A relative path would depend on the working directory ("/"). */
		if (text[5] != '/' || len - 5 >= sizeof(l->path))
			goto bad;
		for (i = 5; i < len; i++)
			if ((unsigned char) text[i] < 0x21 || text[i] == 0x7f)
				goto bad;
		l->family = AF_UNIX;
		memcpy(l->path, text + 5, len - 5);
		l->path[len - 5] = 0;
		return (MTASTS_OK);
	}
	if (len > 5 && memcmp(text, "inet:", 5) == 0
	    && listen_inet(text + 5, len - 5, l) == 0)
		return (MTASTS_OK);

bad:
	mtasts_why(err, errlen, "\"%s\" is not unix:/ABSOLUTE/PATH (under %d "
		   "characters), inet:ADDRESS:PORT or inet:[IPV6]:PORT",
		   mtasts_sanitize(text, len, show, sizeof(show)),
		   MTASTS_LISTEN_PATH_MAX);
	return (MTASTS_PERM);
}

/* mtasts_cfg_map_item - maps.<name>: a socketmap name */

enum mtasts_status
mtasts_cfg_map_item(const char *text, size_t len, void *elem, char *err,
		    size_t errlen)
{
	char  **slot = elem;
	char	show[SHOW_MAX];
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		      || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			break;
	}
	if (len == 0 || i < len || len > MTASTS_SOCKETMAP_NAME_MAX) {
		mtasts_why(err, errlen, "\"%s\" is not a socketmap name (1 to %d "
			   "letters, digits, '.', '_', '-')",
			   mtasts_sanitize(text, len, show, sizeof(show)),
			   MTASTS_SOCKETMAP_NAME_MAX);
		return (MTASTS_PERM);
	}
	if ((*slot = malloc(len + 1)) == NULL)
		return (MTASTS_TEMP);
	memcpy(*slot, text, len);
	(*slot)[len] = 0;
	return (MTASTS_OK);
}

/* cmp_map - bsearch: a name against an entry */

static int
cmp_map(const void *key, const void *elem)
{
	return (strcmp(key, ((const struct mtasts_map_cfg *) elem)->name));
}

/* mtasts_config_map - maps.<name>, else maps.default, else NULL */

const struct mtasts_map_cfg *
mtasts_config_map(const struct mtasts_config *cfg, const char *name)
{
	const struct mtasts_map_cfg *m = NULL;

	if (cfg == NULL || cfg->nmaps == 0)
		return (NULL);
	if (name != NULL)
		m = bsearch(name, cfg->maps, cfg->nmaps, sizeof(*cfg->maps), cmp_map);
	if (m == NULL)
		m = bsearch("default", cfg->maps, cfg->nmaps, sizeof(*cfg->maps),
			    cmp_map);
	return (m);
}
