"""Fed on stdin to `python3 - args`: the program itself comes from stdin."""
import sys

print("argv", sys.argv)
print("path0", repr(sys.path[0]))
print("name", __name__, "file", globals().get("__file__", "<no __file__>"))
print("spec", __spec__)
print("rest of stdin", repr(sys.stdin.read()))
