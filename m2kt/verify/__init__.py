"""Verification gates (pre- and post-ingestion) and the safety policy."""
