"""The order of the environment, as a program iterating os.environ sees it."""
import os

print(list(os.environb))
