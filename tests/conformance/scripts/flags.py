"""Interpreter flags as the program sees them: sys.flags and their effects."""
import faulthandler
import json
import site
import sys
import warnings


def pattern(p):
    return getattr(p, "pattern", p)  # a compiled regex, a plain string, or None


def filters():
    return [(a, pattern(m), c.__name__, pattern(mod), line)
            for a, m, c, mod, line in warnings.filters]


print(json.dumps({
    "flags": {name: getattr(sys.flags, name) for name in dir(sys.flags)
              if not name.startswith("_") and name not in ("count", "index", "n_fields",
                                                           "n_sequence_fields",
                                                           "n_unnamed_fields")},
    "warnoptions": sys.warnoptions,
    "xoptions": sys._xoptions,
    "filters": filters(),
    "dont_write_bytecode": sys.dont_write_bytecode,
    "debug": __debug__,
    "faulthandler": faulthandler.is_enabled(),
    "user_site": site.ENABLE_USER_SITE,
    "path": sys.path,
    "stdout": [sys.stdout.line_buffering, sys.stdout.write_through,
               type(sys.stdout.buffer).__name__],
    "stdin_buffer": type(sys.stdin.buffer).__name__,
    "encoding": [sys.stdout.encoding, sys.stdout.errors, sys.getfilesystemencoding()],
    "int_max_str_digits": sys.get_int_max_str_digits(),
    "recursionlimit": sys.getrecursionlimit(),
    "switchinterval": sys.getswitchinterval(),
}, indent=1, sort_keys=True))
