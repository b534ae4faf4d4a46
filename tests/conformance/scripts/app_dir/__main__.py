"""A directory with __main__.py given as the script."""
import os
import sys

print(__name__, repr(__spec__.name) if __spec__ else None)
print(sys.argv)
print(os.path.relpath(sys.path[0]), os.path.relpath(__file__))
