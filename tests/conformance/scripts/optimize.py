"""-O removes asserts and __debug__ code; -OO also docstrings."""


def documented():
    """a docstring"""


print("debug", __debug__, "doc", documented.__doc__, "module doc", __doc__ is not None)
if __debug__:
    print("in a __debug__ block")
assert False, "assertion raised"
print("assert skipped")
