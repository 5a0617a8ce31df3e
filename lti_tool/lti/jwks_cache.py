"""Platforms' public key sets (JWKS), cached in the shared launch store.

A launch names its signing key by ``kid``. We use the cached key set; when the ``kid`` is not
in it (the platform rotated its key) we fetch the set again, at most once per
``REFETCH_INTERVAL`` per key set URL across all workers (an atomic claim in the shared store),
so a flood of forged ``kid`` values cannot make us hammer the platform. Every HTTP call has a
timeout.

Each process also keeps the keys it parsed, per key set URL, for as long as the shared cache
trusts the set (``CACHE_SECONDS``): a launch then neither reads the store nor parses a JWK.
An unknown ``kid`` still goes to the shared store (another worker may have refetched the set)
and then to the platform, as above.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

import requests
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from lti_tool.logs import log_event
from lti_tool.lti.errors import InvalidLaunchMessageError, PlatformUnreachableError
from lti_tool.lti.http_read import read_at_most
from lti_tool.lti.launch_state import LaunchStore

#: How long a fetched key set is trusted without refetching.
CACHE_SECONDS = 3600
#: Minimum time between two refetches of one key set triggered by an unknown ``kid``.
REFETCH_INTERVAL = 10
#: A key set larger than this is not a key set.
MAX_JWKS_BYTES = 256 * 1024


def _cache_key(url: str) -> str:
    return "jwks:" + hashlib.sha256(url.encode()).hexdigest()


def fetch_jwks(url: str, timeout: float) -> dict[str, Any]:
    """GET the key set at ``url``; PlatformUnreachableError if that fails or it is not a JWKS."""
    try:
        with requests.get(
            url, timeout=timeout, headers={"Accept": "application/json"}, stream=True
        ) as response:
            response.raise_for_status()
            raw = read_at_most(response, MAX_JWKS_BYTES)
        if len(raw) > MAX_JWKS_BYTES:
            raise ValueError(f"the answer is larger than {MAX_JWKS_BYTES // 1024} KB")
        data = json.loads(raw)
    except (requests.RequestException, ValueError) as exc:
        log_event("jwks_fetch_failed", url=url, error=str(exc))
        raise PlatformUnreachableError(
            f"Peerloop could not read the LMS's public keys at {url} ({exc}). Check the "
            "registration's public keyset URL, and that the LMS answers it.",
            code="jwks_unreachable",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise PlatformUnreachableError(
            f"The address {url} registered as the LMS's public keyset URL did not return a "
            "JSON Web Key Set. Check the registration's keyset URL.",
            code="jwks_invalid",
        )
    log_event("jwks_fetched", url=url, keys=len(data["keys"]))
    return data


class _ParsedKeys:
    """This process's parsed keys: key set URL → (trusted until, kid → PyJWK)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sets: dict[str, tuple[float, dict[str | None, PyJWK]]] = {}

    def get(self, url: str, kid: str | None) -> PyJWK | None:
        with self.lock:
            entry = self.sets.get(url)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1].get(kid)

    def put(self, url: str, kid: str | None, key: PyJWK) -> None:
        with self.lock:
            expires, keys = self.sets.get(url, (0.0, {}))
            if expires <= time.monotonic():
                expires, keys = time.monotonic() + CACHE_SECONDS, {}
            self.sets[url] = (expires, {**keys, kid: key})

    def forget(self, url: str) -> None:
        with self.lock:
            self.sets.pop(url, None)

    def clear(self) -> None:
        with self.lock:
            self.sets.clear()


PARSED = _ParsedKeys()


class JwksCache:
    """Public keys of platforms, by key set URL and ``kid``.

    ``store`` must keep its writes whatever becomes of the request (an engine-bound or Redis
    store): the refetch claim that rate-limits a flood of forged ``kid`` values is made by
    launches that are then refused.
    """

    def __init__(self, store: LaunchStore, timeout: float) -> None:
        self.store = store
        self.timeout = timeout

    def _load(self, url: str) -> dict[str, Any]:
        cached = self.store.get(_cache_key(url))
        if cached is not None:
            return cached
        return self._refresh(url)

    def _refresh(self, url: str) -> dict[str, Any]:
        data = fetch_jwks(url, self.timeout)
        self.store.put(_cache_key(url), data, CACHE_SECONDS)
        PARSED.forget(url)  # the set changed: this process parses its keys again
        return data

    def key_for(self, url: str, kid: str | None) -> PyJWK:
        """The public key ``kid`` of the set at ``url``, refetching once if it is unknown."""
        parsed = PARSED.get(url, kid)
        if parsed is not None:
            return parsed
        key = self._key_for(url, kid)
        PARSED.put(url, kid, key)
        return key

    def _key_for(self, url: str, kid: str | None) -> PyJWK:
        found = _find(self._load(url), kid)
        if found is None and self.store.claim(
            "jwks-refetch:" + _cache_key(url), {"kid": kid}, REFETCH_INTERVAL
        ):
            found = _find(self._refresh(url), kid)
        if found is None:
            raise InvalidLaunchMessageError(
                f"The launch was signed with a key (kid {kid!r}) that the LMS does not publish "
                f"at {url}. If the LMS rotated its keys, try again in a minute; otherwise check "
                "the registration's public keyset URL.",
                code="unknown_kid",
            )
        try:
            return PyJWK(found)
        except PyJWKError as exc:
            raise InvalidLaunchMessageError(
                f"The LMS's public key {kid!r} at {url} could not be read ({exc}).",
                code="jwk_invalid",
            ) from exc


def _find(jwks: dict[str, Any], kid: str | None) -> dict[str, Any] | None:
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict)]
    if kid is None:
        # Without a kid only an unambiguous single signing key can be used.
        return keys[0] if len(keys) == 1 else None
    for key in keys:
        if key.get("kid") == kid:
            return key
    return None
