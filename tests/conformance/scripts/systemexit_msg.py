"""raise SystemExit("msg") from inside a function."""
import sys


def leave():
    print("leaving", flush=True)
    raise SystemExit("SystemExit message \u2192 stderr")


try:
    leave()
finally:
    sys.stderr.write("finally before exit\n")
