"""The working directory, as the program sees it."""
import os

print(os.getcwd())
print(os.path.realpath(".") == os.path.realpath(os.getcwd()))
print(os.environ.get("PWD") == os.getcwd() if "PWD" in os.environ else "no PWD")
print(sorted(os.listdir("."))[:5])
