"""Small values derived at start-up, kept on disk between runs (start-up of one small file).

A value is stored under a key that hashes everything it is derived from (the sources of the code
that derives it, the data files it reads, the versions involved), so a changed input is a miss, never
a stale hit. The folder is the one the Hyperscan databases use (:func:`cache_dir`). Reading or
writing can fail (a read-only home, a damaged file): that is a miss, and the value is derived again.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "file_digest", "load", "store"]

#: Bumped when the file layout below changes.
_FORMAT = b"newsclean-diskcache-1\n"
# Values are kept with marshal (built in: nothing to import), so they are made of str, bytes, int,
# float, bool, None, tuples, lists and dicts.


def cache_dir() -> Path | None:
    """Where compiled and derived data are kept between runs: ``$NEWSCLEAN_CACHE``, else
    ``$XDG_CACHE_HOME/newsclean`` or ``~/.cache/newsclean``; an empty ``NEWSCLEAN_CACHE`` turns the
    cache off (``None``)."""
    env = os.environ.get("NEWSCLEAN_CACHE")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newsclean"


def file_digest(*parts: bytes | str | Path) -> str:
    """A hex key over ``parts``: bytes and strings as they are, paths by their content."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            data = part.read_bytes()
        elif isinstance(part, str):
            data = part.encode("utf-8", "surrogatepass")
        else:
            data = part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:32]


def _path(kind: str, key: str) -> Path | None:
    base = cache_dir()
    return None if base is None else base / f"{kind}-{key}.marshal"


def load(kind: str, key: str) -> Any | None:
    """The value stored under ``kind`` and ``key``, or ``None`` (not there, unreadable, cache off).
    The file holds its own key, so a file renamed or cut short is a miss."""
    path = _path(kind, key)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = _FORMAT + key.encode() + b"\n"
    if not data.startswith(head):
        return None
    try:
        return marshal.loads(data[len(head):])
    except Exception:  # a damaged file: derive the value again
        return None


def store(kind: str, key: str, value: Any) -> None:
    """Keep ``value`` (plain data: see above) under ``kind`` and ``key``; a failure to write is ignored."""
    path = _path(kind, key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(_FORMAT + key.encode() + b"\n" + marshal.dumps(value))
        os.replace(tmp, path)
    except OSError:
        pass
