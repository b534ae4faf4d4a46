"""Only importable when PYTHONPATH points at extra_path/."""
ORIGIN = "extmod via PYTHONPATH"
