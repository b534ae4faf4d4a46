"""Garbage collector state a fresh interpreter starts with."""
import gc

print("enabled", gc.isenabled(), "threshold", gc.get_threshold())
print("frozen", gc.get_freeze_count())
print("garbage", gc.garbage, "callbacks", gc.callbacks)
