"""Reports its terminal's size: at start ("size COLSxROWS"), on SIGWINCH ("winch
COLSxROWS") and again ("size ...") for every line typed at it.

Waits with select() on stdin and a signal wake-up pipe (see interactive.py for why).
"""
import os
import select
import signal
import sys


def report(what):
    size = os.get_terminal_size(sys.stdout.fileno())
    print("%s %dx%d" % (what, size.columns, size.lines), flush=True)


wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
signal.signal(signal.SIGWINCH, lambda signum, frame: report("winch"))
report("size")
print("ready", flush=True)
while True:
    ready, _, _ = select.select([sys.stdin, wake_r], [], [])
    if wake_r in ready:
        os.read(wake_r, 512)
    if sys.stdin in ready:
        if not sys.stdin.readline():
            break
        report("size")
