"""Prints 'ready' and waits for the runner to send a signal to its direct child.

mode kbd-uncaught: KeyboardInterrupt propagates (re-raised at a fixed line so the traceback is
    deterministic); python3 then dies by SIGINT.
mode kbd-caught: KeyboardInterrupt is handled; status 0.
mode default: the signal's default action ends the program.
mode handler: a Python handler for the signal runs.
"""
import signal
import sys
import time

mode = sys.argv[1]


class Got(Exception):
    pass


def handler(signum, frame):
    raise Got(signal.Signals(signum).name)


if mode == "handler":
    for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, handler)
interrupted = False
try:
    print("ready", flush=True)
    time.sleep(60)
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
