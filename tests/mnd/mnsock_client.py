#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The mnd control protocol (libmnsock/mnsock-proto.h) spoken from Python, without libmnsock:
struct.pack and socket.sendmsg with SCM_RIGHTS. Written from the header alone, so that the C
library's tests can compare their bytes with these.

As a module:
    import mnsock_client as mc
    c = mc.Client(path)              # SOCK_SEQPACKET to <run_dir>/mnsock
    c.set_mode(sock, "continuity")   # -> Reply(status, mode, why, local, anchor, role)
    c.get_mode(sock); c.get_info(sock)
    c.raw(data, fds)                 # any bytes, any fds: for malformed requests

As a program (the integration tests):
  mnsock_client.py [OPTS] tcp-flow MODE SRC DST PORT CTL LOG
        TCP from SRC to DST:PORT, mode set right after connect; then obeys the FIFO CTL:
        `xfer N` (echo N bytes), `info` (log the mode and anchor), `mode M` (ask for mode M
        now), `close` (close, log the
        monotonic time of the close, exit); CTL `-`: none, the flow lives until killed
  mnsock_client.py [OPTS] udp-flow MODE SRC DST PORT LOG
        connected UDP from SRC, one datagram every 20 ms, logs counts every second
  mnsock_client.py [OPTS] listen MODE tcp|udp ADDR PORT LOG
        a TCP listener (accepting and echoing) or an unconnected UDP socket, until killed
  mnsock_client.py [OPTS] selftest
        malformed requests and too many clients against a running mnd: prints one
        `ok - ...` or `not ok - ...` line per check
  MODE is continuity, bypass, default (no request) or - (do not ask mnd at all).
OPTS: --path P (control socket; default $MNSOCK_PATH or /run/mnd/mnsock), --comm NAME (the
program name the sockets are made under), --cgroup DIR (join this cgroup v2 directory first),
--uid N (switch to this uid first).
Every result is a line in LOG with the monotonic time, so that a test waits for what it needs.
"""
import array
import ctypes
import os
import select
import socket
import struct
import sys
import time

MNSOCK_PATH = "/run/mnd/mnsock"
MAGIC = 0x4D4E5331  # "MNS1"
VERSION = 1
OP_SET_MODE, OP_GET_MODE, OP_GET_INFO = 1, 2, 3
MODES = {"default": 0, "continuity": 1, "bypass": 2}
MODE_NAMES = {v: k for k, v in MODES.items()}
ROLES = {0: "none", 1: "current", 2: "kept", 3: "released"}
WHYS = {0: "default", 1: "application", 2: "rule"}

# Host byte order, standard sizes, no padding: the header's layout (checked below).
REQ = struct.Struct("=IHHII")  # magic version op mode reserved
REPLY = struct.Struct("=IHHiII16s16sI")  # magic version op status mode why local anchor role
assert REQ.size == 16 and REPLY.size == 56


class Reply:
    def __init__(self, data):
        if len(data) != REPLY.size:
            raise ValueError("reply of %d bytes, want %d" % (len(data), REPLY.size))
        (self.magic, self.version, self.op, self.status, self.mode, self.why, local, anchor,
         self.role) = REPLY.unpack(data)
        if self.magic != MAGIC or self.version != VERSION:
            raise ValueError("bad reply header %#x/%d" % (self.magic, self.version))
        self.local = socket.inet_ntop(socket.AF_INET6, local)
        self.anchor = socket.inet_ntop(socket.AF_INET6, anchor)

    def __str__(self):
        return ("status=%d mode=%s why=%s local=%s anchor=%s role=%s" %
                (self.status, MODE_NAMES.get(self.mode, self.mode), WHYS.get(self.why, self.why),
                 self.local, self.anchor, ROLES.get(self.role, self.role)))


def pack_req(op, mode=0, magic=MAGIC, version=VERSION, reserved=0):
    return REQ.pack(magic, version, op, mode, reserved)


class Client:
    def __init__(self, path=None):
        self.path = path or os.environ.get("MNSOCK_PATH") or MNSOCK_PATH
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(self.path)  # blocking: a full backlog waits rather than fails
        self.s.settimeout(5)

    def close(self):
        self.s.close()

    def raw(self, data, fds=()):
        """Send one message with these fds; return the Reply (or raise)."""
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())] if fds \
            else []
        self.s.sendmsg([data], anc)
        return Reply(self.s.recv(256))

    def request(self, op, sock, mode=0):
        fd = sock if isinstance(sock, int) else sock.fileno()
        return self.raw(pack_req(op, mode), [fd])

    def set_mode(self, sock, mode):
        return self.request(OP_SET_MODE, sock, MODES[mode] if isinstance(mode, str) else mode)

    def get_mode(self, sock):
        return self.request(OP_GET_MODE, sock)

    def get_info(self, sock):
        return self.request(OP_GET_INFO, sock)


# ---------------------------------------------------------------------------- programs

_logs = {}


def log(path, msg):
    # Opened once, before the process changes identity (--uid).
    f = _logs.get(path)
    if f is None:
        f = _logs[path] = open(path, "a", buffering=1)
    f.write("%.6f %s\n" % (time.clock_gettime(time.CLOCK_MONOTONIC), msg))


def become(opts):
    """Take the identity the rules will see, before any socket is made."""
    if opts.get("cgroup"):
        with open(os.path.join(opts["cgroup"], "cgroup.procs"), "w") as f:
            f.write("%d\n" % os.getpid())
    if opts.get("comm"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, opts["comm"].encode()[:15], 0, 0, 0)  # PR_SET_NAME
    if opts.get("uid") is not None:
        os.setgid(opts["uid"])
        os.setuid(opts["uid"])


def mark(opts, s, mode, path):
    if mode == "-":
        log(path, "mode not-asked")
        return
    c = Client(opts.get("path"))
    r = c.set_mode(s, mode)
    log(path, "mode-set %s %s" % (mode, r))
    c.close()


def info(opts, s, path):
    c = Client(opts.get("path"))
    m = c.get_mode(s)
    i = c.get_info(s)
    c.close()
    log(path, "info mode=%s why=%s local=%s anchor=%s role=%s status=%d/%d" %
        (MODE_NAMES.get(m.mode, m.mode), WHYS.get(m.why, m.why), i.local, i.anchor,
         ROLES.get(i.role, i.role), m.status, i.status))


def tcp_flow(opts, mode, src, dst, port, ctl, path):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(10)
    s.connect((dst, port))
    s.settimeout(30)
    log(path, "connected local=%s sport=%d peer=%s dport=%d" %
        (s.getsockname()[0], s.getsockname()[1], dst, port))
    mark(opts, s, mode, path)
    while ctl == "-":
        time.sleep(3600)
    while True:
        with open(ctl) as f:  # blocks until a writer opens the FIFO
            for line in f:
                cmd = line.split()
                if not cmd:
                    continue
                if cmd[0] == "close":
                    # The time of the close, for the release deadline.
                    log(path, "closing")
                    s.close()
                    log(path, "closed")
                    return
                if cmd[0] == "info":
                    info(opts, s, path)
                    continue
                if cmd[0] == "mode" and len(cmd) == 2:
                    mark(opts, s, cmd[1], path)
                    continue
                if cmd[0] != "xfer":
                    continue
                n = int(cmd[1])
                data = os.urandom(n)
                try:
                    s.sendall(data)
                    got = b""
                    while len(got) < n:
                        d = s.recv(min(65536, n - len(got)))
                        if not d:
                            raise OSError("connection closed by peer")
                        got += d
                    log(path, "%s xfer bytes=%d" % ("ok" if got == data else "corrupt", n))
                except OSError as e:
                    log(path, "error xfer %d: %s" % (n, e))


def udp_flow(opts, mode, src, dst, port, path):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.connect((dst, port))
    log(path, "udp local=%s sport=%d peer=%s dport=%d" %
        (s.getsockname()[0], s.getsockname()[1], dst, port))
    mark(opts, s, mode, path)
    s.setblocking(False)
    sent = recv = 0
    last = time.monotonic()
    while True:
        try:
            s.send(b"%d" % sent)
            sent += 1
        except OSError:
            pass
        r, _, _ = select.select([s], [], [], 0.02)
        if r:
            try:
                s.recv(2048)
                recv += 1
            except OSError:
                pass
        if time.monotonic() - last >= 1.0:
            last = time.monotonic()
            log(path, "udp sent=%d recv=%d" % (sent, recv))


def listen(opts, mode, proto, addr, port, path):
    if proto == "tcp":
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(16)
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind((addr, port))
    log(path, "listening %s local=%s sport=%d" % (proto, addr, port))
    mark(opts, s, mode, path)
    conns = []
    while True:
        r, _, _ = select.select([s] + conns, [], [])
        for c in r:
            if c is s and proto == "tcp":
                n, _ = s.accept()
                conns.append(n)
            elif c is s:
                d, a = s.recvfrom(2048)
                s.sendto(d, a)
            else:
                d = c.recv(65536)
                if not d:
                    conns.remove(c)
                    c.close()
                else:
                    c.sendall(d)


# ---------------------------------------------------------------------------- selftest

def selftest(opts):
    """Malformed requests against a live mnd; each must get its errno, and mnd must live."""
    import errno
    results = []

    def check(name, cond):
        results.append(cond)
        print("%s - %s" % ("ok" if cond else "not ok", name))

    def status_of(c, data, fds):
        try:
            return c.raw(data, fds).status
        except (OSError, ValueError) as e:
            return "error: %s" % e

    c = Client(opts.get("path"))
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u2 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    v4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ux = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rp, wp = os.pipe()
    good = pack_req(OP_SET_MODE, 1)
    cases = [
        ("short request", good[:8], [u.fileno()], errno.EMSGSIZE),
        ("oversized request", good + bytes(300), [u.fileno()], errno.EMSGSIZE),
        ("wrong magic", pack_req(OP_SET_MODE, 1, magic=0x12345678), [u.fileno()],
         errno.EBADMSG),
        ("wrong version", pack_req(OP_SET_MODE, 1, version=2), [u.fileno()], errno.EPROTO),
        ("unknown op", pack_req(9, 1), [u.fileno()], errno.EOPNOTSUPP),
        ("unknown mode", pack_req(OP_SET_MODE, 7), [u.fileno()], errno.EINVAL),
        ("reserved not zero", pack_req(OP_SET_MODE, 1, reserved=1), [u.fileno()],
         errno.EINVAL),
        ("no fd", good, [], errno.EBADF),
        ("two fds", good, [u.fileno(), u2.fileno()], errno.ETOOMANYREFS),
        ("a pipe, not a socket", good, [rp], errno.ENOTSOCK),
        ("a UNIX socket", good, [ux.fileno()], errno.EAFNOSUPPORT),
        ("an IPv4 socket", good, [v4.fileno()], errno.EAFNOSUPPORT),
    ]
    for name, data, fds, want in cases:
        got = status_of(c, data, fds)
        check("%s -> %s (%s)" % (name, errno.errorcode.get(want, want), got), got == want)
    r = c.set_mode(u, "bypass")
    check("a valid request on the same connection after all that (%s)" % r, r.status == 0)
    r = c.get_mode(u)
    check("get-mode reads it back: bypass by application (%s)" % r,
          r.status == 0 and r.mode == 2 and r.why == 1)
    c.close()

    # Too many clients: mnd keeps at most 64 connections and closes the others at once. One
    # at a time, each asking something, so that mnd has accepted it before the next comes.
    many, alive, refused = [], 0, 0
    for _ in range(80):
        try:
            k = Client(opts.get("path"))
            many.append(k)
            alive += k.get_mode(u).status == 0
        except (OSError, ValueError):
            refused += 1
    check("80 clients at once: 64 served (%d), the other 16 closed by mnd (%d)" %
          (alive, refused), alive == 64 and refused == 16)
    for k in many:
        k.close()
    time.sleep(0.2)
    c = Client(opts.get("path"))
    r = c.get_mode(u)
    check("served again once they are gone (%s)" % r, r.status == 0)
    c.close()
    # A flood of requests on one connection: every one answered.
    c = Client(opts.get("path"))
    n_ok = sum(c.set_mode(u, 1 + i % 2).status == 0 for i in range(2000))
    check("2000 requests in a row, all answered (%d ok)" % n_ok, n_ok == 2000)
    c.close()
    for s in (u, u2, v4, ux):
        s.close()
    os.close(rp)
    os.close(wp)
    return 0 if all(results) else 1


def main():
    a = sys.argv[1:]
    opts = {}
    while a and a[0].startswith("--"):
        k = a.pop(0)[2:]
        v = a.pop(0)
        opts[k] = int(v) if k == "uid" else v
    if not a:
        sys.exit(__doc__)
    cmd = a[0]
    if cmd == "selftest":
        sys.exit(selftest(opts))
    logpath = {"tcp-flow": 6, "udp-flow": 5, "listen": 5}.get(cmd)
    if logpath is not None and len(a) > logpath:
        log(a[logpath], "start pid=%d" % os.getpid())
    become(opts)
    if cmd == "tcp-flow":
        tcp_flow(opts, a[1], a[2], a[3], int(a[4]), a[5], a[6])
    elif cmd == "udp-flow":
        udp_flow(opts, a[1], a[2], a[3], int(a[4]), a[5])
    elif cmd == "listen":
        listen(opts, a[1], a[2], a[3], int(a[4]), a[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
