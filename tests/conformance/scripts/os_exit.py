"""os._exit(N): no cleanup, so unflushed stdout is lost on a pipe (kept on a line-buffered tty)."""
import atexit
import os
import sys

atexit.register(print, "atexit must not run")
print("flushed line", flush=True)
print("unflushed line")
sys.stdout.write("partial without newline")
sys.stderr.write("stderr is line buffered\n")
os._exit(int(sys.argv[1]))
