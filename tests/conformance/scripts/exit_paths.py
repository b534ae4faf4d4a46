"""Exit status and output when the end comes from various places: an exception in __del__ at
exit, output written by an atexit handler to a closed-over stream, sys.exit inside a thread."""
import atexit
import sys
import threading


class Raises:
    def __del__(self):
        raise ValueError("raised in __del__")


def thread_exit():
    sys.exit(9)  # only ends the thread


t = threading.Thread(target=thread_exit)
t.start()
t.join()
obj = Raises()
del obj
atexit.register(sys.stdout.write, "atexit writes without newline")
print("main done")
sys.exit(int(sys.argv[1]) if sys.argv[1:] else 0)
