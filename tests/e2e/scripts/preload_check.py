"""Tells whether numpy was imported before this script ran (preloaded by a zygote),
then imports it and waits for a line."""
import os
import sys

print("numpy preloaded: %s" % ("numpy" in sys.modules), flush=True)
import numpy  # noqa: E402

print("numpy works: %s" % (numpy.arange(4).sum() == 6), flush=True)
print("ppid=%d" % os.getppid(), flush=True)
print("ready", flush=True)
sys.stdin.readline()
