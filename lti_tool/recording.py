"""Launches, page events and placements as xAPI statements, queued in the caller's transaction.

The one place that maps what a launch told us (``LaunchContext``) and a ``Placement`` onto the
inputs of ``xapi.builders``. Every function only adds outbox rows to ``session``: the view's
commit sends them (or its rollback drops them with the interaction), and nobody waits for an
LRS. Each returns False when there was nothing to record (no placement, an anonymous launch,
a first view or a launch's end already recorded), True when the statement went to the outbox
(for every enabled destination).

Statement ids are deterministic, so a replay never counts twice:
``launched`` and ``terminated`` come from the launch id (one each per launch), ``initialized``
from the learner's registration in the placement (the first view only), ``shared`` from the
placement's key.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session
from tincan import Statement

from lrs_client.tables import Destination, OutboxRow
from lti_tool.config import Settings
from lti_tool.launch_context import LaunchContext
from lti_tool.lrs import record
from lti_tool.models import Placement
from lti_tool.models._time import utcnow
from lti_tool.web import settings as current_settings
from xapi import builders
from xapi.actors import account_name
from xapi.ids import registration_id, statement_id
from xapi.inputs import Row, Where, Who, XapiOptions
from xapi.interactions import LAUNCHED
from xapi.objects import placement_key
from xapi.serialize import to_json

PageEvent = Literal["initialized", "terminated"]
PAGE_EVENTS: tuple[PageEvent, ...] = ("initialized", "terminated")


def options_from(settings: Settings) -> XapiOptions:
    """What statements may reveal, from the PEERLOOP_XAPI_* settings (validated when the
    settings were read, so a bad combination never gets this far)."""
    return settings.xapi_options()


def who_from(launch: LaunchContext) -> Who | None:
    """The launching user, or None for an anonymous launch (LTI allows one without ``sub``)."""
    if not launch.sub:
        return None
    return Who(issuer=launch.issuer, sub=launch.sub, name=launch.name, email=launch.email)


def where_from(launch: LaunchContext, placement: Placement, settings: Settings) -> Where:
    """The placement in its course. The placement is identified by our own key, not the LTI
    resource link id: the key exists from deep linking on, while the resource link id is only
    known from the first launch, and the activity must be the same IRI in both statements
    (the resource link id, when the launch has one, goes in its own extension).
    Its deployment is the placement's, for the same reason (a course copy launches it from
    another deployment)."""
    platform = {key: value for key, value in launch.tool_platform.items() if isinstance(value, str)}
    return Where(
        tool_url=settings.base_url,
        course_id=launch.context_id or placement.context_id or "",
        course_title=launch.context_title,
        placement_id=placement.key,
        resource_link_id=launch.resource_link_id,
        placement_title=placement.title,
        deployment_id=placement.deployment_id,
        activity_kind="reflection",
        tool_platform=platform or None,
        language=launch.locale,
    )


def _parts(
    launch: LaunchContext, placement: Placement, settings: Settings | None
) -> tuple[Who, Where, XapiOptions, Settings] | None:
    settings = settings or current_settings()
    who = who_from(launch)
    if who is None:
        return None
    return who, where_from(launch, placement, settings), options_from(settings), settings


def _queue(session: Session, statement: Statement, settings: Settings) -> bool:
    record(session, to_json(statement, settings.lrs_version))
    return True


def record_launch(
    session: Session,
    launch: LaunchContext,
    placement: Placement | None = None,
    *,
    settings: Settings | None = None,
    at: datetime | None = None,
) -> bool:
    """Queue ``launched`` for a resource-link launch of ``placement``. A launch without a
    placement (the deep-linking picker) has no activity to be the object, so records nothing."""
    if placement is None or not launch.launch_id:
        return False
    parts = _parts(launch, placement, settings)
    if parts is None:
        return False
    who, where, options, settings = parts
    row = Row(kind="launch", id=launch.launch_id, at=at or utcnow())
    return _queue(session, builders.launched(who, where, row, options=options), settings)


def _already_queued(session: Session, statement: Statement) -> bool:
    """Whether any destination's outbox holds ``statement``'s id. Asked per destination so
    the outbox's unique (destination, statement id) index answers, not a scan of every
    statement ever sent."""
    found = session.scalar(
        select(OutboxRow.id)
        .where(
            OutboxRow.destination_id.in_(select(Destination.id)),
            OutboxRow.statement_id == str(statement.id),
        )
        .limit(1)
    )
    return found is not None


def _launched_at(session: Session, launch: LaunchContext) -> datetime | None:
    """When this launch's ``launched`` statement says it began, if it was queued."""
    launched_id = statement_id("launch", launch.launch_id, LAUNCHED.verb.iri)
    payload = session.scalar(
        select(OutboxRow.payload)
        .where(
            OutboxRow.destination_id.in_(select(Destination.id)),
            OutboxRow.statement_id == str(launched_id),
        )
        .limit(1)
    )
    if payload is None:
        return None
    try:
        return datetime.fromisoformat(json.loads(payload)["timestamp"])
    except (ValueError, KeyError, TypeError):
        return None


def record_page_event(
    session: Session,
    launch: LaunchContext,
    placement: Placement,
    verb: PageEvent,
    *,
    settings: Settings | None = None,
    at: datetime | None = None,
    duration: timedelta | None = None,
) -> bool:
    """Queue ``initialized`` (the learner's first view of the placement, ever) or
    ``terminated`` (the page of this launch was left; once per launch), the latter with the
    time since the launch as its duration unless ``duration`` is given."""
    if verb not in PAGE_EVENTS:
        raise ValueError(f"not a page event: {verb!r}")
    parts = _parts(launch, placement, settings)
    if parts is None:
        return False
    who, where, options, settings = parts
    at = at or utcnow()
    if verb == "initialized":
        # Keyed by the registration (learner × placement), which holds the pseudonym rather
        # than the LMS sub when pseudonymising.
        registration = registration_id(
            who.issuer, account_name(who, options), placement_key(who.issuer, where)
        )
        row = Row(kind="registration", id=str(registration), at=at)
        statement = builders.initialized(who, where, row, options=options)
        # Only the first view: a later one would carry another timestamp under the same id,
        # which an LRS rejects (409) — and a destination added since must not get it either.
        if _already_queued(session, statement):
            return False
    else:
        if not launch.launch_id:
            return False
        row = Row(kind="launch", id=launch.launch_id, at=at)
        if duration is None:
            started = _launched_at(session, launch)
            # The time from the launch to leaving the page; none for a clock that went back.
            duration = at - started if started is not None and started <= at else None
        statement = builders.terminated(who, where, row, duration=duration, options=options)
        if _already_queued(session, statement):
            return False
    return _queue(session, statement, settings)


def record_placement_created(
    session: Session,
    launch: LaunchContext,
    placement: Placement,
    *,
    settings: Settings | None = None,
) -> bool:
    """Queue ``shared``: the instructor of the deep-linking ``launch`` placed the activity."""
    parts = _parts(launch, placement, settings)
    if parts is None:
        return False
    who, where, options, settings = parts
    # The random key, not the integer id: ids restart with every database, and an LRS shared
    # by two installations (or a rebuilt one) would see one statement id for two placements.
    row = Row(kind="placement", id=placement.key, at=placement.created_at or utcnow())
    return _queue(session, builders.placement_shared(who, where, row, options=options), settings)
