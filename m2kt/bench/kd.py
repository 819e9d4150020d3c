"""Baselines of the benchmark: logit knowledge distillation (KD) and supervised training on
``N`` transfer-pool inputs, on the same student M2KT starts from.

Two student forms, chosen per track so that KD is a *competent* baseline (BENCHMARK.md):

- language track (frozen 384-d MiniLM student): a softmax head on the student's frozen task
  features (the same features and linear capacity as M2KT's concept readout), trained
  full-batch with L-BFGS on temperature-softened teacher distributions; the temperature and
  the L2 strength are chosen on a 15 % slice of the ``N`` inputs by agreement with the teacher
  (never on ``test``).
- symbolic track (tiny transformer student): the whole student fine-tuned
  (``BertForSequenceClassification`` initialised from its self-supervised checkpoint) on the
  teacher's softened distribution with the usual ``T²``-scaled KL loss, enough epochs to fit.

``targets`` are (n, k) probabilities: the teacher's (KD) or one-hot labels (labels baseline).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from m2kt.heads import fit_softmax

TEMPERATURES = (1.0, 3.0)
#: at most this many rows fit the candidate (temperature, L2) pairs; the chosen pair is then
#: refit once on every row (the choice transfers, the cost of a 17k-row sweep does not)
SELECT_ROWS = 4000


@dataclass(frozen=True)
class BaselineResult:
    """Test accuracy of one trained student and the seconds its training took."""

    acc: float
    seconds: float
    temperature: float | None = None


def soften(proba: np.ndarray, t: float) -> np.ndarray:
    """Teacher probabilities (n, k) → softmax(log p / t), (n, k) float64."""
    z = np.log(np.clip(proba.astype(np.float64), 1e-12, 1.0)) / t
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


def frozen_head(x: np.ndarray, targets: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                seed: int, soft: bool = True) -> BaselineResult:
    """Softmax head on frozen features ``x`` (n, d) fitted to ``targets`` (n, k); accuracy on
    ``(x_test, y_test)``.  The temperature (from ``TEMPERATURES``, with ``soft``) and the L2
    strength are picked on a seeded 15 % validation slice by agreement with the target's
    argmax, fitting candidates on at most ``SELECT_ROWS`` of the other rows."""
    t0 = time.perf_counter()
    k = targets.shape[1]
    best_t, l2_grid = 1.0, (1e-4, 1e-3, 1e-2)
    if len(x) >= 20:
        rng = np.random.default_rng(seed)
        perm = rng.permutation(len(x))
        cut = max(1, int(0.15 * len(x)))
        va, tr = perm[:cut], perm[cut:SELECT_ROWS + cut]
        scores = []
        for t in (TEMPERATURES if soft else (1.0,)):
            y_tr = soften(targets[tr], t) if soft else targets[tr]
            h = fit_softmax(x[tr], y_tr, k, l2_grid=l2_grid, seed=seed)
            scores.append((float((h.predict(x[va]) == targets[va].argmax(1)).mean()), t, h.l2))
        _, best_t, best_l2 = max(scores, key=lambda s: s[0])
        l2_grid = (best_l2,)
    y = soften(targets, best_t) if soft else targets
    head = fit_softmax(x, y, k, l2_grid=l2_grid, seed=seed)
    acc = float((head.predict(x_test) == y_test).mean())
    return BaselineResult(acc, time.perf_counter() - t0, best_t if soft else None)


def finetune_student(student_dir: Path, texts: Sequence[str], targets: np.ndarray,
                     test_texts: Sequence[str], y_test: np.ndarray, seed: int,
                     temperature: float = 2.0, epochs: int = 60, min_steps: int = 300,
                     max_steps: int = 1500, lr: float = 1e-3) -> BaselineResult:
    """Fine-tune the whole symbolic student on ``targets`` (n, k) with KL at ``temperature``
    (``T² · KL(p_T ‖ q_T)``; one-hot targets make it cross-entropy); accuracy on the test."""
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    from m2kt.models.loader import quiet_transformers

    quiet_transformers()
    t0 = time.perf_counter()
    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(student_dir)
    k = targets.shape[1]
    model = BertForSequenceClassification.from_pretrained(student_dir, num_labels=k,
                                                          use_safetensors=True)
    enc = tok(list(texts), padding=True, return_tensors="pt")
    tgt = torch.from_numpy(soften(targets, temperature) if temperature != 1.0
                           else targets.astype(np.float64)).float()
    n = len(texts)
    batch = min(128, n)
    steps = int(np.clip(epochs * np.ceil(n / batch), min_steps, max_steps))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 30) * max(0.0, 1 - s / steps))
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, n, (batch,), generator=gen)
        logits = model(input_ids=enc["input_ids"][idx],
                       attention_mask=enc["attention_mask"][idx]).logits
        logq = torch.log_softmax(logits / temperature, dim=1)
        loss = -(tgt[idx] * logq).sum(1).mean() * temperature**2
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    model.eval()
    preds = []
    with torch.inference_mode():
        for i in range(0, len(test_texts), 512):
            e = tok(list(test_texts[i:i + 512]), padding=True, return_tensors="pt")
            preds.append(model(**e).logits.argmax(-1).numpy())
    pred = np.concatenate(preds) if preds else np.zeros(0, dtype=int)
    return BaselineResult(float((pred == y_test).mean()), time.perf_counter() - t0, temperature)


def payload_bytes(texts: Sequence[str], n_labels: int) -> int:
    """Bytes KD moves from teacher to student: the inputs (UTF-8) and float32 logits."""
    return sum(len(t.encode()) for t in texts) + 4 * n_labels * len(texts)
