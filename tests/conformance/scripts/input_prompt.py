"""input() with a prompt; EOF gives EOFError."""
import sys

try:
    name = input("name? ")
except EOFError:
    print("EOF at input()")
    sys.exit(4)
print("hello", repr(name))
print("readline imported:", "readline" in sys.modules)
