#!/usr/bin/env python3
# vm-ctl-fakeqemu.py RUNDIR NAME XML [--pty]: stands for a running QEMU in
# the run directory's layout (vu/qemurun.h), for tests of what vm-ctl reads
# there without booting anything: RUNDIR/NAME.pid locked with lockf as
# QEMU's -pidfile is, and XML as the live XML RUNDIR/NAME.xml. With --pty it
# also holds a pty as QEMU's serial chardev does, its path in place of
# @PTY@ in the XML: it writes "FAKE: ready" there, answers each chunk it
# reads with "FAKE: got <chunk>", and closes it (a hangup) on SIGUSR1.
# SIGTERM ends it. Prints "ready" on stdout once all is in place.
import fcntl, os, signal, sys, termios, time, tty

rundir, name, xml = sys.argv[1:4]
use_pty = "--pty" in sys.argv[4:]
os.makedirs(rundir, mode=0o700, exist_ok=True)
pidfd = os.open(f"{rundir}/{name}.pid", os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(pidfd, fcntl.LOCK_EX)
os.ftruncate(pidfd, 0)
os.write(pidfd, f"{os.getpid()}\n".encode())
text = open(xml).read()
master = None
if use_pty:
    master, slave = os.openpty()
    tty.setraw(slave)
    text = text.replace("@PTY@", os.ttyname(slave))
with open(f"{rundir}/{name}.xml", "w") as f:
    f.write(text)
os.chmod(f"{rundir}/{name}.xml", 0o600)

def hangup(*_):
    global master
    if master is not None:
        os.close(master)
        master = None

signal.signal(signal.SIGUSR1, hangup)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
if master is not None:
    os.write(master, b"FAKE: ready\r\n")
while True:
    if master is None:
        time.sleep(0.1)
        continue
    try:
        data = os.read(master, 4096)
    except OSError:
        # EIO while nobody has the console open; or closed by SIGUSR1.
        time.sleep(0.05)
        continue
    if data and master is not None:
        os.write(master, b"FAKE: got " + data + b"\r\n")
