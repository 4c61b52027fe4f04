"""The households of a registry as numpy columns, and the masking of ID numbers in documents."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.registry.columns import COLUMNS
from simulator.vocabulary import REGISTERED_CATEGORIES


@dataclass(frozen=True, eq=False)
class Registry:
    """Households of a registry as columns (one numpy array per field, one entry per household).

    Money is yuan per year for the registry year; counts are people.
    """

    household_id: np.ndarray
    township: np.ndarray
    village: np.ndarray
    poor_village: np.ndarray
    size: np.ndarray
    laborers: np.ndarray
    category: np.ndarray
    disabled: np.ndarray
    chronically_ill: np.ndarray
    wages: np.ndarray
    business: np.ndarray
    property: np.ndarray
    transfers: np.ndarray
    production_expenses: np.ndarray
    exit_year: np.ndarray
    pv_site: np.ndarray
    housing_renovation: np.ndarray
    head_name: np.ndarray
    id_number: np.ndarray
    phone: np.ndarray
    poverty_cause: np.ndarray
    helper: np.ndarray
    source: str = field(default="", compare=False)
    sha256: str = field(default="", compare=False)
    """SHA-256 of the file the registry was read from (hex; empty for a synthetic registry):
    the proposal names the file it was made from."""
    ignored_columns: tuple[str, ...] = field(default=(), compare=False)
    reading_notes: tuple[str, ...] = field(default=(), compare=False)
    """What reading the file did that a clerk should know: title rows above the header, total
    rows skipped, per-person rows folded into households."""

    def __post_init__(self) -> None:
        n = len(self.household_id)
        for column in COLUMNS:
            values = getattr(self, column.name)
            if len(values) != n:
                raise ValueError(f"column {column.name} has {len(values)} entries, expected {n}")

    @classmethod
    def from_columns(cls, columns: dict[str, Sequence], source: str = "",
                     ignored_columns: tuple[str, ...] = (),
                     reading_notes: tuple[str, ...] = ()) -> Registry:
        """Build from plain columns, converting each to its dtype (optional ones default)."""
        n = len(columns["household_id"])
        converted = {}
        for column in COLUMNS:
            values = columns.get(column.name)
            if values is None:
                values = (np.full(n, "") if column.kind in ("text", "id") else
                          np.zeros(n, dtype=bool if column.kind == "bool" else np.int64))
            converted[column.name] = np.asarray(values, dtype=_DTYPES[column.kind])
        return cls(**converted, source=source, ignored_columns=ignored_columns,
                   reading_notes=reading_notes)

    @property
    def n_households(self) -> int:
        """Number of households."""
        return len(self.household_id)

    @property
    def n_people(self) -> int:
        """Resident members in total."""
        return int(self.size.sum())

    @property
    def with_labour(self) -> np.ndarray:
        """Whether each household has labour capacity (at least one labourer)."""
        return self.laborers > 0

    @property
    def registered(self) -> np.ndarray:
        """Whether each household is a registered poor household (not an edge household)."""
        return np.isin(self.category, REGISTERED_CATEGORIES)

    @property
    def registered_with_labour(self) -> np.ndarray:
        """Registered households with labour capacity: those 帮扶全覆盖 gives a measure."""
        return self.registered & self.with_labour

    @property
    def net_income(self) -> np.ndarray:
        """Household net income in the registry year [yuan/year], all registry sources counted."""
        return (self.wages + self.business + self.property + self.transfers
                - self.production_expenses)

    @property
    def per_capita_net_income(self) -> np.ndarray:
        """Per-capita net income in the registry year [yuan/(person·year)] [Changchun2018 §三]."""
        return self.net_income / self.size

    def identity_table(self) -> dict[str, list]:
        """Who each household is (id, head's name and masked ID number when the registry has
        them, place, category, size, labourers), for output tables."""
        table = {"household_id": self.household_id.tolist()}
        if any(self.head_name):
            table["head_name"] = self.head_name.tolist()
        if any(self.id_number):
            table["id_number"] = [mask_id(v) for v in self.id_number.tolist()]
        table.update({name: getattr(self, name).tolist() for name in
                      ("township", "village", "category", "size", "laborers")})
        return table

    def columns(self) -> dict[str, np.ndarray]:
        """Every column by canonical name."""
        return {c.name: getattr(self, c.name) for c in COLUMNS}

    def equals(self, other: Registry) -> bool:
        """Whether both registries hold exactly the same households and values."""
        return all(np.array_equal(getattr(self, c.name), getattr(other, c.name))
                   for c in COLUMNS)

    def subset(self, mask: np.ndarray) -> Registry:
        """The households selected by a boolean mask or index array."""
        return dataclasses.replace(self, **{c.name: getattr(self, c.name)[mask] for c in COLUMNS})


ID_VISIBLE_HEAD, ID_VISIBLE_TAIL = 6, 4
"""Digits of an ID number left visible when it is printed: the region code and the last four
(440232********1234), as public notices show them."""


def mask_id(number: str) -> str:
    """An ID number as documents show it: ``440232197001011234`` → ``440232********1234``."""
    number = str(number)
    hidden = len(number) - ID_VISIBLE_HEAD - ID_VISIBLE_TAIL
    if hidden <= 0:
        return "*" * len(number)
    return number[:ID_VISIBLE_HEAD] + "*" * hidden + number[-ID_VISIBLE_TAIL:]


_DTYPES = {"id": str, "text": str, "bool": bool, "count": np.int64, "money": float,
           "category": str, "year": np.int64}
