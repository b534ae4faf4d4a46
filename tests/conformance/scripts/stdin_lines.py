"""Reads text lines from stdin until EOF (line by line), then checks EOF stays EOF."""
import sys

print("ready", flush=True)
count = 0
for line in sys.stdin:
    count += 1
    print("line %d: %r" % (count, line))
print("lines", count)
print("again", repr(sys.stdin.read()), repr(sys.stdin.readline()))
