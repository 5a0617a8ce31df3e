"""Launch state every web worker shares: OIDC login state and nonce, used nonces, launch data.

Two implementations of one small key/value interface with expiry and an atomic
"add if absent" (``claim``): the database (table ``lti_launch_state``) by default, Redis when
``settings.redis_url`` is set. Never one process's memory: the login and the launch of one user
may reach different workers behind a load balancer.

A nonce is consumed by claiming ``nonce:<value>``: a primary-key insert in the database, a
``SET NX`` in Redis, so of two workers given the same id_token exactly one wins.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any, Protocol, cast

import redis
from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from activities.db import utcnow
from lti_tool.config import Settings
from lti_tool.models import LaunchState


class LaunchStore(Protocol):
    """Expiring JSON records shared by every worker."""

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None: ...

    def get(self, key: str) -> dict[str, Any] | None: ...

    def claim(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """Store ``value`` under ``key`` only if no live record holds it; True if stored."""
        ...

    def delete(self, key: str) -> None: ...

    def claim_and_put(
        self, claim: tuple[str, dict[str, Any], int], put: tuple[str, dict[str, Any], int]
    ) -> bool:
        """``claim`` (key, value, ttl) as ``claim`` does and, only if that stored it, ``put``
        as ``put`` does (one statement in the database); True if both were stored."""
        ...


#: Dead rows are purged by a write at most this often per process (not by every write: one
#: statement less on each login and launch, and expired rows are ignored by readers anyway).
PURGE_INTERVAL_SECONDS = 60.0
_last_purge = 0.0


def _purge_due() -> bool:
    global _last_purge  # one timestamp per process, by design
    now = time.monotonic()
    if now - _last_purge < PURGE_INTERVAL_SECONDS:
        return False
    _last_purge = now
    return True


def purge_soon() -> None:
    """Make the next database write purge dead rows (tests; after changing the clock)."""
    global _last_purge
    _last_purge = 0.0


_TABLE = cast(Table, LaunchState.__table__)


@lru_cache(maxsize=8)
def _upsert_statement(dialect: str, only_expired: bool) -> Any:
    """``INSERT … ON CONFLICT (key) DO UPDATE … RETURNING key``, built once per dialect (it
    runs on every login and twice on every launch), on the table rather than the ORM class:
    the ORM's bulk-insert path cost more than the statement itself. A claim may only take
    over a dead record (``only_expired``); a put replaces any."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_TABLE).values(
        key=bindparam("key"),
        value=bindparam("value", type_=_TABLE.c.value.type),
        expires_at=bindparam("expires_at", type_=_TABLE.c.expires_at.type),
        created_at=bindparam("created_at", type_=_TABLE.c.created_at.type),
    )
    excluded = statement.excluded
    now = bindparam("now", type_=_TABLE.c.expires_at.type)
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={
            "value": excluded.value,
            "expires_at": excluded.expires_at,
            "created_at": excluded.created_at,
        },
        where=(_TABLE.c.expires_at <= now) if only_expired else None,
    ).returning(_TABLE.c.key)


@lru_cache(maxsize=4)
def _claim_and_put_statement(dialect: str) -> Any:
    """Two records in one upsert: each row takes over only a dead record, and RETURNING says
    which were stored (a new random key is always stored; the claimed key only if free)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {
            "key": bindparam(f"key_{n}"),
            "value": bindparam(f"value_{n}", type_=_TABLE.c.value.type),
            "expires_at": bindparam(f"expires_at_{n}", type_=_TABLE.c.expires_at.type),
            "created_at": bindparam("created_at", type_=_TABLE.c.created_at.type),
        }
        for n in (1, 2)
    ]
    statement = insert(_TABLE).values(rows)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={
            "value": excluded.value,
            "expires_at": excluded.expires_at,
            "created_at": excluded.created_at,
        },
        where=_TABLE.c.expires_at <= bindparam("now", type_=_TABLE.c.expires_at.type),
    ).returning(_TABLE.c.key)


#: A live record's value, built once (it runs on every launch and every page).
_GET = select(_TABLE.c.value).where(
    _TABLE.c.key == bindparam("key"),
    _TABLE.c.expires_at > bindparam("now", type_=_TABLE.c.expires_at.type),
)


class _NotClaimedError(Exception):
    """The claimed key was taken: undo the statement's other row."""


class DatabaseStore:
    """The ``lti_launch_state`` table, in one statement per call (an upsert: both dialects
    have ``ON CONFLICT``).

    Bound to an ``Engine``, each call is its own short transaction, committed at once. Bound to
    a ``Session`` (a request's), calls join its transaction and the request's one commit keeps
    them: a nonce claimed there is still claimed exactly once, because a second worker's insert
    of the same primary key waits for the first transaction and then finds the row live.
    """

    def __init__(self, bind: Engine | Session) -> None:
        self.bind = bind

    @contextmanager
    def _conn(self) -> Iterator[Connection | Session]:
        if isinstance(self.bind, Session):
            yield self.bind
        else:
            with self.bind.begin() as conn:
                yield conn

    def _upsert(
        self,
        conn: Connection | Session,
        key: str,
        value: dict[str, Any],
        ttl: int,
        *,
        only_expired: bool,
    ) -> bool:
        now = utcnow()
        dialect = conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
        params = {
            "key": key,
            "value": value,
            "expires_at": now + timedelta(seconds=ttl),
            "created_at": now,
            "now": now,
        }
        # RETURNING, not rowcount (psycopg reports -1 for an upsert): a row back means stored.
        return conn.execute(_upsert_statement(dialect, only_expired), params).first() is not None

    def _purge(self, conn: Connection | Session) -> None:
        if _purge_due():
            conn.execute(delete(LaunchState).where(LaunchState.expires_at <= utcnow()))

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        with self._conn() as conn:
            self._purge(conn)
            self._upsert(conn, key, value, ttl, only_expired=False)

    def get(self, key: str) -> dict[str, Any] | None:
        params = {"key": key, "now": utcnow()}
        if isinstance(self.bind, Session):
            row = self.bind.execute(_GET, params).first()
        else:
            with self.bind.connect() as conn:
                row = conn.execute(_GET, params).first()
        return dict(row[0]) if row else None

    def claim(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        with self._conn() as conn:
            return self._upsert(conn, key, value, ttl, only_expired=True)

    def delete(self, key: str) -> None:
        with self._conn() as conn:
            conn.execute(delete(LaunchState).where(LaunchState.key == key))

    def claim_and_put(
        self, claim: tuple[str, dict[str, Any], int], put: tuple[str, dict[str, Any], int]
    ) -> bool:
        now = utcnow()
        params: dict[str, Any] = {"created_at": now, "now": now}
        for n, (key, value, ttl) in ((1, claim), (2, put)):
            params |= {
                f"key_{n}": key,
                f"value_{n}": value,
                f"expires_at_{n}": now + timedelta(seconds=ttl),
            }
        try:
            with self._conn() as conn:
                dialect = (
                    conn.get_bind().dialect.name if isinstance(conn, Session) else conn.dialect.name
                )
                statement = _claim_and_put_statement(dialect)
                stored = {row[0] for row in conn.execute(statement, params)}
                if claim[0] not in stored:
                    # Nothing may stay: an engine's transaction rolls back on the way out, and
                    # a session's is the caller's, which refuses the request (so rolls back).
                    raise _NotClaimedError
        except _NotClaimedError:
            return False
        if put[0] not in stored:
            raise RuntimeError("a new launch-state key was already in use")
        return True


class RedisStore:
    """Redis keys ``<prefix><key>`` holding JSON, expiring by Redis's own TTL."""

    def __init__(self, client: redis.Redis, prefix: str = "peerloop:lti:") -> None:
        self.client = client
        self.prefix = prefix

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        self.client.set(self.prefix + key, json.dumps(value), ex=ttl)

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self.client.get(self.prefix + key)
        if raw is None:
            return None
        data: dict[str, Any] = json.loads(raw)
        return data

    def claim(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        return bool(self.client.set(self.prefix + key, json.dumps(value), ex=ttl, nx=True))

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)

    def claim_and_put(
        self, claim: tuple[str, dict[str, Any], int], put: tuple[str, dict[str, Any], int]
    ) -> bool:
        if not self.claim(*claim):
            return False
        self.put(*put)
        return True


@lru_cache(maxsize=8)
def _redis_client(url: str, timeout: float) -> redis.Redis:
    # One connection pool per URL and process; redis-py's pool is thread-safe.
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def make_store(settings: Settings, bind: Engine | Session) -> LaunchStore:
    """Redis if ``settings.redis_url`` is set, else the database behind ``bind`` (a request's
    session, to join its transaction, or an engine, for calls committed on their own)."""
    if settings.redis_url:
        client = _redis_client(settings.redis_url, settings.http_timeout_seconds)
        return RedisStore(client, settings.redis_key_prefix)
    return DatabaseStore(bind)


@dataclass(frozen=True)
class LoginState:
    """What the OIDC login step remembers until the launch comes back."""

    state: str
    nonce: str
    issuer: str
    client_id: str
    #: The frame name the platform gave for LTI Platform Storage, if it offered it.
    storage_target: str | None = None
    #: The login's own parameters, to restart it in a new window when cookies are blocked.
    login_params: dict[str, str] = field(default_factory=dict)


def begin_login(
    store: LaunchStore,
    ttl: int,
    *,
    issuer: str,
    client_id: str,
    storage_target: str | None = None,
    login_params: dict[str, str] | None = None,
) -> LoginState:
    """A new state and nonce (random, URL-safe), stored for ``ttl`` seconds."""
    login = LoginState(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        issuer=issuer,
        client_id=client_id,
        storage_target=storage_target,
        login_params=dict(login_params or {}),
    )
    store.put(f"state:{login.state}", asdict(login), ttl)
    return login


def find_login(store: LaunchStore, state: str) -> LoginState | None:
    """The login that issued ``state``, if it exists and has not expired."""
    data = store.get(f"state:{state}")
    if data is None:
        return None
    try:
        return LoginState(**data)
    except TypeError:  # a record written by an incompatible version: treat as unknown
        return None


def consume_nonce(store: LaunchStore, nonce: str, ttl: int) -> bool:
    """Mark ``nonce`` used; False if it already was (the id_token is a replay)."""
    return store.claim(f"nonce:{nonce}", {"used": True}, ttl)


def nonce_used(store: LaunchStore, nonce: str) -> bool:
    """Whether ``nonce`` was consumed already (checked early, to name a replay as such)."""
    return store.get(f"nonce:{nonce}") is not None


#: A launched page's id: the launch token it stands for, so that the URL a launch redirects to
#: (and reloads, Back and a second tab use) carries an opaque, revocable id instead of the
#: long-lived token itself (tokens in URLs end up in logs, history and Referer headers).
PAGE_PREFIX = "page:"


def put_page(store: LaunchStore, token: str, ttl: int) -> str:
    """A new page id for ``token``, kept ``ttl`` seconds (the token's own lifetime)."""
    page_id = secrets.token_urlsafe(18)
    store.put(PAGE_PREFIX + page_id, {"lt": token}, ttl)
    return page_id


def consume_nonce_for_page(
    store: LaunchStore, nonce: str, nonce_ttl: int, token: str, page_ttl: int
) -> str | None:
    """``consume_nonce`` and ``put_page`` together (a launch's two writes to the store, one
    statement in the database): the new page id for ``token``, or None if ``nonce`` was used
    already (a replay; no page is kept)."""
    page_id = secrets.token_urlsafe(18)
    claimed = store.claim_and_put(
        (f"nonce:{nonce}", {"used": True}, nonce_ttl),
        (PAGE_PREFIX + page_id, {"lt": token}, page_ttl),
    )
    return page_id if claimed else None


def find_page(store: LaunchStore, page_id: str) -> str | None:
    """The launch token behind ``page_id``, if the id is ours and still alive."""
    if not (16 <= len(page_id) <= 64) or not page_id.replace("-", "").replace("_", "").isalnum():
        return None
    data = store.get(PAGE_PREFIX + page_id)
    token = data.get("lt") if data else None
    return token if isinstance(token, str) else None
