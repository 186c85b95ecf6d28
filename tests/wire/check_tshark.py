#!/usr/bin/python3
"""Independent check of mn-wire's Mobility Header frames against tshark's dissection.

usage: check_tshark.py TSHARK.json EXPECT.jsonl

TSHARK.json is the output of `tshark -r FILE.pcap -T json -x`; EXPECT.jsonl is what mn-wire says
its encoder put in each frame (one JSON object per frame, in frame order).  Every frame is
compared field by field with what tshark decoded: Ethernet and IPv6 framing (outer header with
next header 41 for tunnelled frames), the MH common header, the per-type message fields, and
every mobility option (name, length, offset, value) in order.  tshark 4.0.17 quirks accepted
(notes/protocol.md section 6): CGA Parameters, Signature, PHKT and Care-of Keygen Token values
shown 2 bytes short; the Signature field labelled "CGA Parameters"; the Care-of Test token field
named mip6.hot.token; BA status texts 147/148 wrong (numbers are compared, never texts).

Prints one line per frame and a final `check: N frames ok`; any mismatch prints frame, field,
expected and got, and the exit status is 1.
"""

import ipaddress
import json
import sys


class Obj(list):
    """A JSON object kept as an ordered list of (key, value) pairs: tshark repeats keys."""


def load_pairs(fp):
    return json.load(fp, object_pairs_hook=Obj)


def items(obj):
    """(key, value, raw) triples in order; raw is the `key_raw` array that -x puts before it."""
    out = []
    raw = {}
    for k, v in obj:
        if k.endswith("_raw") and isinstance(v, list) and not isinstance(v, Obj):
            raw[k[:-4]] = v
            continue
        out.append((k, v, raw.pop(k, None)))
    return out


def walk(obj, skip=()):
    """Every (key, value, raw) below obj, depth first, not entering subtrees named in skip."""
    for k, v, r in items(obj):
        yield k, v, r
        if isinstance(v, Obj) and k not in skip:
            yield from walk(v, skip)


def child(obj, key):
    return [(v, r) for k, v, r in items(obj) if k == key]


def unhex(s):
    s = s.replace(":", "")
    if s.startswith("0x"):
        s = s[2:]
    return bytes.fromhex(s)


MH_NAMES = {0: "BRR", 1: "HoTI", 2: "CoTI", 3: "HoT", 4: "CoT", 5: "BU", 6: "BA", 7: "BE"}
# Subtree label tshark puts the fixed message fields under (BRR has none: a bare field).
MH_LABELS = {1: "Home Test Init", 2: "Care-of Test Init", 3: "Home Test", 4: "Care-of Test",
             5: "Binding Update", 6: "Binding Acknowledgement", 7: "Binding Error"}
# tshark's option item names -> option type
OPT_TYPES = {"mip6.options.pad1": 0, "mip6.options.padn": 1, "mip6.options.bra": 2,
             "mip6.options.acoa": 3, "mip6.options.ni": 4, "mip6.options.bad_auth": 5,
             "mip6.options.cgapr": 11, "mip6.options.cgar": 12, "mip6.options.sign": 13,
             "mip6.options.phkt": 14, "mip6.options.coti": 15, "mip6.options.cot": 16}
# options whose value field tshark shows with option_len - 2 bytes
SHORT_VALUE = {12: "mip6.cgar.cga_par", 13: "mip6.sign.sign", 14: "mip6.phkt.phkt",
               16: "mip6.mocot.co_keygen_tok"}
# option data lengths fixed by the RFCs (0 = Pad1 has no length byte)
FIXED_LEN = {0: 0, 2: 2, 3: 16, 4: 4, 5: 12, 11: 0, 15: 0, 16: 8}
BU_FLAGS = [("mip6.bu.a_flag", 0x8000), ("mip6.bu.h_flag", 0x4000), ("mip6.bu.l_flag", 0x2000),
            ("mip6.bu.k_flag", 0x1000), ("mip6.bu.m_flag", 0x0800),
            ("mip6.nemo.bu.r_flag", 0x0400), ("mip6.bu.p_flag", 0x0200),
            ("mip6.bu.f_flag", 0x0100), ("mip6.bu.t_flag", 0x0080), ("mip6.bu.b_flag", 0x0040)]
BA_FLAGS = [("mip6.ba.k_flag", 0x80), ("mip6.nemo.ba.r_flag", 0x40), ("mip6.ba.p_flag", 0x20),
            ("mip6.ba.t_flag", 0x10), ("mip6.ba.b_flag", 0x08)]
PI_WARN = 0x00600000


class Frame:
    def __init__(self, exp):
        self.exp = exp
        self.errors = []
        self.checked = 0

    def fail(self, field, expected, got):
        self.errors.append("FAIL frame %s (%s) %s: expected %s, got %s"
                           % (self.exp.get("frame"), self.exp.get("name"), field, expected, got))

    def eq(self, field, expected, got, show=str):
        self.checked += 1
        if expected != got:
            self.fail(field, show(expected), show(got))
            return False
        return True


def one(fr, obj, key, where):
    vals = child(obj, key)
    if len(vals) != 1:
        fr.fail(where + key, "exactly one field", "%d" % len(vals))
        return None, None
    return vals[0]


def find_in(fr, tree, key, where, skip=("Mobility Options",)):
    vals = [(v, r) for k, v, r in walk(tree, skip) if k == key]
    if len(vals) != 1:
        fr.fail(where + key, "exactly one field", "%d" % len(vals))
        return None, None
    return vals[0]


def as_int(s):
    return int(s, 0)


def addr(s):
    return ipaddress.IPv6Address(s)


def check_ipv6(fr, ip, raw, src, dst, nxt, plen, where):
    v, _ = one(fr, ip, "ipv6.nxt", where)
    if v is not None:
        fr.eq(where + "ipv6.nxt", nxt, int(v))
    v, _ = one(fr, ip, "ipv6.src", where)
    if v is not None:
        fr.eq(where + "ipv6.src", addr(src), addr(v))
    v, _ = one(fr, ip, "ipv6.dst", where)
    if v is not None:
        fr.eq(where + "ipv6.dst", addr(dst), addr(v))
    v, _ = one(fr, ip, "ipv6.plen", where)
    if v is not None:
        fr.eq(where + "ipv6.plen", plen, int(v))


def check_hexfield(fr, tree, key, expected_hex, where):
    """A fixed-size FT_UINT64/bytes field shown as 0x... or aa:bb:..; compare the bytes."""
    v, r = find_in(fr, tree, key, where)
    if v is None:
        return
    got = unhex(v)
    exp = bytes.fromhex(expected_hex)
    if len(got) < len(exp):  # a 0x-number display may drop leading zero bytes
        got = bytes(len(exp) - len(got)) + got
    fr.eq(where + key, exp.hex(), got.hex())
    if r is not None:
        fr.eq(where + key + " (raw bytes)", exp.hex(), r[0].lower())


def check_fields(fr, mh, exp):
    t = exp["mhtype"]
    f = exp["fields"]
    if t == 0:
        v, _ = one(fr, mh, "mip6.binding_refresh_request", "")
        if v is not None:
            fr.eq("mip6.binding_refresh_request (reserved)", "0000", unhex(v).hex())
        return
    label = MH_LABELS[t]
    sub = child(mh, label)
    if len(sub) != 1 or not isinstance(sub[0][0], Obj):
        fr.fail("message subtree", repr(label), "%d subtrees" % len(sub))
        return
    tree = sub[0][0]
    if t in (1, 2):
        check_hexfield(fr, tree, "mip6.hoti.cookie" if t == 1 else "mip6.coti.cookie",
                       f["cookie"], "")
    elif t in (3, 4):
        pre = "mip6.hot." if t == 3 else "mip6.cot."
        v, _ = find_in(fr, tree, pre + "nindex", "")
        if v is not None:
            fr.eq(pre + "nindex", f["nonce_index"], as_int(v))
        check_hexfield(fr, tree, pre + "cookie", f["cookie"], "")
        # tshark 4.0.17 registers the Care-of Keygen Token as mip6.hot.token too
        keys = [k for k, _, _ in walk(tree) if k in ("mip6.hot.token", "mip6.cot.token")]
        if len(keys) != 1:
            fr.fail("keygen token", "one mip6.hot.token/mip6.cot.token", keys)
        else:
            check_hexfield(fr, tree, keys[0], f["token"], "")
    elif t == 5:
        for key, name in (("mip6.bu.seqnr", "seq"), ("mip6.bu.lifetime", "lifetime")):
            v, _ = find_in(fr, tree, key, "")
            if v is not None:
                fr.eq(key, f[name], as_int(v))
        for key, bit in BU_FLAGS:
            v, _ = find_in(fr, tree, key, "")
            if v is not None:
                fr.eq("%s (flags 0x%04x)" % (key, f["flags"]), int(bool(f["flags"] & bit)),
                      as_int(v))
    elif t == 6:
        for key, name in (("mip6.ba.status", "status"), ("mip6.ba.seqnr", "seq"),
                          ("mip6.ba.lifetime", "lifetime")):
            v, _ = find_in(fr, tree, key, "")
            if v is not None:
                fr.eq(key, f[name], as_int(v))
        for key, bit in BA_FLAGS:
            v, _ = find_in(fr, tree, key, "")
            if v is not None:
                fr.eq("%s (flags 0x%02x)" % (key, f["flags"]), int(bool(f["flags"] & bit)),
                      as_int(v))
    elif t == 7:
        v, _ = find_in(fr, tree, "mip6.be.status", "")
        if v is not None:
            fr.eq("mip6.be.status", f["status"], as_int(v))
        v, _ = find_in(fr, tree, "mip6.be.haddr", "")
        if v is not None:
            fr.eq("mip6.be.haddr", addr(f["hoa"]), addr(v))


def check_options(fr, mh, exp, mh_pos, mh_len):
    expopts = exp["opts"]
    sub = child(mh, "Mobility Options")
    got = []
    if len(sub) > 1:
        fr.fail("Mobility Options", "at most one subtree", len(sub))
        return
    if sub:
        its = items(sub[0][0])
        i = 0
        while i < len(its):
            k, v, r = its[i]
            if not k.startswith("mip6.options.") or k.endswith("_tree"):
                fr.fail("Mobility Options item %d" % len(got), "an option item", k)
                i += 1
                continue
            tree = None
            if i + 1 < len(its) and its[i + 1][0] == k + "_tree":
                tree = its[i + 1][1]
                i += 1
            got.append((k, v, r, tree))
            i += 1
    fr.eq("number of options", len(expopts), len(got))
    for n, (eo, (k, v, r, tree)) in enumerate(zip(expopts, got), 1):
        w = "option %d " % n
        et, elen, edata = eo["type"], eo["len"], bytes.fromhex(eo["data"])
        gt = OPT_TYPES.get(k)
        if not fr.eq(w + "type (tshark item %s)" % k, et, gt):
            continue
        if et in FIXED_LEN:  # the encoder's own record must respect the fixed lengths too
            fr.eq(w + "encoded length vs RFC", FIXED_LEN[et], elen)
        if r is not None:
            fr.eq(w + "offset in MH", eo["off"], r[1] - mh_pos)
        whole = unhex(v) if v else b""
        if et == 0:
            fr.eq(w + "Pad1 bytes", "00", whole.hex())
            if tree is not None:
                fr.fail(w + "Pad1", "no length subtree", "one")
            continue
        # the option item spans Type, Length and the whole data (never shortened)
        fr.eq(w + "type byte", et, whole[0] if whole else None)
        fr.eq(w + "length byte", elen, whole[1] if len(whole) > 1 else None)
        fr.eq(w + "data (option item bytes)", edata.hex(), whole[2:].hex())
        if tree is None:
            fr.fail(w + k + "_tree", "present", "absent")
            continue
        lv = child(tree, "mip6.mobility_opt.len")
        fr.eq(w + "mip6.mobility_opt.len", [str(elen)], [x for x, _ in lv])
        # no expert info about this option (wrong length etc.)
        for kk, vv, _ in walk(tree):
            if kk == "_ws.expert.message":
                fr.fail(w + "expert info", "none", vv)
        vals = {kk: vv for kk, vv, _ in walk(tree) if not isinstance(vv, Obj)}
        if et == 1:
            if elen:
                fr.eq(w + "mip6.padn", edata.hex(), unhex(vals.get("mip6.padn", "")).hex())
            fr.eq(w + "PadN data is zero", bytes(elen).hex(), edata.hex())
        elif et == 2:
            fr.eq(w + "mip6.bra.interval", int.from_bytes(edata, "big"),
                  as_int(vals.get("mip6.bra.interval", "-1")))
        elif et == 3:
            g = vals.get("mip6.acoa.acoa")
            fr.eq(w + "mip6.acoa.acoa", addr(edata) if len(edata) == 16 else edata.hex(),
                  addr(g) if g else None)
        elif et == 4:
            fr.eq(w + "mip6.ni.hni", int.from_bytes(edata[0:2], "big"),
                  as_int(vals.get("mip6.ni.hni", "-1")))
            fr.eq(w + "mip6.ni.cni", int.from_bytes(edata[2:4], "big"),
                  as_int(vals.get("mip6.ni.cni", "-1")))
        elif et == 5:
            fr.eq(w + "mip6.bad.auth", edata.hex(), unhex(vals.get("mip6.bad.auth", "")).hex())
        elif et in SHORT_VALUE:
            key = SHORT_VALUE[et]
            g = vals.get(key)
            gb = unhex(g) if g else b""
            # tshark 4.0.17 shows option_len - 2 bytes; a fixed tshark would show all of them
            if gb != edata[:max(elen - 2, 0)] and gb != edata:
                fr.fail(w + key, "%s (or its first %d bytes)" % (edata.hex(), max(elen - 2, 0)),
                        gb.hex())
            else:
                fr.checked += 1
    # the options must fill the MH exactly
    if expopts:
        last = expopts[-1]
        end = last["off"] + (1 if last["type"] == 0 else 2 + last["len"])
        fr.eq("end of last option", mh_len, end)


def check_frame(fr, pkt, exp):
    src = dict(pkt)["_source"]
    layers = dict(src)["layers"]
    tun = exp.get("tunnel")
    mh_len = 8 * (exp["hdrlen"] + 1)

    proto = [v for k, v, _ in items(layers) if k == "frame"]
    if proto:
        p = dict(proto[0]).get("frame.protocols")
        fr.eq("frame.protocols", "eth:ethertype:ipv6:" + ("ipv6:" if tun else "") + "mipv6", p)
    eth = [v for k, v, _ in items(layers) if k == "eth"]
    if len(eth) != 1:
        fr.fail("eth", "one Ethernet layer", len(eth))
    else:
        e = dict(eth[0])
        fr.eq("eth.dst", "02:00:00:00:00:02", e.get("eth.dst"))
        fr.eq("eth.src", "02:00:00:00:00:01", e.get("eth.src"))
        fr.eq("eth.type", "0x86dd", e.get("eth.type"))

    ips = [(v, r) for k, v, r in items(layers) if k == "ipv6"]
    if len(ips) != (2 if tun else 1):
        fr.fail("ipv6 layers", 2 if tun else 1, len(ips))
        return
    if tun:
        check_ipv6(fr, ips[0][0], ips[0][1], tun["src"], tun["dst"], 41, 40 + mh_len, "outer ")
    inner = ips[-1][0]
    check_ipv6(fr, inner, ips[-1][1], exp["src"], exp["dst"], 135, mh_len,
               "inner " if tun else "")
    if tun and child(ips[0][0], "mipv6"):
        fr.fail("outer ipv6", "no MH directly in the outer header", "mipv6")

    mhs = child(inner, "mipv6")
    if len(mhs) != 1:
        fr.fail("mipv6", "one Mobility Header", len(mhs))
        return
    mh, mh_raw = mhs[0]
    mh_pos = None
    if mh_raw is not None:
        mh_pos = mh_raw[1]
        fr.eq("MH length (mipv6 raw)", mh_len, mh_raw[2])
    for key, expected in (("mip6.proto", 59), ("mip6.hlen", exp["hdrlen"]),
                          ("mip6.mhtype", exp["mhtype"]), ("mip6.reserved", 0)):
        v, _ = one(fr, mh, key, "")
        if v is not None:
            fr.eq(key, expected, as_int(v))
    v, r = one(fr, mh, "mip6.csum", "")
    if v is not None:
        fr.eq("mip6.csum", "0x%04x" % exp["csum"], "0x%04x" % as_int(v))
    check_fields(fr, mh, exp)
    if mh_pos is None:
        fr.fail("mipv6_raw", "position (run tshark with -x)", "absent")
        return
    check_options(fr, mh, exp, mh_pos, mh_len)

    # tshark must have no complaint (warning or error) about any part of the frame
    for k, v, _ in walk(pkt):
        if k == "_ws.malformed":
            fr.fail("_ws.malformed", "absent", "present")
        if k == "_ws.expert" and isinstance(v, Obj):
            d = dict(v)
            sev = as_int(d.get("_ws.expert.severity", "0"))
            if sev >= PI_WARN:
                fr.fail("expert info", "none", d.get("_ws.expert.message"))


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: check_tshark.py TSHARK.json EXPECT.jsonl\n")
        return 2
    with open(sys.argv[1]) as f:
        pkts = load_pairs(f)
    with open(sys.argv[2]) as f:
        exps = [json.loads(line) for line in f if line.strip()]
    errors = []
    if not exps:
        errors.append("FAIL: no expected frames in %s" % sys.argv[2])
    if len(pkts) != len(exps):
        errors.append("FAIL frame count: expected %d, got %d" % (len(exps), len(pkts)))
    ok = 0
    types = set()
    for i, (pkt, exp) in enumerate(zip(pkts, exps), 1):
        fr = Frame(exp)
        if exp.get("frame") != i:
            fr.fail("frame number", i, exp.get("frame"))
        try:
            check_frame(fr, pkt, exp)
        except Exception as e:  # a missing/odd field must not crash the summary
            fr.fail("dissection", "well-formed", "%s: %s" % (type(e).__name__, e))
        types.add(exp.get("mhtype"))
        otypes = ",".join(str(o["type"]) for o in exp["opts"])
        if fr.errors:
            errors.extend(fr.errors)
            print("frame %d %-18s %-3s FAIL (%d mismatches)"
                  % (i, exp.get("name"), MH_NAMES.get(exp["mhtype"], "?"), len(fr.errors)))
        else:
            ok += 1
            print("frame %d %-18s %-3s ok: %d fields, options [%s]%s"
                  % (i, exp.get("name"), MH_NAMES.get(exp["mhtype"], "?"), fr.checked, otypes,
                     " tunnelled" if exp.get("tunnel") else ""))
    if errors:
        for e in errors:
            print(e)
        print("check: FAILED, %d of %d frames ok, %d mismatches" % (ok, len(exps), len(errors)))
        return 1
    print("check: %d frames ok" % ok)
    return 0


if __name__ == "__main__":
    sys.exit(main())
