"""Reads a line from a terminal stdin with sys.stdin.readline (canonical mode, echo)."""
import sys

print("type something:", flush=True)
line = sys.stdin.readline()
print("got", repr(line))
