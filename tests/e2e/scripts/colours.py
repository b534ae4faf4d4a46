"""Prints "line 1" .. "line 40", a line with red and bold words, and "ready", then exits
with status 0 (or waits for a line of input first with --stay, then exits)."""
import sys

for i in range(1, 41):
    print("line %d" % i)
print("\x1b[31mred text\x1b[0m plain \x1b[1mbold\x1b[0m")
print("ready", flush=True)
if "--stay" in sys.argv:
    sys.stdin.readline()
