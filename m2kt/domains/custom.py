"""Domains a user brings, kept in the workspace (issue 17): ``<workspace>/domains/<name>/``
holds the two files exactly as uploaded (``concepts.csv``, ``examples.jsonl``) and
``domain.json`` (name, description, default teacher and student, each file's SHA-256, counts,
creation time).

:func:`add_domain` checks everything first (:mod:`m2kt.domains.files`) and writes the folder
atomically (a temporary sibling renamed into place): a refused domain leaves the workspace
unchanged. :func:`custom_task` turns a stored domain into a language-track class
:class:`~m2kt.domains.base.Task` whose splits are drawn by a hash of each text:
``teacher_train`` 55 %, ``transfer_pool`` 15 % (texts only: the default student-side inputs and
the anchors' source), ``dev`` 15 %, ``test`` 15 %.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from m2kt.config import workspace
from m2kt.domains import files as F
from m2kt.domains.base import Concept, Example, Task, assign_splits
from m2kt.errors import UsageError

CUSTOM_FRACTIONS = (0.55, 0.15, 0.15, 0.15)
DEFAULT_TEACHER, DEFAULT_STUDENT = "minilm-l6", "minilm-l3"
#: rejected rows printed in a refusal before "… and N more"
SHOW_REJECTIONS = 20


@dataclass(frozen=True)
class DomainRecord:
    """``domain.json`` of a stored domain."""

    name: str
    description: str
    teacher: str
    student: str
    concepts: int
    examples: int
    sha256: dict[str, str]
    created: str

    @property
    def folder(self) -> Path:
        return domains_dir() / self.name


def domains_dir() -> Path:
    return workspace().root / "domains"


def refusal(rejections: list[F.Rejection], problems: list[str]) -> str:
    """One line for a refused domain: the rejected rows (at most SHOW_REJECTIONS of them, with
    how many more), then every whole-domain problem, separated by '; '."""
    parts = [str(r) for r in rejections[:SHOW_REJECTIONS]]
    if len(rejections) > SHOW_REJECTIONS:
        parts.append(f"… and {len(rejections) - SHOW_REJECTIONS} more rejected rows")
    parts += problems
    n = len(rejections) + len(problems)
    return f"the domain was not added ({n} problem{'s' * (n != 1)}): " + "; ".join(parts)


def check_files(concepts: bytes, examples: bytes
                ) -> tuple[list[F.ConceptRow], list[F.ExampleRow], list[F.Rejection], list[str]]:
    """Parse and check both files: (concept rows, example rows, rejected rows, whole-domain
    problems). File-level problems raise UsageError."""
    crow, cbad = F.parse_concepts(concepts)
    erow, ebad = F.parse_examples(examples, [c.id for c in crow])
    return crow, erow, [*cbad, *ebad], F.check_domain(crow, erow)


def add_domain(name: str, concepts: bytes, examples: bytes, description: str = "",
               teacher: str = DEFAULT_TEACHER, student: str = DEFAULT_STUDENT) -> DomainRecord:
    """Check and store a domain (see module doc); any problem raises UsageError listing them
    all, and nothing is written."""
    from m2kt.domains.names import TASKS

    F.check_name(name, {r.name for r in list_domains()}, frozenset(TASKS))
    crow, erow, bad, problems = check_files(concepts, examples)
    if bad or problems:
        raise UsageError(refusal(bad, problems))
    rec = DomainRecord(name=name, description=description.strip(), teacher=teacher,
                       student=student, concepts=len(crow), examples=len(erow),
                       sha256={"concepts.csv": hashlib.sha256(concepts).hexdigest(),
                               "examples.jsonl": hashlib.sha256(examples).hexdigest()},
                       created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    root = domains_dir()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        (tmp / "concepts.csv").write_bytes(concepts)
        (tmp / "examples.jsonl").write_bytes(examples)
        (tmp / "domain.json").write_text(json.dumps(rec.__dict__, indent=2) + "\n")
        tmp.rename(root / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rec


def list_domains() -> list[DomainRecord]:
    """Every stored domain, by name (folders without a readable domain.json are skipped)."""
    root = domains_dir()
    out = []
    for d in sorted(root.iterdir()) if root.is_dir() else []:
        if d.name.startswith(".") or not (d / "domain.json").is_file():
            continue
        try:
            out.append(DomainRecord(**json.loads((d / "domain.json").read_text())))
        except (ValueError, TypeError):
            continue
    return out


def get_domain(name: str) -> DomainRecord:
    for r in list_domains():
        if r.name == name:
            return r
    raise UsageError(f"no domain named {name!r} in this workspace; `python -m m2kt domains` "
                     "lists them")


def split_jsonl(task: Task, split: str) -> bytes:
    """One split of a domain as JSONL for the student side: ``transfer_pool`` as ``{"text"}``
    lines (its unlabelled inputs), a labelled split as ``{"text", "concept"}``."""
    rows = [({"text": e.text} if split == "transfer_pool"
             else {"text": e.text, "concept": task.labels[e.label]})
            for e in task.splits[split]]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def remove_domain(name: str) -> None:
    shutil.rmtree(get_domain(name).folder)


def custom_task(name: str, seed: int = 0, examples_sha256: str | None = None) -> Task:
    """The stored domain ``name`` as a Task (see module doc); its files are re-checked
    against their digests, so a file changed on disk is refused, not half-read.
    ``examples_sha256`` (a packet's record of the domain it was built from): refuse another
    version of the domain under the same name."""
    rec = get_domain(name)
    if examples_sha256 is not None and examples_sha256 != rec.sha256["examples.jsonl"]:
        raise UsageError(f"domain {name!r} in this workspace is not the version this was "
                         "built from (its examples differ)")
    data = {f: (rec.folder / f).read_bytes() for f in ("concepts.csv", "examples.jsonl")}
    for f, blob in data.items():
        if hashlib.sha256(blob).hexdigest() != rec.sha256[f]:
            raise UsageError(f"domain {name!r}: {f} changed on disk since it was added; "
                             "remove the domain and add it again")
    crow, erow, _, _ = check_files(data["concepts.csv"], data["examples.jsonl"])
    index = {c.id: i for i, c in enumerate(crow)}
    examples = [Example(text=e.text, label=index[e.concept], key=e.text) for e in erow]
    ref = nx.DiGraph()
    ref.add_nodes_from(c.id for c in crow)
    ref.add_edges_from(((c.id, c.parent) for c in crow if c.parent in index), type="is_a")
    return Task(
        name=name, track="language",
        description=rec.description or f"user domain {name!r}: {len(crow)} concepts",
        labels=tuple(c.id for c in crow),
        concepts=tuple(Concept(c.id, c.label, "concept", c.description) for c in crow),
        splits=assign_splits(examples, seed, CUSTOM_FRACTIONS),
        teacher=rec.teacher, student=rec.student, seed=seed,
        reference=ref if ref.number_of_edges() else None,
        params={"examples_sha256": rec.sha256["examples.jsonl"]})
