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

from m2kt.domains.base import SPLITS, Concept, Example, Task, register, split_of
from m2kt.domains.names import REASONING_TASKS

#: the reasoning tasks, in the order they are listed
RTASKS: tuple[str, ...] = ("syllogism", "chainsum", "boolexpr", "knights", "propeval", "sign")

#: per task: labels and a one-line description
SPECS: dict[str, tuple[tuple[str, ...], str]] = {
    "syllogism": (("No", "Yes"), "does the conclusion follow from the two premises (Yes / No)"),
    "chainsum": (tuple(str(d) for d in range(10)),
                 "the last digit of a chain of one-digit additions and subtractions"),
    "boolexpr": (("False", "True"), "the value of a nested boolean expression"),
    "knights": (("both truthful", "only the first truthful", "only the second truthful",
                 "both lying"),
                "which of two islanders tells the truth (knights and knaves)"),
    "propeval": (("False", "True"),
                 "the value of a propositional formula under a stated assignment"),
    "sign": (("negative", "positive"),
             "the sign of a chain of additions and subtractions of numbers 1 to 30"),
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


_VARS = ("p", "q", "r", "s")


def _propeval(n: int, seed: int, depth: int = 3) -> list[Problem]:
    """Propositional formulas over ``p, q, r, s`` evaluated under a stated assignment, e.g.
    ``p is True, q is False, r is False, s is True. (p or not q) and (r or s)``; the trace is
    the value of every compound sub-formula in evaluation order (the last, the answer, left
    out)."""
    rng = random.Random(seed)

    def expr(d: int, env: dict[str, bool]) -> tuple[str, bool, list[bool]]:
        if d == 0 or (d < depth and rng.random() < 0.3):
            v = rng.choice(_VARS)
            return v, env[v], []
        op = rng.choice(("and", "or", "not"))
        if op == "not":
            s, v, tr = expr(d - 1, env)
            return f"not ({s})" if " " in s else f"not {s}", not v, [*tr, not v]
        a, va, ta = expr(d - 1, env)
        b, vb, tb = expr(d - 1, env)
        v = (va and vb) if op == "and" else (va or vb)
        return f"({a} {op} {b})", v, [*ta, *tb, v]

    out = []
    for _ in range(n):
        env = {v: rng.random() < 0.5 for v in _VARS}
        s, v, tr = expr(depth, env)
        s = s[1:-1] if s.startswith("(") and s.endswith(")") else s
        given = ", ".join(f"{k} is {env[k]}" for k in _VARS)
        out.append(Problem(f"{given}. {s}", int(v), tuple(int(x) for x in tr[:-1])))
    return out


def _sign(n: int, seed: int, terms: tuple[int, int] = (3, 4)) -> list[Problem]:
    """Is a chain of additions and subtractions of numbers 1–30 negative or positive (zero
    results are skipped; half of the problems of each sign)? Its trace: the sign of every
    running total after the first (the last, the answer, left out)."""
    rng = random.Random(seed)
    out: list[Problem] = []
    want = [n - n // 2, n // 2]  # negative, positive: balanced, so no class prior answers it
    while len(out) < n:
        k = rng.randint(*terms)
        nums = [rng.randint(1, 30) for _ in range(k)]
        ops = [rng.choice("+-") for _ in range(k - 1)]
        total, trace = nums[0], []
        for op, x in zip(ops, nums[1:], strict=True):
            total = total + x if op == "+" else total - x
            trace.append(int(total > 0))
        if total == 0 or not want[int(total > 0)]:
            continue
        want[int(total > 0)] -= 1
        text = str(nums[0]) + "".join(f" {op} {x}" for op, x in zip(ops, nums[1:], strict=True))
        out.append(Problem(text, int(total > 0), tuple(trace[:-1])))
    return out


GENERATORS = {"syllogism": _syllogism, "chainsum": _chainsum, "boolexpr": _boolexpr,
              "knights": _knights, "propeval": _propeval, "sign": _sign}


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


def split_problems(problems: list[Problem], seed: int,
                   fractions: tuple[float, ...] | None = None) -> dict[str, tuple[Example, ...]]:
    """The four splits, disjoint by problem text (:func:`split_of` of the text; ``fractions``:
    the shares of the splits, the default ones when ``None``)."""
    out: dict[str, list[Example]] = {s: [] for s in SPLITS}
    frac = () if fractions is None else (fractions,)
    for p in problems:
        out[split_of(p.text, seed, *frac)].append(Example(text=p.text, label=p.label,
                                                          key=p.text, trace=p.trace))
    return {s: tuple(v) for s, v in out.items()}


#: problems generated per registered task, and the share of each split (teacher_train,
#: transfer_pool, dev, test): the teacher (SmolLM2-135M) encodes every split once, so the
#: sizes are what 2 cores encode in minutes, with a pool large enough for KD's full sweep
TASK_PROBLEMS = 4000
TASK_FRACTIONS = (0.30, 0.40, 0.12, 0.18)
#: the teacher's reading of a problem: the last token's state at these layers, concatenated
#: (the feasibility probe's reading; on the tasks' dev splits a head on them scores 0.749 /
#: 0.679 / 0.918 on boolexpr / propeval / sign against 0.728 / 0.679 / 0.924 on the last layer
#: alone: ``python research/probes/reasoning_screen.py --teacher-layers``)
TEACHER_LAYERS = (15, 22, 30)


def substeps(name: str, text: str) -> list[str]:
    """The sub-problems of problem ``text`` of task ``name`` whose values its trace lists, in
    the same order as :attr:`Problem.trace`: each compound sub-expression (``boolexpr``), each
    compound sub-formula under the same assignment (``propeval``), each running total's chain
    (``sign``). Empty for tasks without step-wise traces."""
    if name == "sign":
        words = text.split()
        return [" ".join(words[:2 * i + 1]) for i in range(1, len(words) // 2)]
    if name not in ("boolexpr", "propeval"):
        return []
    given, body = (text.split(". ", 1) if name == "propeval" else ("", text))
    body = f"({body})" if not body.startswith("(") or _closing(body, 0) != len(body) - 1 \
        else body
    subs: list[str] = []

    def walk(i: int) -> int:
        """Parse the expression starting at ``body[i]``; return the index after it."""
        if body.startswith("not ", i):
            j = walk(i + 4)
            subs.append(body[i:j])
            return j
        if body[i] == "(":
            end = _closing(body, i)
            j = walk(i + 1)  # the left operand, or the one expression inside
            if j >= end:  # "(x)": parentheses around a single expression, not a step
                return end + 1
            op = "and" if body.startswith(" and ", j) else "or"
            walk(j + len(op) + 2)  # right operand
            subs.append(body[i:end + 1])
            return end + 1
        m = re.match(r"\w+", body[i:])
        return i + (m.end() if m else 1)

    walk(0)
    subs = subs[:-1]  # the whole problem is the answer, not a step
    return [f"{given}. {x[1:-1] if x.startswith('(') else x}" if given else
            (x[1:-1] if x.startswith("(") else x) for x in subs]


def _closing(s: str, i: int) -> int:
    """Index of the parenthesis closing the one at ``s[i]``."""
    depth = 0
    for j in range(i, len(s)):
        depth += {"(": 1, ")": -1}.get(s[j], 0)
        if depth == 0:
            return j
    raise ValueError(f"unbalanced parentheses in {s!r}")


def reasoning_task(name: str, seed: int = 0, problems: int = TASK_PROBLEMS, template: str = "",
                   teacher_layers: tuple[int, ...] | list[int] = TEACHER_LAYERS) -> Task:
    """Task ``name`` of the ``reasoning`` track: ``problems`` generated problems (fewer after
    de-duplication) split by a hash of their text into :data:`TASK_FRACTIONS`; one concept per
    answer; teacher SmolLM2-135M (a head on ``teacher_layers``, the bare text: ``template``),
    student MiniLM-L3. The keyword arguments are the task's ``params`` (a task rebuilt from
    them is the same task)."""
    labels, description = SPECS[name]
    splits = split_problems(generate(name, problems, seed), seed, TASK_FRACTIONS)
    concepts = tuple(Concept(id=lab.lower().replace(" ", "-"), label=lab, kind="answer",
                             description=f"{description}: {lab}") for lab in labels)
    return Task(name=name, track="reasoning", description=description, labels=labels,
                concepts=concepts, splits=splits,
                teacher="smollm2-135m", student="minilm-l3", seed=seed, step_labels=labels,
                params={"problems": problems, "template": template,
                        "teacher_layers": [int(x) for x in teacher_layers]})


def _register(name: str) -> None:
    register(name)(lambda seed=0, **kw: reasoning_task(name, seed=seed, **kw))


for _name in REASONING_TASKS:
    _register(_name)
