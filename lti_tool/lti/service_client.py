"""Calls to a platform's LTI Advantage services (AGS, NRPS) with an OAuth2 access token.

Hand-written rather than pylti1p3's ServiceConnector because that one keeps tokens in one
process's memory, sets no timeout on its HTTP calls and lowercases ``Link`` headers (which
breaks Moodle's NRPS paging URLs). Here: the client-credentials grant with a signed client
assertion (IMS Security Framework §4.1), tokens cached per (platform, scopes) in the database
until shortly before they expire (shared by every worker), a timeout on every call, and every
failure raised as ``PlatformServiceError`` carrying the platform's own message.
"""

from __future__ import annotations

import html
import json as jsonlib
import re
import uuid
from collections.abc import Iterable
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import jwt
import requests
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activities.db import utcnow
from lti_tool.lti.keys import signing_key
from lti_tool.models import Platform, ServiceToken

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: A cached token is not reused in its last minute: a call must not start with a dying token.
EXPIRY_MARGIN = timedelta(seconds=60)
#: When a platform omits ``expires_in`` (it SHOULD send it), assume the spec's usual hour.
DEFAULT_EXPIRES_IN = 3600
MAX_MESSAGE = 300


class PlatformServiceError(Exception):
    """A platform service call failed; ``message`` says why in the platform's own words."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        url: str | None = None,
        explained: bool = True,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.url = url
        #: Seconds the platform asked us to wait (``Retry-After`` of a 429 or 503), if any.
        self.retry_after = retry_after
        #: False when the platform's answer had no body to explain it (Moodle's 409 is empty):
        #: the caller knows best what the status means for its call.
        self.explained = explained


def first_line(text: str, limit: int = 160) -> str:
    """The first line of text of a body, HTML tags dropped (an error page's first words)."""
    for line in _TAGS.sub("", _BREAKS.sub("\n", text)).splitlines():
        words = " ".join(html.unescape(line).split())
        if words:
            return words if len(words) <= limit else words[: limit - 1] + "…"
    return ""


def asked(response: requests.Response) -> str:
    """The request behind ``response`` as ``METHOD URL``."""
    request = response.request
    return f"{request.method or 'GET'} {request.url or response.url}"


def answered(response: requests.Response) -> str:
    """What came back, for a message: status, content type and the body's first line."""
    content_type = response.headers.get("Content-Type") or "no content type"
    line = first_line(response.text)
    return f"HTTP {response.status_code}, {content_type}" + (f": {line!r}" if line else ", empty")


class NotJsonError(PlatformServiceError):
    """A successful status whose body is not JSON (often an HTML error page served with 200)."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(
            f"The platform's answer to {asked(response)} was not JSON ({answered(response)}).",
            status=response.status_code,
            url=response.request.url or response.url,
        )
        self.asked = asked(response)
        self.answered = answered(response)


_TAGS = re.compile(r"<[^>]*>")
_BREAKS = re.compile(r"<(?:br|/p|/div|/h[1-6]|/li|/tr)\b[^>]*>", re.IGNORECASE)

#: Bodies that say nothing (Moodle answers some refusals with ``[]``).
_EMPTY_BODIES = frozenset({"", "[]", "{}", "null", '""'})


def _platform_message(response: requests.Response) -> str | None:
    """The reason a platform gave: OAuth2 ``error_description``/``error``, or its text; None
    when the body is empty."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("error_description", "error", "message", "reason"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:MAX_MESSAGE]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])[:MAX_MESSAGE]
    text = response.text.strip()
    return None if text in _EMPTY_BODIES else text[:MAX_MESSAGE]


def _retry_after(response: requests.Response) -> float | None:
    """``Retry-After`` in seconds (a number of seconds, or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - utcnow()).total_seconds())


def _reason(response: requests.Response) -> str:
    return response.reason or f"HTTP {response.status_code}"


def _scope_key(scopes: Iterable[str]) -> str:
    return " ".join(sorted(set(scopes)))


class ServiceClient:
    """One platform's services, for the length of a request or a job."""

    def __init__(
        self,
        session: Session,
        platform: Platform,
        *,
        timeout: float = 10.0,
        http: requests.Session | None = None,
    ) -> None:
        self.session = session
        self.platform = platform
        self.timeout = timeout
        self.http = http or requests.Session()

    # -- access tokens ---------------------------------------------------------------------

    def client_assertion(self) -> str:
        """The JWT we authenticate with: signed with our current key, its ``kid`` in the header."""
        kid, pem = signing_key(self.session)
        now = utcnow()
        claims = {
            "iss": self.platform.client_id,
            "sub": self.platform.client_id,
            "aud": self.platform.auth_token_audience or self.platform.auth_token_url,
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + 300,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})

    def access_token(self, scopes: Iterable[str]) -> str:
        """A token for ``scopes``: the cached one while it lives, else a new one (cached)."""
        key = _scope_key(scopes)
        row = self.session.scalars(
            select(ServiceToken).where(
                ServiceToken.platform_id == self.platform.id, ServiceToken.scopes == key
            )
        ).first()
        if row is not None and row.expires_at - EXPIRY_MARGIN > utcnow():
            return row.access_token
        token, expires_in = self._fetch_token(key)
        expires_at = utcnow() + timedelta(seconds=expires_in)
        if row is not None:
            row.access_token, row.expires_at = token, expires_at
            self.session.flush()
        else:
            # Another worker may cache the same key at the same moment: keep theirs, use ours.
            try:
                with self.session.begin_nested():
                    self.session.add(
                        ServiceToken(
                            platform_id=self.platform.id,
                            scopes=key,
                            access_token=token,
                            expires_at=expires_at,
                        )
                    )
            except IntegrityError:
                pass
        return token

    def forget_token(self, scopes: Iterable[str]) -> None:
        """Drop a cached token the platform refused (revoked or rotated keys)."""
        self.session.execute(
            delete(ServiceToken).where(
                ServiceToken.platform_id == self.platform.id,
                ServiceToken.scopes == _scope_key(scopes),
            )
        )

    def _fetch_token(self, scope: str) -> tuple[str, int]:
        url = self.platform.auth_token_url
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self.client_assertion(),
            "scope": scope,
        }
        try:
            response = self.http.post(
                url, data=data, headers={"Accept": "application/json"}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise PlatformServiceError(
                f"The platform's token endpoint could not be reached: {exc}", url=url
            ) from exc
        if not response.ok:
            said = _platform_message(response) or _reason(response)
            raise PlatformServiceError(
                f"The platform refused an access token: {said}",
                status=response.status_code,
                url=url,
            )
        try:
            body = response.json()
            token = body["access_token"]
            expires_in = int(body.get("expires_in") or DEFAULT_EXPIRES_IN)
        except (ValueError, KeyError, TypeError) as exc:
            raise PlatformServiceError(
                "The platform's token endpoint answered without an access token.",
                status=response.status_code,
                url=url,
            ) from exc
        if not isinstance(token, str) or not token:
            raise PlatformServiceError("The platform sent an empty access token.", url=url)
        return token, expires_in

    # -- service calls ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        scopes: Iterable[str],
        accept: str,
        json: Any = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        """Call ``url`` with a bearer token; one retry with a fresh token on a 401."""
        scopes = tuple(scopes)
        response = self._send(method, url, scopes, accept, json, content_type, params)
        if response.status_code == 401:
            self.forget_token(scopes)
            response = self._send(method, url, scopes, accept, json, content_type, params)
        if not response.ok:
            said = _platform_message(response)
            raise PlatformServiceError(
                f"The platform answered {response.status_code}: {said or _reason(response)}",
                status=response.status_code,
                url=url,
                explained=said is not None,
                retry_after=_retry_after(response),
            )
        return response

    def _send(
        self,
        method: str,
        url: str,
        scopes: tuple[str, ...],
        accept: str,
        json: Any,
        content_type: str | None,
        params: dict[str, str] | None,
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.access_token(scopes)}", "Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        data = None if json is None else jsonlib.dumps(json)
        try:
            return self.http.request(
                method, url, headers=headers, data=data, params=params, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise PlatformServiceError(
                f"The platform could not be reached: {exc}", url=url
            ) from exc

    @staticmethod
    def json_body(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise NotJsonError(response) from exc
