"""The course roster for staff pages: NRPS members, cached in the shared launch store.

Its own unit of work (a session of its own, committed here): the access token the platform
gives is kept even when the page's own transaction is rolled back, and the cache write never
waits on the page's open transaction (SQLite allows one writer at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from activities.roster import RosterEntry, RosterFetch, is_fresh, last_fetch, record_failure, store
from lti_tool.db import current_settings, session_factory, session_scope
from lti_tool.lti.claims import SCOPE_NRPS
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


@dataclass(frozen=True)
class RosterStatus:
    """What staff pages say about the course's stored roster."""

    #: The LMS shares the roster (an NRPS claim in the launch).
    available: bool
    #: When the stored members were fetched (None: never).
    fetched_at: datetime | None = None
    #: The last attempt failed with this (the platform's words); the old members stay.
    error: str | None = None
    member_count: int = 0
    #: This call asked the LMS (the stored roster was stale, or a refresh was asked for).
    fetched_now: bool = False


def _status(
    fetch: RosterFetch | None, *, available: bool = True, fetched_now: bool = False
) -> RosterStatus:
    if fetch is None:
        return RosterStatus(available)
    return RosterStatus(available, fetch.fetched_at, fetch.error, fetch.member_count, fetched_now)


def sync_roster(
    launch: LaunchContext, context_id: str | None, *, force: bool = False
) -> RosterStatus:
    """Bring the stored roster of the launch's course up to date: fetched again (all NRPS
    pages) when the last attempt is older than ``roster_max_age_minutes`` or ``force``.
    Its own unit of work, committed here (like ``course_roster``): a failure is kept as the
    course's last error while the members it had stay."""
    try:
        return _sync(launch, context_id, force=force)
    except IntegrityError:
        # Another staff page stored the same course's roster at the same moment: show theirs.
        with session_scope(session_factory()) as session:
            return _status(last_fetch(session, launch.platform_id, context_id or ""))


def _sync(launch: LaunchContext, context_id: str | None, *, force: bool) -> RosterStatus:
    url = (launch.nrps or {}).get("context_memberships_url")
    settings = current_settings()
    with session_scope(session_factory()) as session:
        fetch = last_fetch(session, launch.platform_id, context_id) if context_id else None
        if not url or not context_id:
            return _status(fetch, available=False)
        max_age = timedelta(minutes=settings.roster_max_age_minutes)
        if not force and is_fresh(fetch, max_age):
            return _status(fetch)
        platform = session.get(Platform, launch.platform_id)
        error = None
        members: list[Member] = []
        if platform is None or not platform.active:
            error = "This LMS is no longer registered with Peerloop."
        else:
            client = ServiceClient(session, platform, timeout=settings.http_timeout_seconds)
            try:
                # The token first, committed: caching it writes, and SQLite must not hold
                # its one write lock while the LMS serves every roster page.
                client.access_token((SCOPE_NRPS,))
                session.commit()
                members = NrpsClient(client, url).members(limit=ROSTER_PAGE)
            except PlatformServiceError as exc:
                error = exc.message
        if error is not None:
            fetch = record_failure(session, launch.platform_id, context_id, error)
        else:
            fetch = store(session, launch.platform_id, context_id, map(_entry, members))
        return _status(fetch, fetched_now=True)


def _entry(member: Member) -> RosterEntry:
    joined = " ".join(p for p in (member.given_name, member.family_name) if p)
    return RosterEntry(
        user_sub=member.user_id,
        name=member.name or joined or None,
        email=member.email,
        roles=member.roles,
        active=member.status.lower() == "active",
    )
