"""Names of the abstraction-graph extractions (light: the CLI's parser imports it)."""

from __future__ import annotations

#: ``build-packet --graph``: ``auto`` is containment probes on pair tasks and readout
#: confusion on class tasks (:mod:`m2kt.graph.extract`; closer to the reference than centroid
#: neighbours on both language class tasks — research log, direction 6)
GRAPH_METHODS = ("auto", "containment", "centroid-neighbours", "readout-confusion")
#: the methods a class task (no queried concept) can use
CLASS_GRAPH_METHODS = ("centroid-neighbours", "readout-confusion")
