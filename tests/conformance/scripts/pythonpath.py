"""Shows whether PYTHONPATH given for this call is honoured."""
import os
import sys

try:
    import extmod
    print(extmod.ORIGIN)
except ImportError as exc:
    print("no extmod:", exc)
extra = [p for p in sys.path if p.endswith("extra_path")]
print("extra on sys.path:", [os.path.basename(p) for p in extra], sys.path.index(extra[0]) if extra else None)
print(os.environ.get("PYTHONPATH", "<unset>").endswith("extra_path"))
