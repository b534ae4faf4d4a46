"""The umask in force, and the modes it gives new files and directories."""
import os
import stat

mask = os.umask(0o022)
os.umask(mask)
print("umask", oct(mask))
with open("umask_file.txt", "w") as f:
    f.write("x")
os.mkdir("umask_dir")
print("file", oct(stat.S_IMODE(os.stat("umask_file.txt").st_mode)))
print("dir", oct(stat.S_IMODE(os.stat("umask_dir").st_mode)))
