"""Restores the default SIGPIPE action, so an early-closing consumer kills us by SIGPIPE."""
import signal
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)
for i in range(10 ** 6):
    sys.stdout.write("y" * 99 + "\n")
print("not reached", file=sys.stderr)
