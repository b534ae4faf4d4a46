"""Signal dispositions, mask, wakeup fd and timers a fresh interpreter starts with."""
import json
import signal

state = {}
for name in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGXFSZ", "SIGCHLD", "SIGHUP", "SIGQUIT",
             "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGALRM",
             "SIGCONT", "SIGURG"):
    h = signal.getsignal(getattr(signal, name))
    state[name] = getattr(h, "__name__", str(h))
state["wakeup_fd"] = signal.set_wakeup_fd(-1)
state["blocked"] = sorted(s.name for s in signal.pthread_sigmask(signal.SIG_BLOCK, []))
state["alarm"] = signal.alarm(0)
state["itimer"] = signal.getitimer(signal.ITIMER_REAL)
with open("/proc/self/status") as f:
    for line in f:
        key, _, value = line.partition(":")
        if key in ("SigBlk", "SigIgn", "SigCgt", "SigPnd", "ShdPnd", "NoNewPrivs"):
            state[key] = value.strip()
print(json.dumps(state, indent=1))
