"""Warnings go to stderr, formatted with the source line, each location once."""
import warnings


def f():
    warnings.warn("from a function", RuntimeWarning)


warnings.warn("user warning text")
warnings.warn("deprecated thing", DeprecationWarning)
warnings.warn("pending thing", PendingDeprecationWarning)
f()
f()
unclosed = open(__file__)
del unclosed
print("done")
