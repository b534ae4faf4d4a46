"""Writes many lines as fast as it can, then a last line, and ends with status 9 at
once: the last output must still reach an attached client before its exit status."""
import sys

for i in range(5000):
    sys.stdout.write("line %d of the burst\n" % i)
sys.stdout.write("last line of the burst\n")
sys.stdout.flush()
sys.exit(9)
