"""Refit the property model: ``make calibrate`` runs this.

Writes ``datasets/models/physics_params.json``, ``residual_correction.json`` and
``cv_predictions.json`` (all plain JSON with the hash of the data they came from).
"""

from __future__ import annotations

import sys

from substitute.properties.calibration import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
