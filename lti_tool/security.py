"""Response headers that keep Peerloop's pages where they belong.

``Content-Security-Policy: frame-ancestors`` lists 'self' and the origins of the active
registered platforms (issuer and OIDC login URL), so only those LMSs may frame the tool. The
list is kept per process and rebuilt when the ``platforms`` change counter moves (every
transaction that changes a platform row bumps it; see ``models.change_counter``), so a
registration added or removed by the CLI or another worker takes effect on the next response,
for the price of one primary-key read per response.

An error page that answers a launch (``/lti/login``, ``/lti/launch``) may also be framed by
the launch's own origin — the Origin or Referer of the LMS's request, and its issuer — so a
learner of an LMS whose registration is missing or gone reads "this LMS is not set up" inside
the course page instead of a broken frame. Those pages hold no action to click; never ``*``.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

import jwt
from flask import Flask, Response, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from lti_tool.db import session_factory
from lti_tool.lti.placement_links import PLACEMENT_PREFIX
from lti_tool.models import ChangeCounter, Platform
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


class _FrameAncestors:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: str | None = None
        self.version: int | None = None

    def get(self) -> str:
        try:
            with session_factory()() as session:
                version = session.scalar(
                    select(ChangeCounter.value).where(ChangeCounter.name == PLATFORMS)
                )
                with self.lock:
                    # No counter row (a database emptied by hand): no caching, read each time.
                    if version is not None and version == self.version and self.value:
                        return self.value
                value = self._load(session)
        except SQLAlchemyError:
            # No database, no list: the safe answer is that nobody else may frame us.
            logging.getLogger("peerloop").warning("frame-ancestors: platforms not readable")
            return "'self'"
        with self.lock:
            self.value, self.version = value, version
        return value

    def invalidate(self) -> None:
        with self.lock:
            self.value = None

    def _load(self, session: Session) -> str:
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
        return " ".join(["'self'", *origins])


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
    cache: _FrameAncestors = app.extensions["peerloop.frame_ancestors"]
    return cache.get()


def forget_frame_ancestors(app: Flask) -> None:
    """Recompute the list on the next response (call after adding or removing a platform)."""
    cache: _FrameAncestors = app.extensions["peerloop.frame_ancestors"]
    cache.invalidate()


def init_app(app: Flask) -> None:
    app.extensions["peerloop.frame_ancestors"] = _FrameAncestors()

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
