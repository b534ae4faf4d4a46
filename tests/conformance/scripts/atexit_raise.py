"""An atexit handler that raises: reported, status unchanged; the others still run."""
import atexit
import sys


def bad():
    raise RuntimeError("atexit handler failed")


atexit.register(print, "atexit still runs")
atexit.register(bad)
print("main done")
sys.exit(4)
