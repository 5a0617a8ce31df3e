"""Response headers that keep Peerloop's pages where they belong.

``Content-Security-Policy: frame-ancestors`` lists 'self' and the origins of the active
registered platforms (issuer and OIDC login URL; see ``platform_origins``), so only those LMSs
may frame the tool. The list is kept per process and costs a response no database work:

- a change committed in this process (dynamic registration in this worker; in tests, a session
  or the CLI runner) is seen by the next response (``change_counter.local_platform_changes``);
- a change made by another process bumps the ``platforms`` change counter (every transaction
  that changes a platform row does; see ``models.change_counter``), which this process reads
  at most once per ``REVALIDATE_SECONDS`` (one primary-key read), rebuilding the list when it
  moved (or, without a counter row, every time it reads). So another worker's or the
  ``peerloop`` CLI's change reaches every response within that bound.

The bound applies to framing only, never to launch acceptance: a deactivated platform's
launches are refused at once by ``lti.launch``, which reads the registration itself.

An error page that answers a launch (``/lti/login``, ``/lti/launch``) may also be framed by
the launch's own origin — the Origin or Referer of the LMS's request, and its issuer — so a
learner of an LMS whose registration is missing or gone reads "this LMS is not set up" inside
the course page instead of a broken frame. Those pages hold no action to click; never ``*``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import jwt
from flask import Flask, Response, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from lti_tool.db import session_factory
from lti_tool.lti.placement_links import PLACEMENT_PREFIX
from lti_tool.models import ChangeCounter, Platform, change_counter
from lti_tool.models.change_counter import PLATFORMS

#: The launch endpoints whose error pages the launching LMS may frame.
LAUNCH_PATHS = frozenset({"/lti/login", "/lti/launch", "/lti/launch/verify"})


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    # Only characters a CSP source may hold: anything else in a registered URL is dropped.
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if any(c in netloc for c in " ;,'\""):
        return None
    return f"{parts.scheme}://{netloc}"


#: How often a process rereads the ``platforms`` change counter (seconds): the longest a
#: registration changed by *another* process waits to reach this process's CSP.
REVALIDATE_SECONDS = 5.0


def platform_origins(session: Session) -> list[str]:
    """The origins that may frame the tool besides 'self': each active platform's issuer,
    OIDC login URL and stored frame origins, once each, in a stable order. (The one place
    that says which.)"""
    origins: list[str] = []
    rows = session.execute(
        select(Platform.issuer, Platform.auth_login_url, Platform.frame_origins).where(
            Platform.deactivated_at.is_(None)
        )
    ).all()
    for issuer, login_url, frame_origins in rows:
        # Stored frame origins: Canvas frames from the school's domain, not its issuer's.
        for url in [issuer, login_url, *(frame_origins or "").split()]:
            origin = _origin(url or "")
            if origin and origin not in origins:
                origins.append(origin)
    return origins


class FrameAncestors:
    """The ``frame-ancestors`` sources, per process (see the module's docstring)."""

    def __init__(
        self,
        revalidate_seconds: float = REVALIDATE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.Lock()
        self.revalidate_seconds = revalidate_seconds
        self.clock = clock
        self.value: str | None = None
        #: The change counter the value was built at; None: no counter row, no caching.
        self.version: int | None = None
        #: ``local_platform_changes`` when the value was built or revalidated.
        self.local = -1
        #: When the counter was last read (``clock``).
        self.checked_at = 0.0

    def get(self) -> str:
        local = change_counter.local_platform_changes
        with self.lock:
            if (
                self.value is not None
                and self.local == local
                and self.clock() - self.checked_at < self.revalidate_seconds
            ):
                return self.value
            known, known_version = self.value, self.version
        try:
            with session_factory()() as session:
                version = session.scalar(
                    select(ChangeCounter.value).where(ChangeCounter.name == PLATFORMS)
                )
                # Unchanged if the counter says so; without a counter row (a database emptied
                # by hand) nothing can say so, and the list is read again.
                if known is None or version is None or version != known_version:
                    known = " ".join(["'self'", *platform_origins(session)])
        except SQLAlchemyError:
            # No database, no list: the safe answer is that nobody else may frame us.
            logging.getLogger("peerloop").warning("frame-ancestors: platforms not readable")
            return "'self'"
        with self.lock:
            self.value, self.version, self.local = known, version, local
            self.checked_at = self.clock()
        return known

    def invalidate(self) -> None:
        with self.lock:
            self.value = None


def launch_origins() -> list[str]:
    """Where the current launch request came from: its Origin or Referer, and the issuer it
    names (the login's ``iss``, or the unverified ``iss`` of the launch's id_token — only
    ever used to let that LMS show our error page)."""
    candidates = [request.headers.get("Origin", ""), request.headers.get("Referer", "")]
    try:
        issuer = request.values.get("iss", "")
        if not issuer and request.form.get("id_token"):
            claims = jwt.decode(request.form["id_token"], options={"verify_signature": False})
            issuer = str(claims.get("iss") or "")
    except (HTTPException, jwt.PyJWTError):  # an oversized or unreadable form names nobody
        issuer = ""
    candidates.append(issuer)
    origins: list[str] = []
    for candidate in candidates:
        origin = _origin(candidate[:2048]) if candidate and candidate != "null" else None
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def frame_ancestors(app: Flask) -> str:
    """The ``frame-ancestors`` sources for ``app``: 'self' and every registered platform."""
    cache: FrameAncestors = app.extensions["peerloop.frame_ancestors"]
    return cache.get()


def forget_frame_ancestors(app: Flask) -> None:
    """Recompute the list on the next response (call after adding or removing a platform)."""
    cache: FrameAncestors = app.extensions["peerloop.frame_ancestors"]
    cache.invalidate()


def init_app(app: Flask) -> None:
    app.extensions["peerloop.frame_ancestors"] = FrameAncestors()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        sources = frame_ancestors(app)
        launching = request.path in LAUNCH_PATHS or request.path.startswith(PLACEMENT_PREFIX)
        if response.status_code >= 400 and launching:
            known = sources.split()
            sources = " ".join([*known, *(o for o in launch_origins() if o not in known)])
        response.headers.setdefault("Content-Security-Policy", f"frame-ancestors {sources}")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Origin only, even to ourselves: page URLs carry a page id (?page=) that must not
        # travel in a Referer (to the LMS, or into our own access log). Unlike no-referrer it
        # keeps the Origin header /lti/launch/verify checks.
        response.headers.setdefault("Referrer-Policy", "strict-origin")
        return response
