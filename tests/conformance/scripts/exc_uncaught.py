"""An uncaught, chained exception: traceback on stderr and status 1."""
import sys


def inner(x):
    return 1 / x


def outer():
    try:
        inner(0)
    except ZeroDivisionError as exc:
        raise ValueError("bad value \u00fcn\u00efcode") from exc


print("before the exception")
sys.stdout.flush()
outer()
print("not reached")
