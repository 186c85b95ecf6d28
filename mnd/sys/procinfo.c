// SPDX-License-Identifier: BSD-3-Clause
/*
 * /proc and cgroup v2 lookups for mnd.conf rules. Everything is bounded:
 * path lengths, directory depth, how many cgroups are collected; a
 * process that goes away during a scan is skipped, not an error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/procinfo.h"

#define PI_MAX_DEPTH 32
#define PI_MAX_VISIT 200000 /* directories looked at by one unit search */

/* ------------------------------------------------------------------ */
/* Programs */

static int pi_read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return (int)n;
}

int pi_comm_by_pid(pid_t pid, char comm[PI_COMM_LEN])
{
	char path[64], buf[PI_COMM_LEN + 2];
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	rc = pi_read_small(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	rc = (int)strcspn(buf, "\n");
	if (rc >= PI_COMM_LEN)
		rc = PI_COMM_LEN - 1;
	memcpy(comm, buf, (size_t)rc);
	comm[rc] = 0;
	return 0;
}

struct pi_want {
	uint32_t inode;
	unsigned int idx;
};

static int pi_want_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct pi_want *)a)->inode, y = ((const struct pi_want *)b)->inode;

	return x < y ? -1 : x > y;
}

static bool pi_is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "socket:[12345]" -> 12345 */
static bool pi_socket_inode(const char *link, uint32_t *ino)
{
	unsigned long v = 0;
	const char *p;

	if (strncmp(link, "socket:[", 8))
		return false;
	for (p = link + 8; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (p == link + 8 || p[0] != ']' || p[1])
		return false;
	*ino = (uint32_t)v;
	return true;
}

/* Mark every wanted inode this process holds; returns how many new. */
static unsigned int pi_scan_pid(int procfd, const char *pid, struct pi_want *w, unsigned int nw,
				char (*comms)[PI_COMM_LEN])
{
	char path[NAME_MAX + 8], link[64], comm[PI_COMM_LEN] = "";
	unsigned int found = 0;
	struct dirent *d;
	DIR *dir;
	int fd;

	snprintf(path, sizeof(path), "%s/fd", pid);
	fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* gone, or not ours to look at */
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	while ((d = readdir(dir))) {
		struct pi_want key, *hit;
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		n = readlinkat(fd, d->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!pi_socket_inode(link, &key.inode))
			continue;
		hit = bsearch(&key, w, nw, sizeof(*w), pi_want_cmp);
		if (!hit)
			continue;
		/* Equal inodes sit together: mark them all. */
		while (hit > w && hit[-1].inode == key.inode)
			hit--;
		if (!comm[0] && pi_comm_by_pid((pid_t)atoi(pid), comm) < 0)
			break;
		for (; hit < w + nw && hit->inode == key.inode; hit++) {
			if (!comms[hit->idx][0]) {
				memcpy(comms[hit->idx], comm, PI_COMM_LEN);
				found++;
			}
		}
	}
	closedir(dir);
	return found;
}

int pi_comm_by_inode(const uint32_t *inodes, unsigned int n, char (*comms)[PI_COMM_LEN])
{
	struct pi_want *w;
	unsigned int nw = 0, found = 0;
	struct dirent *d;
	DIR *proc;
	int procfd;

	if (!n)
		return 0;
	if (!inodes || !comms)
		return -EINVAL;
	w = calloc(n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		comms[i][0] = 0;
		if (inodes[i]) {
			w[nw].inode = inodes[i];
			w[nw++].idx = i;
		}
	}
	qsort(w, nw, sizeof(*w), pi_want_cmp);
	proc = opendir("/proc");
	if (!proc) {
		int rc = -errno;

		free(w);
		return rc;
	}
	procfd = dirfd(proc);
	while (found < nw && (d = readdir(proc)))
		if (pi_is_pid(d->d_name))
			found += pi_scan_pid(procfd, d->d_name, w, nw, comms);
	closedir(proc);
	free(w);
	return (int)found;
}

/* ------------------------------------------------------------------ */
/* cgroups */

static char pi_cg_root[PATH_MAX];

/* Only a mount found is remembered: cgroup2 may be mounted after mnd
 * starts (and rules needing it are rare enough to pay for the look). */
const char *pi_cgroup_root(void)
{
	char line[4096];
	FILE *f;

	if (pi_cg_root[0])
		return pi_cg_root;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return pi_cg_root;
	/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE ... */
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - "), *mp, *save = NULL;
		int i;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		*sep = 0;
		mp = strtok_r(line, " ", &save);
		for (i = 0; mp && i < 4; i++)
			mp = strtok_r(NULL, " ", &save);
		/* Mount points with escaped characters (\040) are left alone. */
		if (mp && mp[0] == '/' && !strchr(mp, '\\')) {
			snprintf(pi_cg_root, sizeof(pi_cg_root), "%s", mp);
			break;
		}
	}
	fclose(f);
	return pi_cg_root;
}

struct pi_ids {
	uint64_t *v;
	unsigned int n, cap;
	unsigned int visited;
};

static int pi_ids_push(struct pi_ids *ids, uint64_t id)
{
	if (ids->n == ids->cap) {
		unsigned int cap = ids->cap ? ids->cap * 2 : 64;
		uint64_t *v;

		if (ids->cap >= PI_MAX_CGROUPS)
			return -E2BIG;
		if (cap > PI_MAX_CGROUPS)
			cap = PI_MAX_CGROUPS;
		v = realloc(ids->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = id;
	return 0;
}

/* Walk the directory dfd (a cgroup, owned by the caller). collect: add it
 * and everything below; otherwise look for directories named `name`. */
static int pi_walk(int dfd, unsigned int depth, bool collect, const char *name, struct pi_ids *ids)
{
	struct stat st;
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	if (++ids->visited > PI_MAX_VISIT)
		return -E2BIG;
	if (collect) {
		if (fstat(dfd, &st) < 0)
			return 0;
		rc = pi_ids_push(ids, (uint64_t)st.st_ino);
		if (rc < 0)
			return rc;
	}
	if (depth >= PI_MAX_DEPTH)
		return 0;
	dir = fdopendir(dup(dfd));
	if (!dir)
		return 0;
	while (rc == 0 && (d = readdir(dir))) {
		bool match;
		int sub;

		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		sub = openat(dfd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue;
		match = collect || !strcmp(d->d_name, name);
		rc = pi_walk(sub, depth + 1, match, name, ids);
		close(sub);
	}
	closedir(dir);
	return rc;
}

static int pi_collect(const char *rel, bool by_name, const char *name, uint64_t **out,
		      unsigned int *n)
{
	const char *root = pi_cgroup_root();
	struct pi_ids ids = {0};
	char path[PATH_MAX];
	int fd, rc;

	*out = NULL;
	*n = 0;
	if (!root[0])
		return -ENOENT;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = pi_walk(fd, 0, !by_name, name, &ids);
	close(fd);
	if (rc < 0 && rc != -E2BIG) {
		free(ids.v);
		return rc;
	}
	/* Too many: what was collected still matches correctly for those. */
	*out = ids.v;
	*n = ids.n;
	return 0;
}

int pi_cgroup_ids(const char *path, uint64_t **ids, unsigned int *n)
{
	if (!path || path[0] != '/' || strstr(path, "/.."))
		return -EINVAL;
	return pi_collect(strcmp(path, "/") ? path : "", false, NULL, ids, n);
}

int pi_unit_ids(const char *name, uint64_t **ids, unsigned int *n)
{
	if (!name || !name[0] || strchr(name, '/'))
		return -EINVAL;
	return pi_collect("", true, name, ids, n);
}

int pi_cgroup_of_pid(pid_t pid, uint64_t *id)
{
	char path[64], buf[4096], full[PATH_MAX];
	const char *root = pi_cgroup_root();
	struct stat st;
	char *line, *save = NULL;
	int rc;

	if (!root[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	rc = pi_read_small(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::/", 4))
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s%s", root, line + 3) >= sizeof(full))
			return -ENAMETOOLONG;
		if (stat(full, &st) < 0)
			return -errno;
		*id = (uint64_t)st.st_ino;
		return 0;
	}
	return -ENOENT;
}
