"""Run notebooks the way Jupyter does (nbclient and an ipykernel of this interpreter) and read their outputs."""

import os
from pathlib import Path

from conftest import _require


def run(cells_or_path, timeout: int = 300, cwd=None):
    """Execute a notebook (a path, or a list of code cell sources) in a fresh kernel; returns the notebook.

    The kernel runs this interpreter with this process's PYTHONPATH, so it imports the neuronlab under test.
    """
    nbformat = _require("nbformat", "running notebooks")
    nbclient = _require("nbclient", "running notebooks")
    _require("ipykernel", "the notebooks' kernel")
    if isinstance(cells_or_path, (str, Path)):
        notebook = nbformat.read(cells_or_path, as_version=4)
        cwd = cwd or Path(cells_or_path).parent
    else:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells_or_path]
    client = nbclient.NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd or os.getcwd())}}
    )
    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")  # as Jupyter sets it
    client.execute(env=env)  # the kernel spec's "python" is this interpreter (jupyter_client maps it)
    return notebook


def mime_types(cell) -> list[list[str]]:
    """Each output of a code cell: its mime types (a stream output is ['stream:stdout'] or ['stream:stderr'])."""
    kinds = []
    for output in cell.outputs:
        if output.output_type == "stream":
            kinds.append([f"stream:{output.name}"])
        elif output.output_type == "error":
            kinds.append([f"error:{output.ename}: {output.evalue}"])
        else:
            kinds.append(sorted(output.data))
    return kinds
