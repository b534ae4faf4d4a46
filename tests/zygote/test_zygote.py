"""Tests for broker/zygote.py, driven over its socket the way pyattachd drives it.

Most tests are differential: the same program is run once by a zygote child and once by
/usr/bin/python3 itself, each on its own pseudo-terminal (session leader, controlling tty) with
the same argv, cwd, environment and umask, and the bytes on the terminal plus the exit status
must be identical.

Run:  cd tests/zygote && /usr/bin/python3 -m unittest -v test_zygote
ZYGOTE_PY may point at zygote.py; it defaults to ../../broker/zygote.py from this file.
"""
import errno
import fcntl
import gzip
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ZYGOTE_PY = os.environ.get("ZYGOTE_PY") or os.path.join(HERE, "..", "..", "broker", "zygote.py")
PYTHON = "/usr/bin/python3"
TIMEOUT = float(os.environ.get("ZYGOTE_TEST_TIMEOUT", "15"))

# A program that prints what a fresh interpreter looks like from the inside.
PROBE = r'''
import os, signal, sys, time, types
def show(v):
    if v is None or isinstance(v, (str, int, bool, dict, list, tuple)):
        return v
    if isinstance(v, types.ModuleType):
        return "module " + v.__name__
    if isinstance(v, type):
        return "class " + v.__name__
    return type(v).__name__ + " " + str(getattr(v, "name", ""))
main = sys.modules["__main__"]
print("argv", sys.argv)
print("orig_argv", sys.orig_argv)
print("path0", repr(sys.path[0]))
print("main", repr(main) if "__file__" in vars(main) or main.__spec__ else str(main))
for k, v in list(vars(main).items()):
    if k.startswith("__"):
        print("  ", k, show(v))
print("cwd", os.getcwd(), "umask", oct(os.umask(0o22)))
print("env", sorted(os.environ.items()))
print("tty", [os.isatty(i) for i in range(3)], os.getsid(0) == os.getpid(),
      os.tcgetpgrp(0) == os.getpgrp())
for n in ("stdin", "stdout", "stderr"):
    f = getattr(sys, n)
    print(n, repr(f), f.errors, f.line_buffering, f.write_through, type(f.buffer).__name__,
          f.buffer.name, f is getattr(sys, "__%s__" % n), f.newlines)
sigs = [signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD, signal.SIGTERM,
        signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP, signal.SIGUSR1, signal.SIGALRM]
print("signals", [(s.name, str(signal.getsignal(s))) for s in sigs])
print("mask", sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
print("fds", sorted(os.listdir("/proc/self/fd")))
print("bytecode", sys.dont_write_bytecode, "tz", time.tzname, time.timezone)
print("ps1", hasattr(sys, "ps1"), "last", hasattr(sys, "last_value"))
sys.stdout.write("partial")
sys.stderr.write("<err>\n")
print(" end", "\u00e9\u20ac")
'''


class CtrlC(str):
    """A step reply: Ctrl-C, typed only once the program sleeps in the kernel in a wait
    channel containing one of `where`.  A SIGINT that lands between a program's output and
    its blocking call is only noticed later (CPython's readline even loses it)."""

    def __new__(cls, *where):
        self = super().__new__(cls, "\x03")
        self.where = where
        return self

    def wait(self, pid):
        deadline = time.monotonic() + TIMEOUT
        while True:
            with open("/proc/%d/stat" % pid) as f:
                sleeping = f.read().rpartition(")")[2].split()[0] == "S"
            with open("/proc/%d/wchan" % pid) as f:
                wchan = f.read()
            if sleeping and (wchan == "0" or any(w in wchan for w in self.where)):
                return
            if time.monotonic() > deadline:
                raise AssertionError("process %d never blocked in %s" % (pid, self.where))
            time.sleep(0.001)


IN_SLEEP = CtrlC("nanosleep")
AT_PROMPT = CtrlC("poll", "select")


def read_terminal(fd, pid, steps=()):
    """Read fd until EOF/EIO; each step (text, reply) writes reply once text has appeared
    since the previous reply.  Returns everything read."""
    deadline = time.monotonic() + TIMEOUT
    out, mark, steps = b"", 0, list(steps)
    while True:
        if steps and steps[0][0].encode() in out[mark:]:
            reply = steps.pop(0)[1]
            if isinstance(reply, CtrlC):
                reply.wait(pid)
            os.write(fd, reply.encode())
            mark = len(out)
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError("timed out; read so far: %r" % out)
        try:
            data = os.read(fd, 65536)
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            data = b""
        if not data:
            return out
        out += data


def wait_for(fd, text):
    """Read fd until text has arrived; returns what was read."""
    out, deadline = b"", time.monotonic() + TIMEOUT
    while text not in out:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError("timed out waiting for %r; read %r" % (text, out))
        out += os.read(fd, 65536)
    return out


def make_ctty():
    """preexec_fn for the reference run: the PTY slave (fd 0) becomes the controlling tty."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def reference(argv, cwd, env, umask=0o22, steps=()):
    """Run /usr/bin/python3 itself on a fresh PTY; returns (terminal bytes, exit code)."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen([PYTHON] + argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                                env=env, umask=umask, start_new_session=True, preexec_fn=make_ctty)
        os.close(slave)
        out = read_terminal(master, proc.pid, steps)
        return out, proc.wait(TIMEOUT)
    finally:
        os.close(master)


class Zygote:
    """A zygote process and our end of its socket, as the broker holds them."""

    def __init__(self, preload=("json",), env=None, flags=(), options=()):
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [PYTHON, *flags, ZYGOTE_PY, "--fd", str(theirs.fileno()),
             "--preload", ",".join(preload), *options],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=self.log, env=env, preexec_fn=self.leak_signal_state)
        theirs.close()
        self.pending = []
        self.next_id = 100

    @staticmethod
    def leak_signal_state():
        """What a careless broker might hand down: blocked and ignored signals.  Sessions must
        not inherit them (and the zygote must still see SIGCHLD)."""
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD, signal.SIGUSR1])
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def log_text(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def recv(self, match, timeout=TIMEOUT):
        """The first message (queued or new) for which match(msg) is true."""
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.pending:
                if match(msg):
                    self.pending.remove(msg)
                    return msg
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise AssertionError("no matching message; queued %r; log:\n%s"
                                     % (self.pending, self.log_text()))
            data = self.sock.recv(1 << 22)
            if not data:
                raise AssertionError("zygote closed its socket; log:\n" + self.log_text())
            self.pending.append(json.loads(data))

    def ready(self):
        return self.recv(lambda m: m["op"] in ("ready", "failed"))

    def request(self, fds, **fields):
        """Send a spawn request; returns its id."""
        self.next_id += 1
        msg = dict(dict(op="spawn", id=self.next_id, mode="pty", umask=0o22), **fields)
        socket.send_fds(self.sock, [json.dumps(msg).encode()], fds)
        return self.next_id

    def reply(self, rid):
        return self.recv(lambda m: m.get("id") == rid and m["op"] in ("spawned", "spawn-failed"))

    def exited(self, rid):
        return self.recv(lambda m: m.get("id") == rid and m["op"] == "exited")

    def pooled(self, timeout=TIMEOUT):
        """With --hand-pool: the next pre-forked child handed over, as (pid, its channel)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise AssertionError("no pooled child; queued %r; log:\n%s"
                                     % (self.pending, self.log_text()))
            data, fds, _, _ = socket.recv_fds(self.sock, 1 << 22, 4)
            if not data:
                raise AssertionError("zygote closed its socket; log:\n" + self.log_text())
            msg = json.loads(data)
            if msg["op"] == "pooled" and len(fds) == 1:
                return msg["pid"], socket.socket(fileno=fds[0])
            for fd in fds:
                os.close(fd)
            self.pending.append(msg)

    def spawn(self, argv, cwd, env, umask=0o22):
        """Start a session on a new PTY; returns (master fd, request id, child pid)."""
        master, slave = os.openpty()
        rid = self.request([slave], argv=argv, cwd=cwd, env=env, umask=umask)
        os.close(slave)
        msg = self.reply(rid)
        if msg["op"] != "spawned":
            os.close(master)
            raise AssertionError("spawn failed: %r" % msg)
        return master, rid, msg["pid"]

    def run(self, argv, cwd, env, umask=0o22, steps=()):
        """Run a session to completion; returns (terminal bytes, exit code like Popen's)."""
        master, rid, pid = self.spawn(argv, cwd, env, umask)
        try:
            out = read_terminal(master, pid, steps)
        finally:
            os.close(master)
        msg = self.exited(rid)
        if msg["pid"] != pid:
            raise AssertionError("exited %r for pid %r" % (msg, pid))
        return out, os.waitstatus_to_exitcode(msg["status"])

    def close(self):
        """Close our end (the zygote then exits) and reap it; safe to call twice."""
        self.sock.close()
        try:
            self.proc.wait(TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.log.close()


class ZygoteTestCase(unittest.TestCase):
    """A started zygote (preloading json) and a scratch directory per test."""
    preload = ("json",)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="zygote-test-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": self.tmp}
        self.zygote = self.start(self.preload)

    def start(self, preload, env=None, flags=()):
        """A zygote that is closed (and waited for) when the test ends, whatever happens."""
        zygote = Zygote(preload, env, flags)
        self.addCleanup(zygote.close)
        msg = zygote.ready()
        self.assertEqual(msg["op"], "ready", msg.get("message"))
        return zygote

    def write(self, relpath, text):
        path = os.path.join(self.tmp, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(text))
        return path

    def same_as_python(self, argv, cwd=None, env=None, umask=0o22, steps=(), status=None):
        """Run argv both ways and require identical terminal bytes and exit code (and that
        the exit code is status, when given)."""
        cwd, env = cwd or self.tmp, env or self.env
        want = reference(argv, cwd, env, umask, steps)
        got = self.zygote.run(argv, cwd, env, umask, steps)
        self.assertEqual(got[0].decode("utf-8", "replace"), want[0].decode("utf-8", "replace"))
        self.assertEqual(got[1], want[1], "exit status")
        if status is not None:
            self.assertEqual(got[1], status, got[0].decode("utf-8", "replace"))
        return got

    def probe_same_as_python(self, argv, status=0, **kwargs):
        """same_as_python for a program running PROBE: it must also have run to its end."""
        out, _ = self.same_as_python(argv, status=status, **kwargs)
        self.assertIn(b" end ", out)


class TestProtocol(ZygoteTestCase):

    def test_ready_message(self):
        zygote = Zygote(("json", "textwrap"))
        try:
            msg = zygote.ready()
            self.assertEqual(msg["op"], "ready")
            self.assertEqual(msg["pid"], zygote.proc.pid)
            self.assertEqual(msg["modules"], ["json", "textwrap"])
            self.assertEqual(msg["version"], "%d.%d.%d" % sys.version_info[:3])
            self.assertEqual(msg["executable"], PYTHON)
            self.assertIsInstance(msg["load_ms"], float)
        finally:
            zygote.close()

    def test_preload_failure_reports_traceback(self):
        zygote = Zygote(("json", "no_such_module_pyattach"))
        try:
            msg = zygote.ready()
            self.assertEqual(msg["op"], "failed")
            self.assertIn("Traceback (most recent call last)", msg["message"])
            self.assertIn("ModuleNotFoundError: No module named 'no_such_module_pyattach'",
                          msg["message"])
            self.assertEqual(zygote.proc.wait(TIMEOUT), 1)
        finally:
            zygote.close()

    def test_malformed_datagrams_are_ignored(self):
        read_end, write_end = os.pipe()
        try:
            socket.send_fds(self.zygote.sock, [b"this is not json"], [write_end])
            os.close(write_end)
            self.zygote.sock.send(b"\xff\xfe")
            self.zygote.sock.send(b"[1, 2, 3]")
            self.zygote.sock.send(b'{"op": "spawn"}')
            self.zygote.sock.send(b'{"op": "dance", "id": 1}')
            master, slave = os.openpty()
            bad_argv = self.zygote.request([slave], argv="script.py", cwd=self.tmp, env={})
            os.close(slave)
            os.close(master)
            msg = self.zygote.reply(bad_argv)
            self.assertEqual(msg["op"], "spawn-failed")
            self.assertIn("argv", msg["message"])
            master, slave = os.openpty()
            two_fds = self.zygote.request([slave, slave], argv=[], cwd=self.tmp, env={})
            os.close(slave)
            os.close(master)
            msg = self.zygote.reply(two_fds)
            self.assertEqual(msg["op"], "spawn-failed")
            self.assertIn("fd", msg["message"])
            # The zygote still serves, and it closed the fd that came with the garbage.
            out, status = self.zygote.run(["-c", "print('still here')"], self.tmp, self.env)
            self.assertEqual((out, status), (b"still here\r\n", 0))
            self.assertTrue(select.select([read_end], [], [], 0)[0], "pipe still open")
            self.assertEqual(os.read(read_end, 10), b"")
            self.assertIsNone(self.zygote.proc.poll())
        finally:
            os.close(read_end)

    def test_signal_mask_left_by_a_preload_is_reset(self):
        self.write("lib/masking_preload.py", """
            import signal
            signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2, signal.SIGTERM])
        """)
        env = dict(os.environ, PYTHONPATH=os.path.join(self.tmp, "lib"))
        zygote = self.start(("masking_preload",), env)
        try:
            code = "import signal; print(sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))"
            self.assertEqual(zygote.run(["-c", code], self.tmp, self.env), (b"[]\r\n", 0))
        finally:
            zygote.close()

    def test_refuses_to_fork_with_threads(self):
        self.write("lib/threaded_preload.py", """
            import threading, time
            threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
        """)
        env = dict(os.environ, PYTHONPATH=os.path.join(self.tmp, "lib"))
        zygote = Zygote(("threaded_preload",), env)
        self.addCleanup(zygote.close)
        msg = zygote.ready()
        self.assertEqual(msg["op"], "failed")
        self.assertIn("started 1 thread (a fork copies only one)", msg["reason"])
        self.assertIn("--mode spawn", msg["reason"])
        self.assertEqual(zygote.proc.wait(TIMEOUT), 1)

    def test_spawn_mode_serves_a_preload_that_starts_a_thread(self):
        self.write("lib/threaded_preload.py", """
            import threading, time
            threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
            VALUE = "from the pool"
        """)
        env = dict(os.environ, PYTHONPATH=os.path.join(self.tmp, "lib"))
        zygote = Zygote(("threaded_preload",), env, options=("--mode", "spawn", "--pool", "1"))
        self.addCleanup(zygote.close)
        self.assertEqual(zygote.ready()["op"], "ready", zygote.log_text())
        code = "import sys, threaded_preload as t; print(t.VALUE, 'threaded_preload' in sys.modules)"
        for i in range(3):  # the first from the pool, then replacements
            self.assertEqual(zygote.run(["-c", code], self.tmp, self.env),
                             (b"from the pool True\r\n", 0), "run %d; log:\n%s"
                             % (i, zygote.log_text()))

    def test_ready_reports_the_files_of_preloaded_modules(self):
        path = self.write("lib/watched_preload.py", "VALUE = 1\n")
        env = dict(os.environ, PYTHONPATH=os.path.join(self.tmp, "lib"))
        zygote = self.start(("watched_preload",), env)
        watched = {}
        for msg in zygote.pending:
            if msg["op"] == "watch":
                for directory, names in msg["dirs"].items():
                    watched.setdefault(directory, set()).update(names)
        self.assertIn(os.path.basename(path), watched.get(os.path.dirname(path), set()))
        self.assertIn("os.py", watched.get(os.path.dirname(os.__file__), set()))
        executable = os.path.realpath(PYTHON)
        self.assertIn(os.path.basename(executable), watched.get(os.path.dirname(executable), set()))

    def test_broker_gone_zygote_exits_children_survive(self):
        master, rid, pid = self.zygote.spawn(["-c", "import time; print('up'); time.sleep(60)"],
                                             self.tmp, self.env)
        try:
            self.assertEqual(wait_for(master, b"up\r\n"), b"up\r\n")
            self.zygote.sock.close()
            self.assertEqual(self.zygote.proc.wait(TIMEOUT), 0)
            os.kill(pid, 0)  # still alive
        finally:
            os.kill(pid, signal.SIGKILL)
            os.close(master)

    def test_killed_by_signal_reports_raw_status(self):
        master, rid, pid = self.zygote.spawn(
            ["-c", "import time; print('up', flush=True); time.sleep(60)"], self.tmp, self.env)
        try:
            self.assertEqual(wait_for(master, b"up\r\n"), b"up\r\n")
            os.kill(pid, signal.SIGTERM)
            msg = self.zygote.exited(rid)
        finally:
            os.close(master)
        self.assertEqual(msg["pid"], pid)
        self.assertTrue(os.WIFSIGNALED(msg["status"]))
        self.assertEqual(os.WTERMSIG(msg["status"]), signal.SIGTERM)

    def test_concurrent_sessions(self):
        code = "import random, sys; print(random.random()); sys.stdin.readline()"
        sessions = [self.zygote.spawn(["-c", code], self.tmp, self.env) for _ in range(2)]
        seen = []
        for master, rid, pid in reversed(sessions):
            seen.append(read_terminal(master, pid, [("\n", "go\n")]))
            os.close(master)
            self.assertEqual(self.zygote.exited(rid)["status"], 0)
        self.assertEqual(len(set(seen)), 2, seen)


    def test_burst_of_requests_each_runs_with_its_own_fds(self):
        """Requests sent back to back while pooled children take theirs: every program must
        get its own argv with its own fds.  (The zygote's receive buffer was shared memory
        once, so a pooled child could copy out the next request instead of its own.)"""
        count = 200
        outputs, ids = [], {}
        with open(os.devnull, "rb") as devnull:
            for n in range(count):
                read_end, write_end = os.pipe()
                rid = self.zygote.request([devnull.fileno(), write_end, write_end],
                                          mode="stdio", argv=["-c", "print(%d)" % n],
                                          cwd=self.tmp, env=self.env)
                os.close(write_end)
                outputs.append(read_end)
                ids[rid] = n
        for rid in ids:
            self.assertEqual(self.zygote.reply(rid)["op"], "spawned")
            self.assertEqual(self.zygote.exited(rid)["status"], 0)
        for n, read_end in enumerate(outputs):
            with os.fdopen(read_end, "rb") as pipe:
                self.assertEqual(pipe.read(), b"%d\n" % n)


RECVMSG = {"x86_64": 47, "aarch64": 212}.get(os.uname().machine)


def wait_until_ready(test, pid):
    """Until the pooled child pid waits for its request (in recvmsg): it has rehearsed and
    faulted in what it learned (a child that finds a request waiting skips both)."""
    if RECVMSG is None:
        test.skipTest("no recvmsg number for this machine")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with open("/proc/%d/syscall" % pid) as f:
            if f.read().split()[0] == str(RECVMSG):
                return
        time.sleep(0.01)
    test.fail("the pooled child never waited for a request")


def run_on(channel, request, then=lambda: None):
    """Send request (with pipes as stdio) to a pooled child, call then() (where the broker
    tells the zygote "taken"), and read the program's output: (stdout, stderr)."""
    pipes = [os.pipe() for _ in range(3)]
    theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
    socket.send_fds(channel, [json.dumps(request).encode()], theirs)
    channel.close()
    then()
    for fd in theirs:
        os.close(fd)
    os.close(pipes[0][1])
    outs = []
    for fd in (pipes[1][0], pipes[2][0]):
        with os.fdopen(fd, "rb") as f:
            outs.append(f.read())
    return tuple(outs)


class HandPoolTestCase(unittest.TestCase):
    """A zygote run as pyattachd runs it (--hand-pool: each pre-forked child is handed
    over with its channel), with a pool of one, and a scratch directory per test."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="zygote-test-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": self.tmp}
        self.zygote = Zygote(("json",), options=("--pool", "1", "--hand-pool"))
        self.addCleanup(self.zygote.close)
        self.assertEqual(self.zygote.ready()["op"], "ready")

    def ended(self, pid):
        return self.zygote.recv(lambda m: m["op"] == "exited" and m["pid"] == pid)


class TestHandPool(HandPoolTestCase):
    """A request goes straight to a pooled child; the zygote hears of it only as "taken"."""

    def test_a_request_goes_straight_to_a_pooled_child(self):
        pid, channel = self.zygote.pooled()
        request = dict(op="spawn", id=7, mode="stdio", argv=["-c", "import os, sys; "
                       "print(os.getpid(), sys.argv[1:]); sys.exit(4)", "a b"],
                       cwd=self.tmp, env=self.env, umask=0o22)
        out, err = run_on(channel, request, lambda: self.zygote.sock.send(
            json.dumps(dict(op="taken", pid=pid, request=request)).encode()))
        self.assertEqual((out, err), (b"%d ['a b']\n" % pid, b""))
        self.assertEqual(os.waitstatus_to_exitcode(self.ended(pid)["status"]), 4)
        replacement, channel = self.zygote.pooled()  # the pool is refilled
        channel.close()
        self.assertNotEqual(replacement, pid)

    def test_a_bad_request_ends_the_child_with_a_message_on_its_stderr(self):
        pid, channel = self.zygote.pooled()
        out, err = run_on(channel, dict(op="spawn", id=8, mode="stdio", argv="not a list",
                                             cwd=self.tmp, env=self.env, umask=0o22))
        self.assertEqual(out, b"")
        self.assertEqual(err, b"pyattach: cannot start the session: "
                              b"argv must be a list of strings without NUL\n")
        self.assertEqual(os.waitstatus_to_exitcode(self.ended(pid)["status"]), 1)

    def test_the_status_also_goes_to_the_callers_socket(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as caller:
            caller.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            caller.bind("")  # an abstract name the kernel picks
            name = caller.getsockname()[1:].decode()
            pid, channel = self.zygote.pooled()
            run_on(channel, dict(op="spawn", id=11, mode="stdio", argv=["-c", "exit(4)"],
                                 cwd=self.tmp, env=self.env, umask=0o22, status_to=name))
            data, ancillary, _, _ = caller.recvmsg(16, socket.CMSG_SPACE(12))
            sender = struct.unpack("3i", ancillary[0][2])[0]
            self.assertEqual((data, sender), (b"4", pid))
        self.assertEqual(os.waitstatus_to_exitcode(self.ended(pid)["status"]), 4)
        pid, channel = self.zygote.pooled()
        out, err = run_on(channel, dict(op="spawn", id=12, mode="stdio", argv=["-c", "0"],
                                        cwd=self.tmp, env=self.env, umask=0o22, status_to=7))
        self.assertIn(b"status_to must be an abstract socket name", err)

    def test_a_signal_after_the_status_is_not_handled(self):
        """The broker hangs up a run whose caller left, and a caller that has the status
        leaves: the program's handlers must not run in its half-finalised interpreter."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as caller:
            caller.bind("")
            pid, channel = self.zygote.pooled()

            def hang_up_once_the_caller_has_the_status():
                caller.recv(16)
                try:
                    os.kill(pid, signal.SIGHUP)
                except ProcessLookupError:
                    pass  # already gone: no handler ran either
            out, err = run_on(channel, dict(
                op="spawn", id=13, mode="stdio", cwd=self.tmp, env=self.env, umask=0o22,
                status_to=caller.getsockname()[1:].decode(),
                argv=["-c", "import os, signal\nsignal.signal(signal.SIGHUP, lambda *a: "
                            "os.write(2, b'handler ran'))"]), hang_up_once_the_caller_has_the_status)
        self.assertEqual((out, err), (b"", b""))
        self.assertEqual(os.waitstatus_to_exitcode(self.ended(pid)["status"]), 0)

    def test_an_environment_no_process_could_have_is_refused(self):
        for env in ({"A=B": "1"}, {"": "1"}, {"A": "x\0y"}, {"A\0": "1"}, {"A": 1},
                    {"A": None}):
            pid, channel = self.zygote.pooled()
            out, err = run_on(channel, dict(op="spawn", id=9, mode="stdio", argv=["-c", "0"],
                                            cwd=self.tmp, env=env, umask=0o22))
            self.assertEqual(err, b"pyattach: cannot start the session: "
                                  b"env must map names to strings\n", env)
            self.assertEqual(os.waitstatus_to_exitcode(self.ended(pid)["status"]), 1)
        for env in ({}, {"A": "a=b", "B": ""}):
            pid, channel = self.zygote.pooled()
            out, err = run_on(channel, dict(op="spawn", id=10, mode="stdio",
                                            argv=["-c", "import os; print(os.environ.get('A'),"
                                                  " os.environ.get('B'))"],
                                            cwd=self.tmp, env=env, umask=0o22))
            self.assertEqual((out, err), (("%s %s\n" % (env.get("A"), env.get("B"))).encode(), b""))
            self.ended(pid)

    def test_a_pooled_child_whose_channel_closes_exits_and_is_replaced(self):
        pid, channel = self.zygote.pooled()
        channel.close()
        self.assertEqual(self.ended(pid)["status"], 0)
        replacement, channel = self.zygote.pooled()
        channel.close()
        self.assertNotEqual(replacement, pid)


class TestCompiledAhead(HandPoolTestCase):
    """A pooled child compiles the script of the last request while it waits, and leaves
    its environment in place; the program must not be able to tell: a changed script runs
    as it is now, compile-time warnings still reach its stderr, another environment is
    its own."""

    def setUp(self):
        super().setUp()
        self.script = os.path.join(self.tmp, "script.py")

    def run_script(self, before_request=lambda: None):
        """Run script.py on the next pooled child (the zygote then keeps its request for
        the next child's rehearsal): (stdout, stderr, status)."""
        pid, channel = self.zygote.pooled()
        wait_until_ready(self, pid)
        before_request()
        request = dict(op="spawn", id=1, mode="stdio", argv=["script.py"], cwd=self.tmp,
                       env=self.env, umask=0o22)
        out, err = run_on(channel, request, lambda: self.zygote.sock.send(
            json.dumps(dict(op="taken", pid=pid, request=request)).encode()))
        return out, err, os.waitstatus_to_exitcode(self.ended(pid)["status"])

    def write(self, text):
        with open(self.script, "w") as f:
            f.write(text)

    def test_a_script_changed_after_the_rehearsal_runs_as_it_is_now(self):
        self.write("print('first')\n")
        self.assertEqual(self.run_script(), (b"first\n", b"", 0))
        # The next child compiled the first version while it waited.
        self.assertEqual(self.run_script(lambda: self.write("print('second')\n")),
                         (b"second\n", b"", 0))

    def test_a_request_with_another_environment_gets_its_own(self):
        self.write("import locale, os\n"
                   "print(os.environ.get('X'), locale.setlocale(locale.LC_CTYPE))\n")
        self.assertEqual(self.run_script()[0], b"None C.UTF-8\n")
        # The next child's rehearsal left this environment in place; the request differs.
        self.env.update(X="x", LANG="C", LC_ALL="C")
        want = subprocess.run([PYTHON, "script.py"], cwd=self.tmp, env=self.env,
                              capture_output=True, timeout=TIMEOUT)
        self.assertEqual(want.stdout, b"x C\n")
        self.assertEqual(self.run_script(), (want.stdout, want.stderr, want.returncode))
        self.env.update(X="y")
        self.assertEqual(self.run_script()[0], b"y C\n")

    def test_compile_time_warnings_reach_the_program(self):
        self.write("assert (1, 'always true')\nprint('ran')\n")
        want = subprocess.run([PYTHON, "script.py"], cwd=self.tmp, env=self.env,
                              capture_output=True, timeout=TIMEOUT)
        self.assertIn(b"SyntaxWarning", want.stderr)
        for _ in range(2):  # the second is given to a child that rehearsed this script
            self.assertEqual(self.run_script(), (want.stdout, want.stderr, want.returncode))


class TestLearnedPages(unittest.TestCase):
    """A child reports the zygote's pages it copied; pooled children forked afterwards copy
    them while they wait, so the next program finds them copied already, content intact."""

    PAGES = 256
    # The program: how many pages of the preloaded BIG are already its own (present and
    # exclusively mapped, /proc/self/pagemap) when it starts; then, with "write", it writes
    # one byte in each, as a program that uses BIG would.
    PROGRAM = textwrap.dedent("""
        import ctypes, os, sys, big
        address = ctypes.addressof((ctypes.c_char * len(big.BIG)).from_buffer(big.BIG))
        with open("/proc/self/pagemap", "rb", buffering=0) as pagemap:
            flags = os.pread(pagemap.fileno(), len(big.BIG) // 4096 * 8, address // 4096 * 8)
        own = sum(1 for b in flags[7::8] if b & 0x81 == 0x81)
        intact = big.BIG == bytearray(b"%d" % 7) * len(big.BIG)
        if sys.argv[1:] == ["write"]:
            for i in range(0, len(big.BIG), 4096):
                big.BIG[i] = 7
        print(own, intact)
    """)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="zygote-test-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        with open(os.path.join(self.tmp, "big.py"), "w") as f:
            f.write("BIG = bytearray(b'7') * (%d * 4096 + 4096)\n" % self.PAGES)
        # A read-only file mapping the zygote has read: a fork maps none of it in the child.
        with open(os.path.join(self.tmp, "mapped.bin"), "wb") as f:
            f.write(b"m" * (self.PAGES * 4096))
        with open(os.path.join(self.tmp, "mapped.py"), "w") as f:
            f.write(textwrap.dedent("""
                import mmap, os
                with open(os.path.join(os.path.dirname(__file__), "mapped.bin"), "rb") as f:
                    MAPPED = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
                TOTAL = sum(MAPPED[i] for i in range(0, len(MAPPED), 4096))
            """))
        self.env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": self.tmp,
                    "PYTHONPATH": self.tmp}
        self.zygote = Zygote(("json", "big", "mapped"), env=self.env,
                             options=("--pool", "1", "--hand-pool"))
        self.addCleanup(self.zygote.close)
        self.assertEqual(self.zygote.ready()["op"], "ready")

    def run_program(self, *args, program=None):
        """Run PROGRAM on the next pooled child once it is ready (a child given a request
        at once serves it at once): (pages of BIG already its own, intact); or another
        program: its output."""
        pid, channel = self.zygote.pooled()
        wait_until_ready(self, pid)
        request = dict(op="spawn", id=1, mode="stdio",
                       argv=["-c", program or self.PROGRAM, *args],
                       cwd=self.tmp, env=self.env, umask=0o22)
        out, err = run_on(channel, request, lambda: self.zygote.sock.send(
            json.dumps(dict(op="taken", pid=pid, request=request)).encode()))
        self.assertEqual(self.zygote.recv(lambda m: m["op"] == "exited" and m["pid"] == pid)
                         ["status"], 0, err)
        if program is not None:
            return out
        own, intact = out.split()
        return int(own), intact == b"True"

    # How many pages of mapped.bin are mapped in the program when it starts; with "read",
    # it then reads each, as a program that uses it would.
    READER = textwrap.dedent("""
        import os, sys, mapped
        for line in open("/proc/self/maps"):
            if line.rstrip().endswith("mapped.bin"):
                start, end = (int(x, 16) // 4096 for x in line.split()[0].split("-"))
        with open("/proc/self/pagemap", "rb", buffering=0) as pagemap:
            flags = os.pread(pagemap.fileno(), (end - start) * 8, start * 8)
        print(sum(1 for b in flags[7::8] if b & 0x80))
        if sys.argv[1:] == ["read"]:
            sum(mapped.MAPPED[i] for i in range(0, len(mapped.MAPPED), 4096))
    """)

    def test_pages_a_program_read_are_mapped_ahead_for_the_next(self):
        out = self.run_program("read", program=self.READER)
        self.assertLess(int(out), self.PAGES // 4)  # nothing learned yet
        for _ in range(4):  # see test_pages_a_program_wrote_are_copied_ahead_for_the_next
            out = self.run_program(program=self.READER)
            if int(out) >= self.PAGES:
                break
        self.assertGreaterEqual(int(out), self.PAGES)

    def test_pages_a_program_wrote_are_copied_ahead_for_the_next(self):
        own, intact = self.run_program("write")  # nothing learned yet: it copies them itself
        self.assertLess(own, self.PAGES // 4)
        self.assertTrue(intact)
        # Its list reaches the zygote about when the replacement is forked: one of the next
        # few pooled children is forked after it.
        for _ in range(4):
            own, intact = self.run_program()
            self.assertTrue(intact)
            if own >= self.PAGES:
                break
        self.assertGreaterEqual(own, self.PAGES)


class TestPreloadedRandom(ZygoteTestCase):
    preload = ("json", "random")

    def test_random_differs_between_sessions(self):
        outs = {self.zygote.run(["-c", "import random; print(random.getrandbits(64))"],
                                self.tmp, self.env)[0] for _ in range(3)}
        self.assertEqual(len(outs), 3, outs)


class TestNumpy(ZygoteTestCase):
    preload = ("numpy",)

    def test_numpy_seeded_per_session(self):
        code = "import numpy, sys; print(numpy.random.randint(1 << 30), 'numpy' in sys.modules)"
        outs = [self.zygote.run(["-c", code], self.tmp, self.env) for _ in range(3)]
        self.assertEqual({status for _, status in outs}, {0})
        self.assertEqual(len({out for out, _ in outs}), 3, outs)

    def test_numpy_script_matches_python(self):
        self.write("np.py", """
            import numpy as np
            a = np.arange(12).reshape(3, 4)
            print(a.sum(axis=0), a.dtype, np.linalg.det(np.eye(3)))
            raise SystemExit(a.shape[0])
        """)
        self.same_as_python(["np.py"])


class TestSameAsPython(ZygoteTestCase):

    def test_script_state(self):
        self.write("sub dir/probe.py", PROBE)
        os.symlink("sub dir/probe.py", os.path.join(self.tmp, "link.py"))
        env = dict(self.env, TZ="JST-9", CUSTOM="x y \u00fc")
        for argv in (["sub dir/probe.py", "a b", "", "\u00fcn\u00efcode", "-x", "--"],
                     [os.path.join(self.tmp, "sub dir", "probe.py")],
                     ["./sub dir/../sub dir/probe.py"],
                     ["-u", "-B", "sub dir/probe.py"], ["-uB", "--", "sub dir/probe.py", "-u"],
                     ["link.py"]):
            with self.subTest(argv=argv):
                self.probe_same_as_python(argv, env=env, umask=0o027)

    def test_environment_variants(self):
        self.write("probe.py", PROBE)
        variants = [
            ({"LANG": "C"}, 0),
            ({"LC_ALL": "C"}, 0),
            ({"LANG": "C", "PYTHONCOERCECLOCALE": "0"}, 0),
            ({"LANG": "POSIX", "PYTHONCOERCECLOCALE": "warn"}, 0),
            ({"PYTHONUNBUFFERED": "1"}, 0),
            ({"PYTHONIOENCODING": "latin-1:replace"}, 0),
            ({"PYTHONIOENCODING": "ascii"}, 1),  # the last print fails: stdout flushed first
            ({"PYTHONDONTWRITEBYTECODE": "1"}, 0),
            ({"PYTHONSAFEPATH": "1"}, 0),
        ]
        for extra, status in variants:
            with self.subTest(env=extra):
                env = dict(self.env, **extra)
                if "LANG" in extra:
                    del env["LANG"]
                    env.update(extra)
                self.probe_same_as_python(["probe.py", "arg"], env=env, status=status)

    def test_cwd_env_umask_per_request(self):
        self.write("probe.py", PROBE)
        os.mkdir(os.path.join(self.tmp, "elsewhere"))
        self.probe_same_as_python([os.path.join(self.tmp, "probe.py")], umask=0o077,
                                  cwd=os.path.join(self.tmp, "elsewhere"),
                                  env=dict(self.env, ONLY_HERE="1"))
        self.probe_same_as_python(["probe.py"], umask=0o002, env=dict(self.env, OTHER="2"))

    def test_module_and_package(self):
        self.write("pkg/__init__.py", "import sys\nprint('init argv', sys.argv)\n")
        self.write("pkg/__main__.py", PROBE)
        self.write("pkg/mod.py", PROBE)
        self.probe_same_as_python(["-m", "pkg", "x y"])
        self.probe_same_as_python(["-m", "pkg.mod", "a", ""])
        self.probe_same_as_python(["-mpkg.mod"])
        self.same_as_python(["-m", "no_such_mod_pyattach"])

    def test_sys_modules_hold_only_the_preloads(self):
        # json is preloaded here; the zygote's own modules (socket, selectors, ...) are not seen.
        code = ("import json, sys, importlib, collections\n"
                "print(sorted(sys.modules))\n"
                "print(hasattr(importlib, 'util'), hasattr(collections, 'abc'))\n")
        self.same_as_python(["-c", code], status=0)

    def test_command(self):
        self.probe_same_as_python(["-c", PROBE, "a", "b c"])
        self.same_as_python(["-c", "import sys; print(sys.argv, __name__); 1/0", "-c", "z"])

    def test_directory_with_main(self):
        self.write("app/__main__.py", PROBE)
        self.probe_same_as_python(["app", "arg"])
        self.probe_same_as_python(["app/"])

    def test_dash_on_a_terminal_is_the_prompt(self):
        self.same_as_python(["-", "a"], steps=[(">>> ", "import sys; sys.argv\n"),
                                               (">>> ", "\x04")])

    def test_exit_statuses(self):
        cases = {
            "exit3": "import sys; sys.exit(3)",
            "exitmsg": "raise SystemExit('bye now')",
            "exitbig": "import sys; sys.exit(256 + 5)",
            "exitneg": "import sys; sys.exit(-1)",
            "exithuge": "import sys; sys.exit(2 ** 70)",
            "exitlong": "import sys; sys.exit(2 ** 40 + 3)",
            "exitnone": "import sys; print('x', end=''); sys.exit()",
            "exittuple": "raise SystemExit(1, 2)",
            "error": "def f():\n    raise ValueError('boom')\nf()",
            "chained": "try:\n    1/0\nexcept Exception:\n    raise KeyError('k')",
            "osexit": "import os; print('buffered?', end=''); os._exit(7)",
            "syntax": "x = (1,\nprint(x",
            "keyboard": "raise KeyboardInterrupt",
            "excepthook": "import sys\nsys.excepthook = lambda *a: print('hook', *a[:2])\n1/0",
        }
        for name, code in cases.items():
            self.write(name + ".py", code + "\n")
            with self.subTest(name):
                self.same_as_python([name + ".py"])

    def test_missing_script_and_bad_options(self):
        self.same_as_python(["missing.py", "x"])
        self.same_as_python(["-c"])
        os.mkdir(os.path.join(self.tmp, "empty"))
        self.same_as_python(["empty"])
        out, status = self.zygote.run(["-O", "x.py"], self.tmp, self.env)
        self.assertEqual((out, status), (b"unsupported interpreter option -O\r\n", 2))

    def test_finalisation(self):
        # A module imported by the child: CPython collects it in its last pass, after wiping
        # builtins (hence _open); it writes to a file to have no order against other __del__.
        self.write("helper.py", """
            _open = open
            class H:
                def __del__(self):
                    with _open("helper-del.txt", "w") as f:
                        f.write("helper del " + H.__name__)
            h = H()
        """)
        self.write("final.py", """
            import atexit, gzip, json, threading, time, helper
            json.kept_by_a_preload = gzip.open("kept.gz", "wb")  # json is preloaded: never torn
            json.kept_by_a_preload.write(b"kept")  # down, but the file must still be closed
            out = open("left-open.txt", "w")
            out.write("written but never closed\\n" * 1000)
            tail = open("tail.bin", "wb")
            tail.write(b"tail")

            class Noisy:
                def __del__(self):
                    print("del", Noisy.__name__, GLOBAL, flush=True)

            GLOBAL = "global still set"
            noisy = Noisy()
            atexit.register(print, "atexit ran")

            def late():
                time.sleep(0.2)
                print("thread finished")
            threading.Thread(target=late).start()
            print("main done", end="")
        """)
        got = self.same_as_python(["final.py"])
        for text in ("atexit ran", "del Noisy global still set", "thread finished"):
            self.assertIn(text.encode(), got[0])
        with open(os.path.join(self.tmp, "helper-del.txt")) as f:
            self.assertEqual(f.read(), "helper del H")
        with open(os.path.join(self.tmp, "left-open.txt")) as f:
            self.assertEqual(f.read(), "written but never closed\n" * 1000)
        with open(os.path.join(self.tmp, "tail.bin"), "rb") as f:
            self.assertEqual(f.read(), b"tail")
        with open(os.path.join(self.tmp, "kept.gz"), "rb") as f:
            self.assertEqual(gzip.decompress(f.read()), b"kept")

    def test_ctrl_c_raises_keyboard_interrupt_then_dies_of_sigint(self):
        self.write("sleepy.py", """
            import atexit, time
            atexit.register(print, "atexit still runs")
            print("ready")
            time.sleep(30)
        """)
        _, status = self.same_as_python(["sleepy.py"], steps=[("ready", IN_SLEEP)])
        self.assertEqual(status, -signal.SIGINT)

    def test_interactive_prompt(self):
        # Ctrl-A needs readline's line editing; readline redraws the prompt while editing.
        steps = [(">>> ", "6 * 7)\x01print(\n"), ("42\r\n>>> ", "undefined_name\n"),
                 (">>> ", "1 +\n"),
                 (">>> ", "for i in range(2):\n"), ("... ", "  print(i)\n"), ("... ", "\n"),
                 (">>> ", "import sys; print(sys.argv, sys.path[0] == '', __name__)\n"),
                 (">>> ", AT_PROMPT), (">>> ", "import time; time.sleep(30)\n"), ("\n", IN_SLEEP),
                 (">>> ", "raise SystemExit(4)\n")]
        self.same_as_python([], steps=steps)
        self.write("startup.py", "print('startup ran', __file__)\nfrom_startup = 1\n")
        env = dict(self.env, PYTHONSTARTUP=os.path.join(self.tmp, "startup.py"))
        self.same_as_python([], env=env, steps=[(">>> ", "from_startup, '__file__' in dir()\n"),
                                                (">>> ", "\x04")])

    def test_unicode_and_long_output(self):
        self.write("big.py", """
            import sys
            for i in range(3000):
                print(i, "\u00e9\u4e2d" * 5, sys.argv[1])
            sys.stdout.buffer.write(b"raw bytes\\xff\\n")
        """)
        self.same_as_python(["big.py", "\u00fc\u00f1\u00ee"])


class TestInterpreterOptions(ZygoteTestCase):
    """A profile's startup options go to the zygote's own interpreter, not into the request:
    `python3 FLAGS script` must equal a session of a zygote started with FLAGS."""

    def test_options_of_the_zygote_apply_to_its_sessions(self):
        self.write("probe.py", PROBE + "print(__debug__, sys.flags.optimize, sys.flags.quiet, "
                                       "sys.flags.isolated, 'site' in sys.modules)\n")
        for flags in (["-u", "-B", "-O"], ["-P", "-s"], ["-I"], ["-E", "-X", "dev"]):
            with self.subTest(flags=flags):
                zygote = self.start(("json",), flags=flags)
                try:
                    want = reference(flags + ["probe.py", "x"], self.tmp, self.env)
                    got = zygote.run(["probe.py", "x"], self.tmp, self.env)
                finally:
                    zygote.close()
                self.assertEqual(got[0].decode("utf-8", "replace"),
                                 want[0].decode("utf-8", "replace"))
                self.assertEqual(got[1], want[1])

    def test_prompt_banner_follows_options(self):
        steps = [(">>> ", "import sys; sys.flags.quiet, sys.flags.no_site\n"), (">>> ", "\x04")]
        for flags in (["-q"], ["-S"], ["-I"]):
            with self.subTest(flags=flags):
                zygote = self.start(("json",), flags=flags)
                try:
                    want = reference(flags, self.tmp, self.env, steps=steps)
                    got = zygote.run([], self.tmp, self.env, steps=steps)
                finally:
                    zygote.close()
                self.assertEqual(got, want)


class TestStdioMode(ZygoteTestCase):
    """mode "stdio": the caller's own fds instead of a PTY (pipes here)."""

    def run_stdio(self, argv, stdin_data, stdout_reader=True):
        pipes = [os.pipe() for _ in range(3)]
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
        if not stdout_reader:
            os.close(pipes[1][0])
            pipes[1] = (os.open(os.devnull, os.O_RDONLY), pipes[1][1])
        rid = self.zygote.request(theirs, mode="stdio", argv=argv, cwd=self.tmp, env=self.env)
        for fd in theirs:
            os.close(fd)
        self.assertEqual(self.zygote.reply(rid)["op"], "spawned")
        os.write(pipes[0][1], stdin_data)
        os.close(pipes[0][1])
        outs = [b"", b""]
        open_fds = [pipes[1][0], pipes[2][0]]
        deadline = time.monotonic() + TIMEOUT
        while open_fds:
            ready = select.select(open_fds, [], [], max(0, deadline - time.monotonic()))[0]
            self.assertTrue(ready, "timed out: %r" % outs)
            for fd in ready:
                data = os.read(fd, 65536)
                if data:
                    outs[fd == pipes[2][0]] += data
                else:
                    open_fds.remove(fd)
                    os.close(fd)
        return outs[0], outs[1], os.waitstatus_to_exitcode(self.zygote.exited(rid)["status"])

    def test_pipes_match_python(self):
        self.write("filter.py", """
            import os, sys
            data = sys.stdin.read()
            print("tty", [os.isatty(i) for i in range(3)], sys.stdout.line_buffering)
            print(data.upper(), end="")
            print("to stderr", file=sys.stderr)
            sys.stdout.write("last line without newline")
            sys.exit(5)
        """)
        for argv, data in ((["filter.py"], b"hello\nworld\n"),
                           ([], b"import sys\nprint('from stdin', sys.argv, __file__)\n1/0\n")):
            with self.subTest(argv=argv):
                ref = subprocess.run([PYTHON] + argv, input=data, capture_output=True,
                                     cwd=self.tmp, env=self.env, timeout=TIMEOUT)
                self.assertEqual(self.run_stdio(argv, data),
                                 (ref.stdout, ref.stderr, ref.returncode))

    def test_stdout_reader_gone(self):
        code = "import atexit; atexit.register(print, 'atexit'); print('lost')"
        proc = subprocess.Popen([PYTHON, "-c", code], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.tmp, env=self.env)
        proc.stdout.close()
        with proc.stderr:
            want = proc.stderr.read()
        self.assertEqual(proc.wait(TIMEOUT), 120)
        self.assertIn(b"Exception ignored in", want)
        self.assertEqual(self.run_stdio(["-c", code], b"", stdout_reader=False), (b"", want, 120))


if __name__ == "__main__":
    unittest.main()
