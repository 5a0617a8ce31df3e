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
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any, Protocol

import redis
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lti_tool.config import Settings
from lti_tool.models import LaunchState
from lti_tool.models._time import utcnow


class LaunchStore(Protocol):
    """Expiring JSON records shared by every worker."""

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None: ...

    def get(self, key: str) -> dict[str, Any] | None: ...

    def claim(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        """Store ``value`` under ``key`` only if no live record holds it; True if stored."""
        ...

    def delete(self, key: str) -> None: ...


class DatabaseStore:
    """The ``lti_launch_state`` table. Each call is its own short transaction, committed at
    once, so other workers see a consumed nonce immediately (not when the request ends)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, key: str, value: dict[str, Any], ttl: int) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            # Purging dead rows here keeps the table small without a separate job.
            conn.execute(delete(LaunchState).where(LaunchState.expires_at <= now))
            conn.execute(delete(LaunchState).where(LaunchState.key == key))
            conn.execute(
                insert(LaunchState).values(
                    key=key, value=value, expires_at=now + timedelta(seconds=ttl), created_at=now
                )
            )

    def get(self, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(LaunchState.value).where(
                    LaunchState.key == key, LaunchState.expires_at > utcnow()
                )
            ).first()
        return dict(row[0]) if row else None

    def claim(self, key: str, value: dict[str, Any], ttl: int) -> bool:
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(LaunchState).where(LaunchState.key == key, LaunchState.expires_at <= now)
                )
                conn.execute(
                    insert(LaunchState).values(
                        key=key,
                        value=value,
                        expires_at=now + timedelta(seconds=ttl),
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def delete(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(LaunchState).where(LaunchState.key == key))


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


@lru_cache(maxsize=8)
def _redis_client(url: str, timeout: float) -> redis.Redis:
    # One connection pool per URL and process; redis-py's pool is thread-safe.
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def make_store(settings: Settings, engine: Engine) -> LaunchStore:
    """Redis if ``settings.redis_url`` is set, else the database behind ``engine``."""
    if settings.redis_url:
        client = _redis_client(settings.redis_url, settings.http_timeout_seconds)
        return RedisStore(client, settings.redis_key_prefix)
    return DatabaseStore(engine)


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


def save_launch(store: LaunchStore, launch_id: str, data: dict[str, Any], ttl: int) -> None:
    """Keep a validated launch's claims (AGS/NRPS endpoints…) for later requests."""
    store.put(f"launch:{launch_id}", data, ttl)


def load_launch(store: LaunchStore, launch_id: str) -> dict[str, Any] | None:
    return store.get(f"launch:{launch_id}")
