"""The shared launch store: the database (both engines) and Redis behave the same — records
expire, and a nonce is consumed exactly once even when workers race for it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import update
from sqlalchemy.engine import Engine

from activities.db import utcnow
from lti_tool.config import Settings
from lti_tool.db import make_engine, make_session_factory
from lti_tool.lti.launch_state import (
    DatabaseStore,
    LaunchStore,
    RedisStore,
    begin_login,
    consume_nonce,
    consume_nonce_for_page,
    find_login,
    find_page,
    make_store,
    nonce_used,
    purge_soon,
)
from lti_tool.models import LaunchState
from tests.support.databases import PostgresDatabase, SqliteTemplate
from tests.support.settings import DATABASES

REDIS_URL = "redis://127.0.0.1:6379/0"


def _database_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        return template.fresh(tmp_path)
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    database.empty()
    return database.url


@pytest.fixture(params=[*DATABASES, "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LaunchStore]:
    """Each store kind: the database one on every configured database, and Redis."""
    if request.param != "redis":
        engine = make_engine(_database_url(request.param, request, tmp_path))
        yield DatabaseStore(engine)
        engine.dispose()
        return
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    prefix = f"peerloop-test:{uuid.uuid4().hex}:"  # this test's own keys
    yield RedisStore(client, prefix)
    keys = list(client.scan_iter(prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_login_state_round_trips(store: LaunchStore) -> None:
    login = begin_login(
        store,
        600,
        issuer="https://lms.example.test",
        client_id="c1",
        storage_target="post_message_forwarding",
        login_params={"iss": "https://lms.example.test", "login_hint": "u1"},
    )
    assert find_login(store, login.state) == login
    assert find_login(store, "no-such-state") is None


def test_states_and_nonces_are_unique_and_unguessable(store: LaunchStore) -> None:
    logins = [begin_login(store, 600, issuer="i", client_id="c") for _ in range(20)]
    values = {v for login in logins for v in (login.state, login.nonce)}
    assert len(values) == 40
    assert all(len(v) >= 43 for v in values)  # 32 random bytes, URL-safe base64


def test_nonce_is_consumed_once(store: LaunchStore) -> None:
    assert not nonce_used(store, "n1")
    assert consume_nonce(store, "n1", 600) is True
    assert nonce_used(store, "n1")
    assert consume_nonce(store, "n1", 600) is False
    assert consume_nonce(store, "n2", 600) is True


def test_racing_workers_consume_a_nonce_exactly_once(store: LaunchStore) -> None:
    """Eight threads (as eight workers would) present the same id_token at once."""
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(consume_nonce(store, "raced-nonce", 600))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def _pages(store: LaunchStore) -> int:
    """How many page records the store holds (of this test's own: a fresh database, or this
    test's Redis prefix)."""
    if isinstance(store, RedisStore):
        return len(list(store.client.scan_iter(store.prefix + "page:*")))
    assert isinstance(store, DatabaseStore)
    assert isinstance(store.bind, Engine)
    with store.bind.connect() as conn:
        keys = [row.key for row in conn.execute(LaunchState.__table__.select())]
    return len([key for key in keys if key.startswith("page:")])


def test_a_launch_consumes_its_nonce_and_gets_its_page_together(store: LaunchStore) -> None:
    """The nonce and the page id in one write: the first launch gets a page id standing for
    its token; a replay gets none, and leaves no page behind."""
    page_id = consume_nonce_for_page(store, "n-page", 600, "token-1", 3600)
    assert page_id is not None
    assert find_page(store, page_id) == "token-1"
    assert nonce_used(store, "n-page")
    assert consume_nonce_for_page(store, "n-page", 600, "token-2", 3600) is None
    assert consume_nonce(store, "n-page", 600) is False
    assert _pages(store) == 1


def test_racing_launches_get_one_page_between_them(store: LaunchStore) -> None:
    """Eight workers present the same id_token at once: one page id, seven refusals."""
    results: list[str | None] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        barrier.wait()
        results.append(consume_nonce_for_page(store, "raced-page", 600, f"token-{n}", 3600))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pages = [page for page in results if page is not None]
    assert len(pages) == 1
    assert len(results) == 8
    assert _pages(store) == 1


def test_put_replaces_and_delete_removes(store: LaunchStore) -> None:
    store.put("k", {"v": 1}, 60)
    store.put("k", {"v": 2}, 60)
    assert store.get("k") == {"v": 2}
    store.delete("k")
    assert store.get("k") is None


def test_redis_records_carry_the_ttl() -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    prefix = f"peerloop-test:{uuid.uuid4().hex}:"
    try:
        login = begin_login(RedisStore(client, prefix), 600, issuer="i", client_id="c")
        ttl = client.ttl(f"{prefix}state:{login.state}")
        assert 0 < ttl <= 600
    finally:
        client.delete(*client.keys(prefix + "*"))
        client.close()


def test_redis_keys_start_with_the_configured_prefix() -> None:
    """PEERLOOP_REDIS_KEY_PREFIX: every key the app's store writes starts with it, so a
    Redis shared with others (or a benchmark's own run) can be cleaned by prefix alone."""
    prefix = f"peerloop-test:{uuid.uuid4().hex}:"
    settings = Settings(redis_url=REDIS_URL, redis_key_prefix=prefix)
    store = make_store(settings, make_engine("sqlite://"))  # the engine goes unused
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        login = begin_login(store, 600, issuer="i", client_id="c")
        assert consume_nonce(store, login.nonce, 600)
        assert sorted(k.decode() for k in client.scan_iter(prefix + "*")) == sorted(
            [f"{prefix}state:{login.state}", f"{prefix}nonce:{login.nonce}"]
        )
    finally:
        client.delete(*client.keys(prefix + "*"))
        client.close()


def test_expired_database_records_are_gone_and_reusable(database_url: str) -> None:
    """Past expires_at a record is not returned, a nonce key can be claimed again (its
    id_token expired long before), and the next write purges the dead rows."""
    engine = make_engine(database_url)
    store = DatabaseStore(engine)
    try:
        login = begin_login(store, 600, issuer="i", client_id="c")
        assert consume_nonce(store, login.nonce, 600)
        with engine.begin() as conn:
            conn.execute(update(LaunchState).values(expires_at=utcnow() - timedelta(seconds=1)))
        assert find_login(store, login.state) is None
        assert not nonce_used(store, login.nonce)
        purge_soon()
        store.put("other", {"x": 1}, 60)
        with engine.connect() as conn:
            keys = {row[0] for row in conn.execute(LaunchState.__table__.select())}
        assert keys == {"other"}
    finally:
        engine.dispose()


def test_a_nonce_claimed_in_a_requests_transaction_is_still_claimed_once(
    database_url: str,
) -> None:
    """Bound to a request's session, the claim commits with the request: a second worker
    presenting the same id_token meanwhile waits for that commit, then is refused."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    first = sessions()
    results: list[bool] = []

    def second_worker() -> None:
        with sessions() as session:
            results.append(consume_nonce(DatabaseStore(session), "n-open", 600))
            session.commit()

    try:
        assert consume_nonce(DatabaseStore(first), "n-open", 600) is True
        thread = threading.Thread(target=second_worker)
        thread.start()
        time.sleep(0.5)
        assert results == []  # waiting on the first transaction, not deciding without it
        first.commit()
        thread.join(10)
        assert results == [False]
    finally:
        first.close()
        engine.dispose()


def test_a_launch_in_a_requests_transaction_waits_for_a_racing_one(database_url: str) -> None:
    """The launch's combined write (nonce and page) joins the request's transaction: a second
    worker with the same id_token waits for its commit, then gets no page."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    first = sessions()
    results: list[str | None] = []

    def second_worker() -> None:
        with sessions() as session:
            results.append(
                consume_nonce_for_page(DatabaseStore(session), "n-raced", 600, "t-2", 3600)
            )
            session.commit()

    try:
        page_id = consume_nonce_for_page(DatabaseStore(first), "n-raced", 600, "t-1", 3600)
        assert page_id is not None
        thread = threading.Thread(target=second_worker)
        thread.start()
        time.sleep(0.5)
        assert results == []  # waiting on the first transaction, not deciding without it
        first.commit()
        thread.join(10)
        assert results == [None]
        assert find_page(DatabaseStore(engine), page_id) == "t-1"
    finally:
        first.close()
        engine.dispose()
