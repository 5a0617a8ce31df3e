"""Access logs never keep a launch token or a page id: both let whoever reads them act as the
person who launched. ``redact`` blanks the values of ``lt`` and ``page`` in any URL or query
string; the werkzeug filter (development server) and the gunicorn logger class (production,
named by ``gunicorn.conf.py``) apply it to every request line and Referer they log. Our own
JSON log lines log ``request.path`` only, never the query.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

#: Query parameters that stand for a person's launch.
SECRET_PARAMS = ("lt", "page")
_SECRET = re.compile(r"(?<=[?&;])(" + "|".join(SECRET_PARAMS) + r")=[^&;#\s\"]*")


def redact(text: str) -> str:
    """``text`` with the value of every ``lt=`` and ``page=`` query parameter replaced."""
    return _SECRET.sub(r"\1=[redacted]", text)


def _redacts_first(text: str) -> str:
    # A bare query string (gunicorn's %(q)s) has no leading ? or &: give it one to match.
    return redact("?" + text)[1:]


class RedactingFilter(logging.Filter):
    """For the ``werkzeug`` logger: its request lines hold the raw URL as an argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_werkzeug_filter() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


class RedactingGunicornLogger(GunicornLogger):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's access log with the request line, query and Referer redacted."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in ("r", "f", "{referer}i", "{raw_uri}e"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        if isinstance(atoms.get("q"), str):
            atoms["q"] = _redacts_first(atoms["q"])
        return atoms
