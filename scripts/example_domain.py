"""The example user domain end to end in two workspaces, as the README walks it, and its
figures written to ``docs/results/example-domain.json``:

    python scripts/example_domain.py [--out FILE] [--readme README.md] [--from-json]

Teacher side (workspace A): ``domains add`` → ``keygen`` → ``build-packet`` → ``domains export``
of the student's texts (``transfer_pool``), ``dev`` (for ingestion's held-out gate) and ``test``
→ ``evaluate`` of the teacher with its head. Student side (workspace B, which never saw the
domain): ``approve`` under the teacher's key → ``ingest --inputs texts --eval dev`` →
``predict`` → ``evaluate`` on ``test``. Every step is the CLI, run as a subprocess; the JSON
holds the figures they printed. ``--from-json`` only rewrites the README line from the JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "assets" / "examples" / "topics"


def cli(ws: Path, *args: str) -> str:
    """Run ``python -m m2kt ARGS`` in workspace ``ws``; its stdout (a failure stops here)."""
    import os

    res = subprocess.run([sys.executable, "-m", "m2kt", *args], cwd=ROOT, text=True,
                         capture_output=True, env={**os.environ, "M2KT_HOME": str(ws)})
    if res.returncode not in (0, 1) or (res.returncode == 1 and args[0] != "ingest"):
        sys.exit(f"failed: python -m m2kt {' '.join(args)}\n{res.stderr[-3000:]}")
    print(f"$ python -m m2kt {' '.join(args)}", flush=True)
    return res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "results" / "example-domain.json"))
    ap.add_argument("--readme", default=None, help="rewrite the README's example-domain line "
                    "from the JSON (--from-json: without re-running)")
    ap.add_argument("--from-json", action="store_true")
    args = ap.parse_args()
    if args.from_json:
        readme_line(json.loads(Path(args.out).read_text()), Path(args.readme))
        return
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        a, b = d / "teacher-ws", d / "student-ws"
        packet, texts = d / "topics.m2kt", d / "texts.jsonl"
        dev, test = d / "dev.jsonl", d / "test.jsonl"
        cli(a, "domains", "add", "topics", "--concepts", str(EXAMPLE / "concepts.csv"),
            "--examples", str(EXAMPLE / "examples.jsonl"))
        cli(a, "keygen", "--out", str(d / "keys"))
        cli(a, "build-packet", "--domain", "topics", "--key", str(d / "keys" / "teacher.key"),
            "--out", str(packet))
        cli(a, "domains", "export", "topics", "--split", "transfer_pool", "--out", str(texts))
        cli(a, "domains", "export", "topics", "--split", "dev", "--out", str(dev))
        cli(a, "domains", "export", "topics", "--split", "test", "--out", str(test))
        teacher = json.loads(cli(a, "evaluate", "--model", "minilm-l6", "--domain", "topics",
                                 "--examples", str(test), "--json"))
        pub = str(d / "keys" / "teacher.pub")
        cli(b, "approve", str(packet), "--reviewer", "bob", "--reason", "example", "--trust",
            pub)
        cli(b, "ingest", str(packet), "--trust", pub, "--inputs", str(texts), "--eval",
            str(dev), "--out", str(b / "students" / "topics-1"))
        said = cli(b, "predict", "--model", "topics-1", "a large hawk with broad wings")
        student = json.loads(cli(b, "evaluate", "--model", "topics-1", "--examples", str(test),
                                 "--json"))
        report = json.loads((b / "students" / "topics-1" / "ingestion_report.json").read_text())
        fresh = not (b / "domains").exists()
    out = {
        "command": "python scripts/example_domain.py",
        "domain": "assets/examples/topics (python scripts/make_example_domain.py)",
        "split": "test (the domain's own test split, exported by `domains export`)",
        "n_test": student["n"],
        "teacher": {"model": "minilm-l6", "accuracy": teacher["accuracy"],
                    "macro_f1": teacher["macro_f1"]},
        "student_start": {"model": student["student"], "accuracy": student["start"],
                          "method": student["start_method"]},
        "student_after": {"accuracy": student["accuracy"], "macro_f1": student["macro_f1"],
                          "p_above_start": student["p_above_start"]},
        "retention_of_teacher": student["accuracy"] / teacher["accuracy"],
        "ledger": report["ledger"], "variant": report["variant"], "gates": [
            {"name": g["name"], "status": g["status"]} for g in report["gates"]],
        "student_workspace_never_saw_the_domain": fresh,
        "predict": said.strip(),
        "per_concept": student["per_concept"],
        "seconds": round(time.time() - t0),
    }
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    if args.readme:
        readme_line(out, Path(args.readme))
    print(f"teacher {teacher['accuracy']:.3f}; student start {student['start']:.3f} → "
          f"{student['accuracy']:.3f} (p = {student['p_above_start']:.2g}); wrote {args.out}")


def readme_line(r: dict, readme: Path) -> None:
    """The README's sentence on the example domain, between its markers, from the JSON."""
    text = readme.read_text()
    a, b = "<!-- example-domain:start -->", "<!-- example-domain:end -->"
    line = (f"On its test split ({r['n_test']} definitions), from "
            f"`docs/results/example-domain.json` (`{r['command']}`, {r['seconds']} s): the "
            f"teacher ({r['teacher']['model']} with its head) scores "
            f"{r['teacher']['accuracy']:.3f}; the student {r['student_start']['model']} starts "
            f"at {r['student_start']['accuracy']:.3f} (nearest concept label) and, ingested in "
            f"a workspace that never saw the domain ({r['variant']}, "
            f"{r['ledger']['crossing_inputs']} crossing inputs, "
            f"{r['ledger']['student_inputs'] - r['ledger']['crossing_inputs']} of its own "
            f"inputs: its texts, the concepts' labels and the packet's public words), answers "
            f"{r['student_after']['accuracy']:.3f} (macro-F1 "
            f"{r['student_after']['macro_f1']:.3f}; above its start, one-sided binomial p = "
            f"{r['student_after']['p_above_start']:.1g}) — "
            f"{r['retention_of_teacher']:.0%} of the teacher.")
    i, j = text.index(a) + len(a), text.index(b)
    readme.write_text(text[:i] + line + text[j:])


if __name__ == "__main__":
    main()
