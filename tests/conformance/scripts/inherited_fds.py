"""Started with fds 3 (a file, truncated) and 7 (a file, appending) open, as `3>a 7>>b`
in a shell: python3 inherits them at their numbers, and its children can inherit them too."""
import fcntl
import os
import subprocess
import sys


def inheritable_fds():
    found = []
    for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
        try:
            if fd > 2 and os.get_inheritable(fd):
                found.append(fd)
        except OSError:
            pass  # the listing's own fd, closed by now
    return found


print("inherited", inheritable_fds())
for fd in (3, 7):
    print(fd, "append" if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND else "no append",
          "inheritable" if os.get_inheritable(fd) else "close-on-exec")
os.write(3, b"written to fd 3\n")
with open(7, "w", closefd=False) as f:
    f.write("written to fd 7 through a file object\n")
subprocess.run([sys.executable, "-c", "import os; os.write(7, b'a child wrote fd 7\\n')"],
               pass_fds=(7,), check=True)
print("done")
