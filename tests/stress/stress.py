#!/usr/bin/python3
"""Load and chaos test of one broker, driven through the real `pyattach` binary.

  1. Holds STRESS_SESSIONS idle sessions (default 500) in one broker.
  2. Runs STRESS_RUNS `pyattach run` at once in pipes mode and as many on PTYs (default
     200 each), all on one profile, while clients attach to random idle sessions and
     detach (STRESS_ATTACHES times, 4 at a time), and a chaos thread kill -9s random run
     clients, pre-forked children of the zygote, and the zygote itself.
  3. Checks: every run reported the right output and status (a run whose client was
     killed is exempt; one exposed to a zygote or pool kill may instead die of SIGKILL,
     its program having been killed, or fail with a one-line error, never hang or report
     another status); every idle session is still alive; every attach showed its session
     and detached; no zombie under the broker; the broker's fd count is back to what it
     was before the load.
  4. Prints the broker's CPU time and RSS.

Environment: PYATTACH_BIN (the client), STRESS_RUNS, STRESS_SESSIONS, STRESS_ATTACHES.
Exits 0 when every check passed. Stdlib only; uses /usr/bin/python3 for the programs.
"""

import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PYATTACH = os.environ["PYATTACH_BIN"]
RUNS = int(os.environ.get("STRESS_RUNS", "200"))
SESSIONS = int(os.environ.get("STRESS_SESSIONS", "500"))
ATTACHES = int(os.environ.get("STRESS_ATTACHES", "100"))
PYTHON = "/usr/bin/python3"
# Any process of ours still running after this is hung: a failure, not a wait.
HANG_LIMIT_S = 60
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Prints its pid first (so a kill of its process can be told apart), then its output.
RUN_PROGRAM = ("import os, sys; n = int(sys.argv[1]); "
               "sys.stdout.write('pid %d\\n' % os.getpid()); sys.stdout.flush(); "
               "sys.stdout.write('out %d\\n' % n); sys.stderr.write('err %d\\n' % n); "
               "sys.exit(n % 7)")
IDLE_PROGRAM = "import signal; print('idle ready', flush=True); signal.pause()"


class Failures:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, text):
        with self.lock:
            self.items.append(text)
            print("FAIL: " + text, flush=True)


failures = Failures()


def pyattach(args, env, timeout=HANG_LIMIT_S, **kw):
    return subprocess.run([PYATTACH] + args, env=env, capture_output=True, timeout=timeout,
                          **kw)


# ------------------------------------------------------------------ /proc

def proc_stat(pid):
    """(state, ppid, utime+stime ticks) or None if the process is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[11]) + int(fields[12])


def children_of(parents):
    """pid -> ppid for every process whose parent is in `parents`."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = proc_stat(int(name))
            if stat and stat[1] in parents:
                found[int(name)] = stat[1]
    return found


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


def zombies_of(parent):
    return [pid for pid in children_of({parent}) if (proc_stat(pid) or ("?",))[0] == "Z"]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_targets(pid):
    targets = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            targets.add("%s -> %s" % (fd, os.readlink("/proc/%d/fd/%s" % (pid, fd))))
        except OSError:
            pass
    return targets


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def find_broker(directory):
    """The pyattachd holding this directory's lock file."""
    lock = os.path.join(directory, "broker.lock")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.path.basename(os.readlink("/proc/%s/exe" % name)) != "pyattachd":
                continue
            for fd in os.listdir("/proc/%s/fd" % name):
                if os.readlink("/proc/%s/fd/%s" % (name, fd)) == lock:
                    return int(name)
        except OSError:
            continue
    raise SystemExit("no pyattachd holds " + lock)


def wait_until(condition, what, limit_s=10):
    """Polls a condition the kernel does not signal (a process state in /proc)."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            failures.add("timed out waiting until " + what)
            return False
        time.sleep(0.05)
    return True


# ------------------------------------------------------------------ PTY processes

def spawn_on_pty(args, env):
    """Starts args with a new PTY as stdin, stdout and stderr; returns (process, master)."""
    master, slave = os.openpty()
    os.set_blocking(master, False)
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                               start_new_session=True)
    os.close(slave)
    return process, master


def read_pty(master, until=None, limit_s=HANG_LIMIT_S):
    """Reads until EOF (every slave closed) or until `until` appears; returns the bytes."""
    out = b""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except BlockingIOError:
            continue
        except OSError:  # EIO: the other side is closed
            return out
        if not chunk:
            return out
        out += chunk
        if until is not None and until in out:
            return out
    return out


# ------------------------------------------------------------------ the load

class Run:
    def __init__(self, n, mode):
        self.n, self.mode = n, mode
        self.process = None
        self.client_killed = False
        self.started = self.ended = 0.0
        self.rc = None
        self.out = self.err = b""


def start_run(run, env):
    args = [PYATTACH, "run", "--python", PYTHON, "--", "-c", RUN_PROGRAM, str(run.n)]
    run.started = time.monotonic()
    if run.mode == "pipes":
        run.process = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    else:
        run.process, run.master = spawn_on_pty(args, env)


def finish_run(run):
    try:
        if run.mode == "pipes":
            run.out, run.err = run.process.communicate(timeout=HANG_LIMIT_S)
        else:
            run.out = read_pty(run.master)
            os.close(run.master)
            run.process.wait(timeout=HANG_LIMIT_S)
        run.rc = run.process.returncode
    except subprocess.TimeoutExpired:
        run.process.kill()
        run.process.wait()
        run.rc = "hung"
    run.ended = time.monotonic()


def judge_run(run, chaos_events):
    """'ok', 'exempt', 'killed' or 'error' (both allowed after chaos), or 'wrong'."""
    if run.client_killed:
        return "exempt"
    expected = run.n % 7
    text = run.out.decode(errors="replace").replace("\r", "")  # a PTY in a PTY: \r\r\n
    if run.rc == expected and ("out %d\n" % run.n) in text and (
            run.mode == "pty" or run.err == b"err %d\n" % run.n):
        return "ok"
    # A zygote killed just before the run started still counts: the broker may not have
    # seen it die yet when the request came.
    exposed = any(run.started - 1.0 <= t <= run.ended for t, kind in chaos_events
                  if kind in ("zygote", "pool"))
    if exposed and run.rc == -signal.SIGKILL:
        return "killed"
    # The zygote may die after handing the request to a pooled child but before telling
    # the broker: the program runs, the run reports the zygote's death. A clear error.
    message = (run.err if run.mode == "pipes" else run.out).decode(errors="replace")
    lines = message.replace("\r", "").split("\n")
    if exposed and run.rc == 1 and any(line.startswith("pyattach: ") for line in lines):
        return "error"
    failures.add("run %d (%s): status %r, output %r, stderr %r" %
                 (run.n, run.mode, run.rc, run.out[-200:], run.err[-200:]))
    return "wrong"


def create_sessions(env):
    def create(i):
        r = pyattach(["new", "-d", "-n", "idle%d" % i, "--python", PYTHON, "--", "-c",
                      IDLE_PROGRAM], env)
        if r.returncode != 0:
            failures.add("new idle%d: %r" % (i, r.stderr))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(SESSIONS)))


def session_pids(env):
    r = pyattach(["ls", "--json"], env)
    listing = json.loads(r.stdout)
    return {s["name"]: s for s in listing["sessions"]}, listing.get("zygotes", [])


def attach_detach(env, name):
    process, master = spawn_on_pty([PYATTACH, "attach", name], env)
    try:
        shown = read_pty(master, until=b"idle ready", limit_s=20)
        if b"idle ready" not in shown:
            failures.add("attach %s: the screen never showed: %r" % (name, shown[-200:]))
            process.kill()
            return
        os.write(master, b"\x1c")  # Ctrl-\ detaches
        rest = read_pty(master, limit_s=20)
        rc = process.wait(timeout=HANG_LIMIT_S)
        if rc != 0 or b"[detached from session " + name.encode() not in shown + rest:
            failures.add("attach %s: status %r, output %r" % (name, rc, (shown + rest)[-200:]))
    except subprocess.TimeoutExpired:
        process.kill()
        failures.add("attach %s: hung after detaching" % name)
    finally:
        process.wait()
        os.close(master)


def chaos(env, runs, idle_pids, stop, events, killed):
    """kill -9: a run client, a pre-forked child of the zygote, now and then the zygote."""
    rng = random.Random(6)
    zygote_kills = 0
    while not stop.wait(0.03):
        action = rng.choice(["client", "client", "pool", "pool", "zygote"])
        if action == "client":
            live = [r for r in runs if r.process and r.process.poll() is None]
            if live:
                victim = rng.choice(live)
                victim.client_killed = True
                victim.process.send_signal(signal.SIGKILL)
                events.append((time.monotonic(), "client"))
            continue
        # From the broker's list: orphaned programs of a killed zygote are children of the
        # broker with the zygote's command line too.
        try:
            _, listed = session_pids(env)
        except (ValueError, subprocess.TimeoutExpired):
            continue  # the checks afterwards say why the broker did not answer
        zygotes = [z["pid"] for z in listed if z.get("pid", 0) > 0]
        if action == "zygote":
            if zygote_kills >= 3 or not zygotes:
                continue
            zygote_kills += 1
            events.append((time.monotonic(), "zygote"))
            for pid in zygotes:
                killed.add(pid)
                os.kill(pid, signal.SIGKILL)
            continue
        # Children of the zygote that are not idle sessions: pooled children, waiting
        # for a request (or, if the race goes that way, a run's program just handed one).
        pool = [pid for pid in children_of(set(zygotes)) if pid not in idle_pids]
        if pool:
            events.append((time.monotonic(), "pool"))
            victim = rng.choice(pool)
            killed.add(victim)
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main():
    directory = tempfile.mkdtemp(prefix="pyattach-stress-")
    env = dict(os.environ, PYATTACH_DIR=directory, PATH="/usr/bin:/bin")
    env.pop("PYATTACH_PRELOAD", None)
    t0 = time.monotonic()
    try:
        # Start the broker and the profile's zygote with one run.
        first = pyattach(["run", "--python", PYTHON, "--", "-c", "print('warm')"], env,
                         stdin=subprocess.DEVNULL)
        if first.stdout != b"warm\n":
            raise SystemExit("first run failed: %r %r" % (first.stdout, first.stderr))
        broker = find_broker(directory)
        create_sessions(env)
        sessions, _ = session_pids(env)
        idle = {name: s["pid"] for name, s in sessions.items() if name.startswith("idle")}
        t_sessions = time.monotonic() - t0
        # Connections of the commands above linger up to a second after their answer.
        counts = [fd_count(broker)]
        while len(counts) < 2 or counts[-1] != counts[-2]:
            time.sleep(1.2)
            counts.append(fd_count(broker))
        cpu_before = proc_stat(broker)[2]
        fds_before = fd_count(broker)
        fd_targets_before = fd_targets(broker)
        rss_before = rss_kb(broker)
        print("%d idle sessions up in %.1f s; broker: %d fds, RSS %d kB" %
              (len(idle), t_sessions, fds_before, rss_before), flush=True)

        # Phase 1, load only: RUNS runs in pipes mode and RUNS on PTYs, all at once, while
        # clients attach to idle sessions and detach. Every one must be exactly right.
        names = sorted(idle)
        rng = random.Random(1)
        runs = [Run(i, "pipes") for i in range(RUNS)] + \
               [Run(RUNS + i, "pty") for i in range(RUNS)]
        t_load = time.monotonic()
        for run in runs:
            start_run(run, env)
        with ThreadPoolExecutor(4) as pool:
            attaches = [pool.submit(attach_detach, env, rng.choice(names))
                        for _ in range(ATTACHES // 2)]
            with ThreadPoolExecutor(16) as waiters:
                list(waiters.map(finish_run, runs))
            for a in attaches:
                a.result()
        t_load = time.monotonic() - t_load
        verdicts = {}
        for run in runs:
            verdict = judge_run(run, [])
            verdicts[verdict] = verdicts.get(verdict, 0) + 1

        # Phase 2, chaos: as many runs again, a steady stream 40 at a time (so kills land
        # on a warm pool and on runs at every stage), attaches and detaches, and kill -9.
        chaos_runs = [Run(2 * RUNS + i, "pipes" if i % 2 else "pty") for i in range(2 * RUNS)]
        events = []
        killed = set()
        stop = threading.Event()
        chaos_thread = threading.Thread(target=chaos, args=(env, chaos_runs,
                                                            set(idle.values()), stop, events,
                                                            killed))
        t_chaos = time.monotonic()
        chaos_thread.start()

        def one_run(run):
            start_run(run, env)
            finish_run(run)

        with ThreadPoolExecutor(4) as pool:
            attaches = [pool.submit(attach_detach, env, rng.choice(names))
                        for _ in range(ATTACHES - ATTACHES // 2)]
            with ThreadPoolExecutor(40) as runners:
                list(runners.map(one_run, chaos_runs))
            for a in attaches:
                a.result()
        stop.set()
        chaos_thread.join()
        t_chaos = time.monotonic() - t_chaos
        chaos_verdicts = {}
        for run in chaos_runs:
            verdict = judge_run(run, events)
            chaos_verdicts[verdict] = chaos_verdicts.get(verdict, 0) + 1
        kinds = {}
        for _, kind in events:
            kinds[kind] = kinds.get(kind, 0) + 1

        if proc_stat(broker) is None:
            failures.add("the broker (pid %d) died; see %s/broker.log and dmesg" %
                         (broker, directory))
            return 1
        # Every idle session is alive, in the broker's list and in the kernel.
        sessions, _ = session_pids(env)
        lost = [name for name, pid in idle.items()
                if name not in sessions or sessions[name]["state"] != "running" or
                sessions[name]["pid"] != pid or proc_stat(pid) is None or
                proc_stat(pid)[0] == "Z"]
        for name in lost:
            failures.add("session %s lost: %r" % (name, sessions.get(name)))

        # Transient sessions go once their client has the status; lingering connections
        # close within a second: then the broker is back to its state before the load.
        if not wait_until(lambda: not zombies_of(broker), "no zombie is left under the broker"):
            for pid in zombies_of(broker):
                failures.add("zombie %d under the broker: %s, %s" % (
                    pid, comm(pid), "a session's program" if pid in idle.values() else
                    "killed by the test" if pid in killed else "not a session of the test"))
        if not wait_until(lambda: fd_count(broker) <= fds_before,
                          "the broker's fd count is back to %d" % fds_before):
            extra = sorted(fd_targets(broker) - fd_targets_before)
            failures.add("the broker holds %d fds more than before: %s" %
                         (fd_count(broker) - fds_before, extra))
            # What is still there besides the idle sessions: the holders of those fds.
            remaining, zygotes = session_pids(env)
            for name, entry in sorted(remaining.items()):
                if name not in idle:
                    print("  left over: session %s: %s" % (name, json.dumps(entry)))
            for zygote in zygotes:
                print("  zygote: %s" % json.dumps(zygote))
        cpu = (proc_stat(broker)[2] - cpu_before) / CLK_TCK
        print("load: %d runs at once (%s) in %.1f s; chaos: %d runs (%s), kill -9 %s, in "
              "%.1f s; %d attach/detach" % (len(runs), verdicts, t_load, len(chaos_runs),
                                            chaos_verdicts, kinds, t_chaos, ATTACHES))
        print("broker: CPU %.2f s during the load, RSS %d kB (with %d sessions; %d before), "
              "fds %d before, %d after" % (cpu, rss_kb(broker), len(idle), rss_before,
                                           fds_before, fd_count(broker)))
        print("sessions lost: %d, runs with wrong status: %d" %
              (len(lost), verdicts.get("wrong", 0) + chaos_verdicts.get("wrong", 0)))
    finally:
        pyattach(["kill-server"], env)
        print("total %.1f s" % (time.monotonic() - t0))
    if failures.items:
        print("%d failures (the broker's log: %s/broker.log)" % (len(failures.items), directory))
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
