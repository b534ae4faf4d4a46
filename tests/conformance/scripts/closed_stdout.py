"""Keeps writing after the consumer closed the pipe: BrokenPipeError, as python3 reports it."""
import sys

line = "x" * 99 + "\n"
for i in range(10 ** 6):
    sys.stdout.write(line)
print("not reached", file=sys.stderr)
