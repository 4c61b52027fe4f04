"""Random numbers that do not depend on how the work is cut up.

Every random number tuopin draws is addressed by *what it is for* (a named source such as
``"illness"``), *whose it is* (a fixed chunk of households, or a shared entity such as a village
or an enterprise) and *when* (a simulated year). Each address has its own generator, seeded from
``np.random.SeedSequence(seed, spawn_key=(source, chunk, year))``. So:

* the same seed gives the same numbers whatever the block size or number of worker processes —
  a block draws whole chunks and keeps its slice;
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

import zlib

import numpy as np
from scipy import special

from simulator.units import MONTHS_PER_YEAR

RNG_CHUNK_HOUSEHOLDS = 512
"""Households that share one generator per source and year (an engineering constant: results
do not depend on block size, but changing this changes which numbers a household receives)."""

_SHARED = 2**31 - 1
"""Chunk index used for draws shared by entities (villages, enterprises, the county)."""


def source_key(name: str) -> int:
    """Stable integer key of a named random source."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of addressed uniform draws for one root seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def _generator(self, source: str, chunk: int, year: int) -> np.random.Generator:
        sequence = np.random.SeedSequence(self.seed, spawn_key=(source_key(source), chunk, year))
        return np.random.Generator(np.random.PCG64(sequence))

    def household_uniforms(self, source: str, year: int, reps: int, start: int, stop: int,
                           per_household: int = 1) -> np.ndarray:
        """Uniforms in [0, 1) for households ``start:stop``, shape ``(reps, stop − start, k)``.

        ``k = per_household`` numbers per household and replication (e.g. 12 for one per month).
        """
        first, last = start // RNG_CHUNK_HOUSEHOLDS, (stop - 1) // RNG_CHUNK_HOUSEHOLDS
        pieces = []
        for chunk in range(first, last + 1):
            draws = self._generator(source, chunk, year).random(
                (reps, RNG_CHUNK_HOUSEHOLDS, per_household), dtype=np.float32)
            low = max(start - chunk * RNG_CHUNK_HOUSEHOLDS, 0)
            high = min(stop - chunk * RNG_CHUNK_HOUSEHOLDS, RNG_CHUNK_HOUSEHOLDS)
            pieces.append(draws[:, low:high])
        return np.concatenate(pieces, axis=1) if len(pieces) > 1 else pieces[0]

    def shared_uniforms(self, source: str, year: int, reps: int, entities: int,
                        per_entity: int = 1) -> np.ndarray:
        """Uniforms shared by entities (villages, enterprises, the county), ``(reps, n, k)``."""
        return self._generator(source, _SHARED, year).random((reps, entities, per_entity),
                                                             dtype=np.float64)


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
