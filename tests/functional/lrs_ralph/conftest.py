"""Fixtures for the tests against Ralph, the second real LRS (see tests/support/ralph.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ralph import RalphProcess, write_credentials


@pytest.fixture(scope="session")
def ralph_auth_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Credentials written once by `ralph auth` (bcrypt is slow); each Ralph copies them."""
    return write_credentials(tmp_path_factory.mktemp("ralph-auth"))


@pytest.fixture
def ralph(tmp_path: Path, ralph_auth_file: Path) -> Iterator[RalphProcess]:
    """A fresh Ralph of this test's own: its fs backend accepts only one write per process."""
    process = RalphProcess(tmp_path, auth_file=ralph_auth_file).start()
    yield process
    process.stop()
