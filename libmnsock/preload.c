// SPDX-License-Identifier: BSD-3-Clause
/*
 * libmnsock-preload.so: per-socket modes for unmodified programs.
 *
 *   MNSOCK_MODE=continuity|bypass LD_PRELOAD=.../libmnsock-preload.so prog
 *
 * tells mnd the mode of every IPv6 TCP and UDP socket the program creates
 * (socket(), and accept() on a listener that has a mode), and maps RFC 5014
 * IPV6_ADDR_PREFERENCES set by the program (HOME -> continuity, COA ->
 * bypass) whether MNSOCK_MODE is set or not.
 *
 * The shape follows notes/ecosystem.md §1: the real functions are resolved
 * once with dlsym(RTLD_NEXT) (in a constructor, lazily in every hook if
 * another library's constructor runs first) and our own hooks are refused;
 * a thread-local guard sends the library's own socket calls straight to
 * libc; per-fd state is a fixed array of atomic bytes (no locks, no malloc:
 * close() may run in a signal handler). Above all the shim fails open: the
 * program's call is made first and unchanged, and it gets back exactly
 * what libc returned, errno included, whatever happens with mnd.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mnsock.h"
#include "mnsock-internal.h"

#define PRELOAD_EXPORT __attribute__((visibility("default")))

/* The pointer inside glibc's __SOCKADDR_ARG (a transparent union under _GNU_SOURCE). */
#ifdef __USE_GNU
#define PRELOAD_SA(a) ((a).__sockaddr__)
#else
#define PRELOAD_SA(a) (a)
#endif

#ifndef SYS_close_range
#define SYS_close_range 436 /* the same number on every architecture */
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* A hung mnd must not hang the program: shorter than the API's bound, then a pause. */
#define PRELOAD_TIMEOUT_MS 500
#define PRELOAD_BACKOFF_MS 5000
/* Upper bound of the fd table (one byte per fd; pages are only touched when used). */
#define PRELOAD_FD_CAP (1U << 20)

typedef int (*socket_fn)(int, int, int);
typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);
typedef int (*close_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);
typedef int (*close_range_fn)(unsigned int, unsigned int, int);
typedef void (*closefrom_fn)(int);
/* glibc declares accept() with a transparent union under _GNU_SOURCE. */
typedef int (*accept_fn)(int, __SOCKADDR_ARG, socklen_t *__restrict);
typedef int (*accept4_fn)(int, __SOCKADDR_ARG, socklen_t *__restrict, int);

/*
 * Written once by the initialising thread; atomic because a hook in another
 * thread may run meanwhile (NULL: not resolved, use syscall()).
 */
static struct {
	_Atomic(socket_fn) socket;
	_Atomic(setsockopt_fn) setsockopt;
	_Atomic(close_fn) close;
	_Atomic(dup2_fn) dup2;
	_Atomic(dup3_fn) dup3;
	_Atomic(close_range_fn) close_range;
	_Atomic(closefrom_fn) closefrom;
	_Atomic(accept_fn) accept;
	_Atomic(accept4_fn) accept4;
} real;

#define REAL(name) atomic_load_explicit(&real.name, memory_order_relaxed)

enum { PRELOAD_NEW, PRELOAD_BUSY, PRELOAD_READY };
static atomic_int init_state = PRELOAD_NEW;

static uint8_t preload_mode; /* enum mnsock_wire_mode from MNSOCK_MODE; 0: off */
static int preload_debug;
/* fd -> the mode asked of mnd for its socket (0: none); fds >= fd_cap are not tracked */
static _Atomic uint8_t *fd_state;
static unsigned int fd_cap;
static _Atomic int64_t backoff_until; /* CLOCK_MONOTONIC ms; mnd not asked before */

/*
 * Set while the shim itself is in libc or libmnsock (dlsym, talking to mnd):
 * hooks entered then only pass through. initial-exec: no allocation on first
 * use in a thread, and the shim is loaded at startup anyway.
 */
static __thread int in_shim __attribute__((tls_model("initial-exec")));

static void preload_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void preload_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n, m;

	if (!preload_debug)
		return;
	n = snprintf(buf, sizeof(buf), "libmnsock-preload[%d]: ", (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(buf) - 1)
		n = sizeof(buf) - 2; /* truncated: still one whole line */
	buf[n++] = '\n';
	/* One write(), so lines of several threads do not interleave. */
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

/*
 * dlsym(RTLD_NEXT), refusing anything in this object (proxychains-ng's
 * guard; compared by object rather than by &hook, which a dlopen()ed copy
 * would resolve to libc's). NULL means "use syscall()".
 */
static void *preload_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	Dl_info self, got;

	if (p && dladdr(p, &got) && dladdr((void *)preload_sym, &self) &&
	    got.dli_fbase == self.dli_fbase)
		return NULL;
	return p;
}

static void preload_table_init(void)
{
	struct rlimit rl;
	rlim_t n = 1024;
	void *p;

	/* The hard limit: programs often raise their soft limit to it later. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = rl.rlim_max > rl.rlim_cur ? rl.rlim_max : rl.rlim_cur;
	if (n == RLIM_INFINITY || n > PRELOAD_FD_CAP)
		n = PRELOAD_FD_CAP;
	p = mmap(NULL, (size_t)n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return; /* nothing tracked; modes are still told */
	fd_state = p;
	fd_cap = (unsigned int)n;
}

static void preload_env_init(void)
{
	const char *mode = secure_getenv("MNSOCK_MODE");
	const char *debug = secure_getenv("MNSOCK_DEBUG");

	preload_debug = debug && strcmp(debug, "1") == 0;
	if (!mode || !*mode)
		return;
	if (strcmp(mode, "continuity") == 0) {
		preload_mode = MNSOCK_WIRE_CONTINUITY;
	} else if (strcmp(mode, "bypass") == 0) {
		preload_mode = MNSOCK_WIRE_BYPASS;
	} else {
		preload_log("MNSOCK_MODE=%.32s is neither continuity nor bypass: ignored", mode);
	}
}

/*
 * Once per process. A thread that finds another one initialising (or this
 * thread re-entering from dlsym) goes on without waiting: until READY the
 * hooks pass through, with syscall() for functions not resolved yet.
 */
static void preload_init(void)
{
	int expect = PRELOAD_NEW, saved;
	const char *path;

	if (atomic_load_explicit(&init_state, memory_order_acquire) == PRELOAD_READY)
		return;
	if (!atomic_compare_exchange_strong(&init_state, &expect, PRELOAD_BUSY))
		return;
	/* Lazily from a hook, before the program's call: leave its errno alone. */
	saved = errno;
	in_shim++;
	atomic_store(&real.socket, (socket_fn)preload_sym("socket"));
	atomic_store(&real.setsockopt, (setsockopt_fn)preload_sym("setsockopt"));
	atomic_store(&real.close, (close_fn)preload_sym("close"));
	atomic_store(&real.dup2, (dup2_fn)preload_sym("dup2"));
	atomic_store(&real.dup3, (dup3_fn)preload_sym("dup3"));
	atomic_store(&real.close_range, (close_range_fn)preload_sym("close_range"));
	atomic_store(&real.closefrom, (closefrom_fn)preload_sym("closefrom"));
	atomic_store(&real.accept, (accept_fn)preload_sym("accept"));
	atomic_store(&real.accept4, (accept4_fn)preload_sym("accept4"));
	preload_env_init();
	preload_table_init();
	path = mnsock__path();
	in_shim--;
	atomic_store_explicit(&init_state, PRELOAD_READY, memory_order_release);
	preload_log("ready: mode %s, %u fds tracked, control socket %s",
		    preload_mode == MNSOCK_WIRE_CONTINUITY ? "continuity"
		    : preload_mode == MNSOCK_WIRE_BYPASS   ? "bypass"
							   : "off",
		    fd_cap, path ? path : "(path too long)");
	errno = saved;
}

__attribute__((constructor)) static void preload_ctor(void)
{
	preload_init();
}

static int preload_ready(void)
{
	return atomic_load_explicit(&init_state, memory_order_acquire) == PRELOAD_READY;
}

/* The table is only used once READY: its pointer and size are then settled. */
static uint8_t fdtab_get(int fd)
{
	if (!preload_ready() || fd < 0 || !fd_state || (unsigned int)fd >= fd_cap)
		return 0;
	return atomic_load_explicit(&fd_state[fd], memory_order_relaxed);
}

static void fdtab_set(int fd, uint8_t mode)
{
	if (!preload_ready() || fd < 0 || !fd_state || (unsigned int)fd >= fd_cap)
		return;
	/* Compare first: a store would dirty a page of zeroes for nothing. */
	if (atomic_load_explicit(&fd_state[fd], memory_order_relaxed) != mode)
		atomic_store_explicit(&fd_state[fd], mode, memory_order_relaxed);
}

static void fdtab_clear(unsigned int first, unsigned int last)
{
	unsigned int fd;

	if (!preload_ready() || !fd_state || first >= fd_cap)
		return;
	if (last >= fd_cap)
		last = fd_cap - 1;
	for (fd = first; fd <= last; fd++)
		fdtab_set((int)fd, 0);
}

/* Whether the shim may talk to mnd now: initialised and not inside its own calls. */
static int preload_active(void)
{
	return preload_ready() && !in_shim;
}

static int64_t preload_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *preload_mode_name(uint8_t mode)
{
	return mode == MNSOCK_WIRE_CONTINUITY ? "continuity" : "bypass";
}

/* Tell mnd; never fails the caller. The caller saves and restores errno. */
static void preload_tell(int fd, uint8_t mode, const char *why)
{
	struct mnsock_reply reply;
	int err;

	if (preload_now_ms() < atomic_load_explicit(&backoff_until, memory_order_relaxed)) {
		preload_log("fd %d: %s (%s): mnd timed out recently, not asked", fd,
			    preload_mode_name(mode), why);
		return;
	}
	in_shim++;
	err = mnsock__call(fd, MNSOCK_OP_SET_MODE, mode, &reply, PRELOAD_TIMEOUT_MS);
	in_shim--;
	if (err == -ETIMEDOUT)
		atomic_store_explicit(&backoff_until, preload_now_ms() + PRELOAD_BACKOFF_MS,
				      memory_order_relaxed);
	preload_log("fd %d: %s (%s): %s", fd, preload_mode_name(mode), why,
		    err ? mnsock_strerror(-err) : "recorded by mnd");
}

/* The socket() arguments of a socket mnd can manage: IPv6 TCP or UDP. */
static int preload_manageable(int domain, int type, int protocol)
{
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain != AF_INET6)
		return 0;
	if (type == SOCK_STREAM)
		return protocol == 0 || protocol == IPPROTO_TCP;
	if (type == SOCK_DGRAM)
		return protocol == 0 || protocol == IPPROTO_UDP;
	return 0;
}

/*
 * The hooks. Each one makes the real call first with the program's own
 * arguments, keeps its result and errno, and only then looks at mnd.
 */

PRELOAD_EXPORT int socket(int domain, int type, int protocol)
{
	int fd, saved;
	uint8_t mode = 0;

	preload_init();
	fd = REAL(socket) ? REAL(socket)(domain, type, protocol)
			  : (int)syscall(SYS_socket, domain, type, protocol);
	if (fd < 0 || !preload_active())
		return fd;
	saved = errno;
	if (preload_mode && preload_manageable(domain, type, protocol))
		mode = preload_mode;
	fdtab_set(fd, mode); /* also forgets a socket closed behind our back on this number */
	if (mode)
		preload_tell(fd, mode, "MNSOCK_MODE");
	errno = saved;
	return fd;
}

PRELOAD_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int ret, saved, prefs;
	uint8_t mode;

	preload_init();
	ret = REAL(setsockopt) ? REAL(setsockopt)(fd, level, name, val, len)
			       : (int)syscall(SYS_setsockopt, fd, level, name, val, len);
	if (ret != 0 || level != IPPROTO_IPV6 || name != IPV6_ADDR_PREFERENCES || !val ||
	    len < (socklen_t)sizeof(int) || !preload_active())
		return ret;
	saved = errno;
	memcpy(&prefs, val, sizeof(prefs));
	/* The kernel refused HOME|COA above, so at most one is set. */
	mode = prefs & IPV6_PREFER_SRC_HOME  ? MNSOCK_WIRE_CONTINUITY
	       : prefs & IPV6_PREFER_SRC_COA ? MNSOCK_WIRE_BYPASS
					     : 0;
	if (mode) {
		int err;

		in_shim++;
		err = mnsock__check_socket(fd);
		in_shim--;
		if (!err) {
			fdtab_set(fd, mode);
			preload_tell(fd, mode, "IPV6_ADDR_PREFERENCES");
		}
	}
	errno = saved;
	return ret;
}

/* An accepted socket gets the listener's mode, as the program's own sockets do. */
static void preload_accepted(int lfd, int fd)
{
	int saved = errno;
	uint8_t mode = fdtab_get(lfd);

	if (!mode && preload_mode && (lfd < 0 || (unsigned int)lfd >= fd_cap)) {
		int err;

		/* An untracked listener: the process mode, if the socket qualifies. */
		in_shim++;
		err = mnsock__check_socket(fd);
		in_shim--;
		if (!err)
			mode = preload_mode;
	}
	fdtab_set(fd, mode);
	if (mode)
		preload_tell(fd, mode, "accepted");
	errno = saved;
}

PRELOAD_EXPORT int accept(int lfd, __SOCKADDR_ARG addr, socklen_t *__restrict alen)
{
	int fd;

	preload_init();
	fd = REAL(accept) ? REAL(accept)(lfd, addr, alen)
			  : (int)syscall(SYS_accept4, lfd, PRELOAD_SA(addr), alen, 0);
	if (fd >= 0 && preload_active())
		preload_accepted(lfd, fd);
	return fd;
}

PRELOAD_EXPORT int accept4(int lfd, __SOCKADDR_ARG addr, socklen_t *__restrict alen, int flags)
{
	int fd;

	preload_init();
	fd = REAL(accept4) ? REAL(accept4)(lfd, addr, alen, flags)
			   : (int)syscall(SYS_accept4, lfd, PRELOAD_SA(addr), alen, flags);
	if (fd >= 0 && preload_active())
		preload_accepted(lfd, fd);
	return fd;
}

/*
 * The fd-table hooks do no I/O and take no lock, so they also run inside the
 * shim's own calls. State is cleared before the fd is closed: after, another
 * thread may already own the number.
 */

PRELOAD_EXPORT int close(int fd)
{
	preload_init();
	fdtab_set(fd, 0);
	return REAL(close) ? REAL(close)(fd) : (int)syscall(SYS_close, fd);
}

PRELOAD_EXPORT int dup2(int oldfd, int newfd)
{
	int ret;

	preload_init();
	if (REAL(dup2)) {
		ret = REAL(dup2)(oldfd, newfd);
	} else if (oldfd == newfd) {
		/* dup3 refuses equal fds; dup2 returns the fd if it is open. */
		ret = fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
	} else {
		ret = (int)syscall(SYS_dup3, oldfd, newfd, 0);
	}
	if (ret >= 0 && oldfd != newfd)
		fdtab_set(newfd, fdtab_get(oldfd)); /* the same socket: the same mode */
	return ret;
}

PRELOAD_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int ret;

	preload_init();
	ret = REAL(dup3) ? REAL(dup3)(oldfd, newfd, flags)
			 : (int)syscall(SYS_dup3, oldfd, newfd, flags);
	if (ret >= 0)
		fdtab_set(newfd, fdtab_get(oldfd));
	return ret;
}

PRELOAD_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	preload_init();
	/* CLOSE_RANGE_CLOEXEC closes nothing now; exec starts a fresh table. */
	if (!(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
		fdtab_clear(first, last);
	return REAL(close_range) ? REAL(close_range)(first, last, flags)
				 : (int)syscall(SYS_close_range, first, last, flags);
}

PRELOAD_EXPORT void closefrom(int lowfd)
{
	preload_init();
	if (lowfd >= 0)
		fdtab_clear((unsigned int)lowfd, ~0U);
	if (REAL(closefrom))
		REAL(closefrom)(lowfd);
	else if (lowfd >= 0)
		syscall(SYS_close_range, (unsigned int)lowfd, ~0U, 0);
}
