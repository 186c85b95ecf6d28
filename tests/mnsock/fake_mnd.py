#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A fake mnd control socket speaking libmnsock/mnsock-proto.h, for the shim tests.

    fake_mnd.py PATH LOG [--hang]

Listens on PATH (SOCK_SEQPACKET) and, for each request, appends one line to
LOG *before* replying (so a client whose call returned finds its line there):

    req pid=P op=O mode=M nfds=N cookie=C family=F type=T proto=X

pid from SO_PEERCRED, the socket's cookie (SO_COOKIE, 57), family, type and
protocol read from the passed fd. Answers success; GET_MODE returns the
mode last set for that cookie. --hang accepts and never answers (a hung mnd).
"""
import os
import socket
import struct
import sys

MAGIC = 0x4D4E5331
VERSION = 1
REQ = struct.Struct("=IHHII")  # magic version op mode reserved
REPLY = struct.Struct("=IHHiII16s16sI")  # magic version op status mode why local anchor role
SO_COOKIE = 57
OP_SET_MODE, OP_GET_MODE, OP_GET_INFO = 1, 2, 3


def serve(conn, log, modes):
    while True:
        try:
            data, anc, _flags, _addr = conn.recvmsg(64, socket.CMSG_SPACE(16 * 4))
        except OSError:
            return
        if not data:
            return
        fds = []
        for level, typ, cdata in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                n = len(cdata) // 4
                fds.extend(struct.unpack("%di" % n, cdata[: n * 4]))
        pid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[0]
        if len(data) != REQ.size:
            log.write("bad pid=%d len=%d\n" % (pid, len(data)))
            log.flush()
            for fd in fds:
                os.close(fd)
            return
        magic, version, op, mode, _res = REQ.unpack(data)
        cookie = family = typ = proto = -1
        local = bytes(16)
        if len(fds) == 1:
            s = socket.socket(fileno=fds[0])
            cookie = struct.unpack("=Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]
            family = s.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN)
            typ = s.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
            proto = s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL)
            if family == socket.AF_INET6:
                try:
                    local = socket.inet_pton(socket.AF_INET6, s.getsockname()[0])
                except OSError:
                    pass
            s.close()
        else:
            for fd in fds:
                os.close(fd)
        log.write("req pid=%d op=%d mode=%d nfds=%d cookie=%d family=%d type=%d proto=%d\n"
                  % (pid, op, mode, len(fds), cookie, family, typ, proto))
        log.flush()
        status = 0
        if magic != MAGIC or version != VERSION or len(fds) != 1:
            status = 71  # EPROTO
        elif op == OP_SET_MODE:
            modes[cookie] = mode
        rmode = modes.get(cookie, 0) if op == OP_GET_MODE else 0
        conn.send(REPLY.pack(MAGIC, VERSION, op, status, rmode, 1 if rmode else 0,
                             local if op == OP_GET_INFO else bytes(16), bytes(16), 0))


def main():
    path, logpath = sys.argv[1], sys.argv[2]
    hang = "--hang" in sys.argv[3:]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    lst.bind(path + ".tmp")
    lst.listen(64)
    os.rename(path + ".tmp", path)  # appears only once it is listening
    modes = {}
    held = []
    with open(logpath, "a") as log:
        while True:
            conn, _ = lst.accept()
            if hang:
                held.append(conn)  # never answered, never closed
                continue
            conn.settimeout(2)
            try:
                serve(conn, log, modes)
            finally:
                conn.close()


if __name__ == "__main__":
    main()
