"""Waits for a line; Ctrl-C at the terminal must reach it as KeyboardInterrupt.

Waits with select() on stdin and a signal wake-up pipe (see interactive.py for why).
"""
import os
import select
import signal
import sys

wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
try:
    print("ready", flush=True)  # inside the try: Ctrl-C may come right after it
    while sys.stdin not in select.select([sys.stdin, wake_r], [], [])[0]:
        os.read(wake_r, 512)
    sys.stdin.readline()
    print("no interrupt", flush=True)
except KeyboardInterrupt:
    print("caught KeyboardInterrupt", flush=True)
sys.exit(0)
