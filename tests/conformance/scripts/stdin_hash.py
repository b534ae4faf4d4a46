"""Reads all of stdin (binary) to EOF and checks it against the expected size and sha256."""
import hashlib
import sys

expected_hash, expected_len = sys.argv[1], int(sys.argv[2])
h = hashlib.sha256()
total = reads = 0
while True:
    chunk = sys.stdin.buffer.read1(1 << 16)
    if not chunk:
        break
    h.update(chunk)
    total += len(chunk)
    reads += 1
print("bytes", total, "expected", expected_len, "ok" if total == expected_len else "SHORT")
print("sha256", "ok" if h.hexdigest() == expected_hash else "MISMATCH " + h.hexdigest())
print("read after EOF", sys.stdin.buffer.read())
