"""Writes a lot of deterministic output: text via print, then binary chunks via the buffer."""
import sys

megabytes = int(sys.argv[1])
text_mb = min(4, megabytes)
line = "%09d " + "abcdefghijklmnopqrstuvwxyz" * 3 + "0123456789" + "\u00e9" * 5
count = 0
written = 0
while written < text_mb << 20:
    out = line % count
    print(out)
    written += len(out.encode()) + 1
    count += 1
sys.stdout.flush()
base = bytes(range(256)) * 4096  # 1 MiB
for i in range((megabytes - text_mb)):
    tag = b"<chunk %06d>" % i
    sys.stdout.buffer.write(tag + base[len(tag):])
print("end of output", count)
