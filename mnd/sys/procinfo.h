/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What mnd.conf rules may ask about a socket beyond sock_diag: the program
 * that owns it (socket inode -> process, by scanning /proc/PID/fd, which
 * is expensive: callers do it only when a rule needs it) and cgroup v2
 * ids (a cgroup path or a systemd unit -> the ids of that cgroup and all
 * below it, which sock_diag reports per socket).
 */
#ifndef MN_SYS_PROCINFO_H
#define MN_SYS_PROCINFO_H

#include <stdint.h>
#include <sys/types.h>

#define PI_COMM_LEN 16
#define PI_MAX_CGROUPS 65536 /* ids returned for one path or unit */

/* For each inodes[i], the name of a process holding that socket (its
 * /proc/PID/comm) into comms[i], "" if none was found. One pass over
 * /proc. Returns how many were found, or -errno. */
int pi_comm_by_inode(const uint32_t *inodes, unsigned int n, char (*comms)[PI_COMM_LEN]);

/* /proc/PID/comm. Returns 0 or -errno. */
int pi_comm_by_pid(pid_t pid, char comm[PI_COMM_LEN]);

/* The cgroup v2 id of a process (its "0::PATH" line). Returns 0 or -errno. */
int pi_cgroup_of_pid(pid_t pid, uint64_t *id);

/* The ids of the cgroup at PATH (absolute, relative to the cgroup v2 mount)
 * and of every cgroup below it; *ids is malloc'd (free it), *n may be 0
 * when the cgroup does not exist. Returns 0 or -errno. */
int pi_cgroup_ids(const char *path, uint64_t **ids, unsigned int *n);

/* The same for every cgroup directory named NAME (a systemd unit: its
 * cgroup, wherever the slice puts it). */
int pi_unit_ids(const char *name, uint64_t **ids, unsigned int *n);

/* Where cgroup v2 is mounted ("" if nowhere); found once. */
const char *pi_cgroup_root(void);

#endif
