"""Curses-style output by hand: alternate screen, cursor moves, colours, hidden cursor.

mode restore: leaves the alternate screen and shows the cursor before exiting.
mode leave: exits while still on the alternate screen with the cursor hidden.
"""
import sys

w = sys.stdout.write
w("\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l")
w("\x1b[1;1H\x1b[7m title bar \x1b[0m")
for row in range(1, 6):
    w("\x1b[%d;%dHrow %d" % (row * 3, row * 7, row))
w("\x1b[20;1H\x1b[1;31mred bold\x1b[0m \x1b[38;5;82mcolour 82\x1b[39m")
w("\x1b[10;40H\x1b[K\x1b[s\x1b[2Amoved\x1b[u")
sys.stdout.flush()
if sys.argv[1] == "restore":
    w("\x1b[?25h\x1b[?1049l")
    print("back on the main screen")
