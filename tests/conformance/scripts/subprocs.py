"""Subprocesses spawned by the script inherit cwd, env and stdio like python3's would."""
import os
import subprocess
import sys

r = subprocess.run([sys.executable, "-c", "import sys; print('captured', sys.argv[1:])", "x y"],
                   capture_output=True, text=True)
print("child said:", r.stdout.strip(), r.returncode, flush=True)
subprocess.run([sys.executable, "-c", "print('inherited stdout from a child')"])
r = subprocess.run([sys.executable, "-c", "import sys; sys.exit(7)"])
print("child exit", r.returncode, flush=True)
os.system("echo from a shell; echo to stderr from a shell >&2")
p = subprocess.Popen(["/bin/sh", "-c", "kill -TERM $$"])
print("killed child", p.wait())
print(subprocess.run(["/bin/cat"], input=b"through cat\n", capture_output=True).stdout)
code = ("import os, sys; print(os.getcwd() == sys.argv[1], os.environ.get('CONF_CALL_VAR'), "
        "oct(os.umask(0)), sys.stdout.isatty())")
subprocess.run([sys.executable, "-c", code, os.getcwd()])
print("done", flush=True)
