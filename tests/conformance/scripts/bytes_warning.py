"""-b warns about str(bytes) and bytes == str, -bb makes them errors."""
print("comparison", b"abc" == "abc")
print("str of bytes", str(b"abc"))
