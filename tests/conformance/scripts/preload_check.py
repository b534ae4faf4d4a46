"""With --preload numpy, numpy is in sys.modules at start; the rest behaves as with python3."""
import sys

print("numpy in sys.modules at start:", "numpy" in sys.modules)
import numpy as np  # noqa: E402

print("sum", int(np.arange(1000).sum()), "dtype", np.arange(3).dtype)
rng = np.random.default_rng(12345)
print("seeded", rng.integers(0, 1000, 5).tolist())
print("linalg", np.linalg.det(np.array([[2.0, 1.0], [1.0, 3.0]])).round(6))
print("global-random", np.random.random())
print("argv", sys.argv[1:])
