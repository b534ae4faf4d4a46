"""Started in a directory whose name is not UTF-8: python3 decodes it with surrogateescape."""
import os
import sys

print(ascii(os.getcwd()), os.getcwdb())
print(ascii(sys.path[0]))
print(os.path.exists(os.getcwd()), os.listdir(".") == os.listdir(os.getcwd()))
