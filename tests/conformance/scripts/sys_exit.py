"""sys.exit with the value named on the command line."""
import sys

arg = sys.argv[1]
print("exiting with", arg)
value = {"none": None, "str": "exit message on stderr", "list": [1, "two"],
         "float": 1.5, "true": True}.get(arg)
if value is None and arg != "none":
    value = int(arg)
try:
    sys.exit(value)
finally:
    print("finally ran")
