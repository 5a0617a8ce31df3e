"""The activity page: what a resource-link launch shows, and the staff's test score."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers.response import Response as BaseResponse

from activities import placements
from activities.placements import Placement
from lti_tool.auth import launch_required, staff_required
from lti_tool.db import current_settings, get_session
from lti_tool.errors import UserFacingError
from lti_tool.features.activity.forms import TestScoreForm
from lti_tool.lti.ags import sync_score
from lti_tool.lti.claims import PLACEMENT_PARAM
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.nrps import Member
from lti_tool.models import GradeSync, Platform
from lti_tool.roster import course_roster

NOTICES = {
    "sent": "Score sent to the LMS.",
    "failed": "The LMS did not take the score: see the grade sync table.",
}


def launch_placement(launch: LaunchContext) -> Placement:
    """The placement a resource-link launch opens (404 when there is none)."""
    return placements.find(
        get_session(),
        launch.platform_id,
        key=str(launch.custom.get(PLACEMENT_PARAM) or "") or None,
        resource_link_id=launch.resource_link_id,
    )


def launch_page(launch: LaunchContext, token: str) -> str:
    """The page of a resource-link launch: the placement it opens, with its ``launched``
    recorded and its resource link remembered (flushed; the launch view commits once)."""
    session = get_session()
    placement = launch_placement(launch)
    # Before this request's own writes: the roster keeps its own unit of work.
    roster = course_roster(launch) if launch.is_staff else ([], None)
    placements.launched(session, launch.participant, placement, launch.visit(current_settings()))
    return _page(launch, token, placement, roster)


@launch_required
def show(key: str, launch: LaunchContext, launch_token: str) -> str:
    placement = placements.find(get_session(), launch.platform_id, key=key)
    roster = course_roster(launch) if launch.is_staff else ([], None)
    return _page(launch, launch_token, placement, roster, NOTICES.get(request.args.get("sync", "")))


@staff_required
def send_test_score(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse:
    """Send one score for one learner to the LMS gradebook and show how it went."""
    session = get_session()
    placement = placements.find(session, launch.platform_id, key=key)
    if not launch.ags_endpoint:
        raise UserFacingError(
            "This LMS does not accept grades from Peerloop for this link (no AGS).",
            code="no_ags",
        )
    form = TestScoreForm.parse(request.form)
    platform = session.get(Platform, launch.platform_id)
    if platform is None:
        raise UserFacingError("This LMS is no longer registered.", status=403, code="no_platform")
    row = sync_score(
        session,
        platform=platform,
        endpoint=launch.ags_endpoint,
        placement=placement,
        user_sub=form.user_sub,
        score_given=form.score,
        score_maximum=form.maximum,
        timeout=current_settings().http_timeout_seconds,
    )
    session.commit()
    # Post/redirect/get; the launch token rides in the query of this in-frame link.
    return redirect(url_for(".show", key=placement.key, lt=launch_token, sync=row.status), 303)


def _page(
    launch: LaunchContext,
    token: str,
    placement: Placement,
    roster: tuple[list[Member], str | None],
    notice: str | None = None,
) -> str:
    members, roster_error = roster
    syncs: list[GradeSync] = []
    if launch.is_staff:
        syncs = list(
            get_session().scalars(
                select(GradeSync)
                .where(GradeSync.placement_id == placement.id)
                .order_by(GradeSync.user_sub)
            )
        )
    return render_template(
        "activity/show.html",
        launch=launch,
        launch_token=token,
        placement=placement,
        roster=members,
        roster_error=roster_error,
        syncs=syncs,
        names={member.user_id: member.name or member.user_id for member in members},
        notice=notice,
        can_grade=bool(launch.ags_endpoint),
        score_maximum=TestScoreForm.maximum,
    )
