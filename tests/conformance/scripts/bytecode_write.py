"""Imports a fresh module and reports whether a .pyc was written (-B / PYTHONDONTWRITEBYTECODE)."""
import os
import shutil
import sys
import tempfile

d = tempfile.mkdtemp(prefix="conf-bytecode-")
try:
    with open(os.path.join(d, "fresh_module_for_pyc.py"), "w") as f:
        f.write("X = 42\n")
    sys.path.insert(0, d)
    import fresh_module_for_pyc  # noqa: E402

    print("imported", fresh_module_for_pyc.X, "dont_write_bytecode", sys.dont_write_bytecode)
    print("pycache written", os.path.isdir(os.path.join(d, "__pycache__")))
finally:
    shutil.rmtree(d)
