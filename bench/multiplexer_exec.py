# pyattach sessions run Python (a fork of the zygote); bench/multiplexer runs the same
# compiled program in every tool's session, so under pyattach this replaces the forked
# interpreter with it, keeping the pid and the session's terminal.
import os
import sys

os.execv(sys.argv[1], sys.argv[1:])
