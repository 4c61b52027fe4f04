"""Where the counties' work runs: in this process, or on a Dask cluster.

Both runners do the same two things — build each county's model once and keep it where it was
built (:meth:`build`), then call a function on every county's model with per-county arguments
and bring the (small) results back in county order (:meth:`each`) — so a province gives
byte-identical results on one machine and on a cluster: the same functions run on the same
data, and the results are added up here, in the same order.

``cluster`` is ``None`` (this process), ``"local"`` or ``"local:N"`` (a Dask ``LocalCluster``
of N single-threaded worker processes, default 2) or a scheduler address (``tcp://host:8786``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from simulator.errors import TuopinError

LOCAL_WORKERS = 2
"""Worker processes of ``--cluster local`` without a count (the machines tuopin is tested on
have two cores)."""


class LocalRunner:
    """Every county in this process, one after the other."""

    description = "this process"

    def build(self, function: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        return [function(task) for task in tasks]

    def each(self, function: Callable[..., Any], handles: Sequence[Any],
             *arguments: Sequence[Any]) -> list[Any]:
        per_county = zip(*arguments, strict=True) if arguments else [()] * len(handles)
        return [function(handle, *args) for handle, args in zip(handles, per_county,
                                                                strict=True)]

    def everywhere(self, function: Callable[..., Any], *arguments: Any) -> None:
        """Call ``function`` once in every process that holds counties."""
        function(*arguments)

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskRunner:
    """Counties on the workers of a Dask cluster: each county's model stays on the worker that
    built it, and only prices and sums travel."""

    _home: dict[str, str]
    """Each county handle's key → the address of the worker that holds its data."""

    def __init__(self, cluster: str) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as error:  # the optional dependency
            raise TuopinError("--cluster needs Dask: pip install 'tuopin[dask]'") from error
        self._cluster = None
        local = re.fullmatch(r"local(?::(\d+))?", cluster)
        if local:
            workers = int(local.group(1) or LOCAL_WORKERS)
            if workers < 1:
                raise TuopinError(f"--cluster: expected local:N with N ≥ 1, found {cluster!r}")
            # one thread per worker: the numpy work inside a county is not shared by threads,
            # and a worker's memory is then one county's at a time
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                         processes=True, dashboard_address=None)
            self.client = Client(self._cluster)
            self.description = f"a local Dask cluster of {workers} worker processes"
        else:
            if not re.fullmatch(r"(tcp|tls|ucx|inproc)://\S+", cluster):
                raise TuopinError(f"--cluster: expected local, local:N or a scheduler address "
                                  f"such as tcp://host:8786, found {cluster!r}")
            try:
                self.client = Client(cluster, timeout="30s")
            except OSError as error:
                raise TuopinError(f"--cluster: no Dask scheduler answers at {cluster} "
                                  f"({error})") from error
            self.description = f"the Dask cluster at {cluster}"

    def build(self, function: Callable[[Any], Any], tasks: Sequence[Any]) -> list[Any]:
        from dask.distributed import wait

        futures = self.client.map(function, list(tasks), pure=False)
        wait(futures)
        for future in futures:
            if future.status == "error":
                future.result()  # raises the county's error here
        # A county's data is on the disk of the worker that built it: every later task on the
        # county runs there (the handle itself is small and would otherwise go anywhere).
        holders = self.client.who_has(futures)
        self._home = {future.key: sorted(holders[future.key])[0] for future in futures}
        return futures

    def each(self, function: Callable[..., Any], handles: Sequence[Any],
             *arguments: Sequence[Any]) -> list[Any]:
        per_county = zip(*arguments, strict=True) if arguments else [()] * len(handles)
        futures = [self.client.submit(function, handle, *args, pure=False,
                                      workers=[self._home[handle.key]],
                                      allow_other_workers=False)
                   for handle, args in zip(handles, per_county, strict=True)]
        return self.client.gather(futures)

    def everywhere(self, function: Callable[..., Any], *arguments: Any) -> None:
        """Call ``function`` once on every worker."""
        self.client.run(function, *arguments)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def runner_for(cluster: str | None) -> LocalRunner | DaskRunner:
    """The runner ``cluster`` names (None: this process)."""
    return LocalRunner() if cluster is None else DaskRunner(cluster)
