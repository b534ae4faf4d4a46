"""Prints sys.argv exactly (as JSON and as the raw bytes os.fsencode gives back)."""
import json
import os
import sys

print(json.dumps(sys.argv, ensure_ascii=False))
print([os.fsencode(a) for a in sys.argv[1:]])
print(len(sys.argv))
