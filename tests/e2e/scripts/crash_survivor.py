"""A program that outlives its broker: the broker-crash tests kill the broker under it.

Prints "started pid=N" and "ready", then echoes each line typed at it ("got: LINE").
SIGUSR1: prints "while away 1".."while away 3", then creates the file named by argv[1],
so a test knows that output was written (while no broker ran) without reading it.
SIGUSR2: prints "leaving" and exits with status 3.
"""
import os
import select
import signal
import sys

marker = sys.argv[1]
wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)


def on_usr1(signum, frame):
    for n in (1, 2, 3):
        print("while away %d" % n, flush=True)
    with open(marker + ".tmp", "w"):
        pass
    os.rename(marker + ".tmp", marker)


def on_usr2(signum, frame):
    print("leaving", flush=True)
    sys.exit(3)


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGUSR2, on_usr2)
print("started pid=%d" % os.getpid(), flush=True)
print("ready", flush=True)
while True:
    # select() on stdin and the wake-up pipe: a signal handler runs as soon as it comes.
    ready, _, _ = select.select([sys.stdin, wake_r], [], [])
    if wake_r in ready:
        os.read(wake_r, 512)
    if sys.stdin in ready:
        line = sys.stdin.readline()
        if not line:
            print("eof", flush=True)
            sys.exit(0)
        print("got: " + line.rstrip("\n"), flush=True)
