"""Distillation baselines of the benchmark on the symbolic track: the whole tiny student
(``BertForSequenceClassification`` initialised from its self-supervised checkpoint)
fine-tuned on teacher distributions with the usual ``T²``-scaled KL loss.

KD is competent (BENCHMARK.md): with ``N ≥ 20`` inputs a seeded 15 % slice of them is held
out and the weights with the best agreement with the teacher on that slice are kept (early
stopping, checked every ``EVAL_EVERY`` steps); the temperature is chosen once per task on such
a slice (:meth:`Finetuner.choose_temperature`). ``kd_ssl`` continues from the KD student on
its own confident pseudo-labels of the unlabelled pool (class-balanced; on pair tasks each
query's "yes" rate balanced on the pool), early-stopped on the same slice, whose first
candidate is the KD student itself. Nothing here reads a gold label of ``dev``/``test``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from m2kt import ssl
from m2kt.bench.kd import BaselineResult, soften

EVAL_EVERY = 100
TEMPERATURES = (1.0, 3.0)


@dataclass(frozen=True)
class Budget:
    """Fine-tuning steps: ``epochs`` passes over the data at the fine-tuner's batch, clipped to
    ``[min_steps, max_steps]``."""

    min_steps: int = 300
    max_steps: int = 3000
    epochs: int = 60

    def steps(self, n: int, batch: int) -> int:
        return int(np.clip(self.epochs * np.ceil(n / batch), self.min_steps, self.max_steps))


class Finetuner:
    """Fine-tunes copies of one student checkpoint for ``k`` labels; tokenisation cached."""

    def __init__(self, student_dir: Path, k: int, budget: Budget = Budget()):
        from transformers import AutoTokenizer

        from m2kt.models.loader import quiet_transformers

        quiet_transformers()
        self.dir, self.k, self.budget = student_dir, k, budget
        self.tok = AutoTokenizer.from_pretrained(student_dir)
        self.temperature = 2.0
        #: AdamW's decoupled weight decay and the largest batch (``research/probes/sym_kd_probe.py``
        #: tries others on dev)
        self.weight_decay, self.batch = 0.01, 128

    def _new(self, seed: int):
        import torch
        from transformers import BertForSequenceClassification

        torch.manual_seed(seed)
        return BertForSequenceClassification.from_pretrained(self.dir, num_labels=self.k,
                                                             use_safetensors=True)

    def _enc(self, texts: Sequence[str]):
        return self.tok(list(texts), padding=True, return_tensors="pt")

    def proba(self, model, texts: Sequence[str]) -> np.ndarray:
        """(n, k) softmax outputs of ``model`` on ``texts``."""
        import torch

        model.eval()
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), 1024):
                e = self._enc(texts[i:i + 1024])
                out.append(torch.softmax(model(**e).logits.float(), -1).numpy())
        return np.concatenate(out) if out else np.zeros((0, self.k), np.float32)

    def fit(self, texts: Sequence[str], targets: np.ndarray, seed: int,
            temperature: float | None = None, val: tuple[Sequence[str], np.ndarray] | None = None,
            model=None, steps: int | None = None, lr: float = 1e-3, batch: int | None = None):
        """Train (a copy of ``model``, or a fresh student) on ``targets`` (n, k); with ``val``
        (texts, teacher argmax) keep the best-agreeing weights, the start included. ``batch``:
        the largest batch (default the fine-tuner's). Returns ``(model, best validation
        agreement or None)``."""
        import torch

        t = self.temperature if temperature is None else temperature
        model = self._new(seed) if model is None else copy.deepcopy(model)
        enc = self._enc(texts)
        tgt = torch.from_numpy(soften(targets, t) if t != 1.0
                               else targets.astype(np.float64)).float()
        n = len(texts)
        batch = min(self.batch if batch is None else batch, n)
        steps = self.budget.steps(n, batch) if steps is None else steps
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / 30) * max(0.0, 1 - s / steps))
        gen = torch.Generator().manual_seed(seed)
        best, best_state = -1.0, None

        def check() -> None:
            nonlocal best, best_state
            agree = float((self.proba(model, val[0]).argmax(1) == val[1]).mean())
            if agree > best:
                best, best_state = agree, copy.deepcopy(model.state_dict())

        if val is not None:
            check()
        for step in range(steps):
            model.train()
            idx = torch.randint(0, n, (batch,), generator=gen)
            logits = model(input_ids=enc["input_ids"][idx],
                           attention_mask=enc["attention_mask"][idx]).logits
            logq = torch.log_softmax(logits / t, dim=1)
            loss = -(tgt[idx] * logq).sum(1).mean() * t**2
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            if val is not None and ((step + 1) % EVAL_EVERY == 0 or step == steps - 1):
                check()
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        return model, (best if val is not None else None)

    def choose_temperature(self, texts: Sequence[str], targets: np.ndarray, seed: int) -> float:
        """Pick the KD temperature from TEMPERATURES on a 15 % slice of ``texts``."""
        tr, va = _slice(len(texts), seed)
        scores = []
        for t in TEMPERATURES:
            _, agree = self.fit([texts[i] for i in tr], targets[tr], seed, t,
                                val=([texts[i] for i in va], targets[va].argmax(1)))
            scores.append((agree, -t))
        self.temperature = -max(scores)[1]
        return self.temperature


def cached_temperature(ft: Finetuner, texts: Sequence[str], targets: np.ndarray, seed: int,
                       tag: str) -> float:
    """:meth:`Finetuner.choose_temperature`, remembered in the workspace
    (``cache/kd-temperature/``) under a digest of everything the choice reads — the student
    checkpoint's files (name, size, mtime), the budget, batch, weight decay, the candidate
    temperatures, ``seed``, ``texts`` and ``targets`` (n, k) — so that each bench worker, and
    each later bench, reuses the choice instead of training it again. Sets and returns
    ``ft.temperature``; the same value as choosing afresh (training is seeded)."""
    import hashlib
    import json
    import math

    from m2kt.config import workspace
    from m2kt.packet.writer import write_atomic

    ckpt = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                  for p in Path(ft.dir).iterdir() if p.is_file())
    digest = hashlib.sha256(json.dumps([tag, ckpt, ft.k, repr(ft.budget), ft.batch,
                                        ft.weight_decay, TEMPERATURES, seed]).encode())
    digest.update("\n".join(texts).encode())
    digest.update(np.ascontiguousarray(targets, np.float64).tobytes())
    d = workspace().root / "cache" / "kd-temperature"
    path = d / f"{tag}-{digest.hexdigest()[:16]}.json"
    try:
        t = float(json.loads(path.read_text())["temperature"])
        if math.isfinite(t) and t in TEMPERATURES:
            ft.temperature = t
            return t
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent or unreadable: choose afresh and rewrite it
    t = ft.choose_temperature(texts, targets, seed)
    write_atomic(path, json.dumps({"temperature": t}).encode())
    return t


def _slice(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(seed + 17).permutation(n)
    cut = max(1, int(0.15 * n))
    return np.sort(perm[cut:]), np.sort(perm[:cut])


def _eval(ft: Finetuner, model, texts: Sequence[str], y: np.ndarray, t0: float, temp,
          choice=None, prior: np.ndarray | None = None,
          pool_texts: Sequence[str] = ()) -> BaselineResult:
    """The fine-tuned ``model``'s answers on ``texts`` scored against ``y``; with a ``prior``
    (class tasks) also its ``_prior`` answers: offsets on its log-probabilities that make its
    answers on ``pool_texts`` follow the teacher's class histogram."""
    from m2kt.bench.kd import prior_result

    p = ft.proba(model, texts)
    pred = p.argmax(1)
    res = BaselineResult(float((pred == y).mean()), time.perf_counter() - t0, pred, temp, choice)
    if prior is None or not len(pool_texts):
        return res
    logp = np.log(np.clip(ft.proba(model, pool_texts), 1e-9, 1.0))
    return prior_result(res, logp, np.log(np.clip(p, 1e-9, 1.0)), prior, y)


def kd_and_ssl(ft: Finetuner, texts: Sequence[str], targets: np.ndarray,
               pool_texts: Sequence[str], eval_texts: Sequence[str], y_eval: np.ndarray,
               seed: int, pool_queries: np.ndarray | None = None, ssl_too: bool = True,
               soft: bool = True, prior: np.ndarray | None = None,
               ) -> tuple[BaselineResult, BaselineResult | None]:
    """The ``kd`` student on ``(texts, targets)`` and, with ``ssl_too``, the ``kd_ssl``
    student continued from it on the pool (see module doc). ``pool_queries``: query ids of
    the pool rows on pair tasks. ``soft=False``: supervised (one-hot targets, T = 1).
    ``prior`` (class tasks): each student's ``_prior`` answers too (:func:`_eval`: offsets
    only; the continuation's balancing keeps the KD targets' mass)."""
    t0 = time.perf_counter()
    temp = ft.temperature if soft else 1.0
    val = None
    rows = np.arange(len(texts))
    if len(texts) >= 20:
        rows, va = _slice(len(texts), seed)
        val = ([texts[i] for i in va], targets[va].argmax(1))
    tr_texts = [texts[i] for i in rows]
    model, _ = ft.fit(tr_texts, targets[rows], seed, temp, val=val)
    kd = _eval(ft, model, eval_texts, y_eval, t0, temp, prior=prior, pool_texts=pool_texts)
    if not ssl_too:
        return kd, None
    t1 = time.perf_counter()
    p = ft.proba(model, pool_texts).astype(np.float64)
    if pool_queries is not None:  # pair tasks: each query's "yes" rate one half on the pool
        score = np.log(p[:, 1] + 1e-9) - np.log(p[:, 0] + 1e-9)
        th = ssl.balance_pairs(score, pool_queries)
        yes = (score > th[pool_queries]).astype(int)
        p = np.eye(2)[yes] * 0.9 + 0.05
    else:
        p = ssl.balance(p, targets[rows].mean(0) + 1e-3)
    keep = ssl.confident(p, 0.5)
    mix_texts = tr_texts + [pool_texts[i] for i in keep]
    mix_t = np.concatenate([targets[rows], soften(p[keep], 0.5)])
    # a short continuation at batch 128 (the KD student it starts from had the full budget)
    steps = int(np.clip(ft.budget.steps(len(mix_texts), 128) // 4, 150, 750))
    model2, _ = ft.fit(mix_texts, mix_t, seed + 1, temp, val=val, model=model, steps=steps,
                       lr=5e-4, batch=128)
    res = _eval(ft, model2, eval_texts, y_eval, t1, temp, "self-train", prior=prior,
                pool_texts=pool_texts)
    from dataclasses import replace

    return kd, replace(res, seconds=res.seconds + kd.seconds)
