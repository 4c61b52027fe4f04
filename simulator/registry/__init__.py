"""Household registry (建档立卡) in and out: CSV (UTF-8, UTF-8 with BOM, GB18030) and .xlsx.

Headers may be in English or Chinese; :data:`COLUMNS` is the alias table (also printed by
``tuopin validate --columns``). Values are checked row by row and every problem names the file,
the spreadsheet row (the header is row 1) and the column as written in the file — bad values are
never fixed silently. Columns tuopin does not use (names, ID-card numbers …) are ignored and
listed in :attr:`Registry.ignored_columns`, unless their header looks like a typo of a known
column, which is an error with a "did you mean".

Money columns are yuan per year for the registry year (the year before the horizon starts).

The package: :mod:`.columns` (the alias table), :mod:`.households` (the :class:`Registry`),
:mod:`.reading` (:func:`load_registry`) and :mod:`.writing` (:func:`write_registry`).
"""

from simulator.registry.columns import COLUMNS, Column
from simulator.registry.households import Registry, mask_id
from simulator.registry.reading import load_registry
from simulator.registry.writing import columns_table, registry_rows, write_registry

__all__ = ["COLUMNS", "Column", "Registry", "columns_table", "load_registry", "mask_id",
           "registry_rows", "write_registry"]
