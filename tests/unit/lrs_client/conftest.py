from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.db import make_engine, make_session_factory


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a clean database holding lrs_client's tables (SQLite and PostgreSQL)."""
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()
