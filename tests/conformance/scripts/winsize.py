"""Terminal size as the program sees it; with 'resize', waits for SIGWINCH and reports the new size."""
import os
import shutil
import signal
import sys

sizes = []
for fd in (0, 1, 2):
    try:
        sizes.append(tuple(os.get_terminal_size(fd)))
    except OSError as exc:
        sizes.append(exc.errno)
print("sizes", sizes, "shutil", tuple(shutil.get_terminal_size()))
if sys.argv[1:] == ["resize"]:
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGWINCH])
    print("ready", flush=True)
    info = signal.sigtimedwait([signal.SIGWINCH], 30)
    print("SIGWINCH" if info else "no SIGWINCH", tuple(os.get_terminal_size(1)))
