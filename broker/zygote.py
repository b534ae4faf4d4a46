"""pyattach zygote: imports a profile's preload modules once, then forks one session child per
request from the broker (pyattachd).  Stdlib only: it runs in the user's own interpreter.

Invocation:  PYTHON zygote.py --fd N [--preload mod1,mod2] [--pool N] [--mode fork|spawn]
                             [--exits ADDRESS] [--hand-pool]
  --exits: children send their exit status to this abstract datagram address (the broker's).
  --hand-pool (pyattachd gives it): each pre-forked child is handed to the broker ("pooled").
  --mode spawn: instead of forking itself, the zygote keeps a pool of N fresh interpreters
  (PYTHON zygote.py --worker 3 ...) that did the preloads and wait, each for one request.
  fd N is an inherited AF_UNIX SOCK_SEQPACKET socket to the broker; stdin is /dev/null and
  stdout/stderr are the zygote's log (diagnostics only, never protocol).

Protocol: each datagram is one UTF-8 JSON object of at most 4 MiB; file descriptors travel with
it as SCM_RIGHTS.
  zygote -> broker
    {"op":"ready","pid":P,"load_ms":F,"version":"3.11.2","executable":E,"modules":[...]}
        once, after every preload imported
    {"op":"watch","dirs":{"/dir":["file.py",...]}}   before ready, in parts: the files of the
        preloaded modules and the interpreter; the broker retires the zygote if one changes
    {"op":"failed","message":TRACEBACK}              a preload raised; the zygote then exits 1
    {"op":"failed","message":M,"reason":M}           not fork-safe (threads, CUDA); M is one line
    {"op":"spawned","id":ID,"pid":P}                 forked the child for request ID
    {"op":"spawn-failed","id":ID,"message":TEXT}     request ID refused (bad request, threads, fork)
    {"op":"exited","id":ID,"pid":P,"status":S}       child reaped; S is the raw os.waitpid status
        (no "id" for a child handed to the broker: the broker knows it by its pid)
    {"op":"stopped","pid":P} / {"op":"continued","pid":P}   a program was stopped (Ctrl-Z on
        its terminal, SIGSTOP) or continued
    {"op":"pooled","pid":P} with 1 fd                --hand-pool: a pre-forked child and our end
        of its channel; the broker sends one spawn request (as below) straight to it, or
        closes it (the child then exits)
  broker -> zygote
    {"op":"spawn","id":ID,"mode":"pty","argv":[...],"cwd":"/abs","env":{"K":"V"},"umask":18}
        with 1 fd, the PTY slave: the child is a session leader with it as controlling tty;
        optionally "inherited_fds", as below
    the same with "mode":"stdio" and 3 fds: the caller's own stdin, stdout, stderr, and
        optionally "status_to":NAME: the child sends its exit status (decimal) to the
        abstract datagram address NAME too, the caller's own, before the broker's; and
        optionally "stdio_closed":[N...], those of 0, 1, 2 the caller did not have open
        (in order): fewer fds come, and the child has these closed, as python3 would; and
        optionally "inherited_fds":[N...], the caller's other fds without close-on-exec
        (ascending, each >= 3): their fds come after stdio, and the child has each at its
        number, as python3 would have inherited it
    {"op":"taken","pid":P,"request":{...}}          --hand-pool: pooled child P got that request;
        the zygote forks a replacement and keeps the request for its children's rehearsal
    end of stream: the broker is gone; the zygote exits, its children keep running
  argv is what follows the interpreter on a command line: ["script.py", "a"], ["-m", "pkg", "a"],
  ["-c", "code", "a"], ["-"] or [] (stdin, or the REPL on a tty); -u and -B are honoured, other
  interpreter options are refused.  Malformed datagrams are logged and ignored.  For one child,
  "spawned" always comes before "exited"; "exited" may come before or after EOF on its PTY.

A child must be indistinguishable from `python3 args...` run in the caller's shell, so it is
specialised (session, fds, signals, env, locale, stdio, cwd, umask, seeds, sys.argv/path/modules,
a fresh __main__), runs the program as pymain would, and ends like Py_FinalizeEx as far as can
be observed (threads joined, atexit, flushes, __del__ of what the child made) but with
os._exit, so the preloaded modules are never torn down.
"""
import sys
import os
import time
import _signal


USAGE = ("usage: zygote.py --fd N [--preload mod1,mod2] [--pool N] [--mode fork|spawn]\n"
         "                 [--exits ADDRESS] [--hand-pool]\n"
         "       zygote.py --worker N --exits ADDRESS [--report 1] [--preload mod1,mod2]")


def parse_options(args):
    """The zygote's own command line (see USAGE).  Returns (fd, preload, pool, mode, exits,
    hand_pool): mode is "fork", "spawn" (a pool of fresh interpreters) or "worker" (one of
    those, on fd N; "report" is appended to exits if it reports its files).  exits is where
    children send their exit status: the broker's address (a worker is given its zygote's),
    or "" for the zygote's own, relayed as "exited".  hand_pool: pre-forked children are
    handed to the broker (see Zygote.hand_over)."""
    fd, preload, pool, mode, exits, hand_pool, i = None, [], 2, "fork", "", False, 0
    while i < len(args):
        if args[i] == "--hand-pool":
            hand_pool, i = True, i + 1
            continue
        name, eq, value = args[i].partition("=")
        if (name not in ("--fd", "--preload", "--pool", "--mode", "--worker", "--exits", "--report")
                or (not eq and i + 1 == len(args))):
            raise SystemExit(USAGE)
        if not eq:
            value, i = args[i + 1], i + 1
        if name in ("--fd", "--worker"):
            fd = int(value)
            mode = "worker" if name == "--worker" else mode
        elif name == "--pool":
            pool = max(0, int(value))
        elif name == "--mode":
            if value not in ("fork", "spawn"):
                raise SystemExit(USAGE)
            mode = value if mode != "worker" else mode
        elif name == "--exits":
            exits = value + exits
        elif name == "--report":
            exits += "\n" + "report"
        else:
            preload += [m for m in value.split(",") if m]
        i += 1
    if fd is None:
        raise SystemExit(USAGE)
    return fd, preload, pool, mode, exits, hand_pool


def import_preloads(names):
    """Import the preloads into what still looks like a fresh interpreter: without the zygote's
    directory on sys.path and without signal state inherited from the broker.  Returns
    (load_ms, None), or (None, exc_info) if an import raised."""
    if sys.path and not getattr(sys.flags, "safe_path", sys.flags.isolated):
        del sys.path[0]
    _signal.pthread_sigmask(_signal.SIG_SETMASK, [])
    for sig in _signal.valid_signals():  # ignored by the broker, but not by a user's shell
        if sig not in (_signal.SIGPIPE, _signal.SIGXFSZ, _signal.SIGKILL, _signal.SIGSTOP):
            try:
                if _signal.getsignal(sig) == _signal.SIG_IGN:
                    _signal.signal(sig, _signal.SIG_DFL)
            except (OSError, ValueError):
                pass
    start = time.perf_counter()
    try:
        for name in names:
            __import__(name)
    except BaseException:
        return None, sys.exc_info()
    warm_up(names)
    return (time.perf_counter() - start) * 1000.0, None


# A library's first calls in a process do work its later calls skip: torch builds each
# operator's Python argument parser and dispatch entries on first use (0.3 ms of
# `torch.ones(3)` in every fresh fork, against 0.02 ms after). Each preload's most common
# calls are made once here, so that no child repeats that work. Only calls that import
# nothing, start no thread and draw no random number (a child's state stays that of a fresh
# `import`); what they raise is ignored.
WARM_UPS = {
    "numpy": "m.arange(6).reshape(2, 3).sum(); (m.ones((2, 3)) * 2.0 + 1).mean().tolist()",
    "torch": "m.ones(3).sum().item(); (m.arange(6).reshape(2, 3) * 2.0 + 1).mean().tolist()",
}


def warm_up(names):
    """Make the first calls of the preloads listed in WARM_UPS."""
    for name in names:
        code = WARM_UPS.get(name)
        if code is not None and name in sys.modules:
            try:
                exec(code, {"m": sys.modules[name]})
            except Exception:
                pass


# The preloads are imported before the zygote's own modules: a session's sys.modules then holds
# what a fresh interpreter that imported them would, once each child drops the zygote's extras.
def close_inherited_fds(keep):
    """Close whatever the broker's process handed down besides stdio and our socket: every
    session would inherit it, where python3 started from a shell has nothing open."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the directory listing's own fd, already gone


if __name__ == "__main__":
    OPTIONS = parse_options(sys.argv[1:])
    close_inherited_fds(OPTIONS[0])
    # In spawn mode this process only hands out requests: the pool's interpreters preload.
    LOADED = import_preloads(OPTIONS[1] if OPTIONS[3] != "spawn" else [])
PRELOADED = frozenset(sys.modules)

import _io  # noqa: E402  (all imports below come after the preloads on purpose)
import array
import _locale
import _warnings
import _weakref
import atexit
import builtins
import codecs
import errno
import fcntl
import gc
import importlib
import io
import json
import marshal
import mmap
import resource
import select
import selectors
import signal
import socket
import stat
import struct
import termios
import traceback
import types
from importlib.machinery import BuiltinImporter, SourceFileLoader, SourcelessFileLoader
from importlib.util import MAGIC_NUMBER

try:  # only to flush C stdio (printf from extensions) before os._exit
    import ctypes
    _c_fflush = ctypes.CDLL(None).fflush
    _c_fflush.argtypes = [ctypes.c_void_p]
except Exception:
    _c_fflush = None

try:  # to copy, ahead of a request, the pages its program will write (PageLearner)
    _madvise = ctypes.CDLL(None, use_errno=True).madvise
    _madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
except Exception:
    _madvise = None
MADV_POPULATE_READ = 22  # Linux 5.14: map pages in as if read
MADV_POPULATE_WRITE = 23  # Linux 5.14: fault pages in as if written, copying shared ones

MAX_DATAGRAM = 4 << 20
MAX_INHERITED_FDS = 250  # kMaxInheritedFds in protocol.hpp
MAX_FDS = 3 + MAX_INHERITED_FDS  # in one request (kMaxPassedFds in protocol.hpp)
SPAWN_DEFAULT_SIGNALS = frozenset(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP}
ALL_SIGNALS = frozenset(signal.valid_signals())
REFILL_DELAY = 0.05  # seconds after a hand-off before the pool is topped up (see serve())
THIS_FILE = (lambda: 0).__code__.co_filename
# The interpreter and its options as the broker started us: the head of every child's sys.orig_argv.
# A profile's startup options (-u, -B, -P, -q, -O, -X dev, ...) are given to the zygote itself.
INTERPRETER_ARGV = list(getattr(sys, "orig_argv", [sys.executable]))[: -len(sys.argv) or None]


def option_letters(args):
    """The one-letter options in an interpreter command line (values of -X/-W skipped)."""
    letters, args = set(), iter(args)
    for arg in args:
        if arg.startswith("-") and not arg.startswith("--"):
            for j, ch in enumerate(arg[1:], 1):
                if ch in "XW":
                    if j == len(arg) - 1:
                        next(args, None)
                    break
                letters.add(ch)
    return letters


ZYGOTE_OPTIONS = option_letters(INTERPRETER_ARGV[1:])  # not sys.flags: that mixes in our env
USAGE = ("usage: %s [option] ... [-c cmd | -m mod | file | -] [arg] ...\n"
         "Try `python -h' for more information.\n")
COERCION_TARGETS = ("C.UTF-8", "C.utf8", "UTF-8")
ZYGOTE_STDIO = (sys.stdin, sys.stdout, sys.stderr)  # kept alive: never flushed or closed by a child
CHILD_STDIO = []  # in a child: the stdio objects it was given (text, buffer, raw)
CHILD_MODULES = [0]  # in a child: len(sys.modules) when the program started (release_child_modules)
# In a pooled child: (path, source, code) of the script its rehearsal compiled (the last
# request's), used if the request runs that very source (see run_script).
COMPILED_AHEAD = []
# In a pooled child: [env, utf8] when its rehearsal left os.environ equal to env and the
# locale set from it (setup_locale gave utf8, and coerced nothing): a request with that env
# has nothing to change (see specialise).
ENVIRON_AHEAD = []


def log(text):
    """Diagnostics for the zygote's log file."""
    sys.stderr.write("pyattach zygote[%d]: %s\n" % (os.getpid(), text.rstrip("\n")))
    sys.stderr.flush()


def c_flush():
    """fflush(NULL): C stdio buffers would be lost by os._exit, or duplicated by fork."""
    if _c_fflush is not None:
        try:
            _c_fflush(None)
        except Exception:
            pass


def thread_count():
    """Number of OS threads in this process (fork is only safe with one)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def penv(name):
    """A PYTHON* variable of the environment as CPython's config reads it (empty = unset)."""
    return None if sys.flags.ignore_environment else (os.environ.get(name) or None)


def receive_datagram(sock, buffer):
    """recv_fds() into a buffer allocated once: a fresh 4 MiB bytes object per request
    costs more than the rest of the hand-off."""
    nbytes, ancillary, flags, _ = sock.recvmsg_into([buffer], socket.CMSG_SPACE(MAX_FDS * 4),
                                                    socket.MSG_CMSG_CLOEXEC)
    fds = array.array("i")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    return bytes(buffer[:nbytes]), list(fds), flags


def replace_environ(env):
    """os.environ becomes env, touching only the variables that differ: clearing and
    refilling it costs a putenv per variable, and the caller's environment is usually the
    zygote's with a few changes."""
    current = os.environ
    for key in [k for k in current if k not in env]:
        del current[key]
    for key, value in env.items():
        if current.get(key) != value:
            current[key] = value


def parse_datagram(data, flags):
    """The JSON value of a received datagram; BadRequest if it was cut or is not JSON."""
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
        raise BadRequest("datagram or its fds truncated")
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as e:
        raise BadRequest("not JSON: %s" % e)


class BadRequest(Exception):
    """A datagram that cannot be served; rid is the request id when one could be read."""

    def __init__(self, message, rid=None):
        super().__init__(message)
        self.rid = rid


def check_spawn(msg, nfds):
    """Validate a spawn request; returns the fields the child needs or raises BadRequest."""
    rid = msg.get("id")
    if rid is None or isinstance(rid, (dict, list)):
        raise BadRequest("spawn request without a usable id")
    mode = msg.get("mode", "pty")
    want = {"pty": 1, "stdio": 3}.get(mode)
    if want is None:
        raise BadRequest("unknown mode %r" % (mode,), rid)
    closed = msg.get("stdio_closed", []) if mode == "stdio" else []
    if (not isinstance(closed, list) or not all(type(fd) is int for fd in closed)
            or closed != sorted(set(closed)) or not set(closed) <= {0, 1, 2}):
        raise BadRequest("stdio_closed must list distinct fds from 0, 1, 2 in order", rid)
    want -= len(closed)
    inherited = msg.get("inherited_fds", [])
    if (not isinstance(inherited, list) or not all(type(fd) is int for fd in inherited)
            or inherited != sorted(set(inherited)) or any(fd < 3 for fd in inherited)
            or len(inherited) > MAX_INHERITED_FDS):
        raise BadRequest("inherited_fds must list at most %d distinct fds from 3 up, in order"
                         % MAX_INHERITED_FDS, rid)
    want += len(inherited)
    if nfds != want:
        raise BadRequest("mode %s needs %d fd(s), got %d" % (mode, want, nfds), rid)
    argv, cwd, env, umask = msg.get("argv"), msg.get("cwd"), msg.get("env"), msg.get("umask")
    if "undecodable" in msg:
        argv, cwd, env = with_exact_bytes(msg["undecodable"], argv, cwd, env, rid)
    if not isinstance(argv, list) or not all(isinstance(a, str) and "\0" not in a for a in argv):
        raise BadRequest("argv must be a list of strings without NUL", rid)
    if not isinstance(cwd, str) or not cwd.startswith("/") or "\0" in cwd:
        raise BadRequest("cwd must be an absolute path", rid)
    if not isinstance(env, dict) or not env_is_valid(env):
        raise BadRequest("env must map names to strings", rid)
    if isinstance(umask, bool) or not isinstance(umask, int) or not 0 <= umask <= 0o7777:
        raise BadRequest("umask must be an integer 0..0o7777", rid)
    status_to = msg.get("status_to")
    if status_to is not None and not (isinstance(status_to, str) and 0 < len(status_to) < 108
                                      and "\0" not in status_to):
        raise BadRequest("status_to must be an abstract socket name", rid)
    return rid, dict(mode=mode, argv=argv, cwd=cwd, env=env, umask=umask, status_to=status_to,
                     stdio_closed=closed, inherited_fds=inherited)


def with_exact_bytes(exact, argv, cwd, env, rid):
    """argv, cwd and env with the strings the caller had as bytes that are not UTF-8 (sent
    as hex, each as "undecodable" names it), decoded as python3 decodes them: with the
    filesystem encoding and surrogateescape, so each turns back into its bytes."""
    def decoded(text):
        if not isinstance(text, str):
            raise ValueError
        return os.fsdecode(bytes.fromhex(text))
    try:
        if not isinstance(exact, dict) or not set(exact) <= {"argv", "env", "cwd"}:
            raise ValueError
        if "argv" in exact:
            argv = list(argv)
            for index, text in exact["argv"].items():
                argv[int(index)] = decoded(text)
        if "env" in exact:
            env = dict(env)
            for name, value in exact["env"].items():
                env[decoded(name)] = decoded(value)
        if "cwd" in exact:
            cwd = decoded(exact["cwd"])
    except (ValueError, TypeError, AttributeError, IndexError):
        raise BadRequest("undecodable must map argv indexes, env names and cwd to hex", rid)
    return argv, cwd, env


def env_is_valid(env):
    """Whether env maps non-empty names without '=' or NUL to strings without NUL. Joined
    and searched whole: a check per variable, in Python, was a third of a child's reading
    of its request."""
    if not env:
        return True
    try:
        names, values = "=".join(env), "\0".join(env.values())  # TypeError: not all str
    except TypeError:
        return False
    return ("" not in env and names.count("=") == len(env) - 1 and "\0" not in names
            and values.count("\0") == len(env) - 1)


class Zygote:
    """The serving loop: the broker socket, SIGCHLD wake-ups, the table of live children."""

    def __init__(self, sock, pool_size, exits_address="", hand_pool=False, learn=False):
        self.sock = sock
        # Requests are read into this, not into a new 4 MiB object each time; anonymous
        # memory, so only the pages a request fills are ever touched. Private: Python's
        # default is MAP_SHARED, and then every pooled child read its request into the
        # zygote's buffer, where the zygote's next request could overwrite it before the
        # child copied it out (a program ran with another run's argv and this one's fds).
        self.buffer = mmap.mmap(-1, MAX_DATAGRAM, flags=mmap.MAP_PRIVATE)
        self.children = {}  # pid -> request id (None: handed to the broker, id unknown here)
        # Pre-forked children not yet given a request, each waiting on its own channel:
        # a request then costs a hand-off instead of a fork (which grows with the
        # zygote's memory: milliseconds for numpy, tens of them for torch).
        self.pool_size = pool_size
        self.idle = []  # [(pid, channel socket)]
        # With hand_pool, each pre-forked child is passed on to the broker at once, its
        # channel and all: the broker then sends a request straight to it and tells us
        # ("taken") so that we fork a replacement. A request no longer waits for this
        # process to wake up, parse it and pass it on.
        self.hand_pool = hand_pool
        self.handed = set()  # pids of pooled children the broker holds, not yet taken
        self.last_dispatch = 0.0  # time.monotonic() of the last hand-off
        # The last request served, or a made-up one: what rehearse() walks through.
        self.sample = json.dumps({"op": "spawn", "id": 0, "mode": "stdio", "argv": ["-c", "0"],
                                  "cwd": "/", "env": dict(os.environ), "umask": 0o22}).encode()
        self.closed_in_child = False
        self.prepared = False  # prepare_child() done (in a child)
        # The zygote's own imports, which a child drops (prepare_child), listed by the zygote
        # whenever sys.modules has grown: walking sys.modules writes the reference count of
        # every module name, and a child would pay a copied page for each (2 MB with torch).
        self.own_modules = None
        self.own_modules_counted = 0
        # Each child sends its exit status to this socket just before os._exit, so "exited"
        # goes out before the kernel has torn down its address space (tens of milliseconds
        # for torch).  Reaping still reports deaths by signal.  Abstract address: a child
        # holds no fd for it while the program runs; SO_PASSCRED: the kernel vouches for
        # the sender, so no other process can fake a status.
        # Given the broker's address, children report to it directly (one process fewer
        # between a program's end and its caller); the zygote's own is then not needed.
        self.exits = None
        self.exits_address = "\0" + exits_address
        if not exits_address:
            self.exits = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self.exits.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            self.exits_address = "\0pyattach-zygote-%d-%s" % (os.getpid(), os.urandom(8).hex())
            self.exits.bind(self.exits_address)
        self.report_pid = 0  # in a child: the pid allowed to report (not its own forks)
        self.status_to = None  # in a child: the caller's address for its status, if it gave one
        self.learner = PageLearner() if learn else None
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ)
        self.sel.register(self.wake_r, selectors.EVENT_READ)
        if self.exits is not None:
            self.sel.register(self.exits, selectors.EVENT_READ)
        if self.learner is not None:
            self.sel.register(self.learner.sock, selectors.EVENT_READ)

    def send(self, **msg):
        """One protocol message to the broker."""
        self.sock.send(json.dumps(msg).encode("utf-8"))

    def serve(self):
        """Serve requests and reap children until the broker closes its end.  The pool is
        refilled only when nothing is waiting, so a burst of requests is answered first, and
        not right after a hand-off unless the pool is empty: on a small machine the fork
        would compete for the CPU with the program just started."""
        while True:
            if self.hand_pool:
                self.hand_over()
            pooled = len(self.idle) + len(self.handed)
            want = pooled < self.pool_size and self.can_fork()
            wait = None
            if want:
                wait = 0 if not pooled else max(
                    0.0, self.last_dispatch + REFILL_DELAY - time.monotonic())
            events = self.sel.select(timeout=wait)
            if not events and want:
                if not pooled or time.monotonic() >= self.last_dispatch + REFILL_DELAY:
                    self.prefork()
                continue
            for key, _ in events:
                if key.fileobj is self.exits:
                    self.early_exit()
                elif self.learner is not None and key.fileobj is self.learner.sock:
                    self.learner.receive()
                elif key.fileobj == self.wake_r:
                    try:
                        while os.read(self.wake_r, 512):
                            pass
                    except BlockingIOError:
                        pass
                    self.reap()
                elif not self.receive():
                    return

    def receive(self):
        """Read and handle one datagram; False when the broker is gone."""
        try:
            data, fds, flags = receive_datagram(self.sock, self.buffer)
        except OSError as e:
            log("broker socket: %s" % e)
            return False
        if not data and not fds:
            return False
        try:
            msg = parse_datagram(data, flags)
            if isinstance(msg, dict) and msg.get("op") == "taken":
                self.taken(msg.get("pid"), data)
                return True
            if not isinstance(msg, dict) or msg.get("op") != "spawn":
                raise BadRequest("not a spawn request: %.200r" % (data,))
            rid, req = check_spawn(msg, len(fds))
            self.spawn(rid, req, fds, data)
            self.sample = data
        except BadRequest as e:
            log("ignored datagram: %s" % e)
            if e.rid is not None:
                self.send(op="spawn-failed", id=e.rid, message=str(e))
        except Exception:
            log("error handling a datagram:\n" + traceback.format_exc())
        finally:
            for fd in fds:  # the parent's copies; a child has its own
                os.close(fd)
        return True

    def hand_over(self):
        """Pass every pooled child to the broker, with its channel (see hand_pool)."""
        for pid, channel in self.idle:
            try:
                socket.send_fds(self.sock, [json.dumps({"op": "pooled", "pid": pid}).encode()],
                                [channel.fileno()])
            except OSError as e:  # the broker is gone: serve() sees its end of stream
                log("cannot hand pooled child %d to the broker: %s" % (pid, e))
            finally:
                channel.close()  # the child exits if the broker did not get it
            self.handed.add(pid)
            self.children[pid] = None
        self.idle = []

    def taken(self, pid, data):
        """The broker gave a pooled child a request: refill the pool after the delay, and
        let later children rehearse with this request (data holds it)."""
        if pid in self.handed:
            self.handed.discard(pid)
            self.last_dispatch = time.monotonic()
        self.sample = data

    def report_end(self, pid, status):
        """Tell the broker that child pid ended; False if it is not one of ours."""
        if pid not in self.children:
            return False
        rid = self.children.pop(pid)
        self.handed.discard(pid)
        msg = dict(op="exited", pid=pid, status=status)
        if rid is not None:
            msg["id"] = rid
        self.send(**msg)
        return True

    def early_exit(self):
        """A child reported its exit status: tell the broker now, not after its teardown."""
        try:
            data, ancillary, _, _ = self.exits.recvmsg(64, socket.CMSG_SPACE(12))
        except OSError:
            return
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid, uid, _ = struct.unpack("iII", payload[:12])
                if uid == os.getuid() and data.isdigit():
                    # What waitpid will say for a normal exit with this status.
                    self.report_end(pid, (int(data) & 0xFF) << 8)

    # Spawn mode: the command line of a fresh interpreter that preloads, then waits for one
    # request (worker_main); None in fork mode.
    worker_argv = None

    def start_worker(self):
        """Spawn mode: add a fresh interpreter to the pool.  It does the preloads and then
        waits for its request like a pre-forked child; no preloaded process is forked, so
        there are no fork hazards."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            # fork + exec, not posix_spawn: glibc's posix_spawn leaves its internal signals
            # (32, 33) ignored in the new program, which a fresh interpreter never has. This
            # zygote preloads nothing in spawn mode, so the fork is cheap.
            pid = os.fork()
            if pid == 0:
                try:
                    for sig in SPAWN_DEFAULT_SIGNALS:
                        try:
                            signal.signal(sig, signal.SIG_DFL)
                        except (OSError, ValueError):
                            pass
                    signal.pthread_sigmask(signal.SIG_SETMASK, [])
                    os.dup2(theirs.fileno(), 3)
                    os.set_inheritable(3, True)  # also when it was fd 3 already
                    os.execv(self.worker_argv[0], self.worker_argv)
                finally:
                    os._exit(127)
        except OSError as e:
            log("cannot start a pool interpreter: %s" % e)
            ours.close()
            self.pool_size = len(self.idle)  # stop trying
            return
        finally:
            theirs.close()
        self.idle.append((pid, ours))

    def can_fork(self):
        """Forking a multi-threaded process would copy only the calling thread."""
        return fork_hazard() is None

    def fork(self):
        """fork() with nothing unwritten that the child would write a second time."""
        for f in ZYGOTE_STDIO:
            try:
                f.flush()
            except Exception:
                pass
        c_flush()
        if len(sys.modules) != self.own_modules_counted:
            self.own_modules = [name for name in sys.modules if name not in PRELOADED]
            self.own_modules_counted = len(sys.modules)
        gc.freeze()
        if self.learner is not None:
            self.learner.before_fork()
        return os.fork()

    def prefork(self):
        """Add one child to the pool: it waits, already forked, for a request."""
        if self.worker_argv is not None:
            return self.start_worker()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            pid = self.fork()
        except OSError as e:
            log("cannot pre-fork: %s" % e)
            ours.close()
            theirs.close()
            self.pool_size = len(self.idle)  # stop trying; requests fork on demand
            return
        if pid == 0:
            try:
                ours.close()
                pooled_child_main(self, theirs)
            finally:
                os._exit(70)  # not reached
        theirs.close()
        self.idle.append((pid, ours))
        self.rehearse()

    def rehearse(self):
        """Walk the hand-off once after a fork, while nothing waits: the fork made every page
        shared with the child again, and each one the hand-off writes would be copied (a few
        microseconds each, a hundred or more pages) while a request waits.  With hand_pool
        requests reach this process only when the pool is empty."""
        if self.hand_pool:
            return
        try:
            self.buffer[:len(self.sample)] = self.sample
            msg = json.loads(bytes(self.buffer[:len(self.sample)]).decode("utf-8"))
            stdio = {"pty": 1}.get(msg.get("mode"), 3 - len(msg.get("stdio_closed", [])))
            check_spawn(msg, stdio + len(msg.get("inherited_fds", [])))
            json.dumps({"op": "spawned", "id": 0, "pid": 0}).encode("utf-8")
            self.sel.select(0)
            time.monotonic()
        except Exception:
            pass

    def spawn(self, rid, req, fds, data):
        """Give request rid to a pooled child, or fork one for it, and tell the broker."""
        if self.worker_argv is not None and not self.idle:
            self.start_worker()  # spawn mode: the request waits for its preloads
        while self.idle:
            pid, channel = self.idle.pop(0)
            try:
                socket.send_fds(channel, [data], fds)
            except OSError as e:  # it died while waiting; reap() collects it
                log("pooled child %d unreachable: %s" % (pid, e))
                continue
            finally:
                channel.close()
            self.children[pid] = rid
            self.send(op="spawned", id=rid, pid=pid)
            self.last_dispatch = time.monotonic()
            return
        if self.worker_argv is not None:
            raise BadRequest("cannot start a Python interpreter for the pool", rid)
        hazard = fork_hazard()
        if hazard:
            raise BadRequest(unsafe_fork_message(hazard), rid)
        try:
            pid = self.fork()
        except OSError as e:
            raise BadRequest("fork failed: %s" % e, rid)
        if pid == 0:
            try:
                child_main(self, req, fds)
            finally:
                os._exit(70)  # not reached: child_main ends in os._exit
        self.children[pid] = rid
        self.send(op="spawned", id=rid, pid=pid)

    def reap(self):
        """Collect every exited child and report its raw wait status; report programs
        stopped and continued, whose caller may follow them (job control)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG | os.WUNTRACED | os.WCONTINUED)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if os.WIFSTOPPED(status) or os.WIFCONTINUED(status):
                if pid in self.children:
                    self.send(op="stopped" if os.WIFSTOPPED(status) else "continued", pid=pid)
                continue
            if not self.report_end(pid, status):  # a pooled child that died before it was used
                for entry in [e for e in self.idle if e[0] == pid]:
                    entry[1].close()
                    self.idle.remove(entry)

    def report_exit(self, status):
        """In a child about to os._exit: the status, ahead of the kernel's teardown.  Not
        from a process the program forked, which may run this same code on its way out."""
        if os.getpid() != self.report_pid:
            return
        # The program is over. Its caller may exit as soon as it has the status, and the
        # broker then hangs up a run whose caller left (SIGHUP) before it has read this
        # report: a handler the program left would run in a half-finalised interpreter.
        signal.pthread_sigmask(signal.SIG_BLOCK, ALL_SIGNALS)
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
                if self.status_to is not None:  # the caller first: it is waiting to exit
                    try:
                        s.sendto(str(status).encode(), "\0" + self.status_to)
                    except OSError:
                        pass  # gone, or it never bound the name: the broker tells it
                s.sendto(str(status).encode(), self.exits_address)
        except OSError:
            pass  # the zygote is gone, or busy: reaping reports it a moment later
        if self.learner is not None:  # the caller has its status: this costs it nothing
            self.learner.learn()

    def close_in_child(self):
        """Drop the zygote's own fds and SIGCHLD wiring in a freshly forked child."""
        if self.closed_in_child:  # a pooled child did this before its request came
            return
        self.closed_in_child = True
        for _, channel in self.idle:  # the other pooled children's channels
            channel.close()
        if self.exits is not None:
            self.exits.close()
        if self.learner is not None:
            self.learner.sock.close()
        self.report_pid = os.getpid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.sel.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
        self.sock.close()


class PageLearner:
    """Learned pre-faulting.  After a fork every page is shared with the zygote, and the
    first write to each one copies it (several microseconds here); the child's page tables
    do not even map the pages of the libraries' code and read-only data, so the first read
    of each one faults too.  A hello script with numpy or torch spends most of its time on
    such faults, in compiling and running the program as much as in our set-up.  The
    rehearsal can only guess which pages a program touches; a program that has run knows.
    So now and then a child, once its caller has the status, reads from /proc/self/pagemap
    which of the zygote's writable pages it copied (present and exclusively mapped) and
    which of its read-only pages it mapped (present), and sends their numbers to the
    zygote; the pooled children forked afterwards fault those pages in while they wait
    (madvise MADV_POPULATE_WRITE and _READ, which leave their content as it is).  The cost
    is memory: each pooled child holds the copied pages (at most MAX_COPIED) before it
    starts, which its program would mostly have copied anyway; mapped pages are shared."""

    MAX_COPIED = 2048  # 8 MiB: a bound on what a child copies for nothing
    MAX_MAPPED = 16384  # page-table entries only
    EVERY = 8  # one child in EVERY learns (the scan takes milliseconds of CPU with torch)
    # For each byte holding bits 56-63 of a pagemap entry: 1 if present (bit 63) and, for
    # a writable mapping, exclusive (bit 56).
    COPIED = bytes(1 if v & 0x81 == 0x81 else 0 for v in range(256))
    MAPPED = bytes(1 if v & 0x80 else 0 for v in range(256))

    def __init__(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.address = "\0pyattach-pages-%d-%s" % (os.getpid(), os.urandom(8).hex())
        self.sock.bind(self.address)
        # What the last learning child touched: array "Q" of the number of copied pages,
        # then the copied pages' numbers, then the mapped ones'.
        self.pages = b""
        self.forks = 0
        self.learning = False  # in a child: learn() scans and reports

    def before_fork(self):
        """In the zygote: decide whether the next child learns (nothing more: this may be
        a fork for a waiting request)."""
        self.forks += 1
        self.learning = self.forks % self.EVERY == 1

    @staticmethod
    def private_mappings():
        """(first page, end page, writable) of this process's readable private mappings;
        what the program mapped itself is there too (madvise in a later child then fails,
        or faults in pages of its own mapping at that place)."""
        ranges = []
        with open("/proc/self/maps", "rb") as maps:
            for line in maps:
                fields = line.split()
                perms = fields[1]
                if perms[0:1] != b"r" or perms[3:4] != b"p" or (
                        len(fields) > 5 and fields[5][:1] == b"[" and fields[5] not in (
                            b"[heap]", b"[stack]")):  # not [vvar], [vdso]
                    continue
                start, _, end = fields[0].partition(b"-")
                ranges.append((int(start, 16) // mmap.PAGESIZE, int(end, 16) // mmap.PAGESIZE,
                               perms[1:2] == b"w"))
        return ranges

    def receive(self):
        """In the zygote: a child's lists, kept if the kernel says it came from our user."""
        try:
            data, ancillary, _, _ = self.sock.recvmsg(
                (1 + self.MAX_COPIED + self.MAX_MAPPED) * 8, socket.CMSG_SPACE(12))
        except OSError:
            return
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                if struct.unpack("iII", payload[:12])[1] == os.getuid():
                    self.pages = data[:len(data) - len(data) % 8]

    def prefault(self, waiting):
        """In an idle pooled child: fault the learned pages in now, until waiting() says a
        request came.  An address no longer mapped (or not writable) here only makes
        madvise fail."""
        if _madvise is None or not self.pages:
            return
        pages = array.array("Q")
        pages.frombytes(self.pages)
        copied = min(pages[0], len(pages) - 1)
        for advice, numbers in ((MADV_POPULATE_WRITE, pages[1:1 + copied]),
                                (MADV_POPULATE_READ, pages[1 + copied:])):
            start = end = None
            for n, page in enumerate(list(numbers) + [None]):
                if page is not None and page == end:
                    end += 1
                    continue
                if n % 64 == 0 and waiting():
                    return
                if start is not None:
                    if _madvise(start * mmap.PAGESIZE, (end - start) * mmap.PAGESIZE,
                                advice) != 0 and ctypes.get_errno() == errno.EINVAL:
                        return  # a kernel without MADV_POPULATE_* (before 5.14)
                start = end = page
                if page is not None:
                    end += 1

    def learn(self):
        """In a child whose caller has its status: report the zygote's pages it touched."""
        if not self.learning:
            return
        self.learning = False  # once (a forked program may end through here too)
        copied, mapped = array.array("Q"), array.array("Q")
        try:
            with open("/proc/self/pagemap", "rb", buffering=0) as pagemap:
                for first, end, writable in self.private_mappings():
                    pages, limit = (copied, self.MAX_COPIED) if writable else (
                        mapped, self.MAX_MAPPED)
                    if len(pages) >= limit:
                        continue
                    flags = os.pread(pagemap.fileno(), (end - first) * 8, first * 8)[7::8]
                    hits = flags.translate(self.COPIED if writable else self.MAPPED)
                    i = hits.find(1)
                    while i >= 0 and len(pages) < limit:
                        pages.append(first + i)
                        i = hits.find(1, i + 1)
            report = array.array("Q", [len(copied)]) + copied + mapped
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
                s.sendto(report.tobytes(), self.address)
        except OSError:
            pass


# ---------------------------------------------------------------- the session child

def pooled_child_main(zygote, channel):
    """A pre-forked child: drop the zygote's fds, wait for one request, then run it like any
    child.  End of stream means the zygote is gone: exit quietly.  Never returns."""
    try:
        prepare_child(zygote)
        # Getting ready pays only while nothing waits: a request that came already (runs
        # back to back) is served at once rather than after milliseconds of faults.
        def waiting():
            return bool(select.select([channel], [], [], 0)[0])
        if not waiting():
            rehearse_request(zygote.sample)
        if zygote.learner is not None:
            zygote.learner.prefault(waiting)
        data, fds, flags = receive_datagram(channel, zygote.buffer)
        channel.close()
    except BaseException:
        os._exit(0)
    if not data and not fds:
        os._exit(0)  # end of stream: whoever held the channel (broker or zygote) is gone
    try:
        req = read_request(data, flags, len(fds))
    except BadRequest as e:
        # Nothing is set up yet: the caller hears it on the stderr it passed (fd 2 here is
        # the zygote's log), and its status is 1, as for any session that cannot start.
        try:
            os.write(callers_stderr(data, fds), b"pyattach: cannot start the session: %s\n"
                     % str(e).encode("utf-8", "replace"))
        finally:
            os._exit(1)
    child_main(zygote, req, fds)


def callers_stderr(data, fds):
    """Where a request that could not be read is best reported: the caller's stderr (or
    terminal) among fds if the request says which one it is, else fd 2, our log; never
    one of the caller's other fds (a jobserver's pipe, a file)."""
    try:
        msg = json.loads(data.decode("utf-8"))
        stdio = fds[:len(fds) - len(msg.get("inherited_fds", []))]
        if msg.get("mode", "pty") == "pty":
            return stdio[0]
        closed = msg.get("stdio_closed", [])
        if 2 not in closed and len(stdio) == 3 - len(closed):
            return stdio[-1]
    except Exception:
        pass
    return 2


def read_request(data, flags, nfds):
    """A request as a pooled child receives it (from the broker, or from the zygote),
    checked as the zygote checks the ones it reads itself."""
    msg = parse_datagram(data, flags)
    if not isinstance(msg, dict):
        raise BadRequest("the request is not a JSON object")
    return check_spawn(msg, nfds)[1]


def child_main(zygote, req, fds):
    """In the forked child: become the session, run the user's program, finish; never returns."""
    zygote.status_to = req.get("status_to")
    try:
        plan = parse_command(req["argv"])
        specialise(zygote, req, fds, plan)
    except BaseException as e:
        try:
            os.write(2, ("pyattach: cannot start the session: %s\n" % e).encode("utf-8", "replace"))
        finally:
            os._exit(1)
    status, sigint = 1, False
    CHILD_MODULES[0] = len(sys.modules)
    try:
        status, sigint = run_main(plan)
    finally:
        finish(status, sigint, zygote.report_exit)


def specialise(zygote, req, fds, plan):
    """Turn the forked zygote into the caller's process: tty, fds, signals, env, stdio, cwd."""
    if req["mode"] == "pty":
        os.setsid()
        fcntl.ioctl(fds[0], termios.TIOCSCTTY, 0)
    else:
        os.setpgid(0, 0)  # its own process group, as a shell with job control gives python3
    # First: it closes the zygote's own fds, whose numbers inherited fds may take below.
    prepare_child(zygote)
    inherited = req["inherited_fds"]
    stdio = fds[:len(fds) - len(inherited)]
    limit = open_file_limit_for(inherited)
    # Received inherited fds may sit on one another's numbers: all above them first.
    above = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, inherited[-1] + 1) for fd in fds[len(stdio):]]
    for fd in fds[len(stdio):]:
        os.close(fd)
    targets = [t for t in (0, 1, 2) if t not in req["stdio_closed"]]
    for target, fd in zip(targets, stdio * 3 if req["mode"] == "pty" else stdio):
        os.dup2(fd, target)  # received fds are >= 3: 0, 1, 2 are always open in the zygote
    for fd in stdio:
        os.close(fd)
    for target in req["stdio_closed"]:
        os.close(target)  # as the caller had it: python3 then makes that sys.std* None
    for target, fd in zip(inherited, above):
        os.dup2(fd, target)  # inheritable, as the caller had it
        os.close(fd)
    if limit is not None:
        resource.setrlimit(resource.RLIMIT_NOFILE, limit)  # the fds above it stay open
    ahead = ENVIRON_AHEAD[:2] if ENVIRON_AHEAD[:1] == [req["env"]] else None
    del ENVIRON_AHEAD[:]
    if ahead is None:
        replace_environ(req["env"])
    time.tzset()
    utf8 = setup_locale() if ahead is None else ahead[1]
    make_stdio("u" in ZYGOTE_OPTIONS or plan.unbuffered or bool(penv("PYTHONUNBUFFERED")), utf8)
    sys.dont_write_bytecode = ("B" in ZYGOTE_OPTIONS or plan.no_bytecode
                               or bool(penv("PYTHONDONTWRITEBYTECODE")))
    os.chdir(req["cwd"])
    os.umask(req["umask"])
    importlib.invalidate_caches()


def open_file_limit_for(inherited):
    """The caller's fds may have numbers above our open-file limit (its own was higher):
    raises the soft limit so that they and their moves fit; returns the limit to put back
    afterwards, or None."""
    if not inherited:
        return None
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = inherited[-1] + 1 + len(inherited)
    if needed <= limit[0]:
        return None
    hard = limit[1] if limit[1] != resource.RLIM_INFINITY else needed
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), limit[1]))
    return limit


def prepare_child(zygote):
    """What a child does whatever its request: run by a pooled child while it waits (so a
    request pays none of it, and the pages it touches are already copied), else at once."""
    if zygote.prepared:
        return
    zygote.prepared = True
    zygote.close_in_child()
    own = zygote.own_modules  # the zygote's own imports: a fresh one lacks them
    for name in own if own is not None else set(sys.modules) - PRELOADED:
        if name not in sys.modules:
            continue
        mod = sys.modules.pop(name)
        parent, _, child = name.rpartition(".")
        if parent in PRELOADED and getattr(sys.modules[parent], child, None) is mod:
            delattr(sys.modules[parent], child)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for name in ("random", "numpy.random", "torch"):  # os.fork reseeds random too; be explicit
        mod = sys.modules.get(name)
        try:
            getattr(mod, "seed", lambda: None)()
        except Exception:
            pass
    importlib.invalidate_caches()  # rehearsed: the request's own call then copies no pages


# Imports only what a fresh interpreter has loaded already: the program must find
# sys.modules as python3 would give it.
REHEARSAL_SOURCE = '''
import os, sys
def double(values):
    return [2 * v for v in values]
class Point:
    def __init__(self, x):
        self.x = x
    def __repr__(self):
        return f"Point({self.x!r})"
print(f"{os.getpid()}: {sum(double(range(10)))} {Point(1)!r} {sys.argv!r}", file=SINK)
'''


def rehearse_request(sample):
    """In an idle pooled child: go through a request's steps once (parse, environment,
    locale, stdio, compile and run a small program, collect), undoing what shows, so the
    pages they write are copied now rather than while the caller waits."""
    saved = (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__, sys.__stderr__)
    try:
        req = json.loads(sample.decode("utf-8"))
        req = req.get("request", req)  # a "taken" notice (hand_pool) holds the request
        plan = parse_command(req["argv"])
        if plan.kind == "script" and not plan.error:
            try:
                compile_ahead(os.path.join(req["cwd"], plan.target))
            except Exception:  # gone, unreadable, not a file: the rest is worth rehearsing
                pass
        replace_environ(req["env"])
        lc_ctype = os.environ.get("LC_CTYPE")
        utf8 = setup_locale()
        if os.environ.get("LC_CTYPE") == lc_ctype:  # a coercion writes, and may warn
            ENVIRON_AHEAD[:] = [req["env"], utf8]
        make_stdio(False, True)
        code = compile(REHEARSAL_SOURCE, "<rehearsal>", "exec", dont_inherit=True)
        exec(code, {"__name__": "__rehearsal__", "SINK": io.StringIO()})
        os.path.realpath(os.getcwd())
        for hook in sys.path_hooks:  # what run_script asks of the script's directory
            try:
                hook(os.getcwd())
                break
            except ImportError:
                continue
        gc.collect()
        gc.get_objects()
    except Exception:
        pass
    finally:
        (sys.stdin, sys.stdout, sys.stderr,
         sys.__stdin__, sys.__stdout__, sys.__stderr__) = saved
        del CHILD_STDIO[:]


def compile_ahead(path):
    """Rehearse run_script for the script at path: read it as run_script will (a plain
    script directly, anything else after asking the path hooks), then compile it and
    keep the code (COMPILED_AHEAD), unless compiling warns: warnings must reach the
    program's stderr when it runs.  (_warnings, not the warnings module: a fresh
    interpreter has not imported that, so neither may we.)"""
    source = plain_script_source(path)  # as run_script reads a plain script
    if source is None:
        for hook in sys.path_hooks:
            try:
                hook(path)
                break
            except ImportError:
                continue
        # A zip (app.pyz) is run by zipimport, which keeps its directory; the program
        # starts with none kept.
        getattr(sys.modules.get("zipimport"), "_zip_directory_cache", {}).pop(path, None)
        if not stat.S_ISREG(os.stat(path).st_mode):
            return  # a directory runs through its importer; a FIFO's writer is the program's
        with open(path, "rb") as f:
            source = f.read()
    if path.endswith(".pyc") or source[:2] == MAGIC_NUMBER[:2]:
        return
    as_error = ("error", None, Warning, None, 0)
    _warnings.filters.insert(0, as_error)
    _warnings._filters_mutated()
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except Exception:  # it warns (or fails): compiled again where the program sees it
        return
    finally:
        _warnings.filters.remove(as_error)
        _warnings._filters_mutated()
    COMPILED_AHEAD[:] = [path, source, code]


def setup_locale():
    """LC_CTYPE from the new environment, PEP 538 coercion; returns whether UTF-8 mode applies."""
    try:
        _locale.setlocale(_locale.LC_CTYPE, "")
    except _locale.Error:
        _locale.setlocale(_locale.LC_CTYPE, "C")
    legacy = _locale.setlocale(_locale.LC_CTYPE, None) in ("C", "POSIX")
    utf8 = {"1": True, "0": False}.get(penv("PYTHONUTF8"), legacy)
    coerce = penv("PYTHONCOERCECLOCALE")
    if legacy and coerce != "0" and not os.environ.get("LC_ALL"):
        for target in COERCION_TARGETS:
            try:
                _locale.setlocale(_locale.LC_CTYPE, target)
            except _locale.Error:
                continue
            os.environ["LC_CTYPE"] = target
            if coerce == "warn":
                os.write(2, ("Python detected LC_CTYPE=C: LC_CTYPE coerced to %s (set another "
                             "locale or PYTHONCOERCECLOCALE=0 to disable this locale coercion "
                             "behavior).\n" % target).encode())
            break
    return utf8


def make_stdio(unbuffered, utf8):
    """Fresh sys.stdin/stdout/stderr over fds 0-2, built like CPython's create_stdio()."""
    encoding = errors = None
    spec = penv("PYTHONIOENCODING")
    if spec:
        encoding, _, errors = spec.partition(":")
        errors = errors or ("strict" if encoding else None)
        encoding = encoding or None
    if encoding is None:
        encoding = "utf-8" if utf8 else (_locale.nl_langinfo(_locale.CODESET) or "utf-8")
    encoding = codecs.lookup(encoding).name
    if errors is None:
        loc = _locale.setlocale(_locale.LC_CTYPE, None)
        legacy = utf8 or loc in ("C", "POSIX") or loc in COERCION_TARGETS
        errors = "surrogateescape" if legacy else "strict"
    streams = []
    for fd, name, write in ((0, "<stdin>", False), (1, "<stdout>", True), (2, "<stderr>", True)):
        try:
            os.fstat(fd)
        except OSError:
            streams.append(None)
            continue
        buffering = 0 if unbuffered and write else -1
        buf = io.open(fd, "wb" if write else "rb", buffering, closefd=False)
        raw = buf if buffering == 0 else buf.raw
        raw.name = name
        line_buffering = not unbuffered and (raw.isatty() or fd == 2)
        text = io.TextIOWrapper(buf, encoding, "backslashreplace" if fd == 2 else errors, "\n",
                                line_buffering, unbuffered)
        text.mode = "w" if write else "r"
        streams.append(text)
        CHILD_STDIO.extend((text, buf, raw))
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams


def parse_command(argv):
    """Split the command line after the interpreter the way Py_Main does."""
    plan = types.SimpleNamespace(argv=argv, kind="stdin", target="", args=[], unbuffered=False,
                                 no_bytecode=False, error=None, set_file=False)
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        opt = argv[i]
        i += 1
        if opt == "--":
            break
        if opt.startswith("--"):
            plan.error = "unsupported interpreter option %s\n" % opt
            return plan
        for j, ch in enumerate(opt[1:], 1):
            if ch == "u":
                plan.unbuffered = True
            elif ch == "B":
                plan.no_bytecode = True
            elif ch in "cm":
                value = opt[j + 1:]
                if not value:
                    if i == len(argv):
                        plan.error = ("Argument expected for the -%s option\n" % ch
                                      + USAGE % INTERPRETER_ARGV[0])
                        return plan
                    value, i = argv[i], i + 1
                plan.kind = "command" if ch == "c" else "module"
                plan.target, plan.args = value, argv[i:]
                return plan
            else:
                plan.error = "unsupported interpreter option -%s\n" % ch
                return plan
    rest = argv[i:]
    if rest and rest[0] != "-":
        plan.kind = "script"
    plan.target, plan.args = (rest[0], rest[1:]) if rest else ("", [])
    return plan


def fresh_main():
    """A new __main__ module with exactly the names CPython gives it at startup."""
    main = types.ModuleType("__main__")
    main.__loader__ = BuiltinImporter
    main.__annotations__ = {}
    main.__builtins__ = builtins
    return main


def run_main(plan):
    """Run the program like pymain_run_python; returns (exit status, died of KeyboardInterrupt)."""
    if hasattr(sys, "orig_argv"):
        sys.orig_argv = INTERPRETER_ARGV + list(plan.argv)
    main = fresh_main()
    sys.modules["__main__"] = main
    d = main.__dict__
    if plan.error:
        sys.stderr.write(plan.error)
        return 2, False
    sys.argv = [{"command": "-c", "module": "-m"}.get(plan.kind, plan.target)] + plan.args
    safe = hasattr(sys.flags, "safe_path") and bool(ZYGOTE_OPTIONS & set("IP")
                                                    or penv("PYTHONSAFEPATH"))
    if plan.kind != "script" and not safe:
        sys.path.insert(0, os.getcwd() if plan.kind == "module" else "")
    status, sigint = 0, False
    try:
        if plan.kind == "script":
            status = run_script(d, plan, safe)
        elif plan.kind == "module":
            import runpy  # as CPython does, so that runpy and what it imports are fresh too
            runpy._run_module_as_main(plan.target, True)
        elif plan.kind == "command":
            exec(compile(plan.target, "<string>", "exec", dont_inherit=True), d)
        elif os.isatty(0):
            run_interactive(d)
        else:
            plan.set_file = True
            d["__file__"], d["__cached__"] = "<stdin>", None
            source = sys.stdin.buffer.read() if sys.stdin is not None else b""
            exec(compile(source, "<stdin>", "exec", dont_inherit=True), d)
        if plan.set_file:
            flush_io()
    except SystemExit as e:
        if plan.set_file:
            flush_io()
        return exit_status(e), False
    except BaseException as e:
        if plan.set_file:  # _PyRun_SimpleFileObject flushes before printing; -c and -m do not
            flush_io()
        report_exception(e)
        status, sigint = 1, isinstance(e, KeyboardInterrupt)
    if plan.set_file:  # like _PyRun_SimpleFileObject, once the file has run
        d.pop("__file__", None)
        d.pop("__cached__", None)
    return status, sigint


def run_script(d, plan, safe):
    """python3 path/to/script.py (or a directory/zip with __main__.py); returns the status."""
    path = plan.target
    abspath = os.getcwd() if path in ("", ".") else os.path.join(os.getcwd(), path)
    importer = None
    sys.path_importer_cache[abspath] = None  # what PyImport_GetImporter leaves behind
    source = plain_script_source(abspath)
    for hook in sys.path_hooks if source is None else ():
        try:
            importer = sys.path_importer_cache[abspath] = hook(abspath)
            break
        except ImportError:
            continue
    if importer is not None:
        sys.path.insert(0, abspath)
        import runpy
        runpy._run_module_as_main("__main__", False)
        return 0
    if not safe:
        sys.path.insert(0, os.path.dirname(os.path.realpath(path)))
    try:
        if source is None:
            with open(abspath, "rb") as f:
                source = f.read()
    except OSError as e:
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n"
                         % (INTERPRETER_ARGV[0], abspath, e.errno, e.strerror))
        return 2
    plan.set_file = True
    d["__file__"], d["__cached__"] = abspath, None
    if abspath.endswith(".pyc") or source[:2] == MAGIC_NUMBER[:2]:
        d["__loader__"] = SourcelessFileLoader("__main__", abspath)
        if source[:4] != MAGIC_NUMBER:
            raise RuntimeError("Bad magic number in .pyc file")
        code = marshal.loads(source[16:])
    else:
        d["__loader__"] = SourceFileLoader("__main__", abspath)
        if COMPILED_AHEAD[:2] == [abspath, source]:  # what compiling this source gives
            code = COMPILED_AHEAD[2]
        else:
            code = compile(source, abspath, "exec", dont_inherit=True)
    del COMPILED_AHEAD[:]
    exec(code, d)
    return 0


def plain_script_source(abspath):
    """The bytes of the script at abspath if no path hook can take it, else None (run_script
    then asks the hooks, as python3 does). No hook can when the hooks are a fresh
    interpreter's (zipimport, then directories) and the script is a regular file without
    the zip end record zipimport looks for in the last 64 KiB. Asking zipimport (which
    opens the file, seeks and reads in Python code) was a tenth of a warm run's set-up."""
    if sys.path_hooks != FRESH_PATH_HOOKS:
        return None
    try:
        if not stat.S_ISREG(os.stat(abspath).st_mode):  # before open: a FIFO's writer waits
            return None
        with open(abspath, "rb") as f:
            source = f.read()
    except OSError:
        return None
    return None if b"PK\x05\x06" in source[-(65535 + 22):] else source


def fresh_path_hooks():
    """sys.path_hooks if it is a fresh interpreter's (zipimport, then FileFinder's), else None."""
    hooks = list(sys.path_hooks)
    zipimport = sys.modules.get("zipimport")
    if (len(hooks) == 2 and zipimport is not None and hooks[0] is zipimport.zipimporter
            and getattr(hooks[1], "__qualname__", "").startswith("FileFinder.path_hook")):
        return hooks
    return None


FRESH_PATH_HOOKS = fresh_path_hooks()


def run_interactive(d):
    """The REPL on a tty: banner, readline, PYTHONSTARTUP, sys.__interactivehook__, the loop."""
    if not sys.flags.quiet:
        sys.stderr.write("Python %s on %s\n" % (sys.version, sys.platform))
        if not sys.flags.no_site:
            sys.stderr.write('Type "help", "copyright", "credits" or "license" for more '
                             'information.\n')
        sys.stderr.flush()
    try:
        if not sys.flags.isolated:
            importlib.import_module("readline")  # input() then edits lines like the real prompt
    except ImportError:
        pass
    startup = penv("PYTHONSTARTUP")
    if startup:
        try:
            with open(startup, "rb") as f:
                startup_code = compile(f.read(), startup, "exec", dont_inherit=True)
            d["__file__"], d["__cached__"] = startup, None
            exec(startup_code, d)
        except SystemExit:
            raise
        except OSError as e:
            sys.stderr.write("Could not open PYTHONSTARTUP\n")
            report_exception(e)
        except BaseException as e:
            report_exception(e)
        d.pop("__file__", None)
        d.pop("__cached__", None)
    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None:
        try:
            hook()
        except Exception as e:
            sys.stderr.write("Failed calling sys.__interactivehook__\n")
            report_exception(e)
    import code
    import codeop
    plain = ~(getattr(codeop, "PyCF_DONT_IMPLY_DEDENT", 0)
              | getattr(codeop, "PyCF_ALLOW_INCOMPLETE_INPUT", 0))

    class Console(code.InteractiveConsole):
        def runsource(self, source, filename="<stdin>", symbol="single"):
            try:
                obj = self.compile(source, filename, symbol)
            except (OverflowError, SyntaxError, ValueError):
                obj = False
            if obj is None:
                return True
            if obj is False:  # recompile as the real REPL does, for its exact error message
                try:
                    flags = self.compile.compiler.flags & plain
                    obj = compile(source + "\n", filename, symbol, flags, True)
                except (OverflowError, SyntaxError, ValueError) as e:
                    report_exception(e)
                    flush_io()
                    return False
            self.runcode(obj)
            flush_io()
            return False

        def showtraceback(self):
            e = sys.exc_info()[1]
            report_exception(e, e.__traceback__.tb_next)

    Console(d, "<stdin>").interact(banner="", exitmsg="")


def exit_status(e):
    """The exit status for an uncaught SystemExit, as handle_system_exit() computes it."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF if -(1 << 63) <= code < 1 << 63 else 255
    try:
        if sys.stderr is not None:
            sys.stderr.write(str(code) + "\n")
            sys.stderr.flush()
        else:
            os.write(2, (str(code) + "\n").encode("utf-8", "backslashreplace"))
    except BaseException:
        pass
    return 1


def flush_io():
    """pythonrun.c flush_io(): flush sys.stderr, then sys.stdout, ignoring any error."""
    for f in (sys.stderr, sys.stdout):
        try:
            f.flush()
        except BaseException:
            pass


def strip_zygote_frames(tb):
    """Drop the zygote's own frames from the head of a traceback."""
    while tb is not None and tb.tb_frame.f_code.co_filename == THIS_FILE:
        tb = tb.tb_next
    return tb


def report_exception(e, tb=False):
    """Print an uncaught exception the way PyErr_Print does: sys.last_*, then sys.excepthook."""
    tb = strip_zygote_frames(e.__traceback__ if tb is False else tb)
    e.__traceback__ = tb
    sys.last_type, sys.last_value, sys.last_traceback = type(e), e, tb
    hook = getattr(sys, "excepthook", None)
    try:
        hook(type(e), e, tb)
    except BaseException as err:
        sys.stderr.write("Error in sys.excepthook:\n")
        sys.__excepthook__(type(err), err, strip_zygote_frames(err.__traceback__))
        sys.stderr.write("\nOriginal exception was:\n")
        sys.__excepthook__(type(e), e, tb)


def report_unraisable(e, obj):
    """An ignored exception, printed like PyErr_WriteUnraisable / the default sys.unraisablehook."""
    tb = strip_zygote_frames(e.__traceback__)
    try:
        if sys.unraisablehook is not sys.__unraisablehook__:
            sys.unraisablehook(types.SimpleNamespace(exc_type=type(e), exc_value=e,
                                                     exc_traceback=tb, err_msg=None, object=obj))
        elif sys.stderr is not None:  # by hand: modules may already be wiped (see finish)
            text = "Exception ignored in: %r\n" % (obj,)
            if tb is not None:
                text += "Traceback (most recent call last):\n" + "".join(traceback.format_tb(tb))
            kind = type(e)
            if kind.__module__ not in ("builtins", "__main__"):
                text += kind.__module__ + "."
            sys.stderr.write("%s%s: %s\n" % (text, kind.__qualname__, e))
            sys.stderr.flush()
    except BaseException:
        pass


# ---------------------------------------------------------------- the fast exit

def finish(status, sigint=False, report_exit=None):
    """End the child the way Py_FinalizeEx is observed (threads, atexit, flush, finalisers, flush),
    then os._exit: the preloaded modules are never torn down."""
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()
        except BaseException as e:
            report_unraisable(e, threading)
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    first_ok = flush_std(True)
    try:
        gc.collect()
        child_files(close=False)  # buffers reach the OS whatever order the finalisers run in
        release_child_modules()
    except BaseException as e:
        report_unraisable(e, None)
    if not flush_std(first_ok) or not first_ok:
        status = 120
    c_flush()
    if sigint:  # die of SIGINT like python3 >= 3.8 after an uncaught KeyboardInterrupt
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
        os.kill(os.getpid(), signal.SIGINT)
        status = 128 + signal.SIGINT
    elif report_exit is not None:
        report_exit(status)
    os._exit(status)


def flush_std(report):
    """flush_std_files(): flush sys.stdout (failure reported) and sys.stderr; False on failure."""
    ok = True
    for f, loud in ((sys.stdout, report), (sys.stderr, False)):
        try:
            if f is None or f.closed:
                continue
        except Exception:
            pass
        try:
            f.flush()
        except BaseException as e:
            ok = False
            if loud:
                report_unraisable(e, f)
    return ok


def release_child_modules():
    """finalize_modules() for what the child made: drop __main__ and post-fork modules, collect
    (their __del__ run with globals intact), close files still open (e.g. kept by a preload),
    then clear the dicts of modules still alive."""
    builtins._ = None
    for name in ("path", "argv", "ps1", "ps2", "last_type", "last_value", "last_traceback",
                 "path_hooks", "path_importer_cache", "meta_path", "__interactivehook__"):
        setattr(sys, name, None)
    sys.stdin, sys.stdout, sys.stderr = (getattr(sys, "__%s__" % n, None)
                                         for n in ("stdin", "stdout", "stderr"))
    # Walking sys.modules writes the reference count of every module name: with torch, a
    # few hundred pages the child would copy while its caller waits for the status. A
    # program that left sys.modules as long as it found it imported nothing of its own
    # (unless it also deleted a module): only __main__ is then the child's.
    own = ["__main__"]
    if len(sys.modules) != CHILD_MODULES[0]:
        own = [name for name in sys.modules if name == "__main__" or name not in PRELOADED]
    alive = []
    for name in own:
        if name not in sys.modules:
            continue
        mod = sys.modules[name]
        if getattr(mod, "__dict__", None) is globals():  # the zygote's own __main__
            continue
        if isinstance(mod, types.ModuleType):
            alive.append(_weakref.ref(mod))
        sys.modules[name] = None
    mod = None
    gc.collect()
    child_files(close=True)
    if thread_count() > 1:  # daemon threads still run: clearing globals under them would make noise
        return
    for ref in reversed(alive):
        mod = ref()
        if mod is not None:
            d = mod.__dict__
            for key in [k for k in d if isinstance(k, str) and k[:1] == "_" and k[1:2] != "_"]:
                d[key] = None
            for key in [k for k in d if isinstance(k, str) and k != "__builtins__"]:
                d[key] = None
        mod = d = None
    gc.collect()


def child_files(close):
    """Flush or close the io objects the child left open (not its stdio), outer wrappers first."""
    keep = {id(f) for f in CHILD_STDIO}
    files = [o for o in gc.get_objects() if isinstance(o, _io._IOBase)
             and not isinstance(o, (_io.BytesIO, _io.StringIO)) and id(o) not in keep]
    ids = {id(f) for f in files}
    inner = set()
    for f in files:
        for r in gc.get_referents(f):
            for v in (r.values() if isinstance(r, dict) else (r,)):
                if id(v) in ids:
                    inner.add(id(v))
    def rank(f):
        return id(f) in inner, not isinstance(f, _io._TextIOBase), isinstance(f, _io._RawIOBase)
    for f in sorted(files, key=rank):
        try:
            if f.closed:
                continue
        except Exception:
            continue
        try:
            inside = getattr(f, "buffer", getattr(f, "raw", None))
            shares_stdio = id(inside) in keep
            f.close() if close and not shares_stdio else f.flush()
        except BaseException as e:
            report_unraisable(e, f)


# ---------------------------------------------------------------- profiles: files, fork safety, spawn

def fork_hazard():
    """Why forking this process now would be unsafe, or None: a fork copies only the calling
    thread (the others' locks stay held forever in the child), and CUDA state does not
    survive a fork at all."""
    threads = thread_count()
    if threads > 1:
        return "the preloaded modules started %d thread%s (a fork copies only one)" % (
            threads - 1, "s" if threads > 2 else "")
    cuda = getattr(sys.modules.get("torch"), "cuda", None)
    initialised = getattr(cuda, "is_initialized", None)
    try:
        if initialised is not None and initialised():
            return "torch has initialised CUDA, which does not survive a fork"
    except Exception:
        pass
    return None


def unsafe_fork_message(hazard):
    """The one line a user sees when fork mode is refused."""
    return "cannot fork this profile: %s; run it with --mode spawn instead" % hazard


def module_files():
    """{directory: {file names}} that must not change under a zygote: every preloaded module
    loaded from a file, and the interpreter.  A symlink's target too, since an edit or an
    upgrade changes the target."""
    paths = {sys.executable}
    for name in PRELOADED:
        path = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(path, str) and path:
            paths.add(os.path.abspath(path))
    dirs = {}
    for path in paths:
        for each in {path, os.path.realpath(path)}:
            directory, name = os.path.split(each)
            if name and os.path.isdir(directory):
                dirs.setdefault(directory, set()).add(name)
    return dirs


def send_watch(send, dirs, limit=48000):
    """The files to watch, in "watch" messages that stay well under the broker's datagram
    limit (a torch zygote has a few thousand)."""
    batch, size = {}, 0
    for directory in sorted(dirs):
        for name in sorted(dirs[directory]):
            cost = len(json.dumps(directory)) + len(json.dumps(name)) + 8
            if batch and size + cost > limit:
                send(op="watch", dirs=batch)
                batch, size = {}, 0
            batch.setdefault(directory, []).append(name)
            size += cost
    if batch:
        send(op="watch", dirs=batch)


def relay_first_worker(zygote):
    """Spawn mode: start the pool's first interpreter and pass its report (watch, then ready
    or failed) on to the broker as this zygote's own.  False if it failed."""
    zygote.start_worker()
    if not zygote.idle:
        zygote.send(op="failed", message="cannot start a Python interpreter for the pool")
        return False
    channel = zygote.idle[0][1]
    while True:
        data = channel.recv(MAX_DATAGRAM)
        op = json.loads(data.decode("utf-8")).get("op") if data else None
        if op is None:
            zygote.send(op="failed", message="the pool's interpreter exited before it was ready")
            return False
        zygote.sock.send(data)
        if op in ("ready", "failed"):
            return op == "ready"


def worker_main(fd, exits, load_ms, failure):
    """Spawn mode, in one of the pool's fresh interpreters: report the preloads to the zygote
    that started us, then wait for one request and run it like a pre-forked child."""
    channel = socket.socket(fileno=fd)
    address, _, report = exits.partition("\n")

    def send(**msg):
        """Only the first interpreter reports (the zygote reads its channel until it is ready).
        The others must not: a message left unread when the zygote closes its end after the
        hand-off would make the kernel reset the channel, request and all."""
        if report:
            channel.send(json.dumps(msg).encode("utf-8"))
    try:
        if failure:
            message = "".join(traceback.format_exception(*failure))
            send(op="failed", message=message[-65536:])
            os._exit(1)
        gc.collect()
        gc.freeze()
        if report:
            send_watch(send, module_files())
        send(op="ready", pid=os.getpid(), load_ms=round(load_ms, 3),
             version=sys.version.split()[0])
        # What a child uses of a zygote (its own sockets are dropped in prepare_child); exit
        # statuses go where the zygote's own children send theirs (the broker, or the zygote).
        placeholder, other_end = socket.socketpair()
        other_end.close()  # else the program would find it open
        zygote = Zygote(placeholder, 0, address)
    except OSError:
        os._exit(0)
    pooled_child_main(zygote, channel)


# ---------------------------------------------------------------- the zygote's start

def main(fd, preload, pool_size, mode, exits, hand_pool, load_ms, failure):
    """Report ready (or failed) for the imported preloads, then serve until the broker goes."""
    if mode == "worker":
        worker_main(fd, exits, load_ms, failure)
    for std in (0, 1, 2):  # keep 0-2 taken so received fds never land there
        try:
            os.fstat(std)
        except OSError:
            os.open(os.devnull, os.O_RDWR)
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    status = 0
    try:
        if failure:
            status = 1
            message = "".join(traceback.format_exception(*failure))
            log("preload failed:\n" + message)
            sock.send(json.dumps({"op": "failed", "message": message[-65536:]}).encode("utf-8"))
        elif mode == "fork" and fork_hazard():
            status = 1
            message = unsafe_fork_message(fork_hazard())
            log(message)
            sock.send(json.dumps({"op": "failed", "message": message,
                                  "reason": message}).encode("utf-8"))
        else:
            gc.collect()
            gc.freeze()
            zygote = Zygote(sock, pool_size, exits.partition("\n")[0], hand_pool,
                            learn=mode == "fork")
            ready = True
            if mode == "spawn":
                worker = INTERPRETER_ARGV + [THIS_FILE, "--worker", "3", "--exits",
                                             zygote.exits_address[1:]]
                if preload:
                    worker += ["--preload", ",".join(preload)]
                zygote.worker_argv = worker + ["--report", "1"]
                ready = relay_first_worker(zygote)
                zygote.worker_argv = worker
            else:
                send_watch(zygote.send, module_files())
                zygote.send(op="ready", pid=os.getpid(), load_ms=round(load_ms, 3),
                            version=sys.version.split()[0], executable=sys.executable,
                            modules=preload)
            if ready:
                zygote.serve()
                log("the broker closed its socket; exiting")
            else:
                status = 1
    except ConnectionError as e:
        log("broker gone: %s" % e)
    sys.stderr.flush()
    os._exit(status)  # no interpreter shutdown: preload threads or teardown must not delay it


if __name__ == "__main__":
    main(*OPTIONS, *LOADED)
