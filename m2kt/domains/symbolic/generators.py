"""Seeded generators of the symbolic reasoning suite (BENCHMARK.md, symbolic track).

- ``taxonomy``: transitive is-a over a hidden random tree of entities ``e000``…; queries
  ``"e012 isa e045"`` → yes/no; positives are any ancestor (multi-hop), negatives are hard
  (a sibling of a true ancestor) — balanced.  Splits disjoint by (x, y) pair: generalising here
  means inferring is-a pairs never seen, from the hierarchy learnt on others.
- ``modular``: ``"a + b"`` → (a + b) mod p.  Splits disjoint by (a, b).
- ``multistep``: left-to-right evaluation of boolean chains ``"T and F or T …"`` with the
  ground-truth running value after each operator as the step-wise trace.  Splits disjoint by
  formula.

Everything is a pure function of its parameters and seed.
"""

from __future__ import annotations

import random

import networkx as nx

from m2kt.domains.base import Concept, Example, Task, assign_splits, register

TAX_BRANCHING, TAX_DEPTH, TAX_LEAVES, TAX_EXTRA_NEG = 3, 3, 24, 8
TAX_FRACTIONS = (0.30, 0.45, 0.10, 0.15)
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
                  leaves: int = TAX_LEAVES, extra_negatives: int = TAX_EXTRA_NEG,
                  sibling_negatives: bool = True,
                  fractions: tuple[float, ...] = TAX_FRACTIONS) -> Task:
    """Transitive is-a over a hidden tree; see module doc.

    Every entity's *direct* is-a fact (child isa parent, with its hard negative) is in
    ``teacher_train`` — the teacher is told the hierarchy's edges.  The multi-hop pairs
    (x isa an ancestor above its parent), which must be inferred, are split by pair, so
    ``transfer_pool`` and ``test`` ask only transitive questions never seen in training.
    The multi-hop questions are split ``fractions`` (teacher_train / transfer_pool / dev /
    test): the student's own pool is the largest share, so KD on it has every chance.
    The root is not asked about (everything is-a root).  With ``sibling_negatives`` the
    teacher is also told, for every entity, that it is *not* a sibling of any of its ancestors
    (every such pair that was not drawn into the multi-hop question pool) — the "one category
    per level" facts a taxonomy states explicitly.
    """
    g = taxonomy_tree(seed, branching, depth, leaves)
    rng = random.Random(seed + 1)
    root = next(n for n in g if g.out_degree(n) == 0)
    cats = sorted(n for n in g if g.in_degree(n) > 0 and n != root)
    children = {c: set(g.predecessors(c)) for c in g}
    direct: dict[str, Example] = {}
    hops: dict[str, Example] = {}
    for x in sorted(g):
        anc = nx.descendants(g, x) - {root}  # child→parent edges: descendants are ancestors
        parent = next(iter(g.successors(x)), None)
        for y in sorted(anc):
            y_parent = next(iter(g.successors(y)))
            sibs = sorted(c for c in children[y_parent] - anc - {x} if c in cats)
            n = rng.choice(sibs or [c for c in cats if c not in anc and c != x])
            bucket = direct if y == parent else hops
            for text_y, label in ((y, 1), (n, 0)):
                key = f"{x}|{text_y}"
                if key not in direct and key not in hops:
                    bucket[key] = Example(text=f"{x} isa {text_y}", label=label, key=key,
                                          query=text_y)
    if sibling_negatives:
        for x in sorted(g):
            anc = nx.descendants(g, x) - {root}
            for a in sorted(anc):
                a_parent = next(iter(g.successors(a)))
                for s in sorted(children[a_parent] - anc - {x}):
                    key = f"{x}|{s}"
                    if s in cats and key not in direct and key not in hops:
                        direct[key] = Example(text=f"{x} isa {s}", label=0, key=key, query=s)
    # Extra negative facts for the teacher only: x is not-a c for random non-ancestors c.
    for x in sorted(g):
        anc = nx.descendants(g, x)
        others = [c for c in cats if c not in anc and c != x]
        for c in rng.sample(others, min(extra_negatives, len(others))):
            key = f"{x}|{c}"
            if key not in direct and key not in hops:
                direct[key] = Example(text=f"{x} isa {c}", label=0, key=key, query=c)
    splits = assign_splits(hops.values(), seed, fractions=fractions)
    splits["teacher_train"] = (*direct.values(), *splits["teacher_train"])
    concepts = tuple(Concept(id=c, label=c, kind="category",
                             description=f"category at depth {g.nodes[c]['depth']}")
                     for c in cats)
    return Task(
        name="taxonomy", track="symbolic",
        description=f"Transitive is-a over a hidden {branching}-ary category tree of depth "
                    f"{depth} with {leaves} entities per bottom category "
                    f"({g.number_of_nodes()} entities); direct facts in training, held-out "
                    "multi-hop questions; balanced with hard negatives",
        labels=("no", "yes"), concepts=concepts, splits=splits,
        teacher="sym-taxonomy-teacher", student="sym-taxonomy-student", seed=seed,
        reference=g.subgraph(cats).copy(),
        params={"branching": branching, "depth": depth, "leaves": leaves,
                "extra_negatives": extra_negatives, "sibling_negatives": sibling_negatives,
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
