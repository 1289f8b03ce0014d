"""The notebooks run top to bottom (jupytext .py → notebook → nbclient), with no output committed."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]-*.py"))


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a notebook writes lands in a temporary folder
    nb = jupytext.read(path)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_pair_is_in_sync(path):
    # issue 15: the .ipynb opened in Jupyter Lab and the .py under review are the same notebook
    py, ipynb = jupytext.read(path), jupytext.read(path.with_suffix(".ipynb"))
    assert [(c.cell_type, c.source) for c in ipynb.cells] == [
        (c.cell_type, c.source) for c in py.cells
    ], f"run `jupytext --sync {path.name}`"
    assert all(not c.get("outputs") for c in ipynb.cells if c.cell_type == "code")


def test_jupyter_lab_starts_and_serves_the_notebooks(tmp_path):
    # issue 15: `.venv/bin/jupyter lab` opens the notebooks (started here headless, no token)
    import json
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    lab = Path(sys.executable).parent / "jupyter-lab"
    proc = subprocess.Popen(
        [
            str(lab),
            "--no-browser",
            f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={root}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.5)
        with urllib.request.urlopen(f"{base}/lab", timeout=10) as r:
            assert r.status == 200
        for nb in NOTEBOOKS:
            url = f"{base}/api/contents/notebooks/{nb.with_suffix('.ipynb').name}"
            with urllib.request.urlopen(url, timeout=10) as r:
                doc = json.load(r)
            assert doc["type"] == "notebook"
            assert len(doc["content"]["cells"]) > 3
        with urllib.request.urlopen(f"{base}/api/kernelspecs", timeout=10) as r:
            assert "python3" in json.load(r)["kernelspecs"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
