"""Imported by import_sibling.py from the script's own directory (sys.path[0])."""
VALUE = "sibling module value"
WHERE = __name__
