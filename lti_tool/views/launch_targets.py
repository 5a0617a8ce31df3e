"""What a successful launch shows. Called by the launch view once validation succeeded.

A deep-linking request opens the picker (staff only); a resource-link launch opens the
placement it was created for (found by the ``peerloop_placement`` custom parameter we put in
the deep-link item, or by the resource link id once recorded).
"""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select

from lti_tool.errors import UserFacingError
from lti_tool.launch_context import LaunchContext
from lti_tool.lti.launch_state import make_store
from lti_tool.lti.nrps import Member, NrpsClient, RosterCache
from lti_tool.lti.service_client import PlatformServiceError, ServiceClient
from lti_tool.models import GradeSync, Placement, Platform
from lti_tool.recording import record_launch
from lti_tool.web import db, settings

PLACEMENT_PARAM = "peerloop_placement"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
#: Page size asked of the platform's roster service.
ROSTER_PAGE = 100


class PlacementNotFoundError(UserFacingError):
    status = 404
    title = "This activity is not set up"


def render_launch_target(launch: LaunchContext, token: str) -> str:
    """Return the HTML for the page the launch lands on (picker, placement…)."""
    if launch.message_type == DEEP_LINKING_REQUEST:
        if not launch.is_staff:
            raise UserFacingError(
                "Only instructors of this course can add activities.", status=403, code="not_staff"
            )
        return render_template("deep_linking/picker.html", launch=launch, launch_token=token)
    placement = find_placement(launch)
    if placement.resource_link_id is None and launch.resource_link_id:
        # First launch of the new link: the platform's resource link id is now known.
        placement.resource_link_id = launch.resource_link_id
        db().commit()
    page = render_placement(launch, token, placement)
    record_launch(db(), launch, placement)
    db().commit()  # the launch's xAPI statement, queued once its page is ready
    return page


def find_placement(launch: LaunchContext, key: str | None = None) -> Placement:
    """The launch's placement on its own platform; 404 if there is none."""
    key = key or str(launch.custom.get(PLACEMENT_PARAM) or "") or None
    query = select(Placement).where(Placement.platform_id == launch.platform_id)
    placement = None
    if key:
        placement = db().scalars(query.where(Placement.key == key)).first()
    elif launch.resource_link_id:
        placement = (
            db().scalars(query.where(Placement.resource_link_id == launch.resource_link_id)).first()
        )
    if placement is None:
        raise PlacementNotFoundError(
            "This link does not lead to a Peerloop activity. An instructor can add one with "
            "the LMS's “add external tool” (Deep Linking) option.",
            code="placement_not_found",
        )
    return placement


def render_placement(
    launch: LaunchContext, token: str, placement: Placement, notice: str | None = None
) -> str:
    roster: list[Member] = []
    roster_error = None
    syncs: list[GradeSync] = []
    if launch.is_staff:
        roster, roster_error = _roster(launch)
        syncs = list(
            db().scalars(
                select(GradeSync)
                .where(GradeSync.placement_id == placement.id)
                .order_by(GradeSync.user_sub)
            )
        )
    return render_template(
        "placement/show.html",
        launch=launch,
        launch_token=token,
        placement=placement,
        roster=roster,
        roster_error=roster_error,
        syncs=syncs,
        names={member.user_id: member.name or member.user_id for member in roster},
        notice=notice,
        can_grade=bool(launch.ags_endpoint),
    )


def _roster(launch: LaunchContext) -> tuple[list[Member], str | None]:
    url = (launch.nrps or {}).get("context_memberships_url")
    if not url:
        return [], "This LMS does not share the course roster with Peerloop (no NRPS)."
    platform = db().get(Platform, launch.platform_id)
    if platform is None:
        return [], "This LMS is no longer registered with Peerloop."
    cache = RosterCache(
        make_store(settings(), current_app.extensions["peerloop.engine"]), platform.id, url
    )
    members = cache.get()
    if members is not None:
        return members, None
    client = ServiceClient(db(), platform, timeout=settings().http_timeout_seconds)
    try:
        members = NrpsClient(client, url).members(limit=ROSTER_PAGE)
    except PlatformServiceError as exc:
        return [], f"The course roster could not be loaded: {exc.message}"
    # Keep the access token we were given; committed first, as the store may be this same
    # database (SQLite allows one writer at a time).
    db().commit()
    cache.put(members)
    return members, None
