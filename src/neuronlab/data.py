"""Data: CSV files and small built-in 2-D classification sets.

>>> d = xor(200, seed=0)
>>> d.x.shape, sorted(set(d.y.tolist()))
((200, 2), [0, 1])
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np


MAX_CSV_FILE_BYTES = 200 << 20  # 200 MB of text: far more rows than a network here trains on in minutes


class DataError(ValueError):
    """Data that cannot be used as given (shape, NaN/inf, labels, split sizes, a malformed file)."""


MAX_CLASSES = 50  # whole numbers with at most this many distinct values are guessed to be classes
MAX_LABELS = 100  # at most this many classes in all (text labels, or numbers read as classes)
TASKS = ("classification", "regression")
_DELIMITERS = (",", ";", "\t")


@dataclass
class Dataset:
    """Inputs ``x`` (n, d), targets ``y``, and what they are.

    ``task`` is ``"regression"`` (y: (n,) floats) or ``"classification"`` (y: (n,) labels 0..k-1 and
    ``classes`` the original label of each); ``reason`` says why the task was chosen.
    """

    x: np.ndarray
    y: np.ndarray
    task: str
    feature_names: list
    target_name: str = "y"
    classes: list | None = None
    reason: str = ""

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.classes else 0


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def load_csv(path, target: str | None = None, task: str | None = None) -> Dataset:
    """Read a CSV file with a header row: numeric feature columns and one target column.

    Args:
        path: the file.
        target: the target column's name; the last column by default.
        task: ``"classification"``, ``"regression"``, or None to guess from the target column.

    The guess: a target column whose cells are mostly numbers is numeric, and any cell in it that is not a
    finite number (``NA``, ``nan``, ``inf``, a typo) is an error naming its line; whole numbers (``3`` or
    ``3.0``) with at most 50 distinct values are classes, other numbers mean regression; text labels are
    classes (at most 100). ``Dataset.reason`` says which was chosen and why. Commas, semicolons or tabs
    separate the columns (found from the header). Raises ``DataError`` naming the row and column of any problem.
    """
    from neuronlab.io import read_regular

    path = Path(path)
    try:
        text = read_regular(path, MAX_CSV_FILE_BYTES, DataError, "CSV file").decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a UTF-8 text file") from None
    return parse_csv(text, target, source=str(path), task=task)


def _delimiter(text: str) -> str:
    """The header's separator: a comma unless the header has none and has semicolons or tabs."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in _DELIMITERS}
    if counts[","]:
        return ","
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(text: str, delimiter: str, path) -> list:
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as err:
        limit = csv.field_size_limit()
        if "field larger than field limit" in str(err):
            raise DataError(
                f"{path} line {reader.line_num}: a cell longer than {limit:,} characters (is this a CSV "
                "file? a quote left open makes the rest of the file one cell)"
            ) from None
        raise DataError(f"{path} line {reader.line_num}: not valid CSV ({err})") from None
    return rows


def parse_csv(text: str, target: str | None = None, source: str = "the CSV text", task: str | None = None) -> Dataset:
    """``load_csv`` for text already in memory (an upload); ``source`` names it in error messages."""
    path = source
    if task not in (None, "auto", *TASKS):
        raise DataError(f"task must be classification, regression or auto, got {task!r}")
    task = None if task == "auto" else task
    text = text.lstrip("\ufeff")
    delimiter = _delimiter(text)
    rows = _rows(text, delimiter, path)
    if not rows:
        raise DataError(f"{path} is empty")
    header = [name.strip() for name in rows[0][1]]
    if all(_number(name) is not None for name in header):
        raise DataError(f"{path}: the first row must be a header naming the columns, got numbers {rows[0][1]}")
    if len(header) < 2:
        raise DataError(
            f"{path} needs at least two columns (features and a target), found {len(header)}; separate them with commas"
        )
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
    labels: list[str] = []
    lines: list[int] = []  # each row's line number in the file
    for line, row in body:
        if len(row) != len(header):
            raise DataError(f"{path} line {line}: {len(row)} values, but the header has {len(header)} columns")
        for j, i in enumerate(features):
            cell = row[i].strip()
            value = _number(cell)
            if cell == "":
                raise DataError(f"{path} line {line}: column {header[i]!r} is empty")
            if value is None or not math.isfinite(value):
                hint = (
                    " (decimal commas are not read: write 1.5, not 1,5)"
                    if _number(cell.replace(",", ".")) is not None
                    else " (only the target column may hold text)"
                )
                raise DataError(f"{path} line {line}: column {header[i]!r} holds {cell!r}, not a finite number{hint}")
            x[len(lines), j] = value
        label = row[column].strip()
        if label == "":
            raise DataError(f"{path} line {line}: the target {header[column]!r} is empty")
        labels.append(label)
        lines.append(line)
    names, name = [header[i] for i in features], header[column]
    y, task, classes, reason = _target(labels, lines, name, task, path)
    return Dataset(x, y, task, names, name, classes, reason)


def _target(labels: list, lines: list, name: str, task: str | None, path):
    """(y, task, classes, reason) for the target column's cells."""
    numbers = [_number(v) for v in labels]
    parsed = sum(v is not None for v in numbers)
    numeric = task == "regression" or (task is None and parsed > len(labels) / 2)
    if numeric:
        for value, label, line in zip(numbers, labels, lines):
            if value is None or not math.isfinite(value):
                why = (
                    "--task regression was asked"
                    if task
                    else f"{parsed:,} of its {len(labels):,} cells are numbers, so it is a numeric column"
                )
                raise DataError(
                    f"{path} line {line}: the target {name!r} holds {label!r}, not a finite number "
                    f"({why}); fix or remove that row"
                )
        values = np.asarray(numbers, dtype=np.float64)
        distinct = np.unique(values)
        whole = bool(np.all(values == np.round(values)))
        if task == "regression":
            return values, "regression", None, "regression, as asked"
        if not (whole and len(distinct) <= MAX_CLASSES):
            kind = "whole numbers" if whole else "numbers"
            more = f" (more than {MAX_CLASSES})" if whole else ""
            return (
                values,
                "regression",
                None,
                (f"regression: the target {name!r} holds {kind} with {len(distinct):,} distinct values{more}"),
            )
        keys = [float(v) for v in values]
        classes = sorted(set(keys))
        reason = (
            f"classification: the target {name!r} holds whole numbers with {len(classes)} distinct values "
            f"(at most {MAX_CLASSES}); --task regression reads them as numbers"
        )
        return _classes(keys, classes, [_label(c) for c in classes], reason, name, path)
    read = [v for v in numbers if v is not None]
    if task == "classification" and len(read) == len(labels) and all(math.isfinite(v) for v in read):
        keys = [float(v) for v in read]  # numbers read as classes: 1 and 1.0 are one class
        classes = sorted(set(keys))
        return _classes(keys, classes, [_label(c) for c in classes], "classification, as asked", name, path)
    classes = sorted(set(labels))
    reason = (
        "classification, as asked"
        if task
        else f"classification: the target {name!r} holds text labels ({len(classes)} distinct)"
    )
    return _classes(labels, classes, classes, reason, name, path)


def _label(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _classes(keys: list, classes: list, names: list, reason: str, name: str, path):
    if len(classes) > MAX_LABELS:
        raise DataError(
            f"{path}: the target {name!r} has {len(classes):,} distinct labels; at most {MAX_LABELS} "
            "classes (is it an identifier, or numbers with a few typos?)"
        )
    if len(classes) < 2:
        raise DataError(
            f"{path}: the target {name!r} has a single class ({names[0]}); classification needs at least two"
        )
    index = {c: k for k, c in enumerate(classes)}
    y = np.array([index[k] for k in keys], dtype=np.int64)
    return y, "classification", [str(n) for n in names], reason


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
    return Dataset(x, y.astype(np.int64), "classification", ["x1", "x2"], "class", [str(k) for k in range(classes)])


def spiral(n: int = 400, noise: float = 0.0, classes: int = 2, seed=None) -> Dataset:
    """``classes`` interleaved spiral arms, each turning once and a half from the centre outwards."""
    rng = _rng(seed)
    y = rng.integers(0, classes, n)
    t = rng.uniform(0.05, 1.0, n)
    angle = 3 * np.pi * t + 2 * np.pi * y / classes
    x = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    x = x + rng.normal(0.0, noise, x.shape) if noise else x
    return Dataset(x, y.astype(np.int64), "classification", ["x1", "x2"], "class", [str(k) for k in range(classes)])


DATASETS = {"xor": xor, "circle": circle, "gaussians": gaussians, "spiral": spiral}
