"""A package run with -m (it has a __main__.py)."""
INIT_NAME = __name__
