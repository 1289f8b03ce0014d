"""Magnet property models: composition and route → Br, HcJ, (BH)max, Tc, α, β, Tmax, B(H).

Public entry points: :func:`predict`, :func:`intrinsic`, :func:`predict_arrays` (no DataFrame,
for ranking), :func:`demag_curve`; routes in :data:`ROUTES`.
"""

from __future__ import annotations

from substitute.properties.calibration import Model, calibrate
from substitute.properties.intrinsic import intrinsic, main_phase
from substitute.properties.magnet import PROPERTY_COLUMNS, demag_curve, predict, predict_arrays
from substitute.properties.reference import reference_alloy
from substitute.properties.routes import FAMILY_ROUTES, NDFEB_ROUTES, ROUTE_PARAMETERS, ROUTES
from substitute.properties.validation import all_checks

__all__ = [
    "FAMILY_ROUTES",
    "NDFEB_ROUTES",
    "PROPERTY_COLUMNS",
    "ROUTES",
    "ROUTE_PARAMETERS",
    "Model",
    "all_checks",
    "calibrate",
    "demag_curve",
    "intrinsic",
    "main_phase",
    "predict",
    "predict_arrays",
    "reference_alloy",
]
