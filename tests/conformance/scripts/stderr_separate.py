"""Stdout and stderr interleaved in the program; each must stay whole and in order."""
import sys

for i in range(5):
    print("out", i)
    print("err", i, file=sys.stderr)
    sys.stderr.write("err-write %d\n" % i)
sys.stdout.write("out without newline")
sys.stderr.write("err without newline")
