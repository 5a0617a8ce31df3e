"""The activity page: what a resource-link launch shows, and the staff's test score."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers.response import Response as BaseResponse

from activities import placements
from activities.errors import NotFound
from activities.placements import Placement
from lti_tool.auth import launch_required, staff_required
from lti_tool.db import current_settings, get_session
from lti_tool.errors import UserFacingError
from lti_tool.features.activity import kinds
from lti_tool.features.activity.forms import TestScoreForm
from lti_tool.lti.ags import sync_score
from lti_tool.lti.claims import PLACEMENT_PARAM, RESOURCE_LINK_REQUEST
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch_state import find_page, make_store, put_page
from lti_tool.lti.nrps import Member
from lti_tool.models import GradeSync, Platform
from lti_tool.roster import course_roster
from lti_tool.views.picker_form import PickerForm

NOTICES = {
    "sent": "Score sent to the LMS.",
    "failed": "The LMS did not take the score: see the grade sync table.",
}


def _launch_key(launch: LaunchContext) -> str | None:
    return str(launch.custom.get(PLACEMENT_PARAM) or "") or None


def launch_placement(launch: LaunchContext) -> Placement | None:
    """The placement the token's launch opened: its platform, course and resource link (reads
    only). None for a link nobody set up yet (added as an external tool without the picker:
    no key of ours, no placement for its resource link); a key naming nothing is a 404.
    Everything a later request does is checked against it."""
    key = _launch_key(launch)
    try:
        return placements.find(
            get_session(),
            launch.platform_id,
            key=key,
            context_id=launch.context_id,
            resource_link_id=launch.resource_link_id,
        )
    except NotFound:
        if key is not None or not launch.resource_link_id:
            raise
        return None


def arrive(launch: LaunchContext) -> None:
    """At the launch POST: the placement it opens (a copy of it when the key comes from
    another course or link) gets its ``launched`` recorded and its resource link remembered
    (flushed; the launch view commits once). Once per launch, never on a reload of its page;
    nothing for a link not set up yet."""
    session = get_session()
    try:
        placement = placements.for_launch(
            session,
            launch.platform_id,
            key=_launch_key(launch),
            context_id=launch.context_id,
            resource_link_id=launch.resource_link_id,
            deployment_id=launch.deployment_id,
        )
    except NotFound:
        if _launch_key(launch) is not None or not launch.resource_link_id:
            raise
        return
    placements.launched(session, launch.participant, placement, launch.visit(current_settings()))


def launch_page(launch: LaunchContext, token: str) -> str:
    """The page a resource-link launch redirected to: the placement it opens, or for a link
    not set up yet the picker (staff) or a word that it is coming (learners)."""
    placement = launch_placement(launch)
    if placement is None:
        if launch.is_staff:
            return render_template(
                "deep_linking/picker.html", launch=launch, launch_token=token, setup=True
            )
        return render_template("activity/not_set_up.html", launch=launch)
    return _dispatch(launch, token, placement)


def _dispatch(launch: LaunchContext, token: str, placement: Placement) -> str:
    """The page of the placement's kind (``kinds.register``), else the frame's own."""
    page = kinds.page_for(placement.kind)
    if page is not None:
        return page(launch, token, placement)
    return frame_page(launch, token, placement)


def frame_page(launch: LaunchContext, token: str, placement: Placement) -> str:
    """The frame's own page: title and prompt; for staff the roster and a test score."""
    roster = course_roster(launch) if launch.is_staff else ([], None)
    return _page(launch, token, placement, roster, NOTICES.get(request.args.get("sync", "")))


def tokens_placement(launch: LaunchContext, key: str) -> Placement:
    """The placement ``key`` names, if it is the one the launch token was issued for (same
    platform, course and link): a token of one activity never opens or grades another."""
    placement = launch_placement(launch)
    if placement is None:  # the token's own link leads to no activity yet
        raise NotFound(placements.NOT_FOUND, code="placement_not_found")
    if placement.key != key:
        raise UserFacingError(
            "This page belongs to another activity than the one your LMS opened. Open the "
            "activity from your course.",
            status=403,
            code="placement_token_mismatch",
        )
    return placement


@staff_required
def set_up(launch: LaunchContext, launch_token: str) -> BaseResponse | tuple[str, int]:
    """Set up, in place, a link of the course that leads to no activity yet: the placement is
    tied to its resource link id (no Deep Linking response: the link exists already)."""
    if launch.message_type != RESOURCE_LINK_REQUEST or not launch.resource_link_id:
        raise UserFacingError(
            "Only a link of the course can be set up here; open it from the course.",
            code="not_resource_link",
        )
    session = get_session()
    existing = launch_placement(launch)
    if existing is None:
        form = PickerForm.parse(request.form)
        if form.errors:
            html = render_template(
                "deep_linking/picker.html",
                launch=launch,
                launch_token=launch_token,
                setup=True,
                errors=form.errors,
                title=form.title,
                prompt=form.prompt,
            )
            return html, 400
        person = launch.participant
        if person is None:
            raise UserFacingError(
                "The LMS did not say who you are, so the activity cannot be set up.",
                status=403,
                code="anonymous_staff",
            )
        existing = placements.create(
            session,
            person,
            launch.visit(current_settings()),
            deployment_id=launch.deployment_id,
            title=form.title,
            prompt=form.prompt,
            resource_link_id=launch.resource_link_id,
        )
    # A second submit (Back, or two tabs) finds the placement the first one made.
    page_id = page_id_for(launch_token)
    session.commit()
    return redirect(url_for(".show", key=existing.key, page=page_id), 303)


@launch_required
def show(key: str, launch: LaunchContext, launch_token: str) -> str:
    return _dispatch(launch, launch_token, tokens_placement(launch, key))


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
    page_id = page_id_for(launch_token)
    session.commit()
    # Post/redirect/get; a page id (never the token) rides in the query of this in-frame link.
    return redirect(url_for(".show", key=placement.key, page=page_id, sync=row.status), 303)


def can_grade(launch: LaunchContext, placement: Placement) -> bool:
    """Scores can go to the LMS: it offers AGS for this link, and either grading is on for the
    placement or the LMS gave the link a line item of its own (the teacher set one up)."""
    endpoint = launch.ags_endpoint or {}
    return bool(endpoint) and (placement.grading or bool(endpoint.get("lineitem")))


def score_maximum(placement: Placement) -> float:
    return placement.score_maximum or TestScoreForm.default_maximum


def page_id_for(token: str) -> str:
    """The page id the form (or the page's URL) came from when it stands for this token,
    else a new one."""
    store = make_store(current_settings(), get_session())
    page_id = request.values.get("page", "")
    if page_id and find_page(store, page_id) == token:
        return page_id
    return put_page(store, token, current_settings().launch_token_ttl_seconds)


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
