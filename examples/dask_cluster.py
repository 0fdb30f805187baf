"""Run a paired bootstrap on a Dask cluster and get the same bits as on one core.

eval_toolkit's ``n_jobs`` is explicit, but the joblib backend active around
the call is honoured: inside ``joblib.parallel_config(backend="dask")`` the
blocks of resamples run on the Dask workers.  Each block of 64 resamples is
seeded by its own ``SeedSequence.spawn`` child, so the result is bit-identical
to ``n_jobs=1`` whatever the backend, the number of workers or the batching.

By default this starts a ``LocalCluster`` of two worker processes on this
machine.  Pass the address of a running scheduler to use a real cluster::

    python examples/dask_cluster.py                        # local cluster
    python examples/dask_cluster.py tcp://scheduler:8786   # existing cluster

Needs the ``dask`` extra: ``pip install "eval_toolkit[dask]"``.
"""

import sys

import numpy as np
from distributed import Client, LocalCluster
from joblib import parallel_config

from eval_toolkit import paired_bootstrap_diff


def scores(n: int = 20_000):
    """Two correlated models on the same samples; B is slightly better."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    latent = y + rng.normal(0, 1.0, n)
    return y, latent, latent + 0.15 * y + rng.normal(0, 0.5, n)


def main(address: str | None) -> None:
    y, a, b = scores()
    options = dict(n_resamples=2000, method="bca", seed=7)
    on_one_core = paired_bootstrap_diff(y, a, b, "roc_auc", n_jobs=1, **options)

    # processes=True: workers are separate processes, like the machines of a
    # real cluster.  The __main__ guard below keeps them from rerunning main().
    cluster = (
        None
        if address
        else LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    )
    with Client(address or cluster) as client:
        print(f"cluster: {len(client.scheduler_info()['workers'])} workers")
        with parallel_config(backend="dask"):
            on_cluster = paired_bootstrap_diff(y, a, b, "roc_auc", n_jobs=-1, **options)
    if cluster is not None:
        cluster.close()

    print(on_one_core)
    print(on_cluster)
    identical = np.array_equal(on_one_core.distribution, on_cluster.distribution)
    print(f"bit-identical bootstrap distributions: {identical}")
    if not identical or on_one_core != on_cluster:
        raise SystemExit("the cluster result differs from the single-core result")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
