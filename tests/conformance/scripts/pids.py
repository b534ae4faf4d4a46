"""Process identity: pid, ppid and values derived from them (printed as JSON)."""
import json
import os
import threading

print(json.dumps({
    "pid": os.getpid(),
    "ppid": os.getppid(),
    "pgrp_is_pid": os.getpgrp() == os.getpid(),
    "sid_is_pid": os.getsid(0) == os.getpid(),
    "proc_self": int(os.readlink("/proc/self")) == os.getpid(),
    "native_id": threading.get_native_id() == os.getpid(),
    "main_native_id": threading.main_thread().native_id == os.getpid(),
    "main_ident": threading.main_thread().ident == threading.get_ident(),
    "is_main": threading.current_thread() is threading.main_thread(),
    "threads": threading.active_count(),
    "tasks": len(os.listdir("/proc/self/task")),
}))
