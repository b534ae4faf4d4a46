import sys

from .helper import describe

print(__name__, __package__, describe(__spec__))
print(sys.argv[1:], sys.argv[0].rsplit("/", 2)[-2:])
