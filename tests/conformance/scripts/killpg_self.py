"""Signals its own process group, a common way for a program to stop itself and its helpers.
Under a job-control shell the group is just this job; it must not reach anything else."""
import os
import signal

print("killing my process group", flush=True)
os.killpg(os.getpgrp(), signal.SIGTERM)
signal.pause()
