"""Ingestion: packet + student (+ counted unlabelled inputs) → a new student directory.

The student backbone is frozen; a CAL (student → teacher space) is initialised by an alignment
method on the packet's anchors and refined with the composite loss; answers come from the
packet's manifolds (``m2kt.ingest.readout``).  Inputs: the packet, the student, and the
student's own unlabelled ``transfer_pool`` inputs (texts and queries only — never labels).
Every input either model processes is counted in the ledger.  Progress is reported through a
callback; ``cancel()`` returning True stops between steps.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from m2kt.align import alignment_metrics, make
from m2kt.concepts import readout as concept_readout
from m2kt.concepts import relative as concept_relative
from m2kt.domains.registry import get_task, student_start
from m2kt.errors import UsageError
from m2kt.ingest import losses as L
from m2kt.ingest.encoder import TrainableEncoder
from m2kt.ingest.ledger import Ledger
from m2kt.ingest.readout import PAIR_TASKS, manifolds_of, predict, thresholds
from m2kt.ingest.select import CANDIDATE_METHODS, Selection, select
from m2kt.ingest.variants import DEFAULT_VARIANT, get_variant
from m2kt.ingest.weights import DEFAULT_WEIGHTS, TERMS
from m2kt.ingest.zero import cal_from_transform, mixture_map
from m2kt.models import load
from m2kt.models.embcache import cached_encode
from m2kt.models.spec import Progress, no_progress
from m2kt.packet.reader import VerifiedPacket
from m2kt.packet.writer import write_atomic
from m2kt.verify.gates import Gate, check
from m2kt.verify.policy import SafetyPolicy, load_policy

METHODS = ("auto", "ridge", "procrustes", "cal")


#: the alignment gate; its figure is top-1 retrieval minus its permutation null
ALIGN_GATE = "alignment above its null (top-1 − null, held-out anchors)"


class Cancelled(Exception):
    """Raised when the cancel callback asks ingestion to stop."""


@dataclass
class IngestResult:
    out_dir: Path
    accuracy: float | None
    student_before: float | None
    ledger: Ledger
    gates: list[Gate]
    curves: dict[str, list[float]]
    seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """No gate failed (a gate without a figure is not applicable, not a pass)."""
        return not any(g.failed for g in self.gates)


def _affine(method: str, xs: np.ndarray, yt: np.ndarray, seed: int):
    """CAL module initialised by ``method`` on paired anchors (identity-free affine part)."""
    al = make(method, **({"seed": seed} if method == "cal" else {})).fit(xs, yt)
    if method == "cal":
        return al.module
    return cal_from_transform(al.transform, xs.shape[1], yt.shape[1])


def torch_readout(head, centroids: torch.Tensor, pair: bool) -> Callable[[torch.Tensor],
                                                                        torch.Tensor]:
    """The packet readout as a differentiable map: (n, d_t) → (n, L) logits for class tasks,
    (n, k, L) for pair tasks (the answer for every concept as the queried one)."""
    w, b, mean, scale = (torch.tensor(np.array(a, np.float32))
                         for a in (head.weight, head.bias, head.mean, head.scale))

    def logits(y: torch.Tensor) -> torch.Tensor:
        if pair:
            h = y[:, None, :].expand(-1, len(centroids), -1)
            mu = centroids[None, :, :].expand(len(y), -1, -1)
            y = torch.cat([h, mu, h * mu, (h - mu).abs()], dim=-1)
        return ((y - mean) / scale) @ w.T + b

    return logits


def _relative_map(s_pool: np.ndarray, label_vecs: np.ndarray, rel_head, man):
    """Zero-crossing initial map of the ``relative`` variant (class tasks).

    The student describes each of its own unlabelled inputs ``s_pool`` (n, d_s) by z-scored
    cosines to its own vectors of the concept labels ``label_vecs`` (C, d_s); the packet's
    relative readout (:mod:`m2kt.concepts.relative`, fitted teacher-side) names a concept for
    each; a ridge map sends every input to that concept's teacher-space centroid. Returns the
    fitted map (``transform``: (n, d_s) → (n, d_t)) and how many concepts were named. Its
    readout is the variant's ``relative_readout`` (nearest centroid by cosine about the
    centroids' mean, or by Euclidean distance; chosen on dev: scripts/dev_choices.py)."""
    r = concept_relative.profiles(s_pool, label_vecs)
    pseudo = rel_head.predict(concept_relative.zscore(r, r))
    targets = np.asarray(man.centroids, np.float64)[pseudo]
    return make("ridge").fit(s_pool, targets), int((np.bincount(pseudo) > 0).sum())


def _above_start_gate(acc: float, n: int, before: float | None, chance: float,
                      split: str = "dev") -> Gate:
    """Held-out accuracy above the student's start (or chance, when higher) beyond noise: the
    figure is the one-sided binomial p-value (:func:`m2kt.verify.stats.above_start`)."""
    from m2kt.verify.stats import ALPHA, above_start

    r = above_start(acc, n, before, chance)
    start = "unknown" if before is None else f"{before:.3f}"
    detail = f"{split} acc {acc:.3f} on {n} vs start {start}, chance {chance:.3f}"
    return check("held-out accuracy above the student's start (binomial p)", "post",
                 None if r is None else r.p, ALPHA, "<", detail)


def _evaluate(task, split: str, lm, encoder, mapped, man, labels, cidx, th, head,
              cosine: bool, seed: int, progress: Progress) -> dict:
    """The new student on the held-out ``split``: accuracy, predictions, and the
    specificity control (each input swapped for another input of the split along a random
    cycle, queries kept). Reads labels only to score."""
    from m2kt.concepts.teacher import requery

    exs = list(task.splits[split])
    order = np.random.default_rng(seed + 5).permutation(len(exs))
    other = np.empty(len(exs), dtype=int)
    other[order] = np.roll(order, -1)  # a cycle: nobody keeps its own input
    pair = task.name in PAIR_TASKS
    swapped = [requery(task, exs[other[i]], e.query) for i, e in enumerate(exs)] if pair \
        else None

    def answer(batch: list) -> np.ndarray:
        texts = [e.text for e in batch]
        s = (encoder.encode(texts) if encoder is not None
             else cached_encode(lm, texts, progress=progress))
        q = [cidx[e.query] for e in batch] if pair else None
        return predict(mapped(s), man, task.name, labels, q, th, head=head, cosine=cosine)

    y = np.array([e.label for e in exs])
    pred = answer(exs)
    pred_sw = answer(swapped) if pair else pred[other]
    return {"acc": float((pred == y).mean()), "n": len(exs), "pred": pred,
            "pred_swapped": pred_sw, "acc_swapped": float((pred_sw == y).mean())}


def ingest(
    packet: VerifiedPacket, out_dir: Path, student: str | None = None,
    method: str = "auto",
    seed: int = 0, weights: dict[str, float] | None = None, steps: int | None = None,
    pool_limit: int | None = None, policy: SafetyPolicy | None = None, evaluate: bool = True,
    lr: float | None = None, variant: str = DEFAULT_VARIANT,
    progress: Progress = no_progress, cancel: Callable[[], bool] = lambda: False,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
    eval_split: str = "dev",
) -> IngestResult:
    """See module doc. ``weights`` sets λ per term (0 switches a term off); ``variant`` names
    a method variant (:mod:`m2kt.ingest.variants`), whose step count and CAL learning rate
    apply unless ``steps`` / ``lr`` are given.  ``on_step(step, {term: value})`` receives
    every step's loss terms (live curves); ``cancel()`` is polled before every step.

    With ``evaluate`` the new student answers the held-out ``eval_split`` (``dev`` by
    default: the gates are a check, and every choice reads dev; the benchmark passes ``test``
    for its final report) — after every weight is fixed, so labels never reach training.
    ``extra`` then holds the predictions (``pred``) and, for the specificity control, the
    predictions when every input is swapped for another input of the split, queries kept
    (``pred_swapped``)."""
    t0 = time.perf_counter()
    var = get_variant(variant)
    steps = var.steps if steps is None else steps
    pool_limit = var.pool_limit if pool_limit is None else pool_limit
    lr = var.cal_lr if lr is None else lr
    if method not in METHODS:
        raise UsageError(f"ingestion method must be one of {', '.join(METHODS)}")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise UsageError(f"{out_dir} exists and is not empty; ingestion writes a new student")
    lam = dict(DEFAULT_WEIGHTS) | (weights or {})
    policy = policy or load_policy()
    torch.manual_seed(seed)
    m = packet.manifest
    dom = m.provenance.domain
    task = get_task(dom.task, seed=dom.seed, **dict(dom.params))
    lm = load(student or task.student, progress=progress)
    ids = packet.concept_ids
    cidx = {c: i for i, c in enumerate(ids)}
    k = len(ids)
    ledger = Ledger(teacher_inputs=m.provenance.counts.teacher_inputs
                    + m.provenance.counts.probe_inputs)
    # --- student-side inputs (all counted) -------------------------------------------------
    # a zero-crossing variant reads neither the anchors nor the traces: no per-example teacher
    # information reaches the student at all
    anchors = [] if var.zero_crossing else list(packet.anchors.texts)
    traces = [] if var.zero_crossing else packet.traces.traces
    pool = list(task.splits["transfer_pool"])
    if len(pool) > pool_limit:
        pool = [pool[i] for i in np.sort(np.random.default_rng(seed).permutation(len(pool))
                                         [:pool_limit])]
    probes = policy.probes_for(task.name)
    progress(f"student encodes {len(anchors)} anchors, {len(traces)} trace queries, "
             f"{len(pool)} unlabelled inputs", 0.05)
    enc = lambda texts: cached_encode(lm, texts) if texts else np.zeros((0, lm.info.hidden_size),  # noqa: E731
                                                                np.float32)
    s_anchor, s_trace = enc(anchors), enc([t.query for t in traces])
    s_pool, s_probe = enc([e.text for e in pool]), enc([p.text for p in probes])
    ledger.student_inputs = len(anchors) + len(traces) + len(pool) + len(probes)
    ledger.crossing_inputs = len(anchors) + len(traces)
    t_anchor = (np.zeros((0, m.d_teacher), np.float32) if var.zero_crossing else
                packet.tensors.get("anchors", np.zeros((0, m.d_teacher), np.float32)))
    man = manifolds_of(packet.tensors, m.main_layer)
    cent = torch.from_numpy(np.array(man.centroids))
    live = man.counts > 0
    tau = float(np.median(man.residual_var[live]) * m.d_teacher) if live.any() else 1.0
    # loading a model the first time in a process draws from torch's RNG (weight init before
    # the checkpoint is read): re-seed here so the CAL init and dropout do not depend on it
    torch.manual_seed(seed)
    # --- alignment: hold out an eighth of the anchors (at least 8) for the gate -------------
    n_hold = max(8, len(anchors) // 8) if len(anchors) >= 16 else 0
    perm = np.random.default_rng(seed + 1).permutation(len(anchors))
    hold, fit_idx = perm[:n_hold], perm[n_hold:]
    if len(fit_idx) < 2 and not var.zero_crossing:
        raise UsageError("this packet carries too few anchors to initialise the CAL "
                         "(build it with --anchors 16 or more, or use a zero-crossing "
                         "variant: --variant zero)")
    class_task = task.name not in PAIR_TASKS
    head = concept_readout.from_tensors(packet.tensors)
    rel_head = (concept_relative.from_tensors(packet.tensors)
                if (var.relative or var.relative_candidate) and class_task else None)
    rel_map = None
    if rel_head is not None:  # the student's own inputs, named by the relative readout
        label_vecs = enc([c.label for c in task.concepts])
        ledger.student_inputs += len(label_vecs)
        rel_map, named = _relative_map(s_pool, label_vecs, rel_head, man)
    if rel_map is not None and var.relative:  # zero crossing: that map is the CAL
        sel = Selection("relative", var.relative_readout, {"concepts_named": named})
        cal = cal_from_transform(rel_map.transform, s_pool.shape[1], m.d_teacher)
        progress("initial map: ridge from the student's own inputs to the centroids of the "
                 "concepts the packet's relative readout gives them (no crossing inputs)", 0.08)
    elif var.zero_crossing:  # no pairs: align the student's own cloud to the packet's mixture
        readout = "head" if head is not None and not class_task else (
            "centroid" if class_task else "manifold")
        sel = Selection("unsupervised", readout, {})
        zmap = mixture_map(s_pool, man, seed)
        progress("initial map: unsupervised, student's own inputs → the packet's manifold "
                 "mixture (no crossing inputs)", 0.08)
        cal = cal_from_transform(zmap.transform, s_pool.shape[1], m.d_teacher)
    else:
        # the relative map never saw an anchor: its agreement on all of them is out-of-sample,
        # like the cross-validated agreement of the anchor-fitted maps it competes with
        extra = ({"relative": (rel_map.transform(s_anchor[fit_idx]), var.relative_readout)}
                 if rel_map is not None and method == "auto" else None)
        sel = select(s_anchor[fit_idx], t_anchor[fit_idx], man, head, pair=not class_task,
                     methods=CANDIDATE_METHODS if method == "auto" else (method,), seed=seed,
                     extra=extra)
        progress(f"initial map {sel.method}, readout {sel.readout} (cross-validated agreement "
                 f"on the anchors: {', '.join(f'{k} {v:.2f}' for k, v in sel.table.items())})",
                 0.08)
        cal = (cal_from_transform(rel_map.transform, s_pool.shape[1], m.d_teacher)
               if sel.method == "relative" else
               _affine(sel.method, s_anchor[fit_idx], t_anchor[fit_idx], seed))
    method = sel.method
    use_head = sel.readout == "head"
    # --- composite-loss refinement -----------------------------------------------------------
    edges = [(cidx[e.source], cidx[e.target]) for e in packet.graph.edges]
    main_stage = f"layer {m.main_layer}"
    tr_rows, tr_idx, tr_p = [], [], []
    for i, t in enumerate(traces):
        step = next((s for s in t.steps if s.stage == main_stage), None)
        if step and all(c in cidx for c, _ in step.top):
            tr_rows.append(i)
            tr_idx.append([cidx[c] for c, _ in step.top])
            tr_p.append([p for _, p in step.top])
    width = max((len(r) for r in tr_idx), default=0)
    tr_idx = [r + [r[-1]] * (width - len(r)) for r in tr_idx]
    tr_p = [r + [0.0] * (width - len(r)) for r in tr_p]
    blocked = [cidx[c] for c in policy.blocked_concepts if c in cidx]
    X = {n: torch.from_numpy(np.ascontiguousarray(v)) for n, v in
         (("anchor", s_anchor[fit_idx]), ("pool", s_pool), ("trace", s_trace[tr_rows]),
          ("probe", s_probe))}
    T_anchor = torch.from_numpy(np.ascontiguousarray(t_anchor[fit_idx]))
    TI, TP = torch.tensor(tr_idx, dtype=torch.long), torch.tensor(tr_p, dtype=torch.float32)
    live_t = torch.from_numpy(live)
    head_fn = torch_readout(head, cent, pair=not class_task) if use_head else None
    params = [{"params": list(cal.parameters()), "lr": lr}]
    encoder = None
    if var.adapt:  # the student's backbone learns too (a deep copy; the input model is kept)
        torch.use_deterministic_algorithms(True, warn_only=True)
        encoder = TrainableEncoder(lm, var.train_top(task.track))
        encoder.eval()  # gradients flow, dropout stays off: deterministic for a seed
        params.append({"params": encoder.trainable(), "lr": var.backbone_lr_for(task.track)})
        texts = {"anchor": [anchors[i] for i in fit_idx],
                 "trace": [traces[i].query for i in tr_rows],
                 "probe": [p.text for p in probes], "pool": [e.text for e in pool]}
    opt = torch.optim.Adam(params)
    gen = np.random.default_rng(seed + 2)

    def feats(name: str) -> torch.Tensor:
        if encoder is None:
            if name == "pool" and len(X["pool"]) > var.frozen_pool_batch:
                # the pool terms are means over the pool: a fresh random batch each step
                return X["pool"][torch.from_numpy(
                    gen.choice(len(X["pool"]), var.frozen_pool_batch, replace=False))]
            return X[name]
        t = texts[name]
        if name == "pool" and len(t) > var.pool_batch:
            t = [t[i] for i in gen.choice(len(t), var.pool_batch, replace=False)]
        return encoder(t)

    curves: dict[str, list[float]] = {t: [] for t in (*TERMS, "member", "total")}
    for step in range(steps):
        if cancel():
            raise Cancelled("ingestion cancelled; nothing was written")
        pool_y = cal(feats("pool"))  # shared by the structural, safety and membership terms
        terms = {
            "geo": L.geometric(cal(feats("anchor")), T_anchor,
                               *((cent, live_t, tau) if class_task else ()),
                               readout=head_fn),
            "struct": L.structural(pool_y, cent, edges, tau),
            "reason": L.reasoning(cal(feats("trace")), cent, TI, TP) if len(tr_rows) else
            torch.zeros(()),
            "safe": L.safety(pool_y, cent, blocked, tau, cal.affine.weight,
                             policy.cal_norm_bound, X["probe"], cal(feats("probe")),
                             policy.max_drift),
            "member": L.membership(pool_y, cent, live_t, 0.1)
            if var.member and class_task else torch.zeros(()),
        }
        total = sum(lam.get(t, var.member) * v for t, v in terms.items())
        for t, v in terms.items():
            curves[t].append(round(float(v.detach()), 6))
        curves["total"].append(round(float(total.detach()), 6))
        if on_step is not None:
            on_step(step, {t: curves[t][-1] for t in curves})
        if total.requires_grad and steps:
            opt.zero_grad()
            total.backward()
            opt.step()
        if step % 20 == 0 or step == steps - 1:
            progress(f"step {step + 1}/{steps}: " + ", ".join(
                f"{t} {curves[t][-1]:.4f}" for t in TERMS), 0.1 + 0.7 * (step + 1) / steps)
    cal.eval()
    if encoder is not None:  # every later figure uses the adapted backbone
        s_anchor = encoder.encode(anchors)
        s_trace = encoder.encode([t.query for t in traces])
        s_pool = encoder.encode([e.text for e in pool])
        s_probe_new = encoder.encode([p.text for p in probes])
    else:
        s_probe_new = s_probe

    def mapped(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return cal(torch.from_numpy(np.ascontiguousarray(x))).numpy().astype(np.float64)

    # --- readout calibration (label-free) and post-ingestion gates ---------------------------
    pool_q = [cidx[e.query] for e in pool] if task.name in PAIR_TASKS else None
    th = thresholds(mapped(s_pool), pool_q, man, k) if pool_q is not None else None
    gates: list[Gate] = []
    if n_hold:
        am = alignment_metrics(mapped(s_anchor[hold]), t_anchor[hold], n_perm=50, seed=seed)
        gates.append(check(ALIGN_GATE, "post",
                           am["top1"]["value"] - am["top1"]["null"], 0.05, ">=",
                           f"figure = top-1 {am['top1']['value']:.2f} − its permutation null "
                           f"{am['top1']['null']:.2f}; "
                           f"CKA {am['cka']['value']:.2f} vs {am['cka']['null']:.2f}"))
    else:
        am = None
        gates.append(check(ALIGN_GATE, "post", None, 0.05,
                           ">=", "fewer than 16 anchors: no held-out pairs"))
    agree = None
    if tr_rows:
        logits = L.centred_cosine_logits(torch.from_numpy(mapped(s_trace[tr_rows])).float(), cent)
        agree = float((logits.argmax(1).numpy() == TI[:, 0].numpy()).mean())
    gates.append(check("trace agreement with the teacher (main layer)", "post", agree,
                       policy.min_trace_agreement, ">="))
    if len(probes):
        pred = predict(mapped(s_probe_new), man, task.name, m.labels,
                       head=head if use_head else None, cosine=sel.readout == "cosine")
        bad = [p.text for p, y in zip(probes, pred, strict=True) if ids[y] in p.forbidden]
        gates.append(check("protected probes not read as forbidden concepts", "post",
                           len(bad) / len(probes), policy.max_protected_violations, "<=",
                           ", ".join(bad[:5])))
        raw = torch.from_numpy(s_probe)
        d = float(L.drift(raw, torch.from_numpy(mapped(s_probe_new)).float()))
        gates.append(check("retention of prior behaviour (probe geometry drift)", "post", d,
                           policy.max_drift, "<="))
    norm = float(cal.affine.weight.detach().norm() / cal.affine.weight.shape[0] ** 0.5)
    gates.append(check("CAL norm bound", "post", norm, policy.cal_norm_bound, "<="))
    acc = before = None
    evaluation: dict = {}
    if evaluate:
        evaluation = _evaluate(task, eval_split, lm, encoder, mapped, man, m.labels, cidx, th,
                               head if use_head else None, sel.readout == "cosine", seed,
                               progress)
        acc = evaluation["acc"]
        before = student_start(task.name, eval_split)
        gates.append(_above_start_gate(acc, evaluation["n"], before, 1.0 / len(m.labels),
                                       eval_split))
    # --- export --------------------------------------------------------------------------------
    progress("writing the new student", 0.95)
    tmp = out_dir.with_name(f".{out_dir.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in lm.path.iterdir():
        if f.is_file() and (f.suffix in (".json", ".txt", ".safetensors", ".model")):
            shutil.copy2(f, tmp / f.name)
    if encoder is not None:  # the adapted backbone replaces the copied weights
        encoder.model.save_pretrained(tmp, safe_serialization=True)
    from safetensors.torch import save_file

    save_file({k2: v.detach().contiguous() for k2, v in cal.state_dict().items()},
              str(tmp / "cal.safetensors"))
    ro = {"centroids": man.centroids, "basis": man.basis, "spreads": man.spreads,
          "residual_var": man.residual_var, "counts": man.counts}
    if th is not None:
        ro["thresholds"] = th.astype(np.float32)
    if use_head:
        ro.update(concept_readout.to_tensors(head))
    from safetensors.numpy import save_file as save_np

    save_np({k2: np.ascontiguousarray(v, np.float32) for k2, v in ro.items()},
            str(tmp / "readout.safetensors"))
    cal_hidden = cal.mlp[0].out_features
    meta = {"m2kt_student": 1, "task": task.name, "labels": list(m.labels), "concepts": ids,
            "pair_task": task.name in PAIR_TASKS, "student": lm.info.name,
            "pooling": lm.info.default_pooling, "template": lm.info.default_template,
            "d_student": lm.info.hidden_size, "d_teacher": m.d_teacher, "cal_hidden": cal_hidden,
            "packet_digest": packet.digest, "method": method, "readout": sel.readout,
            "variant": var.name,
            "seed": seed}
    report = {"packet_digest": packet.digest, "task": task.name, "student": lm.info.name,
              "method": method, "readout": sel.readout, "selection": sel.table,
              "variant": var.name, "seed": seed, "weights": lam,
              "steps": steps,
              "ledger": ledger.as_dict(), "curves": curves,
              "gates": [g.as_dict() for g in gates], "accuracy": acc, "eval_split": eval_split,
              "accuracy_swapped": evaluation.get("acc_swapped"), "student_before": before,
              "alignment": am, "seconds": round(time.perf_counter() - t0, 2)}
    (tmp / "m2kt_student.json").write_text(json.dumps(meta, indent=2))
    write_atomic(tmp / "ingestion_report.json", json.dumps(report, indent=2).encode())
    if out_dir.exists():
        out_dir.rmdir()
    tmp.rename(out_dir)
    return IngestResult(out_dir, acc, before, ledger, gates, curves,
                        time.perf_counter() - t0, {"alignment": am, "method": method,
                                                   "readout": sel.readout,
                                                   "selection": sel.table,
                                                   "eval_split": eval_split,
                                                   "pred": evaluation.get("pred"),
                                                   "pred_swapped":
                                                       evaluation.get("pred_swapped")})
