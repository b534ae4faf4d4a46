"""A package without __main__.py: `-m plainpkg` must fail like python3."""
