"""The modules already imported when the script starts (after importing argv's modules first)."""
import sys

for name in sys.argv[1:]:
    __import__(name)
mods = sorted(sys.modules)
print(len(mods))
print("\n".join(mods))
