"""A real curses program (initscr ... endwin) on the terminal."""
import curses


def main(stdscr):
    height, width = stdscr.getmaxyx()
    stdscr.addstr(0, 0, "curses title", curses.A_BOLD)
    stdscr.addstr(5, 10, "hello from curses")
    stdscr.addstr(height - 1, 0, "%dx%d" % (height, width))
    stdscr.refresh()
    stdscr.addstr(7, 3, "second frame", curses.A_REVERSE)
    stdscr.refresh()
    return height, width


size = curses.wrapper(main)
print("after curses", size)
