# Fork floor of a loaded interpreter, measured from inside Python.
#
#   python3 fork_probe.py [--runs N] MODULE...
#
# Imports the modules, then does what the zygote does before a fork (gc.collect, gc.freeze)
# and times, N times each:
#   fork_exit_wait_ms  os.fork() in the parent until os.waitpid() returns; the child calls
#                      os._exit(0) at once (so: page-table copy, child start, exit, unmap, reap)
#   fork_to_child_ms   os.fork() in the parent until the child's first statement runs (the
#                      child reads CLOCK_MONOTONIC and sends it back through a pipe)
# Prints one JSON object on stdout: modules, rss_kb (VmRSS before forking) and both lists.
import gc
import importlib
import json
import os
import sys
import time


def rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fork_exit_wait(runs):
    samples = []
    for _ in range(runs + 1):  # the first one is a warm-up
        t0 = time.monotonic_ns()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        samples.append((time.monotonic_ns() - t0) / 1e6)
    return samples[1:]


def fork_to_child(runs):
    samples = []
    r, w = os.pipe()
    for _ in range(runs + 1):
        t0 = time.monotonic_ns()
        pid = os.fork()
        if pid == 0:
            os.write(w, time.monotonic_ns().to_bytes(8, "little"))
            os._exit(0)
        started = int.from_bytes(os.read(r, 8), "little")
        os.waitpid(pid, 0)
        samples.append((started - t0) / 1e6)
    os.close(r)
    os.close(w)
    return samples[1:]


def main(args):
    runs = 30
    if args[:1] == ["--runs"]:
        runs, args = int(args[1]), args[2:]
    for name in args:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    result = {"modules": args, "rss_kb": rss_kb(),
              "fork_exit_wait_ms": fork_exit_wait(runs),
              "fork_to_child_ms": fork_to_child(runs)}
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
