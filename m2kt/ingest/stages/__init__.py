"""The stages of ingestion, one module each (:mod:`m2kt.ingest.pipeline` runs them in order)."""
