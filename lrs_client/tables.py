"""lrs_client's own tables (outbox, destinations). Kept on their own MetaData so this package
stays a leaf; the app's Alembic environment migrates both metadatas."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class LrsBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


metadata = LrsBase.metadata
