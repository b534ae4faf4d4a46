import json
import os
import sys

from . import helper
from .helper import GREETING

print(json.dumps({
    "name": __name__,
    "package": __package__,
    "spec": helper.describe(__spec__),
    "file_tail": __file__.rsplit("/", 2)[-2:],
    "argv": sys.argv,
    "argv0_is_file": sys.argv[0] == __file__,
    "path0": sys.path[0],
    "path0_is_cwd": sys.path[0] == os.getcwd(),
    "greeting": GREETING,
    "pkg_imported": "convpkg" in sys.modules,
}, indent=1))
