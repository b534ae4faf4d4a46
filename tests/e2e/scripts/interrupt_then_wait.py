"""Prints "ready", turns the first Ctrl-C into "caught", then waits forever: whatever ends
it afterwards is a signal from outside.

It waits in select() on a signal wake-up pipe, not in signal.pause(): CPython runs a
Python-level handler only between bytecodes, so a Ctrl-C that came just before pause()
started would never print "caught".
"""
import os
import select
import signal
import sys

wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)

caught = []
signal.signal(signal.SIGINT, lambda *_: (caught.append(1), print("caught", flush=True)))
print("ready", flush=True)
while True:
    select.select([wake_r], [], [])
    os.read(wake_r, 512)
