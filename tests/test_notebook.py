"""Execute examples/burt-notebook.ipynb from top to bottom, so the example cannot rot.

The kernel is this interpreter (a kernelspec of our own, so no other Python on the machine is
picked up), and the notebook starts its own throwaway service (BURT_URL/BURT_API_KEY unset).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parents[1] / "examples" / "burt-notebook.ipynb"
KERNEL = "burt-test-python"


def test_notebook_runs_top_to_bottom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("BURT_URL", raising=False)
    monkeypatch.delenv("BURT_API_KEY", raising=False)

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()  # raises CellExecutionError, with the failing cell, on any error

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    figures = [out for out in outputs if "image/png" in out.get("data", {})]
    text = "".join(out.get("text", "") for out in outputs)
    assert len(figures) == 3
    assert "contacts loaded" in text
    assert "retry: 201 Idempotent-Replayed: true" in text
