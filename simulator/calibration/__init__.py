"""Calibration: fit uncertain parameters to published figures, validate on held-out ones.

``calibrate(scenario, load_targets(path))`` fits; :mod:`.report` writes the calibrated scenario
and the report; :mod:`.figures` holds the simulated figures that published ones are set beside.
"""

from simulator.calibration.fit import (
    Calibration,
    TargetCheck,
    calibrate,
    check_targets,
    comparison_table,
    run_programme,
    summary_of,
)
from simulator.calibration.targets import Targets, load_targets

__all__ = ["Calibration", "TargetCheck", "Targets", "calibrate", "check_targets",
           "comparison_table", "load_targets", "run_programme", "summary_of"]
