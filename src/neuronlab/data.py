"""Data: CSV files and small built-in 2-D classification sets.

    >>> d = xor(200, seed=0)
    >>> d.x.shape, sorted(set(d.y.tolist()))
    ((200, 2), [0, 1])
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DataError(ValueError):
    """Data that cannot be used as given (shape, NaN/inf, labels, split sizes, a malformed file)."""

MAX_CLASSES = 50  # an integer target with more distinct values than this is treated as a number
_INTEGER = re.compile(r"^[+-]?\d+$")


@dataclass
class Dataset:
    """Inputs ``x`` (n, d), targets ``y``, and what they are.

    ``task`` is ``"regression"`` (y: (n,) floats) or ``"classification"`` (y: (n,) labels 0..k-1 and
    ``classes`` the original label of each).
    """

    x: np.ndarray
    y: np.ndarray
    task: str
    feature_names: list
    target_name: str = "y"
    classes: list | None = None

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.classes else 0


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def load_csv(path, target: str | None = None) -> Dataset:
    """Read a CSV file with a header row: numeric feature columns and one target column.

    Args:
        path: the file.
        target: the target column's name; the last column by default.

    The target decides the task: text labels, or whole numbers with at most 50 distinct values, mean
    classification; other numbers mean regression. Raises ``DataError`` naming the row and column of any
    problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a UTF-8 text file") from None
    return parse_csv(text, target, source=str(path))


def parse_csv(text: str, target: str | None = None, source: str = "the CSV text") -> Dataset:
    """``load_csv`` for text already in memory (an upload); ``source`` names it in error messages."""
    path = source
    text = text.lstrip("\ufeff")
    rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if not rows:
        raise DataError(f"{path} is empty")
    header = [name.strip() for name in rows[0]]
    if all(_number(name) is not None for name in header):
        raise DataError(f"{path}: the first row must be a header naming the columns, got numbers {rows[0]}")
    if len(header) < 2:
        raise DataError(f"{path} needs at least two columns (features and a target), found {len(header)}")
    if len(set(header)) != len(header):
        raise DataError(f"{path}: column names must be different, got {header}")
    body = rows[1:]
    if len(body) < 2:
        raise DataError(f"{path} has {len(body)} data row(s); at least 2 are needed")
    if target is None:
        column = len(header) - 1
    elif target in header:
        column = header.index(target)
    else:
        raise DataError(f"{path} has no column {target!r}; its columns are: {', '.join(header)}")

    features = [i for i in range(len(header)) if i != column]
    x = np.empty((len(body), len(features)))
    labels = []
    for r, row in enumerate(body):
        line = r + 2
        if len(row) != len(header):
            raise DataError(f"{path} line {line}: {len(row)} values, but the header has {len(header)} columns")
        for j, i in enumerate(features):
            cell = row[i].strip()
            value = _number(cell)
            if cell == "":
                raise DataError(f"{path} line {line}: column {header[i]!r} is empty")
            if value is None or not math.isfinite(value):
                raise DataError(f"{path} line {line}: column {header[i]!r} holds {cell!r}, not a finite number "
                                "(only the target column may hold text)")
            x[r, j] = value
        label = row[column].strip()
        if label == "":
            raise DataError(f"{path} line {line}: the target {header[column]!r} is empty")
        labels.append(label)

    names = [header[i] for i in features]
    integers = all(_INTEGER.match(v) for v in labels)
    numbers = [_number(v) for v in labels]
    numeric = all(v is not None and math.isfinite(v) for v in numbers)
    if numeric and not (integers and len(set(int(v) for v in labels)) <= MAX_CLASSES):
        return Dataset(x, np.asarray(numbers, dtype=np.float64), "regression", names, header[column])
    classes = sorted(set(int(v) for v in labels)) if integers else sorted(set(labels))
    if len(classes) < 2:
        raise DataError(f"{path}: the target {header[column]!r} has a single class ({classes[0]}); "
                        "classification needs at least two")
    index = {c: k for k, c in enumerate(classes)}
    y = np.array([index[int(v)] if integers else index[v] for v in labels], dtype=np.int64)
    return Dataset(x, y, "classification", names, header[column], [str(c) for c in classes])


# ---------------------------------------------------------------- built-in 2-D sets

def _rng(seed):
    return np.random.default_rng(0 if seed is None else seed)


def xor(n: int = 400, noise: float = 0.0, seed=None) -> Dataset:
    """Points in the square [-1, 1]^2, class 1 where x1·x2 > 0 (the quadrants XOR cannot split linearly).

    A margin of 0.05 around the axes is left empty so the classes can be told apart exactly; ``noise``
    adds Gaussian jitter of that standard deviation.
    """
    rng = _rng(seed)
    x = rng.uniform(0.05, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    x = x + rng.normal(0.0, noise, x.shape) if noise else x
    return Dataset(x, y, "classification", ["x1", "x2"], "class", ["0", "1"])


def circle(n: int = 400, noise: float = 0.0, seed=None) -> Dataset:
    """Class 1 inside a circle of radius 0.5, class 0 in a ring from 0.7 to 1.0 around it."""
    rng = _rng(seed)
    inside = rng.random(n) < 0.5
    radius = np.where(inside, 0.5 * np.sqrt(rng.random(n)), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    x = x + rng.normal(0.0, noise, x.shape) if noise else x
    return Dataset(x, inside.astype(np.int64), "classification", ["x1", "x2"], "class", ["0", "1"])


def gaussians(n: int = 400, noise: float = 0.0, classes: int = 2, seed=None) -> Dataset:
    """``classes`` Gaussian clouds (std 0.15 + noise) with centres evenly spaced on a circle of radius 0.6."""
    rng = _rng(seed)
    y = rng.integers(0, classes, n)
    angles = 2 * np.pi * np.arange(classes) / classes + np.pi / 4
    centres = 0.6 * np.column_stack([np.cos(angles), np.sin(angles)])
    x = centres[y] + rng.normal(0.0, 0.15 + noise, (n, 2))
    return Dataset(x, y.astype(np.int64), "classification", ["x1", "x2"], "class",
                   [str(k) for k in range(classes)])


def spiral(n: int = 400, noise: float = 0.0, classes: int = 2, seed=None) -> Dataset:
    """``classes`` interleaved spiral arms, each turning once and a half from the centre outwards."""
    rng = _rng(seed)
    y = rng.integers(0, classes, n)
    t = rng.uniform(0.05, 1.0, n)
    angle = 3 * np.pi * t + 2 * np.pi * y / classes
    x = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    x = x + rng.normal(0.0, noise, x.shape) if noise else x
    return Dataset(x, y.astype(np.int64), "classification", ["x1", "x2"], "class",
                   [str(k) for k in range(classes)])


DATASETS = {"xor": xor, "circle": circle, "gaussians": gaussians, "spiral": spiral}
