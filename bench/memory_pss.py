"""Memory of idle preloaded sessions against fresh interpreters, as PSS from /proc.

Starts N sessions (`pyattach new -d`) whose program imports the heavy module (torch, else
numpy) and waits in input(), allocating nothing new, then N plain `python3 -c 'import torch;
input()'` processes, and compares the total PSS (proportional set size: shared pages split
among the processes sharing them) of each group.  The pyattach total counts the zygote's
whole process tree: the zygote, its idle pre-forked children and the N sessions.

Before the sessions, --runs-first N (default 5) `pyattach run` calls of hello.py end, as in
a profile in use: ended programs teach the pool which pages to copy ahead (the zygote's
PageLearner), and each pooled child and session then holds those pages too.

Usage:  python3 bench/memory_pss.py [--pyattach build/bin/pyattach] [--python /usr/bin/python3]
                                    [--sessions 10] [--module torch] [--runs-first 5]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 300.0


def pss_kb(pid):
    """Pss of one process, or 0 if it is gone."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid):
    """pid and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids


def wait_for_files(paths):
    """Until every program has written its file (its imports are done)."""
    deadline = time.monotonic() + TIMEOUT
    while not all(os.path.exists(p) for p in paths):
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the programs to be ready")
        time.sleep(0.05)


def default_module(python):
    ok = subprocess.run([python, "-c", "import torch"], stderr=subprocess.DEVNULL).returncode == 0
    return "torch" if ok else "numpy"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--pyattach", default=os.path.join(here, "..", "build", "bin", "pyattach"))
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--module", default=None)
    parser.add_argument("--runs-first", type=int, default=5)
    args = parser.parse_args()
    module = args.module or default_module(args.python)
    work = tempfile.mkdtemp(prefix="pyattach-memory-")
    env = dict(os.environ, PYATTACH_DIR=os.path.join(work, "broker"))
    program = "import %s, sys; open(sys.argv[1], 'w').close(); input()" % module
    plain = []
    try:
        subprocess.run([args.pyattach, "warm", "--python", args.python, "--preload", module],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        for _ in range(args.runs_first):
            subprocess.run([args.pyattach, "run", "--python", args.python, "--preload", module,
                            "--", os.path.join(here, "hello.py"), module],
                           env=env, check=True, stdout=subprocess.DEVNULL)
        ready = [os.path.join(work, "session-%d" % i) for i in range(args.sessions)]
        for i, path in enumerate(ready):
            subprocess.run([args.pyattach, "new", "-d", "-n", "m%d" % i, "--python", args.python,
                            "--preload", module, "--", "-c", program, path], env=env, check=True)
        wait_for_files(ready)
        profiles = json.loads(subprocess.run([args.pyattach, "profiles", "--json"], env=env,
                                             check=True, capture_output=True).stdout)
        zygote = profiles["profiles"][0]["pid"]
        pool = profiles["profiles"][0].get("pool", 0)
        # The pool refills in the background after the last session took a child: count
        # it full (the zygote, the sessions and `pool` idle children), once its children
        # have rehearsed (their memory grows by less than 0.5 % in half a second).
        deadline = time.monotonic() + TIMEOUT
        while len(tree(zygote)) < 1 + args.sessions + pool and time.monotonic() < deadline:
            time.sleep(0.05)
        ours, previous = 0, -1
        while abs(ours - previous) > ours / 200 and time.monotonic() < deadline:
            previous = ours
            time.sleep(0.5)
            pids = tree(zygote)
            ours = sum(pss_kb(p) for p in pids)
        sessions = len(pids) - 1

        ready = [os.path.join(work, "plain-%d" % i) for i in range(args.sessions)]
        for path in ready:
            plain.append(subprocess.Popen([args.python, "-c", program, path],
                                          stdin=subprocess.PIPE))
        wait_for_files(ready)
        theirs = sum(pss_kb(p.pid) for p in plain)
        print("| what | processes | total PSS MiB |")
        print("|---|---:|---:|")
        print("| %d × `python3 -c 'import %s; input()'` | %d | %.0f |"
              % (args.sessions, module, args.sessions, theirs / 1024))
        print("| %d idle `pyattach new --preload %s` sessions + zygote + its pool | %d | %.0f |"
              % (args.sessions, module, sessions + 1, ours / 1024))
        print("| ratio | | %.1f%% |" % (100.0 * ours / theirs))
    finally:
        for p in plain:
            p.kill()
            p.wait()
        subprocess.run([args.pyattach, "kill-server"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
