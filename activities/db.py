"""The declarative base every table of the domain and the web layer shares, with named
constraints (stable Alembic migrations on SQLite and PostgreSQL) and aware UTC timestamps.

The naming convention and the UTC column type are lrs_client's (a leaf package that imports
nothing of ours, whose tables share one migration history with these): one definition, used
by both, rather than a copy.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from lrs_client.tables import NAMING, UtcDateTime, utcnow


class Base(DeclarativeBase):
    """Declarative base of every model of the web layer and the domain."""

    metadata = MetaData(naming_convention=NAMING)


__all__ = ["NAMING", "Base", "UtcDateTime", "utcnow"]
