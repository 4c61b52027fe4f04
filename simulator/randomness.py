"""Random numbers that do not depend on how the work is cut up.

Every random number tuopin draws is addressed by *what it is for* (a named source such as
``"illness"``), *whose it is* (a fixed chunk of a county's households, or a shared entity such as
a village or an enterprise, by a province-wide key) and *when* (a simulated year). Each address
has its own generator, seeded from ``np.random.SeedSequence(seed, spawn_key=...)``. So:

* the same seed gives the same numbers whatever the block size or number of worker processes —
  a block draws whole chunks and keeps its slice;
* a household's numbers depend on its county and its place in the county's registry, and a
  village's or enterprise's on its county and name: adding households to one county, or a county
  to a province, changes no other county's numbers;
* a household's shocks are the same whatever package it is evaluated under (common random
  numbers): packages never consume random numbers of their own;
* draws are laid out replication-major, so the first replications are the same whatever the
  replication count;
* adding a new source never shifts the numbers of existing ones (sources are keyed by a hash of
  their name, not by their order).

Only uniform draws are made; other distributions come from them by inversion, which keeps every
draw at one number per value (prefix-stable).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence

import numpy as np
from scipy import special

from simulator.units import MONTHS_PER_YEAR

RNG_CHUNK_HOUSEHOLDS = 512
"""Households that share one generator per source and year (an engineering constant: results
do not depend on block size, but changing this changes which numbers a household receives)."""

_HOUSEHOLDS, _SHARED = 0, 1
"""First word of an address after the source: a chunk of households, or a shared entity."""


def source_key(name: str) -> int:
    """Stable integer key of a named random source."""
    return zlib.crc32(name.encode("utf-8"))


def entity_key(*parts: str | int) -> int:
    """Stable 64-bit key of a named thing (a county, or a village or enterprise within one).

    64 bits so that keys stay distinct across a province's tens of thousands of villages (a
    32-bit hash would make two of them share their disasters in about one province in twenty).
    """
    text = "\x1f".join(str(part) for part in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little")


def county_entity_key(county: str, *parts: str | int) -> int:
    """Province-wide key of an entity of ``county`` (``"village", township, village``, …)."""
    return entity_key("entity", county, *parts)


class Streams:
    """Factory of addressed uniform draws for one root seed."""

    def __init__(self, seed: int, county: str = "") -> None:
        self.seed = int(seed)
        self.county = county
        self._county_key = entity_key("county", county)

    def _generator(self, source: str, *address: int) -> np.random.Generator:
        sequence = np.random.SeedSequence(self.seed, spawn_key=(source_key(source), *address))
        return np.random.Generator(np.random.PCG64(sequence))

    def entity(self, *parts: str | int) -> int:
        """Province-wide key of an entity of this county (a village, an enterprise, the county's
        own weather), for :meth:`shared_uniforms`."""
        return county_entity_key(self.county, *parts)

    def household_uniforms(self, source: str, year: int, reps: int, start: int, stop: int,
                           per_household: int = 1) -> np.ndarray:
        """Uniforms in [0, 1) for the county's households ``start:stop`` (indices within the
        county's registry), shape ``(reps, stop − start, k)``.

        ``k = per_household`` numbers per household and replication (e.g. 12 for one per month).
        """
        first, last = start // RNG_CHUNK_HOUSEHOLDS, (stop - 1) // RNG_CHUNK_HOUSEHOLDS
        pieces = []
        for chunk in range(first, last + 1):
            draws = self._generator(source, _HOUSEHOLDS, self._county_key, chunk, year).random(
                (reps, RNG_CHUNK_HOUSEHOLDS, per_household), dtype=np.float32)
            low = max(start - chunk * RNG_CHUNK_HOUSEHOLDS, 0)
            high = min(stop - chunk * RNG_CHUNK_HOUSEHOLDS, RNG_CHUNK_HOUSEHOLDS)
            pieces.append(draws[:, low:high])
        return np.concatenate(pieces, axis=1) if len(pieces) > 1 else pieces[0]

    def shared_uniforms(self, source: str, year: int, reps: int, entities: Sequence[int],
                        per_entity: int = 1) -> np.ndarray:
        """Uniforms shared by every household of each entity (keys from :meth:`entity`),
        ``(reps, len(entities), k)``: each entity has its own generator, so its numbers do not
        depend on which other entities exist."""
        out = np.empty((reps, len(entities), per_entity))
        for i, key in enumerate(entities):
            out[:, i] = self._generator(source, _SHARED, int(key), year).random((reps, per_entity))
        return out


def standard_normal(uniforms: np.ndarray) -> np.ndarray:
    """Standard normal values from uniforms by inversion (one uniform per value)."""
    clipped = np.clip(uniforms, 1e-7, 1 - 1e-7)
    return special.ndtri(clipped).astype(uniforms.dtype, copy=False)


def probability_per_period(total: float | np.ndarray, periods: float) -> float | np.ndarray:
    """Chance per period equivalent to ``total`` over ``periods`` periods (constant hazard):
    1 − (1 − p)^(1/periods)."""
    return 1.0 - np.power(1.0 - np.asarray(total, dtype=float), 1.0 / periods)


def monthly_probability(per_year: float | np.ndarray) -> float | np.ndarray:
    """Monthly probability equivalent to a yearly one (constant hazard): 1 − (1 − p)^(1/12)."""
    return probability_per_period(per_year, MONTHS_PER_YEAR)
