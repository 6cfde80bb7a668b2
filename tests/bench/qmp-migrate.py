#!/usr/bin/env python3
"""The floor of vm-migrate's live bench: the same live migration driven
directly over QMP, nothing checked. Usage:
  qmp-migrate.py SRC_QMP DEST_QMP [--storage] -- ARGV_FILE
Starts the destination QEMU (its argv one argument a line in ARGV_FILE,
with -daemonize; -incoming defer is added), migrates the running source into it over TCP (with
--storage: its disks through the destination's NBD server and
blockdev-mirror, switched over at pre-switchover), conts the destination
and quits the source. Prints the downtime QEMU measured."""
import json, socket, subprocess, sys, time

class QMP:
    def __init__(self, path):
        for _ in range(300):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.01)
        self.f = self.s.makefile("rw")
        self.f.readline()
        self.cmd("qmp_capabilities")

    def cmd(self, _name, **args):
        self.f.write(json.dumps({"execute": _name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            m = json.loads(self.f.readline())
            if "return" in m:
                return m["return"]
            if "error" in m:
                raise RuntimeError(_name + ": " + m["error"]["desc"])

def nodes(q):
    return [b["inserted"]["node-name"] for b in q.cmd("query-block")
            if "inserted" in b and not b["inserted"]["ro"]]

def main():
    sep = sys.argv.index("--")
    src_path, dst_path = sys.argv[1], sys.argv[2]
    storage = "--storage" in sys.argv[3:sep]
    with open(sys.argv[sep + 1]) as f:
        argv = f.read().splitlines()
    subprocess.run(argv + ["-incoming", "defer"], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)
    t0 = time.time()
    dst, src = QMP(dst_path), QMP(src_path)
    sys.stderr.write("connected %.2f\n" % (time.time() - t0))
    dst.cmd("migrate-set-capabilities", capabilities=[
        {"capability": "events", "state": True},
        {"capability": "late-block-activate", "state": True}])
    if storage:
        dst.cmd("nbd-server-start", addr={"type": "inet",
                                          "data": {"host": "127.0.0.1", "port": "49300"}})
        for i, n in enumerate(nodes(dst)):
            dst.cmd("block-export-add", type="nbd", id="e%d" % i, **{"node-name": n},
                    writable=True, name="e%d" % i)
    dst.cmd("migrate-incoming", uri="tcp:127.0.0.1:49301")
    jobs = 0
    if storage:
        for i, n in enumerate(nodes(src)):
            src.cmd("blockdev-add", driver="nbd", **{"node-name": "t%d" % i},
                    server={"type": "inet", "host": "127.0.0.1", "port": "49300"},
                    export="e%d" % i)
            src.cmd("blockdev-mirror", **{"job-id": "m%d" % i}, device=n,
                    target="t%d" % i, sync="full")
            jobs += 1
        while sum(j["ready"] for j in src.cmd("query-block-jobs")) < jobs:
            time.sleep(0.005)
    src.cmd("migrate-set-capabilities", capabilities=[
        {"capability": "events", "state": True},
        {"capability": "pause-before-switchover", "state": True}])
    src.cmd("migrate-set-parameters", **{"max-bandwidth": 2**63 - 1})
    sys.stderr.write("migrate at %.2f\n" % (time.time() - t0))
    src.cmd("migrate", uri="tcp:127.0.0.1:49301")
    while True:
        info = src.cmd("query-migrate")
        if info["status"] == "pre-switchover":
            for i in range(jobs):
                src.cmd("block-job-cancel", device="m%d" % i)
            while src.cmd("query-block-jobs"):
                time.sleep(0.005)
            src.cmd("migrate-continue", state="pre-switchover")
        elif info["status"] == "completed":
            break
        elif info["status"] in ("failed", "cancelled"):
            sys.exit("migration " + info["status"])
        time.sleep(0.005)
    sys.stderr.write("src completed %.2f\n" % (time.time() - t0))
    while dst.cmd("query-migrate")["status"] != "completed":
        time.sleep(0.005)
    if storage:
        dst.cmd("nbd-server-stop")
    dst.cmd("cont")
    src.cmd("quit")
    print("downtime %d ms" % info.get("downtime", -1))

main()
