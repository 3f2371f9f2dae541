"""The Ray cluster a run uses: the one named by ``--ray-address`` / ``RAY_ADDRESS``, or one started
here for the run, bound to the loopback interface only.

Ray's own processes (GCS, raylet, object manager, workers, agents) listen on the node's IP address,
which Ray looks up as the address that routes to the outside; with ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``
that look-up answers 127.0.0.1 instead, and every server binds to loopback (checked by
``tests/test_engine_ray.py``, which lists the listening sockets of the Ray processes). A cluster
started here also has no dashboard, no usage reporting and a small object store (the engine keeps
its bulk data in files, see :mod:`newsclean.distributed.engine`), and stops with the run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io import UserError

__all__ = ["ClusterInfo", "EngineError", "LOOPBACK_ENV", "code_fingerprint", "ray_cluster", "require_ray"]

log = logging.getLogger("newsclean")

#: What ``pip`` needs for this engine.
INSTALL_HINT = "--engine ray needs Ray: pip install 'newsclean[ray]'"
#: Environment of a cluster started here: Ray's node-IP look-up answers loopback (so every Ray server
#: binds 127.0.0.1), and Ray reports no usage statistics.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
#: Object store of a cluster started here: shuffles and task results only (bulk data is in files).
LOCAL_OBJECT_STORE_BYTES = 512 << 20


def require_ray() -> None:
    """Stop before any work (exit 2) when Ray is not installed: importing it is left to the run."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise UserError(INSTALL_HINT)


class EngineError(Exception):
    """The distributed run could not complete (a task failed for good, the cluster went away, the
    cluster's nodes run another newsclean): reported, exit code 3, report.json ``complete: false``."""


@dataclass(frozen=True)
class ClusterInfo:
    """What report.json says of the cluster (engine fields)."""

    address: str  # "local" when started here
    nodes: int
    cpus: int

    def to_json(self) -> dict[str, Any]:
        return {"name": "ray", "address": self.address, "nodes": self.nodes, "cpus": self.cpus}


def _import_ray(local: bool) -> Any:
    if local:
        # Read by ray when it is imported (ray_constants) and inherited by the processes it starts.
        for k, v in LOOPBACK_ENV.items():
            os.environ.setdefault(k, v)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        raise UserError(INSTALL_HINT) from None
    if local:
        from ray._private import ray_constants

        if os.environ.get("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER") == "0":
            ray_constants.ENABLE_RAY_CLUSTER = False  # ray was imported before the variable was set
    return ray


def _token_auth(env: dict[str, str]) -> None:
    """A cluster from ``ray start`` asks its clients for the token it wrote (``~/.ray/auth_token``),
    but a client only sends it in token mode: use that mode when a token is at hand."""
    if "RAY_AUTH_MODE" in env:
        return
    path = env.get("RAY_AUTH_TOKEN_PATH") or str(Path.home() / ".ray" / "auth_token")
    if env.get("RAY_AUTH_TOKEN") or Path(path).is_file():
        env["RAY_AUTH_MODE"] = "token"


def code_fingerprint() -> str:
    """Hash of newsclean's installed sources and rule files: the driver and every worker must run
    the same code, or the outputs could differ from the local engine's."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(digest_size=12)
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".toml", ".json") and "__pycache__" not in p.parts:
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _probe() -> tuple[str, str, str]:
    import newsclean

    return code_fingerprint(), newsclean.__file__ or "", sys.version.split()[0]


@contextmanager
def ray_cluster(address: str | None, *, cpus: int | None = None, temp_dir: str | None = None
                ) -> Iterator[ClusterInfo]:
    """Connect to the cluster at ``address`` (else ``RAY_ADDRESS``), or start one on this machine
    with ``cpus`` CPUs, bound to loopback; disconnect (and stop a cluster started here) on exit."""
    address = address or os.environ.get("RAY_ADDRESS") or None
    local = address is None or address == "local"
    if not local:
        _token_auth(os.environ)  # type: ignore[arg-type]  (read by Ray when it is imported)
    ray = _import_ray(local)
    if ray.is_initialized():
        raise EngineError("Ray is already initialized in this process")
    kwargs: dict[str, Any] = {"configure_logging": True, "logging_level": logging.WARNING, "log_to_driver": True}
    if local:
        kwargs.update(num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                      object_store_memory=LOCAL_OBJECT_STORE_BYTES)
        if temp_dir:
            kwargs["_temp_dir"] = temp_dir
        where = "local"
    else:
        kwargs["address"] = address
        where = str(address)
    try:
        ray.init(**kwargs)
    except Exception as exc:
        raise EngineError(f"cannot {'start a local Ray cluster' if local else f'join the Ray cluster at {address}'}: "
                          f"{type(exc).__name__}: {exc}") from None
    try:
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        total = int(sum(n.get("Resources", {}).get("CPU", 0) for n in nodes))
        probe = ray.remote(num_cpus=0)(_probe)
        theirs, path, version = ray.get(probe.remote(), timeout=600)
        mine = code_fingerprint()
        if theirs != mine:
            raise EngineError(f"the Ray workers run another newsclean ({path}, Python {version}) than this one: "
                              "install the same version on every node")
        log.info("ray engine: %s cluster, %d node(s), %d CPU(s)", where, len(nodes), total)
        yield ClusterInfo(address=where, nodes=len(nodes), cpus=total)
    finally:
        ray.shutdown()
