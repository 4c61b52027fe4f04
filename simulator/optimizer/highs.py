"""HiGHS, quiet: the solver tuopin uses for its models (through PuLP for the allocation MILP,
directly for the small LPs of the Lagrangian decomposition)."""

from __future__ import annotations

import os
import sys

_banner_shown = False


def consume_banner() -> None:
    """Make the process's first ``highspy.Highs`` object with standard output closed.

    HiGHS prints a copyright banner once per process, straight to file descriptor 1, when its
    first ``Highs`` object is made — whatever ``output_flag`` says — so ``--json`` output
    would not parse and every run would carry it. Making that first object with the descriptor
    pointed at /dev/null consumes the banner; later objects print nothing.
    """
    global _banner_shown
    if _banner_shown:
        return
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _banner_shown = True


def quiet_highs():
    """A new ``highspy.Highs`` object that prints nothing."""
    import highspy

    consume_banner()
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs
