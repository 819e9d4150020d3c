"""Write the example user domain ``assets/examples/topics/`` from the bundled WordNet.

    python scripts/make_example_domain.py

What a dictionary definition is about: ten topics (a person, an animal, a plant, food, a place,
a made object, an act, a feeling, a part of the body, a substance) — WordNet's noun supersenses
of those names, chosen before any figure was seen. Each example is the definition sentence of a
noun synset of that supersense (at least 12 characters; duplicates dropped), 240 per topic, drawn
with a fixed seed. The files are what ``python -m m2kt domains add`` reads: ``concepts.csv``
(id, label, description) and ``examples.jsonl`` ({"text", "concept"} per line). Unlike the
built-in ``gloss`` task (all 25 supersenses, its own splits), this is a small domain a user
could have written by hand.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "assets" / "examples" / "topics"
#: id → (WordNet supersense, label, description)
TOPICS = {
    "person": ("noun.person", "a person", "a human being, by role, trade or trait"),
    "animal": ("noun.animal", "an animal", "a living creature other than a plant"),
    "plant": ("noun.plant", "a plant", "a tree, flower, fungus or other plant"),
    "food": ("noun.food", "food or drink", "something eaten or drunk"),
    "place": ("noun.location", "a place", "a region, a town, a point in space"),
    "artifact": ("noun.artifact", "a made object", "something people made: a tool, a building"),
    "act": ("noun.act", "an act", "something done: an action, an activity"),
    "feeling": ("noun.feeling", "a feeling", "an emotion or mood"),
    "body": ("noun.body", "a part of the body", "an organ, a tissue, a part of a body"),
    "substance": ("noun.substance", "a substance", "a material or chemical"),
}
PER_TOPIC = 240


def main() -> None:
    from m2kt.domains.wordnet import tables

    t = tables()
    rng = random.Random(0)
    rows, seen = [], set()
    for cid, (lex, _, _) in TOPICS.items():
        glosses = sorted({" ".join(v[3].split()) for v in t.synsets.values()
                          if v[0] == lex and len(v[3]) >= 12} - seen)
        pick = sorted(rng.sample(glosses, min(PER_TOPIC, len(glosses))))
        seen.update(pick)
        rows += [{"text": g, "concept": cid} for g in pick]
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "concepts.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "label", "description"])
        for cid, (_, label, desc) in TOPICS.items():
            w.writerow([cid, label, desc])
    with (OUT / "examples.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}: {len(TOPICS)} concepts, {len(rows)} examples")


if __name__ == "__main__":
    main()
