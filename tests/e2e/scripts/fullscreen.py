"""A full-screen program: draws coloured text on the alternate screen, and leaves it
when a line is typed. The primary screen keeps the line printed before."""
import sys

out = sys.stdout
print("primary screen: printed before going full-screen", flush=True)
out.write("\x1b[?1049h\x1b[H\x1b[2J")
out.write("\x1b[5;10H\x1b[31mRED TEXT\x1b[0m")
out.write("\x1b[7;20H\x1b[1;32mGREEN BOLD\x1b[0m")
out.write("\x1b[10;1Hfullscreen ready")
out.flush()
sys.stdin.readline()
out.write("\x1b[?1049l")
print("left fullscreen", flush=True)
sys.stdin.readline()
