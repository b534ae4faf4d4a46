"""Ends with status N ("exit N"), or killed by signal N ("signal N"), as argv says."""
import os
import sys

how, number = sys.argv[1], int(sys.argv[2])
print("ending: %s %d" % (how, number), flush=True)
if how == "signal":
    os.kill(os.getpid(), number)
sys.exit(number)
