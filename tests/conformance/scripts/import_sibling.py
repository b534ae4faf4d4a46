"""Imports a module that lives next to this script, from whatever cwd it is run in."""
import os
import sys

import sibling_mod

print(sibling_mod.VALUE, sibling_mod.WHERE)
print(os.path.dirname(sibling_mod.__file__) == os.path.dirname(os.path.abspath(__file__)))
print(sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
