"""Run the full benchmark and write benchmarks/RESULTS.md (same as `neuronlab bench --out benchmarks/RESULTS.md`).

    python benchmarks/run.py            # full
    python benchmarks/run.py --quick    # small cases only

For this run only, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment, both together
(this machine kind sets them by default; unset, OpenBLAS picks its kernels for the CPU it finds). The worker
processes inherit the environment; each one reports the kernels and threads it ran with.
"""

import os
import sys
from pathlib import Path

from neuronlab.apps.cli import main

if __name__ == "__main__":
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(name, None)
    extra = [a for a in sys.argv[1:] if a == "--quick"]
    sys.exit(main(["bench", *extra, "--out", str(Path(__file__).with_name("RESULTS.md"))]))
