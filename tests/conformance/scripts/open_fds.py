"""The file descriptors the program starts with, and what they are (kinds, not inode numbers)."""
import os

fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
seen = {}
for fd in fds:
    try:
        target = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        print(fd, "closed (the listing itself)")
        continue
    kind = target.split(":")[0] if ":" in target else (
        "pts" if target.startswith("/dev/pts/") else target)
    same = seen.setdefault(target, fd)
    flags = os.get_inheritable(fd), bool(os.get_blocking(fd))
    print(fd, kind, "same object as fd %d" % same if same != fd else "", flags)
