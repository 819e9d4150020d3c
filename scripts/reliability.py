"""Reliability figures → docs/reliability.md (generated; run from the repository root).

Usage: python scripts/reliability.py [--kills 200] [--out docs/reliability.md]

1. kill -9 harness: a child process records approvals in a loop (each through the
   compare-and-set decision path, one transaction each) and prints ``ACK <id>`` after each
   commit; the parent SIGKILLs it at a random moment, then opens the database and checks
   ``PRAGMA integrity_check``, that every acknowledged entry is present, and that the hash chain
   verifies.  Repeated ``--kills`` times on one database.
2. Hostile packets: the negative corpus (one file per row of the bad-input table), every
   truncation of a valid packet and 2,000 seeded byte mutants go through the reader; a clean
   rejection is a ``PacketError`` subclass, anything else is a crash.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import sys
from pathlib import Path
from m2kt.config import workspace
from m2kt.store import audit
from m2kt.store.db import open_db
conn = open_db(workspace(Path(sys.argv[1])))
i = int(sys.argv[2])
while True:
    digest = f"{i:064x}"
    e = audit.decide(conn, digest, "approved", "harness", f"approval {i}", None)
    print(f"ACK {e.id}", flush=True)
    i += 1
"""


def kill_harness(kills: int, seed: int = 0) -> dict:
    from m2kt.config import workspace
    from m2kt.store import audit
    from m2kt.store.db import open_db

    rng = random.Random(seed)
    home = Path(tempfile.mkdtemp(prefix="m2kt-kill-"))
    open_db(workspace(home)).close()
    acked: set[int] = set()
    bad_integrity = lost = broken = 0
    counter = 0
    t0 = time.perf_counter()
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(home), str(counter)],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        # wait for the child to be writing, then kill it at a random moment
        first = proc.stdout.readline()
        if first.startswith("ACK"):
            acked.add(int(first.split()[1]))
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        for line in out.splitlines():
            if line.startswith("ACK"):
                acked.add(int(line.split()[1]))
        conn = open_db(workspace(home))
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                bad_integrity += 1
            ids = {r[0] for r in conn.execute("SELECT id FROM audit_log")}
            lost += len(acked - ids)
            if not audit.verify_chain(conn)[0]:
                broken += 1
            counter = len(ids) + 1
        finally:
            conn.close()
    return {"kills": kills, "acknowledged": len(acked), "integrity_failures": bad_integrity,
            "lost_acknowledged": lost, "chain_failures": broken,
            "seconds": round(time.perf_counter() - t0, 1)}


def hostile_packets(mutants: int = 2000, seed: int = 0) -> dict:
    from m2kt.errors import PacketError
    from m2kt.packet.reader import open_packet
    from m2kt.packet.trust import TrustedKey, TrustStore
    from tests.fixtures.make_bad_packets import cases
    from tests.fixtures.packets import TEACHER_SHA, fixed_key, make_packet

    key = fixed_key()
    trust = TrustStore({key.keyid: TrustedKey(key.keyid, key.public, "test", (TEACHER_SHA,))},
                       "harness")
    good = make_packet()
    # the negative corpus, each row in its own workspace with its trust/ledger setup
    from m2kt.config import workspace
    from m2kt.store.db import open_db
    from tests.packet.conftest import setup_for

    corpus = list(cases())
    exact = expected_accepts = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, _row, data, expected, setup in corpus:
            conn = open_db(workspace(Path(tmp) / name))
            try:
                store_ = setup_for(setup, conn)
                try:
                    open_packet(data, store_, conn)
                    got = "accept"
                except PacketError as exc:
                    got = type(exc).__name__
            finally:
                conn.close()
            exact += got == expected
            expected_accepts += expected == "accept"
    inputs: list[tuple[str, bytes]] = []
    inputs += [(f"truncate:{n}", good[:n]) for n in range(len(good))]
    rng = random.Random(seed)
    for i in range(mutants):
        b = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i] = (b[i] + rng.randrange(1, 256)) % 256  # always a real change
        inputs.append((f"mutant:{i}", bytes(b)))
    clean = crashes = accepted = 0
    crash_examples: list[str] = []
    accepted_examples: list[str] = []
    t0 = time.perf_counter()
    for name, data in inputs:
        try:
            open_packet(data, trust)
            accepted += 1
            accepted_examples.append(name)
        except PacketError:
            clean += 1
        except Exception as exc:  # noqa: BLE001 — a crash is what is being counted
            crashes += 1
            crash_examples.append(f"{name}: {type(exc).__name__}")
    return {"corpus_cases": len(corpus), "corpus_exact": exact,
            "corpus_expected_accepts": expected_accepts,
            "cases": len(inputs), "clean_rejections": clean, "accepted": accepted,
            "crashes": crashes, "crash_examples": crash_examples[:5],
            "accepted_examples": accepted_examples[:10],
            "seconds": round(time.perf_counter() - t0, 1)}


def render(k: dict, h: dict, command: str) -> str:
    return f"""# Reliability figures

Generated by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (2 CPU cores).
Regenerate with the same command; nothing here is typed by hand.

## Audit log under `kill -9`

A child process records approvals in a loop (compare-and-set decision, one `BEGIN IMMEDIATE`
transaction each, WAL with `synchronous=FULL`) and prints an acknowledgement after each commit;
it is SIGKILLed at a random moment, then the database is opened and checked.

| figure | value |
|---|---|
| kills | {k['kills']} |
| acknowledged approvals | {k['acknowledged']} |
| `PRAGMA integrity_check` failures | {k['integrity_failures']} |
| acknowledged approvals lost | {k['lost_acknowledged']} |
| hash-chain verification failures | {k['chain_failures']} |
| seconds | {k['seconds']} |

## Hostile packets through the reader

The negative corpus (`tests/fixtures/make_bad_packets.py`, one file per row of the bad-input
table) is read with each row's trust/replay setup and must give exactly the expected error
class. Every truncation of a valid packet and seeded random byte mutants of it are read with
the packet's key trusted: a clean rejection is a `PacketError` subclass with a readable
message; anything else is a crash.
Accepted inputs are ones whose changes left a valid, correctly signed packet (e.g. a byte
changed outside every signed member); examples: {', '.join(h['accepted_examples']) or 'none'}.

| figure | value |
|---|---|
| negative-corpus rows tried (each with its trust / replay-ledger setup) | \
{h['corpus_cases']} |
| … with exactly the expected error class, or accepted where the row expects it | \
{h['corpus_exact']} ({h['corpus_expected_accepts']} expected accepts: hostile text, inert) |
| truncations + random mutants tried | {h['cases']} |
| clean rejections | {h['clean_rejections']} |
| accepted (inputs that are still a valid packet) | {h['accepted']} |
| crashes | {h['crashes']} |
| seconds | {h['seconds']} |

## Tampering and concurrency (tests)

- Editing any column of an audit row out of band (after dropping the append-only triggers) is
  found by `python -m m2kt audit verify`, which names the first broken entry:
  `tests/store/test_audit_tamper.py` (one test per column, plus deleted rows).
- Two reviewers deciding on the same packet at once (two processes released together, five
  rounds) end with exactly one decision, the other told to reload; no duplicate rows, integrity
  ok, chain intact: `test_two_reviewers_racing_end_with_one_decision`.
- UPDATE and DELETE on the audit log are refused by triggers: `tests/store/test_audit.py`.
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--mutants", type=int, default=2000)
    ap.add_argument("--out", default="docs/reliability.md")
    args = ap.parse_args()
    k = kill_harness(args.kills)
    print("kill -9:", k, flush=True)
    h = hostile_packets(args.mutants)
    print("hostile packets:", h, flush=True)
    cmd = "python scripts/reliability.py" + (f" --kills {args.kills}" if args.kills != 200
                                              else "")
    Path(args.out).write_text(render(k, h, cmd))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
