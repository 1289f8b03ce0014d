"""Writing users' output files: checked before the work starts, written whole or not at all.

A report, table or JSON file is first written to a temporary file beside the target and then renamed
over it, so a failure (full disk, killed process, an exception while formatting) never leaves a
half-written file, and an existing file is replaced only by a complete one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from substitute.errors import InputError

__all__ = [
    "check_outputs",
    "check_writable",
    "csv_safe",
    "json_document",
    "json_safe",
    "records",
    "write_atomic",
]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(frame):
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas: a cell that starts with
    ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` (OWASP, CSV injection). Numeric
    columns are unchanged; JSON outputs keep the raw values."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if (
            isinstance(s.dtype, pd.CategoricalDtype)
            or s.dtype == object
            or pd.api.types.is_string_dtype(s)
        ):
            out[col] = s.astype(object).map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return out


def check_outputs(
    outputs: dict[str, str | os.PathLike[str] | None],
    inputs: dict[str, str | os.PathLike[str] | None] | None = None,
    *,
    force: bool = False,
) -> None:
    """Check a run's output files before any work: each writable (:func:`check_writable`), none equal to
    an input file or to another output of the same run (``review study.toml -o study.toml`` would replace
    the study with its own report), none a device, pipe or other special file, and none a symbolic link
    unless ``force`` (the CLI's ``--force``), which writes the file the link points to.

    Parameters
    ----------
    outputs, inputs : dict of what → path
        ``{"report (-o)": "r.html", "--json output": "r.json"}``; None and ``"-"`` (standard output) are
        skipped.
    force : bool, default False
        Accept an output path that is a symbolic link (the link is followed, never replaced).

    Raises
    ------
    InputError
        One line naming both options when two paths are the same file, or the path that is special.
    """

    def real(p: str | os.PathLike[str]) -> str:
        return os.path.realpath(os.fspath(p))

    seen: dict[str, str] = {}
    for what, p in (inputs or {}).items():
        if p is not None and os.fspath(p) != "-":
            seen[real(p)] = what
    for what, p in outputs.items():
        if p is None or os.fspath(p) == "-":
            continue
        if os.path.islink(p) and not force:
            msg = (
                f"{what}: {p} is a symbolic link (to {os.readlink(p)}); outputs do not follow links — "
                "give another name, or --force to write the file it points to"
            )
            raise InputError(msg)
        check_writable(p, what)
        q = Path(p)
        if q.exists() and not q.is_file():
            msg = f"{what}: {p} is not a regular file (a device, pipe or socket); give a file name"
            raise InputError(msg)
        key = real(p)
        if key in seen:
            msg = f"{what}: {p} is also {seen[key]}; writing it would destroy that file — give another name"
            raise InputError(msg)
        seen[key] = what


def check_writable(path: str | os.PathLike[str], what: str = "output") -> Path:
    """Check that ``path`` can be written as a file, before any work is done.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    what : str
        What the file is, for the message (``"report"``, ``"--json output"`` …).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        The path is a directory, its folder does not exist or is not a folder, or it cannot be written.
    """
    p = Path(path)
    if str(path) == "" or p.name == "":
        msg = f"{what}: empty file name"
        raise InputError(msg)
    if p.is_dir():
        msg = f"{what}: {p} is a directory; give a file name, e.g. {p / 'review.html'}"
        raise InputError(msg)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        msg = f"{what}: folder {parent} does not exist; create it first"
        raise InputError(msg)
    if not parent.is_dir():
        msg = f"{what}: {parent} is not a folder"
        raise InputError(msg)
    if not os.access(parent, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        msg = f"{what}: cannot write {p} (permission denied)"
        raise InputError(msg)
    return p


def write_atomic(
    path: str | os.PathLike[str],
    content: str | bytes | Callable[[Path], None],
    what: str = "output",
) -> Path:
    """Write a file whole or not at all.

    Parameters
    ----------
    path : str or path-like
        Target file.
    content : str, bytes or callable
        Text (written as UTF-8), bytes, or a function that writes the file at the temporary path it is
        given (e.g. ``lambda p: df.to_parquet(p)``).
    what : str
        What the file is, for error messages.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    InputError
        As for :func:`check_writable`, or the write failed (the target is left as it was).
    """
    p = check_writable(path, what)
    if p.is_symlink():  # write the file the link points to; never replace the link by a copy
        p = Path(os.path.realpath(p))
        check_writable(p, what)
    if p.exists() and not p.is_file():
        msg = f"{what}: {p} is not a regular file (a device, pipe or socket); give a file name"
        raise InputError(msg)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
    tmp = Path(tmp_name)
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        msg = f"{what}: could not write {p}: {exc.strerror or exc}"
        raise InputError(msg) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


# ------------------------------------------------------------------------------------------ JSON
def json_safe(v: Any) -> Any:
    """A JSON-safe built-in for NumPy/pandas scalars, dates and containers: NaN, inf, ``pd.NA`` and
    ``NaT`` become None (JSON null); other objects their text."""
    import datetime as dt
    import math

    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_safe(x) for x in v]
    if hasattr(v, "item") and hasattr(v, "dtype") and getattr(v, "ndim", 1) == 0:
        v = v.item()  # a NumPy scalar
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if type(v).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    if v is None or isinstance(v, bool | int | str):
        return v
    return str(v)


def records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame as a list of JSON-safe row objects."""
    return [{str(k): json_safe(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def json_document(
    command: str,
    *,
    audit: dict[str, Any],
    assumptions: Any = (),
    warnings: Any = (),
    **content: Any,
) -> str:
    """The one shape of every JSON output of the command line.

    ``{"format": "substitute-<command>/1", "audit": {...}, "assumptions": [...], "warnings": [...],
    ...}`` followed by the command's own content (``rows`` for its main table, a list of row objects);
    NaN and inf are null, dates ISO text.
    """
    import json

    doc = {
        "format": f"substitute-{command}/1",
        "audit": json_safe(audit),
        "assumptions": json_safe(list(assumptions)),
        "warnings": json_safe(list(warnings)),
        **{k: json_safe(v) for k, v in content.items()},
    }
    return json.dumps(doc, indent=1, ensure_ascii=False)
