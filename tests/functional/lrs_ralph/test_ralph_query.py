"""Our query client (``lrs_client.query.query``) reads statements back from Ralph 5.1.0,
following ``more``.

Ralph's limits shaped these tests (see tests/support/ralph.py): its ``limit`` is capped at
100, so the class is larger than that and pages are at most 100; its ``verb``, ``activity``
and ``related_activities`` filters always match nothing, so only ``agent``, ``registration``
and ``since`` are tested, and ``since`` compares the statement's ``timestamp`` where xAPI
says ``stored``; its fs backend takes one writing POST per process, so the whole
class goes in one POST to a Ralph of this module's own, which the tests only read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lrs_client.errors import LrsConfigError
from lrs_client.query import query
from lrs_client.transport import Transport
from tests.functional.lrs_ralph.statements import AT, class_statements
from tests.support.ralph import PASSWORD, USERNAME, RalphProcess

pytestmark = pytest.mark.lrs

RALPH_PAGE_CAP = 100
LEARNERS = 40  # 120 statements: more than Ralph's cap of 100 on a page


@pytest.fixture(scope="module")
def ralph_with_class(
    tmp_path_factory: pytest.TempPathFactory, ralph_auth_file: Path
) -> Iterator[tuple[RalphProcess, list[dict[str, Any]]]]:
    """One Ralph holding a class's statements, posted in one batch; the tests only read it."""
    process = RalphProcess(tmp_path_factory.mktemp("ralph-query"), ralph_auth_file).start()
    _, statements = class_statements(LEARNERS)
    writer = Transport(process.endpoint, USERNAME, PASSWORD, timeouts=(2, 10))
    try:
        writer.post_statements(json.dumps(statement) for statement in statements)
    finally:
        writer.close()
    yield process, statements
    process.stop()


@pytest.fixture
def stored(ralph_with_class: tuple[RalphProcess, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return ralph_with_class[1]


@pytest.fixture
def transport(ralph_with_class: tuple[RalphProcess, list[dict[str, Any]]]) -> Iterator[Transport]:
    client = Transport(ralph_with_class[0].endpoint, USERNAME, PASSWORD, timeouts=(2, 10))
    yield client
    client.close()


def _ids(statements: Any) -> list[str]:
    return sorted(statement["id"] for statement in statements)


# 500 (our default) is past Ralph's cap: Ralph answers 100 and a `more`, which we follow.
@pytest.mark.parametrize("page_size", [7, 100, 500])
def test_query_follows_more_through_every_page_from_ralph(
    transport: Transport, stored: list[dict[str, Any]], page_size: int
) -> None:
    statements = stored
    pages: list[int] = []
    read_page = transport.get_statements

    def counting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        page = read_page(*args, **kwargs)
        pages.append(len(page["statements"]))
        return page

    transport.get_statements = counting  # type: ignore[method-assign]
    assert _ids(query(transport, page_size=page_size)) == _ids(statements)  # all, none twice
    per_page = min(page_size, RALPH_PAGE_CAP)
    assert len(pages) >= -(-len(statements) // per_page)  # it took the pages, not one answer
    assert max(pages) == per_page


def test_query_stops_at_its_limit_across_ralph_pages(
    transport: Transport, stored: list[dict[str, Any]]
) -> None:
    statements = stored
    got = list(query(transport, page_size=10, limit=25))
    assert len(got) == 25
    assert len(set(_ids(got))) == 25
    assert set(_ids(got)) <= set(_ids(statements))


def test_query_by_agent_on_ralph_returns_that_learners_statements_only(
    transport: Transport, stored: list[dict[str, Any]]
) -> None:
    statements = stored
    actor = statements[3 * 5]["actor"]  # the sixth learner
    mine = [statement for statement in statements if statement["actor"] == actor]
    assert len(mine) == 3
    # A page size of 1 proves Ralph's `more` keeps the filter.
    assert _ids(query(transport, agent=actor, page_size=1)) == _ids(mine)


def test_query_by_registration_on_ralph_returns_that_learners_statements_only(
    transport: Transport, stored: list[dict[str, Any]]
) -> None:
    statements = stored
    registration = statements[3 * 7]["context"]["registration"]
    mine = [s for s in statements if s["context"]["registration"] == registration]
    assert len(mine) == 3
    assert _ids(query(transport, registration=registration, page_size=2)) == _ids(mine)


def test_query_since_on_ralph_returns_the_later_half_of_the_class(
    transport: Transport, stored: list[dict[str, Any]]
) -> None:
    """Ralph's fs backend compares ``since`` with each statement's ``timestamp`` (xAPI says
    ``stored``): our builders stamp learner i at AT + i minutes, so half the class is later."""
    statements = stored
    since = AT + timedelta(minutes=LEARNERS // 2 - 1, seconds=30)
    later = [s for s in statements if datetime.fromisoformat(s["timestamp"]) > since]
    assert len(later) == len(statements) // 2
    assert _ids(query(transport, since=since, page_size=25)) == _ids(later)
    assert list(query(transport, since=AT + timedelta(days=1), page_size=25)) == []


def test_check_accepts_ralph_without_an_about_resource(
    ralph_with_class: tuple[RalphProcess, list[dict[str, Any]]],
) -> None:
    """Ralph answers 404 to ``about``; the statements read is the check (no versions known)."""
    ralph = ralph_with_class[0]
    assert ralph.get("about").status_code == 404
    client = Transport(ralph.endpoint, USERNAME, PASSWORD, timeouts=(2, 10))
    try:
        assert client.check() == []
    finally:
        client.close()


@pytest.mark.parametrize(
    ("path", "password", "kind"),
    [("xAPI/", "not-the-password", "credentials"), ("elsewhere/", PASSWORD, "url")],
)
def test_check_still_refuses_wrong_credentials_and_urls_on_ralph(
    ralph_with_class: tuple[RalphProcess, list[dict[str, Any]]], path: str, password: str, kind: str
) -> None:
    ralph = ralph_with_class[0]
    endpoint = f"http://127.0.0.1:{ralph.port}/{path}"
    client = Transport(endpoint, USERNAME, password, timeouts=(2, 10))
    try:
        with pytest.raises(LrsConfigError) as refused:
            client.check()
    finally:
        client.close()
    assert refused.value.kind == kind
