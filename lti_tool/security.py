"""Response headers that keep Peerloop's pages where they belong.

``Content-Security-Policy: frame-ancestors`` lists 'self' and the origins of the registered
platforms (issuer and OIDC login URL), so only those LMSs may frame the tool. The list is read
from the database and kept for ``CSP_CACHE_SECONDS`` per process: a registration made a few
seconds ago on another worker may take that long to be allowed to frame us, which is fine for
a header and saves a query per response.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.models import Platform
from lti_tool.web import session_factory

CSP_CACHE_SECONDS = 30


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
        self.expires = 0.0

    def get(self) -> str:
        now = time.monotonic()
        with self.lock:
            if self.value is not None and now < self.expires:
                return self.value
        value, readable = self._load()
        if readable:  # a failed read is not kept: the platforms are back once the database is
            with self.lock:
                self.value, self.expires = value, now + CSP_CACHE_SECONDS
        return value

    def invalidate(self) -> None:
        with self.lock:
            self.value = None

    def _load(self) -> tuple[str, bool]:
        """The sources, and whether the platforms could be read."""
        origins: list[str] = []
        try:
            with session_factory()() as session:
                rows = session.execute(select(Platform.issuer, Platform.auth_login_url)).all()
        except SQLAlchemyError:
            # No database, no list: fail closed, nobody else may frame us (never '*').
            logging.getLogger("peerloop").warning("frame-ancestors: platforms not readable")
            return "'self'", False
        for row in rows:
            for url in row:
                origin = _origin(url or "")
                if origin and origin not in origins:
                    origins.append(origin)
        return " ".join(["'self'", *origins]), True


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
        response.headers.setdefault(
            "Content-Security-Policy", f"frame-ancestors {frame_ancestors(app)}"
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
