"""/dev/tty (the controlling terminal) and whether we are in its foreground process group."""
import os

try:
    fd = os.open("/dev/tty", os.O_RDWR)
except OSError as exc:
    print("/dev/tty:", exc.strerror)
else:
    os.write(fd, b"written to /dev/tty\r\n")
    print("/dev/tty opened; foreground:", os.tcgetpgrp(fd) == os.getpgrp())
    os.close(fd)
for fd in (0, 1, 2):
    try:
        print(fd, "foreground" if os.tcgetpgrp(fd) == os.getpgrp() else "background")
    except OSError as exc:
        print(fd, exc.strerror)
