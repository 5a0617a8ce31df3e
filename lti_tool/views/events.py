"""POST /events: the placement page tells us it was shown (``initialized``) or left
(``terminated``), from static/activity-events.js. Identity is the launch token (form field
``lt`` — ``navigator.sendBeacon`` cannot set headers — or ``Authorization: Bearer``)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from activities.errors import N_, NotFound
from activities.recording import PAGE_EVENTS, PageEvent, record_page_event
from lti_tool.auth import launch_required
from lti_tool.db import current_settings, get_session
from lti_tool.errors import UserFacingError
from lti_tool.features.activity.controllers import launch_placement
from lti_tool.lti.context import LaunchContext

bp = Blueprint("events", __name__)

#: Longest value echoed back in an error message (the rest is someone's noise).
ECHO_LIMIT = 40


class BadEventError(UserFacingError):
    status = 400
    title = N_("This activity event was not understood")


@bp.post("/events")
@launch_required
def post_event(launch: LaunchContext, launch_token: str) -> Response:
    """Record the event for the launch's placement; 204, with nothing for the page to read."""
    event = request.form.get("event", "").strip()
    if event not in PAGE_EVENTS:
        shown = repr(event[:ECHO_LIMIT]) if event else "nothing"
        raise BadEventError(
            N_("The activity event must be one of %(events)s; got %(shown)s."),
            code="event_unknown",
            params={"events": ", ".join(PAGE_EVENTS), "shown": shown},
        )
    placement = launch_placement(launch)
    if placement is None:  # a link not set up yet shows no activity page to report on
        raise NotFound(
            N_("This link does not lead to a Peerloop activity yet."), code="placement_not_found"
        )
    key = request.form.get("placement", "").strip()
    if key and key != placement.key:
        # The token is for one placement: it cannot report views of another.
        raise BadEventError(
            N_("This page's activity is not the one your LMS opened. Reload the course page."),
            code="event_placement_mismatch",
        )
    person = launch.participant
    if person is not None:
        verb: PageEvent = "initialized" if event == "initialized" else "terminated"
        session = get_session()
        record_page_event(session, person, placement, launch.visit(current_settings()), verb)
        session.commit()
    return Response(status=204)
