"""Province scale: many counties, one province fund, the same results on one machine or a
Dask cluster.

:func:`load_province` reads a province file (its counties and the rows that couple them),
:func:`optimize_province` splits the fund and allocates within every county, and
:func:`synthetic_province` writes a province file of any size from published county counts.
"""

from simulator.province.model import County, Earmark, Province, load_province, scaled_scenario
from simulator.province.solve import ProvinceResult, optimize_province
from simulator.province.synthetic import synthetic_province

__all__ = ["County", "Earmark", "Province", "ProvinceResult", "load_province",
           "optimize_province", "scaled_scenario", "synthetic_province"]
