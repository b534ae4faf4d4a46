"""os.fork inside the script, with the script's own at-fork hooks (and nobody else's).

The child waits on a pipe until the parent has printed, so that the order of the lines
does not depend on which process the kernel runs first.
"""
import os
import sys

parent = os.getpid()
in_child = []
os.register_at_fork(before=lambda: print("hook before", flush=True),
                    after_in_parent=lambda: print("hook after in parent", flush=True),
                    after_in_child=lambda: in_child.append("hook after in child"))
print("forking", flush=True)
ready_r, ready_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(ready_w)
    os.read(ready_r, 1)
    print(*in_child, flush=True)
    print("child: parent is", "the script" if os.getppid() == parent else "someone else", flush=True)
    os._exit(3)
os.write(ready_w, b"x")
_, status = os.waitpid(pid, 0)
print("child status", os.waitstatus_to_exitcode(status))
sys.stdout.flush()
