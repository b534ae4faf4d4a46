"""A script with the bytes of a zip end record in its text: PK (zipimport is asked, and fails)."""
import sys

print(sys.argv, __file__, sys.path[0], type(__loader__).__name__, __spec__, __package__)
