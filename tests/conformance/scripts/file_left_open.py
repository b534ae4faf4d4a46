"""Files left open and unflushed must be complete on disk after a normal exit (not after os._exit)."""
import os
import sys

text = open("left_open.txt", "w")
text.write("line of text\n" * 20000)
text.write("tail without newline")
binary = open("left_open.bin", "wb")
binary.write(b"\x00\x01\x02" * 5000 + b"end")


def in_a_cycle():
    f = open("in_cycle.txt", "w")
    f.write("data held only by a reference cycle")
    holder = [f]
    holder.append(holder)


in_a_cycle()
print("written, not closed")
if sys.argv[1:] == ["os_exit"]:
    sys.stdout.flush()
    os._exit(0)
