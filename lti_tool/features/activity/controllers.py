"""The activity page: what a resource-link launch shows, and for staff the participation
scores queued for the LMS gradebook (``_grades.html``) with "re-send all"."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers.response import Response as BaseResponse

from activities import grading, placements
from activities.errors import N_, NotFound
from activities.placements import Placement
from lti_tool.auth import launch_required, staff_required
from lti_tool.db import current_settings, get_session
from lti_tool.errors import UserFacingError
from lti_tool.features.activity import kinds
from lti_tool.lti.claims import RESOURCE_LINK_REQUEST
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.launch_state import find_page, make_store, put_page
from lti_tool.lti.nrps import Member
from lti_tool.lti.placement_links import launch_key
from lti_tool.models import Platform
from lti_tool.roster import course_roster
from lti_tool.views import picker_page
from lti_tool.views.picker_form import PickerForm

NOTICES = {
    "resent": N_("Every learner's score will be sent to the LMS again in a moment."),
}


def _launch_key(launch: LaunchContext) -> str | None:
    # The custom value, else the key in the link's URL (LMSs that drop custom: Chamilo).
    return launch_key(launch.custom, launch.target_link_uri, current_settings().base_url)


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
    visit = launch.visit(current_settings())
    placements.launched(session, launch.participant, placement, visit)
    if launch.participant is not None:
        # A rule of 0 + 0 gives full marks for opening the activity; otherwise this only
        # refreshes nothing (the score is unchanged) and costs one read.
        grading.evaluate(session, launch.participant, placement, visit)


def launch_page(launch: LaunchContext, token: str) -> str:
    """The page a resource-link launch redirected to: the placement it opens, or for a link
    not set up yet the picker (staff) or a word that it is coming (learners)."""
    placement = launch_placement(launch)
    if placement is None:
        if launch.is_staff:
            return picker_page.render(launch, token, setup=True)
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
    notice = NOTICES.get(request.args.get("done", ""))
    return _page(launch, token, placement, roster, gettext(notice) if notice else None)


def tokens_placement(launch: LaunchContext, key: str) -> Placement:
    """The placement ``key`` names, if it is the one the launch token was issued for (same
    platform, course and link): a token of one activity never opens or grades another."""
    placement = launch_placement(launch)
    if placement is None:  # the token's own link leads to no activity yet
        raise NotFound(placements.NOT_FOUND, code="placement_not_found")
    if placement.key != key:
        raise UserFacingError(
            N_(
                "This page belongs to another activity than the one your LMS opened. Open the "
                "activity from your course."
            ),
            status=403,
            code="placement_token_mismatch",
        )
    return placement


@staff_required
def set_up(launch: LaunchContext, launch_token: str) -> BaseResponse | tuple[str, int] | str:
    """Set up, in place, a link of the course that leads to no activity yet: the picker's
    form, its validation and its coach (one activity: no Deep Linking response, the link
    exists already); the placement is tied to the link's resource link id."""
    if launch.message_type != RESOURCE_LINK_REQUEST or not launch.resource_link_id:
        raise UserFacingError(
            N_("Only a link of the course can be set up here; open it from the course."),
            code="not_resource_link",
        )
    session = get_session()
    existing = launch_placement(launch)
    if existing is None:
        form = PickerForm.parse(request.form, language=picker_page.language())
        if form.action != "save":
            return picker_page.render(launch, launch_token, form, setup=True)
        if form.errors:
            return picker_page.render(launch, launch_token, form, setup=True), 400
        if form.warned and not form.save_anyway:
            return picker_page.render(launch, launch_token, form, setup=True, confirm=True)
        person = launch.participant
        if person is None:
            raise UserFacingError(
                N_("The LMS did not say who you are, so the activity cannot be set up."),
                status=403,
                code="anonymous_staff",
            )
        item = form.items[0]
        existing = placements.create(
            session,
            person,
            launch.visit(current_settings()),
            deployment_id=launch.deployment_id,
            title=item.title,
            prompt=item.prompt,
            kind=item.activity_kind,
            settings=item.settings,
            score_maximum=item.score_maximum if item.grading else None,
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
def resend_grades(key: str, launch: LaunchContext, launch_token: str) -> BaseResponse:
    """Staff send every learner's queued score to the LMS again (the worker does it)."""
    session = get_session()
    placement = tokens_placement(launch, key)
    platform = session.get(Platform, launch.platform_id)
    if platform is None or not platform.active or platform.issuer != launch.issuer:
        raise UserFacingError(
            N_("This LMS is no longer registered."), status=403, code="no_platform"
        )
    person = launch.participant
    if person is None:
        raise UserFacingError(
            N_("The LMS did not say who you are, so scores cannot be re-sent."),
            status=403,
            code="anonymous_staff",
        )
    grading.resend_all(session, person, placement)
    page_id = page_id_for(launch_token)
    session.commit()
    # Post/redirect/get; a page id (never the token) rides in the query of this in-frame link.
    return redirect(
        url_for(
            ".show",
            key=placement.key,
            page=page_id,
            done="resent",  # the notice (the reflection's staff page reads the same word)
            tab="participation",  # where a reflection's staff page shows the grades
            _anchor="grades",
        ),
        303,
    )


def grades_context(launch: LaunchContext, placement: Placement) -> dict[str, Any]:
    """What ``activity/_grades.html`` needs (staff pages include it): the rule, and each
    learner's queued score with how sending it went."""
    rows = grading.queued(get_session(), placement) if launch.is_staff else []
    return {
        "rule": grading.rule_for(placement),
        "rows": rows,
        # Our own messages are translated; the platform's are shown as it wrote them.
        "messages": {row.id: _message(row.last_message) for row in rows if row.last_message},
        "offers_ags": bool(launch.ags_endpoint),
    }


def _message(text: str) -> str:
    return gettext(text) if text == grading.NO_AGS else text


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
    return render_template(
        "activity/show.html",
        launch=launch,
        launch_token=token,
        placement=placement,
        roster=members,
        roster_error=roster_error,
        notice=notice,
        grades=grades_context(launch, placement) if launch.is_staff else None,
    )
