"""Locale and encodings as set up from this call's environment (LANG/LC_*/PYTHONIOENCODING/UTF8)."""
import locale
import os
import sys

print("preferred", locale.getpreferredencoding(False))
print("fs", sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
print("stdio", [(s.encoding, s.errors) for s in (sys.stdin, sys.stdout, sys.stderr)])
print("utf8_mode", sys.flags.utf8_mode)
print("LC_CTYPE env", os.environ.get("LC_CTYPE"), "LC_ALL env", os.environ.get("LC_ALL"))
print("setlocale", locale.setlocale(locale.LC_CTYPE))
print("text", "d\u00e9j\u00e0 vu \u2713")
