"""Non-ASCII text on stdout and stderr, surrogate-escaped argv, then an unencodable character."""
import sys

print("h\u00e9llo w\u00f6rld \u2713 \U0001f40d \u4e2d\u6587")
print("stderr \u00fc\u00df", file=sys.stderr)
print("argv", [ascii(a) for a in sys.argv[1:]])
sys.stdout.flush()
print("escaped surrogate \udcff")
sys.stdout.flush()
print("unpaired surrogate \ud800")
