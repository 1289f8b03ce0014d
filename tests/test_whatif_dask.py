"""The Dask backend gives the local backend's numbers exactly (a 2-worker LocalCluster started here)."""

from __future__ import annotations

import pandas as pd
import pytest

import substitute as sb
from substitute.whatif import Design, Scenario, scenario_grid, whatif

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.dask

BASELINE = "Nd 21.75, Pr 7.25, Dy 3.0, Co 1.0, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal"
VOL = {"Tb": 0.35, "Dy": 0.3, "Nd": 0.2, "Pr": 0.2}


@pytest.fixture(scope="module")
def cluster():
    import logging

    c = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(c)
    yield c, client
    client.close()
    c.close()


def _designs() -> list[Design]:
    a = sb.Alloy.parse(BASELINE, basis="mass")
    tb = sb.Alloy.parse(
        "Nd 24.0, Pr 8.0, Co 2.0, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal", basis="mass"
    )
    return [
        Design("baseline", a, annual_volume_units_per_year=1000, origin={"Dy": "CN"}),
        Design.from_base(
            "tb-gbd",
            tb,
            gbd_element="Tb",
            gbd_mass_percent=0.8,
            grain_size_um=1.5,
            annual_volume_units_per_year=500,
            origin={"Tb": {"CN": 0.5, "non-CN": 0.5}},
        ),
        Design(
            "half-dy",
            a,
            annual_volume_units_per_year=250,
            origin={"Dy": {"CN": 0.5, "recycled": 0.5}},
        ),
    ]


def _grid() -> list[Scenario]:
    return scenario_grid(
        {
            "price_multipliers.Tb": [0.5, 1, 4],
            "price_multipliers.Dy": [0.05, 1],
            "as_of": ["2026-11-22", "2026-12-01"],
        }
    )


def _strip(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.attrs = {}
    return out


@pytest.mark.parametrize(
    ("draws", "block_size"),
    [(300, 700), (1500, 600)],  # 2 cells per block (exact); draws streamed over 3 blocks per cell
    ids=["exact", "streamed"],
)
def test_dask_and_local_are_identical(cluster, draws, block_size):
    _, client = cluster
    kw = {"draws": draws, "seed": 2026, "volatility": VOL, "study": None, "block_size": block_size}
    local = whatif(_designs(), _grid(), **kw)
    remote = whatif(_designs(), _grid(), backend="dask", scheduler=client, **kw)
    assert remote.attrs["audit"]["backend"] == "dask"
    assert remote.attrs["audit"]["n_blocks"] == local.attrs["audit"]["n_blocks"] > 4
    pd.testing.assert_frame_equal(_strip(local), _strip(remote), check_exact=True)
    assert local.attrs["fleet_quantiles"] == remote.attrs["fleet_quantiles"]


def test_scheduler_address_string(cluster):
    c, client = cluster
    kw = {"draws": 100, "seed": 1, "volatility": VOL, "study": None, "block_size": 250}
    local = whatif(_designs(), _grid()[:4], **kw)
    remote = whatif(_designs(), _grid()[:4], backend="dask", scheduler=c.scheduler_address, **kw)
    pd.testing.assert_frame_equal(_strip(local), _strip(remote), check_exact=True)
    assert remote.attrs["audit"]["backend_scheduler"] == c.scheduler_address
    assert client.status == "running"  # our client is left alone


def test_worker_error_reaches_the_caller(cluster):
    _, client = cluster

    with pytest.raises(sb.InputError, match=r"distributions\['Dy'\] returned 1 values for"):
        whatif(
            _designs(),
            _grid()[:2],
            draws=20,
            seed=1,
            distributions={"Dy": _one_value},
            study=None,
            backend="dask",
            scheduler=client,
        )


def _one_value(rng, n):  # a broken user distribution (module level: picklable)
    return [1.0]


def test_an_address_that_is_not_a_dask_scheduler_fails_within_the_timeout():
    # issue 17: an HTTP server on the scheduler's address held the handshake for over 12 minutes
    import http.server
    import threading
    import time

    from substitute.backends import DaskBackend

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        t = time.perf_counter()
        with pytest.raises(sb.InputError, match="could not be reached within 1 s"):
            DaskBackend(f"tcp://127.0.0.1:{srv.server_address[1]}", connect_timeout=1.0)
        assert time.perf_counter() - t < 10.0
    finally:
        srv.shutdown()


def test_ranking_on_dask_is_identical_to_local(cluster):
    # issue 14 (item 6): the ranking's candidates evaluated in blocks on a LocalCluster give the same
    # table — Pareto fronts, order, top-k — as the same blocks evaluated in this process
    import warnings

    from substitute.ranking.study import load_study

    _, client = cluster
    st = load_study(as_of="2026-11-25")
    kw = {
        "route": st.route,
        "space": st.space,
        "prices": st.prices,
        "baseline_origin": st.baseline_origin,
        "progress": False,
        "block_size": 2000,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ModelDomainWarning)
        local = sb.rank_substitutes(st.baseline, st.requirements, **kw)
        dask = sb.rank_substitutes(
            st.baseline, st.requirements, backend="dask", scheduler=client, **kw
        )
        whole = sb.rank_substitutes(st.baseline, st.requirements, **{**kw, "block_size": None})
    assert len(local.table) > 4 * 2000  # several blocks
    pd.testing.assert_frame_equal(local.table, dask.table)
    assert local.table["pareto_rank"].tolist() == dask.table["pareto_rank"].tolist()
    # blocks or one piece: the same candidates in the same order with the same numbers
    cols = ["candidate", "order", "pareto_rank", "qualifies", "cost_usd_per_part", "p_meets"]
    pd.testing.assert_frame_equal(
        local.table[cols], whole.table[cols], check_exact=False, rtol=1e-12
    )


def test_rank_command_on_a_scheduler_writes_the_local_table(cluster, tmp_path):
    from substitute.cli import main

    c, _ = cluster
    local, dask = tmp_path / "local.csv", tmp_path / "dask.csv"
    args = ["rank", "--as-of", "2026-11-25", "--top", "1", "--no-progress", "--block-size", "3000"]
    assert main([*args, "--csv", str(local)]) == 0
    assert main([*args, "--scheduler", c.scheduler_address, "--csv", str(dask)]) == 0
    assert local.read_bytes() == dask.read_bytes()
