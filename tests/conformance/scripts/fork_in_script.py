"""os.fork inside the script, with the script's own at-fork hooks (and nobody else's)."""
import os
import sys

parent = os.getpid()
os.register_at_fork(before=lambda: print("hook before", flush=True),
                    after_in_parent=lambda: print("hook after in parent", flush=True),
                    after_in_child=lambda: print("hook after in child", flush=True))
print("forking", flush=True)
pid = os.fork()
if pid == 0:
    print("child: parent is", "the script" if os.getppid() == parent else "someone else", flush=True)
    os._exit(3)
_, status = os.waitpid(pid, 0)
print("child status", os.waitstatus_to_exitcode(status))
sys.stdout.flush()
