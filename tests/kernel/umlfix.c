// SPDX-License-Identifier: BSD-3-Clause
/*
 * umlfix - LD_PRELOAD shim for User-Mode Linux 6.1 on hosts with a large
 * XSAVE area (AVX-512, AMX). Notes: second-kernel.md, part A, Problem 1.
 *
 * UML saves and restores each guest thread's FPU state with
 * PTRACE_GETREGSET / PTRACE_SETREGSET of NT_X86_XSTATE into a fixed
 * 832-byte buffer. The host accepts a SETREGSET of that regset only at
 * its full user xstate size (10752 bytes with AMX), so UML's request
 * fails with EFAULT and the guest panics at its first process.
 *
 * Making those requests fail instead (UML then falls back to
 * GETFPREGS/SETFPREGS) boots, but silently loses the AVX upper halves,
 * the upper ZMM registers and the k masks of guest processes on every
 * page fault: glibc's EVEX string functions then misbehave. So this shim
 * keeps a full-size shadow image per UML FPU buffer: a GET reads the
 * whole state into the shadow and hands UML its first 832 bytes; a SET
 * lays UML's 832 bytes (legacy area, XSAVE header, AVX upper halves: the
 * part UML edits) over the shadow and writes the full image, so the
 * components beyond survive the round trip.
 *
 * On a host whose xstate fits UML's buffer the shim passes everything
 * through. Build: gcc -O2 -shared -fPIC -o umlfix.so umlfix.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Larger than any x86 user xstate image (AMX makes it ~11 KiB). */
#define UMLFIX_PROBE_SIZE (64 * 1024)
#define UMLFIX_ALIGN 64 /* XSAVE images are 64-byte aligned */
/* One slot per UML FPU buffer (one per guest thread), open addressing. */
#define UMLFIX_SLOTS 4096

typedef long (*umlfix_ptrace_fn)(enum __ptrace_request req, ...);

struct umlfix_slot {
	const void *key; /* UML's buffer (iov_base), NULL if free */
	uint8_t *img;    /* full-size shadow image */
};

static struct {
	pthread_mutex_t lock;
	umlfix_ptrace_fn real;
	size_t full; /* the host's user xstate size; 0 until learnt */
	struct umlfix_slot slot[UMLFIX_SLOTS];
} U = {.lock = PTHREAD_MUTEX_INITIALIZER};

static umlfix_ptrace_fn umlfix_real(void)
{
	if (!U.real)
		U.real = (umlfix_ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
	return U.real;
}

static long umlfix_regset(enum __ptrace_request req, pid_t pid, void *buf, size_t *len)
{
	struct iovec iov = {.iov_base = buf, .iov_len = *len};
	long rc;

	rc = umlfix_real()(req, pid, (void *)(uintptr_t)NT_X86_XSTATE, &iov);
	if (rc == 0)
		*len = iov.iov_len;
	return rc;
}

/*
 * Learn the full size once: a GETREGSET into a buffer larger than any
 * image makes the kernel report the real size in iov_len. Returns 0 or
 * -1 with errno set by the failing ptrace.
 */
static int umlfix_learn(pid_t pid)
{
	size_t len = UMLFIX_PROBE_SIZE;
	void *probe;
	long rc;

	if (U.full)
		return 0;
	probe = aligned_alloc(UMLFIX_ALIGN, UMLFIX_PROBE_SIZE);
	if (!probe) {
		errno = ENOMEM;
		return -1;
	}
	rc = umlfix_regset(PTRACE_GETREGSET, pid, probe, &len);
	free(probe);
	if (rc < 0)
		return -1;
	U.full = len;
	return 0;
}

static size_t umlfix_hash(const void *key)
{
	uint64_t h = (uint64_t)(uintptr_t)key;

	/* Buffers sit in kernel task structs: the low bits carry little. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)(h % UMLFIX_SLOTS);
}

/*
 * The shadow of UML's buffer key, created (contents undefined, *fresh
 * set) if there is none. When the table is full, the home slot is
 * reused: its thread merely loses its upper state once, as without the
 * shim. NULL if out of memory.
 */
static uint8_t *umlfix_shadow(const void *key, bool *fresh)
{
	size_t home = umlfix_hash(key), i = home, n, size;
	struct umlfix_slot *s;

	*fresh = false;
	for (n = 0; n < UMLFIX_SLOTS; n++, i = (i + 1) % UMLFIX_SLOTS) {
		s = &U.slot[i];
		if (s->key == key)
			return s->img;
		if (!s->key)
			break;
	}
	if (n == UMLFIX_SLOTS)
		i = home;
	s = &U.slot[i];
	if (!s->img) {
		/* aligned_alloc wants a multiple of the alignment */
		size = (U.full + UMLFIX_ALIGN - 1) & ~(size_t)(UMLFIX_ALIGN - 1);
		s->img = aligned_alloc(UMLFIX_ALIGN, size);
		if (!s->img)
			return NULL;
	}
	s->key = key;
	*fresh = true;
	return s->img;
}

/* GET: the whole state into the shadow, its head into UML's buffer. */
static long umlfix_get(pid_t pid, struct iovec *iov)
{
	size_t len = U.full, n;
	uint8_t *img;
	bool fresh;
	long rc;

	img = umlfix_shadow(iov->iov_base, &fresh);
	if (!img) {
		errno = ENOMEM;
		return -1;
	}
	rc = umlfix_regset(PTRACE_GETREGSET, pid, img, &len);
	if (rc < 0)
		return rc;
	n = iov->iov_len < len ? iov->iov_len : len;
	memcpy(iov->iov_base, img, n);
	iov->iov_len = n;
	return rc;
}

/* SET: UML's head over the shadow, then the full image to the host. */
static long umlfix_set(pid_t pid, struct iovec *iov)
{
	size_t len = U.full, n;
	uint8_t *img;
	bool fresh;
	long rc;

	img = umlfix_shadow(iov->iov_base, &fresh);
	if (!img) {
		errno = ENOMEM;
		return -1;
	}
	/* No state kept for this buffer yet: start from the live one, so
	 * that the part beyond UML's head is a valid image. */
	if (fresh) {
		rc = umlfix_regset(PTRACE_GETREGSET, pid, img, &len);
		if (rc < 0)
			return rc;
		len = U.full;
	}
	n = iov->iov_len < len ? iov->iov_len : len;
	memcpy(img, iov->iov_base, n);
	return umlfix_regset(PTRACE_SETREGSET, pid, img, &len);
}

long ptrace(enum __ptrace_request req, ...)
{
	umlfix_ptrace_fn real = umlfix_real();
	struct iovec *iov;
	va_list ap;
	pid_t pid;
	void *addr, *data;
	long rc;
	int err;

	va_start(ap, req);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if ((req != PTRACE_GETREGSET && req != PTRACE_SETREGSET) ||
	    (uintptr_t)addr != NT_X86_XSTATE || !data)
		return real(req, pid, addr, data);

	iov = data;
	pthread_mutex_lock(&U.lock);
	if (umlfix_learn(pid) < 0 || U.full <= iov->iov_len) {
		/* Could not learn the size, or UML's buffer holds the whole
		 * state: nothing to fix, the kernel answers as it would. */
		pthread_mutex_unlock(&U.lock);
		return real(req, pid, addr, data);
	}
	rc = req == PTRACE_GETREGSET ? umlfix_get(pid, iov) : umlfix_set(pid, iov);
	err = errno;
	pthread_mutex_unlock(&U.lock);
	errno = err; /* the failing real call's error, unchanged */
	return rc;
}
