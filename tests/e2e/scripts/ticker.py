"""Prints "started pid=N", then "tick N" every 0.1 s, "tick 0" to "tick COUNT-1" (argv[1]),
then "done": a job to stop and continue from a shell, which ends by itself."""
import os
import sys
import time

print("started pid=%d" % os.getpid(), flush=True)
for n in range(int(sys.argv[1])):
    print("tick", n, flush=True)
    time.sleep(0.1)
print("done", flush=True)
