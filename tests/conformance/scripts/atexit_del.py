"""atexit handlers (LIFO), then __del__ of objects the script created, at a normal exit."""
import atexit
import sys


class Noisy:
    def __init__(self, name):
        self.name = name

    def __del__(self):
        print("__del__", self.name)
        sys.stderr.write("__del__ on stderr %s\n" % self.name)


class Cycle:
    def __init__(self):
        self.me = self

    def __del__(self):
        print("__del__ of a cycle member")


atexit.register(print, "atexit registered first")
atexit.register(lambda: print("atexit registered second"))
atexit.register(sys.stderr.write, "atexit on stderr\n")
kept = Noisy("global")
also = [Noisy("in a list")]
c = Cycle()
del c
print("main done")
