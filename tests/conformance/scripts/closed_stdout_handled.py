"""The Python docs' recipe for a consumer that stops reading early."""
import os
import sys

try:
    for i in range(10 ** 6):
        print("line", i)
    sys.stdout.flush()
except BrokenPipeError:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    print("broken pipe handled", file=sys.stderr)
    sys.exit(1)
