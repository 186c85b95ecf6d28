#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Long-lived test flows for the mnd integration tests and the demo.

  flow.py tcp-server PORT                 echo server (any address)
  flow.py tcp-client ADDR PORT CTL LOG    connect, then obey commands from the FIFO CTL:
                                            xfer N   send N bytes, read the N echoed back
                                            close    close and exit
  flow.py udp-client SRC DST PORT LOG     connected UDP socket bound to SRC; one datagram
                                          every 20 ms, counts echoes (line per second)
  flow.py udp-echo PORT                   UDP echo server
  flow.py tcp-accept-log PORT LOG         accepts connections and logs each peer address
  flow.py tcp-connect SRC? DST PORT       one short connection; prints the local address
  flow.py tick-server PORT LOG            accepts connections; logs "rx PORT MONOTONIC_S" for
                                          every data segment received (benchmarks)
  flow.py tick-client ADDR PORT MS        sends 16 bytes every MS milliseconds, forever

Every result is a line in LOG, so a test waits for the line it needs.
"""
import hashlib
import os
import select
import socket
import sys
import time


def log(path, msg):
    with open(path, "a") as f:
        f.write(msg + "\n")
        f.flush()


def tcp_server(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(16)
    conns = []
    while True:
        r, _, _ = select.select([s] + conns, [], [])
        for c in r:
            if c is s:
                n, _ = s.accept()
                conns.append(n)
                continue
            try:
                d = c.recv(65536)
            except OSError:
                d = b""
            if not d:
                conns.remove(c)
                c.close()
                continue
            c.sendall(d)


def tcp_client(addr, port, ctl, path):
    s = socket.create_connection((addr, port), timeout=10)
    s.settimeout(30)
    local = s.getsockname()[0]
    log(path, "connected local=%s peer=%s" % (local, addr))
    n_xfer = 0
    while True:
        with open(ctl) as f:  # blocks until a writer opens the FIFO
            for line in f:
                cmd = line.split()
                if not cmd:
                    continue
                if cmd[0] == "close":
                    s.close()
                    log(path, "closed")
                    return
                if cmd[0] != "xfer":
                    continue
                n = int(cmd[1])
                data = os.urandom(n)
                t0 = time.monotonic()
                try:
                    s.sendall(data)
                    got = b""
                    while len(got) < n:
                        d = s.recv(min(65536, n - len(got)))
                        if not d:
                            raise OSError("connection closed by peer")
                        got += d
                except OSError as e:
                    log(path, "error xfer %d: %s" % (n, e))
                    return
                n_xfer += 1
                ok = hashlib.sha1(got).digest() == hashlib.sha1(data).digest()
                log(path, "%s xfer=%d bytes=%d ms=%.1f" % ("ok" if ok else "corrupt", n_xfer,
                                                            n, (time.monotonic() - t0) * 1e3))


def udp_client(src, dst, port, path):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.connect((dst, port))
    s.setblocking(False)
    sent = recv = 0
    last = time.monotonic()
    log(path, "udp local=%s peer=%s" % (s.getsockname()[0], dst))
    while True:
        try:
            s.send(b"%d" % sent)
            sent += 1
        except OSError:
            pass
        deadline = time.monotonic() + 0.02
        while True:
            t = deadline - time.monotonic()
            if t <= 0:
                break
            r, _, _ = select.select([s], [], [], t)
            if r:
                try:
                    s.recv(2048)
                    recv += 1
                except OSError:
                    pass
        if time.monotonic() - last >= 1.0:
            last = time.monotonic()
            log(path, "udp sent=%d recv=%d" % (sent, recv))


def udp_echo(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", port))
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(d, a)


def tcp_accept_log(port, path):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(16)
    while True:
        c, a = s.accept()
        log(path, "accepted peer=%s" % a[0])
        c.close()


def tcp_connect(args):
    src = args[0] if len(args) == 3 else None
    dst, port = args[-2], int(args[-1])
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(5)
    s.connect((dst, port))
    print(s.getsockname()[0])
    # Let the server close first, so that TIME_WAIT stays on its side and
    # no socket on our address outlives this connection.
    while s.recv(4096):
        pass
    s.close()


def tick_server(port, path):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(16)
    conns = []
    out = open(path, "a", buffering=1)
    while True:
        r, _, _ = select.select([s] + conns, [], [])
        for c in r:
            if c is s:
                n, _ = s.accept()
                conns.append(n)
                continue
            d = c.recv(65536)
            if not d:
                conns.remove(c)
                c.close()
                continue
            out.write("rx %d %.6f\n" % (port, time.clock_gettime(time.CLOCK_MONOTONIC)))


def tick_client(addr, port, ms):
    s = socket.create_connection((addr, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        s.sendall(b"x" * 16)
        time.sleep(ms / 1000.0)


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    cmd = a[0]
    if cmd == "tcp-server":
        tcp_server(int(a[1]))
    elif cmd == "tcp-client":
        tcp_client(a[1], int(a[2]), a[3], a[4])
    elif cmd == "udp-client":
        udp_client(a[1], a[2], int(a[3]), a[4])
    elif cmd == "udp-echo":
        udp_echo(int(a[1]))
    elif cmd == "tcp-accept-log":
        tcp_accept_log(int(a[1]), a[2])
    elif cmd == "tick-server":
        tick_server(int(a[1]), a[2])
    elif cmd == "tick-client":
        tick_client(a[1], int(a[2]), float(a[3]))
    elif cmd == "tcp-connect":
        tcp_connect(a[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
