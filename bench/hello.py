# Start-latency benchmark script: imports the libraries named on the command line (numpy,
# torch, ...; none if no argument), touches each once, and prints one line.
#   python3 hello.py numpy        python3 hello.py torch        python3 hello.py
import importlib
import os
import sys


def touch(module):
    """A tiny operation so the library is used, not only imported."""
    if module.__name__ == "numpy":
        return f"sum(arange(10)) = {module.arange(10).sum()}"
    if module.__name__ == "torch":
        return f"sum(ones(3)) = {module.ones(3).sum().item()}"
    return "imported"


parts = []
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    parts.append(f"{name} {getattr(module, '__version__', '?')}: {touch(module)}")
print(f"hello from pid {os.getpid()}" + (": " + "; ".join(parts) if parts else ""))
