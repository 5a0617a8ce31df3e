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
    """The placement the token's launch opened: its platform, course and resource link (reads
    only; 404 when there is none). Everything a later request does is checked against it."""
    return placements.find(
        get_session(),
        launch.platform_id,
        key=_launch_key(launch),
        context_id=launch.context_id,
        resource_link_id=launch.resource_link_id,
    )


def _launch_key(launch: LaunchContext) -> str | None:
    return str(launch.custom.get(PLACEMENT_PARAM) or "") or None


def launch_page(launch: LaunchContext, token: str) -> str:
    """The page of a resource-link launch: the placement it opens (a copy of it when the key
    comes from another course or link), with its ``launched`` recorded and its resource link
    remembered (flushed; the launch view commits once)."""
    session = get_session()
    placement = placements.for_launch(
        session,
        launch.platform_id,
        key=_launch_key(launch),
        context_id=launch.context_id,
        resource_link_id=launch.resource_link_id,
        deployment_id=launch.deployment_id,
    )
    # Before this request's own writes: the roster keeps its own unit of work.
    roster = course_roster(launch) if launch.is_staff else ([], None)
    placements.launched(session, launch.participant, placement, launch.visit(current_settings()))
    return _page(launch, token, placement, roster)


def tokens_placement(launch: LaunchContext, key: str) -> Placement:
    """The placement ``key`` names, if it is the one the launch token was issued for (same
    platform, course and link): a token of one activity never opens or grades another."""
    placement = launch_placement(launch)
    if placement.key != key:
        raise UserFacingError(
            "This page belongs to another activity than the one your LMS opened. Open the "
            "activity from your course.",
            status=403,
            code="placement_token_mismatch",
        )
    return placement


@launch_required
def show(key: str, launch: LaunchContext, launch_token: str) -> str:
    placement = tokens_placement(launch, key)
    roster = course_roster(launch) if launch.is_staff else ([], None)
    return _page(launch, launch_token, placement, roster, NOTICES.get(request.args.get("sync", "")))


@staff_required
def send_test_score(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse:
    """Send one score for one learner to the LMS gradebook and show how it went."""
    session = get_session()
    placement = tokens_placement(launch, key)
    platform = session.get(Platform, launch.platform_id)
    if platform is None or not platform.active or platform.issuer != launch.issuer:
        raise UserFacingError("This LMS is no longer registered.", status=403, code="no_platform")
    if not launch.ags_endpoint:
        raise UserFacingError(
            "This LMS does not accept grades from Peerloop for this link (no AGS).",
            code="no_ags",
        )
    if not can_grade(launch, placement):
        raise UserFacingError(
            "Grading is off for this activity, so Peerloop sends no scores to the LMS "
            "gradebook (and creates no gradebook column).",
            code="grading_off",
        )
    form = TestScoreForm.parse(request.form, maximum=score_maximum(placement))
    row = sync_score(
        session,
        platform=platform,
        endpoint=launch.ags_endpoint,
        placement=placement,
        resource_link_id=launch.resource_link_id,
        user_sub=form.user_sub,
        score_given=form.score,
        score_maximum=form.maximum,
        timeout=current_settings().http_timeout_seconds,
    )
    session.commit()
    # Post/redirect/get; the launch token rides in the query of this in-frame link.
    return redirect(url_for(".show", key=placement.key, lt=launch_token, sync=row.status), 303)


def can_grade(launch: LaunchContext, placement: Placement) -> bool:
    """Scores can go to the LMS: it offers AGS for this link, and either grading is on for the
    placement or the LMS gave the link a line item of its own (the teacher set one up)."""
    endpoint = launch.ags_endpoint or {}
    return bool(endpoint) and (placement.grading or bool(endpoint.get("lineitem")))


def score_maximum(placement: Placement) -> float:
    return placement.score_maximum or TestScoreForm.default_maximum


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
        can_grade=can_grade(launch, placement),
        grading_off=bool(launch.ags_endpoint) and not can_grade(launch, placement),
        score_maximum=score_maximum(placement),
    )
