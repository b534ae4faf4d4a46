"""For `pyattach run` tests: reports what a script can observe about its start, echoes
its stdin, and ends as its first argument says."""
import os
import sys

print("argv", sys.argv)
print("path0", sys.path[0])
print("cwd", os.getcwd())
print("env", os.environ.get("RUN_PROBE", "<unset>"))
print("tty", sys.stdin.isatty(), sys.stdout.isatty(), sys.stderr.isatty())
print("stderr line", file=sys.stderr)
data = sys.stdin.read() if not sys.stdin.isatty() else ""
print("stdin", len(data), data[:20])
how = sys.argv[1] if len(sys.argv) > 1 else "0"
if how.startswith("signal"):
    os.kill(os.getpid(), int(how[len("signal"):]))
sys.exit(int(how))
