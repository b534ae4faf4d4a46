"""isatty() must answer the truth for each of stdin, stdout, stderr."""
import os
import sys

print("sys", [s.isatty() for s in (sys.stdin, sys.stdout, sys.stderr)])
print("os", [os.isatty(fd) for fd in (0, 1, 2)])
names = []
for fd in (0, 1, 2):
    try:
        names.append(os.ttyname(fd).startswith("/dev/pts/"))
    except OSError as exc:
        names.append(exc.errno)
print("ttyname", names)
