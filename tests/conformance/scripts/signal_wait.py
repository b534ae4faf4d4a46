"""Prints 'ready' and waits for the runner to send a signal to its direct child.

mode kbd-uncaught: KeyboardInterrupt propagates (re-raised at a fixed line so the traceback is
    deterministic); python3 then dies by SIGINT.
mode kbd-caught: KeyboardInterrupt is handled; status 0.
mode default: the signal's default action ends the program.
mode handler: a Python handler for the signal runs.

It waits in select() on a signal wake-up pipe, not in time.sleep(): CPython runs a
Python-level handler (KeyboardInterrupt's too) only between bytecodes, so a signal that
came just after print() and before the sleep began would go unnoticed for the whole sleep.
"""
import os
import select
import signal
import sys

mode = sys.argv[1]


class Got(Exception):
    pass


def handler(signum, frame):
    raise Got(signal.Signals(signum).name)


if mode == "handler":
    for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, handler)
wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
interrupted = False
try:
    print("ready", flush=True)
    if select.select([wake_r], [], [], 60)[0]:
        os.read(wake_r, 512)  # the handler runs at the next bytecode
    print("timed out waiting for a signal")
except KeyboardInterrupt:
    interrupted = True
except Got as exc:
    print("handler got", exc)
if interrupted and mode == "kbd-caught":
    print("caught KeyboardInterrupt")
    sys.exit(0)
if interrupted:
    raise KeyboardInterrupt
