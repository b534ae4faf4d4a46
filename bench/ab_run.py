"""Warm `pyattach run` latency of two builds, interleaved run by run, so that the load of a
shared machine hits both alike (a change worth a few tenths of a millisecond is lost in the
noise of two separate benchmark runs).

Each build gets its own broker directory; runs alternate A, B, B, A, ... with a short pause
before each.  Times are from Python's subprocess start to exit (so they include the
interpreter's own spawn cost, the same for both).

Usage:  python3 bench/ab_run.py --a OLD_BIN_DIR --b NEW_BIN_DIR [--runs 150]
                                [--python /usr/bin/python3] [--module numpy]
        (each BIN_DIR holds pyattach, pyattachd and pyattach-keeper)
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", required=True, help="directory of build A's binaries")
    parser.add_argument("--b", required=True, help="directory of build B's binaries")
    parser.add_argument("--runs", type=int, default=150, help="timed runs per build")
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--module", default="numpy", help="preloaded and used by hello.py")
    args = parser.parse_args()

    builds = {"A": args.a, "B": args.b}
    dirs = {name: tempfile.mkdtemp(prefix="pyattach-ab-") for name in builds}
    envs = {name: dict(os.environ, PYATTACH_DIR=dirs[name]) for name in builds}

    def command(name):
        return [os.path.join(builds[name], "pyattach"), "run", "--python", args.python,
                "--preload", args.module, "--", os.path.join(HERE, "hello.py"), args.module]

    times = {name: [] for name in builds}
    try:
        for name in builds:  # start each broker and zygote, untimed
            subprocess.run(command(name), env=envs[name], stdout=subprocess.DEVNULL, check=True)
        for i in range(args.runs):
            for name in ("A", "B") if i % 2 == 0 else ("B", "A"):
                time.sleep(0.06)  # the pool refills after a hand-off; do not time that
                start = time.perf_counter()
                subprocess.run(command(name), env=envs[name], stdout=subprocess.DEVNULL)
                times[name].append((time.perf_counter() - start) * 1e3)
    finally:
        for name in builds:
            subprocess.run([os.path.join(builds[name], "pyattach"), "kill-server"],
                           env=envs[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.rmtree(dirs[name], ignore_errors=True)

    print("| build | runs | median ms | mean ms | p25 | p75 | p90 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, values in times.items():
        values.sort()
        n = len(values)
        print("| %s (%s) | %d | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
            name, builds[name], n, statistics.median(values), statistics.mean(values),
            values[n // 4], values[3 * n // 4], values[9 * n // 10]))


if __name__ == "__main__":
    main()
