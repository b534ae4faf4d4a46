"""This file does not compile: python3 reports a SyntaxError with status 1."""
print("never runs")

def broken(:
    pass
