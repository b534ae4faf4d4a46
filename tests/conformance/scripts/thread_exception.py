"""An exception in a thread: threading.excepthook output; the program still exits 0."""
import threading


def fails():
    raise RuntimeError("raised in a thread")


t = threading.Thread(target=fails, name="failing-thread")
t.start()
t.join()
print("main continues after thread failure")
