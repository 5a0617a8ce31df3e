"""The course roster for staff pages: NRPS members, cached in the shared launch store.

Its own unit of work (a session of its own, committed here): the access token the platform
gives is kept even when the page's own transaction is rolled back, and the cache write never
waits on the page's open transaction (SQLite allows one writer at a time).
"""

from __future__ import annotations

from flask import current_app

from lti_tool.db import current_settings, session_factory, session_scope
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch_state import make_store
from lti_tool.lti.nrps import Member, NrpsClient, RosterCache
from lti_tool.lti.service_client import PlatformServiceError, ServiceClient
from lti_tool.models import Platform

#: Page size asked of the platform's roster service.
ROSTER_PAGE = 100


def course_roster(launch: LaunchContext) -> tuple[list[Member], str | None]:
    """The launch's course members, or none and a sentence saying why not."""
    url = (launch.nrps or {}).get("context_memberships_url")
    if not url:
        return [], "This LMS does not share the course roster with Peerloop (no NRPS)."
    settings = current_settings()
    cache = RosterCache(
        make_store(settings, current_app.extensions["peerloop.engine"]), launch.platform_id, url
    )
    members = cache.get()
    if members is not None:
        return members, None
    with session_scope(session_factory()) as session:
        platform = session.get(Platform, launch.platform_id)
        if platform is None:
            return [], "This LMS is no longer registered with Peerloop."
        client = ServiceClient(session, platform, timeout=settings.http_timeout_seconds)
        try:
            members = NrpsClient(client, url).members(limit=ROSTER_PAGE)
        except PlatformServiceError as exc:
            return [], f"The course roster could not be loaded: {exc.message}"
    cache.put(members)
    return members, None
