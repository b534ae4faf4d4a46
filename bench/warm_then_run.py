"""`pyattach warm` then `pyattach run`: the run pays no import time.

Warms a profile (torch, else numpy), reads the import time its zygote reports
(`pyattach profiles --json`, load_ms), then times N `pyattach run` of a script that imports
the same module, and N `python3` of it for comparison, stdio on /dev/null, alternating.
Prints a Markdown table; asserts nothing (these machines are shared and noisy).

Usage:  python3 bench/warm_then_run.py [--pyattach build/bin/pyattach]
                                       [--python /usr/bin/python3] [--module torch] [--runs 20]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def has_module(python, module):
    return subprocess.run([python, "-c", "import " + module],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def timed_ms(argv, env):
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000.0


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--pyattach", default=os.path.join(here, "..", "build", "bin", "pyattach"))
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--module", default=None, help="default: torch if importable, else numpy")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    module = args.module or ("torch" if has_module(args.python, "torch") else "numpy")

    workdir = tempfile.mkdtemp(prefix="pyattach-warm-bench-")
    env = dict(os.environ, PYATTACH_DIR=workdir)
    script = os.path.join(workdir, "hello.py")
    with open(script, "w") as f:
        f.write("import %s\nprint('hello from', %s.__name__)\n" % (module, module))
    try:
        started = time.perf_counter()
        subprocess.run([args.pyattach, "warm", "--python", args.python, "--preload", module],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        warm_ms = (time.perf_counter() - started) * 1000.0
        listing = subprocess.run([args.pyattach, "profiles", "--json"], env=env, check=True,
                                 capture_output=True, text=True).stdout
        load_ms = max(p["load_ms"] for p in json.loads(listing)["profiles"])
        run = [args.pyattach, "run", "--python", args.python, "--preload", module, "--", script]
        plain = [args.python, script]
        runs, fresh = [], []
        for _ in range(args.runs):
            runs.append(timed_ms(run, env))
            fresh.append(timed_ms(plain, env))
    finally:
        subprocess.run([args.pyattach, "kill-server"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(workdir, ignore_errors=True)

    print("`python3 bench/warm_then_run.py --module %s --runs %d`\n" % (module, args.runs))
    print("| what | ms |")
    print("|---|---:|")
    print("| `pyattach warm --preload %s` (starts the zygote, waits for its imports) | %.0f |"
          % (module, warm_ms))
    print("| import time the zygote reports (`profiles --json` load_ms) | %.0f |" % load_ms)
    print("| `pyattach run` after it, median of %d | %.1f |" % (args.runs, median(runs)))
    print("| `pyattach run` after it, slowest | %.1f |" % max(runs))
    print("| `python3` of the same script, median of %d | %.0f |" % (args.runs, median(fresh)))
    print("\nThe run pays %s of the import time: its median is %.1f%% of load_ms." %
          ("none" if median(runs) < load_ms / 2 else "some", 100.0 * median(runs) / load_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
