"""Reads stdin with os.read until it returns b'' and reports what came."""
import hashlib
import os

data = bytearray()
while True:
    chunk = os.read(0, 4096)
    if not chunk:
        break
    data += chunk
print(len(data), hashlib.sha256(data).hexdigest()[:16], bytes(data[:40]))
print("second read", os.read(0, 10))
