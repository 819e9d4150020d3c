"""Symbolic reasoning suite: seeded generators, a word-level tokenizer, tiny models."""
