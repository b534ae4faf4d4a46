"""path_info.py with the bytes of a zip end record in its text: PK (zipimport must be asked, and fail)."""
import json
import os
import sys

import __main__

info = {
    "argv": sys.argv,
    "argv0": sys.argv[0],
    "path0": sys.path[0],
    "file": __file__,
    "name": __name__,
    "spec": repr(__spec__),
    "package": __package__,
    "cached": globals().get("__cached__", "<absent>"),
    "loader": type(__loader__).__name__,
    "loader_name": getattr(__loader__, "name", None),
    "loader_path": getattr(__loader__, "path", None),
    "doc": __doc__,
    "builtins": type(__builtins__).__name__,
    "main_keys": sorted(vars(__main__)),
    "main_module_is_this": sys.modules["__main__"] is __main__,
    "orig_argv": getattr(sys, "orig_argv", None),
    "executable": sys.executable,
    "prefix": [sys.prefix, sys.base_prefix, sys.exec_prefix],
    "sys_path": sys.path,
    "cwd_in_path": os.getcwd() in sys.path,
}
print(json.dumps(info, indent=1, ensure_ascii=False))
