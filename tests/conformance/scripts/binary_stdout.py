"""Every byte value on stdout.buffer, plus NULs, CR/LF and invalid UTF-8."""
import sys

out = sys.stdout.buffer
out.write(bytes(range(256)))
out.write(b"\n\x00\x00\r\n\xff\xfe\xc3(\n")
out.write(bytes(range(255, -1, -1)) * 3)
out.write(b"\n")
out.flush()
sys.stdout.write("text after binary \u2713\n")
