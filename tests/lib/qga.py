#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run one shell command in a VM through its QEMU guest agent.

    qga.py SOCKET [-t SECONDS] [-i] [--ping] -- COMMAND

COMMAND runs as root under /bin/sh -c in the guest; its stdout and stderr
are printed here and its exit status is ours. -i: our stdin becomes its
stdin (how files are put into a guest). --ping: exit 0 once the agent
answers. Exit 124: no answer within SECONDS (default 60), 125: the agent
could not be reached or refused the command.
"""
import base64
import json
import os
import random
import socket
import sys
import time


class Agent:
    def __init__(self, path, deadline):
        self.deadline = deadline
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(max(0.1, deadline - time.monotonic()))
        self.sock.connect(path)
        self.buf = b""
        # a reply left over from an earlier client is skipped: guest-sync
        # returns our own id once everything before it has been answered
        sid = random.randrange(1, 2**31)
        self.send("guest-sync", {"id": sid})
        while self.reply().get("return") != sid:
            pass

    def send(self, cmd, args=None):
        msg = {"execute": cmd}
        if args is not None:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def reply(self):
        while b"\n" not in self.buf:
            self.sock.settimeout(max(0.1, self.deadline - time.monotonic()))
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("agent closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.strip().lstrip(b"\xff")
        return json.loads(line) if line else {}

    def call(self, cmd, args=None):
        self.send(cmd, args)
        r = self.reply()
        if "error" in r:
            raise RuntimeError("%s: %s" % (cmd, r["error"].get("desc")))
        return r.get("return")


def run(agent, command, stdin):
    args = {"path": "/bin/sh", "arg": ["-c", command], "capture-output": True}
    if stdin is not None:
        args["input-data"] = base64.b64encode(stdin).decode()
    pid = agent.call("guest-exec", args)["pid"]
    while True:
        st = agent.call("guest-exec-status", {"pid": pid})
        if st.get("exited"):
            break
        if time.monotonic() > agent.deadline:
            return 124
        time.sleep(0.1)
    for key, out in (("out-data", sys.stdout), ("err-data", sys.stderr)):
        if key in st:
            out.buffer.write(base64.b64decode(st[key]))
            out.flush()
    if "exitcode" in st:
        return st["exitcode"]
    return 128 + st.get("signal", 0)


def main(argv):
    timeout, feed, ping = 60.0, False, False
    path = argv[1] if len(argv) > 1 else None
    rest = argv[2:]
    while rest and rest[0] != "--":
        opt = rest.pop(0)
        if opt == "-t" and rest:
            timeout = float(rest.pop(0))
        elif opt == "-i":
            feed = True
        elif opt == "--ping":
            ping = True
        else:
            path = None
            break
    if path is None or (not ping and len(rest) < 2):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    deadline = time.monotonic() + timeout
    stdin = sys.stdin.buffer.read() if feed else None
    try:
        agent = Agent(path, deadline)
        if ping:
            agent.call("guest-ping")
            return 0
        return run(agent, " ".join(rest[1:]), stdin)
    except socket.timeout:
        print("qga: no answer from %s within %gs" % (path, timeout), file=sys.stderr)
        return 124
    except (OSError, ConnectionError, RuntimeError, ValueError) as e:
        print("qga: %s: %s" % (path, e), file=sys.stderr)
        return 125


if __name__ == "__main__":
    sys.exit(main(sys.argv))
