"""Buffering decides the order on a shared terminal: partial lines, big writes, explicit flushes."""
import sys

sys.stdout.write("partial stdout line ... ")
sys.stderr.write("stderr line 1\n")
sys.stdout.write("completed\n")
sys.stderr.write("stderr line 2 ")
sys.stdout.write("o" * 10000 + "\n")
sys.stderr.write("stderr after big write\n")
print("flushed", flush=True)
print("unflushed tail", end="")
sys.stderr.write("stderr last\n")
