"""Started with file descriptor 0 closed: python3 sets sys.stdin to None."""
import os
import sys

print("stdin", sys.stdin, sys.__stdin__)
try:
    os.fstat(0)
    print("fd 0 is open:", os.readlink("/proc/self/fd/0").split(":")[0])
except OSError as exc:
    print("fd 0:", exc.strerror)
