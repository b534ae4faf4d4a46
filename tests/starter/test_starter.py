"""The starter `pyattach bundle` writes: what it does itself, and what it hands to the client.

The conformance suite (PYATTACH_VIA_STARTER=1) compares a starter's runs with python3's;
these tests pin down which runs the starter serves without the full client, and that
everything else reaches the client with the caller's arguments intact.

Run:  PYATTACH_BIN=/path/to/pyattach /usr/bin/python3 -m unittest -v test_starter
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

PYATTACH = os.path.abspath(os.environ.get("PYATTACH_BIN", "../../build/bin/pyattach"))
PYTHON = "/usr/bin/python3"
TIMEOUT = 60

ARGV_ECHO = "import os, sys\nprint(sys.argv[1:], os.getcwd(), os.environ.get('STARTER_VAR'))\n"


# Whether this build's client has its fast paths (gcc builds without sanitizers).
CLIENT_FAST_PATHS = os.environ.get("PYATTACH_CLIENT_FAST_PATHS", "1") == "1"
POLL = {"x86_64": 7}.get(os.uname().machine)  # the poll system call's number


def wait_in_poll(test, pid):
    """Until pid waits in poll(): a starter or `run` waiting for its program's status."""
    if POLL is None:
        test.skipTest("no poll number for this machine")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with open("/proc/%d/syscall" % pid) as f:
            if f.read().split()[0] == str(POLL):
                return
        time.sleep(0.005)
    test.fail("%d never waited in poll" % pid)


class StarterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bin_dir = os.path.dirname(PYATTACH)
        if not os.access(os.path.join(bin_dir, "pyattach-starter"), os.X_OK):
            raise unittest.SkipTest("no pyattach-starter next to %s" % PYATTACH)
        cls.scratch = tempfile.mkdtemp(prefix="pyattach-starter-test-")
        cls.dir = os.path.join(cls.scratch, "broker")  # the broker creates it, 0700
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYATTACH", "PYTHON"))}
        cls.env.update(PYATTACH_DIR=cls.dir, LANG="C.UTF-8")
        # A copy of the client with its broker and template, so a test can take it away.
        cls.client_dir = os.path.join(cls.scratch, "bin")
        os.mkdir(cls.client_dir)
        for name in ("pyattach", "pyattachd", "pyattach-keeper", "pyattach-starter"):
            if os.path.exists(os.path.join(bin_dir, name)):
                shutil.copy2(os.path.join(bin_dir, name), cls.client_dir)
        cls.client = os.path.join(cls.client_dir, "pyattach")
        cls.starter = os.path.join(cls.scratch, "python-starter")
        subprocess.run([cls.client, "bundle", "--python", PYTHON, "-o", cls.starter],
                       env=cls.env, check=True, timeout=TIMEOUT)
        cls.script = cls.write_script("argv_echo.py", ARGV_ECHO)

    @classmethod
    def tearDownClass(cls):
        subprocess.run([PYATTACH, "kill-server"], env=cls.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
        shutil.rmtree(cls.scratch, ignore_errors=True)

    @classmethod
    def write_script(cls, name, text):
        path = os.path.join(cls.scratch, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_cmd(self, argv, **kwargs):
        kwargs.setdefault("env", dict(self.env, STARTER_VAR="set for this call"))
        kwargs.setdefault("timeout", TIMEOUT)
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              cwd=self.scratch, **kwargs)

    def warm(self):
        """The broker and the profile's zygote running (the client starts them)."""
        r = self.run_cmd([self.starter, "-c", "pass"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_script_runs_without_the_client(self):
        """With a broker running, a script run in pipes needs nothing but the starter."""
        self.warm()
        hidden = self.client + ".hidden"
        os.rename(self.client, hidden)
        try:
            args = ["two words", "", "ünï", "-c", "--"]
            r = self.run_cmd([self.starter, self.script, *args])
            py = self.run_cmd([PYTHON, self.script, *args])
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, py.stdout, b""))
            # The same starter hands what it does not serve to the client, which is gone.
            r = self.run_cmd([self.starter, "-c", "print(1)"])
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"cannot run the client this starter was made with", r.stderr)
        finally:
            os.rename(hidden, self.client)

    def test_options_and_terminals_go_to_the_client(self):
        """-c, -m, interpreter flags: the client's python3 command line, arguments intact."""
        self.warm()
        for argv in (["-c", "import sys; print(sys.argv)", "a b", ""],
                     ["-u", self.script, "x"],
                     ["-m", "json.tool", "--help"]):
            r = self.run_cmd([self.starter, *argv])
            py = self.run_cmd([PYTHON, *argv])
            self.assertEqual((r.returncode, r.stdout), (py.returncode, py.stdout), argv)

    def test_bytes_that_are_not_utf8_are_left_to_the_client(self):
        """The client's request replaces them (as `pyattach run` always did); the starter's
        JSON cannot carry them, so it hands over rather than send something else."""
        self.warm()
        arg = b"caf\xe9"
        r = self.run_cmd([self.starter, self.script, arg])
        client = self.run_cmd([self.client, "run", "--python", PYTHON, "--", self.script, arg])
        self.assertEqual((r.returncode, r.stdout), (client.returncode, client.stdout))

    def test_no_broker_yet(self):
        """The client starts the broker; the run itself is no different."""
        subprocess.run([PYATTACH, "kill-server"], env=self.env, capture_output=True,
                       timeout=TIMEOUT)
        r = self.run_cmd([self.starter, self.script, "first"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"['first']", r.stdout)

    def test_exit_status_and_signals(self):
        """The starter ends the way the program did: a status, or death by its signal."""
        self.warm()
        code = self.write_script("ends.py", "import os, signal, sys\n"
                                 "if sys.argv[1] == 'kill': os.kill(os.getpid(), signal.SIGTERM)\n"
                                 "sys.exit(int(sys.argv[1]))\n")
        self.assertEqual(self.run_cmd([self.starter, code, "7"]).returncode, 7)
        self.assertEqual(self.run_cmd([self.starter, code, "kill"]).returncode, -signal.SIGTERM)

    def test_signals_reach_the_program(self):
        """SIGINT sent to the starter becomes the program's KeyboardInterrupt."""
        self.warm()
        code = self.write_script("waits.py", "import sys, time\n"
                                 "try:\n    print('ready', flush=True)\n    time.sleep(60)\n"
                                 "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n"
                                 "    sys.exit(3)\n")
        p = subprocess.Popen([self.starter, code], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, env=self.env, cwd=self.scratch)
        self.assertEqual(p.stdout.readline(), b"ready\n")
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.stdout.read(), b"interrupted\n")
        p.stdout.close()
        self.assertEqual(p.wait(timeout=TIMEOUT), 3)

    def test_the_status_comes_from_the_program_itself(self):
        """A run in pipes gets its exit status from the program, not only through the
        broker: it ends while the broker is stopped (SIGSTOP) and could not pass it on."""
        self.warm()
        code = self.write_script("reads.py", "import sys\nprint('ready', flush=True)\n"
                                 "sys.stdin.readline()\nsys.exit(5)\n")
        with open(os.path.join(self.dir, "broker.lock")) as f:
            broker = int(f.read())
        for argv in ([self.starter, code], [self.client, "run", "--python", PYTHON, "--", code]):
            p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 env=self.env, cwd=self.scratch)
            self.assertEqual(p.stdout.readline(), b"ready\n")
            wait_in_poll(self, p.pid)  # it has the program's pid, from the broker
            os.kill(broker, signal.SIGSTOP)
            try:
                p.stdin.write(b"\n")
                p.stdin.close()
                self.assertEqual(p.wait(timeout=10), 5, argv[0])
            finally:
                os.kill(broker, signal.SIGCONT)
                p.stdout.close()

    def test_a_script_from_a_fifo_is_read_by_the_program_only(self):
        """A pooled child rehearses the last request's script while it waits; it must not
        open a FIFO, whose writer would then feed the rehearsal instead of the program."""
        self.warm()
        fifo = os.path.join(self.scratch, "fifo.py")
        os.mkfifo(fifo)
        for i in range(3):
            code = "print('from the fifo', %d)\n" % i
            writer = threading.Thread(target=lambda: open(fifo, "w").write(code), daemon=True)
            writer.start()
            r = self.run_cmd([self.starter, fifo], timeout=20)
            writer.join(timeout=20)
            self.assertEqual((r.returncode, r.stdout), (0, b"from the fifo %d\n" % i))

    def test_closed_stdio_stays_closed(self):
        """A caller without stdout, or without stdin and stderr, runs its program so: python3
        then makes those sys.std* None. Through the starter and both ways through `run`."""
        self.warm()
        report = os.path.join(self.scratch, "report")
        code = self.write_script("which_closed.py", "import sys\n"
                                 "open(sys.argv[1], 'w').write(repr(("
                                 "sys.stdin, sys.stdout, sys.stderr)) + '\\n')\n")
        for closed in ((1,), (0, 2)):
            got = []
            for argv in ([PYTHON], [self.starter], [self.client, "run", "--python", PYTHON],
                         [self.client, "run", "--python", PYTHON, "-u"]):
                r = subprocess.run([*argv, code, report], env=self.env, cwd=self.scratch,
                                   preexec_fn=lambda: [os.close(fd) for fd in closed],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=TIMEOUT)
                self.assertEqual(r.returncode, 0, argv)
                with open(report) as f:
                    got.append(f.read().replace(" mode='w'", "").replace(" mode='r'", ""))
            self.assertIn("None", got[0])
            self.assertEqual(got, [got[0]] * 4, closed)

    @unittest.skipUnless(CLIENT_FAST_PATHS, "this build's client has no fast paths")
    def test_pyattach_run_of_a_script_starts_no_c_library(self):
        """`pyattach run SCRIPT` in pipes takes the client's fast path, which runs before
        glibc's start-up: the process has no heap, which glibc's start-up always makes
        (its thread-local storage). An interpreter option sends the same run through
        the C library's start and main(), which end the same way."""
        self.warm()
        code = self.write_script("reads_line.py", "import sys\nprint('ready', flush=True)\n"
                                 "sys.stdin.readline()\nsys.exit(6)\n")
        for flags, fast in (([], True), (["-u"], False)):
            argv = [self.client, "run", "--python", PYTHON, *flags, code]
            p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 env=self.env, cwd=self.scratch)
            try:
                self.assertEqual(p.stdout.readline(), b"ready\n")
                wait_in_poll(self, p.pid)
                with open("/proc/%d/maps" % p.pid) as f:
                    self.assertEqual("[heap]" not in f.read(), fast, argv)
                p.stdin.write(b"\n")
                p.stdin.close()
                self.assertEqual(p.wait(timeout=TIMEOUT), 6, argv)
            finally:
                p.kill()
                p.stdout.close()

    def test_the_template_itself_refuses_to_run(self):
        template = os.path.join(os.path.dirname(PYATTACH), "pyattach-starter")
        r = self.run_cmd([template, self.script])
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"run `pyattach bundle -o FILE`", r.stderr)


if __name__ == "__main__":
    unittest.main()
