"""Where blocks run: in this process (``local``) or on a Dask ``distributed`` cluster (``dask``): the
what-if engine's price blocks and the ranking's candidate blocks.

Both backends take the same block plan and hand results back **in block order** (a Dask backend keeps a
bounded window of blocks in flight and buffers out-of-order results until their turn), so reductions are
done in the same order on both: results are identical, not merely close. Dask is optional: it is imported
only here, only when ``backend="dask"``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from substitute.errors import InputError

__all__ = ["BACKENDS", "DaskBackend", "LocalBackend", "make_backend"]

BACKENDS = ("local", "dask")


class LocalBackend:
    """Run blocks one after the other in this process."""

    name = "local"

    def describe(self) -> dict[str, Any]:
        return {"backend": "local"}

    def map_ordered(
        self, fn: Callable[[Any, Any], Any], payload: Any, specs: Sequence[Any]
    ) -> Iterator[Any]:
        for spec in specs:
            yield fn(payload, spec)

    def close(self) -> None:
        return None


def _import_distributed():
    try:
        import distributed
    except ImportError:  # pragma: no cover - depends on the environment
        msg = (
            "backend='dask' needs Dask's distributed scheduler, which is not installed; "
            "install it with: pip install substitute-magnets[dask]"
        )
        raise InputError(msg) from None
    return distributed


class DaskBackend:
    """Run blocks on a ``distributed.Client``.

    Parameters
    ----------
    scheduler : None, str or distributed.Client
        ``None`` starts a ``LocalCluster`` (processes, ``n_workers`` workers of one thread each) and stops it
        at :meth:`close`; a string is a scheduler address (``"tcp://host:8786"``); a ``Client`` is used as
        is and left open.
    n_workers : int, default 2
        Workers of the local cluster.
    connect_timeout : float, default 5
        Seconds to wait for a scheduler before :class:`InputError`.
    window : int, optional
        Blocks in flight at once (default 4 per worker): bounds the memory of pending results.
    """

    name = "dask"

    def __init__(
        self,
        scheduler: Any = None,
        *,
        n_workers: int = 2,
        connect_timeout: float = 5.0,
        window: int | None = None,
    ) -> None:
        distributed = _import_distributed()
        self._own_client = False
        self._cluster = None
        self.address = ""
        if scheduler is None:
            self._cluster = distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = distributed.Client(self._cluster)
            self._own_client = True
            self.address = "LocalCluster"
        elif isinstance(scheduler, distributed.Client):
            self.client = scheduler
            self.address = str(scheduler.scheduler.address if scheduler.scheduler else "")
        elif isinstance(scheduler, str):
            self.address = scheduler
            try:
                self.client = _connect(distributed, scheduler, float(connect_timeout))
            except (OSError, TimeoutError) as exc:
                msg = (
                    f"scheduler {scheduler!r} could not be reached within {connect_timeout:g} s "
                    f"({type(exc).__name__}); nothing was computed. Start one with `dask scheduler` "
                    "and `dask worker <address>`, or use backend='local'"
                )
                raise InputError(msg) from None
            self._own_client = True
        else:
            msg = (
                "scheduler must be None (a local cluster), an address such as 'tcp://host:8786' or a "
                f"distributed.Client, got {type(scheduler).__name__}"
            )
            raise InputError(msg)
        try:
            info = self.client.scheduler_info(n_workers=-1)
        except TypeError:  # distributed < 2025: no n_workers argument
            info = self.client.scheduler_info()
        n = max(1, len(info.get("workers", {})) or n_workers)
        self.n_workers = n
        self.window = int(window) if window else 4 * n

    def describe(self) -> dict[str, Any]:
        return {"backend": "dask", "scheduler": self.address, "n_workers": self.n_workers}

    def map_ordered(
        self, fn: Callable[[Any, Any], Any], payload: Any, specs: Sequence[Any]
    ) -> Iterator[Any]:
        distributed = _import_distributed()
        client = self.client
        shared = client.scatter([payload], broadcast=True)[0]  # one future for the whole payload
        pending: dict[Any, int] = {}
        done: dict[int, Any] = {}
        ac = distributed.as_completed()
        nxt_submit = 0
        nxt_yield = 0
        total = len(specs)
        try:
            while nxt_yield < total:
                while nxt_submit < total and len(pending) + len(done) < self.window:
                    fut = client.submit(fn, shared, specs[nxt_submit], pure=False)
                    pending[fut] = nxt_submit
                    ac.add(fut)
                    nxt_submit += 1
                while nxt_yield not in done:
                    fut = next(ac)
                    i = pending.pop(fut)
                    done[i] = fut.result()  # re-raises a worker's exception here
                    fut.release()
                yield done.pop(nxt_yield)
                nxt_yield += 1
        finally:
            for fut in pending:
                with contextlib.suppress(Exception):
                    fut.cancel()
            with contextlib.suppress(Exception):
                client.cancel([shared])

    def close(self) -> None:
        if self._own_client:
            with contextlib.suppress(Exception):
                self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


def make_backend(
    backend: str, scheduler: Any = None, *, connect_timeout: float = 5.0, n_workers: int = 2
) -> LocalBackend | DaskBackend:
    """A backend by name (``"local"`` or ``"dask"``)."""
    if backend == "local":
        if scheduler is not None:
            msg = "scheduler is only used with backend='dask'"
            raise InputError(msg)
        return LocalBackend()
    if backend == "dask":
        return DaskBackend(scheduler, connect_timeout=connect_timeout, n_workers=n_workers)
    msg = f"backend {backend!r} is not known; valid: {', '.join(BACKENDS)}"
    raise InputError(msg)


def _connect(distributed: Any, address: str, timeout_s: float) -> Any:
    """A ``distributed.Client`` for ``address`` within ``timeout_s`` seconds (plus 2 s of grace).

    Dask's own timeout covers the TCP connection, not a peer that accepts it and never speaks the Dask
    protocol (an HTTP server on that port held the handshake for minutes); the connection is therefore
    made in a daemon thread with a hard deadline (a daemon thread does not hold the process at exit).
    """
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["client"] = distributed.Client(
                address, timeout=f"{timeout_s}s", set_as_default=False
            )
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    t = threading.Thread(target=run, name="substitute-dask-connect", daemon=True)
    t.start()
    t.join(timeout_s + 2.0)
    if t.is_alive():
        msg = f"no Dask handshake from {address} within {timeout_s + 2.0:g} s (is it a Dask scheduler?)"
        raise TimeoutError(msg)
    if "error" in box:
        raise box["error"]
    return box["client"]
