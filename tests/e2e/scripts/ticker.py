"""Prints "started pid=N", then "tick N" every 0.2 s until interrupted: a job to stop,
continue and interrupt from a shell."""
import itertools
import os
import time

print("started pid=%d" % os.getpid(), flush=True)
for n in itertools.count():
    print("tick", n, flush=True)
    time.sleep(0.2)
