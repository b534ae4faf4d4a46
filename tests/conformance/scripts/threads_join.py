"""Non-daemon threads are joined at exit (before atexit); daemon threads are not waited for."""
import atexit
import threading
import time

go = threading.Event()
lock = threading.Lock()


def worker(n):
    go.wait()
    time.sleep(0.05 * (n + 1))  # still running when the main thread ends
    with lock:
        print("worker", n, "done", flush=True)


def daemon():
    threading.Event().wait()  # never set


atexit.register(print, "atexit after threads joined")
threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
for t in threads:
    t.start()
threading.Thread(target=daemon, daemon=True).start()
print("main thread done", threading.active_count(), flush=True)
go.set()
