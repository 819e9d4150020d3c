"""Reasoning track: symbolic reasoning rendered as text, each task a classification.

Problems are generated procedurally and offline — by ``reasoning-gym`` (pinned in
requirements.txt) where one of its datasets is a classification as it stands, and by the small
generators below where none fits — then de-duplicated by their text and split by a hash of
that text (:func:`~m2kt.domains.base.split_of`), so a problem is in exactly one split.

Tasks (``RTASKS``):

* ``syllogism`` — does the conclusion follow from two premises? (``reasoning-gym``
  ``syllogism``; Yes / No).
* ``chainsum`` — the last digit of a chain of two or three one-digit additions and
  subtractions (``reasoning-gym`` ``chain_sum``, the answer mod 10; 10 classes; with three or
  four terms and the bare expression SmolLM2-135M read linearly stays at chance on dev).
  Its trace: the last digit of every prefix of the chain (``Example.trace``, indices into
  ``step_labels``).
* ``boolexpr`` — the value of a nested boolean expression (own generator: ``and``, ``or``,
  ``not`` over ``True``/``False``; 2 classes). Its trace: the value of every sub-expression in
  evaluation order.
* ``knights`` — two inhabitants of an island of truth-tellers and liars, who is which
  (``reasoning-gym`` ``knights_knaves`` with its role names, which vary per problem, mapped to
  truthful / lying; 4 classes).

:func:`generate` returns the raw problems; :func:`reasoning_task` builds a :class:`Task` of the
``reasoning`` track. Sizes are per split; generation takes well under a second per thousand.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from m2kt.domains.base import SPLITS, Example, split_of

#: the reasoning tasks, in the order they are listed
RTASKS: tuple[str, ...] = ("syllogism", "chainsum", "boolexpr", "knights")

#: per task: labels and a one-line description
SPECS: dict[str, tuple[tuple[str, ...], str]] = {
    "syllogism": (("No", "Yes"), "does the conclusion follow from the two premises (Yes / No)"),
    "chainsum": (tuple(str(d) for d in range(10)),
                 "the last digit of a chain of one-digit additions and subtractions"),
    "boolexpr": (("False", "True"), "the value of a nested boolean expression"),
    "knights": (("both truthful", "only the first truthful", "only the second truthful",
                 "both lying"),
                "which of two islanders tells the truth (knights and knaves)"),
}


@dataclass(frozen=True)
class Problem:
    """One generated problem: its text, gold label index and step-wise trace (label indices
    of ``step_labels``; empty where the task has none)."""

    text: str
    label: int
    trace: tuple[int, ...] = ()


def _rg(name: str, n: int, seed: int, **kw: Any) -> list[dict[str, Any]]:
    import reasoning_gym

    return list(reasoning_gym.create_dataset(name, size=n, seed=seed, **kw))


def _syllogism(n: int, seed: int) -> list[Problem]:
    labels = SPECS["syllogism"][0]
    return [Problem(it["question"], labels.index(it["answer"].strip()))
            for it in _rg("syllogism", n, seed)]


_TERM = re.compile(r"([+-]?)\s*(\d+)")


def _chainsum(n: int, seed: int, min_terms: int = 2, max_terms: int = 3) -> list[Problem]:
    out = []
    for it in _rg("chain_sum", n, seed, min_terms=min_terms, max_terms=max_terms,
                  min_digits=1, max_digits=1):
        expr = it["question"].rsplit(":", 1)[-1].replace("=", "").strip()
        total, trace = 0, []
        for k, (sign, num) in enumerate(_TERM.findall(expr)):
            total = total + int(num) if sign != "-" else total - int(num)
            if k:
                trace.append(total % 10)
        if total != int(it["answer"]):
            raise AssertionError(f"chain_sum parse: {expr!r} = {it['answer']}")
        out.append(Problem(it["question"].strip(), total % 10, tuple(trace)))
    return out


def _boolexpr(n: int, seed: int, depth: int = 4) -> list[Problem]:
    rng = random.Random(seed)

    def expr(d: int) -> tuple[str, bool, list[bool]]:
        if d == 0 or (d < depth and rng.random() < 0.25):
            v = rng.random() < 0.5
            return str(v), v, []
        op = rng.choice(("and", "or", "not"))
        if op == "not":
            s, v, tr = expr(d - 1)
            return f"not ({s})" if " " in s else f"not {s}", not v, [*tr, not v]
        a, va, ta = expr(d - 1)
        b, vb, tb = expr(d - 1)
        v = (va and vb) if op == "and" else (va or vb)
        return f"({a} {op} {b})", v, [*ta, *tb, v]

    out = []
    for _ in range(n):
        s, v, tr = expr(depth)
        s = s[1:-1] if s.startswith("(") and s.endswith(")") else s
        out.append(Problem(s, int(v), tuple(int(x) for x in tr[:-1])))
    return out


_SAYS = re.compile(r"(\w+) is an? (\w+)")


def _knights(n: int, seed: int) -> list[Problem]:
    out = []
    for it in _rg("knights_knaves", n, seed, n_people=2, depth_constraint=2, width_constraint=2):
        q, a = it["question"], it["answer"]
        m = re.search(r"inhabited only by (\w+) and (\w+)\.", q)
        if m is None:
            continue
        truthful = m.group(1).rstrip("s").lower()
        roles = _SAYS.findall(a)
        if len(roles) != 2:
            continue
        t = [r.lower().startswith(truthful) for _, r in roles]
        label = {(True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3}[
            (t[0], t[1])]
        text = q.split(" So who is", 1)[0].strip()
        out.append(Problem(text, label))
    return out


GENERATORS = {"syllogism": _syllogism, "chainsum": _chainsum, "boolexpr": _boolexpr,
              "knights": _knights}


def generate(name: str, n: int, seed: int = 0) -> list[Problem]:
    """``n`` problems of task ``name`` (fewer after de-duplication by text), deterministic for
    ``seed``."""
    if name not in GENERATORS:
        raise KeyError(f"unknown reasoning task {name!r}; choose from {', '.join(RTASKS)}")
    seen: set[str] = set()
    out = []
    for p in GENERATORS[name](n, seed):
        if p.text not in seen:
            seen.add(p.text)
            out.append(p)
    return out


#: problems generated per task before splitting by hash (teacher_train 45 %, pool 30 %, dev
#: 10 %, test 15 %)
DEFAULT_PROBLEMS = 8000


def split_problems(problems: list[Problem], seed: int) -> dict[str, tuple[Example, ...]]:
    """The four splits, disjoint by problem text (:func:`split_of` of the text)."""
    out: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for p in problems:
        out[split_of(p.text, seed)].append(Example(text=p.text, label=p.label, key=p.text,
                                                   trace=p.trace))
    return {s: tuple(v) for s, v in out.items()}
