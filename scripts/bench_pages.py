"""Benchmark: first-render time of every workbench page (models and embeddings cached by a
warm-up run), and the Concept Manifolds figure for 10,000 points.

Usage: python scripts/bench_pages.py      (prints one line per figure; writes nothing)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ["home", "models", "manifolds", "graph", "traces", "packets", "review", "ingest",
         "verification", "experiments", "audit"]


def render(page: str) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=600)
    t = time.perf_counter()
    at.switch_page(f"views/{page}.py").run()
    dt = time.perf_counter() - t
    if at.exception:
        raise SystemExit(f"{page}: exception {at.exception[0].value}")
    return dt


def main() -> None:
    import numpy as np

    from m2kt.render.manifold import project, scatter

    for page in PAGES:
        render(page)  # warm-up: models, embeddings, caches
    for page in PAGES:
        print(f"first render {page:<13} {render(page):6.2f} s", flush=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10_000, 384)).astype(np.float32)
    labels = rng.integers(0, 26, 10_000)
    t = time.perf_counter()
    xy = project(x, 2)
    t1 = time.perf_counter()
    fig = scatter({"teacher": xy}, labels, [f"c{i}" for i in range(26)],
                  [f"w{i}" for i in range(10_000)])
    t2 = time.perf_counter()
    payload = len(fig.to_json())
    t3 = time.perf_counter()
    print(f"manifold 10k points: PCA {t1 - t:.3f} s, figure {t2 - t1:.3f} s, "
          f"serialise {t3 - t2:.3f} s ({payload / 1e6:.1f} MB JSON, WebGL traces)")


if __name__ == "__main__":
    main()
