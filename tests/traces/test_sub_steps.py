"""Step-wise traces of the reasoning track: each sub-problem the teacher answers is a named
step, counted by the ledger, and read by the reasoning term's rows."""

from __future__ import annotations

import numpy as np

from m2kt.domains.base import Example
from m2kt.domains.reasoning import generate, substeps
from m2kt.ledger import trace_strings
from m2kt.packet.build import trace_strings_of
from m2kt.packet.schema import Trace
from m2kt.traces.extract import add_sub_steps


def _proba(exs: list[Example]) -> np.ndarray:
    """A stand-in answerer: "True" when the text recomputes to True (2 columns)."""
    vals = [bool(eval(e.text, {"__builtins__": {}}, {})) for e in exs]  # noqa: S307
    return np.array([[0.1, 0.9] if v else [0.8, 0.2] for v in vals])


def test_sub_steps_name_each_subproblem_and_the_ledger_counts_them() -> None:
    probes = [Example(text=p.text, label=p.label, key=p.text) for p in generate("boolexpr", 5)]
    traces = [{"id": f"t{i}", "query": e.text, "answer": "x", "steps": []}
              for i, e in enumerate(probes)]
    n = add_sub_steps(traces, probes, _proba, ["false", "true"],
                      lambda text: substeps("boolexpr", text))
    want = [s for e in probes for s in substeps("boolexpr", e.text)]
    assert n == len(want) > 0
    got = [st["input"] for t in traces for st in t["steps"]]
    assert got == want
    for t in traces:
        assert [st["stage"] for st in t["steps"]] == [f"step {j + 1}" for j in
                                                      range(len(t["steps"]))]
        # the teacher's top answer on each step is what the stand-in computed
        for st in t["steps"]:
            assert st["top"][0][0] == ("true" if eval(st["input"], {"__builtins__": {}}, {})  # noqa: S307
                                       else "false")
    # both ledgers count every query and every named sub-problem as a crossing string
    strings = trace_strings_of(traces)
    assert strings == [x for t in traces for x in [t["query"], *[s["input"] for s in t["steps"]]]]
    parsed = [Trace.model_validate(t) for t in traces]
    assert trace_strings(parsed) == strings


def test_a_trace_step_without_input_still_parses() -> None:
    t = Trace.model_validate({"id": "t0", "query": "q", "answer": "a",
                              "steps": [{"stage": "layer 3", "top": [["a", 0.5]]}]})
    assert t.steps[0].input is None and trace_strings([t]) == ["q"]
