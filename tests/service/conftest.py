"""Fixtures of the service tests (helpers in tests/centers.py)."""

from centers import center, clock, store

__all__ = ["center", "clock", "store"]
