"""Placeholder until the scoring module lands (being written now)."""
