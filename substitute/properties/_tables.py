"""Cached access to the physics tables and the fitted parameters (internal).

Everything here is read lazily on first use through :mod:`substitute.data`; nothing is read at import.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from substitute import data
from substitute.errors import DataError

MAIN_PHASE_RE: tuple[str, ...] = ("Nd", "Pr", "Dy", "Tb", "Ho", "Gd", "Ce", "La", "Y")
"""Rare earths that enter the uniaxial 2:14:1 main phase (``datasets/physics/r2fe14b_intrinsic.csv``)."""

PHYSICS_FILES: tuple[str, ...] = (
    "physics/r2fe14b_intrinsic.csv",
    "physics/r2fe14b_mixing_series.csv",
    "physics/r2fe14b_cobalt_series.csv",
    "physics/model_priors.csv",
    "physics/anchor_points.csv",
    "physics/magnet_families.csv",
    "physics/grade_energy_bands.csv",
    "physics/grade_suffixes.csv",
    "physics/model_domain.csv",
)
PARAMS_FILE = "models/physics_params.json"

MU0 = 4e-7 * np.pi  # T·m/A


@cache
def intrinsic_table() -> pd.DataFrame:
    """The R2Fe14B end members, indexed by rare-earth symbol."""
    df = data.read_csv("physics/r2fe14b_intrinsic.csv").set_index("r")
    missing = [r for r in MAIN_PHASE_RE if r not in df.index]
    if missing:
        msg = f"physics/r2fe14b_intrinsic.csv: rows {missing} missing (needed for the main phase)"
        raise DataError(msg)
    return df


_OVERRIDE: dict[str, Any] = {}
_DEPENDENT_CACHES: list[Any] = []


def depends_on_params(fn: Any) -> Any:
    """Register a cached function (``functools.cache``) of a module above this one whose results
    depend on the parameters: :func:`set_override` and :func:`clear_caches` clear it too."""
    _DEPENDENT_CACHES.append(fn)
    return fn


def params() -> dict[str, Any]:
    """Fitted parameters (``datasets/models/physics_params.json``, written by ``make calibrate``)."""
    if _OVERRIDE:
        return _OVERRIDE["params"]
    return _stored_params()


@cache
def _stored_params() -> dict[str, Any]:
    return data.read_json(PARAMS_FILE)


def set_override(p: dict[str, Any] | None) -> None:
    """Use ``p`` instead of the stored parameters (calibration only); ``None`` restores them."""
    _OVERRIDE.clear()
    if p is not None:
        _OVERRIDE["params"] = p
    cobalt_curves.cache_clear()
    for fn in _DEPENDENT_CACHES:
        fn.cache_clear()


@cache
def cobalt_curves() -> dict[str, np.ndarray]:
    """Tabulated Co-on-Fe-site curves (site fraction → Js ratio, HA ratio, ΔTc)."""
    p = params()["intrinsic"]["cobalt"]
    return {k: np.asarray(v, dtype=float) for k, v in p.items()}


@cache
def families() -> pd.DataFrame:
    """Commercial envelopes per route (``physics/magnet_families.csv``), indexed by route."""
    return data.read_csv("physics/magnet_families.csv").set_index("route")


@cache
def domain_table() -> pd.DataFrame:
    """Bounds of the applicability domain (``physics/model_domain.csv``)."""
    return data.read_csv("physics/model_domain.csv")


def clear_caches() -> None:
    """Forget cached tables and parameters (used after ``make calibrate`` rewrites the JSON)."""
    _OVERRIDE.clear()
    for f in (
        intrinsic_table,
        _stored_params,
        cobalt_curves,
        families,
        domain_table,
    ):
        f.cache_clear()
    for fn in _DEPENDENT_CACHES:
        fn.cache_clear()


def audit_stamp(p: dict[str, Any] | None = None) -> dict:
    """Audit stamp for results of the property model (version, parameter and data hashes)."""
    from substitute._version import __version__

    p = params() if p is None else p
    return {
        "substitute_version": __version__,
        "model": "substitute.properties",
        "model_name": p.get("model_name", "shipped"),
        "physics_params_data_hash": p.get("data_hash"),
        "physics_params_fitted": p.get("fitted_on"),
        "calibration_data_hash": p.get("calibration_data_hash"),
        "catalog_version": None,
        "price_vector": None,
    }
