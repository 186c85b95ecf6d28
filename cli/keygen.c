// SPDX-License-Identifier: BSD-3-Clause
/*
 * mnctl keygen: create the node's RSA key and search its CGA modifier
 * into mnd's state directory, ahead of mnd's first start (at Sec 2 the
 * search takes about 2^32 hashes: minutes to hours, better done once
 * with a progress bar than silently by the daemon at boot).
 *
 * It writes through mnd/sys/keystore, exactly the files mnd reads, and
 * does not talk to mnd. Nothing is written until the search succeeded,
 * so an interrupted run leaves the old key and modifier in place.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mnctl.h"
#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "sys/keystore.h"

#define KEYGEN_MIN_BITS 1024 /* as mnd.conf's key_bits */
#define KEYGEN_BAR 24
#define KEYGEN_REDRAW_S 0.2

struct keygen_opts {
	unsigned int sec, bits;
	char *state_dir;
	const char *config;
	bool force;
};

struct keygen_progress {
	bool tty;
	unsigned int sec;
	double t0, last_draw, rate; /* rate: hashes/s once measured, else 0 */
	double expected;            /* 2^(16 Sec): the mean number of hashes */
	bool drawn;
};

static volatile int keygen_cancel;

static void keygen_on_signal(int sig)
{
	keygen_cancel = 1;
}

static double keygen_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* Defaults from mnd.conf, so the key is the one mnd will use */

static bool keygen_conf_uint(GKeyFile *kf, const char *path, const char *key, guint64 min,
			     guint64 max, unsigned int *out)
{
	char *s = g_key_file_get_string(kf, "mnd", key, NULL);
	guint64 v;
	bool ok = true;

	if (!s)
		return true;
	if (!g_ascii_string_to_unsigned(g_strstrip(s), 10, min, max, &v, NULL)) {
		mnctl_err("%s: %s '%.32s' is not in %llu..%llu", path, key, s,
			  (unsigned long long)min, (unsigned long long)max);
		ok = false;
	} else {
		*out = (unsigned int)v;
	}
	g_free(s);
	return ok;
}

static int keygen_config(struct keygen_opts *o)
{
	const char *path = o->config ? o->config : SYSCONFDIR "/mnd/mnd.conf";
	GKeyFile *kf = g_key_file_new();
	GError *e = NULL;
	char *dir;
	int rc = MNCTL_EXIT_OK;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
		/* The default file is optional; a named one is not. */
		if (!o->config && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_error_free(e);
			g_key_file_free(kf);
			return MNCTL_EXIT_OK;
		}
		mnctl_err("keygen: %s: %s", path, e->message);
		g_error_free(e);
		g_key_file_free(kf);
		return MNCTL_EXIT_ERROR;
	}
	dir = g_key_file_get_string(kf, "mnd", "state_dir", NULL);
	if (dir) {
		g_free(o->state_dir);
		o->state_dir = g_strdup(g_strstrip(dir));
		g_free(dir);
	}
	if (!keygen_conf_uint(kf, path, "key_bits", KEYGEN_MIN_BITS, MN_RSA_MAX_BITS, &o->bits) ||
	    !keygen_conf_uint(kf, path, "cga_sec", 0, CGA_SEC_MAX_GEN, &o->sec))
		rc = MNCTL_EXIT_ERROR;
	g_key_file_free(kf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Progress */

static void keygen_draw(struct keygen_progress *p, uint64_t hashes, double now)
{
	double frac = (double)hashes / p->expected;
	int fill = frac >= 1 ? KEYGEN_BAR : (int)(frac * KEYGEN_BAR);
	char bar[KEYGEN_BAR + 1], left[32];

	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(KEYGEN_BAR - fill));
	bar[KEYGEN_BAR] = '\0';
	fprintf(stderr, "\r\033[K[%s] %3d%% %.3g hashes", bar,
		frac >= 0.99 ? 99 : (int)(frac * 100), (double)hashes);
	if (!p->rate) {
		fputs(", measuring the rate", stderr);
	} else if (frac < 1) {
		names_duration((gint64)((p->expected - (double)hashes) / p->rate), left,
			       sizeof(left));
		fprintf(stderr, ", %.3g/s, about %s left", p->rate, left);
	} else {
		/* Each hash is a fresh draw: past the mean, the wait ahead is
		 * as long as ever on average. Say so rather than count down. */
		fprintf(stderr, ", %.3g/s, past the mean: any time now", p->rate);
	}
	p->drawn = true;
	p->last_draw = now;
}

static int keygen_on_progress(uint64_t hashes, void *user)
{
	struct keygen_progress *p = user;
	double now = keygen_now(), el = now - p->t0;

	/* The rate over the first second stands for the whole search: the
	 * work per hash does not change, and a stable estimate reads
	 * better than one that wobbles. */
	if (!p->rate && el >= 1.0) {
		p->rate = (double)hashes / el;
		if (!p->tty && p->sec >= 2) {
			char t[32];

			names_duration((gint64)(p->expected / p->rate), t, sizeof(t));
			fprintf(stderr, "mnctl: %.3g hashes/s: about %s on average\n", p->rate, t);
		}
	}
	if (p->tty && el >= KEYGEN_REDRAW_S && now - p->last_draw >= KEYGEN_REDRAW_S)
		keygen_draw(p, hashes, now);
	return keygen_cancel;
}

/* ------------------------------------------------------------------ */

static int keygen_parse(struct mnctl *m, int argc, char **argv, struct keygen_opts *o)
{
	enum { OPT_SEC = MNCTL_OPT_FIRST_LOCAL, OPT_BITS, OPT_DIR, OPT_CONFIG, OPT_FORCE };
	static const struct option opts[] = {
		MNCTL_COMMON_LONGOPTS,
		{"sec", required_argument, NULL, OPT_SEC},
		{"bits", required_argument, NULL, OPT_BITS},
		{"state-dir", required_argument, NULL, OPT_DIR},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0},
	};
	const char *sec = NULL, *bits = NULL, *dir = NULL;
	bool exit_now;
	guint64 v;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":" MNCTL_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case OPT_SEC:
			sec = optarg;
			continue;
		case OPT_BITS:
			bits = optarg;
			continue;
		case OPT_DIR:
			dir = optarg;
			continue;
		case OPT_CONFIG:
			o->config = optarg;
			continue;
		case OPT_FORCE:
			o->force = true;
			continue;
		case '?':
		case ':':
			mnctl_err("keygen: %s '%s'",
				  c == ':' ? "missing argument for" : "unknown option",
				  argv[optind - 1]);
			return MNCTL_EXIT_USAGE;
		}
		rc = mnctl_common_opt(m, c, optarg, &exit_now);
		if (exit_now || rc > 1)
			return rc;
	}
	if (optind < argc) {
		mnctl_err("keygen: unexpected argument '%s'", argv[optind]);
		return MNCTL_EXIT_USAGE;
	}
	/* The configuration first, then the options over it. */
	rc = keygen_config(o);
	if (rc)
		return rc;
	if (sec) {
		if (!g_ascii_string_to_unsigned(sec, 10, 0, CGA_SEC_MAX_GEN, &v, NULL)) {
			mnctl_err("keygen: --sec '%.32s': Sec is 0, 1 or 2", sec);
			return MNCTL_EXIT_USAGE;
		}
		o->sec = (unsigned int)v;
	}
	if (bits) {
		if (!g_ascii_string_to_unsigned(bits, 10, KEYGEN_MIN_BITS, MN_RSA_MAX_BITS, &v,
						NULL)) {
			mnctl_err("keygen: --bits '%.32s' is not in %d..%d", bits, KEYGEN_MIN_BITS,
				  MN_RSA_MAX_BITS);
			return MNCTL_EXIT_USAGE;
		}
		o->bits = (unsigned int)v;
	}
	if (dir) {
		g_free(o->state_dir);
		o->state_dir = g_strdup(dir);
	}
	/* Room for "/.cga-modifier.XXXXXX" after it (keystore's temp files). */
	if (!*o->state_dir || strlen(o->state_dir) > PATH_MAX - 64) {
		mnctl_err("keygen: the state directory name is empty or too long");
		return MNCTL_EXIT_USAGE;
	}
	return -1;
}

/* Fail before the search, not after it: an existing key without
 * --force, a directory keystore would refuse or cannot write. */
static int keygen_precheck(const struct keygen_opts *o)
{
	char *key = g_build_filename(o->state_dir, KS_KEY_FILE, NULL);
	struct stat st;
	int rc = MNCTL_EXIT_OK;

	if (stat(o->state_dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			mnctl_err("keygen: %s is not a directory", o->state_dir);
			rc = MNCTL_EXIT_ERROR;
		} else if (st.st_mode & 077) {
			mnctl_err("keygen: %s is open to group or others; mnd refuses such a key "
				  "directory (chmod 700 it)",
				  o->state_dir);
			rc = MNCTL_EXIT_ERROR;
		} else if (access(o->state_dir, W_OK | X_OK)) {
			mnctl_err("keygen: %s: %s", o->state_dir, g_strerror(errno));
			rc = errno == EACCES || errno == EPERM ? MNCTL_EXIT_DENIED
							       : MNCTL_EXIT_ERROR;
		} else if (lstat(key, &st) == 0 && !o->force) {
			mnctl_err("keygen: %s exists; --force replaces it (and with it every "
				  "address mnd forms)",
				  key);
			rc = MNCTL_EXIT_ERROR;
		} else if (errno != ENOENT && !o->force) {
			mnctl_err("keygen: %s: %s", key, g_strerror(errno));
			rc = MNCTL_EXIT_ERROR;
		}
	} else if (errno == EACCES || errno == EPERM) {
		mnctl_err("keygen: %s: %s", o->state_dir, g_strerror(errno));
		rc = MNCTL_EXIT_DENIED;
	} else if (errno != ENOENT) {
		mnctl_err("keygen: %s: %s", o->state_dir, g_strerror(errno));
		rc = MNCTL_EXIT_ERROR;
	}
	g_free(key);
	return rc;
}

static int keygen_fail(const char *what, int err)
{
	int saved = errno;

	if (err == MN_ERR_IO) {
		mnctl_err("keygen: %s: %s", what, g_strerror(saved));
		return saved == EACCES || saved == EPERM ? MNCTL_EXIT_DENIED : MNCTL_EXIT_ERROR;
	}
	mnctl_err("keygen: %s: %s", what, mn_strerror(err));
	return MNCTL_EXIT_ERROR;
}

static int keygen_run(const struct keygen_opts *o)
{
	struct keygen_progress prog = {0};
	struct cga_search s = {0};
	struct sigaction sa = {0}, old_int, old_term;
	struct ks_cga cga = {0};
	EVP_PKEY *key = NULL;
	uint8_t *spki = NULL;
	size_t spki_len = 0;
	uint64_t hashes = 0;
	double t0;
	bool existed;
	int err, rc = MNCTL_EXIT_ERROR;
	char *keypath = g_build_filename(o->state_dir, KS_KEY_FILE, NULL);
	struct stat st;

	existed = lstat(keypath, &st) == 0;
	prog.tty = isatty(STDERR_FILENO);
	if (prog.tty)
		fprintf(stderr, "generating a %u-bit RSA key...", o->bits);
	err = mn_key_generate(o->bits, &key);
	if (prog.tty)
		fputs("\r\033[K", stderr);
	if (err) {
		rc = keygen_fail("key generation", err);
		goto out;
	}
	err = mn_key_spki(key, &spki, &spki_len);
	if (err) {
		rc = keygen_fail("encoding the public key", err);
		goto out;
	}

	s.pubkey = spki;
	s.pubkey_len = spki_len;
	s.sec = o->sec;
	s.threads = 0;
	/* A random start, as mnd does: two nodes with the same key never
	 * exist, but a predictable modifier helps an attacker precompute. */
	if (mn_phkt_generate(s.start) || mn_phkt_generate(s.start + 8)) {
		rc = keygen_fail("random start", MN_ERR_CRYPTO);
		goto out;
	}
	prog.sec = o->sec;
	prog.expected = (double)(1ull << (16 * o->sec));
	s.progress = keygen_on_progress;
	s.user = &prog;
	s.cancel = &keygen_cancel;
	if (o->sec >= 2)
		fprintf(stderr,
			"mnctl: searching a Sec %u modifier: about 2^%u hashes on average; "
			"Ctrl-C stops without writing anything\n",
			o->sec, 16 * o->sec);

	sa.sa_handler = keygen_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	prog.t0 = t0 = keygen_now();
	err = cga_search_modifier(&s, cga.modifier, &hashes);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (prog.drawn)
		fputs("\r\033[K", stderr);
	if (err == MN_ERR_CANCELLED) {
		mnctl_err("keygen: interrupted after %llu hashes; nothing was written",
			  (unsigned long long)hashes);
		goto out;
	}
	if (err) {
		rc = keygen_fail("modifier search", err);
		goto out;
	}
	cga.sec = o->sec;

	err = ks_save_key(o->state_dir, key);
	if (err) {
		rc = keygen_fail(keypath, err);
		goto out;
	}
	err = ks_save_cga(o->state_dir, spki, spki_len, &cga);
	if (err) {
		/* mnd will search again at start; the key is in place. */
		rc = keygen_fail("saving the modifier", err);
		goto out;
	}
	printf("key: %s (%u-bit RSA)\n", keypath, o->bits);
	printf("modifier: %s/%s (Sec %u, %llu hashes in %.2f s)\n", o->state_dir, KS_CGA_FILE,
	       o->sec, (unsigned long long)hashes, keygen_now() - t0);
	if (existed)
		mnctl_err("keygen: the old key is replaced; restart mnd to use the new one");
	rc = MNCTL_EXIT_OK;
out:
	free(spki);
	mn_key_free(key);
	g_free(keypath);
	return rc;
}

int cmd_keygen(struct mnctl *m, int argc, char **argv)
{
	struct keygen_opts o = {
		.sec = 1,
		.bits = MN_RSA_DEFAULT_BITS,
		.state_dir = g_strdup(LOCALSTATEDIR "/lib/mnd"),
	};
	int rc = keygen_parse(m, argc, argv, &o);

	if (rc < 0) {
		rc = keygen_precheck(&o);
		if (rc == MNCTL_EXIT_OK)
			rc = keygen_run(&o);
	}
	g_free(o.state_dir);
	return rc;
}
