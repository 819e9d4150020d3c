"""Workspace location and layout.

The workspace is the directory named by ``M2KT_HOME`` (default ``~/.m2kt``).  It is created on
first use and holds::

    m2kt.sqlite          the workspace database (see m2kt.store.db)
    cache/models/        converted builtin models (e.g. minilm-l3 from ONNX)
    packets/             packets received or built here
    students/            ingested students
    keys/                signing keys created by ``keygen`` (private keys mode 0600)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from m2kt.errors import WorkspaceError

ENV_HOME = "M2KT_HOME"
DEFAULT_HOME = Path("~/.m2kt")


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace. Construct with :func:`workspace`, which creates the folders."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "m2kt.sqlite"

    @property
    def model_cache(self) -> Path:
        return self.root / "cache" / "models"

    @property
    def packets(self) -> Path:
        return self.root / "packets"

    @property
    def students(self) -> Path:
        return self.root / "students"

    @property
    def keys(self) -> Path:
        return self.root / "keys"


def home_path() -> Path:
    """The workspace root from ``M2KT_HOME`` (expanded, absolute), without creating it."""
    raw = os.environ.get(ENV_HOME, "").strip()
    return (Path(raw) if raw else DEFAULT_HOME).expanduser().resolve()


def workspace(root: Path | None = None) -> Workspace:
    """Return the workspace at ``root`` (default :func:`home_path`), creating its folders.

    Raises :class:`WorkspaceError` when the folders cannot be created (e.g. the path is a file
    or not writable).
    """
    ws = Workspace((root or home_path()).expanduser().resolve())
    try:
        for p in (ws.root, ws.model_cache, ws.packets, ws.students, ws.keys):
            p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(
            f"cannot create workspace at {ws.root}: {exc.strerror or exc}; "
            f"set {ENV_HOME} to a writable directory"
        ) from exc
    return ws
