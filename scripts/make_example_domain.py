"""Write the example user domain ``assets/examples/kinds/`` from the bundled WordNet.

    python scripts/make_example_domain.py

Ten kinds of thing (dog, bird, fish, tree, flower, fungus, vehicle, tool, musical instrument,
weapon); each example is the definition sentence of a WordNet noun synset below that kind
(hyponyms at any depth; a synset below two kinds is left out), at most 60 per kind, drawn with
a fixed seed. The files are what ``python -m m2kt domains add`` reads: ``concepts.csv``
(id, label, description) and ``examples.jsonl`` ({"text", "concept"} per line).
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "assets" / "examples" / "kinds"
KINDS = {"dog": "dog.n.01", "bird": "bird.n.01", "fish": "fish.n.01", "tree": "tree.n.01",
         "flower": "flower.n.01", "fungus": "fungus.n.01", "vehicle": "vehicle.n.01",
         "tool": "tool.n.01", "instrument": "musical_instrument.n.01",
         "weapon": "weapon.n.01"}
PER_KIND = 60


def main() -> None:
    import networkx as nx

    from m2kt.domains.wordnet import hypernym_graph, tables

    t = tables()
    g = hypernym_graph(t)
    below = {k: nx.ancestors(g, s) for k, s in KINDS.items()}  # child → parent edges
    owner: dict[str, list[str]] = {}
    for k, syns in below.items():
        for s in syns:
            owner.setdefault(s, []).append(k)
    rng = random.Random(0)
    rows = []
    for k in KINDS:
        mine = sorted(s for s in below[k] if owner[s] == [k] and len(t.synsets[s][3]) >= 12)
        for s in sorted(rng.sample(mine, min(PER_KIND, len(mine)))):
            rows.append({"text": " ".join(t.synsets[s][3].split()), "concept": k})
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "concepts.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "label", "description"])
        for k, s in KINDS.items():
            w.writerow([k, s.split(".")[0].replace("_", " "), t.synsets[s][3]])
    with (OUT / "examples.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}: {len(KINDS)} concepts, {len(rows)} examples")


if __name__ == "__main__":
    main()
