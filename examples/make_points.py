"""Write examples/points.csv: 300 noisy samples of z = sin(x) * cos(y) + 0.1 x, for `neuronlab fit --data`.

Run: python examples/make_points.py && neuronlab fit --data examples/points.csv --layers 16,16
(an optional argument names another output file)
"""

import csv
import sys
from pathlib import Path

import numpy as np

rng = np.random.default_rng(0)
x, y = rng.uniform(-3, 3, 300), rng.uniform(-2, 2, 300)
z = np.sin(x) * np.cos(y) + 0.1 * x + rng.normal(0, 0.02, 300)
path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("points.csv")
with open(path, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["x", "y", "z"])
    writer.writerows(zip(x.round(5), y.round(5), z.round(5)))
