// SPDX-License-Identifier: BSD-3-Clause
/*
 * mn-wire: shows and exports what the protocol core puts on the wire.
 *
 *   mn-wire keygen DIR [--bits N] [--sec N]
 *       load or create the node key and CGA modifier in DIR (the key
 *       store mnd uses), with a progress line for the modifier search
 *   mn-wire pcap OUT.pcap EXPECT.jsonl [--keydir DIR]
 *       write one Ethernet/IPv6 frame per Mobility Header message kind
 *       and, per frame, a JSON line with what the encoder put in it, for
 *       the independent decoders (tshark, scapy) to compare against
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/cga.h"
#include "proto/crypto.h"
#include "proto/err.h"
#include "proto/mh.h"
#include "proto/msg.h"
#include "sys/keystore.h"

struct wire_node {
	EVP_PKEY *key;
	uint8_t *spki;
	size_t spki_len;
	struct ks_cga cga;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "mn-wire: %s: %s (%s)\n", what, mn_strerror(err), mn_err_name(err));
	exit(1);
}

static double wire_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int wire_progress(uint64_t hashes, void *user)
{
	fprintf(stderr, "\rmodifier search: %llu hashes", (unsigned long long)hashes);
	return 0;
}

/* Load the node key and modifier from dir, creating what is missing. */
static void wire_node_load(struct wire_node *n, const char *dir, unsigned int bits,
			   unsigned int sec, bool verbose)
{
	struct cga_search s = {0};
	uint64_t hashes = 0;
	double t0;
	int err;

	err = dir ? ks_load_key(dir, &n->key) : MN_ERR_NOTFOUND;
	if (err == MN_ERR_NOTFOUND) {
		t0 = wire_now();
		err = mn_key_generate(bits, &n->key);
		if (err)
			die("key generation", err);
		if (verbose)
			printf("generated a %u-bit RSA key in %.2f s\n", bits, wire_now() - t0);
		if (dir && (err = ks_save_key(dir, n->key)))
			die("saving the key", err);
	} else if (err) {
		die("loading the key", err);
	} else if (verbose) {
		printf("loaded the %zu-bit RSA key from %s/%s\n", mn_key_bytes(n->key) * 8, dir,
		       KS_KEY_FILE);
	}
	err = mn_key_spki(n->key, &n->spki, &n->spki_len);
	if (err)
		die("encoding the public key", err);

	err = dir ? ks_load_cga(dir, n->spki, n->spki_len, sec, &n->cga) : MN_ERR_NOTFOUND;
	if (err == MN_ERR_NOTFOUND) {
		s.pubkey = n->spki;
		s.pubkey_len = n->spki_len;
		s.sec = sec;
		if (mn_phkt_generate(s.start) || mn_phkt_generate(s.start + 8))
			die("random start", MN_ERR_CRYPTO);
		s.progress = verbose ? wire_progress : NULL;
		t0 = wire_now();
		err = cga_search_modifier(&s, n->cga.modifier, &hashes);
		if (err)
			die("modifier search", err);
		n->cga.sec = sec;
		if (verbose)
			printf("%sSec %u modifier found after %llu hashes in %.3f s\n",
			       s.progress ? "\n" : "", sec, (unsigned long long)hashes,
			       wire_now() - t0);
		if (dir && (err = ks_save_cga(dir, n->spki, n->spki_len, &n->cga)))
			die("saving the modifier", err);
	} else if (err) {
		die("loading the modifier", err);
	}
}

/* CGA Parameters and address of this node under prefix/64. */
static void wire_cga(const struct wire_node *n, const char *prefix, uint8_t *params, size_t cap,
		     size_t *len, struct in6_addr *addr)
{
	struct cga_params p = {0};
	struct in6_addr pfx;
	int err;

	if (inet_pton(AF_INET6, prefix, &pfx) != 1)
		die("prefix", MN_ERR_INVAL);
	memcpy(p.modifier, n->cga.modifier, CGA_MODIFIER_LEN);
	memcpy(p.prefix, pfx.s6_addr, CGA_PREFIX_LEN);
	p.pubkey = n->spki;
	p.pubkey_len = n->spki_len;
	if ((err = cga_params_encode(&p, params, cap, len)))
		die("CGA parameters", err);
	if ((err = cga_address(&p, n->cga.sec, addr)))
		die("CGA address", err);
}

static int cmd_keygen(int argc, char **argv)
{
	struct wire_node n = {0};
	unsigned int bits = MN_RSA_DEFAULT_BITS, sec = 1;
	uint8_t params[1024];
	size_t len;
	struct in6_addr a;
	char buf[INET6_ADDRSTRLEN];

	if (argc < 1)
		return 2;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bits") && i + 1 < argc)
			bits = (unsigned int)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--sec") && i + 1 < argc)
			sec = (unsigned int)strtoul(argv[++i], NULL, 10);
		else
			return 2;
	}
	wire_node_load(&n, argv[0], bits, sec, true);
	printf("public key: %zu-byte SubjectPublicKeyInfo\n", n.spki_len);
	for (int i = 1; i <= 3; i++) {
		char pfx[32];

		snprintf(pfx, sizeof(pfx), "2001:db8:%d::", i);
		wire_cga(&n, pfx, params, sizeof(params), &len, &a);
		printf("CGA at DAR%d (%s/64): %s (%zu-byte CGA Parameters)\n", i, pfx,
		       inet_ntop(AF_INET6, &a, buf, sizeof(buf)), len);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* pcap + expectations */

struct wire_out {
	FILE *pcap;
	FILE *json;
	unsigned int frame;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void wire_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static void wire_addr(FILE *f, const char *name, const struct in6_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	fprintf(f, "\"%s\": \"%s\"", name, inet_ntop(AF_INET6, a, buf, sizeof(buf)));
}

static void wire_ip6hdr(uint8_t *p, size_t plen, uint8_t nh, const struct in6_addr *src,
			const struct in6_addr *dst)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)plen);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

/* Emit one MH inside IPv6 (src -> dst), optionally inside an outer IPv6
 * header (osrc -> odst, next header 41). */
static void wire_emit(struct wire_out *o, const char *name, const uint8_t *mh, size_t len,
		      const struct in6_addr *src, const struct in6_addr *dst,
		      const struct in6_addr *osrc, const struct in6_addr *odst)
{
	static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd};
	uint8_t frame[14 + 80 + MH_MAX_LEN];
	size_t off = 14, caplen;
	uint32_t rec[4];
	struct mh_msg *m;
	int err;

	memcpy(frame, eth, 14);
	if (osrc) {
		wire_ip6hdr(frame + off, 40 + len, 41, osrc, odst);
		off += 40;
	}
	wire_ip6hdr(frame + off, len, 135, src, dst);
	off += 40;
	memcpy(frame + off, mh, len);
	caplen = off + len;

	o->frame++;
	rec[0] = 1700000000u + o->frame;
	rec[1] = 0;
	rec[2] = rec[3] = (uint32_t)caplen;
	fwrite(rec, sizeof(rec), 1, o->pcap);
	fwrite(frame, caplen, 1, o->pcap);

	m = calloc(1, sizeof(*m));
	if (!m)
		die("memory", MN_ERR_NOMEM);
	if ((err = mh_decode(mh, len, m)))
		die(name, err);
	fprintf(o->json, "{\"frame\": %u, \"name\": \"%s\", ", o->frame, name);
	wire_addr(o->json, "src", src);
	fprintf(o->json, ", ");
	wire_addr(o->json, "dst", dst);
	if (osrc) {
		fprintf(o->json, ", \"tunnel\": {");
		wire_addr(o->json, "src", osrc);
		fprintf(o->json, ", ");
		wire_addr(o->json, "dst", odst);
		fprintf(o->json, "}");
	} else {
		fprintf(o->json, ", \"tunnel\": null");
	}
	fprintf(o->json, ", \"mhtype\": %u, \"hdrlen\": %u, \"csum\": %u, \"fields\": {", mh[2],
		mh[1], (unsigned int)(mh[4] << 8 | mh[5]));
	switch (m->type) {
	case MH_BRR:
		break;
	case MH_HOTI:
	case MH_COTI:
		fprintf(o->json, "\"cookie\": \"");
		wire_hex(o->json, m->u.ti.cookie, MH_COOKIE_LEN);
		fprintf(o->json, "\"");
		break;
	case MH_HOT:
	case MH_COT:
		fprintf(o->json, "\"nonce_index\": %u, \"cookie\": \"", m->u.t.nonce_index);
		wire_hex(o->json, m->u.t.cookie, MH_COOKIE_LEN);
		fprintf(o->json, "\", \"token\": \"");
		wire_hex(o->json, m->u.t.token, MH_TOKEN_LEN);
		fprintf(o->json, "\"");
		break;
	case MH_BU:
		fprintf(o->json, "\"seq\": %u, \"flags\": %u, \"lifetime\": %u", m->u.bu.seq,
			m->u.bu.flags, m->u.bu.lifetime);
		break;
	case MH_BA:
		fprintf(o->json, "\"status\": %u, \"flags\": %u, \"seq\": %u, \"lifetime\": %u",
			m->u.ba.status, m->u.ba.flags, m->u.ba.seq, m->u.ba.lifetime);
		break;
	case MH_BE:
		fprintf(o->json, "\"status\": %u, ", m->u.be.status);
		wire_addr(o->json, "hoa", &m->u.be.hoa);
		break;
	}
	fprintf(o->json, "}, \"opts\": [");
	for (unsigned int i = 0; i < m->n_opts; i++) {
		const struct mh_opt_ref *r = &m->opts[i];

		fprintf(o->json, "%s{\"type\": %u, \"off\": %u, \"len\": %u, \"data\": \"",
			i ? ", " : "", r->type, r->off, r->len);
		if (r->type != MH_OPT_PAD1)
			wire_hex(o->json, mh + r->off + 2, r->len);
		fprintf(o->json, "\"}");
	}
	fprintf(o->json, "]}\n");
	free(m);
}

static void wire_check(const char *what, int err)
{
	if (err)
		die(what, err);
}

static int cmd_pcap(int argc, char **argv)
{
	static const uint8_t cookie[8] = {0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44};
	static const uint8_t token[8] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
	static const uint8_t phkt[MN_PHKT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
	/* pcap global header, host byte order: v2.4, snaplen 65535, Ethernet */
	const struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} gh = {0xa1b2c3d4, 2, 4, 0, 0, 65535, 1};
	struct wire_node n = {0};
	struct wire_out o = {0};
	const char *keydir = NULL;
	uint8_t hoa_params[1024], coa_params[1024], mh[MH_MAX_LEN], enc[MN_SIG_MAX];
	uint8_t kbm[MN_KBM_LEN];
	size_t hoa_len, coa_len, len, enc_len = sizeof(enc);
	struct in6_addr hoa, coa, dar;
	struct mh_builder b;
	struct msg_bu bu;
	struct msg_ba ba;

	if (argc < 2)
		return 2;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--keydir") && i + 1 < argc)
			keydir = argv[++i];
		else
			return 2;
	}
	o.pcap = fopen(argv[0], "wb");
	o.json = fopen(argv[1], "w");
	if (!o.pcap || !o.json) {
		fprintf(stderr, "mn-wire: %s\n", strerror(errno));
		return 1;
	}
	fwrite(&gh, sizeof(gh), 1, o.pcap);

	wire_node_load(&n, keydir, MN_RSA_DEFAULT_BITS, 1, false);
	wire_cga(&n, "2001:db8:1::", hoa_params, sizeof(hoa_params), &hoa_len, &hoa);
	wire_cga(&n, "2001:db8:2::", coa_params, sizeof(coa_params), &coa_len, &coa);
	inet_pton(AF_INET6, "2001:db8:1::1", &dar);
	(void)coa_len;

	/* First BU (profile (b)), tunnelled CoA -> DAR as the MN sends it. */
	bu = (struct msg_bu){.seq = 1, .lifetime = 60, .hoa = hoa, .coa = coa, .dar = dar};
	wire_check("first BU",
		   msg_build_bu_cga(mh, sizeof(mh), &len, &bu, hoa_params, hoa_len, n.key));
	wire_emit(&o, "bu-cga", mh, len, &hoa, &dar, &coa, &dar);
	/* The same, untunnelled. */
	wire_emit(&o, "bu-cga-plain", mh, len, &hoa, &dar, NULL, NULL);

	/* BA with the encrypted PHKT (profile (c)), tunnelled DAR -> CoA. */
	wire_check("PHKT", mn_phkt_encrypt(n.key, phkt, enc, &enc_len));
	ba = (struct msg_ba){.status = 0,
			     .seq = 1,
			     .lifetime = 60,
			     .hoa = hoa,
			     .coa = coa,
			     .dar = dar,
			     .phkt_enc = enc,
			     .phkt_enc_len = enc_len};
	wire_check("BA/PHKT", msg_build_ba(mh, sizeof(mh), &len, &ba));
	wire_emit(&o, "ba-phkt", mh, len, &dar, &hoa, &dar, &coa);

	/* Token BUs (profile (d)): early, complete, de-registration. */
	bu.seq = 2;
	wire_check("early BU", msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, NULL, 0, kbm));
	wire_emit(&o, "bu-token-early", mh, len, &hoa, &dar, &coa, &dar);
	/* BA to it with BAD and a Binding Refresh Advice. */
	ba = (struct msg_ba){.status = 0,
			     .seq = 2,
			     .lifetime = 60,
			     .refresh = 45,
			     .hoa = hoa,
			     .coa = coa,
			     .dar = dar,
			     .kbm = kbm};
	wire_check("BA/BAD", msg_build_ba(mh, sizeof(mh), &len, &ba));
	wire_emit(&o, "ba-bad-bra", mh, len, &dar, &hoa, NULL, NULL);
	bu.seq = 3;
	wire_check("complete BU",
		   msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, token, 7, NULL));
	wire_emit(&o, "bu-token-complete", mh, len, &hoa, &dar, NULL, NULL);
	bu.seq = 4;
	bu.lifetime = 0;
	wire_check("dereg BU", msg_build_bu_token(mh, sizeof(mh), &len, &bu, phkt, NULL, 0, NULL));
	wire_emit(&o, "bu-dereg", mh, len, &hoa, &dar, NULL, NULL);

	/* Error BAs. */
	ba = (struct msg_ba){
		.status = MH_BA_SEQ_OUT_OF_WINDOW, .seq = 9, .hoa = hoa, .coa = coa, .dar = dar};
	wire_check("BA 135", msg_build_ba(mh, sizeof(mh), &len, &ba));
	wire_emit(&o, "ba-135", mh, len, &dar, &hoa, NULL, NULL);
	ba.status = MH_BA_CGA_SIG_FAILED;
	wire_check("BA 148", msg_build_ba(mh, sizeof(mh), &len, &ba));
	wire_emit(&o, "ba-148", mh, len, &dar, &hoa, NULL, NULL);

	/* BRR */
	wire_check("BRR", msg_build_brr(mh, sizeof(mh), &len, &dar, &hoa));
	wire_emit(&o, "brr", mh, len, &dar, &hoa, &dar, &coa);

	/* Return-routability messages. */
	mh_build_init(&b, mh, sizeof(mh), MH_HOTI);
	mh_build_hoti(&b, cookie);
	len = mh_build_finish(&b);
	mh_set_checksum(&hoa, &dar, mh, len);
	wire_emit(&o, "hoti", mh, len, &hoa, &dar, NULL, NULL);
	mh_build_init(&b, mh, sizeof(mh), MH_COTI);
	mh_build_coti(&b, cookie);
	len = mh_build_finish(&b);
	mh_set_checksum(&hoa, &dar, mh, len);
	wire_emit(&o, "coti", mh, len, &hoa, &dar, &coa, &dar);
	mh_build_init(&b, mh, sizeof(mh), MH_HOT);
	mh_build_hot(&b, 3, cookie, token);
	len = mh_build_finish(&b);
	mh_set_checksum(&dar, &hoa, mh, len);
	wire_emit(&o, "hot", mh, len, &dar, &hoa, NULL, NULL);
	mh_build_init(&b, mh, sizeof(mh), MH_COT);
	mh_build_cot(&b, 7, cookie, token);
	len = mh_build_finish(&b);
	mh_set_checksum(&dar, &hoa, mh, len);
	wire_emit(&o, "cot", mh, len, &dar, &hoa, &dar, &coa);
	mh_build_init(&b, mh, sizeof(mh), MH_BE);
	mh_build_be(&b, 2, &hoa);
	len = mh_build_finish(&b);
	mh_set_checksum(&dar, &coa, mh, len);
	wire_emit(&o, "be", mh, len, &dar, &coa, NULL, NULL);

	/* A BU with every optional RFC 4866 option: CGA Parameters Request and
	 * Care-of Test Init (signature reserved, zero: not verified). */
	mh_build_init(&b, mh, sizeof(mh), MH_BU);
	mh_build_bu(&b, 5, MH_BU_F_A | MH_BU_F_H | MH_BU_F_L | MH_BU_F_K, 0x5460);
	mh_put_altcoa(&b, &coa);
	mh_put_cga_req(&b);
	mh_put_coti(&b);
	mh_put_nonce(&b, 0, 0);
	mh_put_bad(&b);
	len = mh_build_finish(&b);
	wire_check("BU/opts", b.err);
	mh_set_checksum(&hoa, &dar, mh, len);
	wire_emit(&o, "bu-cgareq-coti", mh, len, &hoa, &dar, NULL, NULL);

	/* A BA with a Care-of Test option and the K flag. */
	mh_build_init(&b, mh, sizeof(mh), MH_BA);
	mh_build_ba(&b, 0, MH_BA_F_K, 6, 0x5460);
	mh_put_cot(&b, token);
	len = mh_build_finish(&b);
	wire_check("BA/CoT", b.err);
	mh_set_checksum(&dar, &hoa, mh, len);
	wire_emit(&o, "ba-cot", mh, len, &dar, &hoa, NULL, NULL);

	fclose(o.pcap);
	fclose(o.json);
	printf("mn-wire: %u frames\n", o.frame);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc >= 2 && !strcmp(argv[1], "keygen"))
		rc = cmd_keygen(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "pcap"))
		rc = cmd_pcap(argc - 2, argv + 2);
	if (rc == 2)
		fprintf(stderr, "usage: mn-wire keygen DIR [--bits N] [--sec N]\n"
				"       mn-wire pcap OUT.pcap EXPECT.jsonl [--keydir DIR]\n");
	return rc;
}
