"""Concept manifolds: mergeable statistics, fitting, membership scoring."""
