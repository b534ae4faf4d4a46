"""Writes BYTES bytes of 100-byte numbered lines to its terminal, then "flood done" and
exits 0. Line i is "%08d " % i, then 'x' up to 99 bytes, then "\n".

--raw: output processing off first (no "\n" -> "\r\n"), so the terminal carries exactly
the bytes written (for comparing a log with them).
--go: print "waiting" and wait for a line of input before writing (so a test can attach
and stop a client first).
--stay: after "flood done", wait for a line of input before exiting (so the session is
still running when a test reads its screen).
"""
import os
import sys
import termios

total = int(sys.argv[1])
raw = "--raw" in sys.argv
go = "--go" in sys.argv
out = sys.stdout.fileno()
if raw:
    attrs = termios.tcgetattr(out)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(out, termios.TCSANOW, attrs)
if go:
    os.write(out, b"waiting\n")
    sys.stdin.readline()


def line(i):
    return b"%08d " % i + b"x" * 90 + b"\n"


written = 0
i = 0
while written < total:
    block = b"".join(line(n) for n in range(i, i + 1000))
    block = block[: total - written]
    view = memoryview(block)
    while view:
        view = view[os.write(out, view):]
    written += len(block)
    i += 1000
os.write(out, b"flood done\n")
if "--stay" in sys.argv:
    sys.stdin.readline()
