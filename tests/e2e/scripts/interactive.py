"""Echoes each line typed at it, so a test can see that input reaches the program.

Prints "started ..." and "ready" once it waits for input. "exit N" ends it with status N;
SIGUSR1 makes it print "usr1 received" (output while nobody is attached), SIGCONT
"continued" (its terminal is its own again after a stop); Ctrl-C is left
to Python (an uncaught KeyboardInterrupt).

It waits for input with select() on stdin and a signal wake-up pipe before reading:
a plain input() can sleep through a signal that arrives just before its read() starts
(CPython runs Python-level handlers only between bytecodes), which would make tests
that send a signal right after "ready" flaky.
"""
import os
import select
import signal
import sys

wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)


def wait_for_input():
    """Returns once a line can be read; signal handlers run as soon as a signal comes."""
    while True:
        ready, _, _ = select.select([sys.stdin, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 512)
        if sys.stdin in ready:
            return


def on_usr1(signum, frame):
    print("usr1 received", flush=True)


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGCONT, lambda signum, frame: print("continued", flush=True))
print("started pid=%d args=%s" % (os.getpid(), " ".join(sys.argv[1:])), flush=True)
print("ready", flush=True)
while True:
    wait_for_input()
    try:
        line = input()
    except EOFError:
        print("eof", flush=True)
        sys.exit(0)
    if line.startswith("exit "):
        print("bye", flush=True)
        sys.exit(int(line.split()[1]))
    print("got: " + line, flush=True)
