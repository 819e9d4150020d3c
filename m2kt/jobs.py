"""Background jobs for long engine work (ingestion from the workbench): a thread that runs a
function with a progress callback and a cancel flag, and whose state pages can poll.

``Job.start(fn)`` calls ``fn(progress, cancel, on_step)``; the job records the latest message
and fraction, per-step figures (for live curves), the result or the error.  No Streamlit here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Job:
    name: str
    state: str = "pending"  # pending | running | done | failed | cancelled
    message: str = ""
    fraction: float = 0.0
    steps: list[dict[str, float]] = field(default_factory=list)
    result: Any = None
    error: BaseException | None = None
    started: float = 0.0
    finished: float = 0.0
    #: when the last progress message arrived (``time.monotonic``)
    updated: float = 0.0
    _cancel: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def progress(self, message: str, fraction: float | None = None) -> None:
        """Record the latest message; the fraction never goes back (a later step reporting a
        smaller one keeps the bar where it was)."""
        with self._lock:
            self.message, self.updated = message, time.monotonic()
            if fraction is not None:
                self.fraction = max(self.fraction, min(1.0, float(fraction)))

    def on_step(self, step: int, terms: dict[str, float]) -> None:
        with self._lock:
            self.steps.append({"step": step, **terms})

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def active(self) -> bool:
        return self.state in ("pending", "running")

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy of the state for a page to render."""
        with self._lock:
            return {"state": self.state, "message": self.message, "fraction": self.fraction,
                    "steps": list(self.steps), "result": self.result, "error": self.error,
                    "seconds": (self.finished or time.monotonic()) - self.started
                    if self.started else 0.0,
                    "since_update": time.monotonic() - self.updated if self.updated else 0.0}

    def start(self, fn: Callable[..., Any]) -> Job:
        def run() -> None:
            try:
                out = fn(self.progress, self.cancelled, self.on_step)
                with self._lock:
                    self.result, self.state = out, "done"
            except BaseException as exc:  # noqa: BLE001 — reported to the page, never lost
                with self._lock:
                    self.error = exc
                    self.state = "cancelled" if self.cancelled() else "failed"
            finally:
                self.finished = time.monotonic()

        self.started = self.updated = time.monotonic()
        self.state, self.message = "running", "starting: loading the engine"
        self._thread = threading.Thread(target=run, name=f"m2kt-job-{self.name}", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
