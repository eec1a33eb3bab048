"""Alembic, driven from the app: `flask --app wsgi db upgrade` and the tests use these."""

from __future__ import annotations

import importlib

from alembic import command
from alembic.config import Config

from . import AREAS, models  # noqa: F401  (the kernel's tables)
from .config import ROOT
from .db import Base
from .jobs import models as _job_models  # noqa: F401  (preferences, digest, reminders)


def alembic_config(url: str, connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "head", connection=None) -> None:
    command.upgrade(alembic_config(url, connection), revision)


def all_metadata():
    """Import the kernel's models and every area's (the factory's list) so Base.metadata knows
    every table."""
    for area in AREAS:
        importlib.import_module(f"{area}.models")
    return Base.metadata
