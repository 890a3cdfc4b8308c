"""Run the full benchmark and write benchmarks/RESULTS.md (same as `neuronlab bench --out benchmarks/RESULTS.md`).

    python benchmarks/run.py            # full
    python benchmarks/run.py --quick    # small cases only
"""

import sys
from pathlib import Path

from neuronlab.cli import main

if __name__ == "__main__":
    extra = [a for a in sys.argv[1:] if a == "--quick"]
    sys.exit(main(["bench", *extra, "--out", str(Path(__file__).with_name("RESULTS.md"))]))
