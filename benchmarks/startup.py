"""How long `import neuronlab` takes, against `import numpy` (which it needs): fresh processes, median of N.

    python benchmarks/startup.py            # 15 processes each
    python benchmarks/startup.py --runs 31 --modules   # and the slowest modules of one import (-X importtime)

The goal is at most 250 ms and about twice `import numpy`. Each number is the wall time of
`python -c "import X"` minus that of `python -c "pass"` (the interpreter's own start-up), so it is the import alone;
the runs alternate between the three so a busy machine slows them alike.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GOAL_MS = 250.0


def _wall(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def measure(runs: int = 15) -> dict:
    """Median wall seconds of a bare interpreter and of importing numpy and neuronlab, each in fresh processes."""
    codes = {"python": "pass", "numpy": "import numpy", "neuronlab": "import neuronlab"}
    times = {name: [] for name in codes}
    _wall("import neuronlab")  # once first: the .pyc files are written, the files are in the page cache
    for _ in range(runs):
        for name, code in codes.items():
            times[name].append(_wall(code))
    return {name: statistics.median(values) for name, values in times.items()}


def slowest_modules(count: int = 15) -> list[tuple[float, str]]:
    """The modules `import neuronlab` spends most time in, by themselves (-X importtime's 'self' column), in ms."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import neuronlab"], capture_output=True, text=True, check=True
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].startswith("import time:") and parts[0].split(":")[1].strip().isdigit():
            rows.append((int(parts[0].split(":")[1]) / 1000, parts[2].rstrip()))
    return sorted(rows, reverse=True)[:count]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="fresh processes per measurement (default: 15)")
    parser.add_argument("--modules", action="store_true", help="also list the slowest modules of one import")
    args = parser.parse_args(argv)
    medians = measure(args.runs)
    numpy_ms = 1000 * (medians["numpy"] - medians["python"])
    neuronlab_ms = 1000 * (medians["neuronlab"] - medians["python"])
    print(f"python -c pass:   {1000 * medians['python']:6.1f} ms (median of {args.runs}; subtracted below)")
    print(f"import numpy:     {numpy_ms:6.1f} ms")
    print(
        f"import neuronlab: {neuronlab_ms:6.1f} ms ({neuronlab_ms / numpy_ms:.2f} x import numpy; "
        f"goal: at most {GOAL_MS:.0f} ms, about 2 x)"
    )
    if args.modules:
        print("slowest modules of one `import neuronlab` (ms, by themselves):")
        for ms, name in slowest_modules():
            print(f"  {ms:7.1f}  {name}")
    return 0 if neuronlab_ms <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
