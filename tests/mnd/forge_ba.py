#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send forged Binding Acknowledgements to the MN (run in the MN's namespace).

Three kinds, each framed like a real one unless said otherwise:
  1. a wrong sequence number (seq + 100), status 0;
  2. the right sequence number from a wrong outer source (the CN);
  3. the right sequence number with a Binding Authorization Data option whose
     authenticator is random.
Built with scapy, independently of mnd's codec.
"""
import argparse
import os
import subprocess
import sys

import socket

from scapy.all import IPv6, raw
from scapy.layers.inet6 import MIP6MH_BA, MIP6OptBindingAuthData


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ns-mn", required=True)
    ap.add_argument("--dar", required=True)
    ap.add_argument("--hoa", required=True)
    ap.add_argument("--coa", required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--status", help="mnd's status file: re-read the sequence number just "
                    "before sending (a retransmission may have moved it)")
    ap.add_argument("--cn", default="2001:db8:ff::100")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if os.environ.get("FORGE_IN_NS") != "1":
        env = dict(os.environ, FORGE_IN_NS="1")
        sys.exit(subprocess.call(["ip", "netns", "exec", a.ns_mn, sys.executable] + sys.argv,
                                 env=env))
    seq = a.seq
    if a.status:
        for line in open(a.status):
            f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
            if line.startswith("anchor ") and f.get("dar") == a.dar and "seq" in f:
                seq = int(f["seq"])
    a.seq = seq
    bad_auth = [
        IPv6(src=a.dar, dst=a.coa) / IPv6(src=a.dar, dst=a.hoa) /
        MIP6MH_BA(status=0, flags=0, seq=(seq + k) % 65536, mhtime=150, options=[
            MIP6OptBindingAuthData(olen=12, authenticator=int.from_bytes(os.urandom(12), "big"))])
        for k in range(3)  # the outstanding number, even if a retransmission comes first
    ]
    pkts = [
        IPv6(src=a.dar, dst=a.coa) / IPv6(src=a.dar, dst=a.hoa) /
        MIP6MH_BA(status=0, flags=0, seq=(a.seq + 100) % 65536, mhtime=150),
        IPv6(src=a.cn, dst=a.coa) / IPv6(src=a.dar, dst=a.hoa) /
        MIP6MH_BA(status=0, flags=0, seq=a.seq, mhtime=150),
    ] + bad_auth
    # A plain raw socket: the kernel routes (the CoA is local), scapy only builds.
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    with open(a.out, "a") as f:
        f.write("seq %d\n" % seq)
        for p in pkts:
            s.sendto(raw(p), (a.coa, 0))
            f.write("sent %s\n" % p.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
