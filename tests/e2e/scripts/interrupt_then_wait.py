"""Prints "ready", turns the first Ctrl-C into "caught", then waits for input forever:
whatever ends it afterwards is a signal from outside."""
import signal
import sys

caught = []
signal.signal(signal.SIGINT, lambda *_: (caught.append(1), print("caught", flush=True)))
print("ready", flush=True)
while True:
    signal.pause()
