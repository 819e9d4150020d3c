"""The aligners' SVD falls back to LAPACK's gesvd when the default driver does not converge."""

from __future__ import annotations

import numpy as np
import pytest


def test_svd_falls_back_to_gesvd_when_gesdd_does_not_converge(monkeypatch) -> None:
    from m2kt.align import linear

    a = np.random.default_rng(0).normal(size=(40, 30))
    want = np.linalg.svd(a, full_matrices=False)

    def refuse(*_args, **_kw):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(np.linalg, "svd", refuse)
    u, s, vt = linear.svd(a, full_matrices=False)
    np.testing.assert_allclose(s, want[1], rtol=1e-10)
    np.testing.assert_allclose(u @ np.diag(s) @ vt, a, atol=1e-10)
    # the Procrustes map still fits through the fallback
    q = linear.Procrustes().fit(a, a @ np.eye(30)).transform(a)
    np.testing.assert_allclose(q, a, atol=1e-8)
    # a matrix with NaN is not retried: the error stays
    with pytest.raises(np.linalg.LinAlgError):
        linear.svd(np.full((3, 3), np.nan))
