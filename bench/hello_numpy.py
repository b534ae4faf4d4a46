# The README's first command runs this: a script that needs numpy, started warm.
import os
import sys

import numpy

print(f"hello from pid {os.getpid()}: numpy {numpy.__version__}, "
      f"sum(arange(10)) = {numpy.arange(10).sum()}, argv = {sys.argv[1:]}")
