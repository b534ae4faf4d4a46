"""Differential conformance suite: `pyattach run` must be indistinguishable from python3.

Every case in CASES runs a corpus script (scripts/) twice in the same cwd and environment,
once as `/usr/bin/python3 ARGS` and once as `$PYATTACH_BIN run --python /usr/bin/python3 ARGS`,
and compares what a caller can observe:

  pipe   stdin from bytes, stdout and stderr captured separately: stdout, stderr, raw wait status
  pty    stdin, stdout and stderr all the slave of a fresh PTY (its controlling terminal); the
         master is read until EIO: the byte stream, raw wait status, the terminal's modes after
  mixed  stdin the PTY slave (controlling terminal), stdout and stderr pipes

The wait status is compared raw (os.waitpid), so death by a signal counts. Only the differences
listed in DOCUMENTED_DIFFERENCES are normalised; values that legitimately differ per process
(pids, random numbers) are compared by property. Where pyattach differs otherwise, the test
asserts python3's behaviour and fails with both sides shown.

Run:  cd tests/conformance && PYATTACH_BIN=/path/to/pyattach /usr/bin/python3 -m unittest -v test_conformance
No sleeps are used for synchronisation: the runner waits on file descriptors (poll) only,
with timeouts only as hang guards; nothing asserts on wall-clock time.
"""
import dataclasses
import fcntl
import hashlib
import os
import re
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest
import zipfile
from typing import Callable, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "scripts")
PYTHON = "/usr/bin/python3"
PYATTACH = os.path.abspath(os.environ.get("PYATTACH_BIN")
                           or os.path.join(HERE, "..", "..", "build", "bin", "pyattach"))

# PYATTACH_MODE=spawn compares python3 with spawn mode (a pool of fresh preloaded
# interpreters, no fork) instead of the default fork mode; ctest runs both.
ZYGOTE_MODE = os.environ.get("PYATTACH_MODE") or "fork"
# PYATTACH_VIA_STARTER=1 runs the pyattach side through a starter written by
# `pyattach bundle` (its own code for a script in pipe or mixed mode, the client otherwise)
# wherever a case needs no extra `pyattach run` options.
VIA_STARTER = os.environ.get("PYATTACH_VIA_STARTER") == "1"

RUN_TIMEOUT = 30.0     # hang guard for one run (seconds); never an assertion on speed
EOF_GRACE = 5.0        # after the runner exits, its outputs must reach EOF within this
PTY_ROWS, PTY_COLS = 30, 100
LARGE_STDIN_BYTES = 52 * 1024 * 1024 + 12345
LARGE_STDOUT_MB = 52
STDOUT_LIMIT = 64 * 1024  # the early-closing consumer reads this much, then closes the pipe

# What may differ between python3 and pyattach run, and why. Every normalisation or
# by-property comparison in this file names one of these keys.
DOCUMENTED_DIFFERENCES = {
    "pty-terminal-reset":
        "On a PTY, pyattach's terminal proxy may append terminal-mode reset sequences (SGR reset, "
        "show cursor, bracketed paste/mouse off, normal keypad, leave alternate screen) after "
        "the program's last byte; exactly those, and only at the very end, are stripped.",
    "per-process-values":
        "pids, random numbers, hash seeds, uuids and temp names differ between any two processes "
        "(python3 too); compared by property: same shape, different in two consecutive runs.",
    "parent-pid":
        "The program is forked by pyattach's zygote, so os.getppid() is the zygote's pid, not "
        "the caller's; compared by property: a live process that is neither 1 nor the program.",
    "pty-session-leader":
        "On a terminal the program runs on the broker's PTY as that terminal's session leader "
        "(as under tmux or ssh); python3 started by a shell is only a process-group leader. "
        "os.getsid() is not compared in PTY mode (the process group still is).",
    "preload-modules":
        "With --preload M, M (and what it imports) is in sys.modules at start, with the side "
        "effects of importing it (numpy adds warnings filters); compared with python3 running "
        "the same script after importing M itself, everything else identical.",
    "gc-freeze":
        "The zygote calls gc.freeze() before forking (see DESIGN.md), so gc.get_freeze_count() "
        "is non-zero in the program; compared by property (python3: 0, pyattach: >= 0).",
    "refused-flags":
        "Interpreter options that act during interpreter start-up (-i, -v) are refused by "
        "pyattach with a one-line 'pyattach: ...' message and status 2; python3 not compared.",
    "object-addresses":
        "repr() of objects shows their address (' at 0x7f...'), which differs between any two "
        "processes (ASLR); such hex addresses are masked in stdout, stderr and PTY output.",
    "importtime-numbers":
        "-X importtime prints microsecond timings, which differ between any two runs; digits in "
        "the timing columns are masked, module names and nesting compared exactly.",
}

# The sequences pyattach's terminal proxy may write after the program's output
# (attach/terminal_proxy.cpp, kModeReset and kLeaveAlternateScreen).
MODE_RESET = (b"\x1b[0m\x1b[?25h\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l"
              b"\x1b[?1l\x1b>")
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
TERMINAL_RESET_SUFFIXES = (LEAVE_ALTERNATE_SCREEN + MODE_RESET, MODE_RESET)

FRESH = object()  # Case.cwd: a new empty directory for each run


# --------------------------------------------------------------------------------------------
# Running one command and collecting everything observable
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Step:
    """When `pattern` has appeared in `stream` (after the previous step's match), do `action`.

    actions: ("signal", signum) to the runner process (python3, or the pyattach client);
             ("write", bytes) to the program's input (the PTY master, or the stdin pipe);
             ("resize", (rows, cols)) of the PTY.
    """
    stream: str
    pattern: bytes
    action: tuple


@dataclasses.dataclass
class Result:
    argv: list
    mode: str
    stdout: bytes = b""
    stderr: bytes = b""
    tty: bytes = b""
    status: Optional[int] = None
    termios_after: Optional[list] = None
    winsize_after: Optional[tuple] = None
    files: dict = dataclasses.field(default_factory=dict)
    problems: list = dataclasses.field(default_factory=list)
    pid: Optional[int] = None        # the program we started (python3, or the pyattach client)
    shell_pid: Optional[int] = None  # the stand-in shell it was started from


def describe_status(status):
    if status is None:
        return "no status (not reaped)"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return "killed by %s%s (raw 0x%x)" % (signal.Signals(sig).name,
                                              " (core dumped)" if os.WCOREDUMP(status) else "",
                                              status)
    if os.WIFEXITED(status):
        return "exit %d (raw 0x%x)" % (os.WEXITSTATUS(status), status)
    return "raw 0x%x" % status


def _to_bytes(value):
    return value if isinstance(value, bytes) else os.fsencode(value)


def _child_exec(argv, env, cwd, umask, core_limit, fd_map, close_stdin, extra_fds):
    """In the program's process (a job of the stand-in shell): fds, limits, signals, exec."""
    try:
        for src, dst in fd_map:
            os.dup2(src, dst, inheritable=True)
        if close_stdin:
            os.close(0)
        os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        os.chdir(cwd)
        for fd, name, flags in extra_fds:  # as a shell's `3>name`, in ascending order of fd
            opened = os.open(name, flags, 0o644)  # close-on-exec, as Python opens files
            if opened == fd:
                os.set_inheritable(fd, True)
            else:
                os.dup2(opened, fd, inheritable=True)
                os.close(opened)
        os.umask(umask)
        hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
        resource.setrlimit(resource.RLIMIT_CORE, (core_limit, hard))
        for sig in signal.valid_signals():  # as a shell starts a program: all default, none blocked
            if sig not in (signal.SIGKILL, signal.SIGSTOP):
                try:
                    signal.signal(sig, signal.SIG_DFL)
                except (OSError, ValueError):
                    pass
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        os.execve(argv[0], argv, env)
    except BaseException as exc:  # noqa: BLE001 - report anything, then leave
        try:
            os.write(2, ("conformance runner: cannot start %r: %r\n" % (argv, exc)).encode())
        finally:
            os._exit(127)
    os._exit(127)


def _stand_in_shell(report_w, ctty, child_args):
    """A forked stand-in for the caller's interactive shell: a session leader (owning the PTY as
    its controlling terminal in pty/mixed mode) that starts the program as a foreground job in
    its own process group, reports the job's pid, waits for it and reports its raw wait status.
    So the program is, as under a job-control shell, a process-group leader but not a session
    leader, and /dev/tty is the PTY (or absent in pipe mode)."""
    try:
        os.setsid()
        if ctty is not None:
            fcntl.ioctl(ctty, termios.TIOCSCTTY, 0)
        go_r, go_w = os.pipe()
        job = os.fork()
        if job == 0:
            os.setpgid(0, 0)
            os.close(go_w)
            os.read(go_r, 1)  # until the shell has made us the foreground job
            _child_exec(*child_args)
        os.setpgid(job, job)
        if ctty is not None:
            os.tcsetpgrp(ctty, job)
        os.write(report_w, struct.pack("q", job))
        os.write(go_w, b"g")
        os.close(go_w)
        os.close(go_r)
        os.closerange(3, report_w)
        os.closerange(report_w + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        while True:
            try:
                _, status = os.waitpid(job, 0)
                break
            except InterruptedError:
                continue
        os.write(report_w, struct.pack("i", status))
    finally:
        os._exit(0)


def run_command(argv, *, mode, env, cwd, stdin=b"", umask=0o022, core_limit=0, steps=(),
                stdout_limit=None, pre_input=b"", timeout=RUN_TIMEOUT, extra_fds=()):
    """Runs argv and returns a Result. mode: "pipe", "pty" or "mixed".

    stdin (pipe mode): bytes to feed then close, "devnull", or "closed" (fd 0 not open).
    pre_input (pty/mixed): bytes typed into the terminal before the program is started.
    extra_fds: (fd, file name relative to cwd, os.open flags) the program is started with.
    """
    argv = [_to_bytes(a) for a in argv]
    result = Result(argv=argv, mode=mode)
    child_side = []      # fds to close in the parent after fork
    fd_map = []
    readers = {}         # fd -> stream name
    buffers = {"stdout": bytearray(), "stderr": bytearray(), "tty": bytearray()}
    input_fd = None      # where "write" steps go
    stdin_w = None       # pipe we feed stdin through
    master = slave_name = ctty = None
    close_stdin = stdin == "closed"

    if mode in ("pty", "mixed"):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", PTY_ROWS, PTY_COLS, 0, 0))
        slave_name = os.ttyname(slave)
        child_side.append(slave)
        ctty = slave
        readers[master] = "tty"
        input_fd = master
        if pre_input:
            os.write(master, pre_input)
    if mode == "pty":
        fd_map += [(slave, 0), (slave, 1), (slave, 2)]
    else:
        if mode == "mixed":
            fd_map.append((slave, 0))
        elif stdin == "devnull":
            dn = os.open(os.devnull, os.O_RDONLY)
            child_side.append(dn)
            fd_map.append((dn, 0))
        elif not close_stdin:
            r, w = os.pipe()
            child_side.append(r)
            fd_map.append((r, 0))
            stdin_w = w
            input_fd = w
        for target, name in ((1, "stdout"), (2, "stderr")):
            r, w = os.pipe()
            child_side.append(w)
            fd_map.append((w, target))
            readers[r] = name

    env_b = {_to_bytes(k): _to_bytes(v) for k, v in env.items()}
    report_r, report_w = os.pipe()
    shell = os.fork()
    if shell == 0:
        _stand_in_shell(report_w, ctty,
                        (argv, env_b, cwd, umask, core_limit, fd_map, close_stdin, extra_fds))
    os.close(report_w)
    for fd in child_side:
        os.close(fd)
    got = os.read(report_r, 8)
    if len(got) != 8:
        os.waitpid(shell, 0)
        raise RuntimeError("the stand-in shell could not start %r" % (argv,))
    pid = result.pid = struct.unpack("q", got)[0]
    result.shell_pid = shell

    poller = select.poll()
    poller.register(report_r, select.POLLIN)
    for fd in readers:
        os.set_blocking(fd, False)
        poller.register(fd, select.POLLIN)
    pending = memoryview(stdin if isinstance(stdin, bytes) else b"")
    if stdin_w is not None:
        os.set_blocking(stdin_w, False)
        if pending:
            poller.register(stdin_w, select.POLLOUT)
        else:
            os.close(stdin_w)
            stdin_w = input_fd = None

    steps = list(steps)
    search_from = {"stdout": 0, "stderr": 0, "tty": 0}

    def close_reader(fd):
        poller.unregister(fd)
        if fd != master:
            os.close(fd)
        del readers[fd]

    def run_steps():
        nonlocal stdin_w, input_fd, pending
        while steps:
            step = steps[0]
            at = buffers[step.stream].find(step.pattern, search_from[step.stream])
            if at < 0:
                return
            search_from[step.stream] = at + len(step.pattern)
            steps.pop(0)
            kind, arg = step.action
            if kind == "signal":
                if result.status is None:
                    os.kill(pid, arg)
            elif kind == "write":
                if stdin_w is not None and pending:
                    # The given stdin goes first: a program that prompts before we fed it
                    # all (a warm run can) must not read the step's bytes ahead of it.
                    pending = memoryview(bytes(pending) + arg)
                elif input_fd is not None:
                    os.set_blocking(input_fd, True)
                    os.write(input_fd, arg)
                    os.set_blocking(input_fd, False)
            elif kind == "resize":
                fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", arg[0], arg[1], 0, 0))
            else:
                raise ValueError(kind)

    deadline = time.monotonic() + timeout
    exited_at = None
    killed = False
    while readers or result.status is None:
        now = time.monotonic()
        limit = deadline if exited_at is None else min(deadline, exited_at + EOF_GRACE)
        if now >= limit:
            if result.status is None and not killed:
                result.problems.append("still running after %.0f s (steps left: %r); killed"
                                       % (timeout, [s.pattern for s in steps]))
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                killed = True
                deadline = time.monotonic() + EOF_GRACE  # for the shell to report the status
                continue
            if result.status is None:
                os.kill(shell, signal.SIGKILL)
                os.waitpid(shell, 0)
                result.problems.append("the stand-in shell reported no status")
                result.status = -1
            result.problems.append(
                "%s not at EOF %.0f s after the runner exited: another process still holds it"
                % ("/".join(sorted(readers.values())), EOF_GRACE))
            for fd in list(readers):
                close_reader(fd)
            break
        for fd, event in poller.poll(max(0.0, limit - now) * 1000):
            if fd == report_r:
                got = os.read(report_r, 4)
                poller.unregister(report_r)
                os.waitpid(shell, 0)
                result.status = struct.unpack("i", got)[0] if len(got) == 4 else None
                if result.status is None:
                    result.problems.append("the stand-in shell reported no status")
                    result.status = -1
                exited_at = time.monotonic()
            elif fd == stdin_w:
                try:
                    wrote = os.write(stdin_w, pending[:1 << 16])
                    pending = pending[wrote:]
                except BlockingIOError:
                    continue
                except (BrokenPipeError, OSError):
                    pending = pending[:0]
                if not pending:
                    poller.unregister(stdin_w)
                    os.close(stdin_w)
                    stdin_w = input_fd = None
            elif fd in readers:
                name = readers[fd]
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                except OSError:  # EIO: no slave side left open
                    data = b""
                if not data:
                    close_reader(fd)
                    continue
                buffers[name] += data
                if name == "stdout" and stdout_limit is not None and \
                        len(buffers["stdout"]) >= stdout_limit:
                    del buffers["stdout"][stdout_limit:]
                    close_reader(fd)  # the consumer stops reading, like `| head -c N`
                run_steps()
    os.close(report_r)
    if stdin_w is not None:
        os.close(stdin_w)
    if master is not None:
        try:  # the terminal's modes and size after the run, as the caller's shell would find them
            fd = os.open(slave_name, os.O_RDWR | os.O_NOCTTY)
            try:
                result.termios_after = termios.tcgetattr(fd)
                result.winsize_after = struct.unpack(
                    "HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))[:2]
            finally:
                os.close(fd)
        except OSError as exc:
            result.problems.append("cannot reopen the terminal after the run: %s" % exc)
        os.close(master)
    result.stdout, result.stderr, result.tty = (bytes(buffers[k]) for k in ("stdout", "stderr",
                                                                           "tty"))
    return result


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Case:
    name: str
    args: object                 # python3 arguments (list, or callable(ctx) -> list)
    modes: tuple = ("pipe", "pty")
    stdin: object = b""          # pipe mode: bytes, "devnull", "closed", or callable(ctx) -> bytes
    env: dict = dataclasses.field(default_factory=dict)  # set for this call; None removes
    cwd: object = "."            # relative to the work dir (str or bytes), absolute, or FRESH
    umask: int = 0o022
    core_limit: int = 0
    steps: tuple = ()            # pipe/mixed-mode Steps (stream "stdout"/"stderr"/"tty")
    pty_steps: tuple = ()        # pty-mode Steps (stream "tty")
    pre_input: bytes = b""       # pty/mixed: typed before the program starts
    stdout_limit: Optional[int] = None
    pa_opts: tuple = ()          # extra `pyattach run` options (before the python arguments)
    py_args: object = None       # python3's arguments when they must differ (documented)
    files: tuple = ()            # files (relative to a FRESH cwd) compared after the run
    extra_fds: tuple = ()        # (fd, name, os.open flags): open in the caller, as `3>name`
    runs: int = 1                # >1: each side runs this many times (for per-run properties)
    check: Optional[Callable] = None   # custom comparison (test, case, mode, py, pa)
    sanity: Optional[Callable] = None  # asserted on python3's own result: the case tests what it says
    timeout: float = RUN_TIMEOUT


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def S(name):
    return "scripts/" + name


def ready_signal(sig, stream="stdout"):
    return (Step(stream, b"ready\n" if stream != "tty" else b"ready\r\n", ("signal", sig)),)


def exited(code):
    return lambda r: os.WIFEXITED(r.status) and os.WEXITSTATUS(r.status) == code


def signalled(sig):
    return lambda r: os.WIFSIGNALED(r.status) and os.WTERMSIG(r.status) == sig


def out_has(text, stream=None):
    """The text is in the given stream (default: stdout, or the terminal's output on a PTY)."""
    return lambda r: text.encode() in (getattr(r, stream) if stream else r.stdout + r.tty)


CODE_ARGV = ("import sys, json; print(json.dumps(sys.argv, ensure_ascii=False)); "
             "print(repr(sys.path[0]), __name__, '__file__' in globals(), __spec__); "
             "print(sorted(k for k in globals() if k.startswith('__')))")

BYTES_ARG = b"\xff\xfe invalid utf-8"

CASES = [
    # ---- argv, paths, __main__ ----
    Case("argv_spaces_unicode_empty",
         [S("argv_echo.py"), "a b", "", "  leading and trailing  ", "\u00fcn\u00efc\u00f6d\u00e9 \u2713",
          "-x", "--flag=1", "new\nline", "*", "$HOME", "'quoted'", '"dq"']),
    Case("argv_invalid_utf8", [S("argv_echo.py"), BYTES_ARG, b"caf\xc3\xa9"]),
    Case("argv_looks_like_pyattach_options",
         [S("argv_echo.py"), "--python", "/bin/false", "--preload", "nope", "-h", "--"],
         modes=("pipe",)),
    Case("double_dash_before_script", ["--", S("argv_echo.py"), "x"], modes=("pipe",)),
    Case("path_info_relative", [S("path_info.py"), "arg"]),
    Case("path_info_dot_slash", ["./path_info.py"], cwd="scripts", modes=("pipe",)),
    Case("path_info_absolute_from_root", ["{work}/scripts/path_info.py"], cwd="/",
         modes=("pipe",)),
    Case("path_info_via_symlink", ["links/linked_path_info.py"], modes=("pipe",)),
    Case("import_sibling_from_other_cwd", ["{work}/scripts/import_sibling.py"], cwd="/"),
    Case("dir_with_main", [S("app_dir"), "arg"], modes=("pipe",)),
    Case("zip_app_with_main", ["{work}/app.pyz", "arg"], modes=("pipe",)),
    Case("script_with_zip_marker_text", [S("zip_marker_in_text.py"), "arg"], modes=("pipe",)),
    Case("m_package_main", ["-m", "convpkg", "x", "y z"], cwd="scripts"),
    Case("m_submodule_relative_import", ["-m", "convpkg.tool", "q"], cwd="scripts",
         modes=("pipe",)),
    Case("m_missing_module", ["-m", "no_such_module_conf"], modes=("pipe",),
         sanity=exited(1)),
    Case("m_package_without_main", ["-m", "plainpkg"], cwd="scripts", modes=("pipe",)),
    Case("script_missing", [S("does_not_exist.py")], modes=("pipe",), sanity=exited(2)),
    Case("c_with_args", ["-c", CODE_ARGV, "a", "b c", "", "\u00fc"]),
    Case("c_exception", ["-c", "print('in -c')\nraise RuntimeError('raised in -c')"],
         modes=("pipe",), sanity=exited(1)),
    Case("c_exit_status", ["-c", "import sys; print('c exit'); sys.exit(5)"], modes=("pipe",)),
    Case("dash_program_from_stdin", ["-", "a", "b c"], modes=("pipe",),
         stdin=lambda ctx: read_file(os.path.join(SCRIPTS, "stdin_program_source.py"))),
    # ---- cwd, environment, umask ----
    Case("cwd_scripts_dir", ["cwd.py"], cwd="scripts"),
    Case("cwd_with_pwd_set", ["cwd.py"], cwd="scripts", env={"PWD": "{work}/scripts"},
         modes=("pipe",)),
    Case("env_per_call", [S("env_dump.py")],
         env={"CONF_ONLY_THIS_CALL": "set for this call \u00fc", "CONF_BASE_VAR": None,
              "CONF_EMPTY": "", "CONF_EQ": "a=b=c", "CONF_NL": "line1\nline2"},
         sanity=out_has("True set for this call")),
    Case("env_then_without", [S("env_dump.py")], modes=("pipe",),
         sanity=out_has("False None")),
    Case("env_invalid_utf8_value", [S("env_dump.py")], env={"CONF_BYTES": b"\xff\xfe"},
         modes=("pipe",)),
    Case("env_invalid_utf8_name", [S("env_dump.py")], env={b"CONF_\xff\xfe": "value"},
         modes=("pipe", "pty")),
    Case("cwd_invalid_utf8", ["{work}/scripts/cwd_bytes.py"], cwd=b"caf\xe9 dir",
         modes=("pipe", "pty")),
    Case("env_order", [S("env_order.py")], env={"AAA_CONF_LATE": "1", "ZZZ_CONF": "2"},
         modes=("pipe",)),
    Case("pythonpath_for_this_call", [S("pythonpath.py")],
         env={"PYTHONPATH": "{work}/scripts/extra_path"}, sanity=out_has("extmod via")),
    Case("pythonpath_unset", [S("pythonpath.py")], modes=("pipe",), sanity=out_has("no extmod")),
    Case("umask_022", ["{work}/scripts/umask.py"], cwd=FRESH, umask=0o022, modes=("pipe",)),
    Case("umask_077", ["{work}/scripts/umask.py"], cwd=FRESH, umask=0o077),
    Case("umask_002", ["{work}/scripts/umask.py"], cwd=FRESH, umask=0o002, modes=("pipe",)),
    # ---- stdin / stdout data ----
    Case("large_stdin_hash", lambda ctx: [S("stdin_hash.py"), ctx.large_hash, str(LARGE_STDIN_BYTES)],
         stdin=lambda ctx: ctx.large_stdin, modes=("pipe",),
         sanity=lambda r: b"ok\nsha256 ok" in r.stdout),
    Case("large_stdout", [S("stdout_large.py"), str(LARGE_STDOUT_MB)], modes=("pipe",),
         sanity=lambda r: len(r.stdout) >= 50 << 20),
    Case("stdout_2mb_on_terminal", [S("stdout_large.py"), "2"], modes=("pty",)),
    Case("binary_stdout", [S("binary_stdout.py")]),
    Case("stdin_lines_to_eof", [S("stdin_lines.py")],
         stdin=b"alpha\r\nbeta \xc3\xbc\n\ngamma without newline",
         # on a terminal EOF is not sticky: one ^D ends the loop, one each for read()/readline()
         pty_steps=(Step("tty", b"ready\r\n", ("write", b"alpha\rbeta \xc3\xbc\r\x04")),
                    Step("tty", b"lines 2\r\n", ("write", b"\x04\x04")))),
    Case("stdin_bytes_to_eof", [S("stdin_bytes_eof.py")], stdin=bytes(range(256)) * 100,
         modes=("pipe",)),
    Case("stdin_devnull", [S("stdin_bytes_eof.py")], stdin="devnull", modes=("pipe",)),
    Case("stdin_closed_fd", [S("stdin_none.py")], stdin="closed", modes=("pipe",),
         sanity=out_has("stdin None None")),
    # `3>fd3.txt 7>>fd7.txt`: the caller's other fds are inherited at their numbers
    Case("caller_fds_inherited", ["{work}/scripts/inherited_fds.py"], cwd=FRESH, modes=("pipe", "pty", "mixed"),
         extra_fds=((3, "fd3.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                    (7, "fd7.txt", os.O_WRONLY | os.O_CREAT | os.O_APPEND)),
         files=("fd3.txt", "fd7.txt"), sanity=out_has("inherited [3, 7]")),
    Case("closed_stdout_broken_pipe", [S("closed_stdout.py")], modes=("pipe",),
         stdout_limit=STDOUT_LIMIT,
         sanity=lambda r: exited(1)(r) and b"BrokenPipeError" in r.stderr),
    Case("closed_stdout_handled", [S("closed_stdout_handled.py")], modes=("pipe",),
         stdout_limit=STDOUT_LIMIT, sanity=exited(1)),
    Case("closed_stdout_sigpipe", [S("closed_stdout_sigpipe.py")], modes=("pipe",),
         stdout_limit=STDOUT_LIMIT, sanity=signalled(signal.SIGPIPE)),
    Case("stderr_separate", [S("stderr_separate.py")]),
    Case("interleave_buffering", [S("interleave.py")]),
    Case("unicode_out", [S("unicode_out.py"), b"\xff", "\u00e9"], sanity=exited(1)),
    # ---- exceptions and exit ----
    Case("exception_traceback", [S("exc_uncaught.py")], sanity=exited(1)),
    Case("exception_group", [S("exc_group.py")], sanity=exited(1)),
    Case("syntax_error", [S("syntax_error.py")], sanity=exited(1)),
    Case("sys_exit_3", [S("sys_exit.py"), "3"], sanity=exited(3)),
    Case("sys_exit_none", [S("sys_exit.py"), "none"], modes=("pipe",), sanity=exited(0)),
    Case("sys_exit_message", [S("sys_exit.py"), "str"], sanity=exited(1)),
    Case("sys_exit_list", [S("sys_exit.py"), "list"], modes=("pipe",)),
    Case("sys_exit_float", [S("sys_exit.py"), "float"], modes=("pipe",)),
    Case("sys_exit_true", [S("sys_exit.py"), "true"], modes=("pipe",)),
    Case("sys_exit_256", [S("sys_exit.py"), "256"], modes=("pipe",)),
    Case("sys_exit_minus_1", [S("sys_exit.py"), "-1"], modes=("pipe",), sanity=exited(255)),
    Case("systemexit_message", [S("systemexit_msg.py")], sanity=exited(1)),
    Case("os_exit_0", [S("os_exit.py"), "0"]),
    Case("os_exit_7", [S("os_exit.py"), "7"], sanity=exited(7)),
    Case("kill_self_sigterm", [S("kill_self.py"), "SIGTERM"], sanity=signalled(signal.SIGTERM)),
    Case("kill_self_sigkill", [S("kill_self.py"), "SIGKILL"], sanity=signalled(signal.SIGKILL)),
    Case("kill_self_sigabrt", [S("kill_self.py"), "SIGABRT"], sanity=signalled(signal.SIGABRT)),
    Case("killpg_own_process_group", [S("killpg_self.py")], sanity=signalled(signal.SIGTERM),
         timeout=10.0),
    Case("kill_self_sigabrt_core_enabled", ["{work}/scripts/kill_self.py", "SIGABRT"], cwd=FRESH,
         core_limit=resource.RLIM_INFINITY, modes=("pipe",), files=("core",),
         sanity=lambda r: os.WIFSIGNALED(r.status) and os.WCOREDUMP(r.status)),
    Case("atexit_and_del", [S("atexit_del.py")]),
    Case("atexit_raises", [S("atexit_raise.py")], sanity=exited(4)),
    Case("exit_paths", [S("exit_paths.py"), "6"], sanity=exited(6)),
    Case("file_left_open_is_complete", ["{work}/scripts/file_left_open.py"], cwd=FRESH,
         files=("left_open.txt", "left_open.bin", "in_cycle.txt"),
         sanity=lambda r: r.files["left_open.txt"].endswith(b"tail without newline")),
    Case("file_left_open_os_exit", ["{work}/scripts/file_left_open.py", "os_exit"], cwd=FRESH,
         files=("left_open.txt", "left_open.bin", "in_cycle.txt"), modes=("pipe",)),
    # ---- signals from the caller ----
    Case("sigint_keyboardinterrupt_uncaught", [S("signal_wait.py"), "kbd-uncaught"],
         steps=ready_signal(signal.SIGINT), pty_steps=ready_signal(signal.SIGINT, "tty"),
         sanity=signalled(signal.SIGINT)),
    Case("sigint_keyboardinterrupt_caught", [S("signal_wait.py"), "kbd-caught"],
         steps=ready_signal(signal.SIGINT), pty_steps=ready_signal(signal.SIGINT, "tty"),
         sanity=exited(0)),
    Case("ctrl_c_on_terminal", [S("signal_wait.py"), "kbd-uncaught"], modes=("pty",),
         pty_steps=(Step("tty", b"ready\r\n", ("write", b"\x03")),)),
    Case("sigterm_to_runner", [S("signal_wait.py"), "default"],
         steps=ready_signal(signal.SIGTERM), pty_steps=ready_signal(signal.SIGTERM, "tty"),
         sanity=signalled(signal.SIGTERM)),
    Case("sighup_to_runner", [S("signal_wait.py"), "default"], modes=("pipe",),
         steps=ready_signal(signal.SIGHUP), sanity=signalled(signal.SIGHUP)),
    Case("sigquit_to_runner", [S("signal_wait.py"), "default"], modes=("pipe",),
         steps=ready_signal(signal.SIGQUIT), sanity=signalled(signal.SIGQUIT)),
    Case("sigusr1_handler", [S("signal_wait.py"), "handler"],
         steps=ready_signal(signal.SIGUSR1), pty_steps=ready_signal(signal.SIGUSR1, "tty"),
         sanity=out_has("handler got SIGUSR1")),
    Case("sigusr2_default", [S("signal_wait.py"), "default"], modes=("pipe",),
         steps=ready_signal(signal.SIGUSR2), sanity=signalled(signal.SIGUSR2)),
    # ---- threads, subprocesses, fork ----
    Case("threads_joined_at_exit", [S("threads_join.py")], sanity=out_has("worker 2 done")),
    Case("thread_exception", [S("thread_exception.py")]),
    Case("subprocesses", [S("subprocs.py")], env={"CONF_CALL_VAR": "for the children"}),
    Case("fork_in_script", [S("fork_in_script.py")]),
    # ---- terminals ----
    Case("isatty", [S("isatty.py")], modes=("pipe", "pty", "mixed")),
    Case("stdio_config", [S("stdio_config.py")], modes=("pipe", "pty", "mixed")),
    Case("input_prompt", [S("input_prompt.py")], modes=("pipe", "pty", "mixed"),
         stdin=b"world\n", steps=(Step("stdout", b"name? ", ("write", b"world\r")),),
         pty_steps=(Step("tty", b"name? ", ("write", b"world\r")),)),
    Case("input_eof", [S("input_prompt.py")], modes=("pipe",), sanity=exited(4)),
    Case("readline_from_terminal", [S("stdin_tty_read.py")], modes=("pty",),
         pty_steps=(Step("tty", b"type something:\r\n", ("write", b"some text\r")),)),
    Case("typeahead_before_start", [S("input_prompt.py")], modes=("pty",),
         pre_input=b"early\r", timeout=10.0),
    Case("fullscreen_restore", [S("fullscreen.py"), "restore"]),
    Case("fullscreen_left_on_alternate_screen", [S("fullscreen.py"), "leave"], modes=("pty",)),
    Case("curses_app", [S("curses_app.py")], modes=("pty",)),
    Case("winsize", [S("winsize.py")], modes=("pipe", "pty")),
    Case("winsize_resize", [S("winsize.py"), "resize"], modes=("pty",),
         pty_steps=(Step("tty", b"ready\r\n", ("resize", (40, 120))),),
         sanity=out_has("SIGWINCH (120, 40)", "tty")),
    Case("devtty", [S("devtty.py")], modes=("pipe", "pty", "mixed")),
    # ---- interpreter state at start ----
    Case("signal_state", [S("signals_state.py")], modes=("pipe", "pty")),
    Case("sys_modules_at_start", [S("sys_modules.py")], modes=("pipe", "pty")),
    Case("open_fds", [S("open_fds.py")], modes=("pipe", "pty", "mixed")),
    Case("locale_c_utf8", [S("locale_enc.py")]),
    Case("locale_lang_c_coerced", [S("locale_enc.py")], env={"LANG": "C"}, modes=("pipe",)),
    Case("locale_lc_all_c", [S("locale_enc.py")], env={"LC_ALL": "C"}, modes=("pipe",)),
    Case("locale_no_coercion", [S("locale_enc.py")],
         env={"LANG": "C", "PYTHONCOERCECLOCALE": "0"}, modes=("pipe",)),
    Case("pythonioencoding", [S("locale_enc.py")], env={"PYTHONIOENCODING": "latin-1:replace"},
         modes=("pipe",)),
    Case("pythonutf8_off_in_c_locale", [S("locale_enc.py")],
         env={"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}, modes=("pipe",)),
    Case("hash_seed_fixed", ["-c", "print(hash('conformance'), hash(b'x'), {'a', 'b', 'c'})"],
         env={"PYTHONHASHSEED": "0"}, modes=("pipe",)),
    Case("gc_state", [S("gc_state.py")], modes=("pipe",), check=lambda *a: check_gc_state(*a)),
    # ---- interpreter flags (each flag set is its own zygote profile) ----
    Case("flags_none", [S("flags.py")]),
    Case("flags_u", ["-u", S("flags.py")]),
    Case("flags_B", ["-B", S("flags.py")], modes=("pipe",)),
    Case("flags_O", ["-O", S("flags.py")], modes=("pipe",)),
    Case("flags_OO", ["-OO", S("flags.py")], modes=("pipe",)),
    Case("flags_E", ["-E", S("flags.py")], modes=("pipe",),
         env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONWARNINGS": "error",
              "PYTHONPATH": "{work}/scripts/extra_path"}),
    Case("flags_s", ["-s", S("flags.py")], modes=("pipe",)),
    Case("flags_I", ["-I", S("flags.py")], modes=("pipe",)),
    Case("flags_P", ["-P", S("flags.py")], modes=("pipe",)),
    Case("flags_X_dev", ["-X", "dev", S("flags.py")], modes=("pipe",)),
    Case("flags_X_utf8", ["-X", "utf8", S("flags.py")], modes=("pipe",)),
    Case("flags_X_int_max_str_digits", ["-X", "int_max_str_digits=1000", S("flags.py")],
         modes=("pipe",)),
    Case("flags_W_error", ["-W", "error", S("flags.py")], modes=("pipe",)),
    Case("flags_W_attached", ["-Werror::DeprecationWarning", "-Wignore::UserWarning",
                              S("flags.py")], modes=("pipe",)),
    Case("flags_b", ["-b", S("flags.py")], modes=("pipe",)),
    Case("flags_q_R_d", ["-q", "-R", "-d", S("flags.py")], modes=("pipe",)),
    Case("flags_combined_uBs", ["-uBs", S("flags.py")], modes=("pipe",)),
    Case("env_PYTHONUNBUFFERED", [S("flags.py")], env={"PYTHONUNBUFFERED": "1"},
         modes=("pipe",)),
    Case("env_PYTHONDONTWRITEBYTECODE", [S("flags.py")], env={"PYTHONDONTWRITEBYTECODE": "1"},
         modes=("pipe",)),
    Case("env_PYTHONWARNINGS", [S("flags.py")], env={"PYTHONWARNINGS": "error::UserWarning"},
         modes=("pipe",)),
    Case("env_PYTHONOPTIMIZE", [S("flags.py")], env={"PYTHONOPTIMIZE": "2"}, modes=("pipe",)),
    Case("env_PYTHONDEVMODE", [S("flags.py")], env={"PYTHONDEVMODE": "1"}, modes=("pipe",)),
    Case("env_PYTHONSAFEPATH", [S("flags.py")], env={"PYTHONSAFEPATH": "1"}, modes=("pipe",)),
    Case("env_PYTHONNOUSERSITE", [S("flags.py")], env={"PYTHONNOUSERSITE": "1"},
         modes=("pipe",)),
    Case("env_PYTHONFAULTHANDLER", [S("flags.py")], env={"PYTHONFAULTHANDLER": "1"},
         modes=("pipe",)),
    Case("env_PYTHONINTMAXSTRDIGITS", [S("flags.py")], env={"PYTHONINTMAXSTRDIGITS": "700"},
         modes=("pipe",)),
    # ---- what the flags do ----
    Case("u_keeps_unflushed_output_on_os_exit", ["-u", S("os_exit.py"), "0"],
         sanity=out_has("unflushed line")),
    Case("env_unbuffered_keeps_output_on_os_exit", [S("os_exit.py"), "0"],
         env={"PYTHONUNBUFFERED": "1"}, modes=("pipe",), sanity=out_has("unflushed line")),
    Case("B_writes_no_bytecode", ["-B", S("bytecode_write.py")], modes=("pipe",),
         sanity=out_has("pycache written False")),
    Case("bytecode_written_by_default", [S("bytecode_write.py")], modes=("pipe",),
         sanity=out_has("pycache written True")),
    Case("env_no_bytecode", [S("bytecode_write.py")], env={"PYTHONDONTWRITEBYTECODE": "1"},
         modes=("pipe",), sanity=out_has("pycache written False")),
    Case("E_ignores_env_no_bytecode", ["-E", S("bytecode_write.py")],
         env={"PYTHONDONTWRITEBYTECODE": "1"}, modes=("pipe",),
         sanity=out_has("pycache written True")),
    Case("warnings_default", [S("warnings_out.py")]),
    Case("warnings_W_error", ["-W", "error", S("warnings_out.py")], modes=("pipe",),
         sanity=exited(1)),
    Case("warnings_X_dev", ["-X", "dev", S("warnings_out.py")], modes=("pipe",)),
    Case("warnings_env_error", [S("warnings_out.py")], env={"PYTHONWARNINGS": "error"},
         modes=("pipe",), sanity=exited(1)),
    Case("optimize_none", [S("optimize.py")], modes=("pipe",), sanity=exited(1)),
    Case("optimize_O", ["-O", S("optimize.py")], modes=("pipe",), sanity=exited(0)),
    Case("optimize_OO", ["-OO", S("optimize.py")], modes=("pipe",)),
    Case("bytes_warning_b", ["-b", S("bytes_warning.py")], modes=("pipe",)),
    Case("bytes_warning_bb", ["-bb", S("bytes_warning.py")], modes=("pipe",), sanity=exited(1)),
    Case("I_isolates_script_dir", ["-I", "{work}/scripts/import_sibling.py"], cwd="/",
         modes=("pipe",), sanity=exited(1)),
    Case("X_int_max_str_digits_enforced",
         ["-X", "int_max_str_digits=640", "-c", "print(len(str(10 ** 700)))"], modes=("pipe",),
         sanity=exited(1)),
    Case("X_importtime", ["-X", "importtime", "-c", "print('hi')"], modes=("pipe",),
         check=lambda *a: check_importtime(*a), sanity=out_has("import time:", "stderr")),
    # ---- values that differ per process ----
    Case("random_values_differ", [S("random_values.py")], modes=("pipe", "pty"), runs=2,
         check=lambda *a: check_random(*a)),
    Case("pids_sane", [S("pids.py")], modes=("pipe", "pty"), runs=2,
         check=lambda *a: check_pids(*a)),
]

for _case in CASES:  # flags.py must itself run cleanly under every flag set it is used with
    if not callable(_case.args) and S("flags.py") in _case.args and _case.sanity is None:
        _case.sanity = exited(0)


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------

def strip_terminal_reset(expected, got):
    """DOCUMENTED_DIFFERENCES["pty-terminal-reset"]: exactly the proxy's reset sequences, only
    at the very end of pyattach's PTY output, only when python3's output does not end so."""
    for suffix in TERMINAL_RESET_SUFFIXES:
        if got.endswith(suffix) and not expected.endswith(suffix):
            return got[:-len(suffix)]
    return got


def bytes_diff(expected, got, limit=400):
    if expected == got:
        return None
    if len(expected) + len(got) <= 2 * limit:
        return "expected %r\n      got %r" % (expected, got)
    at = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b),
              min(len(expected), len(got)))
    lo = max(0, at - 80)
    return ("lengths expected %d, got %d (sha256 %s vs %s); first difference at byte %d:\n"
            "      expected ...%r...\n      got      ...%r..." % (
                len(expected), len(got), hashlib.sha256(expected).hexdigest()[:12],
                hashlib.sha256(got).hexdigest()[:12], at, expected[lo:at + 200],
                got[lo:at + 200]))


def fields_for(mode):
    return {"pipe": ("stdout", "stderr", "status"),
            "pty": ("tty", "status", "termios_after", "winsize_after"),
            "mixed": ("stdout", "stderr", "tty", "status")}[mode]


ADDRESS = re.compile(rb" at 0x[0-9a-f]{6,16}\b")


def mask_addresses(value):
    """DOCUMENTED_DIFFERENCES["object-addresses"]."""
    return ADDRESS.sub(b" at 0xADDRESS", value) if isinstance(value, bytes) else value


def compare_results(case, mode, py, pa, fields=None, normalise=None):
    """A list of differences (empty when pyattach matched python3)."""
    diffs = []
    if pa.problems:
        diffs.append("pyattach run: " + "; ".join(pa.problems))
    for field in fields or fields_for(mode):
        want, got = mask_addresses(getattr(py, field)), mask_addresses(getattr(pa, field))
        if normalise:
            want, got = normalise(field, want), normalise(field, got)
        if field == "tty":
            got = strip_terminal_reset(want, got)
        if want == got:
            continue
        if field == "status":
            diffs.append("status: expected %s, got %s" % (describe_status(want),
                                                          describe_status(got)))
        elif isinstance(want, bytes):
            diffs.append("%s: %s" % (field, bytes_diff(want, got)))
        else:
            diffs.append("%s: expected %r\n      got %r" % (field, want, got))
    for name in case.files:
        diff = bytes_diff(py.files.get(name) or b"<missing>", pa.files.get(name) or b"<missing>")
        if diff:
            diffs.append("file %s: %s" % (name, diff))
    return diffs


def report(test, case, mode, diffs, py=None, pa=None):
    if not diffs:
        return
    lines = ["pyattach run differs from python3 (case %s, mode %s, args %r):" % (
        case.name, mode, case.args if not callable(case.args) else "<computed>")]
    lines += ["  - " + d for d in diffs]
    log = os.path.join(getattr(test, "pyattach_dir", ""), "broker.log")
    if os.path.exists(log):  # what the broker and zygotes logged during this test
        with open(log, "rb") as f:
            f.seek(getattr(test, "log_offset", 0))
            tail = f.read().splitlines()[-8:]
        if tail:
            lines.append("  (broker.log during this test, last lines: %r)" % tail)
    if py is not None and pa is not None and mode != "pty" and not any(
            d.startswith("stderr") for d in diffs) and pa.stderr and \
            len(py.stdout) < 100000:
        lines.append("  (pyattach stderr: %r)" % pa.stderr[:2000])
    test.fail("\n".join(lines))


def check_gc_state(test, case, mode, py, pa):
    """DOCUMENTED_DIFFERENCES["gc-freeze"]: the freeze count by property, the rest exactly."""
    py, pa = py[0], pa[0]
    frozen = re.compile(rb"^frozen (\d+)$", re.M)
    test.assertEqual(frozen.search(py.stdout).group(1), b"0")
    diffs = compare_results(case, mode, py, pa,
                            normalise=lambda f, v: frozen.sub(b"frozen N", v)
                            if isinstance(v, bytes) else v)
    if not frozen.search(pa.stdout):
        diffs.append("no 'frozen N' line in pyattach's output")
    report(test, case, mode, diffs)


def check_importtime(test, case, mode, py, pa):
    """DOCUMENTED_DIFFERENCES["importtime-numbers"]: timing digits masked."""
    timing = re.compile(rb"import time:\s+\d+ \|\s+\d+ \|")

    def mask(field, value):
        return timing.sub(b"import time: N | N |", value) if isinstance(value, bytes) else value
    report(test, case, mode, compare_results(case, mode, py[0], pa[0], normalise=mask))


def _json_lines(test, result):
    import json
    raw = result.tty if result.mode == "pty" else result.stdout
    return json.loads(raw.decode().strip())


def check_random(test, case, mode, py, pa):
    """DOCUMENTED_DIFFERENCES["per-process-values"]: same keys, every value differs run to run."""
    diffs = []
    keys = None
    for side, runs in (("python3", py), ("pyattach", pa)):
        for r in runs:
            if r.status != 0 or r.problems:
                diffs.append("%s run: %s %s stderr %r" % (side, describe_status(r.status),
                                                         r.problems, r.stderr[:500]))
        if diffs:
            continue
        first, second = (_json_lines(test, r) for r in runs)
        if side == "python3":
            keys = sorted(first)
            test.assertTrue(all(first[k] != second[k] for k in keys), (first, second))
        if sorted(first) != keys or sorted(second) != keys:
            diffs.append("%s printed keys %r, python3 %r" % (side, sorted(first), keys))
        same = [k for k in keys if first.get(k) == second.get(k)]
        if same:
            diffs.append("%s: two consecutive runs drew the same %s (python3 never does)" % (
                side, ", ".join("%s=%r" % (k, first[k]) for k in same)))
    if mode != "pty":
        for a, b in zip(py, pa):
            if a.stderr != b.stderr:
                diffs.append("stderr: %s" % bytes_diff(a.stderr, b.stderr))
    report(test, case, mode, diffs)


def check_pids(test, case, mode, py, pa):
    """pid/ppid by property (DOCUMENTED_DIFFERENCES "per-process-values" and "parent-pid"); the
    derived booleans and counts exactly."""
    diffs = []
    infos = {}
    for side, runs in (("python3", py), ("pyattach", pa)):
        infos[side] = []
        for r in runs:
            if r.status != 0 or r.problems:
                diffs.append("%s run: %s %s stderr %r" % (side, describe_status(r.status),
                                                         r.problems, r.stderr[:500]))
                continue
            infos[side].append(_json_lines(test, r))
    if diffs:
        return report(test, case, mode, diffs)
    # python3 is the process the stand-in shell started
    test.assertEqual([(i["pid"], i["ppid"]) for i in infos["python3"]],
                     [(r.pid, r.shell_pid) for r in py])
    for side in ("python3", "pyattach"):
        a, b = infos[side]
        if a["pid"] == b["pid"]:
            diffs.append("%s: two runs had the same pid %d" % (side, a["pid"]))
        for info in (a, b):
            if info["ppid"] in (0, 1, info["pid"]):
                diffs.append("%s: implausible ppid %d (pid %d)" % (side, info["ppid"], info["pid"]))
        for info, r in zip((a, b), pa if side == "pyattach" else py):
            if side == "pyattach" and info["pid"] == r.pid:
                diffs.append("pyattach: the program runs in the client process?")
    for key in infos["python3"][0]:
        if key in ("pid", "ppid") or (mode == "pty" and key == "sid_is_pid"):
            continue  # DOCUMENTED_DIFFERENCES "parent-pid", "pty-session-leader"
        want = infos["python3"][0][key]
        got = [i[key] for i in infos["pyattach"]]
        if any(g != want for g in got):
            diffs.append("%s: expected %r, got %r" % (key, want, got))
    report(test, case, mode, diffs)


# --------------------------------------------------------------------------------------------
# Test classes
# --------------------------------------------------------------------------------------------

def base_env(pyattach_dir):
    """The caller's environment for both sides: this process's, without anything that would
    make it depend on who runs the suite (PYTHON*, locale, terminal), /usr/bin first in PATH."""
    drop = ("PWD", "OLDPWD", "LANG", "LANGUAGE", "TERM", "COLUMNS", "LINES", "VIRTUAL_ENV",
            "PYENV_VERSION", "TMUX", "STY")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PYATTACH", "LC_")) and k not in drop}
    env["PATH"] = "/usr/bin:" + env.get("PATH", "/bin")
    env["LANG"] = "C.UTF-8"
    env["TERM"] = "xterm"
    env["CONF_BASE_VAR"] = "present in the base environment"
    env["PYATTACH_DIR"] = pyattach_dir
    if ZYGOTE_MODE != "fork":  # for both sides: the programs see the same environment
        env["PYATTACH_MODE"] = ZYGOTE_MODE
    return env


class _LargeData:
    _stdin = None

    @property
    def large_stdin(self):
        if _LargeData._stdin is None:
            _LargeData._stdin = os.urandom(LARGE_STDIN_BYTES)
        return _LargeData._stdin

    @property
    def large_hash(self):
        return hashlib.sha256(self.large_stdin).hexdigest()


class ConformanceBase(unittest.TestCase):
    """One broker per class, in a private PYATTACH_DIR; the corpus copied to a scratch dir
    (imports write __pycache__ there, never into the source tree)."""

    @classmethod
    def setUpClass(cls):
        if not os.access(PYATTACH, os.X_OK):
            raise unittest.SkipTest("no pyattach binary at %s (set PYATTACH_BIN)" % PYATTACH)
        cls.pyattach_dir = tempfile.mkdtemp(prefix="pyattach-conf-")
        os.chmod(cls.pyattach_dir, 0o700)
        cls.scratch = tempfile.mkdtemp(prefix="pyattach-conf-work-")
        cls.work = os.path.join(cls.scratch, "work")
        shutil.copytree(SCRIPTS, os.path.join(cls.work, "scripts"))
        os.mkdir(os.path.join(cls.work, "links"))
        with zipfile.ZipFile(os.path.join(cls.work, "app.pyz"), "w") as app:
            with open(os.path.join(SCRIPTS, "path_info.py")) as f:
                app.writestr("__main__.py", f.read())
        os.symlink(os.path.join("..", "scripts", "path_info.py"),
                   os.path.join(cls.work, "links", "linked_path_info.py"))
        cls.env = base_env(cls.pyattach_dir)
        cls.ctx = _LargeData()
        cls.starter = None
        if VIA_STARTER:
            cls.starter = os.path.join(cls.scratch, "python-starter")
            subprocess.run([PYATTACH, "bundle", "--python", PYTHON, "-o", cls.starter],
                           env=cls.env, check=True)

    @classmethod
    def tearDownClass(cls):
        try:
            subprocess.run([PYATTACH, "kill-server"], env=cls.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        finally:
            shutil.rmtree(cls.scratch, ignore_errors=True)
            shutil.rmtree(cls.pyattach_dir, ignore_errors=True)

    def setUp(self):
        log = os.path.join(self.pyattach_dir, "broker.log")
        self.log_offset = os.path.getsize(log) if os.path.exists(log) else 0

    # -- helpers --

    def expand(self, value):
        if isinstance(value, str):
            return value.replace("{work}", self.work)
        return value

    def case_env(self, case):
        env = dict(self.env)
        for key, value in case.env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = self.expand(value)
        return env

    def run_side(self, case, mode, argv, args):
        if case.cwd is FRESH:
            cwd = tempfile.mkdtemp(dir=self.scratch, prefix="fresh-")
        elif isinstance(case.cwd, bytes):  # a name that is not UTF-8, in the work dir
            cwd = os.path.join(os.fsencode(self.work), case.cwd)
            os.makedirs(cwd, exist_ok=True)
        else:
            cwd = os.path.join(self.work, self.expand(case.cwd))
        stdin = case.stdin(self.ctx) if callable(case.stdin) else case.stdin
        steps = case.pty_steps if mode == "pty" else case.steps
        result = run_command(argv + [self.expand(a) for a in args], mode=mode,
                             env=self.case_env(case), cwd=cwd, stdin=stdin, umask=case.umask,
                             core_limit=case.core_limit, steps=steps,
                             stdout_limit=case.stdout_limit, pre_input=case.pre_input,
                             timeout=case.timeout, extra_fds=case.extra_fds)
        if case.cwd is FRESH:
            names = os.listdir(cwd)
            for name in case.files:
                matches = sorted(n for n in names if n == name or n.startswith(name + "."))
                if matches:
                    with open(os.path.join(cwd, matches[0]), "rb") as f:
                        result.files[name] = f.read() if name != "core" else b"<a core file>"
            shutil.rmtree(cwd, ignore_errors=True)
        return result

    def run_case(self, case, mode, pa_opts=(), py_args=None):
        args = case.args(self.ctx) if callable(case.args) else list(case.args)
        py_args = py_args if py_args is not None else (case.py_args or args)
        pa_cmd = [PYATTACH, "run", "--python", PYTHON, *case.pa_opts, *pa_opts]
        if self.starter and not case.pa_opts and not pa_opts:
            pa_cmd = [self.starter]
        py_runs, pa_runs = [], []
        for _ in range(case.runs):
            py = self.run_side(case, mode, [PYTHON], py_args)
            if py.problems:
                # python3 itself, the reference, did not behave as the harness drives it (seen
                # once in a loaded CI run: a PTY case's python3 never saw the signal sent once
                # it had printed "ready"). Once more, so that the comparison has a reference;
                # pyattach's side gets no second chance.
                sys.stderr.write("%s (%s): python3 itself: %s; running it again\n"
                                 % (case.name, mode, py.problems))
                py = self.run_side(case, mode, [PYTHON], py_args)
            py_runs.append(py)
            pa_runs.append(self.run_side(case, mode, pa_cmd, args))
        for r in py_runs:
            self.assertFalse(r.problems, "python3 itself: %s" % r.problems)
            if case.sanity:
                self.assertTrue(case.sanity(r), "python3 did not behave as case %s expects: %s "
                                "stdout %r stderr %r tty %r" % (
                                    case.name, describe_status(r.status), r.stdout[-300:],
                                    r.stderr[-300:], r.tty[-300:]))
        return py_runs, pa_runs

    def check_case(self, case, mode):
        py, pa = self.run_case(case, mode)
        if case.check:
            return case.check(self, case, mode, py, pa)
        report(self, case, mode, compare_results(case, mode, py[0], pa[0]), py[0], pa[0])


class PipeConformanceTest(ConformanceBase):
    """stdin, stdout, stderr are pipes: pyattach hands the caller's own fds to the program."""


class PtyConformanceTest(ConformanceBase):
    """stdin, stdout, stderr are one terminal: the program runs on a broker PTY, proxied."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A canary, so that a terminal mode that does not work at all fails every test at once
        # with one clear message instead of each one waiting for its hang guard.
        canary = run_command([PYATTACH, "run", "--python", PYTHON, "-c", "print('canary')"],
                             mode="pty", env=cls.env, cwd=cls.work, timeout=10.0)
        cls.canary_failure = None
        if canary.problems or canary.tty != b"canary\r\n" or canary.status != 0:
            cls.canary_failure = (
                "`pyattach run -c \"print('canary')\"` on a terminal did not work, so no "
                "terminal-mode comparison can run: tty output %r, %s, %s" % (
                    canary.tty, describe_status(canary.status), "; ".join(canary.problems)))

    def check_case(self, case, mode):
        if self.canary_failure:
            self.fail(self.canary_failure)
        super().check_case(case, mode)


class MixedConformanceTest(ConformanceBase):
    """stdin a terminal (the controlling one), stdout and stderr pipes (`pyattach run x | less`)."""


# Differences from python3 that are real and not fixed yet: each test still asserts
# python3's behaviour and is expected to fail; when one is fixed, unittest reports an
# "unexpected success" and it must leave this table.  (case name, mode or None) -> why.
KNOWN_FAILURES = {
    ("env_PYTHONDEVMODE", "pipe"): "start-up-only PYTHON* variables come from the zygote, not this call",
    ("env_PYTHONDONTWRITEBYTECODE", "pipe"): "same: start-up-only variable",
    ("env_PYTHONFAULTHANDLER", "pipe"): "same: start-up-only variable",
    ("env_PYTHONINTMAXSTRDIGITS", "pipe"): "same: start-up-only variable",
    ("env_PYTHONOPTIMIZE", "pipe"): "same: start-up-only variable",
    ("env_PYTHONWARNINGS", "pipe"): "same: start-up-only variable",
    ("warnings_env_error", "pipe"): "same: PYTHONWARNINGS is read at start-up",
    ("locale_lang_c_coerced", "pipe"): "UTF-8 mode and locale coercion are the zygote's",
    ("locale_lc_all_c", "pipe"): "same: UTF-8 mode is decided at start-up",
    ("locale_no_coercion", "pipe"): "same: UTF-8 mode is decided at start-up",
    ("pythonutf8_off_in_c_locale", "pipe"): "same: the filesystem encoding is the zygote's",
    ("random_values_differ", None): "hash randomisation happens once, in the zygote",
    ("X_importtime", "pipe"): "-X importtime reports the zygote's imports to the broker log",
    ("devtty", "mixed"): "with fds passed, the program has no controlling terminal",
    ("typeahead_before_start", "pty"): "input typed before raw mode is echoed by both terminals",
    ("kill_self_sigabrt_core_enabled", "pipe"): "the client re-raises the signal with cores off",
    ("env_order", "pipe"): "the environment travels as a JSON object, sorted by name",
}


# Differences that come from forking one interpreter; a spawn-mode program is a fresh one.
FORK_ONLY_FAILURES = {"random_values_differ"}


def _known_failure(name, mode):
    if ZYGOTE_MODE == "spawn" and name in FORK_ONLY_FAILURES:
        return None
    return KNOWN_FAILURES.get((name, mode)) or KNOWN_FAILURES.get((name, None))


def _expected_failure_when_forking(test):
    """unittest.expectedFailure, in fork mode only."""
    return test if ZYGOTE_MODE == "spawn" else unittest.expectedFailure(test)


def _make_test(case, mode):
    def test(self):
        self.check_case(case, mode)
    test.__doc__ = "%s (%s)" % (case.name, mode)
    if _known_failure(case.name, mode):
        test = unittest.expectedFailure(test)
    return test


_CLASSES = {"pipe": PipeConformanceTest, "pty": PtyConformanceTest, "mixed": MixedConformanceTest}
_seen = set()
for _case in CASES:
    assert _case.name not in _seen, _case.name
    _seen.add(_case.name)
    for _mode in _case.modes:
        setattr(_CLASSES[_mode], "test_" + _case.name, _make_test(_case, _mode))


class SpecialConformanceTest(ConformanceBase):
    """Refused flags and --preload."""

    def assert_refused(self, flag_args):
        pa = run_command([PYATTACH, "run", "--python", PYTHON, *flag_args, S("argv_echo.py")],
                         mode="pipe", env=self.env, cwd=self.work)
        lines = pa.stderr.splitlines()
        self.assertEqual((pa.stdout, len(lines), describe_status(pa.status)),
                         (b"", 1, describe_status(2 << 8)),
                         "DOCUMENTED_DIFFERENCES['refused-flags']: %r should give one "
                         "'pyattach: ...' line and status 2; got stderr %r" % (flag_args,
                                                                              pa.stderr))
        self.assertTrue(lines[0].startswith(b"pyattach: "), lines[0])
        self.assertIn(flag_args[0].encode(), lines[0])

    def test_refused_flag_i(self):
        self.assert_refused(["-i"])

    def test_refused_flag_v(self):
        self.assert_refused(["-v"])

    def test_preload_numpy_is_preloaded(self):
        """DOCUMENTED_DIFFERENCES["preload-modules"]: only the first line differs."""
        case = Case("preload_numpy", [S("preload_check.py"), "arg"], modes=("pipe",),
                    pa_opts=("--preload", "numpy"), runs=2)
        py, pa = self.run_case(case, "pipe")
        for r in py + pa:
            self.assertFalse(r.problems, r.problems)
        self.assertIn(b"numpy in sys.modules at start: False\n", py[0].stdout)
        diffs = []
        if not pa[0].stdout.startswith(b"numpy in sys.modules at start: True\n"):
            diffs.append("first line: expected 'numpy in sys.modules at start: True', got %r"
                         % pa[0].stdout.split(b"\n")[0])
        rand = re.compile(rb"^global-random .*$", re.M)

        def norm(field, value):
            if field == "stdout":
                value = rand.sub(b"global-random X", value.split(b"\n", 1)[-1])
            return value
        diffs += compare_results(case, "pipe", py[0], pa[0], normalise=norm)
        draws = [rand.search(r.stdout).group(0) for r in pa if rand.search(r.stdout)]
        if len(draws) == 2 and draws[0] == draws[1]:
            diffs.append("numpy.random global state: two runs drew the same %r" % draws[0])
        report(self, case, "pipe", diffs)

    def test_preload_numpy_sys_modules(self):
        """DOCUMENTED_DIFFERENCES["preload-modules"]: sys.modules at start equals python3's
        after `import numpy`."""
        case = Case("preload_sys_modules", [S("sys_modules.py")], modes=("pipe",),
                    pa_opts=("--preload", "numpy"), py_args=[S("sys_modules.py"), "numpy"])
        py, pa = self.run_case(case, "pipe")
        report(self, case, "pipe", compare_results(case, "pipe", py[0], pa[0]), py[0], pa[0])

    @_expected_failure_when_forking  # random_values_differ (shared hash seed) fails here too
    def test_preload_numpy_same_results(self):
        """Corpus scripts under --preload numpy give exactly python3's results."""
        failures = []
        for name in ("argv_spaces_unicode_empty", "path_info_relative", "exception_traceback",
                     "sys_exit_message", "env_per_call", "signal_state", "kill_self_sigterm",
                     "atexit_and_del", "threads_joined_at_exit", "stdio_config",
                     "random_values_differ"):
            case = next(c for c in CASES if c.name == name)
            case = dataclasses.replace(case, pa_opts=("--preload", "numpy"))
            py, pa = self.run_case(case, "pipe")
            if case.check:
                try:
                    case.check(self, case, "pipe", py, pa)
                except self.failureException as exc:
                    failures.append("%s: %s" % (name, exc))
                continue
            diffs = compare_results(case, "pipe", py[0], pa[0])
            if diffs:
                failures.append("%s: %s" % (name, "\n    ".join(diffs)))
        if failures:
            self.fail("with --preload numpy:\n  " + "\n  ".join(failures))


if __name__ == "__main__":
    unittest.main()
