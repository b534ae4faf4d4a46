"""An ExceptionGroup with a note, uncaught (3.11 traceback formatting)."""
print("start")


def boom():
    err = ExceptionGroup("several things", [ValueError("one"), TypeError("two")])
    err.add_note("a note added to the group")
    raise err


boom()
