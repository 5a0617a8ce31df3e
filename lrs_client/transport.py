"""HTTP to one LRS over a keep-alive ``requests.Session`` with explicit timeouts.

Not ``tincan.RemoteLRS`` (tincan 1.0.0): it calls ``http.client`` with no timeout, so a silent
LRS blocks it for ever, opens a connection per call, and ``save_statements`` raises
``JSONDecodeError`` on the empty 204 some LRSs answer to an all-duplicate batch. Every failure
becomes one of ``lrs_client.errors``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from lrs_client.errors import (
    LrsConfigError,
    LrsRejectedError,
    LrsUnavailableError,
    LrsUnreachableError,
)
from lrs_client.tables import utcnow
from lrs_client.versions import DEFAULT_VERSION

DEFAULT_TIMEOUTS = (5.0, 30.0)  # (connect, read) seconds


class Transport:
    """One LRS: its endpoint, credentials and version, and a session reused across calls."""

    def __init__(
        self,
        endpoint: str,
        username: str = "",
        password: str = "",
        xapi_version: str = DEFAULT_VERSION,
        timeouts: tuple[float, float] = DEFAULT_TIMEOUTS,
    ) -> None:
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.shown = redact_url(self.endpoint)  # the endpoint as messages show it
        self.xapi_version = xapi_version
        self.timeouts = timeouts
        self.session = requests.Session()
        if username or password:
            self.session.auth = (username, password)
        self.session.headers.update(
            {"X-Experience-API-Version": xapi_version, "User-Agent": "peerloop-lrs-client"}
        )

    def close(self) -> None:
        self.session.close()

    # --- calls ----------------------------------------------------------------------------

    def about(self) -> list[str]:
        """The xAPI versions the LRS says it speaks (GET about, which needs no credentials)."""
        response = self._call("GET", self.endpoint + "about")
        try:
            versions = response.json().get("version", [])
        except (ValueError, AttributeError):
            versions = None
        if not isinstance(versions, list):
            raise LrsConfigError(
                f"{self.shown}about did not answer like an xAPI LRS "
                f"(HTTP {response.status_code}, {_excerpt(response)}). Check the LRS URL.",
            )
        return [str(v) for v in versions]

    def check(self) -> list[str]:
        """Prove the LRS answers, speaks our version and accepts our credentials. Returns the
        versions it announced; raises a ``LrsError`` with an operator's message otherwise."""
        versions: list[str] | None
        try:
            versions = self.about()
        except LrsConfigError as error:
            if error.kind != "url":
                raise
            # Some LRSs lack the about resource xAPI requires (Ralph 5.1 answers 404): the
            # version cannot be verified, and the statements read below proves the URL.
            versions = None
        if versions is not None and not any(
            v == self.xapi_version or v.startswith(self.xapi_version) for v in versions
        ):
            raise LrsConfigError(
                f"The LRS at {self.shown} does not speak xAPI {self.xapi_version} "
                f"(it answered {', '.join(versions) or 'no version'}). "
                "Change the destination's xAPI version.",
                kind="version",
            )
        # about is public; a one-statement read proves the credentials.
        self._call("GET", self.endpoint + "statements", params={"limit": 1})
        return versions or []

    def post_statements(self, payloads: Iterable[str]) -> None:
        """POST a batch. ``payloads`` are statements already serialised as JSON objects, so a
        batch is joined, not re-encoded. Success includes the LRS answering "already stored"
        (200 with ids, or 204 with an empty body for an all-duplicate batch)."""
        body = "[" + ",".join(self._versioned(payload) for payload in payloads) + "]"
        self._call("POST", self.endpoint + "statements", data=body.encode("utf-8"))

    def put_statement(self, statement_id: str, payload: str) -> None:
        """PUT one statement at its id (used to isolate the bad one in a rejected batch)."""
        self._call(
            "PUT",
            self.endpoint + "statements",
            params={"statementId": statement_id},
            data=self._versioned(payload).encode("utf-8"),
        )

    def get_statement(self, statement_id: str) -> dict[str, Any] | None:
        """The statement the LRS holds under ``statement_id``, or None (404)."""
        response = self._call(
            "GET", self.endpoint + "statements", params={"statementId": statement_id}, ok=(404,)
        )
        if response.status_code == 404:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def get_statements(
        self, params: Mapping[str, Any] | None = None, more: str | None = None
    ) -> dict[str, Any]:
        """One page of GET statements: first with ``params``, then with a ``more`` URL."""
        if more:
            response = self._call("GET", urljoin(self.endpoint, more))
        else:
            response = self._call("GET", self.endpoint + "statements", params=dict(params or {}))
        try:
            body: dict[str, Any] = response.json()
        except ValueError as exc:
            raise LrsRejectedError(
                f"The LRS at {self.shown} answered a query with something that is not JSON",
                response.status_code,
            ) from exc
        return body

    # --- plumbing -------------------------------------------------------------------------

    def _versioned(self, payload: str) -> str:
        """The statement with this LRS's xAPI version: the outbox keeps one payload for every
        destination, and a strict 1.0.3 LRS refuses ``"version": "2.0.0"`` (and vice versa).
        The text is kept as is when it already says the right version (the usual case)."""
        statement = json.loads(payload)
        if not isinstance(statement, dict) or statement.get("version") in (None, self.xapi_version):
            return payload
        statement["version"] = self.xapi_version
        return json.dumps(statement, separators=(",", ":"), ensure_ascii=False)

    def _call(
        self, method: str, url: str, ok: tuple[int, ...] = (), **kwargs: Any
    ) -> requests.Response:
        if "data" in kwargs:
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        try:
            response = self.session.request(method, url, timeout=self.timeouts, **kwargs)
        except requests.exceptions.ConnectTimeout as exc:
            raise LrsUnreachableError(
                f"Cannot reach the LRS at {self.shown} (no connection within "
                f"{self.timeouts[0]:g} s). Check the LRS URL and the network.",
                maybe_sent=False,
            ) from exc
        except requests.exceptions.ReadTimeout as exc:
            raise LrsUnreachableError(
                f"The LRS at {self.shown} accepted the connection but did not answer within "
                f"{self.timeouts[1]:g} s."
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            # No connection (refused, DNS) tells an LRS that is down from one that dropped
            # the answer to a request it may have stored (reset, closed mid-answer).
            refused = any(
                s in str(exc) for s in ("refused", "NewConnectionError", "NameResolution")
            )
            reason = "connection refused" if refused else "connection failed"
            raise LrsUnreachableError(
                f"Cannot reach the LRS at {self.shown} ({reason}). Check the LRS URL.",
                maybe_sent=not refused,
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise LrsUnreachableError(
                f"Cannot talk to the LRS at {self.shown}: {type(exc).__name__}"
            ) from exc
        if response.status_code not in ok:
            _raise_for_status(response, self.shown, self.xapi_version)
        return response


def redact_url(url: str) -> str:
    """``url`` with any password in it replaced, for messages, logs and `lrs status`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]  # as written: keeps an IPv6 literal's brackets
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _raise_for_status(response: requests.Response, endpoint: str, version: str) -> None:
    status = response.status_code
    if status < 400:
        return
    message = _excerpt(response)
    if status in (401, 403):
        raise LrsConfigError(
            f"The LRS at {endpoint} refused our credentials ({status}): {message}. "
            "Check the username and password.",
            kind="credentials",
        )
    if status == 404:
        raise LrsConfigError(
            f"Nothing answers xAPI at {redact_url(response.url)} (404). Check the LRS URL: it "
            "must be the xAPI base URL (the one that ends before 'statements').",
            kind="url",
        )
    if status == 429 or status >= 500:
        raise LrsUnavailableError(
            f"The LRS at {endpoint} is unavailable ({status}): {message}",
            status,
            _retry_after(response.headers.get("Retry-After")),
        )
    # A strict LRS answers 400 to every request when the version header is one it does not
    # speak; that is a destination problem, not a bad statement, so nothing may be parked dead.
    if status == 400 and "X-Experience-API-Version" in message:
        raise LrsConfigError(
            f"The LRS at {endpoint} does not speak xAPI {version} (it answered {message}). "
            "Change the destination's xAPI version.",
            kind="version",
        )
    raise LrsRejectedError(f"{status}: {message}", status)


def _excerpt(response: requests.Response, limit: int = 1000) -> str:
    """The LRS's own message: ``message``/``warnings`` of a JSON error, else the body text."""
    text = response.text or ""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("message", "error", "warnings") if body.get(key)]
        if parts:
            text = "; ".join(parts)
    text = " ".join(text.split())
    return (text[:limit] + "…") if len(text) > limit else (text or "(empty body)")


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
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
    return max(0.0, (when - utcnow()).total_seconds())
