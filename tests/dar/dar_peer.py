#!/usr/bin/python3
"""Independent mobile-node peer for the acceptance test of the reference DAR (mn-dar).

Shares no code with the C codec: messages are built with scapy 2.5.0 (scapy.layers.inet6), the
crypto uses python3-cryptography (RSA, DER SubjectPublicKeyInfo, RSASSA-PKCS1-v1_5/SHA-1,
RSAES-PKCS1-v1_5) and hashlib/hmac (CGA per RFC 3972, Kbm and the BAD authenticator per
RFC 6275 5.2 / RFC 4866), and the Mobility Header checksum is computed here as well and
compared with scapy's.  Must run with /usr/bin/python3 (the interpreter that has scapy).

usage:
  dar_peer.py selftest
      offline: reproduce notes/protocol.md 4.5 (CGA), 3.9 (a) (first BU: CGA check, signature,
      checksum, byte-exact rebuild), 3.9 (b)/(c) (token BUs: Kbm, authenticators, checksums,
      byte-exact MHs, and the BA's BAD) and the 1.6 HMAC arithmetic check.
  dar_peer.py keygen --key FILE [--bits 2040] [--sec 1]
      RSA key + RFC 3972 modifier search (prefix independent), stored as JSON.
  dar_peer.py init --key FILE --ctx FILE --label L --dar ADDR --prefix P/64 --coa ADDR
                   [--foreign-prefix P/64] [--seq N] [--dar-state FILE] [--dar-log FILE]
      per-run context (HoA = CGA of the key under --prefix); prints HOA=... for the shell.
  dar_peer.py run --ctx FILE STEP...
      live exchanges (run it inside the MN's namespace): each STEP sends one or more BUs
      tunnelled CoA -> DAR (inner HoA -> DAR, next header 135, through a raw protocol-41
      socket bound to the CoA) and checks the BA (outer DAR -> CoA, inner DAR -> HoA).
      Steps: cga badsig foreign replay noauth token-bad token token-nokey dereg counters log restarted
  dar_peer.py pcap FILE --dar A --coa A --hoa A --cn A [--label L]
      checks that a capture holds next-header-41 packets in both directions (outer DAR <-> CoA,
      inner CN <-> HoA).
  dar_peer.py tcp-server --bind ADDR --port N --ready FILE [--bytes N]
  dar_peer.py tcp-client --connect ADDR --port N [--bytes N] [--label L]
      a TCP exchange in both directions (data checked by SHA-1).

Each check prints `ok - ...` or `not ok - ...`; the exit status is 0 when every check passed,
1 otherwise (2 for usage errors).
"""

import argparse
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import select
import socket
import struct
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.compat import raw  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    IPv6, MIP6MH_BU, MIP6MH_BA, MIP6OptAltCoA, MIP6OptCGAParams, MIP6OptSignature,
    MIP6OptNonceIndices, MIP6OptBindingAuthData, MIP6OptHomeKeygenToken)
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402

TAG = bytes.fromhex("5F2705868D6C4C56A2469EBB9B2A2E13")  # RFC 4866 CGA message type tag
IPPROTO_MH = 135
IPPROTO_IPV6 = 41
OPT_NAMES = {0: "Pad1", 1: "PadN", 2: "BRAdvice", 3: "AltCoA", 4: "NonceIndices", 5: "BAD",
             11: "CGAParamsReq", 12: "CGAParams", 13: "Signature", 14: "PHKT", 15: "CoTI",
             16: "CoT"}
BU_LIFETIME = 60  # 4-second units (240 s)

FAILED = 0


def report(ok, text, detail=""):
    global FAILED
    if ok:
        print("ok - " + text, flush=True)
    else:
        FAILED += 1
        print("not ok - " + text + (": " + detail if detail else ""), flush=True)
    return ok


# ----------------------------------------------------------------------------- addresses

def a16(s):
    return ipaddress.IPv6Address(s).packed


def astr(b):
    return str(ipaddress.IPv6Address(bytes(b)))


def norm(s):
    return str(ipaddress.IPv6Address(s))


def prefix8(p):
    net = ipaddress.IPv6Network(p, strict=False)
    if net.prefixlen != 64:
        raise ValueError("prefix %s is not a /64" % p)
    return net.network_address.packed[:8]


# ----------------------------------------------------------------------------- MH checksum

def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = 0
    for (w,) in struct.iter_unpack("!H", data):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def pseudo(src, dst, n):
    return a16(src) + a16(dst) + struct.pack("!I", n) + b"\0\0\0" + bytes([IPPROTO_MH])


def mh_checksum(src, dst, mh):
    """RFC 6275 6.1.1 / RFC 2460 8.1, over the MH with its checksum field taken as zero."""
    mh = mh[:4] + b"\0\0" + mh[6:]
    c = 0xFFFF - ones_sum(pseudo(src, dst, len(mh)) + mh)
    return c if c else 0xFFFF


def mh_checksum_ok(src, dst, mh):
    return ones_sum(pseudo(src, dst, len(mh)) + mh) == 0xFFFF


def zero_cksum(mh):
    return mh[:4] + b"\0\0" + mh[6:]


# ----------------------------------------------------------------------------- TLV walk

def parse_opts(mh, start=12):
    """[(type, offset, data)]; raises ValueError on a truncated option."""
    end = len(mh)
    out, i = [], start
    while i < end:
        t = mh[i]
        if t == 0:
            out.append((0, i, b""))
            i += 1
            continue
        if i + 2 > end or i + 2 + mh[i + 1] > end:
            raise ValueError("option type %d at offset %d overruns the MH" % (t, i))
        ln = mh[i + 1]
        out.append((t, i, mh[i + 2:i + 2 + ln]))
        i += 2 + ln
    return out


def opts_str(opts):
    return ",".join("%s@%d/%d" % (OPT_NAMES.get(t, str(t)), off, len(d)) for t, off, d in opts)


# ----------------------------------------------------------------------------- CGA (RFC 3972)

def der_total_len(b):
    """length of the DER TLV at the start of b (SEQUENCE of a SubjectPublicKeyInfo)."""
    if len(b) < 2 or b[0] != 0x30:
        raise ValueError("public key does not start with a DER SEQUENCE")
    ln = b[1]
    if ln < 0x80:
        return 2 + ln
    n = ln & 0x7F
    if n == 0 or n > 3 or len(b) < 2 + n:
        raise ValueError("bad DER length")
    return 2 + n + int.from_bytes(b[2:2 + n], "big")


def hash2(modifier, key_and_ext):
    return hashlib.sha1(modifier + b"\0" * 9 + key_and_ext).digest()[:14]


def modifier_search(spki, sec, start=None):
    m = int.from_bytes(start if start is not None else os.urandom(16), "big")
    need = b"\0" * (2 * sec)
    n = 0
    while True:
        mod = m.to_bytes(16, "big")
        n += 1
        if sec == 0 or hash2(mod, spki)[:2 * sec] == need:
            return mod, n
        m = (m + 1) % (1 << 128)


def cga_params(modifier, pfx8, cc, spki):
    return modifier + pfx8 + bytes([cc]) + spki


def cga_address(params, sec):
    h1 = hashlib.sha1(params).digest()[:8]
    return params[16:24] + bytes([(h1[0] & 0x1C) | (sec << 5)]) + h1[1:]


def cga_verify(addr16, params):
    """RFC 3972 5; returns (ok, reason, spki)."""
    if len(params) < 25 + 2:
        return False, "CGA Parameters too short", None
    if params[24] > 2:
        return False, "collision count %d" % params[24], None
    if params[16:24] != addr16[:8]:
        return False, "prefix mismatch", None
    h1 = hashlib.sha1(params).digest()[:8]
    iid = addr16[8:]
    if bytes([h1[0] & 0x1C]) + h1[1:] != bytes([iid[0] & 0x1C]) + iid[1:]:
        return False, "Hash1 does not match the interface identifier", None
    sec = iid[0] >> 5
    try:
        klen = der_total_len(params[25:])
    except ValueError as e:
        return False, str(e), None
    spki = params[25:25 + klen]
    h2 = hash2(params[:16], params[25:])
    if h2[:2 * sec] != b"\0" * (2 * sec):
        return False, "Hash2 has fewer than 16*Sec leading zero bits", None
    return True, "", spki


# ----------------------------------------------------------------------------- keys

def load_key(path):
    with open(path) as f:
        k = json.load(f)
    key = serialization.load_pem_private_key(k["pem"].encode(), password=None)
    return key, bytes.fromhex(k["modifier"]), k["sec"]


def spki_of(key):
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def modulus_bytes(pub):
    return (pub.key_size + 7) // 8


def sign_pkcs1_sha1(key):
    return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA1())


# ----------------------------------------------------------------------------- BU builders (scapy)

def mh_from_scapy(hoa, dar, mh_pkt):
    """MH bytes as scapy builds them under an inner IPv6 HoA -> DAR header (no HAO: scapy's
    pseudo-header is then the right one)."""
    b = raw(IPv6(src=hoa, dst=dar) / mh_pkt)
    return b[40:]


def finish_checksum(hoa, dar, mh):
    """scapy computed the checksum; recompute it here and insist they agree."""
    own = mh_checksum(hoa, dar, mh)
    got = struct.unpack("!H", mh[4:6])[0]
    if own != got:
        raise RuntimeError("scapy checksum %#06x != own %#06x" % (got, own))
    if not mh_checksum_ok(hoa, dar, mh):
        raise RuntimeError("MH checksum does not verify")
    return mh


def split255(b):
    return [b[i:i + 255] for i in range(0, len(b), 255)]


def build_cga_bu(seq, lifetime, hoa, coa, dar, params, sig_len, signer, flip_sig=False):
    """Profile (b): A|H, Alternate CoA, CGA Parameters x n (255-byte slices), Signature.
    Returns (mh, info)."""
    def bu(sig, cksum):
        opts = [MIP6OptAltCoA(acoa=coa)]
        opts += [MIP6OptCGAParams(cgaparams=c) for c in split255(params)]
        opts.append(MIP6OptSignature(sig=sig))
        return MIP6MH_BU(seq=seq, flags="AH", mhtime=lifetime, cksum=cksum, options=opts)

    mh0 = mh_from_scapy(hoa, dar, bu(b"\0" * sig_len, 0))
    opts = parse_opts(mh0)
    cga = [o for o in opts if o[0] == 12]
    sigo = [o for o in opts if o[0] == 13]
    assert len(sigo) == 1 and cga, opts_str(opts)
    last = cga[-1]
    end_cga = last[1] + 2 + len(last[2])
    assert sigo[0][1] == end_cga, "Signature does not follow the CGA Parameters directly"
    signed = TAG + a16(coa) + a16(dar) + zero_cksum(mh0)[:end_cga]
    sig = signer(signed)
    assert len(sig) == sig_len
    if flip_sig:
        sig = sig[:10] + bytes([sig[10] ^ 0x01]) + sig[11:]
    mh = mh_from_scapy(hoa, dar, bu(sig, None))
    assert zero_cksum(mh)[:end_cga] == zero_cksum(mh0)[:end_cga] and len(mh) == len(mh0)
    finish_checksum(hoa, dar, mh)
    return mh, {"signed": signed, "layout": opts_str(parse_opts(mh)),
                "cga_opts": [len(o[2]) for o in cga]}


def kbm_for(phkt, lifetime, cokt=None):
    if lifetime == 0:
        return hashlib.sha1(phkt).digest()
    return hashlib.sha1(phkt + (cokt if cokt is not None else b"\0" * 8)).digest()


def build_token_bu(seq, lifetime, hoa, coa, dar, phkt, coni=0, cokt=None, altcoa=True,
                   corrupt=False):
    """Profile (d): A|H, Alternate CoA, Nonce Indices (home 0), BAD last.  Returns (mh, info)."""
    kbm = kbm_for(phkt, lifetime, cokt)

    def bu(auth, cksum):
        opts = [MIP6OptAltCoA(acoa=coa)] if altcoa else []
        opts += [MIP6OptNonceIndices(olen=4, hni=0, coni=coni),
                 MIP6OptBindingAuthData(olen=12, authenticator=int.from_bytes(auth, "big"))]
        return MIP6MH_BU(seq=seq, flags="AH", mhtime=lifetime, cksum=cksum, options=opts)

    mh0 = mh_from_scapy(hoa, dar, bu(b"\0" * 12, 0))
    opts = parse_opts(mh0)
    assert opts[-1][0] == 5 and len(opts[-1][2]) == 12 and opts[-1][1] % 8 == 2, opts_str(opts)
    auth_off = opts[-1][1] + 2
    assert auth_off + 12 == len(mh0)
    mac_in = a16(coa) + a16(dar) + mh0[:auth_off]
    auth = hmac.new(kbm, mac_in, hashlib.sha1).digest()[:12]
    if corrupt:
        auth = bytes([auth[0] ^ 0x80]) + auth[1:]
    mh = mh_from_scapy(hoa, dar, bu(auth, None))
    assert zero_cksum(mh)[:auth_off] == mh0[:auth_off]
    finish_checksum(hoa, dar, mh)
    return mh, {"kbm": kbm, "auth": auth, "before_auth": mh0[:auth_off]}


# ----------------------------------------------------------------------------- BA verification

def verify_ba_mh(mh, dar, hoa, coa, kbm=None, key=None):
    """Structure, checksum (DAR -> HoA), BAD (when kbm) and PHKT (when key) of a BA MH.
    Returns (problems, info)."""
    p, info = [], {}
    if len(mh) < 12:
        return ["BA MH only %d bytes" % len(mh)], info
    if (mh[1] + 1) * 8 != len(mh):
        p.append("Header Len %d does not match %d MH bytes" % (mh[1], len(mh)))
    if mh[0] != 59:
        p.append("Payload Proto %d != 59" % mh[0])
    if mh[2] != 6:
        return p + ["MH type %d is not a BA" % mh[2]], info
    if not mh_checksum_ok(dar, hoa, mh):
        p.append("MH checksum %#06x wrong (expected %#06x over DAR -> HoA)"
                 % (struct.unpack("!H", mh[4:6])[0], mh_checksum(dar, hoa, mh)))
    info["status"] = mh[6]
    info["flags"] = mh[7]
    info["seq"] = struct.unpack("!H", mh[8:10])[0]
    info["lifetime"] = struct.unpack("!H", mh[10:12])[0]
    # scapy's dissection must agree with the offsets read here
    try:
        ba = MIP6MH_BA(mh)
        if (ba.status, ba.seq, ba.mhtime) != (info["status"], info["seq"], info["lifetime"]):
            p.append("scapy reads status/seq/lifetime %s" % ((ba.status, ba.seq, ba.mhtime),))
    except Exception as e:  # pragma: no cover - scapy failure is itself a finding
        p.append("scapy cannot dissect the BA: %r" % e)
    try:
        opts = parse_opts(mh)
    except ValueError as e:
        return p + [str(e)], info
    info["opts"] = opts_str(opts)
    phk = [o for o in opts if o[0] == 14]
    bad = [o for o in opts if o[0] == 5]
    info["has_phkt"], info["has_bad"] = bool(phk), bool(bad)
    for t, off, d in opts:
        if t == 1 and any(d):
            p.append("PadN with non-zero data at %d" % off)
    if key is not None and phk:
        if len(phk) != 1:
            p.append("%d PHKT options" % len(phk))
        ct = phk[0][2]
        if len(ct) != modulus_bytes(key.public_key()):
            p.append("PHKT ciphertext %d bytes, modulus %d" % (len(ct), modulus_bytes(key.public_key())))
        try:
            pt = key.decrypt(ct, padding.PKCS1v15())
            if len(pt) != 8:
                p.append("PHKT decrypts to %d bytes, not 8" % len(pt))
            else:
                info["phkt"] = pt
        except Exception as e:
            p.append("PHKT does not decrypt with the MN key (RSAES-PKCS1-v1_5): %r" % e)
    if kbm is not None:
        if not bad:
            p.append("no Binding Authorization Data option")
        else:
            t, off, d = bad[-1]
            if (t, off, d) != opts[-1]:
                p.append("BAD is not the last option (%s)" % info["opts"])
            if len(d) != 12:
                p.append("BAD length %d != 12" % len(d))
            if off % 8 != 2:
                p.append("BAD at offset %d, not 8n+2" % off)
            auth_off = off + 2
            want = hmac.new(kbm, a16(coa) + a16(dar) + zero_cksum(mh)[:auth_off],
                            hashlib.sha1).digest()[:12]
            if not hmac.compare_digest(want, bytes(d[:12])):
                p.append("BAD authenticator %s != %s (own HMAC-SHA1 over CoA|DAR|BA MH)"
                         % (bytes(d).hex(), want.hex()))
            else:
                info["bad_ok"] = True
    return p, info


# ----------------------------------------------------------------------------- raw socket I/O

def inner_packet(src, dst, mh):
    return raw(IPv6(src=src, dst=dst, nh=IPPROTO_MH, hlim=64) / mh)


def exchange(inner, coa, dar, hoa, timeout=3.0):
    """Send the inner packet tunnelled (the kernel adds outer CoA -> DAR, next header 41) and
    return (outer_src, outer_dst, inner_bytes) of the first BA to hoa, plus ignored packets."""
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_IPV6)
    ignored = []
    try:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        s.bind((coa, 0))
        s.sendto(inner, (dar, 0))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, ignored
            r, _, _ = select.select([s], [], [], left)
            if not r:
                continue
            data, anc, _flags, addr = s.recvmsg(65535, 256)
            odst = None
            for lvl, typ, cd in anc:
                if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO and len(cd) >= 16:
                    odst = astr(cd[:16])
            osrc = norm(addr[0].split("%")[0])
            if len(data) < 48 or data[0] >> 4 != 6:
                ignored.append("%s>%s non-IPv6 payload" % (osrc, odst))
                continue
            plen = struct.unpack("!H", data[4:6])[0]
            isrc, idst = astr(data[8:24]), astr(data[24:40])
            if data[6] == IPPROTO_MH and idst == norm(hoa) and data[42] == 6:
                return (osrc, odst, data[:40 + plen]), ignored
            ignored.append("%s>%s inner %s>%s nh %d mh %d" % (osrc, odst, isrc, idst, data[6],
                                                                 data[42] if data[6] == 135 else -1))
    finally:
        s.close()


# ----------------------------------------------------------------------------- context

class Ctx:
    def __init__(self, path):
        self.path = path
        with open(path) as f:
            self.d = json.load(f)
        self.key, self.modifier, self.sec = load_key(self.d["key"])

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.d, f, indent=1)
        os.replace(tmp, self.path)

    def __getattr__(self, k):
        if k in ("path", "d", "key", "modifier", "sec"):
            raise AttributeError(k)
        return self.d[k]

    def next_seq(self):
        s = self.d["seq"]
        self.d["seq"] = (s + 1) & 0xFFFF
        return s

    def params_for(self, prefix):
        return cga_params(self.modifier, prefix8(prefix), 0, spki_of(self.key))


# ----------------------------------------------------------------------------- DAR state file

def read_dar_state(path):
    bindings, counters = [], None
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return None, None
    for ln in lines:
        w = ln.split()
        if not w:
            continue
        kv = dict(x.split("=", 1) for x in w[1:] if "=" in x)
        if w[0] == "binding":
            bindings.append(kv)
        elif w[0] == "counters":
            counters = kv
    return bindings, counters


def binding_for(bindings, hoa):
    for b in bindings or []:
        try:
            if norm(b.get("hoa", "")) == norm(hoa):
                return b
        except ValueError:
            pass
    return None


def poll(fn, timeout=2.0):
    deadline = time.monotonic() + timeout
    while True:
        r = fn()
        if r[0] or time.monotonic() >= deadline:
            return r
        time.sleep(0.02)


def check_state_binding(ctx, label, hoa, coa, seq, phkt):
    path = ctx.d.get("dar_state")
    if not path:
        return

    def probe():
        bs, _ = read_dar_state(path)
        if bs is None:
            return False, "cannot read %s" % path
        b = binding_for(bs, hoa)
        if b is None:
            return False, "no binding line for hoa=%s (%d binding lines)" % (hoa, len(bs))
        p = []
        try:
            if norm(b.get("coa", "::")) != norm(coa):
                p.append("coa=%s" % b.get("coa"))
        except ValueError:
            p.append("coa=%s" % b.get("coa"))
        if b.get("seq") != str(seq):
            p.append("seq=%s (want %d)" % (b.get("seq"), seq))
        if (b.get("phkt") or "").lower() != phkt.hex():
            p.append("phkt=%s (the BA's decrypts to %s)" % (b.get("phkt"), phkt.hex()))
        try:
            if int(b.get("lifetime", "-1")) <= 0 or int(b.get("remaining", "-1")) <= 0:
                p.append("lifetime=%s remaining=%s" % (b.get("lifetime"), b.get("remaining")))
        except ValueError:
            p.append("lifetime=%s remaining=%s" % (b.get("lifetime"), b.get("remaining")))
        return (not p), "; ".join(p)
    ok, why = poll(probe)
    report(ok, "%s: state file shows binding hoa=%s coa=%s seq=%d phkt=%s"
           % (label, hoa, coa, seq, phkt.hex()), why)


def check_state_nobinding(ctx, label, hoa):
    path = ctx.d.get("dar_state")
    if not path:
        return

    def probe():
        bs, cs = read_dar_state(path)
        if bs is None:
            return False, "cannot read %s" % path
        if binding_for(bs, hoa) is not None:
            return False, "binding line for %s still present" % hoa
        if cs is None:
            return False, "no counters line"
        return True, ""
    ok, why = poll(probe)
    report(ok, "%s: state file has no binding for %s after de-registration" % (label, hoa), why)


# ----------------------------------------------------------------------------- steps

def do_exchange(ctx, mh, hoa, expect):
    """send, receive, verify the BA against the dict expect; returns (problems, info)."""
    coa, dar = ctx.coa, ctx.dar
    inner = inner_packet(hoa, dar, mh)
    ctx.d["bu_sent"] += 1
    got, ignored = exchange(inner, coa, dar, hoa, ctx.d.get("timeout", 3.0))
    if got is None:
        return ["no BA within %.1fs%s" % (ctx.d.get("timeout", 3.0),
                                           (" (ignored: %s)" % "; ".join(ignored[:5])) if ignored else "")], {}
    ctx.d["ba_rcvd"] += 1
    osrc, odst, inner_ba = got
    p = []
    if osrc != norm(dar):
        p.append("outer source %s, not the DAR %s" % (osrc, dar))
    if odst is not None and odst != norm(coa):
        p.append("outer destination %s, not the CoA %s" % (odst, coa))
    if odst is None:
        p.append("no IPV6_PKTINFO (outer destination unknown)")
    isrc, idst = astr(inner_ba[8:24]), astr(inner_ba[24:40])
    if isrc != norm(dar):
        p.append("inner source %s, not the DAR" % isrc)
    if inner_ba[6] != IPPROTO_MH:
        p.append("inner next header %d" % inner_ba[6])
    mh = inner_ba[40:]
    pp, info = verify_ba_mh(mh, dar, idst, coa, kbm=expect.get("kbm"),
                            key=ctx.key)
    p += pp
    st = info.get("status")
    if st is not None:
        ctx.d["statuses"].append(st)
        if st != expect["status"]:
            p.append("status %d, expected %d" % (st, expect["status"]))
        if info["seq"] != expect["seq"]:
            p.append("BA sequence %d, expected %d" % (info["seq"], expect["seq"]))
        if expect.get("phkt") and not info.get("phkt"):
            p.append("no usable PHKT option (options %s)" % info.get("opts"))
        if not expect.get("phkt") and info.get("has_phkt"):
            p.append("unexpected PHKT option (options %s)" % info.get("opts"))
        if expect.get("no_bad") and info.get("has_bad"):
            p.append("unexpected BAD option in a BA sent without a key (options %s)" % info.get("opts"))
        if "lifetime_max" in expect and st < 128 and info["lifetime"] > expect["lifetime_max"]:
            p.append("granted lifetime %d > requested %d" % (info["lifetime"], expect["lifetime_max"]))
        if expect.get("lifetime_zero") and info["lifetime"] != 0:
            p.append("BA lifetime %d, expected 0" % info["lifetime"])
        if expect.get("lifetime_pos") and st < 128 and info["lifetime"] == 0:
            p.append("granted lifetime 0")
    return p, info


def fmt_ba(info):
    if "status" not in info:
        return ""
    return " [BA status %d seq %d lifetime %d opts %s]" % (info["status"], info["seq"],
                                                          info["lifetime"], info.get("opts", ""))


def step_cga(ctx, num="1"):
    L = ctx.label
    hoa, coa, dar = ctx.hoa, ctx.coa, ctx.dar
    params = bytes.fromhex(ctx.params)
    seq = ctx.next_seq()
    mh, binfo = build_cga_bu(seq, BU_LIFETIME, hoa, coa, dar, params,
                             modulus_bytes(ctx.key.public_key()), sign_pkcs1_sha1(ctx.key))
    p, info = do_exchange(ctx, mh, hoa, {"status": 0, "seq": seq, "phkt": True, "no_bad": True,
                                         "lifetime_max": BU_LIFETIME, "lifetime_pos": True})
    ok = report(not p, "%s: %s CGA BU seq=%d (%d-bit key, sec %d, CGA Parameters %s, %d-byte "
                "signature) -> BA status 0 with a PHKT that decrypts to 8 bytes"
                % (L, num, seq, ctx.key.key_size, ctx.sec,
                   "+".join(str(x) for x in binfo["cga_opts"]),
                   modulus_bytes(ctx.key.public_key())), "; ".join(p) + fmt_ba(info))
    if ok:
        ctx.d["phkt"] = info["phkt"].hex()
        ctx.d["last_acc"] = seq
        ctx.d["last_cga_inner"] = inner_packet(hoa, dar, mh).hex()
        ctx.save()
        check_state_binding(ctx, "%s: %s" % (L, num), hoa, coa, seq, info["phkt"])
    else:
        ctx.d["phkt"] = None
    return ok


def step_badsig(ctx):
    hoa, coa, dar = ctx.hoa, ctx.coa, ctx.dar
    seq = ctx.next_seq()
    mh, _ = build_cga_bu(seq, BU_LIFETIME, hoa, coa, dar, bytes.fromhex(ctx.params),
                         modulus_bytes(ctx.key.public_key()), sign_pkcs1_sha1(ctx.key),
                         flip_sig=True)
    p, info = do_exchange(ctx, mh, hoa, {"status": 148, "seq": seq, "no_bad": True})
    return report(not p, "%s: 2 CGA BU seq=%d with one signature byte flipped -> 148"
                  % (ctx.label, seq), "; ".join(p) + fmt_ba(info))


def step_foreign(ctx):
    coa, dar = ctx.coa, ctx.dar
    pfx = ctx.foreign_prefix
    params = ctx.params_for(pfx)
    hoa9 = astr(cga_address(params, ctx.sec))
    ok, why, _ = cga_verify(a16(hoa9), params)
    assert ok, why
    seq = 1
    mh, _ = build_cga_bu(seq, BU_LIFETIME, hoa9, coa, dar, params,
                         modulus_bytes(ctx.key.public_key()), sign_pkcs1_sha1(ctx.key))
    p, info = do_exchange(ctx, mh, hoa9, {"status": 132, "seq": seq, "no_bad": True})
    return report(not p, "%s: 3 CGA BU for a valid CGA %s outside the DAR's prefix -> 132"
                  % (ctx.label, hoa9), "; ".join(p) + fmt_ba(info))


def step_replay(ctx):
    if ctx.d.get("last_cga_inner") is None:
        return report(False, "%s: 4 replay -> 135" % ctx.label, "no accepted CGA BU to replay")
    inner = bytes.fromhex(ctx.last_cga_inner)
    mh = inner[40:]
    seq = struct.unpack("!H", mh[6:8])[0]
    p, info = do_exchange(ctx, mh, ctx.hoa, {"status": 135, "seq": ctx.last_acc, "no_bad": True})
    return report(not p, "%s: 4 replayed CGA BU (seq %d, byte-identical) -> 135 carrying the last "
                  "accepted seq %d" % (ctx.label, seq, ctx.last_acc), "; ".join(p) + fmt_ba(info))


def step_noauth(ctx):
    """a BU with neither CGA Parameters + Signature nor Nonce Indices + BAD: profile (e) -> 129"""
    seq = ctx.next_seq()
    mh = finish_checksum(ctx.hoa, ctx.dar, mh_from_scapy(ctx.hoa, ctx.dar, MIP6MH_BU(
        seq=seq, flags="AH", mhtime=BU_LIFETIME, options=[MIP6OptAltCoA(acoa=ctx.coa)])))
    p, info = do_exchange(ctx, mh, ctx.hoa, {"status": 129, "seq": seq, "no_bad": True})
    return report(not p, "%s: 4b BU seq=%d with only an Alternate CoA (no CGA, no BAD) -> 129"
                  % (ctx.label, seq), "; ".join(p) + fmt_ba(info))


def need_phkt(ctx, what):
    if not ctx.d.get("phkt"):
        report(False, "%s: %s" % (ctx.label, what), "no PHKT (the CGA registration failed)")
        return None
    return bytes.fromhex(ctx.phkt)


def step_token_bad(ctx):
    what = "5a token BU with a bad authenticator -> 148"
    phkt = need_phkt(ctx, what)
    if phkt is None:
        return False
    seq = ctx.next_seq()
    mh, _ = build_token_bu(seq, BU_LIFETIME, ctx.hoa, ctx.coa, ctx.dar, phkt, corrupt=True)
    p, info = do_exchange(ctx, mh, ctx.hoa, {"status": 148, "seq": seq})
    return report(not p, "%s: 5a token BU seq=%d with a bad authenticator -> 148"
                  % (ctx.label, seq), "; ".join(p) + fmt_ba(info))


def step_token(ctx):
    what = "5b token BU -> 0 with a BA whose BAD verifies"
    phkt = need_phkt(ctx, what)
    if phkt is None:
        return False
    seq = ctx.next_seq()
    mh, binfo = build_token_bu(seq, BU_LIFETIME, ctx.hoa, ctx.coa, ctx.dar, phkt)
    p, info = do_exchange(ctx, mh, ctx.hoa, {"status": 0, "seq": seq, "kbm": binfo["kbm"],
                                             "lifetime_max": BU_LIFETIME, "lifetime_pos": True})
    ok = report(not p, "%s: 5b token BU seq=%d (Kbm = SHA1(PHKT|0^64)) -> 0, BA's BAD verifies"
                % (ctx.label, seq), "; ".join(p) + fmt_ba(info))
    if ok:
        ctx.d["last_acc"] = seq
        check_state_binding(ctx, "%s: 5b" % ctx.label, ctx.hoa, ctx.coa, seq, phkt)
    return ok


def step_token_nokey(ctx):
    what = "6 token BU after the DAR restarted -> 147"
    phkt = need_phkt(ctx, what)
    if phkt is None:
        return False
    seq = ctx.next_seq()
    mh, _ = build_token_bu(seq, BU_LIFETIME, ctx.hoa, ctx.coa, ctx.dar, phkt)
    p, info = do_exchange(ctx, mh, ctx.hoa, {"status": 147, "seq": seq, "no_bad": True})
    ok = report(not p, "%s: 6 token BU seq=%d after the DAR restarted -> 147"
                % (ctx.label, seq), "; ".join(p) + fmt_ba(info))
    ctx.d["phkt"] = None
    return ok


def step_dereg(ctx):
    what = "7 de-registration (token, lifetime 0) -> 0"
    phkt = need_phkt(ctx, what)
    if phkt is None:
        return False
    seq = ctx.next_seq()
    mh, binfo = build_token_bu(seq, 0, ctx.hoa, ctx.coa, ctx.dar, phkt)
    p, info = do_exchange(ctx, mh, ctx.hoa, {"status": 0, "seq": seq, "kbm": binfo["kbm"],
                                             "lifetime_zero": True})
    ok = report(not p, "%s: 7 de-registration BU seq=%d (lifetime 0, Kbm = SHA1(PHKT)) -> 0, "
                "BA lifetime 0 and its BAD verifies" % (ctx.label, seq),
                "; ".join(p) + fmt_ba(info))
    check_state_nobinding(ctx, "%s: 7" % ctx.label, ctx.hoa)
    ctx.d["phkt"] = None
    return ok


def step_restarted(ctx):
    ctx.d["bu_sent"] = 0
    ctx.d["ba_rcvd"] = 0
    ctx.d["statuses"] = []
    return True


def step_counters(ctx):
    path = ctx.d.get("dar_state")
    if not path:
        return True
    want_bu, want_ba = ctx.bu_sent, ctx.ba_rcvd

    def probe():
        _, c = read_dar_state(path)
        if c is None:
            return False, "no counters line in %s" % path
        p = []
        for k, want in (("bu", want_bu), ("ba", want_ba), ("drop_decode", 0),
                        ("drop_checksum", 0)):
            if c.get(k) != str(want):
                p.append("%s=%s (want %d)" % (k, c.get(k), want))
        return (not p), "; ".join(p) + " [counters %s]" % " ".join("%s=%s" % kv for kv in c.items())
    ok, why = poll(probe)
    return report(ok, "%s: counters line: bu=%d ba=%d drop_decode=0 drop_checksum=0"
                  % (ctx.label, want_bu, want_ba), why if not ok else "")


def step_log(ctx):
    path = ctx.d.get("dar_log")
    if not path:
        return True
    want = list(ctx.statuses)

    def probe():
        try:
            with open(path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            return False, str(e)
        got = []
        for ln in lines:
            if "rx BU" in ln:
                for w in ln.split():
                    if w.startswith("status="):
                        try:
                            got.append(int(w[7:]))
                        except ValueError:
                            got.append(w[7:])
        return got == want, "rx BU statuses in the log %s, BAs received %s" % (got, want)
    ok, why = poll(probe)
    return report(ok, "%s: log has one 'rx BU' line per BU with the status of its BA %s"
                  % (ctx.label, want), why if not ok else "")


STEPS = {"cga": step_cga, "badsig": step_badsig, "foreign": step_foreign, "replay": step_replay,
         "noauth": step_noauth, "token-bad": step_token_bad, "token": step_token,
         "token-nokey": step_token_nokey,
         "dereg": step_dereg, "counters": step_counters, "log": step_log,
         "restarted": step_restarted}


def cmd_run(a):
    ctx = Ctx(a.ctx)
    for st in a.steps:
        if st.startswith("cga"):
            STEPS["cga"](ctx, st[3:] or "1")
        elif st in STEPS:
            STEPS[st](ctx)
        else:
            print("dar_peer: unknown step %s" % st, file=sys.stderr)
            return 2
        ctx.save()
    return 1 if FAILED else 0


# ----------------------------------------------------------------------------- keygen / init

def cmd_keygen(a):
    t0 = time.monotonic()
    key = rsa.generate_private_key(public_exponent=65537, key_size=a.bits)
    t1 = time.monotonic()
    spki = spki_of(key)
    mod, n = modifier_search(spki, a.sec)
    t2 = time.monotonic()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    with open(a.key, "w") as f:
        json.dump({"pem": pem, "modifier": mod.hex(), "sec": a.sec}, f)
    params = cga_params(mod, b"\0" * 8, 0, spki)
    print("keygen: RSA-%d in %.2fs, SPKI %d bytes, CGA Parameters %d bytes (%s), modifier search "
          "%d SHA-1 in %.2fs" % (a.bits, t1 - t0, len(spki), len(params),
                                 "+".join(str(len(c)) for c in split255(params)), n, t2 - t1))
    return 0


def cmd_init(a):
    key, mod, sec = load_key(a.key)
    params = cga_params(mod, prefix8(a.prefix), 0, spki_of(key))
    hoa = astr(cga_address(params, sec))
    ok, why, _ = cga_verify(a16(hoa), params)
    if not ok:
        print("dar_peer: own CGA does not verify: %s" % why, file=sys.stderr)
        return 1
    d = {"key": os.path.abspath(a.key), "label": a.label, "dar": norm(a.dar), "coa": norm(a.coa),
         "prefix": a.prefix, "foreign_prefix": a.foreign_prefix, "hoa": hoa,
         "params": params.hex(), "seq": a.seq, "phkt": None, "last_acc": None,
         "last_cga_inner": None, "bu_sent": 0, "ba_rcvd": 0, "statuses": [],
         "dar_state": a.dar_state, "dar_log": a.dar_log, "timeout": a.timeout}
    with open(a.ctx, "w") as f:
        json.dump(d, f, indent=1)
    print("HOA=%s" % hoa)
    return 0


# ----------------------------------------------------------------------------- pcap check

def cmd_pcap(a):
    from scapy.utils import PcapReader
    dar, coa, hoa, cn = norm(a.dar), norm(a.coa), norm(a.hoa), norm(a.cn)
    down = up = other = 0
    odd = []
    with PcapReader(a.file) as r:
        for pkt in r:
            if IPv6 not in pkt:
                continue
            o = pkt[IPv6]
            if o.nh != 41:
                continue
            inner = o.payload
            if not isinstance(inner, IPv6):
                other += 1
                continue
            pair = (norm(o.src), norm(o.dst), norm(inner.src), norm(inner.dst))
            if pair == (dar, coa, cn, hoa):
                down += 1
            elif pair == (coa, dar, hoa, cn):
                up += 1
            else:
                other += 1
                if len(odd) < 4:
                    odd.append("%s>%s[%s>%s]" % pair)
    report(down > 0, "%s: capture: %d next-header-41 packets DAR %s -> CoA %s carrying CN -> HoA"
           % (a.label, down, dar, coa), "none" + (" (other: %s)" % ", ".join(odd) if odd else ""))
    report(up > 0, "%s: capture: %d next-header-41 packets CoA -> DAR carrying HoA -> CN"
           % (a.label, up), "none" + (" (other: %s)" % ", ".join(odd) if odd else ""))
    if other:
        print("# %s: %d other tunnelled packets in the capture: %s" % (a.label, other, ", ".join(odd)))
    return 1 if FAILED else 0


# ----------------------------------------------------------------------------- TCP exchange

def pattern(tag, n):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha1(tag + i.to_bytes(4, "big")).digest()
        i += 1
    return bytes(out[:n])


def recv_exact(c, n):
    buf = bytearray()
    while len(buf) < n:
        d = c.recv(min(65536, n - len(buf)))
        if not d:
            break
        buf += d
    return bytes(buf)


def cmd_tcp_server(a):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    s.listen(1)
    s.settimeout(a.timeout)
    with open(a.ready, "w") as f:
        f.write("ready\n")
    try:
        c, peer = s.accept()
    except socket.timeout:
        print("tcp-server: no connection within %ds" % a.timeout, file=sys.stderr)
        return 1
    c.settimeout(a.timeout)
    data = recv_exact(c, a.bytes)
    ok = data == pattern(b"cn", a.bytes)
    c.sendall(hashlib.sha1(data).digest() + pattern(b"mn", a.bytes))
    c.shutdown(socket.SHUT_WR)
    recv_exact(c, 1)
    c.close()
    print("tcp-server: from %s: %d bytes %s" % (peer[0], len(data), "ok" if ok else "CORRUPT"))
    return 0 if ok else 1


def cmd_tcp_client(a):
    t0 = time.monotonic()
    try:
        c = socket.create_connection((a.connect, a.port), timeout=a.timeout)
        c.settimeout(a.timeout)
        c.sendall(pattern(b"cn", a.bytes))
        got = recv_exact(c, 20 + a.bytes)
        c.close()
    except OSError as e:
        return 0 if report(False, "%s: TCP CN -> [%s]:%d exchanges %d bytes each way"
                           % (a.label, a.connect, a.port, a.bytes), repr(e)) else 1
    p = []
    if got[:20] != hashlib.sha1(pattern(b"cn", a.bytes)).digest():
        p.append("the MN did not receive the CN's %d bytes intact" % a.bytes)
    if got[20:] != pattern(b"mn", a.bytes):
        p.append("received %d of %d bytes from the MN (or corrupt)" % (len(got) - 20, a.bytes))
    ok = report(not p, "%s: TCP CN -> [%s]:%d exchanges %d bytes each way (%.2fs)"
                % (a.label, a.connect, a.port, a.bytes, time.monotonic() - t0), "; ".join(p))
    return 0 if ok else 1


# ----------------------------------------------------------------------------- selftest

V_SPKI = bytes.fromhex(
    "30819f300d06092a864886f70d010101050003818d0030818902818100d5291aaa8089075b36e9c1646eea994e"
    "0235c040fb80310124da6dd55ab9eb6db6d5b21608f5d4bfa503fe3c0ee518d6ef949d1fd93520ccefb7de3868"
    "48c2d7675428d92ebc04c36be63bdae8fcea6cdce093aaa54439b198b48ea6147c113104a169aaf386986961aa"
    "d43fd351b2fd9bb000eda6cb0b5a2c7fa332517389270203010001")
V_MOD = bytes.fromhex("30d2e2da6457c0312867ab6f9bf933c1")
V_HOA = "2001:db8:1:0:3464:528c:c33e:cf2f"
V_COA = "2001:db8:2:0:30c3:6a68:3e51:3552"
V_DAR = "2001:db8:1::1"
V_PHKT = bytes.fromhex("0102030405060708")
V_COKT = bytes.fromhex("1112131415161718")
V_FIRST_BU = bytes.fromhex(
    "3b2b050047f00001c000003c0100031020010db80002000030c36a683e5135520cbb30d2e2da6457c0312867ab"
    "6f9bf933c120010db8000100000030819f300d06092a864886f70d010101050003818d0030818902818100d529"
    "1aaa8089075b36e9c1646eea994e0235c040fb80310124da6dd55ab9eb6db6d5b21608f5d4bfa503fe3c0ee518"
    "d6ef949d1fd93520ccefb7de386848c2d7675428d92ebc04c36be63bdae8fcea6cdce093aaa54439b198b48ea6"
    "147c113104a169aaf386986961aad43fd351b2fd9bb000eda6cb0b5a2c7fa3325173892702030100010d8081cc"
    "550f65ebe2e5d866a6a2751e63226be285c4fa5df52bee6036aa99db7d90baaf58a1b1e710d478a1ea1bc8b50a"
    "38b611c03aa0a2bc54d26e5aa8fe48414f28d04df95349f1086516caf4a45f522a4d66aa5e7778c3a54ff8612d"
    "a729ac1dcba917a7ef5b9fdf8245026f9a642c5c3b5489e2454d9a254914ddc7cc45894500")


def selftest():
    S = "selftest"
    # --- 4.5: CGA generation and verification with the NDprotector key
    h2 = hash2(V_MOD, V_SPKI)
    report(h2.hex() == "0000c2cb541798e8c1c06578e3bd", "%s: 4.5 Hash2 = 0000c2cb...e3bd" % S, h2.hex())
    mod, n = modifier_search(V_SPKI, 1, start=V_MOD)
    report(mod == V_MOD and n == 1, "%s: 4.5 the modifier search stops at the published modifier" % S)
    p = cga_params(V_MOD, prefix8("fe80::/64"), 0, V_SPKI)
    h1 = hashlib.sha1(p).digest()[:8]
    report(h1.hex() == "eddc64d373303209", "%s: 4.5 Hash1 = eddc64d373303209" % S, h1.hex())
    for pfx, cc, want in (("fe80::/64", 0, "fe80::2cdc:64d3:7330:3209"),
                          ("fe80::/64", 1, "fe80::2886:adbb:ffdf:d710"),
                          ("2001:db8:1::/64", 0, V_HOA),
                          ("2001:db8:1::/64", 1, "2001:db8:1:0:2895:9f4c:7a5c:d51b"),
                          ("2001:db8:2::/64", 0, V_COA)):
        pp = cga_params(V_MOD, prefix8(pfx), cc, V_SPKI)
        got = astr(cga_address(pp, 1))
        ok, why, spki = cga_verify(a16(got), pp)
        report(got == norm(want) and ok and spki == V_SPKI,
               "%s: 4.5 CGA %s cc %d = %s and verifies" % (S, pfx, cc, want), "%s %s" % (got, why))
    # negative CGA checks
    pp = cga_params(V_MOD, prefix8("2001:db8:1::/64"), 0, V_SPKI)
    bad_mod = bytes([V_MOD[0] ^ 1]) + V_MOD[1:]
    r = [cga_verify(a16(V_HOA), pp)[0],
         cga_verify(a16("2001:db8:1:0:3464:528c:c33e:cf2e"), pp)[0],
         cga_verify(a16(V_HOA), bad_mod + pp[16:])[0],
         cga_verify(a16("2001:db8:9:0:3464:528c:c33e:cf2f"), pp)[0]]
    report(r == [True, False, False, False], "%s: 4.3 CGA verification rejects a wrong IID, "
           "modifier and prefix" % S, str(r))

    # --- 3.9 (a): first BU
    mh = V_FIRST_BU
    opts = parse_opts(mh)
    report(len(mh) == 352 and mh[1] == 43 and opts_str(opts) ==
           "PadN@12/0,AltCoA@14/16,CGAParams@32/187,Signature@221/128,Pad1@351/0",
           "%s: 3.9(a) layout PadN@12 AltCoA@14 CGAParams(187)@32 Signature(128)@221 Pad1@351" % S,
           opts_str(opts))
    report(mh_checksum(V_HOA, V_DAR, mh) == 0x47F0 and mh_checksum_ok(V_HOA, V_DAR, mh),
           "%s: 3.9(a) checksum 0x47f0 over HoA -> DAR" % S, "%#06x" % mh_checksum(V_HOA, V_DAR, mh))
    params = b"".join(d for t, _, d in opts if t == 12)
    ok, why, spki = cga_verify(a16(V_HOA), params)
    report(ok and spki == V_SPKI, "%s: 3.9(a) CGA Parameters verify for the HoA (RFC 3972 5)" % S, why)
    signed = TAG + a16(V_COA) + a16(V_DAR) + zero_cksum(mh)[:221]
    report(len(signed) == 269 and hashlib.sha1(signed).hexdigest() ==
           "7caeda521dadf394f42e724a48bade8917c0e0c1",
           "%s: 3.9(a) signed input is 269 bytes with SHA-1 7caeda52...e0c1" % S,
           hashlib.sha1(signed).hexdigest())
    sig = [d for t, _, d in opts if t == 13][0]
    pub = serialization.load_der_public_key(spki)
    try:
        pub.verify(sig, signed, padding.PKCS1v15(), hashes.SHA1())
        vok = True
    except InvalidSignature:
        vok = False
    report(vok, "%s: 3.9(a) signature verifies (RSASSA-PKCS1-v1_5/SHA-1, key from the CGA "
           "Parameters)" % S)
    try:
        pub.verify(sig[:10] + bytes([sig[10] ^ 1]) + sig[11:], signed, padding.PKCS1v15(),
                   hashes.SHA1())
        nok = False
    except InvalidSignature:
        nok = True
    report(nok, "%s: 3.9(a) a flipped signature byte does not verify" % S)

    def vec_signer(data):
        if data != signed:
            raise AssertionError("builder's signed input differs from 3.9(a)")
        return sig
    try:
        built, _ = build_cga_bu(1, 60, V_HOA, V_COA, V_DAR, params, 128, vec_signer)
        report(built == mh, "%s: 3.9(a) the scapy builder reproduces the first BU byte for byte" % S,
               built.hex())
    except Exception as e:
        report(False, "%s: 3.9(a) the scapy builder reproduces the first BU" % S, repr(e))

    # --- 1.6 HMAC arithmetic check
    kbm = hashlib.sha1(V_PHKT).digest()
    a = hmac.new(kbm, a16("2001:db8:2::5") + a16(V_DAR) +
                 bytes.fromhex("3b03050000000001c000003c010400000000050c"), hashlib.sha1).digest()[:12]
    report(kbm.hex().startswith("dd5783bc") and a.hex() == "1eefeb6a64684b068eefe36c",
           "%s: 1.6 Kbm dd5783bc.., authenticator 1eefeb6a64684b068eefe36c" % S, a.hex())

    # --- 3.9 (b): token BUs without the Alternate CoA
    cases_b = [
        ("early", 2, 60, 0, None, "3728f3efc260dcc9ae1f2752985890c8f4485720",
         "3b03050000000002c000003c040400000000050c", "03241dba4fd907dec268ad36", 0x98FD),
        ("complete", 3, 60, 7, V_COKT, "cedf8515311913c2601bc6aa86a92ddf2601d97e",
         "3b03050000000003c000003c040400000007050c", "226ce7f4f2629028ceae495c", 0xDC32),
        ("de-registration", 4, 0, 0, None, "dd5783bcf1e9002bc00ad5b83a95ed6e4ebb4ad5",
         "3b03050000000004c0000000040400000000050c", "422b49813ad26b0988a1ba47", 0x0CFB)]
    for name, seq, life, coni, cokt, kbm_hex, before, auth, ck in cases_b:
        m, info = build_token_bu(seq, life, V_HOA, V_COA, V_DAR, V_PHKT, coni=coni, cokt=cokt,
                                 altcoa=False)
        got = (info["kbm"].hex(), info["before_auth"].hex(), info["auth"].hex(),
               struct.unpack("!H", m[4:6])[0], len(m))
        report(got == (kbm_hex, before, auth, ck, 32),
               "%s: 3.9(b) %s: Kbm, MH, authenticator %s, checksum %#06x" % (S, name, auth, ck),
               str(got))

    # --- 3.9 (c): profile (d) BUs, byte for byte
    cases_c = [
        ("early", 2, 60, 0, None, "3b060500a0be0002c000003c0100031020010db80002000030c36a683e5135"
         "5204040000000001020000050cc30b05e91fd8c6ba51c79d6d"),
        ("complete", 3, 60, 7, V_COKT, "3b06050012ae0003c000003c0100031020010db80002000030c36a683e"
         "51355204040000000701020000050c2ecf37152b1a4ec82d651f99"),
        ("de-registration", 4, 0, 0, None, "3b060500f9c40004c00000000100031020010db80002000030c36a"
         "683e51355204040000000001020000050cb41e48668a06694cdd4278d5")]
    for name, seq, life, coni, cokt, full in cases_c:
        m, info = build_token_bu(seq, life, V_HOA, V_COA, V_DAR, V_PHKT, coni=coni, cokt=cokt)
        report(m.hex() == full and mh_checksum_ok(V_HOA, V_DAR, m),
               "%s: 3.9(c) %s token BU reproduced byte for byte (authenticator %s, checksum %#06x)"
               % (S, name, info["auth"].hex(), struct.unpack("!H", m[4:6])[0]), m.hex())
        m2, _ = build_token_bu(seq, life, V_HOA, V_COA, V_DAR, V_PHKT, coni=coni, cokt=cokt,
                               corrupt=True)
        if name == "early":
            report(m2 != m and mh_checksum_ok(V_HOA, V_DAR, m2) and m2[:44] == m[:4] + m2[4:6] + m[6:44],
                   "%s: a corrupted authenticator changes only the authenticator and checksum" % S)

    # --- 3.9 (c): the BA to the early BU, through the live verifier
    ba = bytes.fromhex("3b030600dfa100000002003c010400000000050c8b9d7f8c1a1660b280205d7e")
    pr, info = verify_ba_mh(ba, V_DAR, V_HOA, V_COA, kbm=kbm_for(V_PHKT, 60))
    report(not pr and info.get("bad_ok") and (info["status"], info["seq"], info["lifetime"]) ==
           (0, 2, 60), "%s: 3.9(c) BA: checksum 0xdfa1 over DAR -> HoA and BAD 8b9d7f8c... verify"
           % S, "; ".join(pr))
    pr, _ = verify_ba_mh(ba, V_DAR, V_HOA, V_COA, kbm=kbm_for(V_PHKT, 0))
    report(any("BAD authenticator" in x for x in pr),
           "%s: the BA verifier rejects the BAD under a different Kbm" % S, "; ".join(pr))
    bad_ck = ba[:4] + b"\x12\x34" + ba[6:]
    pr, _ = verify_ba_mh(bad_ck, V_DAR, V_HOA, V_COA, kbm=kbm_for(V_PHKT, 60))
    report(any("checksum" in x for x in pr), "%s: the BA verifier rejects a bad checksum" % S)

    # --- PHKT round trip through the verifier (RSA-1024 test key generated here)
    k = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ct = k.public_key().encrypt(V_PHKT, padding.PKCS1v15())
    m = MIP6MH_BA(status=0, flags=0, seq=9, mhtime=60, cksum=0,
                  options=[MIP6OptHomeKeygenToken(hkt=ct)])
    bam = raw(IPv6(src=V_DAR, dst=V_HOA) / m)[40:]
    bam = bam[:4] + struct.pack("!H", mh_checksum(V_DAR, V_HOA, bam)) + bam[6:]
    pr, info = verify_ba_mh(bam, V_DAR, V_HOA, V_COA, key=k)
    report(not pr and info.get("phkt") == V_PHKT,
           "%s: a BA with a PHKT option decrypts to the 8-byte token" % S, "; ".join(pr))
    return 1 if FAILED else 0


# ----------------------------------------------------------------------------- main

def main(argv):
    ap = argparse.ArgumentParser(prog="dar_peer.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("selftest")
    k = sub.add_parser("keygen")
    k.add_argument("--key", required=True)
    k.add_argument("--bits", type=int, default=2040)
    k.add_argument("--sec", type=int, default=1)
    i = sub.add_parser("init")
    i.add_argument("--key", required=True)
    i.add_argument("--ctx", required=True)
    i.add_argument("--label", required=True)
    i.add_argument("--dar", required=True)
    i.add_argument("--prefix", required=True)
    i.add_argument("--coa", required=True)
    i.add_argument("--foreign-prefix", default="2001:db8:9::/64")
    i.add_argument("--seq", type=int, default=100)
    i.add_argument("--dar-state")
    i.add_argument("--dar-log")
    i.add_argument("--timeout", type=float, default=3.0)
    r = sub.add_parser("run")
    r.add_argument("--ctx", required=True)
    r.add_argument("steps", nargs="+")
    c = sub.add_parser("pcap")
    c.add_argument("file")
    for o in ("--dar", "--coa", "--hoa", "--cn"):
        c.add_argument(o, required=True)
    c.add_argument("--label", default="pcap")
    s = sub.add_parser("tcp-server")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--ready", required=True)
    s.add_argument("--bytes", type=int, default=65536)
    s.add_argument("--timeout", type=float, default=15.0)
    t = sub.add_parser("tcp-client")
    t.add_argument("--connect", required=True)
    t.add_argument("--port", type=int, required=True)
    t.add_argument("--bytes", type=int, default=65536)
    t.add_argument("--timeout", type=float, default=10.0)
    t.add_argument("--label", default="tcp")
    a = ap.parse_args(argv)
    if a.cmd == "selftest":
        return selftest()
    return {"keygen": cmd_keygen, "init": cmd_init, "run": cmd_run, "pcap": cmd_pcap,
            "tcp-server": cmd_tcp_server, "tcp-client": cmd_tcp_client}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
