"""Reading statements back: GET statements with the xAPI filters, following ``more``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from lrs_client.transport import Transport


def query(
    transport: Transport,
    *,
    agent: Mapping[str, Any] | None = None,
    verb: str | None = None,
    activity: str | None = None,
    registration: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    related_activities: bool = False,
    related_agents: bool = False,
    ascending: bool = False,
    limit: int | None = None,
    page_size: int = 500,
) -> Iterator[dict[str, Any]]:
    """Yield every matching statement, page after page until the LRS has no ``more``.
    ``agent`` is an xAPI Agent object; ``limit`` caps the total yielded (None: all of them).
    Raises a ``lrs_client.errors.LrsError`` when the LRS cannot be read."""
    params: dict[str, Any] = {"limit": min(page_size, limit) if limit else page_size}
    if agent is not None:
        params["agent"] = json.dumps(dict(agent), separators=(",", ":"))
    if verb:
        params["verb"] = verb
    if activity:
        params["activity"] = activity
    if registration:
        params["registration"] = registration
    if since is not None:
        params["since"] = _timestamp(since)
    if until is not None:
        params["until"] = _timestamp(until)
    if related_activities:
        params["related_activities"] = "true"
    if related_agents:
        params["related_agents"] = "true"
    if ascending:
        params["ascending"] = "true"
    yielded = 0
    page = transport.get_statements(params)
    while True:
        for statement in page.get("statements", []):
            yield statement
            yielded += 1
            if limit is not None and yielded >= limit:
                return
        more = page.get("more")
        if not more:
            return
        page = transport.get_statements(more=more)


def _timestamp(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("since/until need a timezone-aware datetime")
    return value.isoformat()
