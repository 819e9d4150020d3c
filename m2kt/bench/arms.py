"""The benchmark's baseline arms on one task: ``prior``, ``kd``, ``kd_anchor``, ``kd_ssl``,
``kd_words``, their ``_prior`` variants and ``labels_budget`` (BENCHMARK v3), sharing
once-computed material — the teacher's answers, the student's features (language track) or its
fine-tuner (symbolic track), the teacher's class histogram, the evaluation split's labels — so
every arm sees the same models, seeds and items.

Only the evaluation split (``dev`` or ``test``, chosen by the caller) is read for labels, and
only to score; KD arms read the teacher's answers on their own inputs (``kd_words``: also on
the public strings a packet uses) and, for ``kd_ssl``, the unlabelled pool; ``_prior`` answers
also use the teacher's class histogram (the one a packet ships: its answers on the
``teacher_train`` inputs a packet reads).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from m2kt.bench.kd import (
    BaselineResult,
    frozen_head,
    kd_head,
    kd_ssl_head,
    names_weight,
    prior_result,
    with_names,
)
from m2kt.domains.base import TEXT_TRACKS, Example, Task
from m2kt.models.spec import Progress

QUERY_TASKS = ("hypernymy", "taxonomy")
#: fine-tuning steps (min, max) of the symbolic KD students (``--quick``: too few for
#: modular's pool to teach the group, so quick runs cannot show that task's transfer)
FULL_BUDGET, QUICK_BUDGET = (300, 3000), (150, 600)
#: full-run KD fine-tuning (batch, epochs, max steps) of a task whose pool the default
#: (128, 60, 3000) cannot teach, chosen on dev with ``research/probes/sym_kd_probe.py``: modular's
#: whole pool closes 47 % of the teacher − start gap at batch 128 × 2,400 steps, 72 % at batch
#: 512 × 2,400 and 88 % at 512 × 3,600 (research/results/sym-kd-probe-modular*.json);
#: kd_ssl's short continuation from that KD student stays at batch 128
KD_SETTINGS = {"modular": (512, 360, 3600)}


def teacher_histogram(task: Task, teacher, max_inputs: int = 20000) -> np.ndarray:
    """The teacher's class histogram (k,) as a packet ships it: the share of each class among
    its answers on the ``teacher_train`` inputs a packet reads (the same seeded sample of at
    most ``max_inputs``, :func:`m2kt.packet.build.teacher_sample`)."""
    from m2kt.packet.build import teacher_sample

    pred = teacher.proba(teacher_sample(task, max_inputs)).argmax(1)
    h = np.bincount(pred, minlength=len(task.labels)).astype(np.float64)
    return h / max(h.sum(), 1.0)


def prior_answers(student, task: Task, f_pool: np.ndarray, f_eval: np.ndarray,
                  graph: tuple[np.ndarray, np.ndarray], hist: np.ndarray) -> np.ndarray:
    """The language ``prior`` arm's answers (n_eval,) on class tasks (see
    :meth:`TaskBench.prior`): label-free, the student's own vectors only, and ``hist``."""
    from m2kt import ssl
    from m2kt.bench.kd import PSEUDO_ROWS, soften, with_prior
    from m2kt.concepts.relative import profiles
    from m2kt.heads import fit_softmax
    from m2kt.models.embcache import cached_encode

    lab = cached_encode(student, [c.label for c in task.concepts])
    s_pool = profiles(f_pool, lab)
    z = s_pool + ssl.prior_offsets(s_pool, hist)
    z = z / ssl.margin_temperature(z)
    y0 = np.exp(z - z.max(1, keepdims=True))
    y0 /= y0.sum(1, keepdims=True)
    p = ssl.balance(ssl.spread(*graph, y0), hist + 1e-3)
    keep = ssl.confident(p, 0.5)
    if len(keep) > PSEUDO_ROWS:
        keep = np.sort(np.random.default_rng(0).choice(keep, PSEUDO_ROWS, replace=False))
    head = fit_softmax(f_pool[keep], soften(p[keep], 0.5), len(hist), l2_grid=(1e-3,), seed=0)
    return with_prior(head.logits(f_pool), head.logits(f_eval), hist)


class TaskBench:
    """See module doc. ``correct[(arm, N)]`` collects (seeds, items) correctness of every
    measurement for the parity bootstrap."""

    def __init__(self, task: Task, split: str, device: str, progress: Progress,
                 quick: bool = False, teacher: str | None = None, words: int = 0):
        from m2kt.concepts.teacher import load_teacher
        from m2kt.models import load

        self.task, self.split, self.progress = task, split, progress
        self.teacher = load_teacher(task, name=teacher if task.track in TEXT_TRACKS else None,
                                    device=device, progress=progress)
        self.student = load(task.student, device=device, progress=progress)
        self.pool: list[Example] = list(task.splits["transfer_pool"])
        self.eval: list[Example] = list(task.splits[split])
        self.y_eval = np.array([e.label for e in self.eval])
        self.k = len(task.labels)
        self.pair = task.name in QUERY_TASKS
        self.cidx = {c.id: i for i, c in enumerate(task.concepts)}
        self.correct: dict[tuple[str, float], np.ndarray] = {}
        self._memo: dict[object, object] = {}
        progress(f"{task.name}: the teacher answers the pool ({len(self.pool)} inputs)", None)
        self._pool_pos = {id(e): i for i, e in enumerate(self.pool)}
        self.t_pool = self.teacher.proba(self.pool)
        #: the teacher's class histogram (k,) that a packet ships (class tasks; None on pair
        #: tasks): its answers on the teacher_train inputs a packet reads
        self.hist = None if self.pair else teacher_histogram(task, self.teacher)
        #: the public strings a packet of the bench's variant uses (concept labels, then its
        #: public words; class tasks of the language track), for kd_words
        self.words: list[Example] = self._public(words)
        if task.track in TEXT_TRACKS:
            from m2kt.domains.language import features

            self.f_pool = features(self.student, task, self.pool, progress)
            self.f_eval = features(self.student, task, self.eval, progress)
        self._quick = quick

    def _public(self, words: int) -> list[Example]:
        """The reference strings of a packet with ``words`` public words (see ``words``): the
        concept labels, then the words; none where packets carry no relative readout over
        strings (pair tasks, the symbolic track)."""
        from m2kt.concepts.words import reads_words

        if not reads_words(self.task) or self.pair:
            return []
        from m2kt.concepts.relative import reference_strings
        from m2kt.concepts.words import public_words

        strings = reference_strings([c.label for c in self.task.concepts],
                                    public_words(self.task, words))
        return [Example(text=w, label=0, key=f"ref:{w}") for w in strings]

    def with_words(self, words: int) -> TaskBench:
        """This material for packets with ``words`` public words: a shallow copy sharing every
        measurement already made (KD does not depend on the words; kd_words is keyed by
        them)."""
        import copy

        other = copy.copy(self)
        other.words = self._public(words)
        return other

    @property
    def ft(self):
        """The symbolic track's KD fine-tuner (:class:`~m2kt.bench.finetune.Finetuner`), made
        on first use — with its temperature chosen on a seeded slice of 512 pool inputs — so
        a bench driver that only assembles results never trains."""
        if "ft" not in self._memo:
            from m2kt.bench.finetune import Budget, Finetuner, cached_temperature

            task = self.task
            budget = Budget(*(QUICK_BUDGET if self._quick else FULL_BUDGET))
            tuned = not self._quick and task.name in KD_SETTINGS
            if tuned:
                batch, epochs, most = KD_SETTINGS[task.name]
                budget = Budget(FULL_BUDGET[0], most, epochs)
            ft = Finetuner(self.student.path, self.k, budget)
            if tuned:
                ft.batch = batch
            rows = self.subset(min(512, len(self.pool)), 0)
            self.progress(f"{task.name}: choosing the KD temperature on a slice of 512 inputs",
                          None)
            cached_temperature(ft, [e.text for e in rows], self._targets(rows), 0, task.name)
            self._memo["ft"] = ft
        return self._memo["ft"]

    # ---------------------------------------------------------------------- shared material
    def subset(self, n: int, seed: int) -> list[Example]:
        """``n`` pool inputs drawn with ``seed`` (all of them when n ≥ pool)."""
        if n >= len(self.pool):
            return list(self.pool)
        idx = np.sort(np.random.default_rng(1000 + seed).permutation(len(self.pool))[:n])
        return [self.pool[i] for i in idx]

    def _targets(self, exs: Sequence[Example]) -> np.ndarray:
        """The teacher's answer distributions (n, k) on ``exs`` (pool rows reuse the cache)."""
        pos = [self._pool_pos.get(id(e)) for e in exs]
        if all(p is not None for p in pos):
            return self.t_pool[pos].astype(np.float64)
        return self.teacher.proba(list(exs)).astype(np.float64)

    def pool_graph(self) -> tuple[np.ndarray, np.ndarray]:
        """The kNN graph of the student's pool features (language track), built once."""
        if "graph" not in self._memo:
            from m2kt import ssl

            self._memo["graph"] = ssl.knn_graph(self.f_pool)
        return self._memo["graph"]  # type: ignore[return-value]

    def _queries(self, exs: Sequence[Example]) -> np.ndarray | None:
        return np.array([self.cidx[e.query] for e in exs]) if self.pair else None

    def ledger(self, n: int, pool: bool = False, words: bool = False, prior: bool = False,
               seed: int = 0, exs: Sequence[Example] | None = None) -> dict[str, int]:
        """The ledger of a KD/labels run on ``n`` pool inputs drawn with ``seed`` (or on
        ``exs``): the teacher reads and answers them and all of it crosses
        (:func:`m2kt.ledger.kd_ledger`); ``words``: it also answers the public strings
        (kd_words); ``pool``: the student also reads the whole unlabelled pool (kd_ssl);
        ``prior``: the arm also uses the teacher's class histogram."""
        from m2kt.ledger import kd_ledger

        extra = len(self.task.concepts) if self.task.name == "hypernymy" else 0
        exs = self.subset(n, seed) if exs is None else exs
        return kd_ledger([e.text for e in exs], self.k,
                         words=[w.text for w in self.words] if words else (),
                         pool=len(self.pool) if pool else 0, prior=prior,
                         extra_student=extra).as_dict()

    # --------------------------------------------------------------------------------- arms
    def kd_subset(self, n: int, seeds: Sequence[int]
                  ) -> tuple[list[BaselineResult], list[BaselineResult]]:
        """``kd`` and ``kd_ssl`` on ``n`` random pool inputs per seed, computed once per
        ``(n, seeds)`` for this bench (variants compared in one process share them)."""
        key = ("kd", n, tuple(seeds))
        if key not in self._memo:
            self._memo[key] = self.kd_pair([self.subset(n, s) for s in seeds], seeds)
        return self._memo[key]  # type: ignore[return-value]

    def kd_only(self, n: int, seeds: Sequence[int]) -> list[BaselineResult]:
        """``kd`` alone on ``n`` random pool inputs per seed (``--quick``'s sweep points below
        the full pool); the same inputs and heads as :meth:`kd_subset`'s ``kd``."""
        if ("kd", n, tuple(seeds)) in self._memo:
            return self._memo[("kd", n, tuple(seeds))][0]  # type: ignore[index]
        key = ("kd-only", n, tuple(seeds))
        if key not in self._memo:
            self._memo[key] = self.kd_pair([self.subset(n, s) for s in seeds], seeds,
                                           ssl_too=False)[0]
        return self._memo[key]  # type: ignore[return-value]

    def labels_subset(self, n: int, seeds: Sequence[int]) -> list[BaselineResult]:
        """``labels_budget`` on ``n`` random pool inputs per seed (computed once)."""
        key = ("labels", n, tuple(seeds))
        if key not in self._memo:
            self._memo[key] = self.labels([self.subset(n, s) for s in seeds], seeds)
        return self._memo[key]  # type: ignore[return-value]

    def name_scores(self, f: np.ndarray) -> np.ndarray:
        """The student's own label-name scores (n, k) of feature rows ``f`` (n, d): cosines to
        its vectors of the concept labels, divided by the median top-1 − top-2 margin on its
        pool (as the ``prior`` arm starts); label-free, nothing crosses. Language class tasks."""
        from m2kt.concepts.relative import profiles

        if "names" not in self._memo:  # the label vectors and the pool's margin, once
            from m2kt import ssl
            from m2kt.models.embcache import cached_encode

            lab = cached_encode(self.student, [c.label for c in self.task.concepts])
            self._memo["names"] = (lab, ssl.margin_temperature(profiles(self.f_pool, lab)))
        lab, temp = self._memo["names"]  # type: ignore[misc]
        return profiles(f, lab) / temp

    def kd_pair(self, sets: Sequence[Sequence[Example]], seeds: Sequence[int],
                ssl_too: bool = True) -> tuple[list[BaselineResult], list[BaselineResult]]:
        """Per seed, ``kd`` on ``sets[i]`` and (``ssl_too``) ``kd_ssl`` on it plus the pool."""
        kd, ssl = [], []
        for exs, s in zip(sets, seeds, strict=True):
            t = self._targets(exs)
            if self.task.track in TEXT_TRACKS:
                from m2kt.domains.language import features

                x = features(self.student, self.task, list(exs))
                t0 = time.perf_counter()
                head, temp = kd_head(x, t, s)
                z = head.logits(self.f_eval)
                pred = z.argmax(1)
                res = BaselineResult(float((pred == self.y_eval).mean()),
                                     time.perf_counter() - t0, pred, temp)
                z_pool, z_prior = head.logits(self.f_pool), z
                if self.hist is not None:  # _prior answers: + the student's label names
                    w = names_weight(x, t, self.name_scores(x), head, temp or 1.0, s)
                    z_pool = with_names(z_pool, self.name_scores(self.f_pool), w)
                    z_prior = with_names(z, self.name_scores(self.f_eval), w)
                    res = replace(res, choice=f"_prior with label names ×{w:g}")
                kd.append(prior_result(res, z_pool, z_prior, self.hist, self.y_eval))
                pos = [self._pool_pos.get(id(e)) for e in exs]
                if ssl_too and len({p for p in pos if p is not None}) == len(self.pool):
                    # every pool input is already a KD input: no unlabelled input is left
                    ssl.append(replace(kd[-1], choice="kd (no unlabelled pool input left)"))
                elif ssl_too:
                    inside = all(p is not None for p in pos)
                    graph = self.pool_graph() if inside else self._graph_with(x)
                    where = np.array(pos) if inside else len(self.pool) + np.arange(len(x))

                    ssl.append(kd_ssl_head(x, t, self.f_pool, self.f_eval, self.y_eval, s,
                                           self._queries(exs), self._queries(self.pool),
                                           self._queries(self.eval), kd=(head, temp),
                                           pool_graph=graph, in_pool=where, prior=self.hist))
            else:
                from m2kt.bench.finetune import kd_and_ssl

                a, b = kd_and_ssl(self.ft, [e.text for e in exs], t,
                                  [e.text for e in self.pool], [e.text for e in self.eval],
                                  self.y_eval, s, self._queries(self.pool), ssl_too,
                                  prior=self.hist)
                kd.append(a)
                if b is not None:
                    ssl.append(b)
        return kd, ssl

    def _graph_with(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A kNN graph over the pool's features and then ``x``'s rows (KD inputs that are not
        pool rows: kd_words's public strings), remembered for the last ``x``."""
        key = ("graph-with", x.shape, hash(x.tobytes()))
        if self._memo.get("graph-with-key") != key:
            from m2kt import ssl

            self._memo["graph-with"] = ssl.knn_graph(np.concatenate([self.f_pool, x]))
            self._memo["graph-with-key"] = key
        return self._memo["graph-with"]  # type: ignore[return-value]

    def kd_words(self, n: int, seeds: Sequence[int], ssl_too: bool = True
                 ) -> tuple[list[BaselineResult], list[BaselineResult]]:
        """``kd_words`` (and ``kd_words_ssl``) per seed: KD on the teacher's answers on the
        public strings a packet uses (:attr:`words`) plus ``n`` pool inputs drawn with the
        seed (and the pool), each with its ``_prior`` answers; computed once per
        ``(n, seeds)``."""
        key = ("kd_words", len(self.words), n, tuple(seeds), ssl_too)
        if key not in self._memo:
            sets = [[*self.words, *(self.subset(n, s) if n else [])] for s in seeds]
            self._memo[key] = self.kd_pair(sets, seeds, ssl_too=ssl_too)
        return self._memo[key]  # type: ignore[return-value]

    def labels(self, sets: Sequence[Sequence[Example]], seeds: Sequence[int]
               ) -> list[BaselineResult]:
        """Supervised training on the *gold labels* of ``sets[i]`` (a reference arm)."""
        out = []
        for exs, s in zip(sets, seeds, strict=True):
            onehot = np.eye(self.k)[[e.label for e in exs]]
            if self.task.track in TEXT_TRACKS:
                from m2kt.domains.language import features

                x = features(self.student, self.task, list(exs))
                out.append(frozen_head(x, onehot, self.f_eval, self.y_eval, s, soft=False))
            else:
                from m2kt.bench.finetune import kd_and_ssl

                out.append(kd_and_ssl(self.ft, [e.text for e in exs], onehot, [],
                                      [e.text for e in self.eval], self.y_eval, s,
                                      ssl_too=False, soft=False)[0])
        return out

    def prior(self, n_seeds: int) -> dict[str, Any]:
        """The ``prior`` arm (BENCHMARK v3): the strongest zero-crossing baseline — the
        student's own label-free answers re-balanced to the teacher's class histogram. On the
        language track's class tasks: its nearest-label scores (cosine to its own vectors of
        the concept labels) with offsets that make its answers on its pool follow the
        histogram, spread over the pool's kNN graph, a head fitted on the confident half and
        offset the same way (:func:`prior_answers`); on hypernymy: "yes" when its cosine to the
        queried concept's label passes the pool quantile that gives each queried concept the
        teacher's "yes" rate on teacher_train. The symbolic students have no label-free
        answers: the histogram's most frequent class (class tasks), each queried concept's
        majority answer of the teacher (taxonomy). Deterministic: the same for every seed."""
        from m2kt.ledger import Ledger

        train = list(self.task.splits["teacher_train"])
        pred_t = self.teacher.proba(train).argmax(1)
        if self.pair:
            yes = self.task.labels.index("yes")
            rate = np.full(len(self.cidx), float((pred_t == yes).mean()))
            q = np.array([self.cidx[e.query] for e in train])
            for c in np.unique(q):
                rate[c] = float((pred_t[q == c] == yes).mean())
            qe = self._queries(self.eval)
            if self.task.track in TEXT_TRACKS:
                pred = self._pair_prior(rate, yes)
                rule = ("the student's cosine of the word to the queried concept's label, "
                        "thresholded per queried concept at the pool quantile that gives the "
                        "teacher's 'yes' rate on teacher_train")
            else:
                pred = np.where(rate[qe] >= 0.5, yes, 1 - yes)
                rule = "each queried concept's majority answer of the teacher on teacher_train"
            n_floats = len(rate)
        elif self.task.track in TEXT_TRACKS:
            pred = prior_answers(self.student, self.task, self.f_pool, self.f_eval,
                                 self.pool_graph(), self.hist)
            rule = ("the student's nearest-label answers re-balanced to the teacher's class "
                    "histogram on its own pool, spread over the pool's kNN graph, then a head "
                    "on the confident half, offset the same way")
            n_floats = self.k
        else:
            pred = np.full(len(self.eval), int(np.argmax(self.hist)))
            rule = "the most frequent class of the teacher's class histogram"
            n_floats = self.k
        correct = pred == self.y_eval
        self.correct[("prior", 0)] = np.stack([correct] * n_seeds)
        acc = float(correct.mean())
        return {"acc": acc, "acc_std": 0.0, "acc_ci": None, "accs": [acc] * n_seeds,
                "seconds": 0.0, "rule": rule,
                "ledger": Ledger(bytes=4 * n_floats, student_inputs=len(self.pool),
                                 teacher_inputs=len(train)).as_dict()}

    def _pair_prior(self, rate: np.ndarray, yes: int) -> np.ndarray:
        """hypernymy's ``prior`` answers (see :meth:`prior`): (n_eval,) label indices."""
        d = self.f_pool.shape[1] // 4

        def cos(f: np.ndarray) -> np.ndarray:
            x, y = f[:, :d], f[:, d:2 * d]
            return (x * y).sum(1) / np.maximum(np.linalg.norm(x, axis=1)
                                               * np.linalg.norm(y, axis=1), 1e-12)

        cp, ce = cos(self.f_pool), cos(self.f_eval)
        qp, qe = self._queries(self.pool), self._queries(self.eval)
        th = np.full(len(rate), 0.0)
        for c in range(len(rate)):
            rows = cp[qp == c] if (qp == c).any() else cp
            th[c] = np.quantile(rows, 1.0 - rate[c])
        return np.where(ce > th[qe], yes, 1 - yes)

    # ---------------------------------------------------------------------- reference points
    def teacher_acc(self) -> float:
        """The teacher's accuracy on the evaluation split, measured here."""
        return float((self.teacher.proba(self.eval).argmax(1) == self.y_eval).mean())

    def start(self) -> float:
        """The student's label-free starting point on the evaluation split, measured here."""
        if self.task.track in TEXT_TRACKS:
            from m2kt.domains.language import zero_shot_accuracy

            return zero_shot_accuracy(self.student, self.task, self.split)
        from m2kt.domains.symbolic.train import majority_accuracy

        return float(majority_accuracy(self.task, self.split))

    def start_method(self) -> str:
        if self.task.track in TEXT_TRACKS:
            from m2kt.domains.language import zero_shot_method

            return zero_shot_method(self.task)
        return "majority class"
