#!/usr/bin/python3
"""Independent check of mn-wire's Mobility Header frames with scapy and python3-cryptography.

usage: check_scapy.py FILE.pcap EXPECT.jsonl

EXPECT.jsonl is what mn-wire says its encoder put in each frame (one JSON object per frame, in
frame order).  For every frame, scapy 2.5.0's dissection must agree with it: Ethernet and IPv6
framing (outer header with next header 41 for tunnelled frames), the MH common header, the
per-type message fields, and every mobility option (class, type, length, offset, data, decoded
value) in order.  The MH checksum is recomputed twice, independently of the C code: by a
one's-complement sum written here over the pseudo-header (source and destination of the IPv6
header carrying the MH, MH length, next header 135), and by scapy rebuilding the inner IPv6/MH
packet with the checksum field deleted.  The frames carry no Home Address option, so scapy's
pseudo-header is the right one (notes/protocol.md section 6).  Option alignment is checked by
the RFC 6275 rules and by scapy's own padder (a rebuild with autopad on must be byte-identical).

For every message with CGA Parameters options: the options are consecutive, all but the last
carry 255 bytes, the last is directly followed by a Signature option; the reassembled CGA
Parameters parse (modifier, prefix, collision count, DER SubjectPublicKeyInfo at byte 25) as an
RSA key whose modulus size in bytes equals the Signature length; the address it belongs to is a
valid CGA of those parameters (RFC 3972 section 5); and the Signature verifies with
RSASSA-PKCS1-v1_5/SHA-1 over
  5F2705868D6C4C56A2469EBB9B2A2E13 || CoA || DAR || MH[0 .. end of the last CGA Parameters option)
with the checksum bytes zeroed (CoA = the Alternate CoA option, DAR = the IPv6 destination).
When a record carries an optional "kbm" (hex; and "coa" where the frame does not show the
care-of address), the Binding Authorization Data authenticator is recomputed as
First(96, HMAC-SHA1(Kbm, CoA || correspondent || MH[0 .. start of the authenticator))) with the
checksum zeroed (RFC 6275 5.2.6; correspondent = destination of a BU, source of a BA).
A Permanent Home Keygen Token is checked to be as long as the modulus of the key the same
home address used in an earlier CGA-signed message of the capture.

Prints one line per frame and a final `check: N frames ok`; any mismatch prints frame, field,
expected and got, and the exit status is 1.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import *  # noqa: E402,F401,F403  (loads every layer binding)
from scapy.all import Ether, IPv6, PcapReader, raw  # noqa: E402
from scapy.packet import NoPayload  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    MIP6MH_BRR, MIP6MH_HoTI, MIP6MH_CoTI, MIP6MH_HoT, MIP6MH_CoT, MIP6MH_BU, MIP6MH_BA,
    MIP6MH_BE, Pad1, PadN, MIP6OptBRAdvice, MIP6OptAltCoA, MIP6OptNonceIndices,
    MIP6OptBindingAuthData, MIP6OptCGAParamsReq, MIP6OptCGAParams, MIP6OptSignature,
    MIP6OptHomeKeygenToken, MIP6OptCareOfTestInit, MIP6OptCareOfTest)
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from cryptography.hazmat.primitives.serialization import load_der_public_key  # noqa: E402

MH_CLASSES = {0: MIP6MH_BRR, 1: MIP6MH_HoTI, 2: MIP6MH_CoTI, 3: MIP6MH_HoT, 4: MIP6MH_CoT,
              5: MIP6MH_BU, 6: MIP6MH_BA, 7: MIP6MH_BE}
MH_NAMES = {0: "BRR", 1: "HoTI", 2: "CoTI", 3: "HoT", 4: "CoT", 5: "BU", 6: "BA", 7: "BE"}
OPT_START = {0: 8, 1: 16, 2: 16, 3: 24, 4: 24, 5: 12, 6: 12, 7: 24}
OPT_CLASSES = {0: Pad1, 1: PadN, 2: MIP6OptBRAdvice, 3: MIP6OptAltCoA, 4: MIP6OptNonceIndices,
               5: MIP6OptBindingAuthData, 11: MIP6OptCGAParamsReq, 12: MIP6OptCGAParams,
               13: MIP6OptSignature, 14: MIP6OptHomeKeygenToken, 15: MIP6OptCareOfTestInit,
               16: MIP6OptCareOfTest}
FIXED_LEN = {2: 2, 3: 16, 4: 4, 5: 12, 11: 0, 15: 0, 16: 8}
ALIGN = {2: (2, 0), 3: (8, 6), 4: (2, 0), 5: (8, 2)}  # RFC 6275 section 6.2: xn + y
RFC4866_TAG = bytes.fromhex("5F2705868D6C4C56A2469EBB9B2A2E13")
IPPROTO_MH = 135


def a16(s):
    return ipaddress.IPv6Address(s).packed


def mh_checksum(src, dst, mh):
    """RFC 6275 6.1.1 / RFC 2460 8.1: one's complement of the one's-complement sum of the
    pseudo-header and the MH with its checksum field taken as zero."""
    mh = mh[:4] + b"\0\0" + mh[6:]
    data = a16(src) + a16(dst) + struct.pack("!I", len(mh)) + b"\0\0\0" + bytes([IPPROTO_MH]) + mh
    if len(data) % 2:
        data += b"\0"
    s = 0
    for (w,) in struct.iter_unpack("!H", data):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def der_len(b):
    """Total length of the DER TLV at the start of b."""
    if len(b) < 2 or b[0] != 0x30:
        raise ValueError("no DER SEQUENCE")
    if b[1] < 0x80:
        return 2 + b[1]
    n = b[1] & 0x7F
    if n == 0 or n > 3 or len(b) < 2 + n:
        raise ValueError("bad DER length")
    return 2 + n + int.from_bytes(b[2:2 + n], "big")


def cga_verify(addr, params):
    """RFC 3972 section 5 (steps 1-8). Returns None if the address is a CGA of params,
    else the reason."""
    a = a16(addr)
    modifier, prefix, cc = params[0:16], params[16:24], params[24]
    if cc > 2:
        return "collision count %d > 2" % cc
    if prefix != a[:8]:
        return "subnet prefix %s != address prefix %s" % (prefix.hex(), a[:8].hex())
    rest = params[25:]
    h1 = hashlib.sha1(params).digest()[:8]
    mask = bytes([0x1C]) + b"\xff" * 7  # ignore Sec (3 leftmost bits) and u, g (bits 6, 7)
    iid = a[8:]
    if bytes(x & m for x, m in zip(h1, mask)) != bytes(x & m for x, m in zip(iid, mask)):
        return "Hash1 %s does not match the interface identifier %s" % (h1.hex(), iid.hex())
    sec = iid[0] >> 5
    h2 = hashlib.sha1(modifier + bytes(9) + rest).digest()[:14]
    if sec and int.from_bytes(h2[:2 * sec], "big") != 0:
        return "Sec %d but Hash2 %s has non-zero leftmost %d bits" % (sec, h2.hex(), 16 * sec)
    return None


class Frame:
    def __init__(self, exp):
        self.exp = exp
        self.errors = []
        self.checked = 0
        self.notes = []

    def fail(self, field, expected, got):
        self.errors.append("FAIL frame %s (%s) %s: expected %s, got %s"
                           % (self.exp.get("frame"), self.exp.get("name"), field, expected, got))

    def eq(self, field, expected, got):
        self.checked += 1
        if expected != got:
            self.fail(field, expected, got)
            return False
        return True


def opt_data(o):
    b = raw(o)
    return b"" if isinstance(o, Pad1) else b[2:]


def check_fields(fr, mh, exp):
    t, f = exp["mhtype"], exp["fields"]
    if t == 0:
        fr.eq("BRR reserved", 0, mh.res2)
    elif t in (1, 2):
        fr.eq("reserved", "0000", bytes(mh.reserved).hex())
        fr.eq("cookie", f["cookie"], bytes(mh.cookie).hex())
    elif t in (3, 4):
        fr.eq("nonce index", f["nonce_index"], mh.index)
        fr.eq("cookie", f["cookie"], bytes(mh.cookie).hex())
        fr.eq("keygen token", f["token"], bytes(mh.token).hex())
    elif t == 5:
        fr.eq("seq", f["seq"], mh.seq)
        # scapy: 7 flag bits "PRMKLHA" (A = most significant) then 9 reserved bits
        fr.eq("flags word (scapy flags<<9 | reserved)", "0x%04x" % f["flags"],
              "0x%04x" % ((int(mh.flags) << 9) | mh.reserved))
        for name, bit in (("A", 0x8000), ("H", 0x4000), ("L", 0x2000), ("K", 0x1000)):
            fr.eq("flag %s" % name, bool(f["flags"] & bit), bool(getattr(mh.flags, name)))
        fr.eq("lifetime", f["lifetime"], mh.mhtime)
    elif t == 6:
        fr.eq("status", f["status"], mh.status)
        fr.eq("flags byte (scapy flags<<5 | res2)", "0x%02x" % f["flags"],
              "0x%02x" % ((int(mh.flags) << 5) | mh.res2))
        fr.eq("flag K", bool(f["flags"] & 0x80), bool(mh.flags.K))
        fr.eq("seq", f["seq"], mh.seq)
        fr.eq("lifetime", f["lifetime"], mh.mhtime)
    elif t == 7:
        fr.eq("status", f["status"], mh.status)
        fr.eq("reserved", 0, mh.reserved)
        fr.eq("home address", ipaddress.IPv6Address(f["hoa"]), ipaddress.IPv6Address(mh.ha))


def check_options(fr, mh, exp):
    t = exp["mhtype"]
    eopts = exp["opts"]
    opts = list(mh.options)
    fr.eq("number of options", len(eopts), len(opts))
    off = OPT_START[t]
    for n, (eo, o) in enumerate(zip(eopts, opts), 1):
        w = "option %d " % n
        et, elen, edata = eo["type"], eo["len"], bytes.fromhex(eo["data"])
        fr.eq(w + "offset", eo["off"], off)
        cls = OPT_CLASSES.get(et)
        if not fr.eq(w + "scapy class", cls.__name__ if cls else "type %d" % et,
                     type(o).__name__):
            off += len(raw(o))
            continue
        fr.eq(w + "otype", et, o.otype)
        if et != 0:
            fr.eq(w + "length", elen, o.optlen if et == 1 else o.olen)
        fr.eq(w + "data", edata.hex(), opt_data(o).hex())
        if et in FIXED_LEN:
            fr.eq(w + "length fixed by the RFC", FIXED_LEN[et], elen)
        if et in ALIGN:
            x, y = ALIGN[et]
            fr.eq(w + "alignment %dn+%d" % (x, y), y, off % x)
        if et == 1:
            fr.eq(w + "PadN data zero", bytes(elen).hex(), bytes(o.optdata).hex())
        elif et == 2:
            fr.eq(w + "refresh interval", int.from_bytes(edata, "big"), o.rinter)
        elif et == 3:
            fr.eq(w + "Alternate CoA", ipaddress.IPv6Address(edata) if len(edata) == 16 else
                  edata.hex(), ipaddress.IPv6Address(o.acoa))
        elif et == 4:
            fr.eq(w + "home nonce index", int.from_bytes(edata[0:2], "big"), o.hni)
            fr.eq(w + "care-of nonce index", int.from_bytes(edata[2:4], "big"), o.coni)
        elif et == 5:
            fr.eq(w + "authenticator", edata.hex(), o.authenticator.to_bytes(12, "big").hex())
        elif et == 12:
            fr.eq(w + "cgaparams", edata.hex(), bytes(o.cgaparams).hex())
        elif et == 13:
            fr.eq(w + "sig", edata.hex(), bytes(o.sig).hex())
        elif et == 14:
            fr.eq(w + "hkt", edata.hex(), bytes(o.hkt).hex())
        elif et == 16:
            fr.eq(w + "cokt", edata.hex(), bytes(o.cokt).hex())
        off += len(raw(o))
    fr.eq("end of options = MH length", 8 * (exp["hdrlen"] + 1), off)
    # Binding Authorization Data must be the last option (RFC 6275 6.2.7)
    types = [o["type"] for o in eopts]
    if 5 in types:
        fr.eq("BAD is the last option", len(types) - 1, types.index(5))


def check_cga(fr, exp, mh_bytes, keys):
    """CGA Parameters reassembly, CGA check, Signature verification. Returns nothing."""
    eopts = exp["opts"]
    idx = [i for i, o in enumerate(eopts) if o["type"] == 12]
    if not idx:
        return
    fr.eq("CGA Parameters options consecutive", list(range(idx[0], idx[-1] + 1)), idx)
    for i in idx[:-1]:
        fr.eq("CGA Parameters option %d length (not last)" % (i + 1), 255, eopts[i]["len"])
    nxt = eopts[idx[-1] + 1]["type"] if idx[-1] + 1 < len(eopts) else None
    fr.eq("option after the last CGA Parameters", 13, nxt)
    params = b"".join(bytes.fromhex(eopts[i]["data"]) for i in idx)
    end = eopts[idx[-1]]["off"] + 2 + eopts[idx[-1]]["len"]
    if len(params) < 25 + 2:
        fr.fail("CGA Parameters", "at least 27 bytes", len(params))
        return
    try:
        spki_len = der_len(params[25:])
        spki = params[25:25 + spki_len]
        key = load_der_public_key(spki)
    except Exception as e:
        fr.fail("CGA Parameters public key", "DER SubjectPublicKeyInfo", "%s: %s"
                % (type(e).__name__, e))
        return
    if not isinstance(key, rsa.RSAPublicKey):
        fr.fail("CGA Parameters public key", "RSA", type(key).__name__)
        return
    fr.checked += 1
    ext = params[25 + spki_len:]
    kbytes = (key.key_size + 7) // 8
    # whose CGA, and which CoA/peer go into the signed data
    t = exp["mhtype"]
    tun = exp.get("tunnel")
    if t == 5:
        owner, peer = exp["src"], exp["dst"]
        acoa = [o for o in eopts if o["type"] == 3]
        if len(acoa) != 1:
            fr.fail("Alternate CoA in a signed BU", "one option", len(acoa))
            return
        coa = bytes.fromhex(acoa[0]["data"])
    else:  # a peer's own CGA in a BA (RFC 4866 4.2): it signs with its own address as peer
        owner, peer = exp["src"], exp["src"]
        coa = a16(tun["dst"] if tun else exp["dst"])
    reason = cga_verify(owner, params)
    fr.eq("%s is a CGA of the CGA Parameters (RFC 3972 5)" % owner, None, reason)
    keys.setdefault(str(ipaddress.IPv6Address(owner)), set()).add(kbytes)
    sig = [o for o in eopts if o["type"] == 13]
    if not sig:
        fr.fail("Signature option", "present", "absent")
        return
    fr.eq("modulus bytes (%d-bit key) = Signature length" % key.key_size, kbytes, sig[0]["len"])
    m = bytearray(mh_bytes[:end])
    m[4:6] = b"\0\0"
    signed = RFC4866_TAG + coa + a16(peer) + bytes(m)
    try:
        key.verify(bytes.fromhex(sig[0]["data"]), signed, padding.PKCS1v15(), hashes.SHA1())
        fr.checked += 1
        fr.notes.append("%d-bit key, CGA params %d bytes in %d option(s)%s, signature ok over "
                        "%d bytes" % (key.key_size, len(params), len(idx),
                                      ", ext %d bytes" % len(ext) if ext else "", len(signed)))
    except InvalidSignature:
        fr.fail("Signature (RSASSA-PKCS1-v1_5 SHA-1 over tag|CoA|DAR|MH[0..%d))" % end,
                "verifies", "InvalidSignature; SHA-1 of signed data %s"
                % hashlib.sha1(signed).hexdigest())


def check_bad(fr, exp, mh_bytes):
    """Optional: verify the BAD authenticator when the record gives the Kbm."""
    if "kbm" not in exp:
        return
    bad = [o for o in exp["opts"] if o["type"] == 5]
    if len(bad) != 1:
        fr.fail("BAD option (record has kbm)", "one", len(bad))
        return
    tun = exp.get("tunnel")
    acoa = [o for o in exp["opts"] if o["type"] == 3]
    if exp.get("coa"):
        coa = a16(exp["coa"])
    elif exp["mhtype"] == 5 and acoa:
        coa = bytes.fromhex(acoa[0]["data"])
    elif exp["mhtype"] == 6 and tun:
        coa = a16(tun["dst"])
    else:
        fr.fail("care-of address for the BAD", "coa in the record", "none")
        return
    peer = a16(exp["dst"] if exp["mhtype"] == 5 else exp["src"])
    m = bytearray(mh_bytes[:bad[0]["off"] + 2])
    m[4:6] = b"\0\0"
    auth = hmac.new(bytes.fromhex(exp["kbm"]), coa + peer + bytes(m), hashlib.sha1).digest()[:12]
    if fr.eq("BAD authenticator = HMAC-SHA1(Kbm, CoA|peer|MH[0..%d))[:12]" % len(m),
             auth.hex(), bad[0]["data"]):
        fr.notes.append("BAD ok")


def check_frame(fr, pkt, exp, keys):
    tun = exp.get("tunnel")
    mh_len = 8 * (exp["hdrlen"] + 1)
    frame = bytes(pkt.original)
    if not isinstance(pkt, Ether):
        fr.fail("link layer", "Ether", type(pkt).__name__)
        return
    fr.eq("eth.dst", "02:00:00:00:00:02", pkt.dst)
    fr.eq("eth.src", "02:00:00:00:00:01", pkt.src)
    fr.eq("eth.type", 0x86DD, pkt.type)
    ip = pkt.payload
    if not isinstance(ip, IPv6):
        fr.fail("network layer", "IPv6", type(ip).__name__)
        return
    hdrs = 14 + 40
    if tun:
        fr.eq("outer ipv6.nh", 41, ip.nh)
        fr.eq("outer ipv6.src", ipaddress.IPv6Address(tun["src"]), ipaddress.IPv6Address(ip.src))
        fr.eq("outer ipv6.dst", ipaddress.IPv6Address(tun["dst"]), ipaddress.IPv6Address(ip.dst))
        fr.eq("outer ipv6.plen", 40 + mh_len, ip.plen)
        ip = ip.payload
        if not isinstance(ip, IPv6):
            fr.fail("inner layer", "IPv6", type(ip).__name__)
            return
        hdrs += 40
    w = "inner " if tun else ""
    fr.eq(w + "ipv6.nh", IPPROTO_MH, ip.nh)
    fr.eq(w + "ipv6.src", ipaddress.IPv6Address(exp["src"]), ipaddress.IPv6Address(ip.src))
    fr.eq(w + "ipv6.dst", ipaddress.IPv6Address(exp["dst"]), ipaddress.IPv6Address(ip.dst))
    fr.eq(w + "ipv6.plen", mh_len, ip.plen)
    fr.eq("frame length", hdrs + mh_len, len(frame))
    mh_bytes = frame[hdrs:hdrs + mh_len]

    mh = ip.payload
    cls = MH_CLASSES.get(exp["mhtype"])
    if not fr.eq("scapy MH class", cls.__name__ if cls else "?", type(mh).__name__):
        return
    if not isinstance(mh.payload, NoPayload):
        fr.fail("after the MH", "nothing", mh.payload.summary())
    fr.eq("MH payload proto", 59, mh.nh)
    fr.eq("MH header len", exp["hdrlen"], mh.len)
    fr.eq("MH type", exp["mhtype"], mh.mhtype)
    fr.eq("MH reserved", 0, mh.res)
    fr.eq("MH checksum (scapy field)", "0x%04x" % exp["csum"], "0x%04x" % mh.cksum)
    fr.eq("MH checksum (frame bytes)", "0x%04x" % exp["csum"],
          "0x%04x" % int.from_bytes(mh_bytes[4:6], "big"))
    fr.eq("MH checksum recomputed here over pseudo-header %s -> %s" % (exp["src"], exp["dst"]),
          "0x%04x" % exp["csum"], "0x%04x" % mh_checksum(exp["src"], exp["dst"], mh_bytes))

    # scapy recomputes it: rebuild the inner IPv6/MH with the checksum deleted
    zeroed = mh_bytes[:4] + b"\0\0" + mh_bytes[6:]
    for autopad in (0, 1):
        inner = IPv6(raw(ip))
        m = inner[cls]
        m.autopad = autopad
        del m.cksum
        rebuilt = IPv6(raw(inner))
        rb = raw(rebuilt[cls])
        what = "scapy rebuild" + (" with its own padder (alignment)" if autopad else "")
        fr.eq(what + ": MH bytes", zeroed.hex(), (rb[:4] + b"\0\0" + rb[6:]).hex())
        fr.eq(what + ": checksum", "0x%04x" % exp["csum"], "0x%04x" % rebuilt[cls].cksum)

    check_fields(fr, mh, exp)
    check_options(fr, mh, exp)
    check_cga(fr, exp, mh_bytes, keys)
    check_bad(fr, exp, mh_bytes)
    # a PHKT is encrypted to the MN's key: as long as that key's modulus
    for o in exp["opts"]:
        if o["type"] == 14:
            hoa = str(ipaddress.IPv6Address(exp["dst"]))
            if hoa in keys:
                fr.eq("PHKT length = modulus bytes of the key of %s" % hoa,
                      sorted(keys[hoa]), sorted(keys[hoa] & {o["len"]}))
            else:
                fr.notes.append("no CGA-signed message from %s earlier: PHKT length %d not "
                                "checked against a key" % (hoa, o["len"]))


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: check_scapy.py FILE.pcap EXPECT.jsonl\n")
        return 2
    with PcapReader(sys.argv[1]) as rd:
        linktype = rd.linktype
        pkts = list(rd)
    with open(sys.argv[2]) as f:
        exps = [json.loads(line) for line in f if line.strip()]
    errors = []
    if linktype != 1:
        errors.append("FAIL pcap linktype: expected 1, got %s" % linktype)
    if not exps:
        errors.append("FAIL: no expected frames in %s" % sys.argv[2])
    if len(pkts) != len(exps):
        errors.append("FAIL frame count: expected %d, got %d" % (len(exps), len(pkts)))
    keys = {}
    ok = 0
    for i, (pkt, exp) in enumerate(zip(pkts, exps), 1):
        fr = Frame(exp)
        if exp.get("frame") != i:
            fr.fail("frame number", i, exp.get("frame"))
        try:
            check_frame(fr, pkt, exp, keys)
        except Exception as e:  # an odd frame must not crash the summary
            fr.fail("dissection", "no exception", "%s: %s" % (type(e).__name__, e))
        name = MH_NAMES.get(exp.get("mhtype"), "?")
        if fr.errors:
            errors.extend(fr.errors)
            print("frame %d %-18s %-4s FAIL (%d mismatches)"
                  % (i, exp.get("name"), name, len(fr.errors)))
        else:
            ok += 1
            print("frame %d %-18s %-4s ok: %d checks, csum 0x%04x%s%s"
                  % (i, exp.get("name"), name, fr.checked, exp["csum"],
                     " tunnelled" if exp.get("tunnel") else "",
                     "".join("; " + n for n in fr.notes)))
    if errors:
        for e in errors:
            print(e)
        print("check: FAILED, %d of %d frames ok, %d mismatches" % (ok, len(exps), len(errors)))
        return 1
    print("check: %d frames ok" % ok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
