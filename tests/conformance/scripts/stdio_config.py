"""How the standard streams are set up: classes, encodings, buffering."""
import io
import sys


def describe(s):
    buf = getattr(s, "buffer", None)
    return {"type": type(s).__name__, "name": s.name, "mode": getattr(s, "mode", None),
            "encoding": s.encoding, "errors": s.errors, "line_buffering": s.line_buffering,
            "write_through": s.write_through, "newlines": s.newlines, "fileno": s.fileno(),
            "buffer": type(buf).__name__, "raw": type(getattr(buf, "raw", None)).__name__,
            "closefd": getattr(getattr(buf, "raw", None), "closefd", None),
            "is_orig": s is getattr(sys, "__%s__" % s.name.strip("<>"), None)}


for s in (sys.stdin, sys.stdout, sys.stderr):
    print(describe(s))
print(io.DEFAULT_BUFFER_SIZE, sys.getdefaultencoding(), sys.getfilesystemencoding())
