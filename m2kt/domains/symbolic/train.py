"""Train the symbolic suite's tiny models, deterministically, and write them as HF directories.

Per task: a **teacher** (``BertForSequenceClassification``, 2 layers × 128) trained on
``teacher_train`` labels, and a smaller, differently shaped **student** (``BertForMaskedLM``,
1 layer × 64) pretrained only by masked-token prediction on the *unlabelled* texts of
``teacher_train`` and ``transfer_pool`` — never labels, never teacher outputs.  Both load with
``from_pretrained``; the registry serves them as ``sym-<task>-teacher`` / ``sym-<task>-student``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from m2kt.domains.base import Task
from m2kt.domains.symbolic.shapes import STUDENT_SHAPE, TEACHER_SHAPE
from m2kt.models.spec import Progress, no_progress


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser settings for one model. ``steps`` of AdamW at ``batch`` examples each;
    ``dropout`` of the model's hidden states and attention (teachers)."""

    steps: int
    lr: float = 1e-3
    weight_decay: float = 0.01
    batch: int = 128
    warmup: int = 50
    dropout: float = 0.1


# Chosen on dev by `python research/probes/sym_sweep.py` (research/results/sym-sweep.json):
# modular arithmetic and the taxonomy generalise only with strong weight decay and long
# training ("grokking"), and the modular teacher only with dropout (dev 1.000 with 0.1 against
# 0.012 without, 3,000 steps). The taxonomy's v3 design and its 16,000 steps were chosen on
# dev with `python research/probes/tax_design_probe.py`
# (research/results/taxonomy-design-probe.json).
TEACHER_STEPS = {
    "taxonomy": TrainConfig(steps=16000, lr=1e-3, weight_decay=1.0, batch=128, dropout=0.1),
    "modular": TrainConfig(steps=3000, lr=1e-3, weight_decay=1.0, batch=512, dropout=0.1),
    "multistep": TrainConfig(steps=3000, lr=1e-3, weight_decay=0.1, batch=128, dropout=0.1),
}
STUDENT_STEPS = TrainConfig(steps=600, lr=2e-3)


def _set_seed(seed: int) -> None:
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def _encode(tok, texts: Sequence[str]):
    return tok(list(texts), padding=True, return_tensors="pt")


def _schedule(opt, cfg: TrainConfig):
    import torch

    def f(step: int) -> float:
        if step < cfg.warmup:
            return (step + 1) / cfg.warmup
        return max(0.0, 0.5 * (1 + np.cos(np.pi * (step - cfg.warmup) / max(1, cfg.steps))))

    return torch.optim.lr_scheduler.LambdaLR(opt, f)


def accuracy(model, tok, texts: Sequence[str], labels: Sequence[int], batch: int = 512) -> float:
    """Accuracy of a sequence classifier on ``texts`` (argmax of logits)."""
    import torch

    model.eval()
    correct = 0
    with torch.inference_mode():
        for i in range(0, len(texts), batch):
            enc = _encode(tok, texts[i:i + batch])
            pred = model(**enc).logits.argmax(-1).numpy()
            correct += int((pred == np.asarray(labels[i:i + batch])).sum())
    return correct / max(1, len(texts))


def train_teacher(task: Task, tok, cfg: TrainConfig, seed: int, progress: Progress = no_progress,
                  device: str = "cpu", shape: dict | None = None,
                  on_step: Callable[[int, Any], None] | None = None):
    """Train a ``BertForSequenceClassification`` of ``shape`` (default TEACHER_SHAPE) on
    ``teacher_train``; ``on_step(step, model)`` is called every 100 steps. Returns it on CPU."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    _set_seed(seed)
    config = BertConfig(vocab_size=len(tok), max_position_embeddings=32,
                        num_labels=len(task.labels), pad_token_id=tok.pad_token_id,
                        **(shape or TEACHER_SHAPE))
    model = BertForSequenceClassification(config).to(device)
    train = task.splits["teacher_train"]
    enc = _encode(tok, [e.text for e in train]).to(device)
    y = torch.tensor([e.label for e in train], device=device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = _schedule(opt, cfg)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for step in range(cfg.steps):
        idx = torch.randint(0, len(train), (min(cfg.batch, len(train)),), generator=gen).to(device)
        out = model(input_ids=enc["input_ids"][idx], attention_mask=enc["attention_mask"][idx],
                    labels=y[idx])
        opt.zero_grad()
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if on_step is not None and step % 100 == 0:
            on_step(step, model)
            model.train()
        if step % 100 == 0 or step == cfg.steps - 1:
            progress(f"{task.name} teacher step {step + 1}/{cfg.steps} loss {out.loss.item():.3f}",
                     (step + 1) / cfg.steps)
    model.eval()
    return model.cpu()


def pretrain_student(task: Task, tok, cfg: TrainConfig, seed: int,
                     progress: Progress = no_progress):
    """Masked-token pretraining of a ``BertForMaskedLM`` on unlabelled texts of teacher_train
    and transfer_pool (15 % of non-special tokens masked). No labels are read."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    _set_seed(seed + 1)
    config = BertConfig(vocab_size=len(tok), max_position_embeddings=32,
                        pad_token_id=tok.pad_token_id, **STUDENT_SHAPE)
    model = BertForMaskedLM(config)
    texts = [e.text for s in ("teacher_train", "transfer_pool") for e in task.splits[s]]
    enc = _encode(tok, texts)
    ids, att = enc["input_ids"], enc["attention_mask"]
    special = torch.isin(ids, torch.tensor(tok.all_special_ids))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = _schedule(opt, cfg)
    gen = torch.Generator().manual_seed(seed + 1)
    model.train()
    for step in range(cfg.steps):
        idx = torch.randint(0, len(texts), (min(cfg.batch, len(texts)),), generator=gen)
        x, a, sp = ids[idx].clone(), att[idx], special[idx]
        mask = (torch.rand(x.shape, generator=gen) < 0.15) & ~sp
        mask[torch.arange(len(x)), (~sp).float().argmax(1)] |= ~mask.any(1)  # ≥ 1 per row
        labels = torch.where(mask, x, torch.full_like(x, -100))
        x[mask] = tok.mask_token_id
        out = model(input_ids=x, attention_mask=a, labels=labels)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == cfg.steps - 1:
            progress(f"{task.name} student MLM step {step + 1}/{cfg.steps} "
                     f"loss {out.loss.item():.3f}", (step + 1) / cfg.steps)
    model.eval()
    return model


def majority_accuracy(task: Task, split: str = "test") -> float:
    """Accuracy on ``split`` of always answering the most frequent ``teacher_train`` label
    (the student's label-free starting point: chance level)."""
    counts = np.bincount([e.label for e in task.splits["teacher_train"]],
                         minlength=len(task.labels))
    maj = int(counts.argmax())
    exs = task.splits[split]
    return sum(e.label == maj for e in exs) / len(exs)


def train_task(task: Task, tok, out_dir: Path, seed: int = 0,
               progress: Progress = no_progress, device: str = "cpu") -> dict:
    """Train teacher and student for ``task`` into ``out_dir/{teacher,student}``; return the
    measured figures (teacher accuracy per split, student starting point, seconds)."""
    t0 = time.perf_counter()
    cfg = TEACHER_STEPS[task.name]
    shape = {**TEACHER_SHAPE, "hidden_dropout_prob": cfg.dropout,
             "attention_probs_dropout_prob": cfg.dropout}
    teacher = train_teacher(task, tok, cfg, seed, progress, device=device, shape=shape)
    t1 = time.perf_counter()
    student = pretrain_student(task, tok, STUDENT_STEPS, seed, progress)
    t2 = time.perf_counter()
    for name, model in (("teacher", teacher), ("student", student)):
        d = out_dir / name
        d.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(d, safe_serialization=True)
        tok.save_pretrained(d)
    acc = {s: accuracy(teacher, tok, [e.text for e in task.splits[s]],
                       [e.label for e in task.splits[s]]) for s in task.splits}
    return {
        "task": task.name, "seed": seed,
        "teacher": {"acc": acc["test"], "acc_by_split": acc,
                    "params": sum(p.numel() for p in teacher.parameters()),
                    "shape": shape, "train_seconds": round(t1 - t0, 1),
                    "steps": cfg.steps, "config": dataclasses.asdict(cfg)},
        "student": {"before_acc": majority_accuracy(task),
                    "before_acc_by_split": {s: majority_accuracy(task, s) for s in ("dev", "test")},
                    "before_method": "majority class",
                    "params": sum(p.numel() for p in student.parameters()),
                    "shape": STUDENT_SHAPE, "pretrain_seconds": round(t2 - t1, 1),
                    "steps": STUDENT_STEPS.steps},
        "split_sizes": task.split_sizes(),
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
