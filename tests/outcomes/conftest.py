"""Outcomes fixtures: the funding area's money world (envelopes, officers, funded dossiers)."""

from ..funding.conftest import money_world  # noqa: F401  (the fixture, shared)
