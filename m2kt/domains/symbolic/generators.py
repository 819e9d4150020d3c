"""Seeded generators of the symbolic reasoning suite (BENCHMARK.md, symbolic track).

- ``taxonomy``: transitive is-a over a hidden random tree of entities ``e0000``…; queries
  ``"e0012 isa e0045"`` → yes/no; positives are any ancestor (one hop or many), negatives are
  hard (a sibling of a true ancestor) — balanced per queried category.  Splits disjoint by
  (x, y) pair: generalising here means inferring is-a pairs never seen, from the hierarchy
  learnt on others.
- ``modular``: ``"a + b"`` → (a + b) mod p.  Splits disjoint by (a, b).
- ``multistep``: left-to-right evaluation of boolean chains ``"T and F or T …"`` with the
  ground-truth running value after each operator as the step-wise trace.  Splits disjoint by
  formula.

Everything is a pure function of its parameters and seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import networkx as nx

from m2kt.domains.base import Concept, Example, Task, assign_splits, register

#: v3 (chosen on dev, research/results/taxonomy-design-probe.json): a binary tree six
#: levels deep, 40 entities under each of its 64 bottom categories — every entity is asked
#: about 6 ancestors and 6 hard negatives, half of all its pairs in the teacher's data
TAX_BRANCHING, TAX_DEPTH, TAX_LEAVES = 2, 6, 40
TAX_FRACTIONS = (0.50, 0.30, 0.08, 0.12)
#: a prime large enough that the student's own pool (45 % of all p² pairs) lets a small model
#: learn the group from data (with 30 % a 1 × 128 model memorises without generalising)
MOD_P = 113
MOD_FRACTIONS = (0.30, 0.45, 0.10, 0.15)
CHAIN_LEN = 8


def taxonomy_tree(seed: int, branching: int = TAX_BRANCHING, depth: int = TAX_DEPTH,
                  leaves: int = TAX_LEAVES) -> nx.DiGraph:
    """A hidden hierarchy: a complete ``branching``-ary tree of categories ``depth`` levels
    below a root, with ``leaves`` leaf entities under every bottom category.  Nodes are named
    ``eNNN`` in a seeded random order (names reveal nothing of the structure).  Edges
    child → parent with ``type='is_a'``; node attribute ``depth``."""
    n = sum(branching**d for d in range(depth + 1)) + leaves * branching**depth
    names = [f"e{i:0{max(3, len(str(n - 1)))}d}" for i in range(n)]
    random.Random(seed).shuffle(names)
    g = nx.DiGraph()
    g.add_node(names[0], depth=0)
    frontier, k = [names[0]], 1
    for d in range(1, depth + 2):
        nxt = []
        for parent in frontier:
            for _ in range(branching if d <= depth else leaves):
                child = names[k]
                k += 1
                g.add_node(child, depth=d)
                g.add_edge(child, parent, type="is_a")
                nxt.append(child)
        frontier = nxt
    return g


@register("taxonomy")
def taxonomy_task(seed: int = 0, branching: int = TAX_BRANCHING, depth: int = TAX_DEPTH,
                  leaves: int = TAX_LEAVES,
                  fractions: tuple[float, ...] = TAX_FRACTIONS) -> Task:
    """Transitive is-a over a hidden tree; see module doc.

    Questions: for every entity ``x`` and every ancestor ``a`` of it below the root, ``x isa
    a`` (yes) and ``x isa s`` (no) for a random sibling ``s`` of ``a`` — a hard negative one
    level off the true path. So every queried category is answered "yes" about as often as
    "no" (its subtree's leaves ask it as an ancestor; its siblings' leaves ask it as the
    negative), and no per-category answer rate can beat chance. The category skeleton (the
    questions about categories themselves) is in ``teacher_train``; the entities' questions
    are split by pair ``fractions`` (teacher_train / transfer_pool / dev / test), so every
    split asks the same kind of question and generalising means answering an entity's unseen
    pairs from its seen ones and the hierarchy. The student's own pool (9,047 questions) is
    7.7× v2's: KD on it has every chance (BENCHMARK.md validity).
    """
    g = taxonomy_tree(seed, branching, depth, leaves)
    rng = random.Random(seed + 1)
    root = next(n for n in g if g.out_degree(n) == 0)
    cats = sorted(n for n in g if g.in_degree(n) > 0 and n != root)
    children = {c: sorted(g.predecessors(c)) for c in g}
    skeleton: list[Example] = []
    entity: list[Example] = []
    for x in sorted(g):
        bucket = entity if g.in_degree(x) == 0 else skeleton
        for a in sorted(nx.descendants(g, x) - {root}):  # child→parent: descendants = ancestors
            siblings = [c for c in children[next(iter(g.successors(a)))] if c != a]
            s = rng.choice(siblings)
            for y, label in ((a, 1), (s, 0)):
                bucket.append(Example(text=f"{x} isa {y}", label=label, key=f"{x}|{y}", query=y))
    splits = assign_splits(entity, seed, fractions=fractions)
    splits["teacher_train"] = (*skeleton, *splits["teacher_train"])
    concepts = tuple(Concept(id=c, label=c, kind="category",
                             description=f"category at depth {g.nodes[c]['depth']}")
                     for c in cats)
    return Task(
        name="taxonomy", track="symbolic",
        description=f"Transitive is-a over a hidden {branching}-ary category tree of depth "
                    f"{depth} with {leaves} entities per bottom category "
                    f"({g.number_of_nodes()} entities); every question an entity and one of "
                    "its ancestors or a sibling of one; held-out pairs; balanced per category",
        labels=("no", "yes"), concepts=concepts, splits=splits,
        teacher="sym-taxonomy-teacher", student="sym-taxonomy-student", seed=seed,
        reference=g.subgraph(cats).copy(),
        params={"branching": branching, "depth": depth, "leaves": leaves,
                "fractions": list(fractions)},
    )


@register("modular")
def modular_task(seed: int = 0, p: int = MOD_P,
                 fractions: tuple[float, float, float, float] = MOD_FRACTIONS) -> Task:
    """``a + b`` → (a + b) mod p for all a, b in [0, p); see module doc. The transfer pool
    is the largest split (45 % of the pairs): KD on it can teach the student the group."""
    examples = [Example(text=f"{a} + {b}", label=(a + b) % p, key=f"{a}+{b}")
                for a in range(p) for b in range(p)]
    labels = tuple(str(r) for r in range(p))
    concepts = tuple(Concept(id=f"r{r}", label=f"≡ {r} (mod {p})", kind="residue",
                             description=f"sums congruent to {r} modulo {p}") for r in range(p))
    ref = nx.DiGraph()
    ref.add_nodes_from(c.id for c in concepts)
    for r in range(p):  # the cyclic successor structure of Z_p
        ref.add_edge(f"r{r}", f"r{(r + 1) % p}", type="related_to")
    return Task(
        name="modular", track="symbolic",
        description=f"Modular arithmetic: a + b mod {p}; splits disjoint by (a, b)",
        labels=labels, concepts=concepts, splits=assign_splits(examples, seed, fractions),
        teacher="sym-modular-teacher", student="sym-modular-student", seed=seed,
        reference=ref, params={"p": p, "fractions": list(fractions)},
    )


def eval_chain(values: list[bool], ops: list[str]) -> list[bool]:
    """Running values of ``v0 op1 v1 op2 v2 …`` evaluated left to right (no precedence)."""
    acc, out = values[0], []
    for op, v in zip(ops, values[1:], strict=True):
        acc = (acc and v) if op == "and" else (acc or v)
        out.append(acc)
    return out


def chain_texts(n: int, seed: int = 1, length: int = CHAIN_LEN) -> Iterator[str]:
    """``n`` random and/or chains of ``length`` operands in the multistep task's grammar
    (repeats allowed; no labels): a teacher's unlabelled inputs at any scale, e.g. for a
    streamed packet build (``scripts/scale.py``, the Ray tests)."""
    rng = random.Random(seed)
    for _ in range(n):
        words = [rng.choice("TF")]
        for _ in range(length - 1):
            words += [rng.choice(("and", "or")), rng.choice("TF")]
        yield " ".join(words)


@register("multistep")
def multistep_task(seed: int = 0, length: int = CHAIN_LEN, n: int = 12000) -> Task:
    """Boolean chains of ``length`` operands, balanced true/false, with step traces."""
    rng = random.Random(seed)
    by_label: dict[bool, dict[str, Example]] = {True: {}, False: {}}
    tries = 0
    while min(len(v) for v in by_label.values()) < n // 2 and tries < n * 50:
        tries += 1
        values = [rng.random() < 0.5 for _ in range(length)]
        ops = [rng.choice(("and", "or")) for _ in range(length - 1)]
        steps = eval_chain(values, ops)
        words = ["T" if values[0] else "F"]
        for op, v in zip(ops, values[1:], strict=True):
            words += [op, "T" if v else "F"]
        text = " ".join(words)
        bucket = by_label[steps[-1]]
        if len(bucket) < n // 2 and text not in bucket:
            bucket[text] = Example(text=text, label=int(steps[-1]), key=text,
                                   trace=tuple(int(s) for s in steps))
    examples = sorted([*by_label[True].values(), *by_label[False].values()], key=lambda e: e.key)
    concepts = (Concept("false", "false", "truth value", "the chain evaluates to false"),
                Concept("true", "true", "truth value", "the chain evaluates to true"))
    return Task(
        name="multistep", track="symbolic",
        description=f"Left-to-right evaluation of {length}-operand and/or chains with step-wise "
                    "traces; balanced; splits disjoint by formula",
        labels=("false", "true"), concepts=concepts, splits=assign_splits(examples, seed),
        teacher="sym-multistep-teacher", student="sym-multistep-student", seed=seed,
        step_labels=("false", "true"), params={"length": length, "n": n},
    )
