"""Dies by the signal named on the command line, sent to itself."""
import os
import signal
import sys

sig = getattr(signal, sys.argv[1])
print("about to die by", sys.argv[1], flush=True)
print("unflushed before death")
os.kill(os.getpid(), sig)
signal.pause()
